"""totp replay guard and re-enrolment flag

Revision ID: 3abb72d3a9cc
Revises: 429494038742
Create Date: 2026-11-28 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3abb72d3a9cc'
down_revision = '429494038742'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_reenrol', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_reenrol')
        batch_op.drop_column('totp_last_step')
