"""When the mail server first refused an e-mail for now (notifications.first_refused_at)

An e-mail refused for now (4xx) is given up after OUTBOX_GIVE_UP_HOURS; counted from its
queueing, a backlog held by a relay outage failed at its first greylisting (QA round 98).
The age now counts from the first such refusal. Messages waiting today start counting at
their next refusal (nothing recorded when the earlier ones were).

Revision ID: b39b4a7ac694
Revises: 1d097eb14e58
Create Date: 2026-12-01 20:44:52

"""
import sqlalchemy as sa
from alembic import op

revision = 'b39b4a7ac694'
down_revision = '1d097eb14e58'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notifications',
                  sa.Column('first_refused_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('notifications', 'first_refused_at')
