# SPDX-License-Identifier: ISC
"""Times: Salesforce's datetime forms, HTTP dates, the stamp of a write."""
import datetime as dt
import email.utils
import re
import time

_NOW = [None, ""]


def now_sf(t=None):
    ms = int((time.time() if t is None else t) * 1000)
    if ms == _NOW[0]:
        return _NOW[1]  # a graph writes several records in one millisecond
    g = time.gmtime(ms // 1000)
    text = "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (g[0], g[1], g[2], g[3], g[4], g[5],
                                                        ms % 1000)
    _NOW[0], _NOW[1] = ms, text
    return text


def http_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def parse_http_date(s):
    try:
        return email.utils.parsedate_to_datetime(s).timestamp()
    except (TypeError, ValueError, IndexError):
        return None

DT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?"
                   r"(Z|[+-]\d{2}:\d{2})$")

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_sf_datetime(s):
    """Accepted input forms: yyyy-MM-ddTHH:mm:ss[.SSS](Z|+HH:MM). -> aware dt"""
    m = DT_RE.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d, h, mi, se, ms, tz = m.groups()
    try:
        tzinfo = dt.timezone.utc if tz == "Z" else dt.timezone(
            (1 if tz[0] == "+" else -1) * dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se),
                           int((ms or "0").ljust(3, "0")) * 1000, tzinfo)
    except ValueError:
        return None


def fmt_sf_datetime(d):
    d = d.astimezone(dt.timezone.utc)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (d.year, d.month, d.day, d.hour,
                                                        d.minute, d.second, d.microsecond // 1000)


def stored_dt(s):
    """Stored datetimes are yyyy-MM-ddTHH:mm:ss.SSS+0000 (sliced: strptime is slow)."""
    if len(s) == 28 and s.endswith("+0000") and s[10] == "T" and s[19] == ".":
        return dt.datetime(int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]),
                           int(s[14:16]), int(s[17:19]), int(s[20:23]) * 1000, dt.timezone.utc)
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")
