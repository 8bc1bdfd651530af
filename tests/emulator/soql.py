# SPDX-License-Identifier: ISC
"""A small SOQL subset for the emulator's query resource.

SELECT f1, f2 FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
[LIMIT n] [OFFSET n]

cond: AND / OR / NOT, parentheses, = != <> < <= > >= LIKE, IN (...), NOT IN (...);
values: 'strings' with backslash escapes, numbers, true/false/null, date literals
(2026-12-01), datetime literals (2026-12-01T00:00:00Z, ...+01:00, .000Z), and the
date literals TODAY / YESTERDAY / TOMORROW.
"""
import datetime as dt
import re


class SoqlError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<dtlit>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<datelit>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
""", re.X)

KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "ASC",
            "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "LIKE", "TRUE", "FALSE",
            "NULL", "TODAY", "YESTERDAY", "TOMORROW"}

ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
       "\\": "\\", "_": "\\_", "%": "\\%"}


def unquote(s):
    out, i = [], 1
    while i < len(s) - 1:
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            if n not in ESC:
                raise SoqlError("MALFORMED_QUERY", "Invalid string literal '%s'. Illegal "
                                "character sequence '\\%s' in string literal." % (s, n))
            out.append(ESC[n])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tokenize(q):
    pos, out = 0, []
    while pos < len(q):
        m = TOKEN.match(q, pos)
        if not m:
            raise SoqlError("MALFORMED_QUERY", "\n%s\n%s^\nERROR at Row:1:Column:%d\n"
                            "unexpected token: '%s'" % (q, " " * pos, pos + 1, q[pos]))
        kind = m.lastgroup
        if kind != "ws":
            val = m.group(kind)
            if kind == "ident" and val.upper() in KEYWORDS:
                kind, val = "kw", val.upper()
            out.append((kind, val, pos))
        pos = m.end()
    out.append(("eof", "", len(q)))
    return out


class Literal:
    def __init__(self, kind, value):
        self.kind = kind  # str num bool null date datetime
        self.value = value


def parse_dt_literal(s):
    s2 = s.replace("Z", "+00:00")
    if "." in s2:
        base, rest = s2.split(".", 1)
        ms, tz = rest[:-6], rest[-6:]
        s2 = base + "." + ms.ljust(3, "0")[:3] + "000" + tz
    return dt.datetime.fromisoformat(s2)


class Parser:
    def __init__(self, q):
        self.q = q
        self.toks = tokenize(q)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, t=None):
        t = t or self.peek()
        shown = t[1] if t[0] != "eof" else "<EOF>"
        raise SoqlError("MALFORMED_QUERY", "\n%s\n%s^\nERROR at Row:1:Column:%d\n"
                        "unexpected token: '%s'" % (self.q, " " * t[2], t[2] + 1, shown))

    def kw(self, *words):
        t = self.peek()
        if t[0] == "kw" and t[1] in words:
            self.i += 1
            return t[1]
        return None

    def expect_kw(self, w):
        if not self.kw(w):
            self.fail()

    def ident(self):
        t = self.next()
        if t[0] != "ident":
            self.fail(t)
        return t

    def parse(self):
        self.expect_kw("SELECT")
        fields = [self.ident()]
        while self.peek()[1] == ",":
            self.next()
            fields.append(self.ident())
        self.expect_kw("FROM")
        obj = self.ident()
        where = None
        if self.kw("WHERE"):
            where = self.expr()
        order = []
        if self.kw("ORDER"):
            self.expect_kw("BY")
            while True:
                f = self.ident()
                desc = self.kw("ASC", "DESC") == "DESC"
                nulls_last = desc
                if self.kw("NULLS"):
                    nulls_last = self.kw("FIRST", "LAST") == "LAST"
                order.append((f, desc, nulls_last))
                if self.peek()[1] != ",":
                    break
                self.next()
        limit = offset = None
        if self.kw("LIMIT"):
            t = self.next()
            if t[0] != "num" or not t[1].isdigit():
                self.fail(t)
            limit = int(t[1])
        if self.kw("OFFSET"):
            t = self.next()
            if t[0] != "num" or not t[1].isdigit():
                self.fail(t)
            offset = int(t[1])
        if self.peek()[0] != "eof":
            self.fail()
        return {"fields": fields, "object": obj, "where": where, "order": order,
                "limit": limit, "offset": offset}

    def expr(self):
        left = self.term()
        while self.kw("OR"):
            left = ("or", left, self.term())
        return left

    def term(self):
        left = self.factor()
        while self.kw("AND"):
            left = ("and", left, self.factor())
        return left

    def factor(self):
        if self.kw("NOT"):
            return ("not", self.factor())
        if self.peek()[1] == "(":
            self.next()
            e = self.expr()
            if self.next()[1] != ")":
                self.fail(self.toks[self.i - 1])
            return e
        f = self.ident()
        if self.kw("NOT"):
            self.expect_kw("IN")
            return ("notin", f, self.value_list())
        if self.kw("IN"):
            return ("in", f, self.value_list())
        if self.kw("LIKE"):
            v = self.value()
            if v.kind != "str":
                self.fail()
            return ("like", f, v)
        t = self.next()
        if t[0] != "op":
            self.fail(t)
        op = "!=" if t[1] == "<>" else t[1]
        return ("cmp", op, f, self.value())

    def value_list(self):
        if self.next()[1] != "(":
            self.fail(self.toks[self.i - 1])
        vals = [self.value()]
        while self.peek()[1] == ",":
            self.next()
            vals.append(self.value())
        if self.next()[1] != ")":
            self.fail(self.toks[self.i - 1])
        return vals

    def value(self):
        t = self.next()
        k, v = t[0], t[1]
        if k == "str":
            return Literal("str", unquote(v))
        if k == "num":
            return Literal("num", float(v))
        if k == "datelit":
            try:
                return Literal("date", dt.date.fromisoformat(v))
            except ValueError:
                self.fail(t)
        if k == "dtlit":
            try:
                return Literal("datetime", parse_dt_literal(v))
            except ValueError:
                self.fail(t)
        if k == "kw" and v in ("TRUE", "FALSE"):
            return Literal("bool", v == "TRUE")
        if k == "kw" and v == "NULL":
            return Literal("null", None)
        if k == "kw" and v in ("TODAY", "YESTERDAY", "TOMORROW"):
            d = dt.datetime.now(dt.timezone.utc).date()
            d += dt.timedelta(days={"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}[v])
            return Literal("date", d)
        self.fail(t)


def parse(q):
    return Parser(q).parse()
