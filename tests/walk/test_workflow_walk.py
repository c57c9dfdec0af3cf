"""QA round 62: model-based random walks over the case workflow.

Random sequences of legal and illegal actions, clock advances across weekends and holidays,
calendar changes, escalation sweeps and late-entered decisions, driven through the
services on one world of agencies; the invariants of tests/walk/model.py are checked after
every step.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from complaints.domain import states
from complaints.domain.states import FINAL_STATUSES, TRANSITIONS, allowed_actions
from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.permissions import can_see_identity, can_view
from complaints.services import admin as admin_service
from complaints.services import case_view
from complaints.services.audit import verify_chains
from complaints.services.escalation import escalate_due
from tests.walk import model
from tests.walk.model import REFUSALS, call, check_case, moment

ACTOR_KEYS = ("right",) * 30 + ("clerk", "other_clerk", "head_a", "head_b", "officer_a",
                               "province_head", "inspector")
AGENCY_KEYS = ("A", "A", "B", "C", "DESK", "UBND", "NOPE")
WALK_ACTIONS = sorted(model.TRAIL_ACTION)


def _right_actor(world, case: Case, name: str) -> str:
    if name in ("route", "file", "guide", "forward", "extend_handling"):
        return "clerk"
    if name == "designate_lead":
        return "province_head"
    if name == "withdraw" and case.agency_id is None:
        return "clerk"
    return world.head_of(case.agency_id)


def _args(data, world, case: Case, name: str, today: date) -> dict:
    draw = data.draw
    late = draw(st.sampled_from([None] * 12 + [1, 2, 3, 5, 8, 13, -1]), label="late")
    args = {"decided_on": None if late is None else today - timedelta(days=late)}
    args["agency"] = draw(st.sampled_from(AGENCY_KEYS), label="agency")
    if name == "assign":
        args["officer"] = draw(st.sampled_from(
            ["q_chuyenvien_a", "q_chuyenvien_a2", "q_chuyenvien_b", "q_giamdoc_a", ""]))
    if name == "extend":
        args["days"] = draw(st.sampled_from([5, 10, 30, 0, 31]), label="days")
        if case.kind == "denunciation":
            args["complexity"] = draw(st.sampled_from([None, "complex", "very_complex"]))
    if name == "extend_handling":
        args["days"] = draw(st.sampled_from([3, 3, 1, 4]), label="days")
    if name == "resolve":
        args["outcome"] = draw(st.sampled_from(model.outcomes_for(case) * 3 + ["bogus"]))
    if name == "withdraw":
        ids = sorted({s.petitioner_id for p in case.petitions for s in p.signers
                      if s.withdrawn_on is None})
        args["petitioner_ids"] = draw(st.sampled_from([None, ids, ids[:1]]), label="who")
    if name == "file":
        args["filing_reason"] = draw(st.sampled_from(["duplicate", "anonymous", "bogus"]))
    return args


def _masked_secrets(case: Case) -> list[str]:
    return [v for p in case.petitions for s in p.signers
            for v in (s.petitioner.full_name, s.petitioner.id_number, s.petitioner.phone,
                      s.petitioner.address) if v]


def _page_text(page) -> str:
    parts = [repr(page.petitioners), repr([e.data for e in page.timeline]),
             repr([r.reason for r in page.routings])]
    if not page.content_hidden:
        parts.append(page.case.content or "")
    return "\n".join(parts)


def check_confidentiality(world, case_id: int, problems: list[str], what: str) -> None:
    """domain.md: only the intake staff, the resolving agency's officer and head, and
    inspectors see a denouncer; everyone else sees a redacted case; every view is
    audited (so an unrevealed page is masked for all)."""
    case = db.session.get(Case, case_id)
    if case.kind != "denunciation":
        return
    secrets = _masked_secrets(case)
    for key, user in world.users.items():
        if not can_view(user, case):
            continue
        allowed = can_see_identity(user, case)
        if allowed and user.role not in ("reception", "inspector") and not (
                case.agency_id == user.agency_id and (user.role == "agency_head"
                                                      or case.officer_id == user.id)):
            problems.append(f"[{what}] {key} may see the denouncer of a case held by "
                            f"{case.agency_id}")
        page = case_view.build_case_page(case, user, reveal=False)
        text = _page_text(page)
        leaked = [s for s in secrets if s in text]
        if leaked:
            problems.append(f"[{what}] {key} ({user.role}, status {case.status}) reads "
                            f"denouncer data {leaked} without a recorded reveal")


def sweep_twice(world, day: date, problems: list[str], case_ids: list[int]) -> None:
    """Sweep on `day`, then again: the second does nothing. New escalations of the ladder
    concern a stage that runs, raised on or after its rung's day."""
    before_ids = set(db.session.scalars(select(Escalation.id)))
    escalate_due(day, moment(day))
    db.session.commit()
    counts = model.table_counts()
    states_before = {cid: model.case_state(cid) for cid in case_ids}
    again = escalate_due(day, moment(day))
    db.session.commit()
    if again.escalated or model.table_counts() != counts:
        problems.append(f"[sweep {day}] second sweep changed something: "
                        f"{again.escalations} {counts} -> {model.table_counts()}")
    for cid in case_ids:
        if model.case_state(cid) != states_before[cid]:
            problems.append(f"[sweep {day}] second sweep changed case {cid}")
    db.session.expire_all()
    for esc in db.session.scalars(select(Escalation).where(Escalation.id.not_in(before_ids))):
        if esc.stage == "case":
            continue
        case = db.session.get(Case, esc.case_id)
        row = case.deadline(esc.stage)
        if row is None or row.met_on is not None or row.start_on != esc.started_on:
            problems.append(f"[sweep {day}] {esc.reason} on {esc.stage} that does not run "
                            f"(case {case.status})")
    for cid in case_ids:
        case = db.session.get(Case, cid)
        if case.next_attention_on is not None and case.next_attention_on <= day:
            problems.append(f"[sweep {day}] case {case.status} still due for attention on "
                            f"{case.next_attention_on}")


