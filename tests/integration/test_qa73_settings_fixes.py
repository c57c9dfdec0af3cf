"""QA round 73 (the documentation and the operator's tools are true): the settings and
backups. Each test asserts the correct behaviour and failed before its fix because of the
defect it names:

- F1: the generated secret key was created, then written: a process starting meanwhile
  read an empty file and took it as the key (sign-ins a 500, PINs hashed with nothing).
- F2: `flask backup` of a database without the app's tables (a mistyped DATABASE_URL or
  INSTANCE_PATH) wrote a useless backup and exited 0, and made the empty SQLite file.
- F5: numeric settings were not checked: a sweep every 0 minutes ran every second, and
  PROVINCE_CODE=HP was a traceback naming no setting.
- F9: backup and restore on PostgreSQL dropped the URL's query (a socket directory given
  as ?host=, a port, sslmode) and reached the default server instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from complaints import create_app
from complaints.extensions import db
from tests.conftest import IS_POSTGRES, config_for_tests

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH")}
    env.update(extra)
    return env


def test_f1_secret_key_file_left_empty_is_not_used_as_the_key(tmp_path):
    """README: SECRET_KEY defaults to one "generated once into instance/secret_key".

    config._secret_key() creates the file, then writes it (not atomically): a process that
    starts meanwhile (gunicorn's other workers, the scheduler) reads an empty file, and an
    empty file is taken as the key. That process then fails every sign-in (500) and hashes
    citizens' PINs with the empty key. Reproduced with 6 processes started at once on a
    new instance: 2 trials in 15 gave one process the empty key. Here, deterministically:
    the file as such a process finds it (created, not yet written)."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("")
    result = subprocess.run(
        [sys.executable, "-c", "import config; print(len(config.Config.SECRET_KEY))"],
        cwd=ROOT, env=_env(INSTANCE_PATH=str(instance)), capture_output=True, text=True,
        timeout=60)
    if result.returncode == 0:
        assert int(result.stdout.strip()) >= 32, (
            "an empty instance/secret_key was taken as the session/PIN key")
    else:  # refusing with a clear message is acceptable too
        assert "secret_key" in (result.stdout + result.stderr).lower()
        assert "Traceback" not in result.stderr


@pytest.mark.skipif(IS_POSTGRES, reason="the empty database is an SQLite file here")
def test_f2_backup_refuses_a_database_without_the_apps_tables(tmp_path):
    """`flask backup` on a wrong DATABASE_URL / INSTANCE_PATH (or before `db upgrade`)
    reports "backup (sqlite) written … (4096 bytes)" and exits 0: a nightly cron job keeps
    producing backups that `flask restore` then refuses ("not a backup of this
    application"). On SQLite it even creates the empty database at the wrong path."""
    wrong = tmp_path / "typo" / "complaints.db"
    wrong.parent.mkdir()
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{wrong}"))
    out = tmp_path / "nightly.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(out)])
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code != 0, result.output
    assert not out.exists()


def test_f5_sweep_interval_of_zero_is_refused(tmp_path):
    """SCHEDULER_SWEEP_MINUTES=0 starts a scheduler whose sweep runs every second
    (APScheduler turns a zero interval into 1 s) while /health calls the sweep stale after
    3 × 0 minutes, i.e. always "degraded"; a negative value schedules it in the past. The
    scheduler should refuse the setting and say which one."""
    env = _env(INSTANCE_PATH=str(tmp_path), SCHEDULER_SWEEP_MINUTES="0",
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    try:
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi",
                                 "scheduler"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the scheduler started with a sweep every 0 minutes")
    assert result.returncode != 0
    assert "SCHEDULER_SWEEP_MINUTES" in result.stdout + result.stderr


def test_f5_a_non_numeric_setting_is_named_not_a_traceback(tmp_path):
    """PROVINCE_CODE=HP (or SMTP_PORT=x, MAX_UPLOAD_MB=0.5) makes every command print a
    Python traceback ending in "invalid literal for int() with base 10: 'HP'", which names
    no variable."""
    env = _env(INSTANCE_PATH=str(tmp_path), PROVINCE_CODE="HP")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit",
                             "verify"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "PROVINCE_CODE" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_f9_backup_connects_pg_dump_where_the_app_connects(monkeypatch, tmp_path):
    """deploy.md: "`flask backup` / `flask restore PATH` do the same with the app's own
    connection settings". A DATABASE_URL whose host and port are query parameters — the
    libpq way to name a Unix-socket directory, e.g.
    postgresql+psycopg://complaints@/complaints?host=/var/run/postgresql&port=5433 — works
    for the app and `flask db upgrade`, but _pg_args reads only url.host / url.port, so
    pg_dump (and the restore's psql!) connect to the default server instead: reproduced
    on the throw-away server ("connection to server on socket
    /var/run/postgresql/.s.PGSQL.5432 failed") — or, where a default server exists,
    back up / overwrite another database. sslmode and the other query options are lost
    the same way."""
    from complaints.services import backup as backups

    calls = []
    monkeypatch.setattr(backups, "_run", lambda name, args, env: calls.append(args) or "")
    url = make_url("postgresql+psycopg://complaints@/complaints"
                   "?host=/srv/pg-socket&port=6543&sslmode=require")
    backups._pg_dump(url, tmp_path / "x.dump")
    command = " ".join(calls[0])
    assert "/srv/pg-socket" in command
    assert "6543" in command
    assert "sslmode=require" in command


def test_an_instance_folder_that_cannot_be_written_stops_the_app_with_a_message(tmp_path):
    """A read-only or misplaced instance folder (INSTANCE_PATH under a file here, which
    fails for root too) ended in an OSError traceback naming no remedy."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "-c", "import config"], cwd=ROOT,
        env=_env(INSTANCE_PATH=str(blocker / "instance")), capture_output=True, text=True,
        timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "secret key cannot be read or created" in result.stderr
    assert "SECRET_KEY" in result.stderr and "INSTANCE_PATH" in result.stderr


@pytest.mark.parametrize("key", ["dev", "k" * 31])
def test_a_short_secret_key_from_the_environment_stops_the_app_naming_it(tmp_path, key):
    """A SECRET_KEY shorter than the stored key's minimum was used as given: sessions and
    the citizens' PIN hashes signed with a guessable key. It stops the app, like a short
    instance/secret_key, with the remedy; no key file is made meanwhile."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import config"], cwd=ROOT,
        env=_env(SECRET_KEY=key, INSTANCE_PATH=str(tmp_path / "instance")),
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "SECRET_KEY is shorter than 32 characters" in result.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_a_secret_key_of_32_characters_from_the_environment_is_the_key(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import config; print(config.Config.SECRET_KEY)"], cwd=ROOT,
        env=_env(SECRET_KEY="k" * 32, INSTANCE_PATH=str(tmp_path / "instance")),
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "k" * 32
