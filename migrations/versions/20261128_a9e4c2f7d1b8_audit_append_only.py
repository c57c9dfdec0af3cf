"""audit_events append-only: triggers refuse UPDATE and DELETE

Revision ID: a9e4c2f7d1b8
Revises: f1d2c3b4a5e6
Create Date: 2026-11-28 13:45:00

"""
from alembic import op

from complaints.models.event import (
    APPEND_ONLY_POSTGRESQL,
    APPEND_ONLY_SQLITE,
    DROP_APPEND_ONLY_POSTGRESQL,
    DROP_APPEND_ONLY_SQLITE,
)

revision = 'a9e4c2f7d1b8'
down_revision = 'f1d2c3b4a5e6'
branch_labels = None
depends_on = None


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(APPEND_ONLY_POSTGRESQL)
    else:
        _run(APPEND_ONLY_SQLITE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(DROP_APPEND_ONLY_POSTGRESQL)
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        _run(DROP_APPEND_ONLY_SQLITE)
