"""User accounts: creation and sign-in checks."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from complaints import clock
from complaints.domain import contacts
from complaints.domain.catalog import ROLES
from complaints.domain.limits import ADMIN_REASON_MAX
from complaints.domain.messages import N_
from complaints.domain.text import has_control, visible_length
from complaints.extensions import db
from complaints.models import Agency, EndedSession, UnknownSignIn, User, sealing
from complaints.services import audit, tokens

logger = logging.getLogger(__name__)


class AccountError(ValueError):
    """A user could not be created or changed; the message says why."""


# --- Password policy -----------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 10
# Ten spaces, or "aaaaaaaaaa", or "abababab12" met the length rule (QA 93): a password must
# also use this many different characters.
MIN_DISTINCT_CHARACTERS = 5
# The most used passwords (and local favourites) that meet the length rule; lower case.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "12345678910", "1234567890a", "qwertyuiop", "qwertyuiop1",
    "1q2w3e4r5t", "1qaz2wsx3edc", "password1", "password12", "password123", "password1234",
    "passw0rd123", "iloveyou123", "abc1234567", "abcd123456", "abcdefghij", "admin12345",
    "administrator", "letmein123", "welcome123", "matkhau123", "matkhau1234", "anhyeuem123",
    "123456789a", "a123456789", "qwerty12345", "11111111111", "zxcvbnm123", "hoilamgi123",
    "changeme123", "trustno1234", "sunshine123", "football123", "princess123",
})
# Why a password was refused; the web layer words each code (through gettext).
PASSWORD_PROBLEMS = {
    "too_short": f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
    "all_digits": "The password must not be digits only.",
    "too_simple": (f"The password must use at least {MIN_DISTINCT_CHARACTERS} different "
                   "characters."),
    "contains_username": "The password must not contain the username.",
    "common": "The password is too common; choose another.",
    "wrong_password": "The current password is not correct.",  # nosec B105  # a message
    "unchanged": "The new password must differ from the current one.",
}

# The same, for services whose messages go straight to a page (admin's user form).
PASSWORD_PROBLEMS_VI = {
    "too_short": N_("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH),
    "all_digits": N_("Mật khẩu không được chỉ gồm chữ số."),
    "too_simple": N_("Mật khẩu phải dùng ít nhất %(n)s ký tự khác nhau.",
                     n=MIN_DISTINCT_CHARACTERS),
    "contains_username": N_("Mật khẩu không được chứa tên đăng nhập."),
    "common": N_("Mật khẩu quá phổ biến, dễ đoán; hãy chọn mật khẩu khác."),
    "wrong_password": N_("Mật khẩu hiện tại không đúng."),  # nosec B105  # a message
    "unchanged": N_("Mật khẩu mới phải khác mật khẩu hiện tại."),
}


class PasswordRejected(AccountError):
    """A password fails the policy (or the current one is wrong): `code` says which rule."""

    def __init__(self, code: str, field: str = "new_password"):
        super().__init__(PASSWORD_PROBLEMS[code])
        self.code = code
        self.field = field


def password_problem(password: str, username: str = "") -> str | None:
    """Return the code of the first rule the password breaks, or None when it is strong enough.

    At least MIN_PASSWORD_LENGTH characters, not digits only, at least
    MIN_DISTINCT_CHARACTERS different ones, not containing the username (ignoring case),
    not one of the common passwords.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if password.isdigit():
        return "all_digits"
    if len(set(password.casefold())) < MIN_DISTINCT_CHARACTERS:
        return "too_simple"
    name = username.strip().lower()
    if name and name in password.lower():
        return "contains_username"
    if password.lower() in COMMON_PASSWORDS:
        return "common"
    return None


def check_password_policy(password: str, username: str = "") -> None:
    """Raise PasswordRejected when the password breaks the policy."""
    problem = password_problem(password, username)
    if problem is not None:
        raise PasswordRejected(problem)


