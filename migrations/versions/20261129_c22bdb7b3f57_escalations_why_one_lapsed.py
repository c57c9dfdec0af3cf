"""escalations: why one lapsed

`lapsed_at` said that an escalation no longer stands, not why; the scorecard must tell an
overdue that stood when raised (its stage later ended; a mass petition later fell below
five people) from one a due date decided while the deadline ran took back ("overtaken"):
only the latter is no overdue of the agency's. Existing lapsed rows: those closed as no
longer mass say so; the others were closed when their stage ended (an "overtaken" lapse
has existed only since the previous revision, and leaves no other trace on the row).

Revision ID: c22bdb7b3f57
Revises: a7c41e9d2b60
Create Date: 2026-11-29 13:50:45.653475

"""
import sqlalchemy as sa
from alembic import op

revision = 'c22bdb7b3f57'
down_revision = 'a7c41e9d2b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lapse_reason', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_escalations_lapse_reason_valid'),
            "lapse_reason IN ('ended', 'overtaken', 'no_longer_mass')")
    op.execute("UPDATE escalations SET lapse_reason = CASE WHEN action_taken ="
               " 'no_longer_mass' THEN 'no_longer_mass' ELSE 'ended' END"
               " WHERE lapsed_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_escalations_lapse_reason_valid'), type_='check')
        batch_op.drop_column('lapse_reason')
