# SPDX-License-Identifier: ISC
"""The errors a request can end in, as Salesforce answers them."""


class SFError(Exception):
    """An error answered as Salesforce's array [{message, errorCode, fields?}]."""

    def __init__(self, status, code, message, fields=None, body=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields
        self.body = body

    def item(self, key="errorCode"):
        d = {"message": self.message, key: self.code}
        if self.fields is not None:
            d["fields"] = self.fields
        return d

    def array(self):
        return self.body if self.body is not None else [self.item()]


class OAuthError(Exception):
    def __init__(self, error, desc, status=400):
        super().__init__(desc)
        self.error, self.desc, self.status = error, desc, status


class Cut(Exception):
    pass


def not_found():
    return SFError(404, "NOT_FOUND", "The requested resource does not exist")


def method_not_allowed(method, allowed):
    return SFError(405, "METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s"
                   % (method, allowed))


def entity_is_deleted():
    """A record in the Recycle Bin, written to or deleted again."""
    return SFError(404, "ENTITY_IS_DELETED", "entity is deleted", [])


def converted_lead():
    """A converted lead written to, or named by a new reference."""
    return SFError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
