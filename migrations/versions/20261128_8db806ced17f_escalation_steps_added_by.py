"""escalation_steps: who added a rung version and when

Administrators now add versions of the ladder's rungs; the rows seeded with the defaults
keep NULL in both columns. The sweep compares `created_at` with its last recomputation of
the cases' next attention dates (services/ladder.py).

Revision ID: 8db806ced17f
Revises: 2625ab314c69
Create Date: 2026-11-28 21:45:07

"""
from alembic import op
import sqlalchemy as sa


revision = '8db806ced17f'
down_revision = '2625ab314c69'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalation_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalation_steps_created_by_id_users'), 'users', ['created_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('escalation_steps', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalation_steps_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_at')
        batch_op.drop_column('created_by_id')

