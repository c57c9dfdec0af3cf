"""scorecard daily summary

Revision ID: b7d2e4f19a61
Revises: 7c41e2a9b5d3
Create Date: 2026-11-28 10:05:00

The per-agency daily summary of the scorecard (models/scorecard.py) and the indexes the
scorecard uses to count not-yet-summarised days live. The tables start empty: nothing is
listed as built, so every day is counted live until `flask scorecard rebuild` runs.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e4f19a61'
down_revision = '7c41e2a9b5d3'
branch_labels = None
depends_on = None

COUNTS = ("received", "handled", "handled_days", "accepted", "accepted_on_time",
          "accepted_days", "resolved", "resolved_on_time", "resolved_days", "evasions",
          "repeated", "mass", "ratings_sum", "ratings_count")


def upgrade():
    op.create_table(
        'scorecard_days',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name=op.f('fk_scorecard_days_agency_id_agencies')),
        sa.PrimaryKeyConstraint('agency_id', 'day', name=op.f('pk_scorecard_days')),
    )
    op.create_table(
        'scorecard_escalations',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name=op.f('fk_scorecard_escalations_agency_id_agencies')),
        sa.PrimaryKeyConstraint('agency_id', 'day', 'level',
                                name=op.f('pk_scorecard_escalations')),
    )
    op.create_table(
        'scorecard_rereceipts',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('previous_on', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name=op.f('fk_scorecard_rereceipts_agency_id_agencies')),
        sa.PrimaryKeyConstraint('agency_id', 'day', 'previous_on',
                                name=op.f('pk_scorecard_rereceipts')),
    )
    op.create_table(
        'scorecard_built_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_scorecard_built_days')),
    )
    for table in ('scorecard_days', 'scorecard_escalations', 'scorecard_rereceipts'):
        op.create_index(op.f(f'ix_{table}_day'), table, ['day'], unique=False)
    op.create_index('ix_case_deadlines_met_on', 'case_deadlines', ['met_on'], unique=False,
                    sqlite_where=sa.text('met_on IS NOT NULL'),
                    postgresql_where=sa.text('met_on IS NOT NULL'))
    op.create_index('ix_routings_decided_on', 'routings', ['decided_on'], unique=False)
    op.create_index('ix_escalations_as_of', 'escalations', ['as_of'], unique=False)
    op.create_index('ix_citizen_feedback_created_at', 'citizen_feedback', ['created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_citizen_feedback_created_at', table_name='citizen_feedback')
    op.drop_index('ix_escalations_as_of', table_name='escalations')
    op.drop_index('ix_routings_decided_on', table_name='routings')
    op.drop_index('ix_case_deadlines_met_on', table_name='case_deadlines',
                  sqlite_where=sa.text('met_on IS NOT NULL'),
                  postgresql_where=sa.text('met_on IS NOT NULL'))
    for table in ('scorecard_rereceipts', 'scorecard_escalations', 'scorecard_days'):
        op.drop_index(op.f(f'ix_{table}_day'), table_name=table)
    op.drop_table('scorecard_built_days')
    op.drop_table('scorecard_rereceipts')
    op.drop_table('scorecard_escalations')
    op.drop_table('scorecard_days')
