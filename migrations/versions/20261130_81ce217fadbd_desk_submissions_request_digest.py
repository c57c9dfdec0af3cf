"""desk_submissions: request_digest, for the API's Idempotency-Key

POST /api/v1/cases and POST /api/v1/cases/{code}/petitions keep the client's key as a
one-time token beside the desk forms' (services/idempotency.py), with a digest of the
request: the same key sent with another request is refused. Existing rows (desk forms,
Open311 posts) have none and are unchanged.

Revision ID: 81ce217fadbd
Revises: b6f2a9d4c1e7
Create Date: 2026-11-30 15:37:57.481763

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '81ce217fadbd'
down_revision = 'b6f2a9d4c1e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('desk_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('desk_submissions', schema=None) as batch_op:
        batch_op.drop_column('request_digest')

