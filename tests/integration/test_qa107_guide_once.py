"""QA 107 D2: guidance (hướng dẫn) is "done once only for the same content" (domain.md,
handling outcomes table, row `guided`): a later letter of a matter already guided is not
guided again (the service refuses, the desk's page and the API offer it no more)."""
from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import intake, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY


def _letter(locality, parent=None, received=date(2026, 11, 30)):
    return intake.CaseData(
        kind="feedback", field_code="land", subject="Đề nghị cấp sổ đỏ cho thửa đất số 12",
        content="Gia đình tôi đề nghị cấp giấy chứng nhận quyền sử dụng đất thửa số 12.",
        locality_code=locality, parent_tracking_code=parent,
        petition=intake.PetitionData(channel="mail", received_on=received, petitioners=[
            intake.PetitionerData(full_name="Lê Thị Hoa", id_number="031200001234",
                                  phone="0912000111")]))


def test_the_same_content_is_not_guided_a_second_time(app, make_user, make_locality):
    desk = make_user("reception")
    loc = make_locality()
    first, _ = intake.receive_case(_letter(loc.code, received=date(2026, 11, 20)), desk,
                                   NOW, TODAY)
    workflow.guide(first, "Hướng dẫn gửi đơn đến UBND phường", desk, NOW, TODAY,
                   decided_on=date(2026, 11, 23))
    db.session.flush()
    # The citizen sends the same letter again; the desk logs it linked to the first case.
    again, _ = intake.receive_case(_letter(loc.code, parent=first.tracking_code), desk,
                                   NOW, TODAY)
    with pytest.raises((NotAllowed, ValidationFailed)):
        workflow.guide(again, "Hướng dẫn gửi đơn đến UBND phường", desk, NOW, TODAY)


def test_the_desk_page_offers_no_second_guidance(app, make_user, make_locality, client,
                                                 login):
    desk = make_user("reception")
    loc = make_locality()
    first, _ = intake.receive_case(_letter(loc.code, received=date(2026, 11, 20)), desk,
                                   NOW, TODAY)
    again, _ = intake.receive_case(_letter(loc.code, parent=first.tracking_code), desk,
                                   NOW, TODAY)
    db.session.commit()
    login(desk)
    assert 'data-testid="guide-form"' in client.get(
        f"/reception/cases/{again.tracking_code}").get_data(as_text=True)
    workflow.guide(first, "Hướng dẫn gửi đơn đến UBND phường", desk, NOW, TODAY,
                   decided_on=date(2026, 11, 23))
    db.session.commit()
    page = client.get(f"/reception/cases/{again.tracking_code}").get_data(as_text=True)
    assert 'data-testid="guide-form"' not in page and 'data-testid="file-form"' in page
    answer = client.post(f"/reception/cases/{again.tracking_code}/guide", data={
        "guide-reason": "Hướng dẫn gửi đơn đến UBND phường", "guide-decided_on": "2026-12-01"})
    assert answer.status_code == 302  # refused with the reason, nothing recorded
    assert db.session.get(type(again), again.id).status == "received"
