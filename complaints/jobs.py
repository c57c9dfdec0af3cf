"""Background jobs (APScheduler 3), started only by `flask scheduler`, never by web workers.

Each job opens an app context, records its start in JobRun, calls one service, commits,
and records success or the error. Jobs are safe when two schedulers run at once: the
sweep claims rows with SKIP LOCKED on PostgreSQL and inserts idempotently; the outbox takes
each e-mail with a conditional UPDATE (after SKIP LOCKED on PostgreSQL), so one is sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from complaints import clock
from complaints.extensions import db
from complaints.models import JobRun

logger = logging.getLogger(__name__)


def _record(name: str, **values) -> None:
    run = db.session.get(JobRun, name)
    if run is None:
        # The job's first run on two schedulers at once: both inserted the row, and the
        # second's start "could not be recorded" (a false error on /health; QA round 88).
        # The row is made if missing, then both update it.
        _insert_missing(name)
        run = db.session.get(JobRun, name)
    for key, value in values.items():
        setattr(run, key, value)
    db.session.commit()


def _insert_missing(name: str) -> None:
    """Insert the job's JobRun row unless another process has (one statement, no race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(JobRun.__table__).values(name=name)
                       .on_conflict_do_nothing(index_elements=["name"]))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _note(name: str, **values) -> SQLAlchemyError | None:
    """Record values on the job's JobRun; return the database's refusal (logged), if any.

    The bookkeeping meets the same locked or unreachable database as the work: it must not
    raise out of the job (APScheduler would only log a bare traceback, and /health would
    never learn of the failure).
    """
    try:
        _record(name, **values)
    except SQLAlchemyError as exc:
        db.session.rollback()
        logger.warning("job %s: could not record %s: %s", name, ", ".join(values), exc)
        return exc
    return None


def run_job(app: Flask, name: str, work: Callable[[], object]) -> object | None:
    """Run one job in an app context: JobRun bookkeeping, one commit, errors logged."""
    with app.app_context():
        refused = _note(name, last_started_at=clock.now())
        if refused is not None:
            # The work would meet the same database: skip this run (the next one tries
            # again) and leave the error for /health if the database takes it now.
            logger.error("job %s not run: its start could not be recorded", name)
            _note(name, last_error=_describe(refused))
            return None
        try:
            return _run_noted(name, work)
        except Exception:  # a job must never kill the scheduler
            logger.exception("job %s failed", name)
            return None


SWEEP = "sweep"  # the JobRun /health reads (web/health/checks.SWEEP_JOB)


def note_manual_run(name: str, work: Callable[[], object]) -> object:
    """Run a job's work by hand (a CLI command in the current app context), with the
    job's JobRun bookkeeping: a site that sweeps from cron, not `flask scheduler`, read
    "degraded" on /health for ever. Unlike run_job, the error is raised to the caller."""
    _note(name, last_started_at=clock.now())
    return _run_noted(name, work)


def _run_noted(name: str, work: Callable[[], object]) -> object:
    """The work, committed, and its success or error noted on the job's JobRun."""
    try:
        result = work()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _note(name, last_error=_describe(exc))
        raise
    _note(name, last_success_at=clock.now(), last_error=None)
    return result


def sweep(app: Flask):
    """The escalation sweep as of today (committing per chunk)."""
    from complaints.services.escalation import escalate_due

    return run_job(app, SWEEP, lambda: escalate_due(clock.today(), clock.now(),
                                                    commit=db.session.commit))


def deliver(app: Flask, smtp_factory=None):
    """Deliver the e-mail outbox."""
    from complaints.services.notifications import deliver_outbox

    # clock.now itself, not a time: each e-mail is leased from the moment of its claim.
    give_up = timedelta(hours=app.config["OUTBOX_GIVE_UP_HOURS"])
    return run_job(app, "outbox", lambda: deliver_outbox(
        clock.now, smtp_factory, commit=db.session.commit, give_up_after=give_up))


def remind(app: Flask):
    """Remind the addressees of unacknowledged escalations (daily; on working days only)."""
    from complaints.services.escalation import remind_unacknowledged

    return run_job(app, "reminders", lambda: remind_unacknowledged(clock.today(), clock.now()))


def reports(app: Flask):
    """Run the queued background reports; remove report files past their retention."""
    from complaints.services import report_jobs

    def work():
        config = app.config
        jobs = report_jobs.run_pending(clock.now, clock.today(), config["REPORT_DIR"],
                                       db.session.commit, config["REPORT_STALE_MINUTES"])
        report_jobs.purge_expired(clock.now(), config["REPORT_DIR"],
                                  config["REPORT_RETENTION_HOURS"])
        return jobs

    return run_job(app, "reports", work)


