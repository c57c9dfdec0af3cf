"""`flask backup [--output PATH]` and `flask restore PATH [--yes]` (see services/backup.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints import clock
from complaints.cli.schema import unreachable
from complaints.services import audit_seals
from complaints.services import backup as backups
from complaints.services.audit import verify_chains
from complaints.services.errors import ValidationFailed


@click.command("backup")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: instance/backups/complaints-<UTC time>.<ext>).")
@with_appcontext
def backup(output):
    """Write a consistent online backup of the database while the app keeps running."""
    if output is None:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        output = (Path(current_app.instance_path) / "backups"
                  / f"complaints-{stamp}{backups.default_suffix()}")
    if (problem := unreachable()) is not None:
        raise click.ClickException(problem)
    try:
        result = backups.backup(output)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup ({result.dialect}) written to {result.path} ({result.size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(path, yes):
    """Replace the whole database with a backup, then verify every audit chain.

    Stop the web workers and the scheduler first: writes made meanwhile are lost.
    """
    if (problem := unreachable()) is not None:  # before asking: nothing to replace
        raise click.ClickException(problem)
    if not yes:
        click.confirm(f"Replace EVERY record in the database with the backup {path}?",
                      abort=True)
    try:
        backups.restore(path)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    checked, breaks = verify_chains()
    sealed, seal_breaks = audit_seals.verify_seals()
    click.echo(f"restored from {path}; audit: checked {checked} events, "
               f"{len(breaks)} broken chains; {sealed} seals, {len(seal_breaks)} broken")
    for b in breaks:
        click.echo(f"BROKEN chain={b.chain} seq={b.seq} event_id={b.event_id}: {b.problem}")
    for s in seal_breaks:
        click.echo(f"BROKEN seal={s.seq} events ({s.from_id}, {s.upto_id}]: {s.problem}")
    last = audit_seals.latest()
    if last is not None:
        click.echo(f"latest {last.line()}: compare with the copy kept outside")
    if breaks or seal_breaks:
        raise SystemExit(1)


commands = (backup, restore)
