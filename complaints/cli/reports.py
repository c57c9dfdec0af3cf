"""`flask reports run-pending`: build the queued background reports now (cron, tests)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from complaints import clock
from complaints.extensions import db
from complaints.services import report_jobs

group = AppGroup("reports", help="Background reports (official forms, combined workbook).")


@group.command("run-pending")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Run at most this many jobs.")
def run_pending(limit):
    """Re-queue stale jobs, run every queued report job, remove expired files."""
    config = current_app.config
    jobs = report_jobs.run_pending(clock.now, clock.today(), config["REPORT_DIR"],
                                   db.session.commit, config["REPORT_STALE_MINUTES"], limit)
    purged = report_jobs.purge_expired(clock.now(), config["REPORT_DIR"],
                                       config["REPORT_RETENTION_HOURS"])
    db.session.commit()
    for job in jobs:
        click.echo(f"job {job.id} {job.kind}: {job.status}"
                   + (f" ({job.error})" if job.error else ""))
    click.echo(f"report jobs run: {len(jobs)}; expired files removed: {purged}")
    if any(job.status == "failed" for job in jobs):
        raise SystemExit(1)
