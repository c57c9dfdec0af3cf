"""QA round 16 (the reception desk): each test failed before its fix."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petition
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.session_world import world  # noqa: F401
from tests.integration.test_reception import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_intake_confirm_new_sent_twice_opens_one_case(client, desk):  # noqa: F811
    _officer, ward = desk
    data = intake_form(ward.code, [person(1)], TODAY, confirm_new="1")
    first = client.post("/reception/new", data=data)
    assert first.status_code == 302
    again = client.post("/reception/new", data=data)  # double tap / Back and resend
    assert again.status_code < 500
    assert _count(Case) == 1


def test_intake_plain_sent_twice_opens_one_case(client, desk):  # noqa: F811
    _officer, ward = desk
    data = intake_form(ward.code, [person(1)], TODAY)
    first = client.post("/reception/new", data=data)
    assert first.status_code == 302
    again = client.post("/reception/new", data=data)
    assert again.status_code < 500
    assert _count(Case) == 1


def test_join_sent_twice_adds_one_petition(client, desk, make_case):  # noqa: F811
    officer, ward = desk
    case = make_case(actor=officer)
    db.session.commit()
    data = intake_form(ward.code, [person(1)], TODAY, attach_to=case.tracking_code)
    first = client.post("/reception/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    again = client.post("/reception/new", data=data)
    assert again.status_code < 500
    assert _count(Petition) == 2
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "petition_added")) == 1
    db.session.expire_all()
    # Two letters, not three: the double tap must not make it "repeated" (domain.md).
    assert not db.session.get(Case, case.id).flag_repeated


def _views() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "identity_viewed"))


@pytest.mark.parametrize(("path", "data"), [
    ("guide", {"guide-reason": ""}),
    ("route", {"route-agency_code": ""}),
    ("extend-handling", {"extend_handling-days": "", "extend_handling-reason": ""}),
    ("reply", {"reply-received_on": "garbage"}),
])


def test_case_page_shown_again_after_a_refused_action_records_the_view(client, desk,  # noqa: F811
                                                                       make_case, path, data):
    """Every showing of a denouncer's identity is recorded (domain.md, Confidentiality):
    the case page re-rendered with the errors of a refused action shows the denouncer's
    name and phone like a GET of it, so it records the view like a GET does."""
    officer, _ = desk
    case = make_case(actor=officer, kind="denunciation", received_on=date(2026, 11, 27))
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name
    before = _views()
    r = client.post(f"/reception/cases/{case.tracking_code}/{path}", data=data)
    assert r.status_code == 422
    assert name in r.get_data(as_text=True)  # shown …
    assert _views() == before + 1  # … and recorded


@pytest.fixture
def returned(make_agency, make_user, make_case, login):
    desk_agency = make_agency(code="BTCD", is_reception_desk=True)
    a = make_agency(code="SA")
    make_agency(code="SB")
    officer = make_user("reception", agency=desk_agency)
    head = make_user("agency_head", agency=a)
    case = make_case(actor=officer, received_on=date(2026, 11, 2))
    workflow.route(case, "SA", officer, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.return_case(case, "Không thuộc thẩm quyền", "SB", head, NOW, TODAY,
                         decided_on=date(2026, 11, 20))
    db.session.commit()
    login(officer)
    return case


@pytest.mark.parametrize(("action", "data"), [
    ("route", {"route-agency_code": "SB", "route-decided_on": "2026-11-10"}),
    ("guide", {"guide-reason": "Tòa án nhân dân", "guide-decided_on": "2026-11-10"}),
    ("forward", {"forward-forwarded_to": "Tòa án", "forward-decided_on": "2026-11-10"}),
    ("file", {"file-filing_reason": "duplicate", "file-decided_on": "2026-11-10",
              "file-confirm": "yes"}),
])


def test_decision_after_a_return_cannot_predate_the_return(client, returned, action, data):
    """The case came back to the desk on 20/11: a decision of 10/11 on it is impossible
    (it would end the handling deadline that restarted on 20/11 before it began)."""
    response = client.post(f"/reception/cases/{returned.tracking_code}/{action}", data=data)
    db.session.expire_all()
    case = db.session.get(Case, returned.id)
    assert response.status_code == 422, (response.status_code, case.status)
    assert case.status == "returned"


@pytest.mark.parametrize(("action", "data"), [
    ("route", {"route-agency_code": "A", "route-override_reason": "Lý do\x07 khác"}),
    ("forward", {"forward-forwarded_to": "Tòa án", "forward-reason": "ghi\x07chú"}),
    ("file", {"file-filing_reason": "duplicate", "file-note": "ghi\x07chú",
              "file-confirm": "yes"}),
])
def test_control_characters_in_optional_texts_refused(client, desk, make_case, make_agency,  # noqa: F811
                                                      action, data):
    officer, _ = desk
    make_agency(code="A")
    case = make_case(actor=officer, received_on=date(2026, 11, 27))
    db.session.commit()
    r = client.post(f"/reception/cases/{case.tracking_code}/{action}", data=data)
    assert r.status_code == 422


@pytest.mark.parametrize(("action", "data"), [
    ("guide", {"guide-reason": "Đề nghị gửi đơn đến Tòa án nhân dân quận Lê Chân"}),
    ("forward", {"forward-forwarded_to": "Tòa án nhân dân thành phố"}),
])
def test_closing_at_the_desk_is_confirmed_first(client, desk, make_case, action, data):  # noqa: F811
    """Guiding and forwarding outside end the case for good (FINAL_STATUSES), like filing
    away: ux.md asks a second step before an irreversible act."""
    officer, _ = desk
    case = make_case(actor=officer, received_on=date(2026, 11, 27))
    db.session.commit()
    r = client.post(f"/reception/cases/{case.tracking_code}/{action}", data=data)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "received", r.status_code
    assert r.status_code == 200


def _group(ward, n):
    people = [person(i, id_number=f"0312{i:08d}", phone=f"09{i:08d}",
                     is_representative=i < 3) for i in range(n)]
    return intake_form(ward.code, people, TODAY)


def test_add_rows_near_the_row_limit_is_no_500(client, desk):  # noqa: F811
    _o, ward = desk
    data = _group(ward, 199)
    data.pop("save")
    data["add_rows"] = "1"
    response = client.post("/reception/new", data=data)
    assert response.status_code in (200, 422)


def test_signers_beyond_the_row_limit_are_not_dropped_silently(client, desk):  # noqa: F811
    """A group petition of 205 signers: either all are recorded or the form says why not;
    never a case saved with 200 of them (domain.md: all signers are recorded)."""
    _o, ward = desk
    response = client.post("/reception/new", data=_group(ward, 205))
    if response.status_code == 302:
        case = db.session.scalar(select(Case))
        assert len(case.petitions[0].signers) == 205
    else:
        assert response.status_code == 422


def test_the_same_form_saved_at_the_same_moment_opens_one_case(app, desk, make_case):  # noqa: F811
    """Two requests carrying one form token, both past the first look-up: the token's
    key lets one of them commit; the other's whole case is rolled back."""
    from sqlalchemy.exc import IntegrityError

    from complaints.models import DeskSubmission
    from complaints.services import intake
    from tests.factories import run_at_once

    officer, _ward = desk
    officer_id = db.session.get(type(officer), officer.id).id
    db.session.commit()
    before = _count(Case)

    def work(_index):
        from complaints.models import User

        actor = db.session.get(User, officer_id)
        case = make_case(actor=actor)
        intake.record_submission("same-form", case.id, NOW)

    failures = run_at_once(app, 2, work)
    assert len(failures) == 1 and isinstance(failures[0], IntegrityError), failures
    db.session.expire_all()
    assert _count(Case) == before + 1
    assert db.session.scalar(select(func.count()).select_from(DeskSubmission)) == 1


def _sessions() -> int:
    from complaints.models import ReceptionSession

    return db.session.scalar(select(func.count(ReceptionSession.id)))


@pytest.mark.parametrize("with_petition", [False, True])
def test_a_reception_session_sent_twice_is_recorded_once(world, client, login,  # noqa: F811
                                                         with_petition):
    """The 01/TCD figures (sessions, turns, people) must not double, nor a petition raised
    at the session open a second case."""
    from tests.integration.test_reception_petitions import _petition, _session

    login(world["reception"])
    extra = (dict(_petition(0, "11311", "Xây dựng trái phép lấn chiếm hẻm", "Lê Văn Một"),
                  confirm_new="1") if with_petition else {})
    form = {**_session(kind="regular", leader_name="", scheduled="y", **extra),
            "token": "session-form-1"}
    first = client.post("/inspection/reception/new", data=form)
    assert first.status_code == 302, first.get_data(as_text=True)
    cases = _count(Case)
    again = client.post("/inspection/reception/new", data=form, follow_redirects=True)
    assert again.status_code == 200 and "không ghi thêm lần nữa" in again.text
    assert _sessions() == 1 and _count(Case) == cases
