"""QA round 13 (the agency's decisions through its pages): a form sent twice, two heads
deciding at once, texts with nothing visible in them, a message left untranslated."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures)
from tests.integration.agency_world import (
    chain_ok,
    events,
    fresh,
    in_other_session,
    signer_ids,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")



def test_double_tap_of_partial_withdrawal_does_not_withdraw_the_other_petitioner(
        client, login, world, routed):
    case = routed(accept=True, petitioners=2)
    first, second = signer_ids(case)
    login(world["head"])
    data = {"petitioner_ids": [str(first)], "reason": "Ông A rút đơn",
            "decided_on": "2026-11-30", "confirmed": "1"}
    url = f"/agency/cases/{case.tracking_code}/withdraw"
    assert client.post(url, data=data).status_code == 302
    c = fresh(case)
    assert c.status == "accepted"
    # The same Confirm POST again (double tap, or Back then Confirm).
    r = client.post(url, data=data)
    c = fresh(case)
    withdrawn = {s.petitioner_id: s.withdrawn_on for p in c.petitions for s in p.signers}
    # Expected: refused ("already withdrew"), petitioner B still stands, case goes on.
    assert withdrawn[second] is None, "B was withdrawn though only A was named"
    assert c.status == "accepted"
    assert events(case).count("withdrawn") == 0
    assert r.status_code in (302, 422)


def _interleave(monkeypatch, app, name, other_work):
    """Let `other_work` commit after the request has read the case and checked its status,
    just before the request's own service call writes (two requests at once)."""
    original = getattr(workflow, name)

    def wrapped(*args, **kwargs):
        in_other_session(app, other_work)
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, name, wrapped)


def test_refuse_racing_an_accept_does_not_overwrite_it(client, login, world, routed, app,
                                                       monkeypatch):
    case = routed()
    case_id, head2_id = case.id, world["head2"].id

    def other_head_accepts():
        from complaints.models import User
        c = db.session.get(Case, case_id)
        workflow.accept(c, db.session.get(User, head2_id), NOW, TODAY,
                        decided_on=date(2026, 11, 23))

    login(world["head"])
    _interleave(monkeypatch, app, "refuse", other_head_accepts)
    r = client.post(f"/agency/cases/{case.tracking_code}/refuse",
                    data={"reason": "Không đủ điều kiện", "decided_on": "2026-11-30",
                          "confirmed": "1", "ground": "c_time_barred"})
    assert r.status_code < 500
    c = fresh(case)
    evs = events(case)
    assert chain_ok(case)
    # Expected: the second decision is refused (case already accepted), not layered on top.
    assert c.status == "accepted", (c.status, evs)
    assert "refused" not in evs, evs


def test_two_heads_accepting_at_once_write_one_acceptance(client, login, world, routed, app,
                                                          monkeypatch):
    case = routed()
    case_id, head2_id = case.id, world["head2"].id
    accept = workflow.accept

    def other_head_accepts():
        from complaints.models import User
        c = db.session.get(Case, case_id)
        accept(c, db.session.get(User, head2_id), NOW, TODAY,
               decided_on=date(2026, 11, 23))

    login(world["head"])
    _interleave(monkeypatch, app, "accept", other_head_accepts)
    r = client.post(f"/agency/cases/{case.tracking_code}/accept",
                    data={"decided_on": "2026-11-30"})
    assert r.status_code < 500
    evs = events(case)
    assert evs.count("accepted") == 1, evs
    assert fresh(case).accepted_on == date(2026, 11, 23)


@pytest.mark.parametrize("field,value", [
    ("decision_number", "\u200b"),
    ("summary", "\u200b\u200b"),
    ("summary", "Kết luận\x07 có ký tự điều khiển"),
    ("decision_number", "12/QĐ\x1b"),
])
def test_resolution_with_invisible_or_control_text_is_refused(client, login, world, routed,
                                                              field, value):
    case = routed(kind="recommendation", accept=True)
    login(world["head"])
    data = {"outcome": "answered", "decision_number": "12/QĐ", "decided_on": "2026-11-30",
            "summary": "Đã trả lời", field: value}
    url = f"/agency/cases/{case.tracking_code}/resolve"
    first = client.post(url, data=data)
    # Expected as for every other decision text (workflow._require, intake): refused next to
    # the field before the confirmation, never recorded.
    client.post(url, data={**data, "confirmed": "1"})
    assert fresh(case).status == "accepted", "recorded with an invisible/control text"
    assert first.status_code == 422, "offered for confirmation"


@pytest.mark.parametrize("action,extra", [
    ("refuse", {}),
    ("withdraw", {}),
])
def test_invisible_reason_is_refused_before_the_confirmation(client, login, world, routed,
                                                             action, extra):
    case = routed(accept=(action == "withdraw"))
    login(world["head"])
    r = client.post(f"/agency/cases/{case.tracking_code}/{action}",
                    data={"reason": "\u200b", "decided_on": "2026-11-30", "ground": "other",
                          **extra})
    # views: "Refuse, before the confirmation step, what the service would refuse once
    # confirmed" — the service refuses a zero-width reason (workflow._require).
    assert r.status_code == 422 and 'data-testid="confirm-warning"' not in r.text


def test_assign_sent_twice_writes_one_assignment(client, login, world, routed):
    case = routed(accept=True)
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/assign"
    assert client.post(url, data={"officer": "chuyenvien"}).status_code == 302
    r = client.post(url, data={"officer": "chuyenvien"})
    assert r.status_code < 500
    assert fresh(case).officer.username == "chuyenvien"
    # Nothing changed the second time: no second "assigned" event, no second notice.
    assert events(case).count("assigned") == 1, events(case)
    assert chain_ok(case)


