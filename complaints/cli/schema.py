"""The app's commands refuse a database whose schema is not this release's, in one line.

Without it, a command run before `flask db upgrade` (or on a mistyped DATABASE_URL /
INSTANCE_PATH) ended in a SQLAlchemy traceback, "no such table: users" (QA round 73).
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from complaints.extensions import db

UPGRADE = "run `flask --app wsgi db upgrade` first"

# Two tables every revision has: without them a database is not the app's at all. One
# built by db.create_all() (the tests, the benchmarks) has no alembic_version row and is
# compared with the models instead (_unrevisioned_problem).
APP_TABLES = ("cases", "audit_events")


def _missing_sqlite_file() -> str | None:
    """The SQLite file the URL names when it does not exist: connecting would create an
    empty database there (a typo in the path), so say so before connecting."""
    url = make_url(db.engine.url)
    if url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return None
    name = url.database
    if not name or name == ":memory:" or Path(name).exists():
        return None
    return name


def _unrevisioned_problem(conn, never: str) -> str | None:
    """A database built without Alembic (db.create_all: the tests, the benchmarks) serves
    when it has every table and column of the models, as `flask restore` asks of such a
    backup: one kept from an earlier release lacked a table and the command failed on it
    in a traceback (QA round 75)."""
    from complaints.services.backup import schema_problems

    reader = inspect(conn)
    tables = set(reader.get_table_names())
    if not set(APP_TABLES) <= tables:
        return never
    columns = {name: {c["name"] for c in reader.get_columns(name)} for name in tables}
    problems = schema_problems(columns, None)
    return f"the database is not this release's ({problems[0]}): {UPGRADE}" if problems \
        else None


def unreachable() -> str | None:
    """Why the database cannot be reached at all, in one line (None when it can): for the
    commands that build or copy it whole (`db upgrade`, `backup`, `restore`), which need
    no schema but ended in a driver's traceback on a server that was down or a SQLite
    folder that does not exist (QA round 83). A SQLite file is not opened here: a new one
    in an existing folder is what `db upgrade` and `restore` make."""
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        name = url.database
        if name and name != ":memory:" and not url.query.get("uri") \
                and not Path(name).resolve().parent.is_dir():
            return (f"the folder of the database {name} does not exist: check DATABASE_URL "
                    "and INSTANCE_PATH")
        return None
    try:
        with db.engine.connect():
            return None
    except DBAPIError as exc:
        return _cannot_reach(exc)


def _cannot_reach(exc: DBAPIError) -> str:
    cause = str(exc.orig or exc).strip().splitlines()
    return f"cannot reach the database: {cause[0] if cause else type(exc).__name__}"


# Flask-Migrate's commands that open the database (the others read the migrations only).
MIGRATE_OPENS = ("upgrade", "downgrade", "current", "check", "stamp", "migrate")


def require_reachable(group: click.Group) -> click.Group:
    """Flask-Migrate's commands that open the database say in one line when it cannot be
    reached (`unreachable`), rather than in Alembic's and the driver's tracebacks."""
    for name in MIGRATE_OPENS:
        if (command := group.commands.get(name)) is not None:
            # --sql (offline) prints the migration's SQL and never connects (QA round 85).
            _check_first(command, lambda options: None if options.get("sql")
                         else unreachable(), "reach_checked")
    return group


def _check_first(command: click.Command, problem_of, marker: str) -> click.Command:
    """Run `problem_of(the command's options)` before `command`; a problem stops it in one
    line. `marker` keeps it from being wrapped twice: the commands are module objects, and
    each create_app (every test) registers them again."""
    callback = command.callback
    if getattr(callback, marker, False):
        return command

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        problem = problem_of(kwargs)
        if problem is not None:
            raise click.ClickException(problem)
        return callback(*args, **kwargs)

    command.callback = with_appcontext(checked)
    setattr(command.callback, marker, True)
    return command


def schema_problem() -> str | None:
    """Why this database cannot serve this release's commands (None when it can).

    One query in the usual case (alembic_version); the tables are listed only when it has
    no such table.
    """
    from complaints.services.backup import earlier_revision, expected_revision

    never = f"the database has no tables of this application (never migrated): {UPGRADE}"
    missing = _missing_sqlite_file()
    if missing is not None:
        return (f"there is no database at {missing} (check DATABASE_URL and INSTANCE_PATH), "
                f"or {UPGRADE}")
    try:
        with db.engine.connect() as conn:
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")
                                        ).scalar()
            except DBAPIError:  # no such table (PostgreSQL: the transaction is aborted)
                conn.rollback()
                return _unrevisioned_problem(conn, never)
    except DBAPIError as exc:  # cannot connect: its cause in one line, not a traceback
        return _cannot_reach(exc)
    if revision is None:  # downgraded to base: the table is left, empty
        return never
    head = expected_revision()
    if head is None or revision == head:  # no single head to compare with: let it run
        return None
    if earlier_revision(revision):
        return (f"the database schema is at revision {revision}, behind this release's "
                f"{head}: {UPGRADE}")
    return (f"the database schema is at revision {revision}, which this release's "
            "migrations do not know (a newer release migrated it?): use that release")


def require_schema(command: click.Command) -> click.Command:
    """Check the schema before `command` (each command of a group) runs: after click has
    parsed its arguments, so `--help` and usage errors need no database."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            require_schema(sub)
        return command
    return _check_first(command, lambda _options: schema_problem(), "schema_checked")
