"""scorecard: recount every day, ratings now falling on their Vietnamese day

The scorecard's daily summary filed a rating given between 00:00 and 07:00 in Hà Nội under
the UTC day before (QA round 60). The days built so far are unlisted: the scorecard counts
them live (the same figures, from the raw tables) until the scheduler's nightly rebuild
(`flask scorecard rebuild --dirty-only`) stores them again. No schema change; downgrading
has nothing to restore (built days are a cache).

Revision ID: 9d3f6b2a1c84
Revises: 81ce217fadbd
Create Date: 2026-11-30 16:30:00

"""
from alembic import op

revision = '9d3f6b2a1c84'
down_revision = '81ce217fadbd'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM scorecard_built_days")


def downgrade():
    pass
