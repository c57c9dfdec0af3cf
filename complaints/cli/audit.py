"""`flask audit verify`: check every hash chain of the audit trail."""

import click
from flask.cli import with_appcontext

from complaints.services.audit import verify_chains


@click.group("audit", help="Audit trail tools.")
def group():
    pass


@group.command("verify")
@click.option("--chain", help='Check one chain only, e.g. "case:42".')
@with_appcontext
def verify(chain):
    """Verify every audit chain and name the first broken event of each."""
    checked, breaks = verify_chains(chain)
    for b in breaks:
        click.echo(f"BROKEN chain={b.chain} seq={b.seq} event_id={b.event_id}: {b.problem}")
    click.echo(f"checked {checked} events, {len(breaks)} broken chains")
    if breaks:
        raise SystemExit(1)
