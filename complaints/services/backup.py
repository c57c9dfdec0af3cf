"""Online backup and restore of the whole database (sao lưu / khôi phục).

SQLite: the sqlite3 online backup API copies the database page by page inside a read
transaction, so the copy is consistent even while workers keep writing (WAL mode).

PostgreSQL: `pg_dump --format=custom` takes a consistent snapshot (one repeatable-read
transaction) while the app runs; `pg_restore --clean --if-exists` brings it back. The
client programs must be installed (Debian: postgresql-client, same or newer major version
than the server); they are looked up on PATH, then under /usr/lib/postgresql/*/bin. The
password, if the URL has one, is passed in PGPASSWORD, never on the command line.

A backup holds every petitioner's identity: its file is created readable by its owner only
(0600), as attachments are. A restore first checks that the backup has this release's
schema (its Alembic revision, when it records one, and every table and column the app's
models define): one from another release or another application is refused before
anything is replaced.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists, no shell
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from complaints.extensions import db
from complaints.services.errors import ValidationFailed

logger = logging.getLogger(__name__)

SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".dump"


@dataclass
class BackupResult:
    path: Path
    dialect: str
    size: int


def dialect() -> str:
    """Return the database kind of the app's engine: "sqlite" or "postgresql"."""
    return db.engine.dialect.name


def default_suffix() -> str:
    return SQLITE_SUFFIX if dialect() == "sqlite" else PG_SUFFIX


def backup(path: Path) -> BackupResult:
    """Write a consistent copy of the running database to `path` (not overwriting)."""
    path = Path(path)
    kind = dialect()
    if kind not in ("sqlite", "postgresql"):
        raise ValidationFailed({"database": f"backups of {kind} databases are not supported"})
    _refuse_not_ours(kind)
    _create_private(path)
    try:
        if kind == "sqlite":
            _sqlite_backup(path)
        else:
            _pg_dump(db.engine.url, path)
    except (sqlite3.Error, OSError, ValidationFailed) as exc:
        path.unlink(missing_ok=True)  # never leave half a backup behind
        if isinstance(exc, ValidationFailed):
            raise
        raise ValidationFailed({"output": f"backup failed: {exc}"}) from exc
    size = path.stat().st_size
    logger.info("backup of %s written to %s (%d bytes)", kind, path, size)
    return BackupResult(path, kind, size)


def _holds_app_data() -> bool:
    try:
        _refuse_not_ours(dialect())
    except ValidationFailed:
        return False
    return True


def _refuse_not_ours(kind: str) -> None:
    """Refuse to back up a database without the app's tables: a mistyped DATABASE_URL or
    INSTANCE_PATH, or a backup before `db upgrade`, wrote a "backup" that restore refuses,
    night after night, and on SQLite made the empty file at the wrong path (QA round 73)."""
    database = db.engine.url.database
    if kind == "sqlite" and database and database != ":memory:" \
            and not database.startswith("file:") and not Path(database).exists():
        raise ValidationFailed({"database": f"{database} does not exist: check DATABASE_URL "
                                            "and INSTANCE_PATH"})
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    if not {"cases", "audit_events"} <= tables:
        raise ValidationFailed({"database": "this database has no tables of the application: "
                                            "check DATABASE_URL and INSTANCE_PATH, or run "
                                            "`flask --app wsgi db upgrade` first"})


@dataclass
class RestoreResult:
    checked: int  # audit events verified
    breaks: list  # audit.ChainBreak
    sealed: int
    seal_breaks: list  # audit_seals.SealBreak
    before: Path | None  # the database as it was before the restore, kept
    put_back: bool  # the backup did not verify: the database is as it was before

    @property
    def broken(self) -> bool:
        return bool(self.breaks or self.seal_breaks)


