"""What the browser carries between requests but must not be able to read.

Flask's session cookie is signed, not encrypted: whoever sees the cookie (a proxy's log, the
browser profile of a shared reception computer) can decode what is in it. A PIN on its way
from the form that created a case to the page that shows it once is therefore sealed with
Fernet (AES-128-CBC and HMAC-SHA256) under a key derived from SECRET_KEY, and expires after
SEAL_MAX_AGE_SECONDS. So is a new two-factor secret between the page that shows it and the
first code that confirms it (a copy of that cookie would otherwise be the second factor),
and the uploads of an intake form waiting for its errors to be corrected (file names often
name the petitioner).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, request, session

from complaints.models.sealing import derived_fernet

SEAL_MAX_AGE_SECONDS = 15 * 60


def _fernet(secret_key: str | bytes) -> Fernet:
    return derived_fernet(secret_key, b"complaints: sealed session values")


def seal(value: Any) -> str:
    return _fernet(current_app.config["SECRET_KEY"]).encrypt(
        json.dumps(value).encode()).decode()


def unseal(token: Any, max_age: int = SEAL_MAX_AGE_SECONDS,
           now: float | None = None) -> Any | None:
    """The sealed value, or None when it is missing, tampered with, expired or not sealed."""
    if not isinstance(token, str):
        return None
    fernet = _fernet(current_app.config["SECRET_KEY"])
    try:
        return json.loads(fernet.decrypt(token, ttl=max_age) if now is None
                          else fernet.decrypt_at_time(token, ttl=max_age, current_time=int(now)))
    except (InvalidToken, ValueError):
        return None


def put(key: str, value: Any) -> None:
    session[key] = seal(value)


def peek(key: str, max_age: int = SEAL_MAX_AGE_SECONDS) -> Any | None:
    return unseal(session.get(key), max_age)


def pop(key: str, max_age: int = SEAL_MAX_AGE_SECONDS) -> Any | None:
    return unseal(session.pop(key, None), max_age)


# Set by the language links (web.set_language) to the page they return to: a value shown
# once (a PIN) is shown again on that page in the other language, instead of being lost.
LANG_SWITCH_KEY = "lang_switched_to"


def once(key: str, max_age: int = SEAL_MAX_AGE_SECONDS) -> dict | None:
    """Return a sealed dict meant for one view of a page (a PIN after intake).

    The first view marks it shown; a later view gets it again only when it is the page's
    own language link coming back (QA round 17: tapping "English" on the receipt lost the
    PIN for good); any other later view, a reload included, forgets it.
    """
    value = peek(key, max_age)
    switched = session.pop(LANG_SWITCH_KEY, None)
    if not isinstance(value, dict):
        session.pop(key, None)
        return None
    if value.get("_shown"):
        if switched != request.path:
            session.pop(key, None)
            return None
    else:
        put(key, {**value, "_shown": True})
    return value
