"""stage spells: one row per acceptance and move

`flask scorecard recover-acceptances` run twice at once (two operators, or a retry while
the first still ran) inserted each recovered acceptance twice, and the scorecard counted it
twice (QA round 31). Duplicates are removed (the first row kept) and a unique index keeps
one row per case, agency, stage, acceptance day and move day; the recovery inserts with
ON CONFLICT DO NOTHING.

Revision ID: 52aabbe93626
Revises: e4a949c2afcc
Create Date: 2026-11-30 01:05:00

"""
from alembic import op

revision = '52aabbe93626'
down_revision = 'e4a949c2afcc'
branch_labels = None
depends_on = None

KEY = ['case_id', 'agency_id', 'stage', 'met_on', 'left_on']


def upgrade():
    op.execute("DELETE FROM stage_spells WHERE id NOT IN (SELECT MIN(id) FROM stage_spells "
               "GROUP BY case_id, agency_id, stage, met_on, left_on)")
    op.execute("DELETE FROM scorecard_built_days")  # days that counted a duplicate: recount
    op.create_index('ux_stage_spells_once', 'stage_spells', KEY, unique=True)


def downgrade():
    op.drop_index('ux_stage_spells_once', table_name='stage_spells')
