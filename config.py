"""Configuration classes read from the environment (12-factor style)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


SECRET_KEY_MIN = 32  # characters: what secrets.token_hex(16) gives at least


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        key = os.environ["SECRET_KEY"]
        if len(key) < SECRET_KEY_MIN:
            # A short key signs sessions and the citizens' PIN hashes that an attacker
            # with one cookie could guess offline; refuse it as the stored one is.
            raise SystemExit(
                f"SECRET_KEY is shorter than {SECRET_KEY_MIN} characters: set a random one "
                "(python3 -c 'import secrets; print(secrets.token_hex(32))'), the same on "
                "every app machine, or unset it to use instance/secret_key.")
        return key
    path = INSTANCE_DIR / "secret_key"
    try:
        key = _stored_key(path)
    except OSError as exc:
        # A read-only or foreign-owned instance folder was a traceback naming no remedy.
        raise SystemExit(
            f"{path}: the secret key cannot be read or created ({exc.strerror or exc}). "
            "Let the app's user write the instance folder (INSTANCE_PATH), or set "
            "SECRET_KEY.") from None
    if len(key) < SECRET_KEY_MIN:
        # A new key would sign everyone out and void the citizens' PINs: say so, not guess.
        raise SystemExit(
            f"{path}: the secret key is empty or shorter than {SECRET_KEY_MIN} characters. "
            "Restore the file from a backup, or set SECRET_KEY (a new key signs everyone "
            "out and voids the PINs citizens were given).")
    return key


def _stored_key(path: Path) -> str:
    """The key in `path`, generated there first if there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole, readable by the owner only, under a name of its own, then linked
        # into place: processes starting together (gunicorn's workers, the scheduler) read
        # the first link's key, never a file not yet written (QA round 73: an empty key).
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process linked its key first: that one is the key
        finally:
            draft.unlink()
    return path.read_text().strip()


def _rate_limit(name: str, default: str) -> str:
    """A rate limit in Flask-Limiter's syntax from the environment, or `default`. One it
    cannot parse ("30 per min") was taken, then applied no limit at all, with an error in
    the log on each request (QA round 83): a guard of PINs and passwords failed open. It
    stops the app naming the setting, as a bad number does."""
    from limits import parse_many  # a dependency of Flask-Limiter

    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        parse_many(raw.strip())
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r}: not a rate limit ({exc}); write it as "
                         "'30 per minute', several separated by ';': "
                         "'5 per hour;20 per day'.") from None
    return raw.strip()


# The rate-limit stores whose clients requirements.txt installs (limits' schemes).
RATE_LIMIT_STORES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel",
                     "redis+cluster", "memcached")


