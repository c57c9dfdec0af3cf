"""`flask users create USERNAME --role ROLE [--agency CODE] [--password PASSWORD]` and
`flask users reset-2fa USERNAME --reason TEXT`."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from complaints import clock
from complaints.domain.catalog import ROLES
from complaints.extensions import db
from complaints.models import User
from complaints.services.accounts import AccountError, create_user, reset_two_factor


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


@group.command("reset-2fa")
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the account's audit trail).")
@with_appcontext
def reset_2fa(username, reason):
    """Turn off a user's two-factor sign-in: they enrol again at next sign-in.

    For the one case the admin pages cannot serve: the last administrator lost their phone,
    or SECRET_KEY changed and no sealed secret opens (README). Ends the account's sessions
    and revokes its API tokens, as the admin page does; audited as done by "system".
    """
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        revoked = reset_two_factor(user, None, reason, clock.now())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Two-factor sign-in of {user.username} reset: they enrol again at next "
               f"sign-in ({revoked} API token(s) revoked).")
