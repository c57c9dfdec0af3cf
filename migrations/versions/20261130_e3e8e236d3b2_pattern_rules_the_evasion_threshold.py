"""pattern rules: the evasion threshold (đùn đẩy) is a versioned threshold too

domain.md: every number of the rules is a default in a policy table, editable and versioned
by date. The second return or transfer that makes a case evaded was fixed in code; it is
now the threshold `evasion_moves` (default 2, bounds 2–10), read on the day of the move.
The CHECK on the codes admits it; the downgrade deletes its versions first.

Revision ID: e3e8e236d3b2
Revises: 83e4b79095ec
Create Date: 2026-11-30 04:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e3e8e236d3b2'
down_revision = '83e4b79095ec'
branch_labels = None
depends_on = None

CHECK = 'ck_pattern_rules_code_valid'
CODES = ('mass_petitioners', 'mass_window_days', 'repeat_petitions', 'repeat_window_months',
         'similar_subject')
EVASION = 'evasion_moves'


def _recheck(codes: tuple[str, ...]) -> None:
    """Replace the CHECK on the codes. On SQLite this rebuilds the (small, unreferenced)
    table; migrations/env.py keeps foreign keys off around it."""
    with op.batch_alter_table('pattern_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
    with op.batch_alter_table('pattern_rules', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f(CHECK), "code IN ({})".format(", ".join(f"'{c}'" for c in codes)))


def upgrade():
    _recheck(CODES + (EVASION,))


def downgrade():
    op.get_bind().execute(sa.text("DELETE FROM pattern_rules WHERE code = :code"),
                          {"code": EVASION})
    _recheck(CODES)
