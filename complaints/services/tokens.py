"""Bearer tokens of the JSON API: issued on sign-in, only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from complaints import clock
from complaints.extensions import db
from complaints.models import ApiToken, User
from complaints.services import audit

logger = logging.getLogger(__name__)

TOKEN_LIFETIME = timedelta(hours=12)


def token_hash(raw: str) -> str:
    """Return the SHA-256 (hex) of a raw token: what the database keeps."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()




def issue_token(user: User, now: datetime,
                lifetime: timedelta = TOKEN_LIFETIME) -> tuple[str, ApiToken]:
    """Create a token for a signed-in user; return the raw token (shown once) and its row."""
    raw = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(raw), created_at=now,
                   expires_at=now + lifetime)
    db.session.add(row)
    db.session.flush()
    audit.record(f"user:{user.id}", "api_token_issued", user, now,
                 {"token": row.id, "expires_at": row.expires_at})
    return raw, row


def user_for_token(raw: str | None, now: datetime,
                   require_2fa_roles: tuple[str, ...] = ()) -> User | None:
    """Return the active user of a valid, unexpired, unrevoked token, or None.

    A user whose role requires two-factor sign-in (or whose 2FA an admin reset) and who has
    not enrolled gets None too: tokens never bypass the second factor.
    """
    if not raw:
        return None
    row = db.session.scalar(_by_hash(), {"hash": token_hash(raw)})
    if row is None or row.revoked or clock.as_utc(row.expires_at) <= now:
        return None
    user = row.user
    if user is None or not user.active:
        return None
    if (user.role in require_2fa_roles or user.totp_reenrol) and not user.totp_secret:
        return None
    return user


@cache
def _by_hash():
    """The token with the user and their agency in one round trip, built once: every API
    request comes through here."""
    return (select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.agency))
            .where(ApiToken.token_hash == bindparam("hash")))


def revoke_token(raw: str, actor: User | None, now: datetime) -> bool:
    """Revoke a token; return whether one was found."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if row is None:
        return False
    row.revoked = True
    db.session.flush()
    audit.record(f"user:{row.user_id}", "api_token_revoked", actor, now, {"token": row.id})
    return True


def live_count(user: User, now: datetime) -> int:
    """How many of a user's tokens would still be accepted (unrevoked, unexpired)."""
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False),
        ApiToken.expires_at > now)) or 0


def revoke_all(user: User, actor: User | None, now: datetime) -> int:
    """Revoke every live token of a user (audited once); return how many."""
    rows = list(db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False))))
    live = [row for row in rows if clock.as_utc(row.expires_at) > now]
    for row in rows:
        row.revoked = True
    db.session.flush()
    if live:
        audit.record(f"user:{user.id}", "api_tokens_revoked", actor, now,
                     {"tokens": [row.id for row in live]})
    return len(live)