# A username is typed at every sign-in and appears in audit records and the CLI: letters
# without accents, digits, dots, hyphens and underscores; starts with a letter or digit.
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,79}")
# Why an account could not be created, by field; the web layer words each code.
ACCOUNT_PROBLEMS = {
    "username_required": "Username is required.",
    "username_format": "A username has 2 to 80 letters without accents, digits, dots, "
                       "hyphens or underscores, and starts with a letter or a digit.",
    "username_taken": "That username already exists.",
    "role_unknown": f"Unknown role; choose one of {', '.join(ROLES)}.",
    "agency_unknown": "No agency has that code.",
    "agency_inactive": "That agency is no longer active.",
    "agency_required": "This role needs an agency (--agency CODE).",
    "inspectorate_required": "An inspector belongs to an inspectorate (or to no agency).",
    "email_invalid": "Not a valid e-mail address.",
    "email_taken": "Another account has that e-mail address.",
}
ROLES_WITH_AGENCY = ("reception", "agency_head", "agency_officer")


def account_problems(username: str, role: str, agency_code: str | None = None,
                     email: str | None = None) -> dict[str, str]:
    """Every reason, by field, why an account with these details cannot be created (codes
    of ACCOUNT_PROBLEMS); the password is checked apart (password_problem)."""
    problems: dict[str, str] = {}
    username = (username or "").strip()
    if not username:
        problems["username"] = "username_required"
    elif not _USERNAME.fullmatch(username):
        problems["username"] = "username_format"
    elif db.session.scalar(select(User.id).where(
            func.lower(User.username) == username.lower())):
        # "ADMIN" beside "admin" would be two accounts people cannot tell apart.
        problems["username"] = "username_taken"
    problems.update(profile_problems(role, agency_code, email))
    return problems


def profile_problems(role: str, agency_code: str | None = None, email: str | None = None,
                     user: User | None = None) -> dict[str, str]:
    """The role, agency and e-mail part of account_problems, for a new account or for
    `user`'s changed one (its own e-mail is no clash)."""
    problems: dict[str, str] = {}
    if role not in ROLES:
        problems["role"] = "role_unknown"
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            problems["agency_code"] = "agency_unknown"
        elif not agency.active:  # its cases and notices go nowhere (QA round 14)
            problems["agency_code"] = "agency_inactive"
    if agency is None and role in ROLES_WITH_AGENCY and "agency_code" not in problems:
        problems["agency_code"] = "agency_required"
    if agency is not None and role == "inspector" and not agency.is_inspectorate:
        problems["agency_code"] = "inspectorate_required"
    try:
        address = contacts.email(email)
    except contacts.InvalidContact:
        problems["email"] = "email_invalid"
    else:
        if address and db.session.scalar(select(User.id).where(
                func.lower(User.email) == address.lower(),
                User.id != (user.id if user is not None else -1))):
            problems["email"] = "email_taken"  # notices and resets go to one person
    return problems


def create_user(username: str, role: str, password: str, now: datetime,
                agency_code: str | None = None, full_name: str = "",
                email: str | None = None, actor: User | None = None,
                enforce_policy: bool = True) -> User:
    """Create a staff account with a hashed password (checked against the password policy;
    only the published demo data may skip it, with `enforce_policy=False`)."""
    username = (username or "").strip()
    if not username:
        raise AccountError(ACCOUNT_PROBLEMS["username_required"])
    if enforce_policy:
        check_password_policy(password, username)
    elif not password:
        raise AccountError("A password is required.")
    problems = account_problems(username, role, agency_code, email)
    if problems:
        raise AccountRejected(problems)
    agency = (db.session.scalar(select(Agency).where(Agency.code == agency_code))
              if agency_code else None)
    user = User(username=username, role=role, agency=agency, full_name=full_name or username,
                email=contacts.email(email))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(f"user:{user.id}", "user_created", actor, now,
                 {"username": username, "role": role, "agency": agency_code})
    return user


