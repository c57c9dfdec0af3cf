"""QA round 62: random walks through the JSON API and the case pages, each role signed in.

No request answers 500; a refused action changes nothing; a reader who may not see a
denouncer never receives their name, ID number, phone or address (API answer or page).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints import clock
from complaints.extensions import db, limiter
from complaints.models import Case
from complaints.permissions import can_see_identity, can_view
from complaints.services.audit import verify_chains
from complaints.services.escalation import escalate_due
from complaints.services.tokens import issue_token
from tests.factories import PASSWORD
from tests.walk import model
from tests.walk.model import moment

API_ACTIONS = ("route", "accept", "refuse", "assign", "extend", "extend_handling", "return",
               "transfer", "resolve", "close", "withdraw", "suspend", "resume", "file",
               "guide", "forward", "enforce", "bogus")
READERS = ("clerk", "other_clerk", "head_a", "officer_a", "officer_a2", "head_b",
           "officer_b", "province_head", "inspector", "admin")
AGENCIES = ("SO-QA", "SO-QB", "SO-QC", "BTCD-Q", "UBND-Q", "", "NOPE")
dates = st.sampled_from([None, None, None, "bad", "2026-13-01", 0, 1, 3, -1])


def _body(draw, action: str, today: date) -> dict:
    """A body for the action: mostly well formed, sometimes not."""
    when = draw(dates)
    decided = (when if when is None or isinstance(when, str)
               else (today - timedelta(days=when)).isoformat())
    texts = st.sampled_from(["Lý do", "Lý do", "", " ", "x" * 3000, None, 7, ["a"]])
    body = {"decided_on": decided, "reason": draw(texts)}
    if action == "route":
        body["agency_code"] = draw(st.sampled_from(AGENCIES))
    elif action == "assign":
        body = {"officer": draw(st.sampled_from(["q_chuyenvien_a", "q_chuyenvien_b", "",
                                                 "q_giamdoc_a", None]))}
    elif action in ("extend", "extend_handling"):
        body["days"] = draw(st.sampled_from([3, 5, 10, 30, 0, -1, 10**9, "5", 2.5]))
        if action == "extend":
            body["complexity"] = draw(st.sampled_from([None, "complex", "very_complex", "x"]))
    elif action == "return":
        body["suggested_agency_code"] = draw(st.sampled_from(AGENCIES))
    elif action == "transfer":
        body["to_agency_code"] = draw(st.sampled_from(AGENCIES))
    elif action == "resolve":
        body.update(outcome=draw(st.sampled_from(["right", "wrong", "partly_right",
                                                  "upheld", "withdrawn", "bogus"])),
                    decision_number=draw(st.sampled_from(["12/QĐ", "", None])),
                    summary=draw(st.sampled_from(["Kết quả", "", None])),
                    money_to_recover=draw(st.sampled_from([None, 1.5, -1, "abc", 1e20])),
                    people_restored=draw(st.sampled_from([None, 2, -3])))
    elif action == "file":
        body = {"filing_reason": draw(st.sampled_from(["duplicate", "anonymous", "bogus"])),
                "decided_on": decided}
    elif action == "forward":
        body["forwarded_to"] = draw(st.sampled_from(["Tòa án nhân dân", "", None]))
    elif action == "withdraw":
        body["petitioner_ids"] = draw(st.sampled_from([None, [], [1], [2**40]]))
    elif action == "enforce":
        body = {"enforced_on": decided, "money_recovered": draw(st.sampled_from([None, 1]))}
    if draw(st.sampled_from([False] * 9 + [True])):
        body["unexpected"] = 1
    return body


@pytest.fixture
def world(make_agency, make_user):
    w = model.build_world(make_agency, make_user)
    db.session.commit()
    return w


def test_random_api_walks_answer_no_500(world, make_case, client, monkeypatch):
    tokens: dict[str, str] = {}
    day = {"today": date(2026, 9, 1)}
    monkeypatch.setattr(clock, "now", lambda: moment(day["today"]))
    monkeypatch.setattr(clock, "today", lambda: day["today"])
    monkeypatch.setattr(limiter, "enabled", False)  # many sign-ins from one address

    def token(key: str) -> str:
        if tokens.get("_day") != day["today"]:  # tokens expire: issued on the walk's day
            tokens.clear()
            tokens["_day"] = day["today"]
        if key not in tokens:  # as POST /tokens issues it (its rate limit aside)
            tokens[key] = issue_token(world.users[key], moment(day["today"]))[0]
            db.session.commit()
        return tokens[key]

    def api(key, method, path, **kw):
        return client.open(f"/api/v1{path}", method=method,
                           headers={"Authorization": f"Bearer {token(key)}"}, **kw)

    for key in READERS:  # issuing a token is audited: before any count is taken
        token(key)

    @settings(max_examples=int(os.environ.get("QA62_EXAMPLES", "15")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(kind=st.sampled_from(["complaint", "denunciation", "feedback"]),
           start=st.dates(date(2026, 3, 2), date(2026, 10, 30)), data=st.data())
    def walk(kind, start, data):
        day["today"] = start
        for key in READERS:
            token(key)
        case = make_case(actor=world.users["clerk"], kind=kind, received_on=start,
                         petitioners=data.draw(st.integers(1, 2)), now=moment(start),
                         today=start)
        db.session.commit()
        code, case_id = case.tracking_code, case.id
        secrets = [v for p in case.petitions for s in p.signers
                   for v in (s.petitioner.full_name, s.petitioner.id_number,
                             s.petitioner.phone, s.petitioner.address) if v]
        for _ in range(data.draw(st.integers(10, 25))):
            move = data.draw(st.sampled_from(["act"] * 6 + ["advance", "sweep", "read"]))
            if move == "advance":
                day["today"] += timedelta(days=data.draw(st.sampled_from([1, 3, 7, 12])))
                for key in READERS:
                    token(key)
                continue
            if move == "sweep":
                escalate_due(day["today"], moment(day["today"]))
                db.session.commit()
                continue
            db.session.expire_all()
            case = db.session.get(Case, case_id)
            if move == "read":
                key = data.draw(st.sampled_from(READERS))
                user = world.users[key]
                answer = api(key, "GET", f"/cases/{code}")
                assert answer.status_code in (200, 404), (key, answer.status_code)
                if answer.status_code == 200 and kind == "denunciation":
                    text = answer.get_data(as_text=True)
                    leaked = [s for s in secrets if s in text]
                    assert not leaked or can_see_identity(user, case), (key, leaked)
                continue
            action = data.draw(st.sampled_from(API_ACTIONS))
            right = model.World.head_of(world, case.agency_id) \
                if action not in ("route", "file", "guide", "forward", "extend_handling") \
                else "clerk"
            key = data.draw(st.sampled_from([right] * 6 + list(READERS)))
            body = _body(data.draw, action, day["today"])
            as_json = data.draw(st.sampled_from([True] * 9 + [False]))
            before = model.table_counts(), model.case_state(case_id)
            kw = {"json": body} if as_json else {"data": "{not json",
                                                 "content_type": "application/json"}
            answer = api(key, "POST", f"/cases/{code}/{action}", **kw)
            assert answer.status_code != 500, (action, key, body, answer.get_data(True))
            assert answer.status_code in (200, 201, 400, 403, 404, 409, 422), (
                action, key, body, answer.status_code, answer.get_data(True))
            db.session.expire_all()
            if answer.status_code >= 400:
                assert (model.table_counts(), model.case_state(case_id)) == before, (
                    action, key, body, answer.status_code)
            elif kind == "denunciation" and not can_see_identity(world.users[key], case):
                leaked = [s for s in secrets if s in answer.get_data(as_text=True)]
                assert not leaked, (action, key, leaked)
        # Every reader's case page (HTML) answers, and masks what it must.
        db.session.expire_all()
        case = db.session.get(Case, case_id)
        for key in READERS:
            user = world.users[key]
            if user.role not in ("agency_head", "agency_officer") or not can_view(user, case):
                continue
            client.post("/login", data={"username": user.username, "password": PASSWORD})
            page = client.get(f"/agency/cases/{code}")
            assert page.status_code in (200, 302, 404), (key, page.status_code)
            if page.status_code == 200 and kind == "denunciation":
                leaked = [s for s in secrets if s in page.get_data(as_text=True)]
                assert not leaked, (key, case.status, leaked)
            client.post("/logout")
        assert verify_chains(f"case:{case_id}")[1] == []

    walk()
