"""audit_events refuses TRUNCATE (PostgreSQL)

The append-only trigger on PostgreSQL was a row trigger (BEFORE UPDATE OR DELETE), and row
triggers never fire on TRUNCATE: one statement emptied every chain and every seal, and
verification then passed on nothing (QA round 32). A statement trigger refuses it as the
row trigger refuses UPDATE and DELETE. SQLite has no TRUNCATE (its DELETE trigger holds).

Revision ID: e439db2e5eea
Revises: 52aabbe93626
Create Date: 2026-11-30 01:15:00

"""
from alembic import op

revision = 'e439db2e5eea'
down_revision = '52aabbe93626'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
