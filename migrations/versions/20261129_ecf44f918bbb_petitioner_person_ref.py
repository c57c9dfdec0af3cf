"""petitioner person ref: one person's records counted as one after anonymising

Anonymising a petitioner blanks their name and numbers, by which counts of people (a mass
petition, the inspectors' clusters list) told that several records were one person. The
records of that person now share an opaque token, given at anonymisation. Existing rows
start without one: records anonymised before this revision are counted as before it.

Revision ID: ecf44f918bbb
Revises: a1281c3080a4
Create Date: 2026-11-29 18:42:18

"""
import sqlalchemy as sa
from alembic import op

revision = 'ecf44f918bbb'
down_revision = 'a1281c3080a4'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('petitioners', sa.Column('person_ref', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('petitioners', schema=None) as batch_op:
        batch_op.drop_column('person_ref')
