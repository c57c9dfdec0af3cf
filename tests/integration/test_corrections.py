"""Entry corrections by the desk that received a case: a signer's particulars and a
letter's eligibility for handling (02/XLD column 5), each with a reason kept in the audit
trail — which names the fields changed, never their values (personal data there could
never be erased)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import corrections, reports
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import page as _page
from tests.integration.test_petition_history import Q4

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _events(case, action) -> list[dict]:
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"case:{case.id}",
                                 AuditEvent.action == action).order_by(AuditEvent.seq))]


def _person(case):
    return case.petitions[0].signers[0].petitioner


def _data(person, **changes) -> corrections.PersonData:
    values = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    return corrections.PersonData(**{**values, **changes})


def _desk_row() -> dict:
    report = reports.build_report("02/XLD", "P", Q4)
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}["DESK"]


def test_a_learnt_address_and_a_typo_are_corrected_and_audited_without_values(
        make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(case)
    db.session.commit()
    changed = corrections.correct_person(
        case, person.id, _data(person, full_name="Nguyễn Văn Bình", phone="0912 345 678",
                               address="Số 9 Lê Lợi"),
        "Công dân bổ sung địa chỉ", world["reception"], NOW)
    db.session.commit()
    assert changed == ["full_name", "phone", "address"]
    assert (person.full_name, person.name_folded, person.phone, person.address) == (
        "Nguyễn Văn Bình", "nguyen van binh", "0912345678", "Số 9 Lê Lợi")
    [event] = _events(case, "petitioner_corrected")
    assert event == {"fields": ["full_name", "phone", "address"],
                     "reason": "Công dân bổ sung địa chỉ"}
    assert "Lê Lợi" not in json.dumps(event, ensure_ascii=False)


@pytest.mark.parametrize(("changes", "reason", "key", "says"), [
    ({"full_name": " \u200b "}, "Sai", "full_name", "Nhập họ và tên"),
    ({"phone": "12"}, "Sai", "phone", "Số điện thoại gồm 10 chữ số"),
    ({"id_number": "123"}, "Sai", "id_number", "12 chữ số"),
    ({"address": "a\x07b"}, "Sai", "address", "ký tự điều khiển"),
    ({"address": "x" * 501}, "Sai", "address", "Tối đa 500"),
    ({}, "Sai", "full_name", "không có gì để sửa"),
    ({"address": "Số 9 Lê Lợi"}, " ", "reason", "Nêu lý do sửa"),
])
def test_a_wrong_correction_is_a_field_error_and_changes_nothing(
        make_case, world, changes, reason, key, says):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(case)
    before = (person.full_name, person.phone, person.id_number, person.address)
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_person(case, person.id, _data(person, **changes), reason,
                                   world["reception"], NOW)
    db.session.rollback()
    assert says in str(raised.value.errors[key])
    assert (person.full_name, person.phone, person.id_number, person.address) == before
    assert _events(case, "petitioner_corrected") == []


def test_an_id_number_of_someone_else_is_refused(make_case, world):
    first = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    second = make_case(actor=world["reception"], received_on=date(2026, 10, 3))
    other = _person(first)
    other.full_name = "Phạm Thị Lan"
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_person(second, _person(second).id,
                                   _data(_person(second), id_number=other.id_number),
                                   "Gõ nhầm", world["reception"], NOW)
    assert "người có họ tên khác" in raised.value.errors["id_number"]


def test_a_denouncer_keeps_an_address_and_is_not_named_by_a_subject(make_case, world):
    case = make_case(actor=world["reception"], kind="denunciation",
                     subject="Tố cáo ông Trần Văn Hải", received_on=date(2026, 10, 2))
    person = _person(case)
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_person(case, person.id, _data(person, address=""), "Sai",
                                   world["reception"], NOW)
    assert "địa chỉ người tố cáo" in raised.value.errors["address"]
    db.session.rollback()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_person(case, person.id, _data(person, full_name="Trần Văn Hải"),
                                   "Sai", world["reception"], NOW)
    assert "Trích yếu" in raised.value.errors["full_name"]


def test_eligibility_is_corrected_counted_and_audited(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    petition = case.petitions[0]
    db.session.commit()
    assert _desk_row()["5"] == 1
    corrections.correct_eligibility(case, petition.id, False, "Nội dung không rõ ràng",
                                    world["reception"], NOW)
    db.session.commit()
    assert petition.eligible is False and _desk_row()["5"] == 0
    [event] = _events(case, "petition_eligibility_corrected")
    assert (event["eligible_before"], event["eligible"]) == (True, False)
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_eligibility(case, petition.id, False, "Lại", world["reception"],
                                        NOW)
    assert "đã được ghi như vậy" in raised.value.errors["eligible"]


def test_a_denunciation_is_eligible_only_with_its_denouncers_address(make_case, world):
    case = make_case(actor=world["reception"], kind="denunciation",
                     received_on=date(2026, 10, 2))
    petition, person = case.petitions[0], _person(case)
    petition.eligible, person.address = False, None
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_eligibility(case, petition.id, True, "Đủ", world["reception"], NOW)
    assert "sửa thông tin người đứng đơn trước" in raised.value.errors["eligible"]
    db.session.rollback()
    corrections.correct_person(case, person.id, _data(person, address="Số 4 Lê Lợi"),
                               "Bổ sung", world["reception"], NOW)
    corrections.correct_eligibility(case, petition.id, True, "Đã có địa chỉ",
                                    world["reception"], NOW)
    assert petition.eligible is True


def test_the_desk_corrects_on_its_pages(client, login, make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person, petition = _person(case), case.petitions[0]
    login(world["reception"])
    page = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert 'data-testid="correct-person"' in page and 'data-testid="correct-eligibility"' in page
    url = f"/reception/cases/{case.tracking_code}/petitioners/{person.id}"
    assert person.full_name in _page(client.get(url))
    refused = client.post(url, data={"full_name": person.full_name, "phone": "12",
                                     "reason": "Sai số"})
    assert refused.status_code == 422 and "10 chữ số" in _page(refused)
    done = client.post(url, data={"full_name": person.full_name, "phone": "0912345678",
                                  "address": "Số 9 Lê Lợi", "reason": "Bổ sung"})
    assert done.status_code == 302
    url = f"/reception/cases/{case.tracking_code}/petitions/{petition.id}/eligibility"
    done = client.post(url, data={"eligible": "no", "reason": "Đơn trùng nội dung"})
    assert done.status_code == 302
    db.session.expire_all()
    assert (person.address, petition.eligible) == ("Số 9 Lê Lợi", False)


def test_the_api_corrects_what_is_sent_and_keeps_the_rest(api, make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person, petition = _person(case), case.petitions[0]
    phone = person.phone
    path = f"/cases/{case.tracking_code}"
    answer = api(world["reception"], "PATCH", f"{path}/petitioners/{person.id}",
                 json={"address": "Số 9 Lê Lợi", "reason": "Bổ sung"})
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    assert (person.address, person.phone) == ("Số 9 Lê Lợi", phone)
    answer = api(world["reception"], "PATCH", f"{path}/petitions/{petition.id}",
                 json={"eligible": False, "reason": "Không rõ nội dung"})
    assert answer.status_code == 200, answer.get_json()
    empty = api(world["reception"], "PATCH", f"{path}/petitions/{petition.id}",
                json={"reason": "Không gì"})
    assert empty.status_code == 422 and "history" in empty.get_json()["errors"]
    assert api(world["head"], "PATCH", f"{path}/petitioners/{person.id}",
               json={"address": "x", "reason": "y"}).status_code in (403, 404)


def test_the_api_names_what_it_did_not_find(api, make_case, world):
    """A letter or a signer not of the case answers 404 naming a letter or a petitioner,
    not "no such case" (QA round 40's judgement)."""
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    path = f"/cases/{case.tracking_code}"
    person = api(world["reception"], "PATCH", f"{path}/petitioners/999999",
                 json={"address": "x", "reason": "y"})
    letter = api(world["reception"], "PATCH", f"{path}/petitions/999999",
                 json={"eligible": False, "reason": "y"})
    assert (person.status_code, letter.status_code) == (404, 404)
    assert "người đứng đơn" in person.get_json()["error"]
    assert "đơn này" in letter.get_json()["error"]


def test_a_page_correction_made_meanwhile_is_not_written_over(client, login, make_case,
                                                              world):
    """Two desks open the same person's form; the second to save gets a message and the
    current particulars, not a silent write-back of what its form showed (QA round 42)."""
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(case)
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/petitioners/{person.id}"
    shown = _page(client.get(url))
    seen = shown.split('name="seen" type="hidden" value="')[1].split('"')[0]
    corrections.correct_person(case, person.id, _data(person, address="Số 1 Lê Lợi"),
                               "Bên kia sửa", world["reception"], NOW)
    db.session.commit()
    late = client.post(url, data={"full_name": person.full_name, "phone": "0912345678",
                                  "seen": seen, "reason": "Sửa số điện thoại"})
    assert late.status_code == 422 and "vừa được người khác sửa" in _page(late)
    assert "Số 1 Lê Lợi" in _page(late)  # the form now shows what is on record
    db.session.expire_all()
    assert person.address == "Số 1 Lê Lợi"


def test_the_persons_other_cases_say_their_particulars_were_corrected(make_case, world):
    """One record signs two cases of the desk: corrected through one, the other case's
    trail says so too (fields only: the reason stays where it was given, and nothing names
    the case corrected through)."""
    first = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = _person(first)
    second = make_case(actor=world["reception"], received_on=date(2026, 10, 5),
                       subject="Khiếu nại việc cấp giấy chứng nhận")
    second.petitions[0].signers[0].petitioner_id = person.id  # the same person, filed once
    db.session.commit()
    corrections.correct_person(first, person.id, _data(person, address="Số 9 Lê Lợi"),
                               "Công dân bổ sung địa chỉ", world["reception"], NOW)
    db.session.commit()
    assert _events(first, "petitioner_corrected") == [
        {"fields": ["address"], "reason": "Công dân bổ sung địa chỉ"}]
    assert _events(second, "petitioner_corrected") == [{"fields": ["address"]}]
