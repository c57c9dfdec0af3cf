"""`flask scorecard rebuild [--from YYYY-MM-DD] [--dirty-only]`: the scorecard's summary.
`flask scorecard recover-acceptances`: once after migration ba8c57ebc9b7 (models.StageSpell)."""

import time
from datetime import date

import click
from flask.cli import with_appcontext

from complaints import clock
from complaints.extensions import db
from complaints.services import scorecard_summary, stage_spells

# The earliest --from, as the API's dates (web/api/schemas.EARLIEST_DATE): 0001-01-01 ended in
# an OverflowError (its midnight in Vietnam is before datetime.min in UTC), and an early
# date only rebuilds thousands of empty days; without --from the first fact's day is used.
EARLIEST = date(2000, 1, 1)


@click.group("scorecard", help="Agency scorecard tools.")
def group():
    pass


@group.command("rebuild")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day to rebuild, 2000-01-01 or later (default: the first day "
                   "with any case fact).")
@click.option("--dirty-only", is_flag=True,
              help="Only the days not built yet or changed since (the daily job's work).")
@with_appcontext
def rebuild(start, dirty_only):
    """Recount the per-agency daily summary up to yesterday (today is always live)."""
    if start is not None and start.date() < EARLIEST:
        raise click.BadParameter(f"must be {EARLIEST.isoformat()} or later (got "
                                 f"{start.date().isoformat()}); leave --from out to start "
                                 "at the first day with a case fact.", param_hint="--from")
    started = time.perf_counter()
    summary = scorecard_summary.rebuild(clock.today(), start.date() if start else None,
                                        only_dirty=dirty_only)
    db.session.commit()
    if not summary.days:
        click.echo("Nothing to rebuild.")
        return
    click.echo(f"Rebuilt {summary.days} days ({summary.first.isoformat()} – "
               f"{summary.last.isoformat()}): {summary.rows} agency-day rows in "
               f"{time.perf_counter() - started:.1f} s")


@group.command("recover-acceptances")
@with_appcontext
def recover_acceptances():
    """Credit acceptances to the agencies that gave them before a move took the case away,
    for the moves made before such acceptances were kept (run once after upgrading)."""
    added = stage_spells.recover()
    db.session.commit()
    click.echo(f"Recovered {added} acceptance(s) kept by agencies that cases have left.")
