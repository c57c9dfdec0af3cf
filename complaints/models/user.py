"""Staff accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from complaints.domain.catalog import ROLES
from complaints.extensions import db
from complaints.models.base import created_at_column, in_check
from complaints.models.sealing import SealedString


class User(UserMixin, db.Model):
    """A staff member with one role, attached to an agency (admins and inspectors may not be)."""

    __tablename__ = "users"
    __table_args__ = (in_check("role", ROLES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    # Security state, used by sign-in throttling and two-factor sign-in.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Sealed at rest (models/sealing.py): it is the second factor itself.
    totp_secret: Mapped[str | None] = mapped_column(SealedString(255))
    # The last TOTP time step accepted: a code of that step or an earlier one is refused
    # (RFC 6238 §5.2, no replay within the code's window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Set when an admin resets the user's 2FA: the user must enrol again at next sign-in.
    totp_reenrol: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when an admin sets a new password (which the admin then knows): the user chooses
    # their own before reaching anything else, and gets no API token until then.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False,
                                                           server_default=false())
    # Agency notices up to this id count as read ("mark all as read" sets it).
    notices_read_upto: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped on password change so that every other session is signed out.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = created_at_column()

    agency = relationship("Agency")

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class UnknownSignIn(db.Model):
    """Failed sign-ins under a name that is no active account, counted and locked as an
    account's are: otherwise only real accounts would ever lock, and the lockout would tell
    which usernames exist. Rows idle for a day are deleted as new failures come."""

    __tablename__ = "unknown_sign_ins"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class EndedSession(db.Model):
    """A browser session signed out on its device: its cookie is signed, so a copy of it
    (a shared computer, a stolen cookie) would stay valid without this. Only the one device
    is signed out; a password change ends every session (User.session_version). Kept for
    SESSION_MAX_HOURS, after which no session is valid anyway."""

    __tablename__ = "ended_sessions"

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
