"""The Alembic migrations build the whole schema, and `flask db check` finds nothing new."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, select, text

from complaints import create_app
from complaints.extensions import db
from tests.conftest import IS_POSTGRES, config_for_tests


def test_upgrade_builds_schema_and_check_is_clean(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        db.engine.dispose()
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()


def test_migrated_audit_trail_is_append_only_and_downgrade_lifts_it(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    insert = text("INSERT INTO audit_events (chain, seq, actor_label, action, data, "
                  "created_at, prev_hash, hash) VALUES ('t', 1, 'x', 'a', '{}', "
                  "CURRENT_TIMESTAMP, 'p', 'h')")
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(insert)
        for statement in ("UPDATE audit_events SET action = 'b'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):  # noqa: B017,PT011
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        db.engine.dispose()
    result = runner.invoke(args=["db", "downgrade", "f1d2c3b4a5e6"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
        db.engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite triggers (PostgreSQL keeps an index)")
def test_migrated_sqlite_has_every_trigger_create_all_builds(empty_database_url, tmp_path):
    # Found by a QA pass: a migration that rebuilt `cases` dropped the search triggers,
    # so on a migrated database (make run, production) word search found nothing new.
    def triggers(url: str) -> set[tuple[str, str]]:
        engine = create_engine(url)
        with engine.connect() as conn:
            found = set(conn.execute(text(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")))
        engine.dispose()
        return found

    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
    built = f"sqlite:///{tmp_path / 'create_all.db'}"
    other = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=built))
    with other.app_context():
        db.create_all()
        db.engine.dispose()
    assert ("cases_search_ai", "cases") in triggers(built)
    assert triggers(empty_database_url) == triggers(built)


def test_reception_desks_are_recognised_by_their_staff(empty_database_url):
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b3e5d7f9a1c2"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            for id_, code in ((1, "DESK"), (2, "SO"), (3, "EMPTY"), (4, "MIXED")):
                conn.execute(text("INSERT INTO agencies (id, code, name, level, "
                                  "is_inspectorate, active, created_at) VALUES (:i, :c, :c, "
                                  "'x', :no, :yes, CURRENT_TIMESTAMP)"),
                             {"i": id_, "c": code, "no": False, "yes": True})
            for id_, role, agency in ((1, "reception", 1), (2, "reception", 1),
                                      (3, "agency_head", 2), (4, "reception", 4),
                                      (5, "agency_head", 4)):
                conn.execute(text(
                    "INSERT INTO users (id, username, password_hash, full_name, role, agency_id,"
                    " active, failed_logins, session_version, created_at, totp_reenrol,"
                    " notices_read_upto) VALUES (:i, :u, 'x', 'x', :r, :a, :yes, 0, 0,"
                    " CURRENT_TIMESTAMP, :no, 0)"),
                    {"i": id_, "u": f"u{id_}", "r": role, "a": agency, "yes": True, "no": False})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            desks = conn.execute(text("SELECT code FROM agencies WHERE is_reception_desk"
                                      " ORDER BY code")).scalars().all()
        db.engine.dispose()
    assert desks == ["DESK"]


def test_withdrawn_and_returned_petitions_are_brought_up_to_date(empty_database_url):
    """d34142da543b widens the petitions' CHECK with "withdrawn" (on SQLite without
    rebuilding the table, whose drop would cascade to the signers) and fixes the rows: a
    case withdrawn before handling, a returned one, one routed again after a return."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "e6e1da4445e9"]).exit_code == 0
    t = db.metadata.tables
    d = date(2026, 7, 1)
    cases = {  # id: (status, closed_on, routed_on, outcome, handled_on, routings)
        1: ("withdrawn", date(2026, 7, 3), None, None, None, []),
        2: ("returned", None, date(2026, 7, 2), "routed", date(2026, 7, 2),
            [("route", date(2026, 7, 2)), ("return", date(2026, 7, 6))]),
        3: ("routed", None, date(2026, 7, 10), "routed", date(2026, 7, 2),
            [("route", date(2026, 7, 2)), ("return", date(2026, 7, 6)),
             ("route", date(2026, 7, 10))]),
        4: ("accepted", None, date(2026, 7, 2), "routed", date(2026, 7, 2),
            [("route", date(2026, 7, 2))]),
    }
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            conn.execute(t["petitioners"].insert(), {"id": 1, "full_name": "A",
                                                     "name_folded": "a"})
            for id_, (status, closed, routed, outcome, handled, moves) in cases.items():
                conn.execute(t["cases"].insert(), {
                    "id": id_, "tracking_code": f"T{id_}", "kind": "complaint",
                    "field_id": 1, "subject": "s", "content": "c", "status": status,
                    "received_on": d, "closed_on": closed, "routed_on": routed})
                conn.execute(t["petitions"].insert(), {
                    "id": id_, "case_id": id_, "channel": "walk_in", "received_on": d,
                    "eligible": True, "is_duplicate": False, "handling_outcome": outcome,
                    "handled_on": handled})
                conn.execute(t["petition_signers"].insert(), {
                    "petition_id": id_, "petitioner_id": 1, "is_representative": False})
                for action, on in moves:
                    conn.execute(t["routings"].insert(), {"case_id": id_, "action": action,
                                                          "decided_on": on})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            p = t["petitions"]
            rows = {i: (o, h) for i, o, h in conn.execute(
                select(p.c.id, p.c.handling_outcome, p.c.handled_on))}
            signers = conn.execute(text("SELECT COUNT(*) FROM petition_signers")).scalar()
        db.engine.dispose()
    assert rows == {1: ("withdrawn", date(2026, 7, 3)), 2: (None, None),
                    3: ("routed", date(2026, 7, 10)), 4: ("routed", date(2026, 7, 2))}
    assert signers == 4
    assert runner.invoke(args=["db", "downgrade", "e6e1da4445e9"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_escalations_get_the_start_of_their_stage_and_keep_their_notices(empty_database_url):
    """e6e1da4445e9 puts the start of the stage in the escalations' key. It rebuilds the
    table on SQLite: the notices that reference escalations must survive (the DROP failed,
    or would have cascaded, with foreign keys on; migrations/env.py turns them off around
    the change and checks them after)."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c0ef23577d51"]).exit_code == 0
    t = db.metadata.tables
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            conn.execute(t["cases"].insert(), {
                "id": 1, "tracking_code": "T1", "kind": "complaint", "field_id": 1,
                "subject": "s", "content": "c", "status": "routed",
                "received_on": date(2026, 10, 1)})
            conn.execute(t["case_deadlines"].insert(), {
                "case_id": 1, "stage": "acceptance", "start_on": date(2026, 10, 15),
                "due_on": date(2026, 10, 26), "days": 7, "unit": "working", "rule": "r"})
            # 1: raised under the running deadline; 2: under the stage before it started
            # again (a transfer on 15/10); 3: a pattern.
            for id_, stage, level, reason, as_of in (
                    (1, "acceptance", 0, "reminder", "2026-10-21"),
                    (2, "acceptance", 1, "overdue", "2026-10-14"),
                    (3, "case", 1, "evaded", "2026-10-15")):
                conn.execute(text(
                    "INSERT INTO escalations (id, case_id, stage, level, reason, as_of,"
                    " created_at) VALUES (:id, 1, :stage, :level, :reason, :as_of,"
                    " '2026-10-21 03:00:00')"),
                    {"id": id_, "stage": stage, "level": level, "reason": reason,
                     "as_of": as_of})
                conn.execute(text(
                    "INSERT INTO notifications (dedupe_key, channel, case_id, escalation_id,"
                    " subject, body, status, attempts, created_at) VALUES (:key, 'in_app',"
                    " 1, :id, 's', 'b', 'pending', 0, '2026-10-21 03:00:00')"),
                    {"key": f"esc:{id_}", "id": id_})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            started = dict(conn.execute(text("SELECT id, started_on FROM escalations")).all())
            notices = conn.execute(text(
                "SELECT COUNT(*) FROM notifications WHERE escalation_id IS NOT NULL")).scalar()
        db.engine.dispose()
    started = {id_: str(on)[:10] for id_, on in started.items()}
    assert started == {1: "2026-10-15", 2: "0001-01-01", 3: "0001-01-01"}
    assert notices == 3
    assert runner.invoke(args=["db", "downgrade", "c0ef23577d51"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_superseded_escalations_lapse_and_the_repeat_window_turns_to_months(
        empty_database_url):
    """d6e7103f4110: the escalations closed as superseded lapsed when closed, and a lapsed
    step may be raised again under the same key. 83556915d966: the repeat window's versions
    move from days to calendar months (365 → 12) and back on a downgrade."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "5f0a9c3e7b21"]).exit_code == 0
    t = db.metadata.tables
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            conn.execute(t["cases"].insert(), {
                "id": 1, "tracking_code": "T1", "kind": "complaint", "field_id": 1,
                "subject": "s", "content": "c", "status": "accepted",
                "received_on": date(2026, 10, 1)})
            for id_, action, acknowledged in ((1, "superseded", "2026-10-29 03:00:00"),
                                              (2, None, None)):
                conn.execute(text(
                    "INSERT INTO escalations (id, case_id, stage, started_on, level, reason,"
                    " as_of, created_at, acknowledged_at, action_taken) VALUES (:id, 1,"
                    " 'resolution', :start, 1, 'overdue', '2026-10-27', '2026-10-27 03:00:00',"
                    " :ack, :action)"),
                    {"id": id_, "start": f"2026-10-0{id_}", "ack": acknowledged,
                     "action": action})
            for code, value, on in (("repeat_window_days", 365, "2026-01-01"),
                                    ("repeat_window_days", 730, "2027-01-01"),
                                    ("mass_petitioners", 5, "2026-01-01")):
                conn.execute(text(
                    "INSERT INTO pattern_rules (code, value, effective_from, source,"
                    " created_at) VALUES (:code, :value, :on, 'Quy định', '2026-01-01')"),
                    {"code": code, "value": value, "on": on})
        db.engine.dispose()

    def rules():
        with app.app_context():
            with db.engine.connect() as conn:
                found = conn.execute(text("SELECT code, value FROM pattern_rules"
                                          " ORDER BY id")).all()
            db.engine.dispose()
        return [tuple(r) for r in found]

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.begin() as conn:
            lapsed = dict(conn.execute(text("SELECT id, lapsed_at FROM escalations")).all())
            # The superseded step of the stage started on 01/10 is raised again.
            conn.execute(text(
                "INSERT INTO escalations (id, case_id, stage, started_on, level, reason,"
                " as_of, created_at) VALUES (3, 1, 'resolution', '2026-10-01', 1, 'overdue',"
                " '2026-11-10', '2026-11-10 03:00:00')"))
        db.engine.dispose()
    assert lapsed[1] is not None and str(lapsed[1])[:10] == "2026-10-29" and lapsed[2] is None
    assert rules() == [("repeat_window_months", 12), ("repeat_window_months", 24),
                       ("mass_petitioners", 5)]
    with app.app_context():
        with pytest.raises(Exception, match="(?i)unique"):  # noqa: PT011  (SQLite / psycopg)
            with db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO escalations (case_id, stage, started_on, level, reason,"
                    " as_of, created_at) VALUES (1, 'resolution', '2026-10-01', 1, 'overdue',"
                    " '2026-11-11', '2026-11-11 03:00:00')"))
        db.engine.dispose()
    # A step raised again cannot go back to the older key; without it, the downgrade runs.
    result = runner.invoke(args=["db", "downgrade", "5f0a9c3e7b21"])
    assert result.exit_code != 0
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM escalations WHERE id = 3"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "downgrade", "5f0a9c3e7b21"])
    assert result.exit_code == 0, result.output
    assert rules() == [("repeat_window_days", 365), ("repeat_window_days", 730),
                       ("mass_petitioners", 5)]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_escalations_keep_the_agency_answerable_when_raised(empty_database_url):
    """8a05abcefbfa: each escalation gets the agency the scorecard counts it against — the
    desk for the handling deadline, else the holder after the last move before it (none
    after a return), else today's holder — and the summary's built days are forgotten."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c22bdb7b3f57"]).exit_code == 0
    t = db.metadata.tables
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            for id_ in (1, 2, 3):  # 1 the desk, 2 then 3 the agencies holding case 1
                conn.execute(t["agencies"].insert(), {
                    "id": id_, "code": f"A{id_}", "name": f"A{id_}", "level": "department",
                    "is_inspectorate": False, "is_reception_desk": id_ == 1, "active": True,
                    "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
            for id_, holder in ((1, 3), (2, 2)):
                conn.execute(t["cases"].insert(), {
                    "id": id_, "tracking_code": f"T{id_}", "kind": "complaint",
                    "field_id": 1, "subject": "s", "content": "c", "status": "routed",
                    "received_on": date(2026, 10, 1), "reception_agency_id": 1,
                    "agency_id": holder})
            # Case 1: routed to 2 on 02/10, returned on 20/10, routed to 3 on 22/10.
            for id_, action, from_, to, at in ((1, "route", 1, 2, "2026-10-02 03:00:00"),
                                               (2, "return", 2, None, "2026-10-20 03:00:00"),
                                               (3, "route", 1, 3, "2026-10-22 03:00:00")):
                conn.execute(text(
                    "INSERT INTO routings (id, case_id, action, from_agency_id, to_agency_id,"
                    " decided_on, created_at) VALUES (:id, 1, :action, :f, :t, :on, :at)"),
                    {"id": id_, "action": action, "f": from_, "t": to, "on": at[:10],
                     "at": at})
            for id_, case_id, stage, level, reason, at in (
                    (1, 1, "handling", 1, "overdue", "2026-10-10 03:00:00"),
                    (2, 1, "acceptance", 1, "overdue", "2026-10-15 03:00:00"),  # at 2
                    (3, 1, "case", 2, "evaded", "2026-10-21 03:00:00"),  # after the return
                    (4, 1, "acceptance", 1, "overdue", "2026-11-05 03:00:00"),  # at 3
                    (5, 2, "resolution", 1, "overdue", "2026-11-05 03:00:00")):  # no moves
                conn.execute(text(
                    "INSERT INTO escalations (id, case_id, stage, started_on, level, reason,"
                    " as_of, created_at) VALUES (:id, :case, :stage, :start, :level,"
                    " :reason, :as_of, :at)"),
                    {"id": id_, "case": case_id, "stage": stage, "start": f"2026-10-0{id_}",
                     "level": level, "reason": reason, "as_of": at[:10], "at": at})
            conn.execute(text("INSERT INTO scorecard_built_days (day) VALUES ('2026-10-15')"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            answerable = dict(conn.execute(text("SELECT id, agency_id FROM escalations")).all())
            built = conn.execute(text("SELECT COUNT(*) FROM scorecard_built_days")).scalar()
        db.engine.dispose()
    assert answerable == {1: 1, 2: 2, 3: None, 4: 3, 5: 2}
    assert built == 0
    assert runner.invoke(args=["db", "downgrade", "c22bdb7b3f57"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_two_factor_secrets_are_sealed_and_opened_again(empty_database_url):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b39b4a7ac694"]).exit_code == 0
    raw = text("SELECT totp_secret FROM users ORDER BY id")
    with app.app_context():
        with db.engine.begin() as conn:
            for id_, value in ((1, secret), (2, None)):
                conn.execute(text(
                    "INSERT INTO users (id, username, password_hash, full_name, role,"
                    " active, failed_logins, session_version, created_at, totp_reenrol,"
                    " notices_read_upto, totp_secret) VALUES (:i, :u, 'x', 'x', 'admin',"
                    " :yes, 0, 0, CURRENT_TIMESTAMP, :no, 0, :s)"),
                    {"i": id_, "u": f"u{id_}", "yes": True, "no": False, "s": value})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            stored = conn.execute(raw).scalars().all()
        from complaints.models import User

        assert db.session.get(User, 1).totp_secret == secret  # the model opens it
        db.session.remove()
        db.engine.dispose()
    assert stored[1] is None and stored[0].startswith("gAAAAA") and secret not in stored[0]
    result = runner.invoke(args=["db", "downgrade", "b39b4a7ac694"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(raw).scalars().all() == [secret, None]
        db.engine.dispose()