def restore(path: Path, before: Path | None = None, force: bool = False) -> RestoreResult:
    """Replace the whole database with the backup at `path` (other sessions must be idle),
    then verify every audit chain and seal.

    A backup whose trail does not verify (edited while it was out of the app's hands) must
    not replace evidence that does (QA 96): the database as it was is first backed up to
    `before`, and put back from it when the restored trail breaks, unless `force`. The
    verification runs on the restored database itself, after any upgrade, as the app will
    read it; an empty database (nothing of the app's in it yet) has nothing to keep."""
    from complaints.services import audit, audit_seals

    path = Path(path)
    if not path.is_file():
        raise ValidationFailed({"path": f"{path} is not a file"})
    kind = dialect()
    if kind == "sqlite":
        _check_sqlite_file(path)
    elif kind == "postgresql":
        _check_pg_dump(path)
    if before is not None and _holds_app_data():
        backup(before)
    else:
        before = None  # nothing of the app's to keep
    try:
        _replace(path, kind)
        checked, breaks = audit.verify_chains()
        sealed, seal_breaks = audit_seals.verify_seals()
    except Exception as exc:  # noqa: BLE001  (whatever failed, the copy is put back)
        if before is None:
            raise
        why = str(exc) if isinstance(exc, ValidationFailed) else f"{type(exc).__name__}: {exc}"
        logger.exception("restore from %s failed; putting back %s", path, before)
        _put_back(before, kind, f"the restore failed ({why})")
        raise ValidationFailed({"path": f"restore failed ({why}); the database was put back "
                                        f"as it was, from {before}"}) from exc
    put_back = bool((breaks or seal_breaks) and before is not None and not force)
    if put_back:
        logger.error("backup %s: audit trail broken (%d chains, %d seals); database put "
                     "back from %s", path, len(breaks), len(seal_breaks), before)
        _put_back(before, kind, f"the audit trail of {path} does not verify")
    return RestoreResult(checked, breaks, sealed, seal_breaks, before, put_back)


def _put_back(before: Path, kind: str, why: str) -> None:
    """Bring back the copy taken before a restore; if that fails too, say what the database
    now holds and how to bring the copy back by hand (QA 98: the message named neither)."""
    db.session.remove()
    try:
        _replace(before, kind)
    except Exception as exc:
        logger.exception("putting back %s failed", before)
        raise ValidationFailed({"path": (
            f"{why}, and putting the database back failed ({exc}): it may now hold the "
            f"backup, or part of it. The database as it was is in {before}: stop the app "
            f"and the scheduler, then run `flask restore {before} --yes`.")}) from exc


def _replace(path: Path, kind: str) -> None:
    """Replace the whole database with the backup at `path`, brought to this release."""
    # Our own pooled connections would hold locks (and stale caches): drop them first.
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        try:
            _sqlite_restore(path)
        except sqlite3.OperationalError as exc:  # e.g. locked by a running worker
            raise ValidationFailed({"path": f"restore failed (stop the app first?): {exc}"}
                                   ) from exc
    elif kind == "postgresql":
        _pg_restore(db.engine.url, path)
    else:
        raise ValidationFailed({"database": f"restores of {kind} databases are not supported"})
    db.engine.dispose()
    logger.warning("database restored from %s", path)
    upgraded = _upgrade_if_earlier()
    _guard_audit_trail(kind)
    if upgraded:
        # A backup from before acceptances were kept after a move: credit them now, as
        # `flask scorecard recover-acceptances` does after an upgrade (idempotent).
        from complaints.services import calendar, deadlines, stage_spells

        calendar.invalidate()  # the due dates are computed from the restored rules
        deadlines.invalidate()
        recovered = stage_spells.recover()
        db.session.commit()
        if recovered:
            logger.warning("restored database: %s acceptance(s) recovered", recovered)


def _guard_audit_trail(kind: str) -> None:
    """Make the restored audit trail append-only again, whatever the backup held: one
    taken while the triggers were lifted came back writable (QA round 32). The statements
    are idempotent."""
    from sqlalchemy import text

    from complaints.models import event as guard

    statements = guard.APPEND_ONLY_POSTGRESQL if kind == "postgresql" else guard.APPEND_ONLY_SQLITE
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _upgrade_if_earlier() -> bool:
    """A backup of an earlier release is brought to this release's schema at once, as
    `flask db upgrade` would (a database at the head, or built without Alembic, is left)."""
    from sqlalchemy import inspect, text

    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if not earlier_revision(revision):
        return False
    from flask_migrate import upgrade

    logger.warning("restored database at revision %s: upgrading it", revision)
    upgrade(directory=str(current_app.extensions["migrate"].directory))
    db.engine.dispose()
    return True


def _create_private(path: Path) -> None:
    """Create the empty backup file, owner-only, refusing to overwrite one."""
    if path.exists():
        raise ValidationFailed({"output": f"{path} already exists; choose another name."})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: a file made meanwhile is never overwritten; the mode is set at creation,
        # so the identities in it are never readable by others, even briefly.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:  # a parent that is a file, no permission, disk full …
        raise ValidationFailed({"output": f"cannot create {path}: {exc.strerror or exc}"}
                               ) from exc


