"""The agency head's decisions: their dates, outcome figures, confirmations, extensions,
stale tabs and the messages that follow (defects found by a QA pass)."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    other = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    return {
        "desk": desk, "so": so, "other": other,
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "other_head": make_user("agency_head", agency=other, username="giamdocxd"),
    }


@pytest.fixture
def routed(world, make_case):
    """A maker of cases received on 20/11 and routed to the Sở on `on` (29/11 unless told)."""

    def make(kind: str = "complaint", on: date = date(2026, 11, 29), **kwargs) -> Case:
        kwargs.setdefault("received_on", date(2026, 11, 20))
        case = make_case(actor=world["reception"], kind=kind, **kwargs)
        workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY, decided_on=on)
        db.session.commit()
        return case

    return make


def _fresh(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _events(case: Case) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}").order_by(AuditEvent.seq)))


# --- 2. A decision cannot predate the case's arrival, nor the step it follows -----------


def test_acceptance_dated_before_the_routing_is_refused_next_to_its_field(client, login, world,
                                                                           routed):
    case = routed()  # received 20/11, routed 29/11
    login(world["head"])
    r = client.post(f"/agency/cases/{case.tracking_code}/accept",
                    data={"decided_on": "2026-11-21"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'data-testid="error-decided_on"' in body
    assert "trước ngày hồ sơ được chuyển đến cơ quan (29/11/2026)" in body
    assert _fresh(case).status == "routed" and _fresh(case).accepted_on is None
    r = client.post(f"/agency/cases/{case.tracking_code}/accept",
                    data={"decided_on": "2026-11-30"})
    assert r.status_code == 302
    case = _fresh(case)
    assert case.accepted_on == date(2026, 11, 30)
    assert case.deadline("resolution").start_on == date(2026, 11, 30)


@pytest.mark.parametrize("action", ["accept", "refuse", "return", "transfer", "withdraw"])
def test_no_decision_of_the_agency_predates_the_routing(world, routed, action):
    case = routed()
    head, early = world["head"], date(2026, 11, 25)
    calls = {
        "accept": lambda: workflow.accept(case, head, NOW, TODAY, decided_on=early),
        "refuse": lambda: workflow.refuse(case, "Điều 11", head, NOW, TODAY, decided_on=early),
        "return": lambda: workflow.return_case(case, "Sai thẩm quyền", "SO-XD", head, NOW,
                                               TODAY, decided_on=early),
        "transfer": lambda: workflow.transfer(case, "SO-XD", "Sai thẩm quyền", head, NOW,
                                              TODAY, decided_on=early),
        "withdraw": lambda: workflow.withdraw(case, "Rút đơn", head, NOW, TODAY,
                                              decided_on=early),
    }
    with pytest.raises(ValidationFailed) as refused:
        calls[action]()
    assert "29/11/2026" in refused.value.errors["decided_on"]
    db.session.rollback()
    assert _fresh(case).status == "routed"


def test_arrival_is_the_transfer_into_this_agency(world, routed):
    case = routed(on=date(2026, 11, 23))
    workflow.transfer(case, "SO-XD", "Sai thẩm quyền", world["head"], NOW, TODAY,
                      decided_on=date(2026, 11, 26))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:  # arrived at SO-XD on 26/11
        workflow.accept(case, world["other_head"], NOW, TODAY, decided_on=date(2026, 11, 24))
    assert "26/11/2026" in refused.value.errors["decided_on"]
    db.session.rollback()
    workflow.accept(_fresh(case), world["other_head"], NOW, TODAY,
                    decided_on=date(2026, 11, 26))


def test_steps_after_acceptance_and_suspension_keep_their_order(world, routed):
    case = routed(kind="recommendation", on=date(2026, 11, 23))
    head = world["head"]
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 25))
    db.session.commit()
    for call in (
        lambda: workflow.suspend(case, "Chờ giám định", head, NOW, TODAY,
                                 decided_on=date(2026, 11, 24)),
        lambda: workflow.extend(case, 5, "Xác minh", head, NOW, TODAY,
                                decided_on=date(2026, 11, 24)),
        lambda: workflow.resolve(case, "answered", "1/TB", "Đã trả lời", head, NOW, TODAY,
                                 decided_on=date(2026, 11, 24)),
        lambda: workflow.transfer(case, "SO-XD", "Sai thẩm quyền", head, NOW, TODAY,
                                  decided_on=date(2026, 11, 24)),
    ):
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert "thụ lý (25/11/2026)" in refused.value.errors["decided_on"]
        db.session.rollback()
    case = _fresh(case)
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 11, 27))
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 11, 26))
    assert "tạm đình chỉ (27/11/2026)" in refused.value.errors["decided_on"]


def test_a_second_suspension_cannot_overlap_the_first(world, routed):
    # Each period shifts the deadline by its own days: overlapping ones would count twice.
    case = routed(kind="recommendation", on=date(2026, 11, 23))
    head = world["head"]
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 11, 24))
    workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 11, 27))
    db.session.commit()
    due = _fresh(case).deadline("resolution").due_on
    with pytest.raises(ValidationFailed) as refused:
        workflow.suspend(_fresh(case), "Chờ kết quả", head, NOW, TODAY,
                         decided_on=date(2026, 11, 26))
    assert "lần trước (27/11/2026)" in refused.value.errors["decided_on"]
    db.session.rollback()
    case = _fresh(case)
    assert case.status == "accepted" and case.deadline("resolution").due_on == due
    workflow.suspend(case, "Chờ kết quả", head, NOW, TODAY, decided_on=date(2026, 11, 27))
    db.session.commit()
    assert _fresh(case).status == "suspended"


# --- 3. Outcome figures: finite, not negative, bounded ---------------------------------


@pytest.fixture
def accepted(world, routed):
    case = routed(kind="recommendation", on=date(2026, 11, 23))
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.commit()
    return case


RESOLVE = {"outcome": "answered", "decision_number": "12/VB-STNMT", "decided_on": "2026-12-01",
           "summary": "Đã trả lời kiến nghị"}


@pytest.mark.parametrize("value", ["1e400", "99999999999999999999999999", "inf", "NaN", "-1"])
def test_resolve_form_refuses_unbounded_amounts(client, login, world, accepted, value):
    login(world["head"])
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve",
                    data={**RESOLVE, "money_to_recover": value})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'data-testid="error-money_to_recover"' in body
    assert "Nhập một số từ 0 đến 10.000.000.000.000." in body
    case = _fresh(accepted)
    assert case.status == "accepted" and case.money_to_recover is None


@pytest.mark.parametrize(("name", "value"), [
    ("money_to_recover", Decimal("1e400")), ("land_to_return", float("inf")),
    ("money_to_return", Decimal("NaN")), ("land_to_recover", Decimal("-0.5")),
    ("people_restored", 10**12), ("people_disciplined", -1), ("orgs_restored", True),
])
def test_resolve_service_refuses_bad_figures(world, accepted, name, value):
    with pytest.raises(ValidationFailed) as refused:
        workflow.resolve(accepted, "answered", "12/VB", "Đã trả lời", world["head"], NOW,
                         TODAY, decided_on=TODAY, figures={name: value})
    assert name in refused.value.errors
    db.session.rollback()
    assert _fresh(accepted).status == "accepted"


def test_resolve_service_keeps_exact_bounded_figures(world, accepted):
    workflow.resolve(accepted, "answered", "12/VB", "Đã trả lời", world["head"], NOW, TODAY,
                     decided_on=TODAY, figures={"money_to_recover": Decimal("10000000000000"),
                                                "people_restored": 3,
                                                "sent_to_investigation": False})
    db.session.commit()
    case = _fresh(accepted)
    assert case.money_to_recover == Decimal("10000000000000.00")
    assert case.people_restored == 3


def test_api_refuses_an_infinite_amount(api, world, accepted):
    r = api(world["head"], "POST", f"/cases/{accepted.tracking_code}/resolve",
            json={**RESOLVE, "money_to_recover": "1e400"})
    assert r.status_code == 422 and "money_to_recover" in r.get_json()["errors"]
    assert _fresh(accepted).status == "accepted"


@pytest.mark.parametrize("value", [1e300, "1e300", 10**14, "99999999999999999999999999", -1,
                                   "-0.5"])
def test_api_refuses_an_amount_out_of_range_with_the_pages_message(api, world, accepted,
                                                                   value):
    """QA: 1e300 answered "Phải là số." (two decimals could not be put on it), where the
    page says the range."""
    r = api(world["head"], "POST", f"/cases/{accepted.tracking_code}/resolve",
            json={**RESOLVE, "money_to_return": value})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {
        "money_to_return": "Nhập một số từ 0 đến 10.000.000.000.000."}
    assert _fresh(accepted).status == "accepted"
    english = api(world["head"], "POST", f"/cases/{accepted.tracking_code}/resolve",
                  json={**RESOLVE, "money_to_return": value}, headers={"Accept-Language": "en"})
    assert english.get_json()["errors"]["money_to_return"].startswith("Enter a number from 0")


def test_api_names_every_figure_out_of_range_at_once(api, world, accepted):
    # Found by QA (round 6): a negative count answered alone, the amount's error dropped.
    r = api(world["head"], "POST", f"/cases/{accepted.tracking_code}/resolve",
            json={**RESOLVE, "money_to_recover": -1, "people_restored": -1})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {
        "money_to_recover": "Nhập một số từ 0 đến 10.000.000.000.000.",
        "people_restored": "Nhập một số nguyên từ 0 đến 1.000.000.000."}
    assert _fresh(accepted).status == "accepted"


# --- 4. Not accepting is confirmed in a second step ------------------------------------


def test_refusal_asks_for_confirmation_and_back_keeps_what_was_typed(client, login, world,
                                                                     routed):
    case = routed()
    code = case.tracking_code
    login(world["head"])
    form = client.get(f"/agency/cases/{code}/refuse").get_data(as_text=True)
    assert ">Tiếp tục</button>" in form
    assert "Luật Khiếu nại 2011, Điều 11" in form and 'value="c_second_decided"' in form
    data = {"reason": "Đã có quyết định giải quyết lần hai (Điều 11)",
            "decided_on": "2026-11-30", "ground": "c_second_decided"}
    r = client.post(f"/agency/cases/{code}/refuse", data=data)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in body
    assert "không được thụ lý" in body and data["reason"] in body
    assert 'name="edit"' in body and "Quay lại" in body
    assert _fresh(case).status == "routed"
    # "Quay lại": the form again, with what was typed, nothing decided.
    r = client.post(f"/agency/cases/{code}/refuse", data={**data, "confirmed": "1",
                                                          "edit": "1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' not in body
    assert f"{data['reason']}</textarea>" in body and 'value="2026-11-30"' in body
    assert _fresh(case).status == "routed" and "refused" not in _events(case)
    r = client.post(f"/agency/cases/{code}/refuse", data={**data, "confirmed": "1"})
    assert r.status_code == 302
    assert _fresh(case).status == "not_accepted"


def test_back_from_a_return_confirmation_keeps_the_agency_chosen(client, login, world, routed):
    case = routed()
    login(world["head"])
    data = {"reason": "Thuộc thẩm quyền Sở Xây dựng", "suggested_agency_code": "SO-XD",
            "decided_on": "2026-11-30", "confirmed": "1", "edit": "1"}
    body = client.post(f"/agency/cases/{case.tracking_code}/return",
                       data=data).get_data(as_text=True)
    assert 'value="SO-XD" selected' in body or 'selected value="SO-XD"' in body
    assert _fresh(case).status == "routed"


@pytest.mark.parametrize("action", ["return", "transfer"])
def test_return_and_transfer_are_checked_whole_before_their_confirmation(world, routed,
                                                                       make_agency, action):
    """The page asks `check_return` / `check_transfer` before confirming: every refusal the
    action would make once confirmed, and nothing is written by asking."""
    case = routed()
    check = {"return": lambda code, reason, on=date(2026, 11, 30): workflow.check_return(
                 case, reason, code, world["head"], TODAY, decided_on=on),
             "transfer": lambda code, reason, on=date(2026, 11, 30): workflow.check_transfer(
                 case, code, reason, world["head"], TODAY, decided_on=on)}[action]
    field = "suggested_agency_code" if action == "return" else "to_agency_code"
    gone = make_agency(code="SO-CU", name="Sở đã giải thể")
    gone.active, world["desk"].is_reception_desk = False, True
    for code, reason, on, key in [("SO-TNMT", "Lý do", date(2026, 11, 30), field),
                                  ("SO-CU", "Lý do", date(2026, 11, 30), field),
                                  ("BTCD", "Lý do", date(2026, 11, 30), field),
                                  ("SO-XD", " ", date(2026, 11, 30), "reason"),
                                  ("SO-XD", "Lý do", date(2026, 11, 28), "decided_on")]:
        with pytest.raises(ValidationFailed) as refused:
            check(code, reason, on)
        assert key in refused.value.errors, (code, reason, on)
    reason, agency, status, on = check("SO-XD", "  Thuộc Sở Xây dựng ")
    assert (reason, agency.code, on) == ("Thuộc Sở Xây dựng", "SO-XD", date(2026, 11, 30))
    assert status == ("returned" if action == "return" else "routed")
    case.lead_agency_id = case.agency_id  # designated lead: may not push it on
    with pytest.raises(NotAllowed):
        check("SO-XD", "Lý do")
    db.session.rollback()
    case = _fresh(case)
    assert case.status == "routed" and case.agency.code == "SO-TNMT"
    assert _events(case)[-1] == "routed"


# --- 5. Extensions ---------------------------------------------------------------------


def test_complaint_extension_is_not_offered_even_by_url(client, login, world, routed):
    case = routed()
    client_code = case.tracking_code
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    login(world["head"])
    page = client.get(f"/agency/cases/{client_code}").get_data(as_text=True)
    assert f"/agency/cases/{client_code}/extend" not in page
    for r in (client.get(f"/agency/cases/{client_code}/extend", follow_redirects=True),
              client.post(f"/agency/cases/{client_code}/extend", follow_redirects=True,
                          data={"days": "5", "reason": "X", "decided_on": "2026-12-01"})):
        body = r.get_data(as_text=True)
        assert r.request.path == f"/agency/cases/{client_code}"
        assert "không thể gia hạn thêm" in body and "tối đa 0 lần" not in body
    assert _fresh(case).extension_count == 0 and "extended" not in _events(case)


def test_extension_is_decided_before_the_deadline_ends(client, login, world, routed):
    case = routed(kind="recommendation", on=date(2026, 11, 2), received_on=date(2026, 11, 2))
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    due = _fresh(case).deadline("resolution").due_on
    assert due < TODAY  # 15 working days from 03/11 end before 01/12
    login(world["head"])
    code = case.tracking_code
    r = client.post(f"/agency/cases/{code}/extend",
                    data={"days": "5", "reason": "Xác minh thêm", "decided_on": "2026-12-01"})
    assert r.status_code == 422
    assert f"Thời hạn giải quyết đã hết ngày {due:%d/%m/%Y}" in r.get_data(as_text=True)
    assert _fresh(case).extension_count == 0
    # Signed on the due date itself, recorded later: still in time.
    r = client.post(f"/agency/cases/{code}/extend",
                    data={"days": "5", "reason": "Xác minh thêm", "decided_on": due.isoformat(),
                          "confirmed": "1"})
    assert r.status_code == 302
    assert _fresh(case).extension_count == 1


def test_the_agency_that_accepts_a_transferred_case_may_extend_it(api, world, routed):
    # Found by a QA pass: the first agency's extension was still counted after the
    # transfer, so the agency that accepted the case could never extend its own deadline.
    case = routed(kind="recommendation", on=date(2026, 10, 2), received_on=date(2026, 10, 1))
    head, other = world["head"], world["other_head"]
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.extend(case, 5, "x", head, NOW, TODAY, decided_on=date(2026, 10, 6))
    workflow.transfer(case, "SO-XD", "x", head, NOW, TODAY, decided_on=date(2026, 10, 7))
    workflow.accept(case, other, NOW, TODAY, decided_on=date(2026, 10, 8))
    db.session.commit()
    # The page and the API offer it, and the decision is taken: once per resolution deadline.
    code = case.tracking_code
    assert "extend" in api(other, "GET", f"/cases/{code}").get_json()["allowed_actions"]
    workflow.extend(_fresh(case), 10, "x", other, NOW, TODAY, decided_on=date(2026, 10, 9))
    db.session.commit()
    case = _fresh(case)
    assert case.extension_count == 1 and case.deadline("resolution").extended_days == 10
    assert "extend" not in api(other, "GET", f"/cases/{code}").get_json()["allowed_actions"]
    with pytest.raises(ValidationFailed):
        workflow.extend(case, 1, "x", other, NOW, TODAY, decided_on=date(2026, 10, 12))


def test_extension_days_show_one_message(client, login, world, accepted):
    login(world["head"])
    r = client.post(f"/agency/cases/{accepted.tracking_code}/extend",
                    data={"days": "abc", "reason": "Xác minh", "decided_on": "2026-12-01"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Nhập một số nguyên." in body
    assert "Số ngày phải lớn hơn 0" not in body and "; " not in body.split(
        'data-testid="error-days"')[1].split("</div>")[0]


# --- 6. A stale confirmation on a case that has left the agency -------------------------


def test_stale_tab_is_told_the_case_has_left(client, login, world, routed):
    case = routed()
    code = case.tracking_code
    login(world["head"])
    back = {"reason": "Thuộc thẩm quyền Sở Xây dựng", "suggested_agency_code": "SO-XD",
            "decided_on": "2026-11-30", "confirmed": "1"}
    assert client.post(f"/agency/cases/{code}/return", data=back).status_code == 302
    # Reception sends it on to the other department meanwhile.
    workflow.route(_fresh(case), "SO-XD", world["reception"], NOW, TODAY,
                   decided_on=date(2026, 12, 1))
    db.session.commit()
    # Tab 2 still shows the transfer confirmation.
    r = client.post(f"/agency/cases/{code}/transfer", follow_redirects=True, data={
        "to_agency_code": "SO-XD", "reason": "Sai thẩm quyền", "decided_on": "2026-11-30",
        "confirmed": "1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and r.request.path == "/agency/cases"
    assert f"Hồ sơ {code} đã được trả lại bộ phận tiếp nhận ngày 30/11/2026" in body
    assert "Thao tác không được thực hiện" in body
    # Nothing of where it is now: the holder's name appears only as the choice of the form
    # the user filled in, never in the message.
    message = body.split(f"Hồ sơ {code}")[1].split("</div>")[0]
    assert "Sở Xây dựng" not in message and "SO-XD" not in message
    case = _fresh(case)
    assert case.agency.code == "SO-XD" and case.status == "routed"
    assert [m.action for m in case.routings] == ["route", "return", "route"]
    # The case page itself, from an old link, says the same (it was a bare 404).
    page = client.get(f"/agency/cases/{code}", follow_redirects=True)
    assert page.request.path == "/agency/cases"
    assert f"Hồ sơ {code} đã được trả lại bộ phận tiếp nhận ngày 30/11/2026" in page.text
    assert "Thao tác không được thực hiện" not in page.text


def test_a_case_never_held_is_still_not_found(client, login, world, routed):
    case = routed()
    login(world["other_head"])
    assert client.post(f"/agency/cases/{case.tracking_code}/transfer",
                       data={"confirmed": "1"}).status_code == 404
    assert client.get(f"/agency/cases/{case.tracking_code}").status_code == 404


# --- 7. Success messages read naturally -------------------------------------------------


def test_success_messages_name_what_was_done(client, login, world, routed):
    case = routed(kind="recommendation", on=date(2026, 11, 23))
    code = case.tracking_code
    login(world["head"])
    r = client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-11-23"},
                    follow_redirects=True)
    assert "Đã thụ lý hồ sơ." in r.get_data(as_text=True)
    r = client.post(f"/agency/cases/{code}/resolve", data={**RESOLVE, "confirmed": "1"},
                    follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "Đã ghi nhận kết quả giải quyết." in body and "Đã ghi nhận:" not in body


def test_an_extension_after_a_suspension_keeps_the_suspended_time(world, routed):
    # Found by a QA pass: the extension recomputed from the acceptance and lost the ten days
    # of suspension, moving the due date from 15/10 to 12/10 instead of 22/10.
    case = routed(kind="recommendation", on=date(2026, 9, 3), received_on=date(2026, 9, 1))
    head = world["head"]
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 9, 14))
    assert case.deadline("resolution").due_on == date(2026, 10, 5)
    workflow.suspend(case, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 9, 15))
    workflow.resume(case, head, NOW, TODAY, decided_on=date(2026, 9, 25))
    db.session.commit()
    assert _fresh(case).deadline("resolution").due_on == date(2026, 10, 15)
    workflow.extend(_fresh(case), 5, "Cần xác minh", head, NOW, TODAY,
                    decided_on=date(2026, 10, 1))
    db.session.commit()
    row = _fresh(case).deadline("resolution")
    assert row.due_on == date(2026, 10, 22)  # 15/10 + 5 working days
    # The explanation ends on the date the case is due, never on a stale one.
    assert row.rule.endswith("tạm đình chỉ 15/09/2026–25/09/2026 → hạn mới 22/10/2026")
    extended = [e for e in _events(case) if e == "extended"]
    assert extended == ["extended"]


def test_a_suspended_case_is_neither_overdue_nor_counting_down(client, login, api, world,
                                                                routed):
    # Found by a QA pass: a case suspended before its due date was counted and listed as
    # overdue (home tile, ?overdue=1, the API's overdue filter, days_left -65).
    from complaints.services import case_view, queries

    stopped = routed(kind="recommendation", on=date(2026, 9, 3), received_on=date(2026, 9, 1))
    late = routed(kind="recommendation", on=date(2026, 9, 3), received_on=date(2026, 9, 1))
    head = world["head"]
    for case in (stopped, late):
        workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 9, 14))  # due 05/10
    workflow.suspend(stopped, "Chờ giám định", head, NOW, TODAY, decided_on=date(2026, 9, 15))
    db.session.commit()
    assert case_view.agency_counts(head, TODAY)["overdue"] == 1
    assert queries.overdue_count(head, TODAY) == 1
    login(head)
    listed = client.get("/agency/cases?overdue=1").get_data(as_text=True)
    assert late.tracking_code in listed and stopped.tracking_code not in listed
    client_codes = {c["tracking_code"] for c in api(head, "GET", "/cases?overdue=true")
                    .get_json()["items"]}
    assert client_codes == {late.tracking_code}
    answer = api(head, "GET", f"/cases/{stopped.tracking_code}").get_json()
    resolution = next(d for d in answer["deadlines"] if d["stage"] == "resolution")
    assert resolution["days_left"] is None
    answer = api(head, "GET", f"/cases/{late.tracking_code}").get_json()
    resolution = next(d for d in answer["deadlines"] if d["stage"] == "resolution")
    assert resolution["days_left"] < 0


def test_the_api_offers_no_extension_the_policy_refuses(api, world, routed):
    # Found by a QA pass: allowed_actions listed "extend" for a complaint, which then
    # failed; and its English message named the law in Vietnamese.
    case = routed(kind="complaint")
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    body = api(world["head"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert "extend" not in body["allowed_actions"] and "resolve" in body["allowed_actions"]
    answer = api(world["head"], "POST", f"/cases/{case.tracking_code}/extend",
                 json={"days": 5, "reason": "Xác minh"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Luật" not in text and "Law" in text
    recommendation = routed(kind="recommendation")
    workflow.accept(recommendation, world["head"], NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    body = api(world["head"], "GET", f"/cases/{recommendation.tracking_code}").get_json()
    assert "extend" in body["allowed_actions"]


def test_the_page_and_the_api_take_texts_of_the_same_length(api, world, routed):
    # Found by a QA pass: a 3,000-character reason the page took was refused by the API,
    # and the API took summaries twelve times longer than the page.
    from complaints.domain.limits import REASON_MAX, SUMMARY_MAX
    from complaints.web.agency.forms import ExtendForm, ResolveForm

    assert [v.max for v in ExtendForm.reason.kwargs["validators"] if hasattr(v, "max")] == [
        REASON_MAX]
    assert [v.max for v in ResolveForm.summary.kwargs["validators"] if hasattr(v, "max")] == [
        SUMMARY_MAX]
    case = routed(kind="recommendation")
    code = case.tracking_code
    assert api(world["head"], "POST", f"/cases/{code}/accept", json={}).status_code == 200
    answer = api(world["head"], "POST", f"/cases/{code}/extend",
                 json={"days": 5, "reason": "x" * REASON_MAX})
    assert answer.status_code == 200, answer.get_json()
    answer = api(world["head"], "POST", f"/cases/{code}/resolve", json={
        "outcome": "answered", "decision_number": "1/TB", "summary": "x" * (SUMMARY_MAX + 1)})
    assert answer.status_code == 422 and "summary" in answer.get_json()["errors"]


def test_the_resolve_form_ticks_the_investigation_box_the_count_implies(client, login, world,
                                                                         accepted):
    # Found by a QA pass: the page refused what the API accepted (an unticked box is no
    # "no"); and an extension hint under the complexity choice said none was possible.
    login(world["head"])
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve", data={
        "outcome": "answered", "decision_number": "5/TB", "decided_on": "2026-11-30",
        "summary": "Đã trả lời", "people_sent_to_investigation": "3", "confirmed": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    case = _fresh(accepted)
    assert case.sent_to_investigation is True and case.people_sent_to_investigation == 3


def test_a_denunciation_is_declared_complex_and_extended_through_the_api(api, world, routed):
    case = routed(kind="denunciation")
    head = world["head"]
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    code = case.tracking_code
    answer = api(head, "POST", f"/cases/{code}/extend", json={"days": 30, "reason": "Phức tạp"})
    assert answer.status_code == 422 and "complexity" in answer.get_json()["errors"]
    answer = api(head, "POST", f"/cases/{code}/extend",
                 json={"days": 30, "reason": "Phức tạp", "complexity": "complex"})
    assert answer.status_code == 200, answer.get_json()
    assert _fresh(case).extension_count == 1
    assert "complexity_declared" in _events(case)
    recommendation = routed(kind="recommendation")
    workflow.accept(recommendation, head, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    answer = api(head, "POST", f"/cases/{recommendation.tracking_code}/extend",
                 json={"days": 5, "reason": "Xác minh", "complexity": "complex"})
    assert answer.status_code == 422 and "complexity" in answer.get_json()["errors"]


@pytest.mark.parametrize(("lang", "typed", "stored"), [
    ("vi", "12,5", Decimal("12.50")),  # a Vietnamese decimal comma
    ("vi", "1.500.000", Decimal("1500000.00")),  # dots grouping thousands
    ("vi", "1.500.000,75", Decimal("1500000.75")),
    ("vi", "12.5", Decimal("12.50")),  # not a grouping: the plain reading
    ("vi", "1500000.00", Decimal("1500000.00")),  # what the field shows back
    ("en", "1,500,000", Decimal("1500000.00")),
    ("en", "12.5", Decimal("12.50")),
])
def test_amounts_are_read_as_the_pages_language_writes_them(client, login, world, accepted,
                                                           lang, typed, stored):
    # Found by QA: "12,5" (12.5 million đồng) was refused with "Nhập một số."
    login(world["head"])
    if lang == "en":
        client.get("/lang/en?next=/")
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve",
                    data={**RESOLVE, "money_to_recover": typed, "confirmed": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert _fresh(accepted).money_to_recover == stored


@pytest.mark.parametrize(("lang", "typed"), [("vi", "1.5.0"), ("vi", "12,5,0"),
                                             ("en", "12,5"), ("vi", "1 500")])
def test_a_misplaced_separator_is_refused_not_guessed(client, login, world, accepted, lang,
                                                      typed):
    login(world["head"])
    if lang == "en":
        client.get("/lang/en?next=/")
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve",
                    data={**RESOLVE, "money_to_recover": typed})
    assert r.status_code == 422
    assert 'data-testid="error-money_to_recover"' in r.get_data(as_text=True)
    assert _fresh(accepted).status == "accepted"


# --- QA: a resolution and a suspension are confirmed in a second step, as a return is ---


def _posted_back(body: str) -> dict[str, str]:
    """What the confirmation page sends when confirmed: its hidden inputs."""
    form = body.split('<form method="post"', 1)[1]
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


@pytest.mark.parametrize(("lang", "typed"), [("vi", "1.500.000,75"), ("en", "1,500,000.75")])
def test_a_resolution_is_confirmed_and_back_keeps_what_was_typed(client, login, world,
                                                                 accepted, lang, typed):
    # Found by QA: "Ghi nhận kết quả giải quyết" recorded at once, with no second look,
    # although nothing undoes a resolution.
    login(world["head"])
    if lang == "en":
        client.get("/lang/en?next=/")
    code = accepted.tracking_code
    if lang == "vi":
        assert ">Tiếp tục</button>" in client.get(f"/agency/cases/{code}/resolve").text
    data = {**RESOLVE, "money_to_recover": typed, "people_disciplined": "1200",
            "sent_to_investigation": "y", "people_sent_to_investigation": "2"}
    r = client.post(f"/agency/cases/{code}/resolve", data=data)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in body
    # What will be recorded, numbers as the reader writes them; empty figures left out.
    grouped = "1.200" if lang == "vi" else "1,200"
    for name, shown in [("decision_number", "12/VB-STNMT"), ("decided_on", "01/12/2026"),
                        ("summary", "Đã trả lời kiến nghị"), ("money_to_recover", typed),
                        ("people_disciplined", grouped)]:
        assert f'data-testid="confirm-{name}">{shown}</dd>' in body, name
    assert 'data-testid="confirm-outcome"' in body
    assert 'data-testid="confirm-sent_to_investigation"' in body
    assert 'data-testid="confirm-land_to_recover"' not in body
    assert _fresh(accepted).status == "accepted" and "resolved" not in _events(accepted)
    posted = _posted_back(body)
    assert posted["confirmed"] == "1" and posted["sent_to_investigation"] == "y"
    # The amount shown, carried plainly: read the same whatever the language at Confirm.
    assert posted["money_to_recover"] == "1500000.75"
    # "Quay lại": the form again, as typed (the amount as the confirmation carried it).
    back = client.post(f"/agency/cases/{code}/resolve", data={**posted, "edit": "1"}).text
    assert 'data-testid="confirm-warning"' not in back
    assert 'value="1500000.75"' in back and "Đã trả lời kiến nghị</textarea>" in back
    assert re.search(r'<input checked[^>]*name="sent_to_investigation"', back)
    assert _fresh(accepted).status == "accepted"
    r = client.post(f"/agency/cases/{code}/resolve", data=posted)
    assert r.status_code == 302
    case = _fresh(accepted)
    assert case.status == "resolved" and case.decision_number == "12/VB-STNMT"
    assert case.money_to_recover == Decimal("1500000.75") and case.people_disciplined == 1200
    assert case.sent_to_investigation is True and case.people_sent_to_investigation == 2


@pytest.mark.parametrize(("lang", "typed", "later"), [("en", "1,500", "vi"),
                                                     ("vi", "1.500", "en")])
def test_the_amount_confirmed_is_recorded_whatever_the_language_at_confirm(
        client, login, world, accepted, lang, typed, later):
    # Found by QA: "1,500" typed on an English page, confirmed after another tab switched
    # the session to Vietnamese, recorded 1.50.
    login(world["head"])
    client.get(f"/lang/{lang}?next=/")
    code = accepted.tracking_code
    r = client.post(f"/agency/cases/{code}/resolve",
                    data={**RESOLVE, "money_to_recover": typed})
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in r.text
    posted = _posted_back(r.text)
    assert posted["money_to_recover"] == "1500.00"
    client.get(f"/lang/{later}?next=/")  # another tab
    assert client.post(f"/agency/cases/{code}/resolve", data=posted).status_code == 302
    assert _fresh(accepted).money_to_recover == Decimal("1500.00")


@pytest.mark.parametrize(("lang", "typed", "shown", "carried", "stored"), [
    ("vi", "12,3456", "12,35", "12.35", Decimal("12.35")),
    ("vi", "0,0001", "0,00", "0.00", Decimal("0.00")),
    ("vi", "12,5", "12,50", "12.50", Decimal("12.50")),
    ("en", "1,234.565", "1,234.56", "1234.56", Decimal("1234.56")),  # as the service rounds
])
def test_the_confirmation_shows_the_amount_as_it_is_recorded(client, login, world, accepted,
                                                             lang, typed, shown, carried,
                                                             stored):
    # Found by QA: "12,3456" was shown "12,346" and "0,0001" shown "0"; 12.35 and 0.00
    # were recorded.
    login(world["head"])
    client.get(f"/lang/{lang}?next=/")
    code = accepted.tracking_code
    r = client.post(f"/agency/cases/{code}/resolve",
                    data={**RESOLVE, "money_to_recover": typed})
    assert f'data-testid="confirm-money_to_recover">{shown}</dd>' in r.text
    posted = _posted_back(r.text)
    assert posted["money_to_recover"] == carried
    assert client.post(f"/agency/cases/{code}/resolve", data=posted).status_code == 302
    assert _fresh(accepted).money_to_recover == stored


@pytest.mark.parametrize("action", ["refuse", "return", "transfer"])
@pytest.mark.parametrize(("on", "message"), [
    ("2026-12-09", "Ngày quyết định không được ở tương lai."),
    ("2026-11-19", "Ngày quyết định trước ngày nhận đơn."),
])
def test_a_decision_date_the_service_refuses_is_not_offered_for_confirmation(
        client, login, world, routed, action, on, message):
    # Found by QA: refuse, return and transfer took such a date on the confirmation page
    # and refused it only after Confirm.
    case = routed()
    login(world["head"])
    data = {"reason": "Không thuộc thẩm quyền", "decided_on": on,
            "suggested_agency_code": "SO-XD", "to_agency_code": "SO-XD", "ground": "other"}
    r = client.post(f"/agency/cases/{case.tracking_code}/{action}", data=data)
    assert r.status_code == 422 and 'data-testid="confirm-warning"' not in r.text
    assert 'data-testid="error-decided_on"' in r.text and message in r.text
    assert _fresh(case).status == "routed"


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"decided_on": "2026-12-09"}, "decided_on", "tương lai"),
    ({"people_disciplined": "1", "officials_disciplined": "2"}, "officials_disciplined",
     "không được lớn hơn số người kiến nghị xử lý kỷ luật"),
])
def test_a_resolution_the_service_refuses_is_not_offered_for_confirmation(
        client, login, world, accepted, extra, field, message):
    # A head must not confirm, then learn the resolution was refused.
    login(world["head"])
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve",
                    data={**RESOLVE, **extra})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="confirm-warning"' not in body
    assert f'data-testid="error-{field}"' in body and message in body
    assert _fresh(accepted).status == "accepted"


def test_a_suspension_is_confirmed_and_back_keeps_what_was_typed(client, login, world,
                                                                 accepted):
    # Found by QA: a suspension stopped the clock on a single click.
    login(world["head"])
    code = accepted.tracking_code
    data = {"reason": "Chờ kết quả giám định", "decided_on": "2026-11-30"}
    r = client.post(f"/agency/cases/{code}/suspend", data=data)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in body
    assert "thời hạn giải quyết ngừng tính" in body
    assert 'data-testid="confirm-reason">Chờ kết quả giám định</dd>' in body
    assert 'data-testid="confirm-decided_on">30/11/2026</dd>' in body
    assert _fresh(accepted).status == "accepted" and "suspended" not in _events(accepted)
    posted = _posted_back(body)
    back = client.post(f"/agency/cases/{code}/suspend", data={**posted, "edit": "1"}).text
    assert "Chờ kết quả giám định</textarea>" in back and 'value="2026-11-30"' in back
    assert _fresh(accepted).status == "accepted"
    # Dated before the acceptance: refused before the confirmation, next to the date.
    r = client.post(f"/agency/cases/{code}/suspend",
                    data={**data, "decided_on": "2026-11-20"})
    assert r.status_code == 422 and 'data-testid="confirm-warning"' not in r.text
    assert 'data-testid="error-decided_on"' in r.text
    assert client.post(f"/agency/cases/{code}/suspend", data=posted).status_code == 302
    case = _fresh(accepted)
    assert case.status == "suspended" and case.suspended_on == date(2026, 11, 30)


# --- QA: a figure's bound is written as the reader's language writes numbers -----------


@pytest.mark.parametrize(("lang", "amount", "count"), [
    ("vi", "Nhập một số từ 0 đến 10.000.000.000.000.",
     "Nhập một số nguyên từ 0 đến 1.000.000.000."),
    ("en", "Enter a number from 0 to 10,000,000,000,000.",
     "Enter a whole number from 0 to 1,000,000,000."),
])
def test_a_figures_bound_is_grouped_for_the_reader(client, login, world, accepted, lang, amount,
                                                   count):
    login(world["head"])
    if lang == "en":
        client.get("/lang/en?next=/")
    r = client.post(f"/agency/cases/{accepted.tracking_code}/resolve",
                    data={**RESOLVE, "money_to_recover": "-1", "people_restored": "-1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and amount in body and count in body


def test_amounts_are_typed_in_a_text_box_that_takes_a_decimal_comma(client, login, world,
                                                                    accepted):
    # A number input lets no browser type "12,5": a text box with the decimal keypad.
    login(world["head"])
    html = client.get(f"/agency/cases/{accepted.tracking_code}/resolve").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="money_to_recover"[^>]*>', html).group(0)
    assert 'type="text"' in box and 'inputmode="decimal"' in box
