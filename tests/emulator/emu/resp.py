# SPDX-License-Identifier: ISC
"""A response to send, and the reading of a JSON request body."""
import json

from .errors import SFError


class Resp:
    def __init__(self, status, body=None, headers=None, ctype="application/json;charset=UTF-8"):
        self.status, self.body, self.headers, self.ctype = status, body, headers or {}, ctype

REASONS = {200: "OK", 201: "Created", 204: "No Content", 300: "Multiple Choices",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
           412: "Precondition Failed", 415: "Unsupported Media Type",
           500: "Server Error", 503: "Service Unavailable"}


def jbody(body):
    if not body:
        raise SFError(400, "JSON_PARSER_ERROR", "No content to map due to end-of-input at "
                      "[line:1, column:0]")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SFError(400, "JSON_PARSER_ERROR", "Invalid UTF-8 start byte at [line:1, column:1]")
    try:
        return json.loads(text), text
    except json.JSONDecodeError as e:
        ch = text[e.pos] if e.pos < len(text) else ""
        detail = ("Unexpected character ('%s' (code %d)): %s" % (ch, ord(ch), e.msg.lower())
                  if ch else "Unexpected end-of-input: " + e.msg.lower())
        raise SFError(400, "JSON_PARSER_ERROR", "%s at [line:%d, column:%d]"
                      % (detail, e.lineno, e.colno))


def parsed(body, body_text):
    """Top-level requests pass bytes; composite subrequests pass an object."""
    if isinstance(body, (bytes, bytearray)) or body is None:
        return jbody(body)
    return body, None
