"""`flask submissions forget [--days N] [--dry-run]`: desk forms' one-time tokens and the
API's Idempotency-Keys, past the time a request could be sent again."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints import clock
from complaints.extensions import db
from complaints.services import idempotency


@click.group("submissions", help="One-time tokens of desk forms and API Idempotency-Keys.")
def group():
    pass


@group.command("forget")
@click.option("--days", type=click.IntRange(min=1, max=3660), default=None,
              help="Forget tokens older than this (default: SUBMISSION_TOKEN_DAYS).")
@click.option("--dry-run", is_flag=True, help="Count what would be forgotten; delete nothing.")
@with_appcontext
def forget(days, dry_run):
    """Delete the tokens older than N days (the scheduler does it daily at 03:20)."""
    days = days or current_app.config["SUBMISSION_TOKEN_DAYS"]
    result = idempotency.forget_older_than(clock.now(), timedelta(days=days), dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    verb = "would forget" if dry_run else "forgot"
    click.echo(f"{verb} {result.removed} tokens older than {days} days; "
               f"{result.kept} newer kept")