def _rate_limit_store() -> str:
    """RATELIMIT_STORAGE_URI, whose scheme must be a store this release can reach: another
    (a typo, or one whose client is not installed) was a traceback at start."""
    raw = os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    # URI schemes are case-insensitive (RFC 3986 3.1), but the Redis client refuses
    # "Redis://": the scheme is passed on in lower case.
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme not in RATE_LIMIT_STORES:
        raise SystemExit(f"RATELIMIT_STORAGE_URI={raw!r}: expected a URI of one of "
                         f"{', '.join(s + '://' for s in RATE_LIMIT_STORES)}.")
    return scheme + raw[len(scheme):]


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (any case) from the environment, or `default`; another stops the
    app naming the setting (QA round 83: SQLITE_SYNCHRONOUS=FUL fell back to NORMAL in
    silence, and the durability asked for was not had)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    if raw.strip().upper() not in choices:
        raise SystemExit(f"{name}={raw!r}: expected one of {', '.join(choices)}.")
    return raw.strip().upper()


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _bool(name: str, default: bool) -> bool:
    """A yes/no setting (any case), or `default`; another word stops the app naming the
    setting (QA 93: SESSION_COOKIE_SECURE=ture was taken as "no", and the session cookie
    went over plain HTTP)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value not in _TRUE + _FALSE:
        raise SystemExit(f"{name}={raw!r}: expected one of {', '.join(_TRUE + _FALSE)}.")
    return value in _TRUE


def _roles(name: str, raw: str) -> tuple[str, ...]:
    """A comma list of role codes (any case); an unknown one stops the app naming the
    setting (QA 93: REQUIRE_2FA_ROLES=admin,inspectors let inspectors in with a password
    only, and said nothing). Empty: no role."""
    from complaints.domain.catalog import ROLES  # plain data, no Flask

    roles = tuple(r.strip().lower() for r in raw.split(",") if r.strip())
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise SystemExit(f"{name}={raw!r}: {', '.join(unknown)} is no role; expected a comma "
                         f"list of {', '.join(ROLES)}.")
    return roles


def _number(name: str, default: int | float, least: int | float, most: int | float,
            kind: type = int):
    """A number from the environment, or `default`; one that is not a finite number of
    `kind`, or lies outside [least, most], stops the app naming the setting (QA round 73:
    "invalid literal for int()" named none, and a sweep every 0 minutes ran every second;
    QA round 74: API_TOKEN_HOURS=inf made every token request a 500)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SystemExit(f"{name}={raw!r}: expected {what}.") from None
    if not (least <= value <= most):  # NaN and infinities too
        raise SystemExit(f"{name}={raw!r}: must be from {least} to {most}.")
    return value


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'complaints.db'}"
    )
    # pool_pre_ping drops connections a restarted PostgreSQL closed under us.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite: writers queue at a file lock instead of sleeping in the busy handler
    # (complaints/sqlite_gate.py); 0 turns it off.
    SQLITE_WRITE_GATE = os.environ.get("SQLITE_WRITE_GATE", "1") != "0"
    # Checked here, read by every SQLite connection (complaints._sqlite_pragmas).
    SQLITE_SYNCHRONOUS = _choice("SQLITE_SYNCHRONOUS", "NORMAL", ("NORMAL", "FULL", "EXTRA"))
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # as complaints.clock.LOCAL_TZ (the law's day)
    LANGUAGES = ("vi", "en")
    BOOTSTRAP_SERVE_LOCAL = True  # government intranets have no internet: no CDN
    PROVINCE_CODE = _number("PROVINCE_CODE", 31, least=1, most=99)  # Hải Phòng
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "attachments"))
    MAX_CONTENT_LENGTH = _number("MAX_UPLOAD_MB", 20, least=1, most=1024) * 1024 * 1024
    # Reverse proxies in front of the app (docs/deploy.md): trust that many X-Forwarded-For,
    # -Proto and -Host values, so rate limits count each client, not the proxy, and HSTS
    # sees HTTPS. 0: the app faces clients directly (headers ignored: a client could forge
    # them).
    PROXY_HOPS = _number("PROXY_HOPS", 0, least=0, most=10)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a reception desk keeps a form open for hours
    SCHEDULER_SWEEP_MINUTES = _number("SCHEDULER_SWEEP_MINUTES", 15, least=1, most=1_000_000)
    # /health turns "degraded" when an e-mail has waited this long (web/health/checks.py).
    OUTBOX_STALE_MINUTES = _number("OUTBOX_STALE_MINUTES", 60, least=1, most=100_000)
    # An e-mail the server still refuses for now (4xx: mailbox full) this long after it was
    # queued is marked failed (RFC 5321 4.5.4.1: 4-5 days; services/notifications.py).
    OUTBOX_GIVE_UP_HOURS = _number("OUTBOX_GIVE_UP_HOURS", 120, least=1, most=8784)
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _number("SMTP_PORT", 1025, least=1, most=65535)
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@complaints.local")
    PAGE_SIZE = 25
    # An official's session ends after 30 minutes without a request (the time of the last
    # one is kept in the session: web/auth/routes.py), as does a citizen's opened case.
    SESSION_IDLE_MINUTES = _number("SESSION_IDLE_MINUTES", 30, least=1, most=24 * 60)
    # However busy, a browser session ends this long after sign-in (a working day).
    SESSION_MAX_HOURS = _number("SESSION_MAX_HOURS", 12.0, least=0.1, most=24 * 7, kind=float)
    # The cookie itself lives as long: a citizen writing a petition for an hour, signed in
    # to nothing, still sends it (QA 97: its CSRF token expired with the idle limit).
    PERMANENT_SESSION_LIFETIME = int(SESSION_MAX_HOURS * 3600)
    SESSION_REFRESH_EACH_REQUEST = True
    RATELIMIT_STORAGE_URI = _rate_limit_store()
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = _rate_limit("LOGIN_LIMIT_PER_ADDRESS", "30 per minute")
    LOGIN_MAX_FAILURES = 5  # then the account is locked for LOGIN_LOCK_MINUTES
    LOGIN_LOCK_MINUTES = 15
    # Roles that must sign in with a TOTP code (comma list; empty turns the rule off).
    REQUIRE_2FA_ROLES = _roles("REQUIRE_2FA_ROLES",
                               os.environ.get("REQUIRE_2FA_ROLES", "admin,inspector"))
    # Lifetime of a JSON API bearer token (hours); tokens are revocable before that.
    API_TOKEN_HOURS = _number("API_TOKEN_HOURS", 12.0, least=0.1, most=24 * 366, kind=float)
    # Citizens' side (issue 6): the agency whose reception desk takes online petitions,
    # per-address limits (Flask-Limiter syntax; the storage above must be shared by all
    # workers in production, e.g. RATELIMIT_STORAGE_URI=redis://…), and Open311 API keys.
    ONLINE_RECEPTION_AGENCY_CODE = os.environ.get("ONLINE_RECEPTION_AGENCY_CODE", "BTCD")
    # Accepted online petitions per address; every post of the form, refused ones too,
    # under a higher bound against floods (complaints/web/public/routes.py explains).
    SUBMIT_LIMIT = _rate_limit("SUBMIT_LIMIT", "5 per hour;20 per day")
    SUBMIT_ATTEMPT_LIMIT = _rate_limit("SUBMIT_ATTEMPT_LIMIT", "30 per hour;100 per day")
    LOOKUP_LIMIT = _rate_limit("LOOKUP_LIMIT", "10 per 15 minutes;30 per day")
    # Failed look-ups of one tracking code, from any address: a 6-digit PIN must not fall
    # to guesses spread over many addresses (QA round 19).
    LOOKUP_CODE_LIMIT = _rate_limit("LOOKUP_CODE_LIMIT", "10 per hour;20 per day")
    OPEN311_POST_LIMIT = _rate_limit("OPEN311_POST_LIMIT", "300 per hour")  # per key/address
    OPEN311_API_KEYS = tuple(
        k.strip() for k in os.environ.get("OPEN311_API_KEYS", "").split(",") if k.strip()
    )
    # Years a petitioner's identity is kept after their last case ended (then anonymisable).
    RETENTION_YEARS = _number("RETENTION_YEARS", 5, least=1, most=100)
    # Reports built in the background (issue 5): their files live in REPORT_DIR under
    # generated names, are removed REPORT_RETENTION_HOURS after they were built; a job whose
    # worker fell silent for REPORT_STALE_MINUTES is queued again (at most 3 attempts).
    REPORT_DIR = os.environ.get("REPORT_DIR", str(INSTANCE_DIR / "reports"))
    REPORT_RETENTION_HOURS = _number("REPORT_RETENTION_HOURS", 72, least=1, most=24 * 366)
    REPORT_STALE_MINUTES = _number("REPORT_STALE_MINUTES", 15, least=1, most=24 * 60)
    REPORT_WORKER_SECONDS = _number("REPORT_WORKER_SECONDS", 5, least=1, most=3600)
    # Stored files no attachment row names (a request failed after writing its file) are
    # removed by a daily job once untouched this long; at least the 4 hours the desk's form
    # keeps the files of a form to be corrected (reception DRAFT_SECONDS, QA 96).
    ORPHAN_MIN_AGE_HOURS = _number("ORPHAN_MIN_AGE_HOURS", 24, least=4, most=24 * 366)
    # The one-time tokens of desk forms and the API's Idempotency-Keys (one row per intake)
    # are forgotten by a daily job after this many days: a resend comes within minutes, a
    # form's CSRF token and session are long gone by then.
    SUBMISSION_TOKEN_DAYS = _number("SUBMISSION_TOKEN_DAYS", 30, least=1, most=3660)


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key"  # noqa: S105  (tests only)
    # Tests sign admins and inspectors in with a password only; the 2FA tests turn it on.
    REQUIRE_2FA_ROLES = ()
    SQLALCHEMY_DATABASE_URI = "sqlite://"
