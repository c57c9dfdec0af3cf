"""case_search: the SQLite triggers again, and the index rebuilt

On SQLite, migration c4a7e19b3f52 (case geolocation) rebuilt the `cases` table to add its
check constraints, and a rebuilt table loses its triggers: from then on new cases and
edited subjects were not indexed, and word search found nothing added since. This puts
the triggers back (the statements of complaints/models/search_index.py) and rebuilds the
index from the cases table. PostgreSQL's expression index was not affected.

Revision ID: b3e5d7f9a1c2
Revises: 8db806ced17f
Create Date: 2026-11-29 01:30:00

"""
from alembic import op

from complaints.models.search_index import SQLITE_BACKFILL, SQLITE_CREATE

revision = 'b3e5d7f9a1c2'
down_revision = '8db806ced17f'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_CREATE:  # IF NOT EXISTS: the table stays, triggers come back
        op.execute(statement)
    # A contentless FTS5 table is emptied with its 'delete-all' command, then refilled.
    op.execute("INSERT INTO case_search(case_search) VALUES ('delete-all')")
    op.execute(SQLITE_BACKFILL)


def downgrade():
    pass  # the triggers belong to 6d85a0f764ad's objects; nothing of its own to undo
