"""petition history: the history of the matter a letter raises, counted by 02/XLD

The desk states it from the letter (first time, sent before, decided in round 1 or 2 or by
a court, a follow-up denunciation); a blank is derived from what the system holds
(domain.history). Existing letters are derived here the same way from their case: a
second complaint's first letter was decided in round 1; a later letter repeats the
matter, or follows its decision or conclusion when the case had one by the letter's day.

Revision ID: 5b7e0c2d9a41
Revises: ecf44f918bbb
Create Date: 2026-11-30 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5b7e0c2d9a41'
down_revision = 'ecf44f918bbb'
branch_labels = None
depends_on = None


def _case(column: str) -> str:
    return f"(SELECT cases.{column} FROM cases WHERE cases.id = petitions.case_id)"


def upgrade():
    op.add_column('petitions', sa.Column('history', sa.String(length=20),
                                         server_default='first', nullable=False))
    decided = f"{_case('resolved_on')} IS NOT NULL AND {_case('resolved_on')} <= received_on"
    op.execute(f"UPDATE petitions SET history = 'decided_round1' WHERE NOT is_duplicate "
               f"AND {_case('kind')} = 'complaint' AND {_case('complaint_round')} = 2")
    op.execute("UPDATE petitions SET history = 'repeated' WHERE is_duplicate")
    op.execute(f"UPDATE petitions SET history = CASE WHEN {_case('complaint_round')} = 2 "
               f"THEN 'decided_round2' ELSE 'decided_round1' END WHERE is_duplicate "
               f"AND {_case('kind')} = 'complaint' AND {decided}")
    op.execute(f"UPDATE petitions SET history = 'follow_up' WHERE is_duplicate "
               f"AND {_case('kind')} = 'denunciation' AND {decided}")


def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('history')