def test_very_complex_denunciation_extension_sent_twice_extends_once(client, login, world,
                                                                     routed):
    case = routed(kind="denunciation", accept=True)
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/extend"
    data = {"days": "30", "reason": "Phức tạp", "decided_on": "2026-11-30",
            "complexity": "very_complex", "confirmed": "1"}
    assert client.post(url, data=data).status_code == 302
    due = fresh(case).deadline("resolution").due_on
    r = client.post(url, data=data)  # the same POST, a second tap
    assert r.status_code < 500
    c = fresh(case)
    assert c.extension_count == 1, (c.extension_count, events(case))
    assert c.deadline("resolution").due_on == due


@pytest.mark.parametrize("action,data", [
    ("accept", {"decided_on": "2026-11-30"}),
    ("refuse", {"reason": "x", "decided_on": "2026-11-30", "confirmed": "1",
                "ground": "other"}),
    ("return", {"reason": "x", "suggested_agency_code": "SO-XD", "decided_on": "2026-11-30",
                "confirmed": "1"}),
    ("transfer", {"reason": "x", "to_agency_code": "SO-XD", "decided_on": "2026-11-30",
                  "confirmed": "1"}),
])
def test_routed_case_decisions_sent_twice_are_refused_cleanly(client, login, world, routed,
                                                              action, data):
    case = routed()
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/{action}"
    assert client.post(url, data=data).status_code == 302
    before = events(case)
    r = client.post(url, data=data, follow_redirects=True)
    assert r.status_code == 200
    assert events(case) == before
    assert "không" in r.text.lower()
    assert chain_ok(case)


@pytest.mark.parametrize("action,data", [
    ("suspend", {"reason": "x", "decided_on": "2026-11-30", "confirmed": "1"}),
    ("resolve", {"outcome": "right", "decision_number": "1/QĐ", "decided_on": "2026-11-30",
                 "summary": "s", "confirmed": "1"}),
])
def test_accepted_case_decisions_sent_twice_are_refused_cleanly(client, login, world, routed,
                                                                action, data):
    case = routed(accept=True)
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/{action}"
    assert client.post(url, data=data).status_code == 302
    before = events(case)
    r = client.post(url, data=data, follow_redirects=True)
    assert r.status_code == 200 and "Hồ sơ không thay đổi" in r.text
    assert events(case) == before


def test_stale_action_after_transfer_is_told_in_english(client, login, world, routed):
    case = routed(kind="recommendation", accept=True)
    login(world["head"])
    client.get("/lang/en")
    workflow.transfer(case, "SO-XD", "x", world["head2"], NOW, TODAY,
                      decided_on=date(2026, 11, 30))
    db.session.commit()
    r = client.post(f"/agency/cases/{case.tracking_code}/resolve",
                    data={"outcome": "answered"}, follow_redirects=True)
    assert "is no longer with your agency" in r.text
    assert "Thao tác không được thực hiện" not in r.text  # untranslated (not in the catalog)


def test_a_refusal_cites_the_laws_ground_for_the_kind(client, login, world, routed):
    """ux.md: legal reason lists as select options with the article in the hint (QA round
    13: "không thụ lý" took free text only)."""
    case = routed()
    login(world["head"])
    url = f"/agency/cases/{case.tracking_code}/refuse"
    page = client.get(url).text
    assert "<select" in page and "Luật Khiếu nại 2011, Điều 11" in page
    assert 'value="c_time_barred"' in page and 'value="d_no_basis"' not in page
    data = {"reason": "Quá 90 ngày kể từ ngày biết quyết định", "decided_on": "2026-11-30"}
    assert client.post(url, data=data).status_code == 422  # no ground chosen
    wrong = client.post(url, data={**data, "ground": "d_no_basis", "confirmed": "1"})
    assert wrong.status_code == 422 and "Chọn căn cứ không thụ lý." in wrong.text
    assert fresh(case).status == "routed"
    done = client.post(url, data={**data, "ground": "c_time_barred", "confirmed": "1"})
    assert done.status_code == 302 and fresh(case).status == "not_accepted"
    timeline = client.get(f"/agency/cases/{case.tracking_code}").text
    assert "Hết thời hiệu, thời hạn khiếu nại mà không có lý do chính đáng" in timeline
    client.get("/lang/en")
    timeline = client.get(f"/agency/cases/{case.tracking_code}").text
    assert "Time-barred without a legitimate reason (cl. 6)" in timeline
    other = routed(kind="recommendation")
    page = client.get(f"/agency/cases/{other.tracking_code}/refuse").text
    assert 'value="other"' in page and 'value="c_time_barred"' not in page


def test_the_api_takes_the_ground_and_checks_it_against_the_kind(client, world, routed):
    from complaints.services import tokens

    case = routed()
    raw, _row = tokens.issue_token(world["head"], NOW)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    url = f"/api/v1/cases/{case.tracking_code}/refuse"
    body = {"reason": "Không có cơ sở", "decided_on": "2026-11-30", "ground": "d_no_basis"}
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 422 and "ground" in refused.get_json()["errors"]
    done = client.post(url, json={**body, "ground": "c_not_concerned"}, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert fresh(case).status == "not_accepted"
    assert db.session.scalar(select(AuditEvent.data).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "refused")).count(
        '"refusal_ground":"c_not_concerned"') == 1
