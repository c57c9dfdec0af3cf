"""QA round 50: the agency's side as a whole (accept or refuse, assign, extend, suspend and
resume, resolve, return, transfer, lead designation, close, enforcement, the second
complaint that follows), through the agency's pages and the JSON API, in Vietnamese and
English, against domain.md and ux.md. Each test fails on the frozen code because of the
defect its docstring names.

Tests named test_guard_* pass on the frozen code: they guard behaviour this round checked
and found right.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Notification
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import events, fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _text(response) -> str:
    """The page's visible text, one line per element."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ",
                  response.get_data(as_text=True), flags=re.S)
    return "\n".join(line.strip() for line in re.sub(r"<[^>]+>", "\n", html).splitlines()
                     if line.strip())


def _decided_first_round(world, routed):
    """A first-round complaint accepted and decided by SO-TNMT on 25/11/2026, and the
    second complaint the citizen then filed online (routed to UBND-HP, the level above)."""
    first = routed(accept=True)
    workflow.resolve(first, "wrong", "5/QĐ-STNMT", "Khiếu nại không đúng", world["head"], NOW,
                     TODAY, decided_on=date(2026, 11, 25))
    db.session.commit()
    second, _pin = public.open_second_complaint(first, "Không đồng ý với quyết định 5/QĐ",
                                                world["desk"].code, NOW, TODAY)
    db.session.commit()
    return first, second


# --- 1. the second complaint handed down to the agency whose decision it disputes --------


def test_defect_second_complaint_can_be_transferred_to_the_first_resolver_who_upholds_itself(
        world, routed, api):
    """A second complaint (khiếu nại lần hai) must not end up resolved by the agency whose
    first decision it disputes.

    Wrong: UBND-HP, holding the second complaint against SO-TNMT's decision 5/QĐ, transfers
    it (POST /api/v1/cases/<code>/transfer, or the page "Chuyển cơ quan khác") to SO-TNMT
    itself: accepted (200). SO-TNMT's head then accepts it (thụ lý) and resolves it
    "upheld" (Giữ nguyên quyết định lần đầu) — the author of the decision judging the
    complaint against it. workflow.check_transfer only refuses the same agency and a
    reception desk; nothing knows the case is a second round (services/routing.py checks
    the first resolver only in the desk's suggestion, and even there a reason overrides it).
    domain.md, Kinds of petition: a second complaint goes "to the next level up, after a
    first decision" (Law on Complaints Art. 7(1), 33; Art. 18–21 name the resolver of the
    second round as the head of the level above the first resolver).
    Right: a transfer of a second-round complaint to the agency that resolved its first
    round is refused with a message beside to_agency_code (and that agency's head may not
    accept it: the same check at accept, for a case routed there anyway).
    """
    first, second = _decided_first_round(world, routed)
    assert fresh(second).agency.code == "UBND-HP"
    moved = api(world["province_head"], "POST", f"/cases/{second.tracking_code}/transfer",
                json={"to_agency_code": "SO-TNMT", "reason": "Giao Sở Tài nguyên giải quyết"})
    if moved.status_code == 200:  # let through: then at least its own head may not accept
        accepted = api(world["head"], "POST", f"/cases/{second.tracking_code}/accept", json={})
        assert accepted.status_code in (403, 409, 422), (
            "the agency whose first decision is disputed accepted the second complaint")
    else:
        assert moved.status_code == 422, moved.get_json()
        assert "to_agency_code" in moved.get_json()["errors"]
    case = fresh(second)
    assert not (case.agency.code == "SO-TNMT" and case.status == "accepted")


# --- 2. the second-round resolver cannot read the first round it reviews -----------------