class AccountRejected(AccountError):
    """The account's details break rules: `problems` maps fields to ACCOUNT_PROBLEMS codes."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(ACCOUNT_PROBLEMS[code] for code in problems.values()))
        self.problems = problems


class AccountLocked(Exception):
    """Too many failed sign-ins: the account is locked until `until`."""

    def __init__(self, until: datetime):
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


def authenticate(username: str, password: str, now: datetime, max_failures: int = 5,
                 lock_minutes: int = 15) -> User | None:
    """Return the active user with these credentials, or None; lock after repeated failures."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        _unknown_failure(username.strip()[:80], password, now, max_failures, lock_minutes)
        return None
    locked_until = clock.as_utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        # Hashed all the same: a locked name that is no account hashes before it answers,
        # and a locked account answering at once told which names exist (QA 93).
        user.check_password(password or "")
        raise AccountLocked(locked_until)
    if not user.check_password(password):
        _count_failure(user, now, max_failures, lock_minutes)
        return None
    if not user.totp_secret:
        # With a second factor only the right code clears the count (verify_second_factor):
        # cleared at each right password, wrong codes never reached the lockout (QA 93).
        user.failed_logins, user.locked_until = 0, None
    return user


_DUMMY_HASH: list[str] = []  # made once: a hash to check unknown names' passwords against


def _unknown_failure(name: str, password: str, now: datetime, max_failures: int,
                     lock_minutes: int) -> None:
    """A failed sign-in under a name that is no active account, answered as an account's:
    the password is hashed as long (no timing tell) and the name locks after the same
    number of failures (no lockout tell); raise AccountLocked while it is locked."""
    from werkzeug.security import check_password_hash, generate_password_hash

    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash("not a password of anyone"))
    check_password_hash(_DUMMY_HASH[0], password or "")
    table = UnknownSignIn.__table__
    # Idle names are forgotten, so made-up names cannot fill the table.
    db.session.execute(table.delete().where(table.c.last_failed_at < now - timedelta(days=1)))
    row = db.session.get(UnknownSignIn, name)
    if row is None:
        try:
            with db.session.begin_nested():  # another process may add the same name now
                row = UnknownSignIn(name=name, failed_logins=0, last_failed_at=now)
                db.session.add(row)
        except IntegrityError:
            row = db.session.get(UnknownSignIn, name)
    locked_until = clock.as_utc(row.locked_until)
    if locked_until is not None and locked_until > now:
        raise AccountLocked(locked_until)
    _add_failure(table, table.c.name == name, now, max_failures, lock_minutes,
                 last_failed_at=now)
    db.session.expire(row)  # written past the ORM


def _add_failure(table, where, now: datetime, max_failures: int, lock_minutes: int,
                 **values) -> tuple[int, datetime | None]:
    """Count one failure on the row of `table` matching `where`, in SQL; lock it once the
    count reaches `max_failures`. Return (failures now counted, lock's end if we locked).

    Failures sent in parallel each read the count before the slow password check: adding
    one to that stale copy lost all but one (QA round 72). The UPDATE adds one to the row
    as committed, and holds the row (PostgreSQL) or the write lock (SQLite) until the
    commit, so the requests count one after another and exactly one reaches the limit.
    A row gone meanwhile (an idle name cleared by another request) counts nothing. A row
    locked meanwhile (the parallel failure that reached the limit) counts nothing either:
    AccountLocked, as for a failure sent after the lock (QA round 74: it was counted, and
    the account left its lockout one failure down).
    """
    free = or_(table.c.locked_until.is_(None), table.c.locked_until <= now)
    count = db.session.execute(
        update(table).where(where, free)
        .values(failed_logins=func.coalesce(table.c.failed_logins, 0) + 1, **values)
        .returning(table.c.failed_logins)).scalar()
    if count is None:
        locked_until = clock.as_utc(db.session.execute(
            select(table.c.locked_until).where(where)).scalar())
        if locked_until is not None and locked_until > now:
            raise AccountLocked(locked_until)
        return 0, None
    if count < max_failures:
        return count, None
    until = now + timedelta(minutes=lock_minutes)
    db.session.execute(update(table).where(where).values(locked_until=until, failed_logins=0))
    return 0, until


