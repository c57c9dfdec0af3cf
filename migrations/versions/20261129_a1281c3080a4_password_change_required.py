"""password change required: an admin-set password is replaced at the next sign-in

An administrator who sets a new password for a user knows it; until the user chooses
their own, the web sends them to the password page and the API issues no token. Existing
accounts start without the flag.

Revision ID: a1281c3080a4
Revises: 153eaa1bef59
Create Date: 2026-11-29 18:23:45.109785

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1281c3080a4'
down_revision = '153eaa1bef59'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('password_change_required', sa.Boolean(),
                                     nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_change_required')
