"""QA round 73: the documentation and the operator's tools tell the truth.

Each test asserts the correct behaviour and failed before its fix because of the defect
it names (but one, marked as the guard of F3's choice about databases built by create_all):

- F3: every app command on a database that was never migrated (or is behind) ended in a
  SQLAlchemy traceback ("no such table: users") instead of saying to run `db upgrade`.
- F4: `flask scorecard rebuild --from 0001-01-01` died with an OverflowError.
- F6: README's configuration table left out nine environment settings config.py reads.
- F7: deploy.md named the constants LOGIN_MAX_FAILURES and LOGIN_LOCK_MINUTES as if they
  were environment settings.
- F8: README's command table lacked `flask reference recompute-deadlines` (and
  `audit verify --chain`).
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from complaints import create_app
from complaints.extensions import db
from tests.conftest import IS_POSTGRES, config_for_tests

ROOT = Path(__file__).resolve().parents[2]

# Commands that must run on a database without this release's schema.
UNCHECKED = {"db", "backup", "restore", "routes", "shell", "run", "limiter"}


def _section(path: str, title: str) -> str:
    return (ROOT / path).read_text().split(title, 1)[1].split("\n## ", 1)[0]


def _invoke_on(url: str, args: list[str]):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=url))
    result = app.test_cli_runner().invoke(args=args)
    with app.app_context():
        db.engine.dispose()
    return result


# --- F3: commands on a database that is not at this release's schema --------------------


@pytest.mark.skipif(IS_POSTGRES, reason="the missing database is an SQLite file here")
@pytest.mark.parametrize("args", [
    ["users", "create", "ops", "--role", "admin", "--password", "Vung-Tau-2026!x"],
    ["audit", "verify"],
    ["reference", "load"],
    ["demo", "load", "--if-empty", "--no-progress"],
])
def test_f3_commands_on_an_unmigrated_database_say_run_db_upgrade(tmp_path, args):
    """README/deploy.md order: `db upgrade`, then `reference load`, `localities load`,
    `users create`… An operator who skips or mistypes the first step got a SQLAlchemy
    traceback ("no such table: users") from every command, not a message; and the empty
    database file was left at the mistyped path."""
    path = tmp_path / "new.db"
    result = _invoke_on(f"sqlite:///{path}", args)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "flask --app wsgi db upgrade" in result.output
    assert not path.exists()


def test_f3_an_empty_database_is_refused_in_one_line(empty_database_url):
    """An existing database without the app's tables (created by hand, never migrated):
    `flask audit verify` ended in "no such table: audit_events" (SQLite) or
    UndefinedTable (PostgreSQL), as a traceback."""
    if not IS_POSTGRES:
        Path(make_url(empty_database_url).database).touch()
    result = _invoke_on(empty_database_url, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.output.strip() == (
        "Error: the database has no tables of this application (never migrated): run "
        "`flask --app wsgi db upgrade` first")


@pytest.mark.parametrize(("revision", "said"), [
    ("724c4c1ce57b", "behind this release's"),
    ("0123456789ab", "which this release's migrations do not know"),
])
def test_f3_a_database_at_another_revision_is_refused(runner, revision, said):
    """A database at an earlier revision (code upgraded, `db upgrade` forgotten) ran the
    new code on the old tables and failed wherever a column was new; one at an unknown
    revision (a newer release's) likewise."""
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    db.session.commit()
    try:
        result = runner.invoke(args=["escalate", "--dry-run"])
    finally:
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    assert result.exit_code == 1, result.output
    assert f"revision {revision}, {said}" in result.output
    assert "cases examined" not in result.output


def test_f3_a_database_at_the_head_or_built_by_create_all_runs_the_command(runner):
    """Guard of F3's fix (passed before it too): the tests build the schema with
    db.create_all(), which writes no alembic_version; such a database (it has the app's
    tables) counts as current, and so does one stamped at the head."""
    from complaints.services.backup import expected_revision

    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.execute(text("INSERT INTO alembic_version VALUES (:r)"),
                       {"r": expected_revision()})
    db.session.commit()
    try:
        result = runner.invoke(args=["audit", "verify"])
    finally:
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    assert result.exit_code == 0, result.output


def test_f3_every_app_command_checks_the_schema_after_its_arguments(app, tmp_path):
    """Every command of the app but db/backup/restore checks the schema, and only after
    click parsed its arguments: `--help` and usage errors still need no database.

    Failed before: no command checked anything."""
    leaves = []
    for name, command in app.cli.commands.items():
        if name in UNCHECKED:
            continue
        group = command.commands.values() if isinstance(command, click.Group) else [command]
        leaves += [(name, leaf) for leaf in group]
    assert {name for name, _ in leaves} >= {"users", "audit", "reference", "localities",
                                            "demo", "escalate", "scheduler", "scorecard",
                                            "reports", "attachments"}
    unchecked = [f"{name} {leaf.name}" for name, leaf in leaves
                 if not getattr(leaf.callback, "schema_checked", False)]
    assert unchecked == []
    if not IS_POSTGRES:
        url = f"sqlite:///{tmp_path / 'none.db'}"
        assert _invoke_on(url, ["users", "create", "--help"]).exit_code == 0
        assert _invoke_on(url, ["users", "create"]).exit_code == 2  # missing USERNAME


# --- F4: scorecard rebuild --from the first day of the calendar ---------------------------


def test_f4_scorecard_rebuild_from_year_one_is_refused_not_a_traceback(runner, make_case):
    """`flask scorecard rebuild --from 0001-01-01` died with OverflowError (midnight in
    Vietnam of 1/1/1 is before datetime.min in UTC)."""
    make_case()
    db.session.commit()
    result = runner.invoke(args=["scorecard", "rebuild", "--from", "0001-01-01"])
    assert not isinstance(result.exception, OverflowError), result.output
    assert result.exit_code == 2, result.output
    assert "must be 2000-01-01 or later" in result.output
    assert runner.invoke(args=["scorecard", "rebuild", "--from", "2000-01-01"]).exit_code == 0


# --- F6: settings an operator needs were missing from the README's table ------------------


def _env_settings() -> set[str]:
    source = (ROOT / "config.py").read_text()
    readers = r"os\.environ\.get|_bool|_number|_rate_limit|_choice"
    return set(re.findall(rf'(?:{readers})\(\s*"([A-Z0-9_]+)"', source))


def test_f6_readme_configuration_table_lists_every_environment_setting():
    """README "Configuration (environment)" is the operator's list, but it left out
    OPEN311_API_KEYS (without it every Open311 post is a 403), ONLINE_RECEPTION_AGENCY_CODE,
    SESSION_COOKIE_SECURE, the rate limits LOGIN_LIMIT_PER_ADDRESS, LOOKUP_LIMIT,
    LOOKUP_CODE_LIMIT, OPEN311_POST_LIMIT, and SUBMIT_LIMIT / SUBMIT_ATTEMPT_LIMIT, which
    no document named at all."""
    table = _section("README.md", "## Configuration (environment)")
    missing = sorted(name for name in _env_settings() if f"`{name}`" not in table)
    assert missing == []


# --- F7: deploy.md named fixed constants as settings --------------------------------------


def test_f7_settings_named_in_the_docs_are_read_from_the_environment():
    """deploy.md said "after `LOGIN_MAX_FAILURES` (5) wrong passwords a name is locked for
    `LOGIN_LOCK_MINUTES` (15)", in the same style as `LOGIN_LIMIT_PER_ADDRESS` or
    `LOOKUP_LIMIT`, which are environment settings; these two are constants of config.py:
    LOGIN_MAX_FAILURES=3 in the environment changes nothing."""
    from config import Config

    docs = "".join((ROOT / name).read_text()
                   for name in ("README.md", "docs/deploy.md", "docs/open311.md"))
    named = {n for n in re.findall(r"`([A-Z][A-Z0-9_]{3,})`", docs) if hasattr(Config, n)}
    fixed = sorted(named - _env_settings() - {"SQLITE_WRITE_GATE", "SECRET_KEY"})
    assert fixed == [], f"named as settings but not read from the environment: {fixed}"


# --- F8: documented commands missing from the README's table ------------------------------


def test_f8_readme_commands_table_lists_every_app_command(app):
    """`flask reference recompute-deadlines [--day YYYY-MM-DD]` exists (deploy.md tells to
    run it after upgrading `holidays`) but the README's Commands table, the operator's
    list, did not name it; nor `audit verify --chain`."""
    names = []
    for name, command in app.cli.commands.items():
        if name in UNCHECKED - {"backup", "restore"}:
            continue
        if isinstance(command, click.Group):
            names += [f"flask {name} {sub}" for sub in command.commands]
        else:
            names.append(f"flask {name}")
    table = _section("README.md", "## Commands")
    assert sorted(n for n in names if f"`{n}" not in table) == []
    assert "`flask audit verify [--chain CHAIN]`" in table
