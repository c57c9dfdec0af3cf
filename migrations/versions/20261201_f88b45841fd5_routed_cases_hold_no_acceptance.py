"""A case waiting for its holder's acceptance holds no acceptance day

Migration 88f46f5b2373 cleared an acceptance older than the move that brought the case to
its holder, but kept one of the same day: agency A accepts a case, returns it and the desk
routes it to B, all on one day (every date check allows equal days), and the row showed
A's acceptance while B had not accepted it (QA round 71). A case in "routed" waits for its
holder's acceptance: the steps never leave it one (route, transfer and lead designation
clear it). No schema change; downgrading has nothing to restore (the values were stale).

Revision ID: f88b45841fd5
Revises: 88f46f5b2373
Create Date: 2026-12-01 01:40:00

"""
from alembic import op

revision = 'f88b45841fd5'
down_revision = '88f46f5b2373'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE cases SET accepted_on = NULL "
               "WHERE status = 'routed' AND accepted_on IS NOT NULL")


def downgrade():
    pass
