"""`flask users create USERNAME --role ROLE [--agency CODE] [--password PASSWORD]`."""

import click
from flask.cli import with_appcontext

from complaints import clock
from complaints.domain.catalog import ROLES
from complaints.extensions import db
from complaints.services.accounts import AccountError, create_user


@click.group("users", help="Manage staff accounts.")
def group():
    pass


@group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--agency", "agency_code", help="Agency code (required for agency staff).")
@click.option("--password", help="Prompted (hidden, twice) when not given.")
@click.option("--full-name", default="")
@click.option("--email")
@with_appcontext
def create(username, role, agency_code, password, full_name, email):
    """Add a user."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, role, password, clock.now(), agency_code=agency_code,
                           full_name=full_name, email=email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created user {user.username} ({user.role}).")
