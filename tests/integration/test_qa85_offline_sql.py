"""QA 85 D2: Flask-Migrate's offline mode (`--sql`: print the migration SQL for a DBA, no
connection: migrations/env.py run_migrations_offline) now needs a reachable database:
require_reachable wraps `upgrade`, `downgrade` and `stamp` whatever their options, so with
the server down (or not reachable from the machine generating the script) they stop with
"cannot reach the database". At b060a86 both commands below printed the SQL, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_PG = "postgresql+psycopg://complaints:secret@127.0.0.1:1/complaints"


def _flask(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "RATELIMIT_STORAGE_URI")}
    env.update(DATABASE_URL=UNREACHABLE_PG, INSTANCE_PATH=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [("db", "stamp", "--sql", "head"),
                                  ("db", "upgrade", "--sql", "88f46f5b2373:head")])
def test_offline_sql_needs_no_database(args, tmp_path):
    result = _flask(tmp_path, *args)
    assert "cannot reach the database" not in result.stderr, result.stderr[-500:]
    assert result.returncode == 0, result.stderr[-1500:]
    assert "alembic_version" in result.stdout
