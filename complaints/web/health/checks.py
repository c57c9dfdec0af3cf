"""Read-only checks behind GET /health; each takes `now` and reads, never writes."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from complaints import jobs
from complaints.extensions import db
from complaints.models import JobRun, Notification

logger = logging.getLogger(__name__)

SWEEP_JOB = jobs.SWEEP  # what complaints.jobs.sweep and `flask escalate` record in JobRun
OUTBOX_JOB = "outbox"
SEAL_JOB = "audit_seal"
SEAL_STALE_SECONDS = 2 * 24 * 3600  # the seal runs daily: two days without one is a fault


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands datetimes back without a zone; they are stored as UTC.
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _age(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def database_ok() -> bool:
    """Return whether the database answers SELECT 1."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        logger.warning("health: database unreachable: %s", exc)
        db.session.rollback()
        return False


def _error_kind(error: str | None) -> str | None:
    """The exception's class name from a JobRun.last_error ("Name: message").

    /health is open to anyone: a failed statement's text names tables, SQL and sometimes
    addresses, subjects or a database host (QA round 96). The full text stays in the log
    and in the JobRun row, for operators.
    """
    if not error:
        return None
    kind = error.split(":", 1)[0].strip()
    return kind if kind.isidentifier() else "Error"


def job_status(name: str, now: datetime) -> dict:
    """Return the last start, success and kind of error of a background job."""
    run = db.session.get(JobRun, name)
    started = _utc(run.last_started_at) if run else None
    success = _utc(run.last_success_at) if run else None
    return {
        "last_started_at": _iso(started),
        "seconds_since_start": _age(started, now),
        "last_success_at": _iso(success),
        "seconds_since_success": _age(success, now),
        "last_error": _error_kind(run.last_error) if run else None,
    }


def outbox_status(now: datetime) -> dict:
    """Return how many e-mails wait in the outbox and how long the oldest has waited, and
    how many were given up (refused for good, or for longer than OUTBOX_GIVE_UP_HOURS): a
    count that grows is for monitoring to notice, as nothing else shows them (QA 96)."""
    pending = Notification.status == "pending"
    count, oldest, failed = db.session.execute(
        select(func.count(Notification.id).filter(pending),
               func.min(Notification.created_at).filter(pending),
               func.count(Notification.id).filter(Notification.status == "failed"))
        .where(Notification.channel == "email")).one()
    oldest = _utc(oldest)
    return {"pending": count, "oldest_pending_at": _iso(oldest),
            "oldest_pending_seconds": _age(oldest, now), "failed": failed}


def _seal_stale(seal: dict) -> bool:
    """A last seal older than two days, or none ever though the job has failed or started
    two days ago. A new installation that has not sealed yet (the first seal runs at night)
    is not stale; one whose every seal fails is, from its first failure."""
    age = seal["seconds_since_success"]
    if age is not None:
        return age > SEAL_STALE_SECONDS
    started = seal["seconds_since_start"]
    return bool(seal["last_error"]) or (started is not None and started > SEAL_STALE_SECONDS)


def _outbox_stale(outbox: dict, stale_minutes: int) -> bool:
    """Mail is waiting and either the oldest e-mail or the job's last success is older than
    the limit: a job that runs but cannot reach the SMTP server (its e-mails deferred) is a
    fault as much as one that fails or has stopped."""
    if not outbox["pending"]:
        return False
    limit = stale_minutes * 60
    job_age = outbox["job"]["seconds_since_success"]
    return outbox["oldest_pending_seconds"] > limit or (job_age is not None
                                                         and job_age > limit)


def report(now: datetime, sweep_minutes: int, outbox_stale_minutes: int
           ) -> tuple[dict, bool]:
    """Return the health document and whether the database is up.

    "degraded" when the sweep has missed three runs, the audit seal is stale, or e-mail has
    waited longer than `outbox_stale_minutes` (the OUTBOX_STALE_MINUTES setting).
    """
    if not database_ok():
        return {"status": "down", "checked_at": _iso(now), "database": {"ok": False}}, False
    try:
        sweep = job_status(SWEEP_JOB, now)
        outbox = outbox_status(now)
        outbox["job"] = job_status(OUTBOX_JOB, now)
        seal = job_status(SEAL_JOB, now)
    except SQLAlchemyError as exc:
        logger.warning("health: query failed: %s", exc)
        db.session.rollback()
        return {"status": "down", "checked_at": _iso(now), "database": {"ok": False}}, False
    # A sweep missed three times in a row means the scheduler is not running.
    age = sweep["seconds_since_success"]
    sweep["stale"] = age is None or age > 3 * sweep_minutes * 60
    seal["stale"] = _seal_stale(seal)
    outbox["stale"] = _outbox_stale(outbox, outbox_stale_minutes)
    outbox["stale_minutes"] = outbox_stale_minutes
    status = "degraded" if sweep["stale"] or seal["stale"] or outbox["stale"] else "ok"
    return {"status": status, "checked_at": _iso(now), "database": {"ok": True},
            "scheduler": {"sweep": sweep, "interval_minutes": sweep_minutes,
                          "audit_seal": seal},
            "outbox": outbox}, True
