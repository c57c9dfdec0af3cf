"""QA round 22: defects found in the history of the matter (lịch sử vụ việc) and in
Open311's repeated-post handling. Every test here fails on the frozen code because of a
product defect; each docstring says what is wrong and what is right."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from complaints import create_app
from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake, workflow
from complaints.services import reception_sessions as sessions
from tests.conftest import NOW, TODAY, config_for_tests
from tests.integration.history_helpers import accepted as _accepted
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import letter as _letter
from tests.integration.history_helpers import page as _page
from tests.integration.reception_helpers import intake_form, person

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


# --- history of the matter: derived values -------------------------------------------------

def test_letter_joined_to_an_undecided_second_complaint_is_derived_as_a_value_it_refuses(
        make_case, world):
    """A later letter joined (blank history) to a second complaint (round 2) not yet decided
    is derived as "repeated" (intake.joined_history → history.derive), yet the same value
    stated for that case is refused ("Khiếu nại lần hai: vụ việc đã được giải quyết lần đầu,
    chọn 'Đã được giải quyết lần đầu' hoặc để trống" — the message even promises that blank
    is fine). The matter of a second complaint was decided in round 1 by definition: the
    derived value must be "decided_round1" (column 20 of 02/XLD), as for the second
    complaint's own first letter. Same through POST /api/v1/cases/<code>/petitions, the
    desk's join and reception-session joined rows, and in the migration's backfill."""
    first = _accepted(make_case, world, "complaint", date(2026, 9, 20))
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2026, 10, 10))
    second = make_case(actor=world["reception"], complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=date(2026, 11, 1))
    assert second.petitions[0].history == "decided_round1"
    # Stating "first" is refused ("repeated" is allowed since: a second complaint may
    # follow a first round left overdue, a matter sent before and never decided).
    with pytest.raises(intake.ValidationFailed):
        intake.add_petition(second, _letter(date(2026, 11, 6), "first"),
                            world["reception"], NOW, TODAY)
    later = intake.add_petition(second, _letter(date(2026, 11, 5)), world["reception"], NOW,
                                TODAY)
    assert later.history == "decided_round1"  # was derived: "repeated"


def test_letter_joined_while_the_denunciation_is_suspended_is_not_overdue(make_case, world):
    """A denunciation suspended (tạm đình chỉ) before its resolution due date has its clock
    stopped: it is not overdue (the system's own rule: states.CLOCK_RUNNING excludes
    suspended; on resume the due date moves by the suspension). A letter joined while it is
    suspended, dated after the original due date, is derived as "follow_up_overdue" (tố cáo
    tiếp do quá hạn), inflating column 24 of 02/XLD. intake.joined_history compares with the
    stale due date regardless of the suspension; it should give "repeated" here."""
    case = _accepted(make_case, world, "denunciation", date(2026, 9, 16))
    due = case.deadline("resolution").due_on
    workflow.suspend(case, "Chờ kết quả giám định", None, NOW, TODAY,
                     decided_on=due - timedelta(days=5))
    late = intake.add_petition(case, _letter(due + timedelta(days=2)), world["reception"], NOW,
                               TODAY)
    assert late.history == "repeated"


def _denunciation(world, on: date, parent: str | None = None) -> Case:
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject="Cán bộ địa chính nhận tiền",
        content="Tố cáo cán bộ địa chính xã nhận tiền.", locality_code="11311",
        parent_tracking_code=parent,
        petition=intake.PetitionData(channel="mail", received_on=on, petitioners=[
            intake.PetitionerData(full_name="Lê Văn Tư", id_number="031200009999",
                                  address="Số 4 Lê Lợi")]))
    case, _pin = intake.receive_case(data, world["reception"], NOW, TODAY)
    db.session.flush()
    return case


def test_a_denunciation_linked_to_a_concluded_earlier_case_is_not_first_time(world):
    """A new denunciation case linked (parent_tracking_code: the earlier case on the same
    matter; accepted for any kind by intake and POST /api/v1/cases) to an earlier
    denunciation concluded before its letter's day, by the same denouncer, gets the history
    "first" (Gửi lần đầu, column 18 of 02/XLD): write_case → history.derive ignores the
    parent for everything but a second complaint. The system holds that the matter was
    denounced and concluded before: it should be "follow_up" (tố cáo tiếp, column 23),
    as a letter joined to that concluded case is."""
    first = _denunciation(world, date(2026, 9, 20))
    workflow.route(first, "D", None, NOW, TODAY, decided_on=date(2026, 9, 20))
    workflow.accept(first, None, NOW, TODAY, decided_on=date(2026, 9, 21))
    workflow.resolve(first, "denunciation_right", "1/KL", "Kết luận", None, NOW, TODAY,
                     decided_on=date(2026, 10, 10))
    again = _denunciation(world, date(2026, 11, 1), parent=first.tracking_code)
    assert again.parent_case_id == first.id
    assert again.petitions[0].history == "follow_up"


def test_a_session_petition_stated_as_sent_before_is_counted_as_a_first_time_matter(world):
    """A petition raised at a reception session that opens a new case but whose history the
    officer states as "repeated" (sent before, not yet decided) is counted in the session's
    matters_first, and matters_repeated stays 0 (reception_sessions.petition_counts counts
    every new case as first-time, ignoring the stated history). 01/TCD then reports it as a
    first-time matter while 02/XLD reports the same letter as sent before. The session's
    figures should follow the history: matters_repeated 1, matters_first 0."""
    data = sessions.SessionData(
        held_on=date(2026, 11, 20), kind="regular", petitions=[intake.CaseData(
            kind="complaint", field_code="land", subject="Khiếu nại bồi thường",
            content="Nội dung", locality_code="11311", complaint_round=1,
            petition=intake.PetitionData(channel="reception_session",
                                         received_on=date(2026, 11, 20), history="repeated",
                                         petitioners=[intake.PetitionerData(
                                             full_name="Lê Văn Tư", address="Số 4")]))])
    session, opened = sessions.record_session_with_petitions(data, world["head"], NOW, TODAY)
    assert opened[0][0].petitions[0].history == "repeated"
    assert (session.matters_first, session.matters_repeated) == (0, 1)


# --- the migration's backfill ----------------------------------------------------------------

def test_backfill_derives_a_follow_up_for_an_overdue_denunciation_as_the_service_does(
        tmp_path):
    """Migration 5b7e0c2d9a41 backfills existing letters "the same way" as the service, but
    has no rule for follow_up_overdue: a later letter (is_duplicate) on a denunciation
    received after the resolution due date, not decided and not met by then, is backfilled
    as "repeated", while intake.joined_history derives "follow_up_overdue" for the same
    facts. Column 24 of 02/XLD misses every such letter received before the upgrade."""
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ecf44f918bbb"]).exit_code == 0
    t = db.metadata.tables
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            conn.execute(t["cases"].insert(), {
                "id": 1, "tracking_code": "T1", "kind": "denunciation", "field_id": 1,
                "subject": "s", "content": "c", "status": "accepted",
                "received_on": date(2026, 9, 1), "accepted_on": date(2026, 9, 2)})
            conn.execute(t["case_deadlines"].insert(), {
                "case_id": 1, "stage": "resolution", "start_on": date(2026, 9, 2),
                "due_on": date(2026, 10, 31), "days": 30, "unit": "calendar",
                "rule": "r", "met_on": None})
            for id_, on, dup in ((1, "2026-09-01", 0), (2, "2026-11-10", 1)):
                conn.execute(text(
                    "INSERT INTO petitions (id, case_id, channel, received_on, eligible, "
                    "is_duplicate, created_at) VALUES (:i, 1, 'mail', :on, 1, :dup, "
                    "'2026-11-10 00:00:00')"), {"i": id_, "on": on, "dup": dup})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, history FROM petitions")).all())
        db.engine.dispose()
    assert rows == {1: "first", 2: "follow_up_overdue"}


# --- the desk's join through the duplicate warning --------------------------------------------

def test_desk_join_refusal_says_which_kind_the_history_does_not_fit(client, login, make_case,
                                                                    world):
    """At the desk, a letter typed as a denunciation with history "Tố cáo tiếp" and joined
    ("Nhập vào hồ sơ này") to a complaint case is refused with "Lịch sử vụ việc này không
    áp dụng cho loại đơn đã chọn" — but the kind chosen on the form is a denunciation, which
    that history fits: the check is against the joined case's kind, which the message
    never names (intake._HISTORY_MESSAGES["kind"] used by add_petition via
    reception.routes._join_case). The officer cannot tell what to change. The message
    should name the case joined (its code) or its kind (khiếu nại)."""
    typed = intake_form("11311", [person(1)], date(2026, 11, 20))
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 11, 2),
                     subject=typed["subject"], content=typed["content"], locality_code="11311")
    db.session.commit()
    login(world["reception"])
    data = intake_form("11311", [person(1)], date(2026, 11, 20), kind="denunciation",
                       history="follow_up", attach_to=case.tracking_code)
    response = client.post("/reception/new", data=data)
    page = _page(response)
    assert response.status_code == 422
    assert 'value="Trần Thị Dân 1"' in page  # the typed input is kept (this works)
    start = page.index('id="history-error"')
    message = page[start:page.index("</div>", start)]
    assert case.tracking_code in message or "khiếu nại" in message.lower()
    # The similar cases are listed again, to join another one.
    assert f'name="attach_to" value="{case.tracking_code}"' in page


# --- Open311 --------------------------------------------------------------------------------

KEY = "test-key-123"


@pytest.fixture
def open311_app(app, make_agency):
    app.config["OPEN311_API_KEYS"] = (KEY,)
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()


def test_open311_repeat_without_a_phone_does_not_point_to_a_phone_lookup(client, open311_app):
    """A post with an e-mail and no phone (allowed: "email or phone"), sent again the same
    day, answers "Mã PIN tra cứu đã báo ở lần gửi đầu; nếu không có, tra cứu bằng số điện
    thoại đã khai" — there is no phone on the case, and the look-up (public.lookup) takes
    only the PIN or a phone: the citizen is sent to a way that cannot work. The notice of
    open311.repeated_post should not offer the phone look-up when no phone was given (say
    the PIN is needed, or how else to get help)."""
    data = {"api_key": KEY, "service_code": "environment", "lat": "20.8449",
            "long": "106.6881", "description": "Rác thải đổ trộm ven sông",
            "first_name": "Văn An", "last_name": "Nguyễn", "email": "an@example.vn"}
    first = client.post("/open311/v2/requests.json", data=data)
    again = client.post("/open311/v2/requests.json", data=data)
    assert first.status_code == again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0][
        "service_request_id"]
    assert db.session.scalar(select(db.func.count(Case.id))) == 1
    assert "số điện thoại" not in again.get_json()[0]["service_notice"]