def test_defect_second_round_resolver_cannot_open_the_first_round_case(
        client, login, world, routed, api):
    """The head of the agency resolving a second complaint can open the first-round case it
    reviews (read only).

    Wrong: UBND-HP's head opens the second complaint; its summary shows "Hồ sơ trước
    2026-…" (the first-round case), but /agency/cases/<first code> answers 404 and
    GET /api/v1/cases/<first code> answers 404 "Không tìm thấy hồ sơ.": can_view lets an
    agency see only what it holds (or what an escalation addresses to it). The first
    decision (number, date, outcome, summary, figures), the first round's petitions,
    files and timeline — what the second round exists to review — are out of its reach,
    and the code on the page leads nowhere. permissions.can_see_link itself says "the
    agency resolving a second complaint must see the first-round case it reviews"; Law
    on Complaints Art. 37–39: the second-round resolver examines the first decision and
    its file. ux.md: the case page shows the actions and links the reader can use.
    Right: can_view (and the API's visibility) lets the head (and the assigned officer)
    of the agency holding a second-round complaint read its first-round case, read only
    (no actions), as the escalation addressee reads a case.
    """
    first, second = _decided_first_round(world, routed)
    login(world["province_head"])
    page = client.get(f"/agency/cases/{second.tracking_code}")
    assert page.status_code == 200
    assert first.tracking_code in _text(page)  # "Hồ sơ trước": the link is shown
    opened = client.get(f"/agency/cases/{first.tracking_code}")
    assert opened.status_code == 200, "the first-round case is not found for its reviewer"
    assert "5/QĐ-STNMT" in _text(opened)
    answer = api(world["province_head"], "GET", f"/cases/{first.tracking_code}")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["allowed_actions"] == []


# --- 3. a decision dated while the case was suspended ------------------------------------


def test_defect_resolution_dated_inside_a_suspension_is_recorded(world, routed, api):
    """A resolution (or an extension) cannot be dated while the case stood suspended.

    Wrong: accepted 23/11, suspended on 24/11, resumed on 27/11; POST .../resolve with
    decided_on 2026-11-25 is recorded (200, resolved, "on time"). The trail then reads
    suspended 24/11 → resolved 25/11 → resumed 27/11: a decision signed while the
    resolution was suspended, which the state machine forbids (resolve only from
    accepted), and resolved_on_time is measured against a due date already moved by the
    whole suspension. The same for an extension dated 25/11 (decisions.AFTER_ACCEPTANCE
    checks only the acceptance date; the "not before the last resumption" rule exists for
    a second suspension only). domain.md: "Suspension stops the clock; on resumption the
    remaining time runs again" — nothing is decided in between; domain/decisions.py: a
    decision cannot predate "the step it follows".
    Right: resolve, extend, return and transfer of a resumed case refuse a decided_on
    before the last resumption of this acceptance, with a message beside decided_on
    (422), as suspend already does.
    """
    case = routed(accept=True)
    workflow.suspend(case, "Chờ kết quả giám định", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 24))
    workflow.resume(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 27))
    db.session.commit()
    answer = api(world["head"], "POST", f"/cases/{case.tracking_code}/resolve",
                 json={"outcome": "right", "decision_number": "12/QĐ", "summary": "Đúng",
                       "decided_on": "2026-11-25"})
    assert answer.status_code == 422, (answer.status_code, answer.get_json().get("status"))
    assert "decided_on" in answer.get_json()["errors"]
    assert fresh(case).status == "accepted"


# --- 4. the citizen is never told the suspension ended -----------------------------------


def test_defect_citizen_not_emailed_when_a_suspended_case_resumes(world, make_case):
    """The citizen who gave an e-mail is told when the resolution of their suspended case
    resumes, as they were told it was suspended.

    Wrong: notifications.queue_status_change keys each e-mail "status:<case>:<status>:
    <person>" and inserts it only once: the acceptance sent "Thụ lý — cơ quan đã nhận
    giải quyết", the suspension "Tạm đình chỉ giải quyết", and the resumption (back to
    accepted) sends nothing — its key exists already. The citizen's last word is that the
    case is suspended, for good (a second suspension is silent too). ux.md, citizens'
    pages: "the next step always stated"; the public page's own text for a suspended
    case promises the time runs again "từ ngày có quyết định tiếp tục giải quyết".
    Right: a status change the citizen was not told last is e-mailed (dedupe on the event,
    e.g. the audit seq, or on status and date), so the resumption queues one e-mail.
    """
    case = make_case(world["reception"], received_on=date(2026, 11, 2))
    case.petitions[0].signers[0].petitioner.email = "cong.dan@example.org"
    workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY,
                   decided_on=date(2026, 11, 20))
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.suspend(case, "Chờ kết quả giám định", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 24))
    db.session.commit()

    def mails() -> list[str]:
        return list(db.session.scalars(select(Notification.body).where(
            Notification.case_id == case.id, Notification.channel == "email")
            .order_by(Notification.id)))

    before = len(mails())
    workflow.resume(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 27))
    db.session.commit()
    after = mails()
    assert len(after) == before + 1, "no e-mail tells the citizen the case resumed"
    assert "Thụ lý" in after[-1] or "tiếp tục" in after[-1].lower()


# --- 5. the first resolver never learns its decision is under a second complaint ---------


