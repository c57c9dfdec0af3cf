"""What bench/load.py's profile changed: a petition joining a large mass cluster writes only
its own case, and the API's translated validation messages, now cached per language, still
follow the request's language."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.services import intake
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import receive_matter


def test_joining_a_cluster_writes_and_escalates_only_the_new_case(world, make_locality):
    loc = make_locality("31002")
    names = ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Văn Dũng", "Ngô Thị Em",
             "Vũ Văn Giang"]
    earlier = [receive_matter(world, loc, f"Tranh chấp ranh giới đất thôn Bắc lần {i}", [name],
                        date(2026, 11, 2 + i)) for i, name in enumerate(names)]
    db.session.flush()
    cluster_id = earlier[0].cluster_id
    assert cluster_id is not None and all(c.cluster_id == cluster_id for c in earlier)
    assert all(c.flag_mass for c in earlier)
    events_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))

    updates: list[tuple[str, object]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE CASES"):
            updates.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        new = receive_matter(world, loc, "Tranh chấp ranh giới đất thôn Bắc", ["Hồ Thị Hoa"],
                       date(2026, 11, 20))
        db.session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", spy)

    assert new.flag_mass and new.is_complex and new.cluster_id == cluster_id
    earlier_ids = {c.id for c in earlier}
    # Every UPDATE of cases ends with "WHERE … id = ?" (SQLite: the last positional
    # parameter; PostgreSQL: the named `cases_id`, or `id` for the audit lock): only the new
    # case's row is written.
    def targets(parameters) -> set:
        if isinstance(parameters, dict):  # cases_id, id, or the expanded IN list id_1_1 …
            return {v for k, v in parameters.items()
                    if re.fullmatch(r"(cases_)?id(_\d+)*", k)}
        return {parameters[-1]}

    written = set().union(*(targets(parameters) for _s, parameters in updates))
    assert updates and written == {new.id}, updates
    mass = db.session.scalars(select(Escalation.case_id).where(Escalation.reason == "mass"))
    assert sorted(mass) == sorted(earlier_ids | {new.id})
    new_events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)
                                    .offset(events_before)).all()
    assert {e.chain for e in new_events} == {f"case:{new.id}"}
    assert db.session.get(Case, earlier[0].id).cluster_id == cluster_id


def test_validation_messages_follow_the_request_language(api, make_user):
    reception = make_user("reception")
    for _round in range(2):  # the second round reads the cached messages
        vi = api(reception, "POST", "/cases", json={"kind": "complaint"})
        en = api(reception, "POST", "/cases?lang=en", json={"kind": "complaint"})
        assert vi.status_code == en.status_code == 422
        assert "Trường này là bắt buộc." in str(vi.get_json())
        assert "This field is required." in str(en.get_json())
        assert "Trường này là bắt buộc." not in str(en.get_json())


def test_one_person_named_twice_in_a_petition_signs_once(world, make_locality):
    loc = make_locality("31003")
    people = [intake.PetitionerData(full_name="Lê Văn An", id_number="001090000001"),
              intake.PetitionerData(full_name="Lê Văn An", id_number="001 090 000 001"),
              intake.PetitionerData(full_name="Trần Thị Bình")]
    data = intake.CaseData(kind="complaint", field_code="land", subject="Đất thôn Nam",
                           content="Nội dung", locality_code=loc.code,
                           petition=intake.PetitionData(channel="walk_in", received_on=TODAY,
                                                        petitioners=people))
    case = intake.receive_case(data, world.reception, NOW, TODAY)[0]
    db.session.flush()
    signers = case.petitions[0].signers
    assert len(signers) == 2
    assert sorted(s.petitioner.full_name for s in signers) == ["Lê Văn An", "Trần Thị Bình"]
    assert len({s.petitioner_id for s in signers}) == 2


def test_a_new_case_needs_no_escalation_look_up_and_gets_the_same_attention(world,
                                                                             make_locality):
    from complaints.services import deadlines

    loc = make_locality("31004")
    case = receive_matter(world, loc, "Ngập úng đường thôn Đông", ["Lê Văn An"], TODAY)
    db.session.flush()
    computed = (case.next_attention_on, case.escalation_level, case.flag_overdue)
    assert computed[0] is not None
    deadlines.refresh_attention(case)  # the full path, with the escalation look-up
    assert (case.next_attention_on, case.escalation_level, case.flag_overdue) == computed


def test_mass_check_reads_candidates_from_the_covering_index(app):
    """Every intake reads the cases of its locality and field; under load a busy ward has
    hundreds, and reading one table row each was a fifth of an intake's time."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are SQLite's; PostgreSQL chooses by its statistics")
    from complaints.services.escalation_patterns import _same_place

    compiled = _same_place().compile(db.engine)
    params = {"locality": "31002", "field": 1, "case": 1, "first": "2026-11-01",
              "last": "2026-12-01"}  # as SQLite stores dates
    plan = db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + str(compiled),
        tuple(compiled.construct_params(params)[name] for name in compiled.positiontup)).all()
    assert any("USING COVERING INDEX ix_cases_matter" in row[-1] for row in plan), plan
