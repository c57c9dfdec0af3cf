"""escalations: the start of the stage in the sweep's key

A stage that starts again (a transfer, a return and a new routing) climbs the ladder again
at the agency that now holds it. Before, the level reached was read per case and stage over
the whole history: the new holder was never reminded nor told of its overdue, and the case
showed as overdue from the day it arrived. Each ladder escalation now records the start of
the deadline it was raised against, and the sweep's key holds it.

Existing rows: a ladder escalation raised while the stage's current deadline ran (raised
after its start) gets that start; one raised before the stage started again, and every
pattern escalation (stage "case"), get 0001-01-01, the model's "no running stage".

Revision ID: e6e1da4445e9
Revises: c0ef23577d51
Create Date: 2026-11-29 09:37:32.753127

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6e1da4445e9'
down_revision = 'c0ef23577d51'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
    op.execute(
        "UPDATE escalations SET started_on = (SELECT d.start_on FROM case_deadlines d"
        " WHERE d.case_id = escalations.case_id AND d.stage = escalations.stage"
        " AND d.start_on < escalations.as_of)")
    op.execute("UPDATE escalations SET started_on = '0001-01-01' WHERE started_on IS NULL")
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.alter_column('started_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_escalations_case_id_stage_level_reason'),
                                 type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_escalations_case_id_stage_started_on_level_reason'),
            ['case_id', 'stage', 'started_on', 'level', 'reason'])


def downgrade():
    # The older key allows one row per case, stage, level and reason: a stage that climbed
    # its ladder twice cannot go back (notices and audit events name both rows).
    twice = op.get_bind().execute(sa.text(
        "SELECT case_id FROM escalations GROUP BY case_id, stage, level, reason"
        " HAVING COUNT(*) > 1")).scalars().all()
    if twice:
        raise RuntimeError("cases whose stage was escalated again after it started again "
                           f"(ids {sorted(set(twice))}): cannot downgrade")
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_escalations_case_id_stage_started_on_level_reason'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_escalations_case_id_stage_level_reason'),
                                          ['case_id', 'stage', 'level', 'reason'])
        batch_op.drop_column('started_on')
