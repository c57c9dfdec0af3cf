"""scorecard summary: count the stored days again (acceptances exclude refusals)

The scorecard's "accepted" figure (with the on-time acceptance rate and the working days to
acceptance) counted every acceptance stage met, refusals to accept and withdrawals before
acceptance included. The days already summarised keep those counts, and the nightly job
rebuilds only the days it is told changed: forgetting which days are built makes every
read count them live until that job builds them again with the corrected count.

Revision ID: a7c41e9d2b60
Revises: 83556915d966
Create Date: 2026-11-29 13:10:00

"""
from alembic import op

revision = 'a7c41e9d2b60'
down_revision = '83556915d966'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM scorecard_built_days")


def downgrade():
    # Nothing to restore: a day not listed as built is counted live, then built again.
    pass
