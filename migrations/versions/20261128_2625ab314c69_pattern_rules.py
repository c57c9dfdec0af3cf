"""pattern_rules: versions of the repeated / mass pattern thresholds, set by administrators

Without a row a threshold keeps its default (complaints/domain/escalation.py); the defaults
are added as rows by the reference-data seed.

Revision ID: 2625ab314c69
Revises: d5b1e8a3c7f2
Create Date: 2026-11-28 20:41:32

"""
from alembic import op
import sqlalchemy as sa


revision = '2625ab314c69'
down_revision = 'd5b1e8a3c7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pattern_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("code IN ('mass_petitioners', 'mass_window_days', 'repeat_petitions', 'repeat_window_days', 'similar_subject')", name=op.f('ck_pattern_rules_code_valid')),
    sa.CheckConstraint('value > 0', name=op.f('ck_pattern_rules_value_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pattern_rules_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pattern_rules')),
    sa.UniqueConstraint('code', 'effective_from', name=op.f('uq_pattern_rules_code_effective_from'))
    )


def downgrade():
    op.drop_table('pattern_rules')
