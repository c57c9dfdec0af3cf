"""The inbox pages: notifications with unread count, acknowledging, designating a lead."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates

D = date(2026, 10, 2)


def test_head_sees_unread_count_and_acknowledges(client, login, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    escalation = db.session.scalars(select(Escalation)).one()
    login(world.head_a)
    page = client.get("/inbox").get_data(as_text=True)
    assert 'data-testid="inbox-unread">1' in page and routed_case.tracking_code in page

    page = client.get("/escalations").get_data(as_text=True)
    assert f"escalation-{routed_case.tracking_code}-1-overdue" in page

    bad = client.post(f"/escalations/{escalation.id}/acknowledge",
                      data={f"ack{escalation.id}-action": "note",
                            f"ack{escalation.id}-note": ""})
    assert bad.status_code == 422 and 'data-testid="error-summary"' in bad.get_data(as_text=True)
    ok = client.post(f"/escalations/{escalation.id}/acknowledge",
                     data={f"ack{escalation.id}-action": "urge",
                           f"ack{escalation.id}-note": "Đã nhắc chuyên viên"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).action_taken == "urge"
    twice = client.post(f"/escalations/{escalation.id}/acknowledge",
                        data={f"ack{escalation.id}-action": "note",
                              f"ack{escalation.id}-note": "Lần nữa"}, follow_redirects=True)
    assert "đã được xác nhận trước đó" in twice.text
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).action_taken == "urge"

    client.post("/inbox/read")
    assert 'data-testid="inbox-unread"' not in client.get("/inbox").get_data(as_text=True)


def test_other_agency_cannot_acknowledge(client, login, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    escalation = db.session.scalars(select(Escalation)).one()
    login(world.head_b)
    response = client.post(f"/escalations/{escalation.id}/acknowledge",
                           data={f"ack{escalation.id}-action": "urge"})
    assert response.status_code == 404
    assert client.get("/escalations").status_code == 200


def test_supervisor_designates_lead_from_the_queue(client, login, world, routed_case):
    case = routed_case
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    login(world.province_head)
    page = client.get("/escalations").get_data(as_text=True)
    assert f"lead-{case.tracking_code}" in page
    prefix = f"lead{escalation.id}"
    unconfirmed = client.post(f"/escalations/{escalation.id}/lead",
                              data={f"{prefix}-agency_code": "SO-B"})
    assert unconfirmed.status_code == 422
    done = client.post(f"/escalations/{escalation.id}/lead",
                       data={f"{prefix}-agency_code": "SO-B", f"{prefix}-confirm": "y",
                             f"{prefix}-note": "Sở B chủ trì"})
    assert done.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.lead_agency_id == world.b.id and case.agency_id == world.b.id


def test_agency_officer_has_no_escalation_page(client, login, world):
    login(world.officer_a)
    assert client.get("/escalations").status_code == 403
    assert client.get("/inbox").status_code == 200


def test_head_home_names_each_escalated_case(client, login, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    login(world.head_a)
    page = client.get("/agency/").get_data(as_text=True)
    listed = page[page.index('data-testid="escalations"'):]
    listed = listed[:listed.index("</ul>")]
    assert f'/agency/cases/{routed_case.tracking_code}"' in listed
    assert routed_case.subject in listed
    assert 'href="/escalations"' in page


def test_an_escalation_by_the_scheduler_is_shown_as_the_system(client, login, world,
                                                              routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    login(world.head_a)
    page = client.get(f"/agency/cases/{routed_case.tracking_code}").get_data(as_text=True)
    timeline = page[page.index('data-testid="timeline"'):]
    escalated = timeline[timeline.index('data-action="escalated"'):]
    escalated = escalated[:escalated.index("</li>")]
    assert "— Hệ thống ·" in escalated and "system" not in escalated
    assert "Lý do: Quá hạn" in escalated  # the details in words


def test_the_head_an_escalation_is_addressed_to_can_read_the_case(client, login, world,
                                                                  make_case):
    # Found by a QA pass: the supervisor who must name a lead agency for a case pushed
    # between two departments got "not found" on the case (and on its mass cluster).
    case = make_case(actor=world.reception, kind="denunciation",
                     received_on=date(2026, 10, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    assert db.session.scalar(select(Escalation).where(
        Escalation.reason == "evaded")).to_agency_id == world.province.id
    denouncer = case.petitions[0].signers[0].petitioner.full_name
    login(world.province_head)
    escalations = client.get("/escalations").get_data(as_text=True)
    assert f'href="/agency/cases/{case.tracking_code}"' in escalations
    page = client.get(f"/agency/cases/{case.tracking_code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and case.subject in text
    assert denouncer not in text  # read only, and the denouncer stays secret
    assert f"/agency/cases/{case.tracking_code}/accept" not in text
    assert client.post(f"/agency/cases/{case.tracking_code}/return",
                       data={"confirmed": "1"}).status_code in (403, 404)
    # The department that passed the case on is told only that it left, never the case.
    client.post("/logout")
    login(world.head_b)
    gone = client.get(f"/agency/cases/{case.tracking_code}", follow_redirects=True)
    assert gone.request.path == "/agency/cases" and "đã được chuyển sang cơ quan khác" in gone.text
    assert case.subject not in gone.text and denouncer not in gone.text


# --- an acknowledgement says what was done, and claims no lead designation (QA round 3) --


def _ack_select(html: str, escalation_id: int) -> list[str]:
    select = html[html.index(f'id="ack{escalation_id}-action"'):]
    return re.findall(r'<option[^>]*value="([^"]*)"', select[:select.index("</select>")])


def test_acknowledging_cannot_claim_a_lead_designation(client, login, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    escalation = db.session.scalars(select(Escalation)).one()
    login(world.head_a)
    page = client.get("/escalations").get_data(as_text=True)
    # Nothing chosen for the user, and no "set the lead agency" to claim.
    assert _ack_select(page, escalation.id) == ["", "urge", "reassign", "note"]
    prefix = f"ack{escalation.id}"
    for action in ("set_lead", ""):
        response = client.post(f"/escalations/{escalation.id}/acknowledge",
                               data={f"{prefix}-action": action,
                                     f"{prefix}-note": "Đã chỉ định Sở B chủ trì"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, action
        assert f'data-testid="error-{prefix}-action"' in html
        assert "Đã chỉ định Sở B chủ trì</textarea>" in html  # what was typed is kept
    db.session.expire_all()
    escalation = db.session.get(Escalation, escalation.id)
    assert escalation.acknowledged_at is None and escalation.action_taken is None


def test_an_acknowledged_measure_needs_a_note_saying_what_was_done(client, login, world,
                                                                   routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    escalation = db.session.scalars(select(Escalation)).one()
    login(world.head_a)
    prefix = f"ack{escalation.id}"
    for action in ("urge", "reassign", "note"):
        response = client.post(f"/escalations/{escalation.id}/acknowledge",
                               data={f"{prefix}-action": action, f"{prefix}-note": "  "})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, action
        assert (f'data-testid="error-{prefix}-note">Nêu nội dung đã thực hiện.' in html), action
        assert f'<option selected value="{action}">' in html  # the choice is kept
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).acknowledged_at is None
    ok = client.post(f"/escalations/{escalation.id}/acknowledge",
                     data={f"{prefix}-action": "urge",
                           f"{prefix}-note": "Đã gọi điện đôn đốc chuyên viên ngày 01/12"})
    assert ok.status_code == 302
    db.session.expire_all()
    done = db.session.get(Escalation, escalation.id)
    assert (done.action_taken, done.action_note) == (
        "urge", "Đã gọi điện đôn đốc chuyên viên ngày 01/12")


# --- the designated lead agency keeps the case (QA: return/transfer were offered) ----------


def _designated(world, case):
    """The case bounced A → B → A, then the province names Sở B the lead agency."""
    from complaints.services import escalation_patterns

    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation_patterns.designate_lead(case, "SO-B", world.province_head, NOW, TODAY,
                                       "Sở B chủ trì")
    db.session.commit()
    assert case.lead_agency_id == case.agency_id == world.b.id
    return case


def test_the_lead_agency_is_offered_neither_return_nor_transfer(client, login, api, world,
                                                                routed_case):
    from complaints.permissions import can_act

    case = _designated(world, routed_case)
    code = case.tracking_code
    assert not can_act(world.head_b, case, "return")
    assert not can_act(world.head_b, case, "transfer")
    assert can_act(world.head_b, case, "accept")
    body = api(world.head_b, "GET", f"/cases/{code}").get_json()
    assert "return" not in body["allowed_actions"]
    assert "transfer" not in body["allowed_actions"]
    assert "accept" in body["allowed_actions"]
    login(world.head_b)
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert 'data-action="accept"' in page
    assert 'data-action="return"' not in page and 'data-action="transfer"' not in page
    # A form left open from before the designation says why, and changes nothing.
    for action, words in (("return", "không được trả lại đơn"),
                          ("transfer", "không được chuyển đơn")):
        answer = client.get(f"/agency/cases/{code}/{action}", follow_redirects=True)
        assert answer.status_code == 200
        assert f"Cơ quan chủ trì đã được chỉ định {words}." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).agency_id == world.b.id


def test_a_service_refusal_shows_its_own_reason(client, login, world, routed_case,
                                                monkeypatch):
    """When the service refuses (NotAllowed with a message), the page says the service's
    reason, in the reader's language, rather than a generic refusal."""
    from complaints.web.agency import routes

    case = _designated(world, routed_case)
    code = case.tracking_code
    # As before the fix: the page let the lead agency through to the workflow service.
    monkeypatch.setattr(routes, "can_act", lambda *args: True)
    monkeypatch.setattr(workflow, "can_act", lambda *args: True)
    login(world.head_b)
    data = {"to_agency_code": "SO-A", "reason": "Sai thẩm quyền", "decided_on": "2026-12-01",
            "confirmed": "1"}
    answer = client.post(f"/agency/cases/{code}/transfer", data=data, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Cơ quan chủ trì đã được chỉ định không được chuyển đơn." in page
    assert "Bạn không được thực hiện thao tác này" not in page
    with client.session_transaction() as session:
        session["lang"] = "en"
    answer = client.post(f"/agency/cases/{code}/transfer", data=data, follow_redirects=True)
    assert "A designated lead agency cannot transfer the petition." in answer.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).agency_id == world.b.id