def scorecard_summary(app: Flask):
    """Rebuild the scorecard summary's days changed since their last build (nightly)."""
    from complaints.services import scorecard_summary as summary

    def work():
        result = summary.rebuild(clock.today(), only_dirty=True)
        db.session.commit()
        return result

    return run_job(app, "scorecard_summary", work)


def prune_attachments(app: Flask):
    """Remove stored files no attachment names, left by failed requests (daily)."""
    from complaints.services import attachments

    hours = app.config["ORPHAN_MIN_AGE_HOURS"]
    return run_job(app, "attachments", lambda: attachments.remove_orphans(
        clock.now(), timedelta(hours=hours)))


def forget_submissions(app: Flask):
    """Forget desk forms' one-time tokens and Idempotency-Keys past their use (daily)."""
    from complaints.services import idempotency

    days = app.config["SUBMISSION_TOKEN_DAYS"]
    return run_job(app, "submission_tokens", lambda: idempotency.forget_older_than(
        clock.now(), timedelta(days=days)))


def seal_audit(app: Flask):
    """Seal the audit events of the past day (daily; see services/audit_seals.py)."""
    from complaints.services import audit_seals

    return run_job(app, "audit_seal", lambda: audit_seals.seal(clock.now()))


# The daily jobs and their local time (clock.LOCAL_TZ).
DAILY = {"reminders": (remind, 7, 30), "scorecard_summary": (scorecard_summary, 0, 20),
         "attachments": (prune_attachments, 3, 10),
         "submission_tokens": (forget_submissions, 3, 20), "audit_seal": (seal_audit, 2, 30)}
# Daily jobs run at start when today's run was missed (a crash mid-run, a restart over its
# time): otherwise the next is tomorrow's (QA round 96). Each is safe to run again, and on
# two schedulers at once: reminders go once a day per escalation, under a key per day and
# person; a seal takes only the events no seal covers, and (chain, seq) is unique; the
# summary rebuilds only days not built, under a lock. The store prune and token cleanup are
# left to the night: a night missed costs nothing the next one does not do.
CATCH_UP = ("reminders", "audit_seal", "scorecard_summary")


def missed_today(name: str, hour: int, minute: int, now: datetime, tz: ZoneInfo) -> bool:
    """Is `now` past today's run time of a daily job that has not succeeded since?"""
    local = now.astimezone(tz)
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if local < due:
        return False
    run = db.session.get(JobRun, name)
    last = clock.as_utc(run.last_success_at) if run else None
    return last is None or last < due


def _catch_up(app: Flask, now: datetime, tz: ZoneInfo) -> set[str]:
    """The daily jobs of CATCH_UP that missed today's run; none if the database is down."""
    with app.app_context():
        try:
            missed = {name for name in CATCH_UP
                      if missed_today(name, *DAILY[name][1:], now, tz)}
        except SQLAlchemyError as exc:
            logger.warning("scheduler: could not read the jobs' last runs: %s", exc)
            return set()
    for name in sorted(missed):
        logger.info("scheduler: %s missed today's run; running it now", name)
    return missed


def build_scheduler(app: Flask, now: datetime | None = None) -> BlockingScheduler:
    """Return a scheduler with its jobs (sweep, outbox, reminders, reports, summary, store,
    submission tokens, audit seal); daily jobs that missed today's run run at once."""
    now = now or clock.now()
    # The day the jobs run on is the one clock.today() counts deadlines in: one zone.
    sched = BlockingScheduler(timezone=clock.LOCAL_TZ)
    options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 300}
    sched.add_job(sweep, "interval", args=[app], id="sweep", next_run_time=now,
                  minutes=app.config["SCHEDULER_SWEEP_MINUTES"], **options)
    sched.add_job(deliver, "interval", args=[app], id="outbox", minutes=1, **options)
    sched.add_job(reports, "interval", args=[app], id="reports",
                  seconds=app.config["REPORT_WORKER_SECONDS"], **options)
    missed = _catch_up(app, now, clock.LOCAL_TZ)
    for name, (job, hour, minute) in DAILY.items():
        at_once = {"next_run_time": now} if name in missed else {}
        sched.add_job(job, "cron", args=[app], id=name, hour=hour, minute=minute,
                      **at_once, **options)
    return sched
