"""`flask localities load`: administrative units from the vietnam-provinces package."""

import click
from flask.cli import with_appcontext

from complaints.extensions import db
from complaints.services.localities import load_localities


@click.group("localities", help="Administrative units (provinces, communes/wards).")
def group():
    pass


@group.command("load")
@with_appcontext
def load():
    """Load or refresh the official provinces and communes/wards."""
    added, updated = load_localities()
    db.session.commit()
    click.echo(f"Localities: {added} added, {updated} updated.")
