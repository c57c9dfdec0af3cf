"""agency notices: one in-app notice per escalation and agency, read state per reader

Revision ID: e3f8a61c2d90
Revises: b7d2e4f19a61
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e3f8a61c2d90'
down_revision = 'b7d2e4f19a61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_agency_id_agencies'),
                                    'agencies', ['agency_id'], ['id'])
        batch_op.create_index('ix_notifications_agency', ['agency_id', 'id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices_read_upto', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table(
        'notification_reads',
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_notification_reads_notification_id_notifications')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notification_reads_user_id_users')),
        sa.PrimaryKeyConstraint('notification_id', 'user_id', name=op.f('pk_notification_reads')),
    )


def downgrade():
    op.drop_table('notification_reads')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notices_read_upto')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_agency')
        batch_op.drop_constraint(batch_op.f('fk_notifications_agency_id_agencies'),
                                 type_='foreignkey')
        batch_op.drop_column('agency_id')
