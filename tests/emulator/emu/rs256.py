# SPDX-License-Identifier: ISC
"""JWT RS256 verification (RSA PKCS#1 v1.5 with SHA-256) in pure Python."""
import base64
import hashlib
import hmac


def der_items(b):
    out, i = [], 0
    while i < len(b):
        tag, ln = b[i], b[i + 1]
        i += 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(b[i:i + n], "big")
            i += n
        out.append((tag, b[i:i + ln]))
        i += ln
    return out


def rsa_public_from_cert_pem(pem):
    b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    cert = der_items(base64.b64decode(b64))[0][1]
    tbs = der_items(cert)[0][1]
    items = der_items(tbs)
    if items[0][0] == 0xA0:
        items = items[1:]
    spki = der_items(items[5][1])
    bitstring = spki[1][1][1:]
    n, e = der_items(der_items(bitstring)[0][1])
    return int.from_bytes(n[1], "big"), int.from_bytes(e[1], "big")

SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def rsa_verify(pub, msg, sig):
    n, e = pub
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = SHA256_PREFIX + hashlib.sha256(msg).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(t)) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
