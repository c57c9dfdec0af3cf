"""petition content: a later letter keeps what it says

A letter joined to an existing case (đơn trùng, nhiều lần) kept its petitioners, channel
and date but not the text the desk typed. Petitions get a `content` of their own; the
notes that reception sessions kept for the petitions they joined (in `handling_note`, the
only writer of that column for joined petitions) move to it.

Revision ID: 153eaa1bef59
Revises: 724c4c1ce57b
Create Date: 2026-11-29 18:20:25.413249

"""
import sqlalchemy as sa
from alembic import op

revision = '153eaa1bef59'
down_revision = '724c4c1ce57b'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: no table rebuild (which would drop SQLite's search triggers).
    op.add_column('petitions', sa.Column('content', sa.Text(), nullable=True))
    op.execute("UPDATE petitions SET content = handling_note, handling_note = NULL "
               "WHERE handling_outcome = 'joined' AND handling_note IS NOT NULL")


def downgrade():
    op.execute("UPDATE petitions SET handling_note = content "
               "WHERE handling_outcome = 'joined' AND content IS NOT NULL")
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('content')
