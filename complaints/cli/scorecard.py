"""`flask scorecard rebuild [--from YYYY-MM-DD] [--dirty-only]`: the scorecard's summary.
`flask scorecard recover-acceptances`: once after migration ba8c57ebc9b7 (models.StageSpell)."""

import time

import click
from flask.cli import with_appcontext

from complaints import clock
from complaints.domain.limits import EARLIEST_DATE
from complaints.extensions import db
from complaints.services import scorecard_summary, stage_spells


@click.group("scorecard", help="Agency scorecard tools.")
def group():
    pass


@group.command("rebuild")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help=f"First day to rebuild, {EARLIEST_DATE.isoformat()} or later (default: "
                   "the first day with any case fact).")
@click.option("--dirty-only", is_flag=True,
              help="Only the days not built yet or changed since (the daily job's work).")
@with_appcontext
def rebuild(start, dirty_only):
    """Recount the per-agency daily summary up to yesterday (today is always live)."""
    if start is not None and start.date() < EARLIEST_DATE:
        raise click.BadParameter(f"must be {EARLIEST_DATE.isoformat()} or later (got "
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
