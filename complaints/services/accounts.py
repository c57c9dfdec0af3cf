"""User accounts: creation and sign-in checks."""

from __future__ import annotations

import logging
from datetime import datetime

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


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
