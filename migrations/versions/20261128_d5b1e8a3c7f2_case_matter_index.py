"""cases: the mass-petition check's covering index (replaces the locality index)

Revision ID: d5b1e8a3c7f2
Revises: a9e4c2f7d1b8
Create Date: 2026-11-28 20:00:00

"""
from alembic import op


revision = 'd5b1e8a3c7f2'
down_revision = 'a9e4c2f7d1b8'
branch_labels = None
depends_on = None

MATTER = ['locality_code', 'field_id', 'received_on', 'subject', 'cluster_id', 'flag_mass']


def upgrade():
    # Its first column serves every look-up the single-column index served.
    op.create_index('ix_cases_matter', 'cases', MATTER, unique=False)
    op.drop_index('ix_cases_locality_code', table_name='cases')


def downgrade():
    op.create_index('ix_cases_locality_code', 'cases', ['locality_code'], unique=False)
    op.drop_index('ix_cases_matter', table_name='cases')
