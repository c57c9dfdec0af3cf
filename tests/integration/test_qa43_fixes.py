"""QA round 43 — the documentation is true: one test per defect where the code does not do
what README.md, docs/*.md or a command's --help say it does. Each fails on the frozen code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from complaints import clock
from complaints.extensions import db
from complaints.models import Agency, Case, User
from tests.conftest import IS_POSTGRES, NOW, TODAY

ROOT = Path(__file__).resolve().parents[2]


# --- 1. `flask demo load --if-empty` adds published-password accounts to a live database ------

def test_demo_load_if_empty_leaves_a_database_holding_accounts_alone(runner, make_user):
    """README.md, Commands: `flask demo load [--if-empty] …` — "On a database that already
    holds cases, agencies or accounts it refuses (its accounts share a published password)
    unless `--if-empty` (skip quietly) or `--force` is given".

    Wrong: with `--if-empty` the command checks only for cases and agencies
    (services/demo.database_has_data), not accounts. On a new installation whose first
    administrator was made with `flask users create` (no agency or case yet), `flask demo
    load --if-empty` (what `make run` runs) builds the whole demo province and adds ~30
    accounts with the published password `demo1234` — an `admin` among them.
    Right: `--if-empty` skips quietly whenever the database holds cases, agencies *or*
    accounts (services/demo.database_in_use), as the plain command already refuses."""
    make_user("admin", username="root")  # the installation's own first administrator
    db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty", "--story-cases", "0",
                                 "--no-progress", "--today", "2026-11-02"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    usernames = set(db.session.scalars(select(User.username)))
    assert usernames == {"root"}, f"demo accounts added: {sorted(usernames - {'root'})[:8]}…"
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0


# --- 2. `flask backup` writes into the code checkout, not the INSTANCE_PATH -------------------

@pytest.mark.skipif(IS_POSTGRES, reason="backs up the tests' SQLite file")
def test_backup_default_output_is_under_the_instance_path(database_url, tmp_path):
    """`flask backup --help`: "--output FILE  File to write (default:
    instance/backups/complaints-<UTC time>.<ext>)"; README.md: the database, the secret key,
    the attachments and the reports all live in the instance folder, which config.py reads
    from INSTANCE_PATH (bench/README.md: the scripts give each run "a temp INSTANCE_PATH").

    Wrong: create_app never passes INSTANCE_PATH to Flask, so `current_app.instance_path` is
    always `<checkout>/instance`: with INSTANCE_PATH=/srv/complaints the database and secret
    key are there, but `flask backup` writes the backup (every petitioner's identity) into
    the code checkout, where a deploy may wipe it or another instance may read it.
    Right: the default backup lands in `$INSTANCE_PATH/backups/` (create_app(instance_path=
    config.INSTANCE_DIR))."""
    instance = tmp_path / "instance"
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "qa43-backup-" + "k" * 32, "PYTHONPATH": str(ROOT)})
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", "backup"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.search(r"written to (\S+) \(", done.stdout)
    assert match, done.stdout
    written = Path(match[1])
    try:
        assert written.parent == instance / "backups", f"backup written to {written}"
    finally:
        if not written.is_relative_to(tmp_path):
            written.unlink(missing_ok=True)  # do not leave a copy of the data in the checkout


# --- 3. Open311 date filters read the client's UTC offset, not Vietnam's day ------------------

def test_open311_end_date_includes_a_request_requested_at_that_moment(client, make_case,
                                                                     monkeypatch):
    """docs/open311.md: `requests.json` filters "`start_date`, `end_date` (W3C date-times,
    compared with the received date)"; each request's `requested_datetime` is such a
    date-time (for a letter logged after its day: the start of its received day in Vietnam).

    Wrong: services/open311._parse_when takes `.date()` of the moment in whatever offset the
    client wrote. `end_date=2026-11-01T17:00:00Z` is 00:00 on 2 November in Vietnam, the
    received date of the case below, yet it is read as 1 November and the case — whose own
    `requested_datetime` is exactly that moment — is left out. The same instant written
    `+07:00` finds it: the answer depends on how the client spells the time.
    Right: convert an aware date-time to Asia/Ho_Chi_Minh before taking its date (a naive
    one is Vietnam time), so a request whose requested_datetime lies within
    [start_date, end_date] is listed."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    case = make_case(kind="feedback", field="environment", received_on=date(2026, 11, 2))
    db.session.commit()
    [item] = client.get(f"/open311/v2/requests/{case.tracking_code}.json").get_json()
    moment = item["requested_datetime"]
    assert moment == "2026-11-01T17:00:00+00:00"  # 2 November 00:00 in Vietnam
    listed = client.get("/open311/v2/requests.json?start_date=2026-10-01T00:00:00Z"
                        f"&end_date={quote(moment)}").get_json()
    assert case.tracking_code in [r["service_request_id"] for r in listed]
    assert db.session.get(Case, case.id).received_on == date(2026, 11, 2)
