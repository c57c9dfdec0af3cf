"""escalations: the agency answerable when raised

The scorecard counted each escalation against the agency holding the case today: an
agency could let a deadline pass, transfer the case, and hand its overdue to the next
holder (đùn đẩy). Each escalation now keeps the agency it is counted against, fixed when
raised (domain.escalation.answerable): the receiving desk for the handling deadline, else
the agency then holding the case.

Existing rows: the handling stage's from the case's reception agency; the others from the
routing history — the last move recorded before the escalation (none after a return) —
and, where no move precedes it, from the case's holder today, as the scorecard counted
them so far. The summary's built days are forgotten so that they are counted again.

Revision ID: 8a05abcefbfa
Revises: c22bdb7b3f57
Create Date: 2026-11-29 15:23:26

"""
import sqlalchemy as sa
from alembic import op

revision = '8a05abcefbfa'
down_revision = 'c22bdb7b3f57'
branch_labels = None
depends_on = None

_BEFORE = ("FROM routings r WHERE r.case_id = escalations.case_id"
           " AND r.created_at <= escalations.created_at")


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalations_agency_id_agencies'),
                                    'agencies', ['agency_id'], ['id'])
    op.execute("UPDATE escalations SET agency_id = (SELECT c.reception_agency_id FROM cases c"
               " WHERE c.id = escalations.case_id) WHERE stage = 'handling'")
    op.execute("UPDATE escalations SET agency_id = (SELECT CASE WHEN r.action = 'return'"
               f" THEN NULL ELSE r.to_agency_id END {_BEFORE}"
               " ORDER BY r.created_at DESC, r.id DESC LIMIT 1)"
               f" WHERE stage <> 'handling' AND EXISTS (SELECT 1 {_BEFORE})")
    op.execute("UPDATE escalations SET agency_id = (SELECT c.agency_id FROM cases c"
               " WHERE c.id = escalations.case_id)"
               f" WHERE stage <> 'handling' AND NOT EXISTS (SELECT 1 {_BEFORE})")
    op.execute("DELETE FROM scorecard_built_days")


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalations_agency_id_agencies'),
                                 type_='foreignkey')
        batch_op.drop_column('agency_id')
    op.execute("DELETE FROM scorecard_built_days")