def _count_failure(user: User, now: datetime, max_failures: int, lock_minutes: int,
                   factor: str = "password") -> None:
    """One more failed sign-in step; lock the account (audited) after `max_failures`."""
    if user.id is None:  # a user not saved yet (as in _use_code): no row to count on
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins < max_failures:
            return
        user.failed_logins, user.locked_until = 0, now + timedelta(minutes=lock_minutes)
    else:
        db.session.flush()  # nothing pending on the user overwrites the count below
        table = User.__table__
        count, until = _add_failure(table, table.c.id == user.id, now, max_failures,
                                    lock_minutes)
        set_committed_value(user, "failed_logins", count)
        if until is None:
            return
        set_committed_value(user, "locked_until", until)
    data = {"until": user.locked_until}
    if factor != "password":
        data["factor"] = factor
    audit.record(f"user:{user.id}", "login_locked", None, now, data)


def is_locked(user: User, now: datetime) -> bool:
    """Whether the account is in its temporary sign-in lockout at `now`."""
    until = clock.as_utc(user.locked_until)
    return until is not None and until > now


def confirm_password(user: User, password: str | None, now: datetime, max_failures: int,
                     lock_minutes: int, field: str = "password") -> None:
    """Check the password of a signed-in user before a change to how they sign in; raise
    PasswordRejected("wrong_password") when it is wrong.

    A wrong one counts like a wrong sign-in (the caller commits it): whoever holds an open
    session must not guess the password here without limit (QA round 19). At the lockout
    every session ends, this one too."""
    if user.check_password(password or ""):
        return
    try:
        _count_failure(user, now, max_failures, lock_minutes)
    except AccountLocked as locked:  # locked meanwhile by a parallel failure
        set_committed_value(user, "locked_until", locked.until)
    if is_locked(user, now):
        user.session_version = (user.session_version or 1) + 1
    raise PasswordRejected("wrong_password", field=field)


def change_password(user: User, old: str, new: str, now: datetime,
                    max_failures: int = 5, lock_minutes: int = 15) -> User:
    """Change the user's own password; every other session of the account is signed out
    and every API token of the account revoked.

    The current password must be given; the new one must meet the policy and differ from it.
    Bumping `session_version` voids every session cookie issued before (the user loader
    rejects stale versions); the caller signs the current session in again.
    """
    confirm_password(user, old, now, max_failures, lock_minutes, field="old_password")
    check_password_policy(new, user.username)
    if user.check_password(new):
        raise PasswordRejected("unchanged")

    user.set_password(new)
    user.password_change_required = False
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    # A token issued under the old password would outlive it (a stolen password's token).
    revoked = tokens.revoke_all(user, user, now)
    audit.record(f"user:{user.id}", "password_changed", user, now,
                 {"sessions_ended": True, "tokens_revoked": revoked})
    return user


# --- Two-factor sign-in (TOTP, RFC 6238) ------------------------------------------------------

TOTP_ISSUER = "Quan ly don thu"


class CodeRejected(AccountError):
    """A one-time code did not verify."""


