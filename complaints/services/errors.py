"""Service-layer errors; the web and API layers turn them into messages and status codes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: the request was understood but cannot be carried out."""


class ValidationFailed(ServiceError):
    """Bad input; `errors` maps each field to a message (422 in the API)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotAllowed(ServiceError):
    """The actor's role or agency does not allow this (403)."""


class NotFound(ServiceError):
    """No such record, or not one the actor may see (404). `what`: the kind of record the
    message names ("case" unless told)."""

    def __init__(self, *args, what: str = "case"):
        super().__init__(*args)
        self.what = what
