"""escalations: lapsed ones leave the sweep's key

An escalation can stop standing: its stage started again elsewhere (a transfer, a return),
a later due date took its overdue step back (an extension or a resumption entered after the
sweep flagged the case), or withdrawals left its mass petition below five people. Such an
escalation is history: it no longer counts for the level the case reached, and the same
step may be raised again (overdue again once the new due date passes; mass again when new
signers come). `lapsed_at` records when the system found it so, and the unique key of the
sweep and of the patterns becomes a partial unique index over the escalations that stand.
Two sweeps at once still collide on it.

Existing rows: those closed by the system as superseded lapsed when they were closed.

Revision ID: d6e7103f4110
Revises: 5f0a9c3e7b21
Create Date: 2026-11-29 12:26:03.590850

"""
import sqlalchemy as sa
from alembic import op

revision = 'd6e7103f4110'
down_revision = '5f0a9c3e7b21'
branch_labels = None
depends_on = None

KEY = ['case_id', 'stage', 'started_on', 'level', 'reason']
STANDING = 'lapsed_at IS NULL'


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(
            batch_op.f('uq_escalations_case_id_stage_started_on_level_reason'), type_='unique')
    op.execute("UPDATE escalations SET lapsed_at = acknowledged_at"
               " WHERE action_taken = 'superseded'")
    op.create_index('ux_escalations_standing', 'escalations', KEY, unique=True,
                    sqlite_where=sa.text(STANDING), postgresql_where=sa.text(STANDING))


def downgrade():
    # The older key allows one row per case, stage, start, level and reason, lapsed or not:
    # a step raised again after it lapsed cannot go back (notices and audit events name both).
    again = op.get_bind().execute(sa.text(
        "SELECT case_id FROM escalations GROUP BY case_id, stage, started_on, level, reason"
        " HAVING COUNT(*) > 1")).scalars().all()
    if again:
        raise RuntimeError("cases with an escalation raised again after it lapsed "
                           f"(ids {sorted(set(again))}): cannot downgrade")
    op.drop_index('ux_escalations_standing', table_name='escalations',
                  sqlite_where=sa.text(STANDING), postgresql_where=sa.text(STANDING))
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_escalations_case_id_stage_started_on_level_reason'), KEY)
        batch_op.drop_column('lapsed_at')
