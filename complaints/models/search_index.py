"""The full-text index over case subject and content, kept by the database itself.

SQLite: a contentless FTS5 table `case_search` keyed by the case rowid, filled by triggers.
The unicode61 tokenizer strips combining accents but not "đ" (a letter of its own), so the
triggers fold đ/Đ to d/D before indexing; queries are folded the same way (text.fold).

PostgreSQL: a GIN expression index over to_tsvector('simple', case_search_fold(…)), where
case_search_fold is an IMMUTABLE wrapper of unaccent() (a trusted extension since PG 13, so
the database owner may create it without being superuser).

The same statements are used by db.create_all() (tests) through the after_create event
and by the Alembic migration, so both build identical objects.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from complaints.extensions import migrate
from complaints.models.case import Case

FTS_TABLE = "case_search"
PG_INDEX = "ix_cases_search_fts"


# đ/Đ folded by hand: unicode61 strips combining accents only.
_NEW = ("new.id, replace(replace(coalesce(new.subject, ''), 'đ', 'd'), 'Đ', 'D'), "
        "replace(replace(coalesce(new.content, ''), 'đ', 'd'), 'Đ', 'D')")
_OLD = ("old.id, replace(replace(coalesce(old.subject, ''), 'đ', 'd'), 'Đ', 'D'), "
        "replace(replace(coalesce(old.content, ''), 'đ', 'd'), 'Đ', 'D')")
_ADD = "INSERT INTO case_search(rowid, subject, content) VALUES (" + _NEW + "); "  # noqa: S608
# A contentless table deletes by repeating the indexed values with the 'delete' command.
_REMOVE = ("INSERT INTO case_search(case_search, rowid, subject, content) "
           "VALUES ('delete', " + _OLD + "); ")

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
    "subject, content, content='', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS cases_search_ai AFTER INSERT ON cases BEGIN " + _ADD + "END",
    "CREATE TRIGGER IF NOT EXISTS cases_search_ad AFTER DELETE ON cases BEGIN " + _REMOVE
    + "END",
    "CREATE TRIGGER IF NOT EXISTS cases_search_au AFTER UPDATE OF subject, content ON cases "
    "BEGIN " + _REMOVE + _ADD + "END",
]
# The existing rows, indexed once by the migration.
SQLITE_BACKFILL = "INSERT INTO case_search(rowid, subject, content) SELECT %s FROM cases" % (  # noqa: S608,E501,UP031
    _NEW.replace("new.", ""))
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_search_au",
    "DROP TRIGGER IF EXISTS cases_search_ad",
    "DROP TRIGGER IF EXISTS cases_search_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION case_search_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, ''))) $$",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON cases USING gin "
    "(to_tsvector('simple'::regconfig, case_search_fold(subject || ' ' || content)))",
]
PG_DROP = [
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    "DROP FUNCTION IF EXISTS case_search_fold(text)",
]

for _statement in SQLITE_CREATE:
    event.listen(Case.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in PG_CREATE:
    event.listen(Case.__table__, "after_create",
                 DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))
for _statement in SQLITE_DROP[:-1]:
    event.listen(Case.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(Case.__table__, "before_drop",
             DDL(SQLITE_DROP[-1]).execute_if(dialect="sqlite"))


def include_name(name, type_, parent_names) -> bool:
    """Keep the index objects the metadata does not describe out of Alembic's comparison."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "index" and name == PG_INDEX:
        return False
    return True


# Flask-Migrate passes its keyword arguments to Alembic's context.configure(). The models
# are imported after migrate.init_app() in create_app(), so the first app's copy of them is
# completed when a `flask db` command builds its Alembic config.
migrate.alembic_ctx_kwargs.setdefault("include_name", include_name)


@migrate.configure
def _exclude_index_objects(config):
    from flask import current_app

    current_app.extensions["migrate"].configure_args.setdefault("include_name", include_name)
    return config
