"""`flask escalate [--as-of YYYY-MM-DD] [--dry-run]` and `flask scheduler`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints import clock, jobs
from complaints.domain import catalog
from complaints.extensions import db
from complaints.services.escalation import escalate_due


@click.command("escalate")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Sweep as of this date (default: today in Vietnam).")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@with_appcontext
def escalate(as_of, dry_run):
    """Run the escalation sweep once (the scheduler's job) and print a summary."""
    day = as_of.date() if as_of else clock.today()
    if day > clock.today() and not dry_run:
        # A future sweep would mark cases overdue and notify people before they are due;
        # a past date (catching up a missed sweep) is fine.
        raise click.BadParameter(
            f"{day.isoformat()} is after today ({clock.today().isoformat()}): a sweep "
            "cannot be saved for a future date. Use --dry-run to preview it.",
            param_hint="--as-of")
    if dry_run:
        summary = escalate_due(day, clock.now(), dry_run=True)
        db.session.rollback()
    elif day == clock.today():
        # Today's sweep by hand is the scheduler's sweep: /health learns of it.
        summary = jobs.note_manual_run(jobs.SWEEP, lambda: escalate_due(
            day, clock.now(), commit=db.session.commit))
    else:  # catching up a missed day is not today's sweep
        summary = escalate_due(day, clock.now(), commit=db.session.commit)
        db.session.commit()
    click.echo(f"Escalation sweep as of {day.isoformat()}" + (" (dry run: nothing saved)"
                                                              if dry_run else ""))
    if summary.recomputed is not None:
        click.echo("next attention dates recomputed after a ladder change: "
                   f"{summary.recomputed} changed")
    click.echo(f"cases examined: {summary.examined}")
    click.echo(f"escalations: {summary.escalated}")
    for (level, reason), count in sorted(summary.escalations.items()):
        if count:
            label = catalog.label(catalog.ESCALATION_REASONS, reason, "en")
            click.echo(f"  level {level} {reason}: {count}  ({label})")
    click.echo(f"notifications queued: {summary.notifications}")


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the background jobs in the foreground: escalation sweep, e-mail outbox, daily
    reminders (07:30), background reports, scorecard summary (00:20), audit seal (02:30),
    orphan attachment files (03:10), old submission tokens (03:20)."""
    from complaints.jobs import build_scheduler

    app = current_app._get_current_object()
    sched = build_scheduler(app)
    click.echo(f"Scheduler started: sweep every {app.config['SCHEDULER_SWEEP_MINUTES']} min, "
               "outbox every minute, reminders daily at 07:30, background reports every "
               f"{app.config['REPORT_WORKER_SECONDS']} s, scorecard summary nightly at 00:20, "
               "audit seal at 02:30, orphan attachment files at 03:10, old submission tokens "
               "at 03:20. Ctrl+C stops it.")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")


commands = (escalate, scheduler)
