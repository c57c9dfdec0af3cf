"""`flask backup [--output PATH]` and `flask restore PATH [--yes]` (see services/backup.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from complaints import clock
from complaints.cli.schema import unreachable
from complaints.services import accounts, audit_seals
from complaints.services import backup as backups
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
@click.option("--force", is_flag=True,
              help="Keep the restored database even when its audit trail does not verify.")
@with_appcontext
def restore(path, yes, force):
    """Replace the whole database with a backup, then verify every audit chain and seal.

    The database as it was is backed up first (instance/backups/before-restore-<UTC
    time>.<ext>); a backup whose audit trail does not verify is refused and the database
    put back from that copy, unless --force. Stop the web workers and the scheduler first:
    writes made meanwhile are lost.
    """
    if (problem := unreachable()) is not None:  # before asking: nothing to replace
        raise click.ClickException(problem)
    if not yes:
        click.confirm(f"Replace EVERY record in the database with the backup {path}?",
                      abort=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    folder, suffix = Path(current_app.instance_path) / "backups", backups.default_suffix()
    before, n = folder / f"before-restore-{stamp}{suffix}", 1
    while before.exists():  # two restores within a second
        n += 1
        before = folder / f"before-restore-{stamp}-{n}{suffix}"
    try:
        result = backups.restore(path, before=before, force=force)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    if result.before is not None:
        click.echo(f"the database as it was is kept in {result.before}")
    said = f"backup {path} not kept" if result.put_back else f"restored from {path}"
    click.echo(f"{said}; audit: checked {result.checked} events, "
               f"{len(result.breaks)} broken chains; {result.sealed} seals, "
               f"{len(result.seal_breaks)} broken")
    for b in result.breaks:
        click.echo(f"BROKEN chain={b.chain} seq={b.seq} event_id={b.event_id}: {b.problem}")
    for s in result.seal_breaks:
        click.echo(f"BROKEN seal={s.seq} events ({s.from_id}, {s.upto_id}]: {s.problem}")
    if not result.put_back and (locked := accounts.unreadable_second_factors()):
        # Restored onto an installation with another SECRET_KEY: these accounts are asked
        # for a code nothing matches (QA 108 J6).
        click.echo(f"WARNING: the two-factor secrets of {len(locked)} account(s) do not "
                   f"open with this SECRET_KEY ({', '.join(locked[:10])}"
                   f"{', …' if len(locked) > 10 else ''}): they cannot sign in until "
                   "`flask users reset-2fa USERNAME --reason …` (or the SECRET_KEY the "
                   "backup was made under).")
    if result.put_back:
        raise click.ClickException(
            f"REFUSED: the audit trail of {path} does not verify, so it may have been "
            f"altered; the database was put back as it was, from {result.before}. "
            "Restore it anyway with --force.")
    last = audit_seals.latest()
    if last is not None:
        click.echo(f"latest {last.line()}: compare with the copy kept outside")
    if result.broken:
        raise SystemExit(1)


commands = (backup, restore)
