"""User accounts: creation and sign-in checks."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from complaints.domain.catalog import ROLES
from complaints.extensions import db
from complaints.models import Agency, User
from complaints.services import audit

logger = logging.getLogger(__name__)


class AccountError(ValueError):
    """A user could not be created or changed; the message says why."""


def create_user(username: str, role: str, password: str, now: datetime,
                agency_code: str | None = None, full_name: str = "",
                email: str | None = None, actor: User | None = None) -> User:
    """Create a staff account with a hashed password."""
    username = username.strip()
    if not username:
        raise AccountError("Username is required.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(password) < 8:
        raise AccountError("The password must have at least 8 characters.")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"User {username!r} already exists.")
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise AccountError(f"No agency has the code {agency_code!r}.")
    if role in ("reception", "agency_head", "agency_officer") and agency is None:
        raise AccountError(f"A {role} user needs an agency (--agency CODE).")
    user = User(username=username, role=role, agency=agency, full_name=full_name or username,
                email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(f"user:{user.id}", "user_created", actor, now,
                 {"username": username, "role": role, "agency": agency_code})
    return user


class AccountLocked(Exception):
    """Too many failed sign-ins: the account is locked until `until`."""

    def __init__(self, until: datetime):
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; they were stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def authenticate(username: str, password: str, now: datetime, max_failures: int = 5,
                 lock_minutes: int = 15) -> User | None:
    """Return the active user with these credentials, or None; lock after repeated failures."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        return None
    locked_until = _aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        raise AccountLocked(locked_until)
    if not user.check_password(password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            audit.record(f"user:{user.id}", "login_locked", None, now,
                         {"until": user.locked_until})
        return None
    user.failed_logins, user.locked_until = 0, None
    return user
