"""The reply letter (văn bản phúc đáp) of the body a petition was forwarded to: recorded by
the desk, counted by form 02/XLD. Found by QA (round 7): the column "Reply letters received"
was always 0, since nothing could record a reply."""

from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Case
from complaints.services import forwarding, public, reports, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="P", level="province", name="UBND tỉnh")
    desk = make_agency(code="DESK", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    other = make_agency(code="DESK-2", parent=province, name="Ban Tiếp công dân 2",
                        is_reception_desk=True)
    return {"reception": make_user("reception", agency=desk, username="tiepdan"),
            "other": make_user("reception", agency=other, username="tiepdan2")}


@pytest.fixture
def forwarded(world, make_case):
    case = make_case(actor=world["reception"], received_on=date(2026, 11, 20))
    workflow.forward(case, "Tòa án nhân dân thành phố", world["reception"], NOW, TODAY,
                     reason="Tranh chấp dân sự", decided_on=date(2026, 11, 23))
    db.session.commit()
    return case


def _fresh(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _replies(report) -> int:
    return dict(zip([u.code for u in report.units], report.rows, strict=True))["DESK"]["14"]


def test_the_desk_records_the_reply_and_02_xld_counts_it(world, forwarded):
    assert _replies(reports.build_report("02/XLD", "P", Q4)) == 0
    forwarding.record_reply(forwarded, date(2026, 11, 30), "Công văn số 12/TA ngày 27/11",
                            world["reception"], NOW, TODAY)
    db.session.commit()
    case = _fresh(forwarded)
    assert case.status == "forwarded" and forwarding.reply_received_on(case) == date(2026, 11, 30)
    assert _replies(reports.build_report("02/XLD", "P", Q4)) == 1
    # Once only: a second reply is refused and changes nothing.
    with pytest.raises(NotAllowed):
        forwarding.record_reply(case, date(2026, 12, 1), None, world["reception"], NOW, TODAY)
    # The citizen reads who answered, never the officer's note.
    shown = [(e.event, e.agency) for e in public.public_timeline(case)]
    assert shown[-1] == ("reply_received", "Tòa án nhân dân thành phố")
    assert all("12/TA" not in str(vars(e)) for e in public.public_timeline(case))


@pytest.mark.parametrize(("on", "message"), [
    (date(2026, 12, 2), "Ngày nhận văn bản phúc đáp không được ở tương lai."),
    (date(2026, 11, 22), "Ngày nhận văn bản phúc đáp không được trước ngày chuyển đơn"),
])
def test_a_reply_dated_in_the_future_or_before_the_forwarding_is_refused(world, forwarded, on,
                                                                         message):
    with pytest.raises(ValidationFailed) as refused:
        forwarding.record_reply(forwarded, on, None, world["reception"], NOW, TODAY)
    assert message in refused.value.errors["received_on"]
    db.session.rollback()
    assert forwarding.reply_received_on(_fresh(forwarded)) is None


def test_only_a_forwarded_case_of_ones_own_desk_takes_a_reply(world, forwarded, make_case):
    with pytest.raises(NotAllowed):
        forwarding.record_reply(forwarded, None, None, world["other"], NOW, TODAY)
    received = make_case(actor=world["reception"], received_on=date(2026, 11, 20))
    with pytest.raises(NotAllowed):
        forwarding.record_reply(received, None, None, world["reception"], NOW, TODAY)


def test_the_desk_page_offers_the_form_then_shows_the_reply(client, login, world, forwarded):
    code = forwarded.tracking_code
    login(world["reception"])
    page = client.get(f"/reception/cases/{code}").text
    assert 'data-testid="reply-form"' in page
    bad = client.post(f"/reception/cases/{code}/reply",
                      data={"reply-received_on": "2026-11-22", "reply-note": "CV 12"})
    assert bad.status_code == 422
    assert "không được trước ngày chuyển đơn (23/11/2026)" in bad.text
    assert re.search(r'name="reply-note">\s*CV 12</textarea>', bad.text)  # nothing lost
    done = client.post(f"/reception/cases/{code}/reply",
                       data={"reply-received_on": "2026-11-30", "reply-note": "CV 12"},
                       follow_redirects=True)
    assert "Đã ghi nhận văn bản phúc đáp." in done.text
    assert 'data-testid="reply-received"' in done.text and "30/11/2026" in done.text
    assert 'data-testid="reply-form"' not in done.text
    assert 'data-action="reply_received"' in done.text  # in the case's history
    client.post("/logout")
    login(world["other"])
    assert client.post(f"/reception/cases/{code}/reply",
                       data={"reply-received_on": "2026-11-30"}).status_code == 404


def test_a_reply_recorded_meanwhile_by_another_request_is_not_recorded_again(
        app, world, forwarded):
    """Two desk officers recording the reply at once (or one form sent twice): the second
    reads the case again under its lock and is refused, instead of writing over it."""
    from tests.integration.agency_world import in_other_session

    assert forwarding.reply_received_on(forwarded) is None  # this request has read it

    def other():
        case = db.session.get(Case, forwarded.id)
        forwarding.record_reply(case, date(2026, 11, 30), None, world["reception"], NOW, TODAY)

    in_other_session(app, other)
    with pytest.raises(NotAllowed):
        forwarding.record_reply(forwarded, date(2026, 12, 1), None, world["reception"], NOW,
                                TODAY)
    db.session.rollback()
    assert forwarding.reply_received_on(_fresh(forwarded)) == date(2026, 11, 30)


def test_a_reply_note_with_control_characters_is_refused(world, forwarded):
    with pytest.raises(ValidationFailed) as refused:
        forwarding.record_reply(forwarded, None, "CV\x07 12", world["reception"], NOW, TODAY)
    assert set(refused.value.errors) == {"note"}
