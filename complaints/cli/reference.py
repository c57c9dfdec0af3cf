"""`flask reference load`: the legal defaults every installation needs (not demo data)."""

import click
from flask.cli import with_appcontext

from complaints import clock
from complaints.extensions import db
from complaints.services.seed import seed_reference_data


@click.group("reference", help="Reference data: fields, deadline policies, ladder, thresholds.")
def group():
    pass


@group.command("load")
@with_appcontext
def load():
    """Add the legal defaults that are missing; an administrator's versions are kept."""
    added = seed_reference_data(clock.now())
    db.session.commit()
    click.echo("Reference data: " + ", ".join(f"{name} {n} added"
                                              for name, n in added.items()) + ".")


@group.command("recompute-deadlines")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only deadlines running across this day (the calendar changed on it).")
@with_appcontext
def recompute_deadlines(day):
    """Recompute open cases' running deadlines on today's calendar and policies.

    For a calendar change that did not come through Admin: a new release of the `holidays`
    package (a holiday or a government day swap it now knows), or a restore. Each moved
    due date is audited, as when an administrator changes the calendar.
    """
    from complaints.services import deadlines

    moved = deadlines.recompute_open(clock.now(), None, "calendar_package",
                                     day=day.date() if day else None)
    db.session.commit()
    click.echo(f"Deadlines recomputed: {moved} due dates moved.")
