"""Double taps on the citizens' forms (QA round 4): two requests at once file one second
complaint and save one rating, and the one that loses is answered as a tap after it would
be, never with a 500; the desk cannot log a second second complaint either."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from complaints.extensions import db
from complaints.models import Case, CitizenFeedback
from complaints.services import intake
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import run_at_once
from tests.integration.test_public import _resolved, desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _at_once(app, client, path: str, data: dict) -> list:
    """POST `path` from two devices sharing `client`'s opened case, released together;
    return (device, response or what the request raised) for each."""
    cookie = client.get_cookie("session").value
    answers: list = []
    gate = threading.Barrier(2)

    def tap() -> None:
        device = FlaskClient(app)  # not the test's client class: no app context here yet
        device.set_cookie("session", cookie)
        gate.wait(timeout=10)
        try:
            answers.append((device, device.post(path, data=data)))
        except Exception as exc:  # noqa: BLE001  (a 500 raises here: returned to the test)
            answers.append((device, exc))

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _meet_before_writing(monkeypatch, target, name: str) -> None:
    """Make both requests finish their reads (every check) before either one writes:
    `target.name` waits for the other request's call before going on."""
    original = getattr(target, name)
    meet = threading.Barrier(2)

    def wait_then(*args, **kwargs):
        try:
            meet.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wait_then)


# --- Second complaint ------------------------------------------------------------------

def test_two_taps_at_once_file_one_second_complaint(app, client, desk, make_user,  # noqa: F811
                                                    make_agency, monkeypatch):
    case, _province = _resolved(client, make_user, make_agency)
    # Both requests pass every check (none is filed yet) before either writes its case.
    _meet_before_writing(monkeypatch, intake, "new_tracking_code")
    answers = _at_once(app, client, "/cong-dan/ho-so/khieu-nai-lan-hai",
                       {"reason": "Quyết định chưa xem xét giấy tờ.", "confirm": "y"})
    db.session.expire_all()
    seconds = db.session.scalars(select(Case).where(Case.parent_case_id == case.id)).all()
    assert len(seconds) == 1
    assert all(not isinstance(a, Exception) for _device, a in answers), answers
    places = sorted((a.status_code, a.headers["Location"]) for _device, a in answers)
    assert places == [(302, "/cong-dan/da-gui"), (302, "/cong-dan/ho-so#khieu-nai-lan-hai")]
    # The citizen on the losing device is told which case was filed.
    lost = next(device for device, a in answers if a.headers["Location"] != "/cong-dan/da-gui")
    assert (f"Bạn đã gửi khiếu nại lần hai cho hồ sơ này (mã hồ sơ "
            f"{seconds[0].tracking_code})") in lost.get("/cong-dan/ho-so").text


def _second_by_hand(case: Case, name: str = "Trần Thị Bích Ngọc") -> intake.CaseData:
    return intake.CaseData(
        kind="complaint", field_code="land", subject="Khiếu nại lần hai",
        content="Không đồng ý với quyết định.", locality_code=None, complaint_round=2,
        parent_tracking_code=case.tracking_code,
        petition=intake.PetitionData(channel="walk_in", received_on=TODAY,
                                     petitioners=[intake.PetitionerData(full_name=name,
                                                                        phone="0912345678")]))


def test_the_desk_cannot_log_a_second_second_complaint(client, desk, make_user,  # noqa: F811
                                                       make_agency):
    _agency, officer = desk
    case, _province = _resolved(client, make_user, make_agency)
    first, _pin = intake.receive_case(_second_by_hand(case), officer, NOW, TODAY)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        intake.receive_case(_second_by_hand(case), officer, NOW, TODAY)
    db.session.rollback()
    message = refused.value.errors["parent_tracking_code"]
    assert message == (f"Hồ sơ {case.tracking_code} đã có khiếu nại lần hai (mã hồ sơ "
                       f"{first.tracking_code}): thêm đơn này vào hồ sơ đó, không mở hồ sơ "
                       "mới.")
    # A first-round complaint that names the case as the one before is not a second one.
    again = _second_by_hand(case)
    again.complaint_round = 1
    assert intake.receive_case(again, officer, NOW, TODAY)[0].parent_case_id == case.id
    db.session.commit()
    assert db.session.scalar(select(func.count(Case.id)).where(
        Case.parent_case_id == case.id, Case.complaint_round == 2)) == 1


def test_two_desks_at_once_log_one_second_complaint(app, client, desk, make_user,  # noqa: F811
                                                    make_agency, monkeypatch):
    _agency, officer = desk
    case, _province = _resolved(client, make_user, make_agency)
    officer_id = officer.id
    _meet_before_writing(monkeypatch, intake, "new_tracking_code")

    def log(index: int) -> None:
        actor = db.session.get(type(officer), officer_id)
        intake.receive_case(_second_by_hand(case, name=f"Người {index}"), actor, NOW, TODAY)

    failures = run_at_once(app, 2, log)
    assert [type(f) for f in failures] == [ValidationFailed], failures
    assert failures[0].errors["parent_tracking_code"] == (
        f"Hồ sơ {case.tracking_code} vừa có khiếu nại lần hai: thêm đơn này vào hồ sơ đó, "
        "không mở hồ sơ mới.")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id)).where(
        Case.parent_case_id == case.id, Case.complaint_round == 2)) == 1


# --- Satisfaction rating ---------------------------------------------------------------

def test_two_ratings_at_once_save_one(app, client, desk, make_user, make_agency):  # noqa: F811
    case, _province = _resolved(client, make_user, make_agency)
    meet = threading.Barrier(2)

    def wait(mapper, connection, target):  # both checked "not rated yet": now both write
        try:
            meet.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass

    event.listen(CitizenFeedback, "before_insert", wait)
    try:
        answers = _at_once(app, client, "/cong-dan/ho-so/danh-gia",
                           {"rating_result": "4", "rating_service": "5"})
    finally:
        event.remove(CitizenFeedback, "before_insert", wait)
    assert all(not isinstance(a, Exception) for _device, a in answers), answers
    assert [(a.status_code, a.headers["Location"]) for _device, a in answers] \
        == [(302, "/cong-dan/ho-so#danh-gia")] * 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CitizenFeedback.id)).where(
        CitizenFeedback.case_id == case.id)) == 1
    # The one whose rating was not kept is told so, as after a second tab.
    told = ["Hồ sơ này đã được đánh giá; đánh giá đầu tiên được giữ." in device.get(
        "/cong-dan/ho-so").text for device, _a in answers]
    assert sorted(told) == [False, True]
