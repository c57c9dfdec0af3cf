"""agencies: is_reception_desk

A citizen-reception desk receives and routes petitions and never resolves one; the flag keeps
it out of the agencies a case can be routed, transferred or designated to. Existing rows:
an agency whose active staff are all reception officers (and has some) is taken to be a
desk; an administrator can change it on the agency's page.

Revision ID: ece996b98224
Revises: b3e5d7f9a1c2
Create Date: 2026-11-29 03:13:34

"""
from alembic import op
import sqlalchemy as sa


revision = 'ece996b98224'
down_revision = 'b3e5d7f9a1c2'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of `agencies` on SQLite would trip the foreign
    # keys of every table that points at it.
    op.add_column('agencies', sa.Column('is_reception_desk', sa.Boolean(),
                                        server_default=sa.false(), nullable=False))
    op.execute(sa.text(
        "UPDATE agencies SET is_reception_desk = :yes WHERE id IN ("
        " SELECT agency_id FROM users WHERE agency_id IS NOT NULL AND active = :yes"
        " GROUP BY agency_id"
        " HAVING SUM(CASE WHEN role = 'reception' THEN 0 ELSE 1 END) = 0)"
    ).bindparams(yes=True))


def downgrade():
    op.drop_column('agencies', 'is_reception_desk')  # SQLite ≥ 3.35 drops it in place
