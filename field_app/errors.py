"""Domain errors: what went wrong, in domain terms, with a stable code. No HTTP here: the API maps each
error's ``kind`` to a status in one place (``field_app/api/errors.py``); services and the domain raise
only these. The JSON shape the API answers is ``{"error": {"code", "message", "field"}, **details}``."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Something the caller can act on, said in domain terms: a stable ``code``, an English message
    (a ``str.format`` template over ``params``), the input ``field`` at fault. No HTTP here: the API maps
    each subclass's ``kind`` to a status in one place; services and the domain raise only these.

    ``params`` fill the message; ``details`` travel in the error body beside it (e.g.
    ``retry_after_seconds``, the rows at fault of an import)."""

    kind = "invalid"

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        **params: Any,
    ):
        super().__init__(message.format(**params) if params else message)
        self.code, self.template, self.field, self.params = code, message, field, params
        self.details = details or {}  #: machine-readable fields answered beside ``error``

    @property
    def message(self) -> str:
        return str(self)


class Invalid(DomainError):
    """The input is well-formed but wrong (422)."""

    kind = "invalid"


class BadRequest(DomainError):
    """The request cannot be read at all: malformed JSON, wrong content (400)."""

    kind = "bad_request"


class NotFound(DomainError):
    """No such object, or one the caller may not see: both answer alike (404)."""

    kind = "not_found"


class Conflict(DomainError):
    """The object's state does not allow it: already closed, id re-used (409)."""

    kind = "conflict"


class Forbidden(DomainError):
    """The caller is known but not allowed (403)."""

    kind = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials (401)."""

    kind = "unauthenticated"


class TooMany(DomainError):
    """A limit was reached; ``retry_after_seconds`` in params when waiting helps (429)."""

    kind = "too_many"


class TooLarge(DomainError):
    """The upload is larger than accepted (413)."""

    kind = "too_large"


class Unsupported(DomainError):
    """A media type the server does not read (415)."""

    kind = "unsupported"


class Unavailable(DomainError):
    """A dependency is briefly down; retry (503)."""

    kind = "unavailable"


KINDS = tuple(c.kind for c in DomainError.__subclasses__())
