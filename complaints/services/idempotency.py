"""The API's idempotency key: a client that sends a petition and loses the answer (a timeout,
a dropped connection) may send it again with the same `Idempotency-Key` header and get the
case it already opened, not a second case for the same letter (a second case would be
counted twice in the reports and flagged as a repeated petition).

The key is kept where the desk's forms keep their one-time tokens (DeskSubmission), per
user and operation, with a digest of the request: the same key sent with another request is
refused rather than answered with a case the request did not ask for. Two sends at the same
moment collide on the token's primary key: the caller rolls back and answers the first.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import DeskSubmission
from complaints.services.errors import ValidationFailed

HEADER = "Idempotency-Key"
KEY_MAX = 255
# Visible ASCII: what an HTTP header carries unchanged through every proxy.
_KEY = re.compile(rf"[\x21-\x7e]{{1,{KEY_MAX}}}")
_PREFIX = "api:"

KEY_INVALID = N_("Idempotency-Key gồm 1–%(n)s ký tự ASCII in được, không có dấu cách.",
                 n=KEY_MAX)
KEY_REUSED = N_("Idempotency-Key này đã được dùng cho một yêu cầu khác: mỗi yêu cầu mới "
                "cần một khóa mới.")


def token(key: str | None, user_id: int, operation: str) -> str | None:
    """The one-time token of a request carrying `key` (None: no key sent). A key is the
    client's own: two users (or two operations) using the same one do not meet."""
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ValidationFailed({HEADER: KEY_INVALID})
    digest = hashlib.sha256(f"{user_id}\n{operation}\n{key}".encode()).hexdigest()
    return _PREFIX + digest[:60]


def digest(body: object) -> str:
    """What the request asked for, as a digest of its JSON body (key order ignored)."""
    # ASCII escapes: a lone surrogate (refused later, by the schema) has no UTF-8 form.
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_case(token_: str | None, request_digest: str) -> int | None:
    """The case an earlier request with this token opened or joined (None: none yet).
    Refused when that request asked for something else."""
    if token_ is None:
        return None
    row = db.session.scalar(select(DeskSubmission).where(DeskSubmission.token == token_))
    if row is None:
        return None
    if row.request_digest != request_digest or row.case_id is None:
        raise ValidationFailed({HEADER: KEY_REUSED})
    return row.case_id


def record(token_: str | None, case_id: int, request_digest: str, now: datetime) -> None:
    """Keep the token with the case, in the request's transaction (a second send at the same
    moment collides here: IntegrityError)."""
    if token_ is None:
        return
    db.session.add(DeskSubmission(token=token_, case_id=case_id,
                                  request_digest=request_digest, created_at=now))
    db.session.flush()


@dataclass(frozen=True)
class Forgotten:
    removed: int
    kept: int


def forget_older_than(now: datetime, keep: timedelta, dry_run: bool = False) -> Forgotten:
    """Delete the tokens (desk forms' and Idempotency-Keys) saved before `now - keep`.

    Without this the table holds one row per intake for ever. A token is needed only while
    its request may be sent again: a client's retry comes within minutes, and a desk form's
    CSRF token and session expire within hours. Two schedulers running it at once delete
    the same rows; the second finds none."""
    cutoff = now - keep
    old = DeskSubmission.created_at < cutoff
    if dry_run:
        removed = db.session.scalar(select(func.count()).where(old)) or 0
    else:
        removed = db.session.execute(delete(DeskSubmission).where(old)).rowcount or 0
    kept = db.session.scalar(select(func.count()).select_from(DeskSubmission)
                             .where(DeskSubmission.created_at >= cutoff)) or 0
    return Forgotten(removed=removed, kept=kept)
