"""cases: one second complaint per first-round case

A unique index on cases(parent_case_id) over second-round complaints only: a double tap on
the citizens' second-complaint form (two requests at once) opened two. Existing rows: if a
case already has two second complaints, the upgrade stops and names them, for a person to
decide which one stands (join the other's petitions to it); nothing is changed for them.

Revision ID: 2ac540238e63
Revises: ece996b98224
Create Date: 2026-11-29 06:43:42.670438

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2ac540238e63'
down_revision = 'ece996b98224'
branch_labels = None
depends_on = None


def upgrade():
    clashes = op.get_bind().execute(sa.text(
        "SELECT p.tracking_code, c.tracking_code FROM cases c"
        " JOIN cases p ON p.id = c.parent_case_id"
        " WHERE c.complaint_round = 2 AND c.parent_case_id IN ("
        "  SELECT parent_case_id FROM cases WHERE complaint_round = 2"
        "  AND parent_case_id IS NOT NULL GROUP BY parent_case_id HAVING COUNT(*) > 1)"
        " ORDER BY p.tracking_code, c.id")).all()
    if clashes:
        found: dict[str, list[str]] = {}
        for parent, second in clashes:
            found.setdefault(parent, []).append(second)
        raise RuntimeError(
            "cases with more than one second complaint (first case: second complaints): "
            + "; ".join(f"{parent}: {', '.join(seconds)}" for parent, seconds in found.items())
            + ". Keep one per first case (join the others' petitions to it), then upgrade.")
    op.create_index('ux_cases_second_complaint', 'cases', ['parent_case_id'], unique=True,
                    sqlite_where=sa.text('complaint_round = 2'),
                    postgresql_where=sa.text('complaint_round = 2'))


def downgrade():
    op.drop_index('ux_cases_second_complaint', table_name='cases',
                  sqlite_where=sa.text('complaint_round = 2'),
                  postgresql_where=sa.text('complaint_round = 2'))
