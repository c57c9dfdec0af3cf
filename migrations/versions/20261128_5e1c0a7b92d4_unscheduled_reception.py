"""unscheduled reception: heated cases and the case a session was held about

Revision ID: 5e1c0a7b92d4
Revises: 3abb72d3a9cc
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7b92d4'
down_revision = '3abb72d3a9cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heated_on', sa.Date(), nullable=True))

    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reception_sessions_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reception_sessions_case_id_cases'),
                                    'cases', ['case_id'], ['id'])


def downgrade():
    with op.batch_alter_table('reception_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reception_sessions_case_id_cases'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reception_sessions_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('heated_on')
