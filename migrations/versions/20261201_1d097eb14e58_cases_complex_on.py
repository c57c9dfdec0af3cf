"""The day a case was found complex (cases.complex_on)

A complex case calls for its agency head's unscheduled reception (Law on Citizen Reception
Art. 18(3)), as a heated or mass one does; only mass and heated cases prompted (QA round
92). The prompt is answered by a session held on or after the day the case was found
complex, which nothing recorded. Existing complex cases never clustered as a mass petition
take the day they were received (complexity logged at the desk or found at acceptance,
not told apart here: the earlier day, so no session held since is missed). Complexity the
mass rule gave is the mass prompt's (cluster_id set): those stay NULL.

Revision ID: 1d097eb14e58
Revises: f88b45841fd5
Create Date: 2026-12-01 16:59:26

"""
import sqlalchemy as sa
from alembic import op

revision = '1d097eb14e58'
down_revision = 'f88b45841fd5'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs: a batch rebuild of `cases` on SQLite would drop its search triggers.
    op.add_column('cases', sa.Column('complex_on', sa.Date(), nullable=True))
    op.execute("UPDATE cases SET complex_on = received_on "
               "WHERE is_complex AND cluster_id IS NULL")


def downgrade():
    op.drop_column('cases', 'complex_on')  # SQLite 3.35+: no rebuild, triggers kept
