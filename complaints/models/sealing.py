"""Columns kept encrypted at rest.

A user's two-factor secret is the second factor itself: whoever reads it from a copy of the
database (a backup left on a share, a dump sent for support) generates every code. It is
therefore stored sealed with Fernet (AES-128-CBC and HMAC-SHA256) under a key derived from
SECRET_KEY, which never lives in the database. The app factory gives the key
(`configure`); the column type seals on write and opens on read, so the services handle
the plain value.

A value sealed under another key (SECRET_KEY changed or lost) reads as UNREADABLE: the
account keeps asking for a code that nothing matches until its two-factor sign-in is reset
(Admin → Users, or `flask users reset-2fa`), rather than signing in without one.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

# What a sealed value that does not open reads as: no authenticator secret looks like it
# (base32 has no "!"), so no code ever matches it.
UNREADABLE = "!unreadable"
_PURPOSE = b"complaints: sealed columns"
_FERNET_PREFIX = "gAAAAA"  # a Fernet token's version byte and the start of its time stamp
_key: dict[str, Fernet] = {}


@lru_cache(maxsize=8)
def derived_fernet(secret_key: str | bytes, purpose: bytes) -> Fernet:
    """A Fernet key derived from SECRET_KEY for one purpose (HKDF-SHA256): the session
    cookie's sealed values (web/sealed.py) and these columns never share a key."""
    material = secret_key if isinstance(secret_key, bytes) else secret_key.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def configure(secret_key: str | bytes) -> None:
    """Seal and open with this key from now on (the app factory calls it)."""
    _key["fernet"] = derived_fernet(secret_key, _PURPOSE)


def _current() -> Fernet:
    """The running app's key (two apps of one process, in tests or scripts, each keep
    theirs: QA 108); the one configured last outside any app context (a bare script)."""
    if has_app_context():
        return derived_fernet(current_app.config["SECRET_KEY"], _PURPOSE)
    try:
        return _key["fernet"]
    except KeyError:
        raise RuntimeError("sealed columns used before complaints.create_app") from None


def seal(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def is_sealed(value: str) -> bool:
    return value.startswith(_FERNET_PREFIX)


def open_value(value: str) -> str:
    """The plain value; a value stored before sealing began is returned as it is (the
    migration seals them; this keeps a database restored from an older backup usable)."""
    if not is_sealed(value):
        return value
    try:
        return _current().decrypt(value.encode()).decode()
    except InvalidToken:
        logger.error("A sealed column does not open with this SECRET_KEY: the value was "
                     "sealed under another key; reset the account's two-factor sign-in")
        return UNREADABLE


class SealedString(TypeDecorator):
    """A string column stored sealed (see the module's docstring)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value == UNREADABLE:  # never write the marker back over the sealed value
            raise ValueError("an unreadable sealed value cannot be stored")
        return seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else open_value(value)
