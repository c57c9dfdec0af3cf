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