@pytest.fixture
def world(make_agency, make_user):
    w = model.build_world(make_agency, make_user)
    db.session.commit()
    return w


def test_random_walks_keep_the_invariants(world, make_case):
    tally = {"done": 0, "refused": 0, "sweeps": 0, "calendar": 0, "statuses": set()}

    @settings(max_examples=int(os.environ.get("QA62_EXAMPLES", "40")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(kind=st.sampled_from(["complaint", "complaint", "denunciation", "feedback",
                                 "recommendation"]),
           start=st.dates(date(2026, 1, 5), date(2026, 11, 20)),
           signers=st.integers(1, 2), data=st.data())
    def walk(kind, start, signers, data):
        problems: list[str] = []
        today = start
        case = make_case(actor=world.users["clerk"], kind=kind, received_on=start,
                         petitioners=signers, now=moment(today), today=today)
        db.session.commit()
        case_id = case.id
        for _step in range(data.draw(st.integers(15, 30), label="steps")):
            case = db.session.get(Case, case_id)
            move = data.draw(st.sampled_from(["act"] * 8 + ["advance"] * 3 + ["sweep"] * 2
                                             + ["calendar"]), label="move")
            what = move
            if move == "advance":
                today += timedelta(days=data.draw(st.sampled_from([1, 1, 2, 3, 5, 8, 13]),
                                                  label="days"))
            elif move == "sweep":
                sweep_twice(world, today, problems, [case_id])
                tally["sweeps"] += 1
            elif move == "calendar":
                day = today + timedelta(days=data.draw(st.integers(-5, 30), label="offset"))
                kind_ = "working_day" if day.weekday() >= 5 else "day_off"
                try:
                    admin_service.add_calendar_override(day, kind_, "Hoán đổi ngày làm việc",
                                                        world.users["admin"], moment(today))
                except REFUSALS:
                    db.session.rollback()
                else:
                    db.session.commit()
                    tally["calendar"] += 1
                what = f"calendar {kind_} {day}"
            else:
                allowed = [a for a in allowed_actions(case.status) if a in model.TRAIL_ACTION
                           for _ in range(1 if TRANSITIONS[a][1] in FINAL_STATUSES else 4)]
                if escalation_lead_open(case):
                    allowed += ["designate_lead"] * 4
                legal = data.draw(st.sampled_from([True] * 9 + [False]), label="legal")
                pool = allowed if allowed and legal else WALK_ACTIONS
                name = data.draw(st.sampled_from(pool), label="action")
                args = _args(data, world, case, name, today)
                key = data.draw(st.sampled_from(ACTOR_KEYS), label="actor")
                if key == "right":
                    key = _right_actor(world, case, name)
                actor = world.users[key]
                what = f"{name} by {key} {args} on {today}"
                counts, state = model.table_counts(), model.case_state(case_id)
                trail_before = model.trail(case_id)
                try:
                    call(world, case, name, actor, args, moment(today), today)
                except REFUSALS as exc:
                    db.session.flush()
                    if (model.table_counts(), model.case_state(case_id)) != (counts, state):
                        # A refused action writes nothing, even before its caller rolls
                        # back (test_findings: an extension with a complexity did).
                        problems.append(f"[{what}] refused ({type(exc).__name__}), and "
                                        "wrote before refusing")
                    db.session.rollback()
                    if (model.table_counts(), model.case_state(case_id)) != (counts, state):
                        problems.append(f"[{what}] refused, and the rollback left changes")
                    tally["refused"] += 1
                else:
                    db.session.commit()
                    tally["done"] += 1
                    new = model.trail(case_id)[len(trail_before):]
                    expected = model.TRAIL_ACTION[name]
                    mine = [a for _s, a, _d in new if a == expected
                            or (name == "withdraw" and a == "signers_withdrawn")]
                    unchanged = (name == "assign" and not new)
                    if len(mine) != 1 and not unchanged:
                        problems.append(f"[{what}] {len(mine)} '{expected}' events: "
                                        f"{[a for _s, a, _d in new]}")
            tally["statuses"].add(db.session.get(Case, case_id).status)
            check_case(world, case_id, today, problems, what)
            check_confidentiality(world, case_id, problems, what)
            if problems:
                break
        if not problems:
            model.check_reports(world.province.code, start, today, problems)
        assert not problems, "\n".join(problems[:5])

    walk()
    assert verify_chains()[1] == []
    assert tally["done"] and tally["refused"] and tally["sweeps"]


def escalation_lead_open(case: Case) -> bool:
    return case.lead_agency_id is None and db.session.scalar(select(Escalation.id).where(
        Escalation.case_id == case.id, Escalation.reason == "evaded").limit(1)) is not None \
        and case.status in TRANSITIONS["designate_lead"][0] + (states.SUSPENDED,)
