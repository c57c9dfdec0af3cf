"""Property-based test: random sequences of workflow actions through the services.

Whatever the order, the actor or the input, a service either succeeds or refuses with a
domain error (ValidationFailed, NotAllowed, InvalidTransition) — never another exception,
which the web would turn into a 500 — a refusal changes nothing, and the case's audit
chain always verifies.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from complaints.domain.catalog import FILING_REASONS, OUTCOMES_BY_KIND
from complaints.domain.states import (
    FINAL_STATUSES,
    STATUSES,
    TRANSITIONS,
    InvalidTransition,
    allowed_actions,
)
from complaints.extensions import db
from complaints.models import Case, CaseDeadline
from complaints.services import workflow
from complaints.services.audit import verify_chains
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

REFUSALS = (ValidationFailed, NotAllowed, InvalidTransition)
ALL_OUTCOMES = sorted({o for outcomes in OUTCOMES_BY_KIND.values() for o in outcomes})

# "right" is whoever may act (the clerk at reception, the holding agency's head), so that
# sequences get deep; the others probe the permission checks. Valid inputs are likelier.
ACTORS = ("right",) * 6 + ("clerk", "head_a", "head_b", "officer_a", "inspector",
                           "other_clerk")
AGENCIES = ("A", "A", "B", "B", "NOPE")
texts = st.sampled_from(["Lý do"] * 5 + ["", "   "])
decided = st.sampled_from([None] * 6 + [TODAY - timedelta(days=3), TODAY + timedelta(days=2),
                                        TODAY - timedelta(days=400)])

# Service name -> strategy for its generated arguments.
ARGS = {
    "route": st.tuples(st.sampled_from(AGENCIES), decided),
    "file_away": st.tuples(st.sampled_from([*FILING_REASONS, "bogus"]), decided),
    "guide": st.tuples(texts, decided),
    "forward": st.tuples(texts, decided),
    "accept": st.tuples(decided),
    "refuse": st.tuples(texts, decided),
    "assign": st.tuples(st.sampled_from(["officer_a", "officer_a", "head_b", "nobody", ""])),
    "extend": st.tuples(st.sampled_from([5, 5, -1, 0, 400]), texts),
    "extend_handling": st.tuples(st.sampled_from([3, 3, 1, -1, 0, 4]), texts, decided),
    "return_case": st.tuples(texts, st.sampled_from(AGENCIES), decided),
    "transfer": st.tuples(st.sampled_from(AGENCIES), texts, decided),
    "resolve": st.tuples(st.sampled_from([*ALL_OUTCOMES, "bogus"]), texts, decided),
    "close": st.tuples(),
    "withdraw": st.tuples(texts, decided),
    "suspend": st.tuples(texts, decided),
    "resume": st.tuples(decided),
}
# State-machine action -> service function name (designate_lead belongs to escalation).
SERVICE = {"file": "file_away", "return": "return_case"}


def _call(case: Case, actor, name: str, args: tuple, codes: dict, users: dict):
    """Call one workflow service with generated arguments."""
    code = lambda key: codes.get(key, key)  # noqa: E731
    kw = {"actor": actor, "now": NOW, "today": TODAY}
    if name == "route":
        return workflow.route(case, code(args[0]), decided_on=args[1], **kw)
    if name == "file_away":
        return workflow.file_away(case, args[0], decided_on=args[1], **kw)
    if name in ("guide", "refuse", "withdraw", "suspend"):
        return getattr(workflow, name)(case, args[0], decided_on=args[1], **kw)
    if name == "forward":
        return workflow.forward(case, args[0], decided_on=args[1], **kw)
    if name in ("accept", "resume"):
        return getattr(workflow, name)(case, decided_on=args[0], **kw)
    if name == "assign":
        who = users[args[0]].username if args[0] in users else args[0]
        return workflow.assign(case, who, actor, NOW)
    if name == "extend":
        return workflow.extend(case, args[0], args[1], **kw)
    if name == "extend_handling":
        return workflow.extend_handling(case, args[0], args[1], decided_on=args[2], **kw)
    if name == "return_case":
        return workflow.return_case(case, args[0], code(args[1]), decided_on=args[2], **kw)
    if name == "transfer":
        return workflow.transfer(case, code(args[0]), args[1], decided_on=args[2], **kw)
    if name == "resolve":
        return workflow.resolve(case, args[0], "12/QĐ-UBND" if args[1].strip() else "",
                                args[1], decided_on=args[2], **kw)
    if name == "close":
        return workflow.close(case, **kw)
    raise AssertionError(name)


def _state(case: Case) -> tuple:
    return (case.status, case.agency_id, case.officer_id, case.extension_count,
            case.outcome, len(case.routings))


def test_random_workflow_sequences_fail_only_with_domain_errors(make_case, make_user,
                                                                make_agency):
    # One world of agencies and users (password hashing is slow); a new case per example.
    reception = make_agency()
    a, b = make_agency(), make_agency()
    users = {
        "clerk": make_user("reception", agency=reception),
        "other_clerk": make_user("reception"),
        "head_a": make_user("agency_head", agency=a),
        "officer_a": make_user("agency_officer", agency=a),
        "head_b": make_user("agency_head", agency=b),
        "inspector": make_user("inspector"),
    }
    db.session.commit()
    codes = {"A": a.code, "B": b.code, "A_id": a.id}
    outcomes = {"done": 0, "refused": 0}

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(kind=st.sampled_from(["complaint", "denunciation", "feedback"]), data=st.data())
    def run(kind, data):
        case = make_case(actor=users["clerk"], kind=kind)
        db.session.commit()
        for _ in range(data.draw(st.integers(6, 15), label="steps")):
            # Mostly an action the status admits (to get deep), sometimes any action.
            # Actions that keep the case open weigh more, or most cases end at reception.
            allowed = [SERVICE.get(x, x) for x in allowed_actions(case.status)
                       for _ in range(1 if TRANSITIONS[x][1] in FINAL_STATUSES else 4)
                       if SERVICE.get(x, x) in ARGS]
            pool = allowed if allowed and data.draw(st.integers(0, 4)) else sorted(ARGS)
            name = data.draw(st.sampled_from(pool), label="action")
            strategy = ARGS[name]
            if name == "resolve":  # mostly an outcome valid for the kind, else nothing ends
                valid = list(OUTCOMES_BY_KIND[(case.kind, case.complaint_round)])
                strategy = st.tuples(st.sampled_from(valid * 3 + ["right", "bogus"]), texts,
                                     decided)
            args = data.draw(strategy, label="args")
            actor_key = data.draw(st.sampled_from(ACTORS), label="actor")
            if actor_key == "right":
                actor_key = ("clerk" if case.agency_id is None
                             else "head_a" if case.agency_id == codes["A_id"] else "head_b")
            before = _state(case)
            try:
                _call(case, users[actor_key], name, args, codes, users)
            except REFUSALS:
                db.session.rollback()
                case = db.session.get(Case, case.id)
                assert _state(case) == before, f"a refused {name} changed the case"
                outcomes["refused"] += 1
            else:
                db.session.commit()
                outcomes["done"] += 1
            assert case.status in STATUSES
            checked, breaks = verify_chains(f"case:{case.id}")
            assert breaks == [] and checked >= 1
            # cases.running_due_on follows the deadlines whatever happened (flush listener).
            earliest = db.session.scalar(select(func.min(CaseDeadline.due_on)).where(
                CaseDeadline.case_id == case.id, CaseDeadline.met_on.is_(None)))
            stored = db.session.execute(select(Case.running_due_on)
                                        .where(Case.id == case.id)).scalar_one()
            assert stored == earliest, f"running_due_on {stored} != {earliest} after {name}"

    run()
    assert verify_chains()[1] == []
    assert outcomes["refused"] > 0 and outcomes["done"] > 0
