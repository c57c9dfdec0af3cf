"""pattern rules: the window of repeated petitions in calendar months

domain.md and the law speak of three petitions on one matter within 12 months; the window
was 365 days (`repeat_window_days`). It is now counted in calendar months
(`repeat_window_months`, default 12): a petition on the same day of the month 12 months
after the first is outside it.

Existing rows: every version of `repeat_window_days` becomes one of `repeat_window_months`
from the same date, its value rounded to whole months (365 days → 12 months, 730 → 24) and
kept within the new bounds (1–60). The downgrade turns months back into days (12 → 365).

Revision ID: 83556915d966
Revises: d6e7103f4110
Create Date: 2026-11-29 12:26:21.680090

"""
import sqlalchemy as sa
from alembic import op

revision = '83556915d966'
down_revision = 'd6e7103f4110'
branch_labels = None
depends_on = None

CHECK = 'ck_pattern_rules_code_valid'
DAYS, MONTHS = 'repeat_window_days', 'repeat_window_months'
CODES = ('mass_petitioners', 'mass_window_days', 'repeat_petitions', '{}', 'similar_subject')


def _convert(old: str, new: str, value) -> None:
    """Move the versions of `old` to `new` with their values converted by `value`."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, value FROM pattern_rules WHERE code = :code"),
                        {"code": old}).all()
    for id_, days_or_months in rows:
        bind.execute(sa.text("UPDATE pattern_rules SET code = :code, value = :value"
                             " WHERE id = :id"),
                     {"code": new, "value": value(days_or_months), "id": id_})


def _recheck(old: str, new: str) -> None:
    """Replace the CHECK on the codes (`old` → `new`), converting the rows in between.

    On SQLite each step rebuilds the (small, unreferenced) table; migrations/env.py keeps
    foreign keys off around it.
    """
    with op.batch_alter_table('pattern_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
    if new == MONTHS:
        _convert(old, new, lambda days: min(max(round(days * 12 / 365), 1), 60))
    else:
        _convert(old, new, lambda months: min(max(round(months * 365 / 12), 30), 1825))
    with op.batch_alter_table('pattern_rules', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f(CHECK), "code IN ({})".format(", ".join(
                f"'{code.format(new)}'" for code in CODES)))


def upgrade():
    _recheck(DAYS, MONTHS)


def downgrade():
    _recheck(MONTHS, DAYS)
