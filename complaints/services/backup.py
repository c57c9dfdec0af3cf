"""Online backup and restore of the whole database (sao lưu / khôi phục).

SQLite: the sqlite3 online backup API copies the database page by page inside a read
transaction, so the copy is consistent even while workers keep writing (WAL mode).

PostgreSQL: `pg_dump --format=custom` takes a consistent snapshot (one repeatable-read
transaction) while the app runs; `pg_restore --clean --if-exists` brings it back. The
client programs must be installed (Debian: postgresql-client, same or newer major version
than the server); they are looked up on PATH, then under /usr/lib/postgresql/*/bin. The
password, if the URL has one, is passed in PGPASSWORD, never on the command line.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists, no shell
from dataclasses import dataclass
from pathlib import Path

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
    if path.exists():
        raise ValidationFailed({"output": f"{path} already exists; choose another name."})
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = dialect()
    if kind == "sqlite":
        try:
            _sqlite_backup(path)
        except sqlite3.Error as exc:
            path.unlink(missing_ok=True)  # never leave half a backup behind
            raise ValidationFailed({"output": f"backup failed: {exc}"}) from exc
    elif kind == "postgresql":
        _pg_dump(db.engine.url, path)
    else:
        raise ValidationFailed({"database": f"backups of {kind} databases are not supported"})
    size = path.stat().st_size
    logger.info("backup of %s written to %s (%d bytes)", kind, path, size)
    return BackupResult(path, kind, size)


def restore(path: Path) -> None:
    """Replace the whole database with the backup at `path`; other sessions must be idle."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed({"path": f"{path} is not a file"})
    kind = dialect()
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
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationFailed({"path": f"{path} is not an SQLite database: {exc}"}) from exc
    if status != "ok":
        raise ValidationFailed({"path": f"{path} is damaged: {status}"})
    if not {"cases", "audit_events"} <= tables:
        raise ValidationFailed({"path": f"{path} is not a backup of this application"})


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
    """Return connection arguments and environment for pg_dump/pg_restore."""
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(name: str, args: list[str], env: dict[str, str]) -> None:
    program = pg_program(name)
    if program is None:
        raise ValidationFailed({"program": f"{name} not found: install postgresql-client"})
    # A fixed program with an argument list and no shell: nothing is interpreted.
    command = [program, *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603  # nosec B603
                            check=False)
    if result.returncode != 0:
        raise ValidationFailed({"program": f"{name} failed: {result.stderr.strip()[:2000]}"})


def _pg_dump(url: URL, path: Path) -> None:
    args, env = _pg_args(make_url(url))
    _run("pg_dump", ["--format=custom", "--no-password", "--file", str(path), *args], env)


def _pg_restore(url: URL, path: Path) -> None:
    args, env = _pg_args(make_url(url))
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                        "--no-password", *args, str(path)], env)