def test_defect_first_round_page_silent_about_second_complaint_and_annulment(
        client, login, world, routed, api):
    """The first-round case's page tells the agency that decided it that a second complaint
    was filed against the decision, and what the second round decided.

    Wrong: SO-TNMT decided 5/QĐ (ordering 10 million VND returned); the citizen complained
    a second time; UBND-HP accepted and annulled 5/QĐ (9/QĐ-UBND). SO-TNMT's page of the
    first case still reads "Kết quả: Khiếu nại sai — Số 5/QĐ", its timeline ends at the
    resolution, nothing names the second complaint, and the enforcement block (thi hành)
    simply vanishes (enforcement.annulled hides it; the API's `enforcement` turns null)
    with no word why; "Kết thúc hồ sơ" is offered as if the decision stood. The second
    case shows "Hồ sơ trước", but no page or answer shows the link the other way (nor
    does the first case's trail record the second complaint). domain.md: a second
    complaint follows the first decision at the next level up; ux.md, the case page:
    "a summary line (… status, agency, flags)" and "the timeline of every event"; the
    agency must know its decision is disputed (it sends its file to the second round)
    and annulled (it must not enforce it).
    Right: the first-round case's page (and API answer) names its second complaint
    ("Khiếu nại lần hai: <code>", for readers allowed by can_see_link) and, once decided,
    its outcome (upheld / annulled, decision number); the enforcement block says the
    decision was annulled in the second round.
    """
    first = routed(accept=True)
    workflow.resolve(first, "wrong", "5/QĐ-STNMT", "Khiếu nại không đúng", world["head"], NOW,
                     TODAY, decided_on=date(2026, 11, 25), figures={"money_to_return": "10"})
    db.session.commit()
    second, _pin = public.open_second_complaint(first, "Không đồng ý", world["desk"].code,
                                                NOW, TODAY)
    workflow.accept(second, world["province_head"], NOW, TODAY)
    workflow.resolve(second, "annulled", "9/QĐ-UBND", "Hủy quyết định 5/QĐ-STNMT",
                     world["province_head"], NOW, TODAY)
    db.session.commit()
    login(world["head"])
    page = client.get(f"/agency/cases/{first.tracking_code}")
    assert page.status_code == 200
    text = _text(page)
    assert second.tracking_code in text, "the first-round case never names its second complaint"
    assert "9/QĐ-UBND" in text or "Hủy, sửa quyết định lần đầu" in text, (
        "the annulment of the decision is not shown to the agency that made it")
    answer = api(world["head"], "GET", f"/cases/{first.tracking_code}").get_json()
    assert second.tracking_code in str(answer)


# --- guards -------------------------------------------------------------------------------


def test_guard_denunciation_identity_follows_the_assignment_in_the_api(world, routed, api):
    """Guard: through the API, the agency officer not assigned to a denunciation reads it
    masked (identity, content) and records no identity view; the officer assigned reads it
    and the view is audited (domain.md, Confidentiality of denouncers)."""
    case = routed(kind="denunciation", accept=True)
    workflow.assign(case, world["officer"].username, world["head"], NOW)
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name
    other = api(world["officer2"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert other["identity_masked"] is True and name not in str(other)
    assert other["allowed_actions"] == []
    assert "identity_viewed" not in events(case)
    mine = api(world["officer"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert mine["identity_masked"] is False and name in str(mine)
    assert events(case)[-1] == "identity_viewed"


def test_guard_suspension_moves_a_working_day_deadline_by_the_time_stopped(world, routed):
    """Guard: a recommendation (15 working days from 23/11/2026, 24/11 a holiday: due
    15/12) suspended 25/11 and resumed 30/11 has its remaining time run from 30/11 (due
    18/12), and a later extension keeps that shift (domain.md: suspension stops the clock;
    every step writes its audit event)."""
    case = routed(kind="recommendation", accept=True)
    assert case.deadline("resolution").due_on == date(2026, 12, 15)
    workflow.suspend(case, "Chờ xác minh", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 25))
    workflow.resume(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    assert fresh(case).deadline("resolution").due_on == date(2026, 12, 18)
    workflow.extend(case, 5, "Cần xác minh thêm", world["head"], NOW, TODAY,
                    decided_on=date(2026, 12, 1))
    db.session.commit()
    assert fresh(case).deadline("resolution").due_on == date(2026, 12, 25)
    assert events(case)[-3:] == ["suspended", "resumed", "extended"]
