"""When an attachment's content was erased (attachments.erased_at)

Anonymising a petitioner renamed the files handed in with their letters but kept their
content served: a scan of their ID card stayed downloadable (QA 115). The row stays (the
case's record of what was handed in); its content is refused from then on, and the
attachments prune removes the stored file once no other row names it.

Revision ID: 7e3d51c0a9b4
Revises: 4c1e7a9d2b60
Create Date: 2026-12-02 13:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7e3d51c0a9b4'
down_revision = '4c1e7a9d2b60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('attachments',
                  sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('attachments', 'erased_at')
