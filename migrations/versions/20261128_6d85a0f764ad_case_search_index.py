"""case search index

Full-text search over case subject and content, accent-insensitive: an FTS5 table kept by
triggers on SQLite, a GIN expression index over unaccent() on PostgreSQL. The statements are
those of complaints/models/search_index.py (also run by db.create_all()); the existing cases
are indexed once here.

Revision ID: 6d85a0f764ad
Revises: a85d15563e03
Create Date: 2026-11-28 07:44:51.588421

"""
from alembic import op

from complaints.models.search_index import (
    PG_CREATE,
    PG_DROP,
    SQLITE_BACKFILL,
    SQLITE_CREATE,
    SQLITE_DROP,
)

# revision identifiers, used by Alembic.
revision = '6d85a0f764ad'
down_revision = 'a85d15563e03'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_CREATE:
            op.execute(statement)
        op.execute(SQLITE_BACKFILL)
    elif dialect == "postgresql":
        for statement in PG_CREATE:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in PG_DROP:
            op.execute(statement)
