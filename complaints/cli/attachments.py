"""`flask attachments prune-orphans [--min-age-hours N] [--dry-run]`: the attachment store."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints import clock
from complaints.services import attachments


@click.group("attachments", help="Attachment store tools.")
def group():
    pass


@group.command("prune-orphans")
@click.option("--min-age-hours", type=click.IntRange(min=1), default=None,
              help="Only files untouched this long (default: ORPHAN_MIN_AGE_HOURS).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@with_appcontext
def prune_orphans(min_age_hours, dry_run):
    """Remove stored files that no attachment names (left by failed requests)."""
    hours = min_age_hours or current_app.config["ORPHAN_MIN_AGE_HOURS"]
    report = attachments.remove_orphans(clock.now(), timedelta(hours=hours), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"examined {report.examined} stored files older than {hours} h; {verb} "
               f"{report.removed} orphans ({report.bytes_removed:,} bytes) and "
               f"{report.partial_removed} partial writes")
