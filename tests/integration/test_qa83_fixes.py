"""QA round 83 (the operator's documentation, command by command). Each test failed before
its fix:

- D1: the production recipe's shared rate-limit store (RATELIMIT_STORAGE_URI=redis://…;
  docs/deploy.md) stopped every process at start: no Redis (nor memcached) client was
  installed. An unknown store's scheme now stops the app naming the setting.
- D2: `flask backup` with the database server down printed a traceback.
- D3: `flask restore` into a folder that does not exist blamed the backup file.
- D4: `flask db upgrade` on a database it cannot open printed a traceback.
- D5: a rate limit that does not parse ("30 per min") was taken and then limited nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from complaints import create_app
from complaints.extensions import db
from tests.conftest import config_for_tests

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: a database server that is down, or a mistyped host/port.
UNREACHABLE_PG = "postgresql+psycopg://complaints:secret@127.0.0.1:1/complaints"


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH",
                        "RATELIMIT_STORAGE_URI")}
    env.update(extra)
    return env


def _flask(*args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          cwd=ROOT, env=_env(**env), capture_output=True, text=True,
                          timeout=120)


# --- D1 ----------------------------------------------------------------------------------

def test_d1_documented_redis_rate_limit_store_can_be_configured():
    """docs/deploy.md:21 (production recipe): `export RATELIMIT_STORAGE_URI=redis://
    ratelimit-host:6379/0`; README.md:110 "e.g. `redis://…`"; docs/deploy.md:10 "Redis or
    memcached". requirements.txt pins no Redis client, so create_app() (every process:
    gunicorn, scheduler, every flask command, `flask db upgrade` included) dies with
    limits.errors.ConfigurationError "'redis' prerequisite not available". Building the
    app must not need a running Redis (the client connects lazily)."""
    create_app(config_for_tests(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6399/0"))


def test_d1_documented_redis_store_cli_starts_without_a_traceback(tmp_path):
    """The same, as the operator meets it: the deploy.md recipe's second line,
    `flask db upgrade`, after `export RATELIMIT_STORAGE_URI=redis://…`."""
    result = _flask("db", "current", INSTANCE_PATH=str(tmp_path),
                    DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
                    RATELIMIT_STORAGE_URI="redis://127.0.0.1:6399/0")
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.returncode == 0, result.stderr[-600:]


# --- D2 ----------------------------------------------------------------------------------

def test_d2_backup_with_database_server_down_says_so_in_one_line(tmp_path):
    """README.md "Commands": the app's commands stop with one line on a database they
    cannot use (`flask escalate` on the same URL: "Error: cannot reach the database: …",
    exit 1). `flask backup`, the nightly job, prints a 150-line SQLAlchemy/psycopg
    traceback instead (services/backup.py _refuse_not_ours connects unguarded)."""
    result = _flask("backup", "--output", str(tmp_path / "b.dump"),
                    INSTANCE_PATH=str(tmp_path), DATABASE_URL=UNREACHABLE_PG)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-400:]
    assert "Error:" in result.stderr


def test_d2_backup_with_database_server_down_in_process(app, tmp_path):
    """The same through Click's runner: the command must end in a ClickException
    (SystemExit 1), not let sqlalchemy.exc.OperationalError escape."""
    down = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=UNREACHABLE_PG))
    with down.app_context():
        result = down.test_cli_runner().invoke(args=["backup", "--output",
                                                     str(tmp_path / "b.dump")])
        db.engine.dispose()
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1


# --- D3 ----------------------------------------------------------------------------------

def test_d3_restore_into_a_missing_folder_names_the_database_not_the_backup(
        tmp_path, runner, app):
    """`flask restore PATH` with DATABASE_URL (or INSTANCE_PATH) naming a folder that does
    not exist says "Error: path: restore failed (stop the app first?): unable to open
    database file": it blames PATH (the backup, which is fine) and suggests stopping the
    app. `flask backup` in the same situation says "database: … does not exist: check
    DATABASE_URL and INSTANCE_PATH"; restore should say the same kind of thing."""
    backup = tmp_path / "b.sqlite3"
    result = runner.invoke(args=["backup", "--output", str(backup)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "no-such-folder" / "complaints.db"
    other = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}"))
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        db.engine.dispose()
    assert result.exit_code == 1
    assert "stop the app first" not in result.output, result.output
    assert "DATABASE_URL" in result.output, result.output


# --- D5 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("setting", ["LOGIN_LIMIT_PER_ADDRESS", "LOOKUP_LIMIT",
                                     "SUBMIT_LIMIT", "OPEN311_POST_LIMIT"])
