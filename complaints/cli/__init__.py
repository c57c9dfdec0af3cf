"""Flask CLI commands; each is thin and calls a service, committing once at the end."""

from __future__ import annotations

from flask import Flask

from complaints.cli import (
    attachments,
    audit,
    backup,
    demo,
    escalation,
    localities,
    reference,
    reports,
    scorecard,
    submissions,
    users,
)
from complaints.cli.schema import require_reachable, require_schema


def register_cli(app: Flask) -> None:
    # Each command first checks that the database is at this release's schema (schema.py).
    # Not backup/restore: a restore into a new, empty database is the documented way back,
    # and backup judges the database itself. Nor Flask-Migrate's `db`, which builds it.
    for module in (users, localities, reference, audit, demo, reports, scorecard,
                   attachments, submissions):
        app.cli.add_command(require_schema(module.group))
    for command in escalation.commands:
        app.cli.add_command(require_schema(command))
    for command in backup.commands:
        app.cli.add_command(command)
    # Flask-Migrate's `db` (registered by Migrate.init_app, before this): one line, not a
    # traceback, when the database cannot be reached (QA round 83).
    migrate_group = app.cli.commands.get("db")
    if migrate_group is not None:
        require_reachable(migrate_group)