# --- the schema a backup must have ----------------------------------------------------


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions.get("migrate")
    if migrate is None:
        return None
    config = Config()
    config.set_main_option("script_location", str(migrate.directory))
    return ScriptDirectory.from_config(config)


def expected_revision() -> str | None:
    """Return the Alembic head of this release's migrations (None if they are missing)."""
    scripts = _scripts()
    heads = scripts.get_heads() if scripts is not None else []
    return heads[0] if len(heads) == 1 else None


def earlier_revision(revision: str | None) -> bool:
    """Whether `revision` is one this release's migrations pass through before their head:
    a backup made by an earlier release, which `flask db upgrade` brings up to date."""
    scripts, head = _scripts(), expected_revision()
    if scripts is None or head is None or not revision or revision == head:
        return False
    return any(script.revision == revision
               for script in scripts.walk_revisions(base="base", head=head))


def schema_problems(columns: dict[str, set[str]], revision: str | None) -> list[str]:
    """Return why a backup with these tables' columns and Alembic revision cannot be
    restored by this release (empty when it can).

    A database built by `flask db upgrade` records its revision: another one is another
    release's schema. Databases built without Alembic (tests, benchmarks) record none, so
    every table and column of the models is checked as well.
    """
    problems = []
    head = expected_revision()
    if earlier_revision(revision):
        # An earlier release's backup: restored, then migrated to this release (restore);
        # its tables are that release's, so they are not compared with today's models.
        return problems
    if revision is not None and head is not None and revision != head:
        problems.append(f"its schema is Alembic revision {revision}, which this release's "
                        f"migrations (head {head}) do not lead through: a later release's "
                        "or another application's database")
    for table in db.metadata.sorted_tables:
        found = columns.get(table.name)
        if found is None:
            problems.append(f"table {table.name} is missing")
            continue
        wanted = {c.name for c in table.columns}
        if wanted - found:
            problems.append(f"table {table.name} lacks {', '.join(sorted(wanted - found))}")
        if found - wanted:
            problems.append(f"table {table.name} has unknown columns "
                            f"{', '.join(sorted(found - wanted))}")
    return problems