def test_d5_malformed_rate_limit_stops_the_process_naming_it(setting, tmp_path):
    """README.md:111-116: the rate limits "are in Flask-Limiter's syntax". A typo
    ("30 per min") is accepted at start; Flask-Limiter then logs "failed to load
    ratelimit … no granularity matched for min" on each request and applies NO limit
    (40 wrong sign-ins from one address: 40 × 401, no 429). The numeric settings stop
    every process at start naming the setting (README.md:125); a rate limit that guards
    PINs and passwords should not fail open silently."""
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True,
        env=_env(INSTANCE_PATH=str(tmp_path), **{setting: "30 per min"}), timeout=60)
    assert result.returncode != 0, f"{setting}='30 per min' was accepted at start"
    assert setting in result.stdout + result.stderr


def test_d5_a_rate_limit_that_parses_is_taken(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.LOOKUP_LIMIT)"], cwd=ROOT,
        capture_output=True, text=True, timeout=60,
        env=_env(INSTANCE_PATH=str(tmp_path), LOOKUP_LIMIT=" 3 per 10 minutes;9 per day "))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 per 10 minutes;9 per day"


@pytest.mark.parametrize("uri", ["redis+typo://h:6379/0", "mongodb://h/db", "h:6379"])
def test_d1_an_unknown_rate_limit_store_stops_the_process_naming_it(uri, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config"], cwd=ROOT, capture_output=True, text=True,
        env=_env(INSTANCE_PATH=str(tmp_path), RATELIMIT_STORAGE_URI=uri), timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "RATELIMIT_STORAGE_URI" in result.stderr


def test_d1_the_memcached_store_can_be_configured():
    create_app(config_for_tests(RATELIMIT_STORAGE_URI="memcached://127.0.0.1:11299"))


def test_a_store_scheme_in_capitals_is_taken_in_lower_case(tmp_path):
    """URI schemes are case-insensitive; the Redis client refuses "Redis://" (a ValueError
    at the first limited request), so the scheme is passed on in lower case."""
    result = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.RATELIMIT_STORAGE_URI)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=_env(INSTANCE_PATH=str(tmp_path), RATELIMIT_STORAGE_URI="Redis://h:6379/0"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "redis://h:6379/0"
    from limits.storage import storage_from_string

    storage_from_string(result.stdout.strip())  # the client takes it (connects lazily)


# --- D4 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["server down", "no folder"])
def test_d4_db_upgrade_on_a_database_it_cannot_open_says_so_in_one_line(tmp_path, where):
    url = UNREACHABLE_PG if where == "server down" else \
        f"sqlite:///{tmp_path / 'no-such-folder' / 'complaints.db'}"
    result = _flask("db", "upgrade", INSTANCE_PATH=str(tmp_path), DATABASE_URL=url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    last = result.stderr.strip().splitlines()[-1]
    expected = "cannot reach the database" if where == "server down" else "DATABASE_URL"
    assert last.startswith("Error:") and expected in last, last


def test_d4_db_upgrade_makes_a_new_sqlite_file_in_an_existing_folder(tmp_path):
    """Guard: the check opens no SQLite file, and a new database is what upgrade makes."""
    target = tmp_path / "new.db"
    result = _flask("db", "upgrade", INSTANCE_PATH=str(tmp_path),
                    DATABASE_URL=f"sqlite:///{target}")
    assert result.returncode == 0, result.stderr[-600:]
    assert target.exists()


@pytest.mark.parametrize("value", ["FUL", "off", "2"])
def test_an_unknown_sqlite_synchronous_mode_stops_the_process_naming_it(value, tmp_path):
    """SQLITE_SYNCHRONOUS=FUL fell back to NORMAL in silence: the durability asked for
    (FULL: a commit survives a power cut) was not had."""
    result = subprocess.run(
        [sys.executable, "-c", "import config"], cwd=ROOT, capture_output=True, text=True,
        env=_env(INSTANCE_PATH=str(tmp_path), SQLITE_SYNCHRONOUS=value), timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "SQLITE_SYNCHRONOUS" in result.stderr


def test_a_known_sqlite_synchronous_mode_in_any_case_is_taken(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.SQLITE_SYNCHRONOUS)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=_env(INSTANCE_PATH=str(tmp_path), SQLITE_SYNCHRONOUS="full"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FULL"
