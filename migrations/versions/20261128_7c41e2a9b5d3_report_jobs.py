"""report jobs

Revision ID: 7c41e2a9b5d3
Revises: 5e1c0a7b92d4
Create Date: 2026-11-28 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c41e2a9b5d3'
down_revision = '5e1c0a7b92d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('root_agency_id', sa.Integer(), nullable=False),
        sa.Column('period_kind', sa.String(length=20), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=120), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=120), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('official', 'workbook')", name=op.f('ck_report_jobs_kind_valid')),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_jobs_status_valid')),
        sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_report_jobs_progress_range')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users')),
        sa.ForeignKeyConstraint(['root_agency_id'], ['agencies.id'], name=op.f('fk_report_jobs_root_agency_id_agencies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs')),
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_report_jobs_status', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))
        batch_op.drop_index('ix_report_jobs_status')
    op.drop_table('report_jobs')
