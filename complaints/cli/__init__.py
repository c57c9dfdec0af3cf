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
    users,
)


def register_cli(app: Flask) -> None:
    for module in (users, localities, reference, audit, demo, reports, scorecard,
                   attachments):
        app.cli.add_command(module.group)
    for command in (*escalation.commands, *backup.commands):
        app.cli.add_command(command)
