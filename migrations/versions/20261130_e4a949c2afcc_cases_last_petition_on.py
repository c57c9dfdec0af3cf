"""cases.last_petition_on: the mass-petition check dates each letter on its own day

A letter joined to a case later counted, in the mass-petition check, on the day the case's
first letter was received: a matter became mass (or did not) by letters outside the 30 days
(QA round 28). Each letter now counts on its own day, and the check finds the cases with a
letter in its window by their latest letter's day, kept here (the matter index leads with
it). Existing cases take the day of their latest letter.

Revision ID: e4a949c2afcc
Revises: e005acf7ff01
Create Date: 2026-11-30 00:36:56

"""
import sqlalchemy as sa
from alembic import op

revision = 'e4a949c2afcc'
down_revision = 'e005acf7ff01'
branch_labels = None
depends_on = None

OLD = ['locality_code', 'field_id', 'received_on', 'subject', 'cluster_id', 'flag_mass']
NEW = ['locality_code', 'field_id', 'last_petition_on', 'received_on', 'subject',
       'cluster_id', 'flag_mass']


def upgrade():
    # Plain ALTERs: a batch rebuild of `cases` on SQLite would drop its search triggers.
    op.add_column('cases', sa.Column('last_petition_on', sa.Date(), nullable=True))
    op.execute("UPDATE cases SET last_petition_on = COALESCE("
               "(SELECT MAX(p.received_on) FROM petitions p WHERE p.case_id = cases.id), "
               "received_on)")
    op.drop_index('ix_cases_matter', table_name='cases')
    op.create_index('ix_cases_matter', 'cases', NEW, unique=False)


def downgrade():
    op.drop_index('ix_cases_matter', table_name='cases')
    op.create_index('ix_cases_matter', 'cases', OLD, unique=False)
    op.drop_column('cases', 'last_petition_on')  # SQLite 3.35+: no rebuild, triggers kept