def _refuse_other_schema(path: Path, problems: list[str]) -> None:
    if problems:
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        raise ValidationFailed({"path": f"{path} is not a backup of this application's "
                                        f"schema, nothing was restored: {shown}"})


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_backup(path: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        raw.close()


def _check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            columns = {name: {row[0] for row in conn.execute(
                           "SELECT name FROM pragma_table_info(?)", (name,))}
                       for name in tables}
            revision = None
            if "alembic_version" in columns:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
                revision = rows[0][0] if len(rows) == 1 else "?"
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationFailed({"path": f"{path} is not an SQLite database: {exc}"}) from exc
    if status != "ok":
        raise ValidationFailed({"path": f"{path} is damaged: {status}"})
    if not {"cases", "audit_events"} <= columns.keys():
        raise ValidationFailed({"path": f"{path} is not a backup of this application"})
    _refuse_other_schema(path, schema_problems(columns, revision))


def _sqlite_restore(path: Path) -> None:
    _check_sqlite_file(path)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw = db.engine.raw_connection()
    try:
        # The backup API takes the write lock on the target and replaces every page.
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------


def pg_program(name: str) -> str | None:
    """Return the path of a PostgreSQL client program (newest version), or None."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return candidates[-1] if candidates else None


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Return connection arguments and environment for pg_dump/pg_restore/psql: one libpq
    connection string of what the app's driver connects with, read by SQLAlchemy's own
    dialect (QA round 73: a socket directory given as ?host=…, a port or sslmode in the
    query were dropped, and the programs reached the default server instead; QA round 74:
    ?host=a:5432&host=b:5432, SQLAlchemy's several hosts, became "a:5432,b:5432"). Only
    libpq's keywords go in: a driver setting (psycopg's prepare_threshold) would make
    pg_dump refuse the string; the password goes in PGPASSWORD, not on the command line."""
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    _args, params = url.get_dialect()().create_connect_args(url)
    password = params.pop("password", None)
    libpq = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    conninfo = make_conninfo(**{key: str(value) for key, value in params.items()
                                if key in libpq and value is not None})
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return ["--dbname", conninfo], env


def _run(name: str, args: list[str], env: dict[str, str]) -> str:
    program = pg_program(name)
    if program is None:
        raise ValidationFailed({"program": f"{name} not found: install postgresql-client"})
    # A fixed program with an argument list and no shell: nothing is interpreted.
    command = [program, *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603  # nosec B603
                            check=False)
    if result.returncode != 0:
        raise ValidationFailed({"program": f"{name} failed: {result.stderr.strip()[:2000]}"})
    return result.stdout


def _pg_dump(url: URL, path: Path) -> None:
    args, env = _pg_args(make_url(url))
    _run("pg_dump", ["--format=custom", "--no-password", "--file", str(path), *args], env)


# In pg_restore's SQL: "CREATE TABLE public.cases (" up to ");", one column a line.
_PG_TABLE = re.compile(r'^CREATE TABLE (?:"?public"?\.)?"?(\w+)"? \((.*?)^\);', re.M | re.S)


def _check_pg_dump(path: Path) -> set[str]:
    """Refuse a dump that is not of this release's schema (read offline, no connection);
    return the names of the tables it holds."""
    env = dict(os.environ)
    script = _run("pg_restore", ["--schema-only", "--file", "-", str(path)], env)
    columns = {}
    for name, body in _PG_TABLE.findall(script):
        lines = (line.strip() for line in body.splitlines())
        columns[name] = {line.split()[0].strip('"') for line in lines
                         if line and not line.startswith("CONSTRAINT ")}
    if not {"cases", "audit_events"} <= columns.keys():
        raise ValidationFailed({"path": f"{path} is not a backup of this application"})
    revision = None
    if "alembic_version" in columns:
        data = _run("pg_restore", ["--data-only", "--table", "alembic_version", "--file", "-",
                                   str(path)], env).splitlines()
        start = next((i for i, line in enumerate(data) if line.startswith("COPY ")), None)
        rows = [] if start is None else data[start + 1:data.index("\\.", start)]
        revision = rows[0] if len(rows) == 1 else "?"
    _refuse_other_schema(path, schema_problems(columns, revision))
    return set(columns)


def _pg_restore(url: URL, path: Path) -> None:
    _check_pg_dump(path)
    args, env = _pg_args(make_url(url))
    with db.engine.connect() as conn:
        live = sorted(name for name in inspect(conn).get_table_names()
                      if re.fullmatch(r"\w+", name))
    # Every live table is dropped first, in the same transaction as the restore (a failure
    # leaves the database as it was): `--clean` drops only what the dump holds, and what
    # this release added since the backup was taken blocked those drops — its tables' keys
    # to the dump's tables (QA round 31), a key added to one of the dump's tables (QA
    # round 42). The upgrade after the restore makes them again.
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as prelude:
        prelude.write("".join(f'DROP TABLE IF EXISTS public."{name}" CASCADE;\n'
                              for name in live))
    try:
        _pipe(["pg_restore", "--clean", "--if-exists", "--no-owner", "--file", "-",
               str(path)],
              ["psql", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--quiet",
               "--no-password", *args, "--file", prelude.name, "--file", "-"], env)
    finally:
        os.unlink(prelude.name)


def _pipe(first: list[str], second: list[str], env: dict[str, str]) -> None:
    """Run `first | second` (PostgreSQL client programs, argument lists, no shell).

    The producer's messages go to a file, not a pipe nobody reads while the consumer runs
    (a full pipe stalled it, and the restore with it); the consumer's failure is the one
    reported when both fail, since it ends the producer with a broken pipe (QA round 34)."""
    programs = [pg_program(first[0]), pg_program(second[0])]
    for name, program in zip((first[0], second[0]), programs, strict=True):
        if program is None:
            raise ValidationFailed({"program": f"{name} not found: install postgresql-client"})
    with tempfile.TemporaryFile() as messages:
        producer = subprocess.Popen([programs[0], *first[1:]], env=env,  # noqa: S603  # nosec B603
                                    stdout=subprocess.PIPE, stderr=messages)
        consumer = subprocess.run([programs[1], *second[1:]], env=env,  # noqa: S603  # nosec B603
                                  stdin=producer.stdout, capture_output=True, text=True,
                                  check=False)
        producer.stdout.close()
        producer.wait()
        messages.seek(0)
        produced_error = messages.read().decode(errors="replace")
    if consumer.returncode != 0:
        raise ValidationFailed({"program": f"{second[0]} failed: "
                                           f"{consumer.stderr.strip()[:2000]}"})
    if producer.returncode != 0:
        raise ValidationFailed({"program": f"{first[0]} failed: {produced_error.strip()[:2000]}"})
