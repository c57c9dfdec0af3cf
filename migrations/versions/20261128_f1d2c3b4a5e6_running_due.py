"""cases.running_due_on and the covering indexes of the scorecard's live counts

Revision ID: f1d2c3b4a5e6
Revises: c4a7e19b3f52
Create Date: 2026-11-28 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f1d2c3b4a5e6'
down_revision = 'c4a7e19b3f52'
branch_labels = None
depends_on = None

NOT_NULL_DUE = sa.text('running_due_on IS NOT NULL')
MET = sa.text('met_on IS NOT NULL')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('running_due_on', sa.Date(), nullable=True))
    # The due date of each case's earliest unmet stage (services/running_due.py keeps it).
    op.execute("UPDATE cases SET running_due_on = (SELECT min(d.due_on) FROM case_deadlines d "
               "WHERE d.case_id = cases.id AND d.met_on IS NULL)")
    op.create_index('ix_cases_running_due', 'cases', ['running_due_on', 'agency_id', 'status'],
                    unique=False, sqlite_where=NOT_NULL_DUE, postgresql_where=NOT_NULL_DUE)
    op.create_index('ix_cases_holders', 'cases', ['id', 'agency_id', 'reception_agency_id'],
                    unique=False)
    op.drop_index('ix_case_deadlines_met_on', table_name='case_deadlines',
                  sqlite_where=MET, postgresql_where=MET)
    op.create_index('ix_case_deadlines_met_on', 'case_deadlines',
                    ['met_on', 'stage', 'start_on', 'due_on', 'case_id'], unique=False,
                    sqlite_where=MET, postgresql_where=MET)


def downgrade():
    op.drop_index('ix_case_deadlines_met_on', table_name='case_deadlines',
                  sqlite_where=MET, postgresql_where=MET)
    op.create_index('ix_case_deadlines_met_on', 'case_deadlines', ['met_on'], unique=False,
                    sqlite_where=MET, postgresql_where=MET)
    op.drop_index('ix_cases_holders', table_name='cases')
    op.drop_index('ix_cases_running_due', table_name='cases',
                  sqlite_where=NOT_NULL_DUE, postgresql_where=NOT_NULL_DUE)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('running_due_on')