# --- the designated lead agency is told (QA: no notice reached its head) -------------------


def test_the_designated_lead_agency_is_notified(client, login, world, routed_case):
    from complaints.services import escalation_notify, notifications

    case = _designated(world, routed_case)
    code = case.tracking_code
    items = [i for i in notifications.inbox(world.head_b) if i.subject.startswith("[Cơ quan")]
    assert len(items) == 1 and items[0].case_id == case.id
    assert code in items[0].subject and "cơ quan chủ trì" in items[0].body
    english = escalation_notify.localise(items, "en")
    assert english[0].subject == f"[Lead agency] Case {code}"
    assert "lead agency" in english[0].body and code in english[0].body
    # Only the lead agency hears of it, and once.
    assert not [i for i in notifications.inbox(world.head_a)
                if i.subject.startswith("[Cơ quan")]
    login(world.head_b)
    page = client.get("/inbox").get_data(as_text=True)
    assert f"[Cơ quan chủ trì] Hồ sơ {code}" in page


# --- the pending escalations are paged with their total (QA round 36: cut at 200) ---------


def test_pending_escalations_are_paged_with_their_total(app, client, login, world, make_case):
    app.config["PAGE_SIZE"] = 3
    escalations = []
    for _ in range(4):
        case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
        workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=D)
        escalation = Escalation(case_id=case.id, stage="acceptance", started_on=D, level=2,
                                reason="overdue", to_agency_id=world.province.id,
                                agency_id=world.a.id, as_of=date(2026, 11, 2))
        db.session.add(escalation)
        db.session.flush()
        escalations.append(escalation)
    db.session.commit()
    login(world.province_head)

    def cards(html: str) -> list[str]:
        return re.findall(r'data-testid="escalation-(2026-[A-Z0-9]+)-2-overdue"', html)

    first = client.get("/escalations").get_data(as_text=True)
    second = client.get("/escalations?page=2").get_data(as_text=True)
    assert 'data-testid="pending-total">4 ' in first and "page=2" in first
    shown = cards(first) + cards(second)
    assert len(cards(first)) == 3 and len(shown) == 4 and len(set(shown)) == 4
    assert 'data-testid="past-end"' in client.get("/escalations?page=9").get_data(as_text=True)
    # Acknowledged from page 2, the head comes back to page 2.
    oldest = escalations[0]  # newest first: the first one written is on the last page
    assert oldest.case.tracking_code in cards(second)
    assert f'action="/escalations/{oldest.id}/acknowledge?page=2"' in second
    answer = client.post(f"/escalations/{oldest.id}/acknowledge?page=2",
                         data={f"ack{oldest.id}-action": "urge",
                               f"ack{oldest.id}-note": "Đã đôn đốc"})
    assert answer.status_code == 302 and answer.location.endswith("/escalations?page=2")
