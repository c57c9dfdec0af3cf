"""`flask audit verify`: check every hash chain of the audit trail."""

import click
from flask.cli import with_appcontext

from complaints import clock
from complaints.extensions import db
from complaints.services import audit_seals
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
    if chain and not checked:
        # A chain exists from its first event: "0 events, 0 broken" would read as a pass.
        raise click.ClickException(f'no such chain: {chain!r} (chains are named like '
                                   f'"case:42"; none of that name has any event)')
    for b in breaks:
        click.echo(f"BROKEN chain={b.chain} seq={b.seq} event_id={b.event_id}: {b.problem}")
    click.echo(f"checked {checked} events, {len(breaks)} broken chains")
    seal_breaks = []
    if not chain:
        sealed, seal_breaks = audit_seals.verify_seals()
        for s in seal_breaks:
            click.echo(f"BROKEN seal={s.seq} events ({s.from_id}, {s.upto_id}]: {s.problem}")
        last = audit_seals.latest()
        click.echo(f"checked {sealed} seals, {len(seal_breaks)} broken"
                   + (f"; latest {last.line()}" if last else ""))
    if breaks or seal_breaks:
        raise SystemExit(1)


@group.command("seal")
@click.option("--margin-minutes", type=click.IntRange(0, 10_000),
              default=int(audit_seals.SEAL_MARGIN.total_seconds() // 60), show_default=True,
              help="Seal only events older than this (open transactions may still add "
                   "younger ones).")
@with_appcontext
def seal(margin_minutes):
    """Seal the audit events no seal covers yet; print the seal to keep outside."""
    from datetime import timedelta

    result = audit_seals.seal(clock.now(), timedelta(minutes=margin_minutes))
    db.session.commit()
    if result is None:
        click.echo("nothing to seal")
    else:
        click.echo(result.line())