def new_totp_secret() -> str:
    """Return a fresh base32 secret for an authenticator app."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, issuer: str = TOTP_ISSUER) -> str:
    """Return the otpauth:// URI an authenticator app imports (typed or scanned)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _matching_steps(secret: str, code: str, now: datetime) -> list[int]:
    """Return the 30-second time steps (around `now`) whose code is `code`."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit() or secret == sealing.UNREADABLE:
        return []  # a secret sealed under another SECRET_KEY matches no code
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    # One 30-second step either side: phones' clocks drift.
    return [current + offset for offset in (-1, 0, 1)
            if hmac.compare_digest(totp.generate_otp(current + offset), code)]


def _use_code(user: User, secret: str, code: str, now: datetime) -> bool:
    """Accept a code once: its time step must be later than the last one accepted.

    A code already used (by sign-in, enrolment or token creation) is refused for the rest of
    its window. The check is an atomic conditional UPDATE, so two requests racing with the
    same code (on two workers) cannot both pass.
    """
    last = user.totp_last_step
    fresh = [step for step in _matching_steps(secret, code, now)
             if last is None or step > last]
    if not fresh:
        return False
    step = max(fresh)
    if user.id is not None:
        table = User.__table__
        result = db.session.execute(
            update(table).where(table.c.id == user.id, or_(
                table.c.totp_last_step.is_(None), table.c.totp_last_step < step))
            .values(totp_last_step=step))
        if result.rowcount != 1:
            return False  # another request used this code (or a later one) meanwhile
        set_committed_value(user, "totp_last_step", step)
    else:  # a user not saved yet
        user.totp_last_step = step
    return True


def enable_totp(user: User, secret: str, code: str, now: datetime, password: str | None,
                max_failures: int = 5, lock_minutes: int = 15) -> User:
    """Turn on two-factor sign-in once the user's password and a first code from the app
    verify (audited).

    The password is asked again (QA 93): a session left open or stolen must not bind the
    account to someone else's phone, which would lock its owner out at the next sign-in.
    The enrolment code counts as used; a forced re-enrolment (after an admin reset) ends.
    """
    confirm_password(user, password, now, max_failures, lock_minutes)
    if not secret or not _use_code(user, secret, code, now):
        raise CodeRejected("The code does not match this secret.")
    user.totp_secret = secret
    user.totp_reenrol = False
    db.session.flush()
    audit.record(f"user:{user.id}", "totp_enabled", user, now, {})
    return user


def must_enrol(user: User, required_roles) -> bool:
    """Whether the user must set up two-factor sign-in before doing anything else: their role
    requires it (config REQUIRE_2FA_ROLES) or an admin reset it, and they have no secret."""
    return (user.role in tuple(required_roles) or bool(user.totp_reenrol)) \
        and not user.totp_secret


def reset_two_factor(user: User, actor: User | None, reason: str, now: datetime) -> int:
    """An admin turns off a user's two-factor sign-in (lost phone); return tokens revoked.

    The reason is required and audited on "user:<id>". The user must enrol again at next
    sign-in, every session of the account ends (session version) and every API token of the
    account is revoked.
    """

    reason = (reason or "").strip()
    # Ten characters that show: nine zero-width ones and a letter are no reason (QA 91);
    # at most what the admin page takes (the command line had no limit: QA 108).
    if visible_length(reason) < 10 or len(reason) > ADMIN_REASON_MAX or has_control(reason):
        raise AccountError(f"A reason of 10 to {ADMIN_REASON_MAX} characters is required.")
    if actor is not None and user.id == actor.id:  # None: the operator's command line
        raise AccountError("An admin cannot reset their own two-factor sign-in.")
    had_secret = user.totp_secret is not None
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_reenrol = True
    user.session_version = (user.session_version or 1) + 1  # signs every session out
    # A lock by wrong codes was earned against the secret now gone: the user waiting it out
    # to enrol again gained nothing (QA 108 J7). A lock by wrong passwords stays: lifting
    # it would give a guesser fresh tries as the account loses its second factor (QA 112).
    unlocked = is_locked(user, now) and _locked_by_codes(user)
    if unlocked:
        user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    revoked = tokens.revoke_all(user, actor, now)
    audit.record(f"user:{user.id}", "totp_reset", actor, now,
                 {"reason": reason, "had_2fa": had_secret, "sessions_ended": True,
                  "tokens_revoked": revoked, **({"unlocked": True} if unlocked else {})})
    return revoked


def _locked_by_codes(user: User) -> bool:
    """Was the account's latest lock set by wrong sign-in codes (its audit event names the
    factor; a lock by wrong passwords names none)?"""
    import json

    from complaints.models import AuditEvent

    data = db.session.scalar(select(AuditEvent.data).where(
        AuditEvent.chain == f"user:{user.id}", AuditEvent.action == "login_locked")
        .order_by(AuditEvent.seq.desc()).limit(1))
    return bool(data) and json.loads(data).get("factor") == "totp"


def unreadable_second_factors() -> list[str]:
    """The users whose two-factor secret does not open under this SECRET_KEY (sealed
    under another: a backup restored onto another installation, a changed key). They
    cannot sign in until the 2FA is reset (`flask users reset-2fa`)."""
    rows = db.session.execute(select(User.username, User.totp_secret)
                              .where(User.totp_secret.is_not(None))
                              .order_by(User.username)).all()
    return [name for name, secret in rows if secret == sealing.UNREADABLE]


def verify_second_factor(user: User, code: str, now: datetime, max_failures: int = 5,
                         lock_minutes: int = 15) -> bool:
    """Check the sign-in code of a user who gave the right password.

    Failures count with the password failures: after `max_failures` the account is locked
    (AccountLocked, as for passwords).
    """
    locked_until = clock.as_utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        raise AccountLocked(locked_until)
    if not user.active or not user.totp_secret:
        return False
    if not _use_code(user, user.totp_secret, code, now):
        _count_failure(user, now, max_failures, lock_minutes, factor="totp")
        return False
    user.failed_logins, user.locked_until = 0, None
    return True


# --- browser sessions --------------------------------------------------------------------
# A session cookie is signed, not stored: the server voids one by remembering its id once
# it is signed out (EndedSession), and voids every one of an account by bumping
# User.session_version (a password change, a lockout, "sign out everywhere").


def new_session_id() -> str:
    """A fresh random id for a browser session, set in it at sign-in."""
    return secrets.token_urlsafe(24)


def _session_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def session_user(user_id: int, version: int, sid: str | None, since: float | None,
                 now: datetime, max_hours: float, seen: float | None = None,
                 idle_minutes: float | None = None) -> User | None:
    """The user a browser session is signed in as, or None when the session is void: no
    id (issued before sessions had one), older than `max_hours` since sign-in (an idle
    limit alone lets a session kept busy live for ever), idle for `idle_minutes` since its
    last request `seen` (sign-in when it has none), signed out on its device, or from
    before the account's last "sign out everywhere". One query, as a plain load was."""
    if not sid or not isinstance(since, (int, float)):
        return None
    age = now.timestamp() - since
    if age > max_hours * 3600 or age < -300:  # a clock set back: not trusted either
        return None
    if idle_minutes is not None:
        last = seen if isinstance(seen, (int, float)) else since
        if now.timestamp() - last > idle_minutes * 60:
            return None
    ended = select(EndedSession.sid_hash).where(
        EndedSession.sid_hash == _session_hash(sid)).exists()
    return db.session.scalar(select(User).where(User.id == user_id,
                                                User.session_version == version, ~ended))


def end_session(user: User, sid: str | None, now: datetime, max_hours: float) -> None:
    """Sign this one browser session out for good (a copy of its cookie stops working);
    the account's other sessions go on. Forgets the sessions that expired by themselves.
    Flushes; the caller commits."""
    db.session.execute(delete(EndedSession).where(
        EndedSession.ended_at < now - timedelta(hours=max_hours)))
    if sid:
        from complaints.services import notifications  # imports nothing of this module

        # Two sign-outs of one session at once (a double click, two tabs): one row.
        notifications.insert_ignoring_duplicates(EndedSession.__table__, [
            {"sid_hash": _session_hash(sid), "user_id": user.id, "ended_at": now}])
    db.session.flush()


def end_all_sessions(user: User, now: datetime, revoke_tokens: bool = False) -> int:
    """Sign the account out on every device; audited. Its API tokens are revoked only when
    asked (an integration may run on one): return how many were."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    revoked = tokens.revoke_all(user, user, now) if revoke_tokens else 0
    audit.record(f"user:{user.id}", "sessions_ended", user, now,
                 {"everywhere": True, **({"tokens_revoked": revoked} if revoke_tokens else {})})
    return revoked
