# SPDX-License-Identifier: ISC
"""Salesforce record ids: 15 and 18 characters, and the ids this emulator makes."""
import re

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")

EXTRA_PREFIXES = {"Group": "00G", "Calendar": "023", "Profile": "00e"}

UPPER_BITS = str.maketrans({chr(c): ("1" if 65 <= c <= 90 else "0") for c in range(128)})


def id18(id15):
    # each 5-character chunk, read backwards, is a binary number: 1 per A-Z
    m = id15[:15].translate(UPPER_BITS)
    return (id15 + SUFFIX[int(m[4::-1], 2)] + SUFFIX[int(m[9:4:-1], 2)] +
            SUFFIX[int(m[14:9:-1], 2)])

B62_PAIRS = [a + b for a in B62 for b in B62]


def pod(index):
    """The three characters after the key prefix for the org made index-th
    (0: the default org, "Hs0"): ids of different orgs never collide, as
    Salesforce's ids are unique across orgs."""
    return "H" + B62_PAIRS[B62_PAIRS.index("s0") + index]


def make_id(prefix, n, pod="Hs0"):
    # 9 base-62 digits: one digit and four pairs
    n, r1 = divmod(n, 3844)
    n, r2 = divmod(n, 3844)
    n, r3 = divmod(n, 3844)
    n, r4 = divmod(n, 3844)
    return id18(prefix + pod + B62[n % 62] + B62_PAIRS[r4] + B62_PAIRS[r3] + B62_PAIRS[r2] +
                B62_PAIRS[r1])


def norm_id(s):
    """15 or 18 chars -> 18 chars, or None if malformed."""
    if not isinstance(s, str) or not ID_RE.match(s):
        return None
    full = id18(s[:15])
    if len(s) == 15:
        return full
    if full != s and full != s[:15] + s[15:].upper():
        return None
    return full
