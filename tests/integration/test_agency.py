"""The agency head's story on the web pages: inbox, accept, assign, extend, resolve, close."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def agency_world(make_agency, make_user):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    other = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    return {
        "desk": desk, "so": so, "other": other,
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "officer": make_user("agency_officer", agency=so, username="chuyenvien"),
        "officer2": make_user("agency_officer", agency=so, username="chuyenvien2"),
        "other_head": make_user("agency_head", agency=other, username="giamdocxd"),
    }


@pytest.fixture
def routed_case(agency_world, make_case):
    """Return a maker of cases logged at the desk and routed to the Sở on 20/11/2026."""

    def make(kind: str = "complaint", **kwargs) -> Case:
        case = make_case(actor=agency_world["reception"], kind=kind, **kwargs)
        workflow.route(case, "SO-TNMT", agency_world["reception"], NOW, TODAY,
                       decided_on=date(2026, 11, 20))
        db.session.commit()
        return case

    return make


def _events(case: Case) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}").order_by(AuditEvent.seq)))


def test_inbox_lists_routed_case_with_days_left(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["head"])
    page = client.get("/agency/").get_data(as_text=True)
    assert "Hồ sơ chờ thụ lý" in page
    assert case.tracking_code in page
    assert "ngày làm việc" in page  # the acceptance badge
    assert 'data-testid="routed-count">1<' in page


def test_inbox_counts_link_to_filtered_lists(client, login, agency_world, routed_case):
    first = routed_case()
    second = routed_case()
    workflow.accept(second, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.commit()
    login(agency_world["head"])
    home = client.get("/agency/").get_data(as_text=True)
    assert "/agency/cases?status=routed" in home
    listing = client.get("/agency/cases?status=routed").get_data(as_text=True)
    assert first.tracking_code in listing and second.tracking_code not in listing
    assert "Tổng số: 1 hồ sơ" in listing
    listing = client.get("/agency/cases?status=in_progress").get_data(as_text=True)
    assert second.tracking_code in listing and first.tracking_code not in listing


def test_overdue_filter(client, login, agency_world, routed_case):
    # Routed on 20/11; a first complaint's acceptance is 7 working days → due 01/12?
    late = routed_case()
    row = late.deadline("acceptance")
    row.due_on = date(2026, 11, 25)
    db.session.commit()
    fresh = routed_case()
    login(agency_world["head"])
    listing = client.get("/agency/cases?status=open&overdue=1").get_data(as_text=True)
    assert late.tracking_code in listing
    assert fresh.tracking_code not in listing
    assert "Quá hạn" in listing


def test_pagination_shows_total(client, login, agency_world, routed_case, app):
    app.config["PAGE_SIZE"] = 2
    codes = [routed_case().tracking_code for _ in range(3)]
    login(agency_world["head"])
    first = client.get("/agency/cases?status=routed").get_data(as_text=True)
    second = client.get("/agency/cases?status=routed&page=2").get_data(as_text=True)
    assert "Tổng số: 3 hồ sơ" in first
    shown = [c for c in codes if c in first] + [c for c in codes if c in second]
    assert sorted(shown) == sorted(codes)
    assert "page=2" in first


def test_list_sorts_by_received_date_and_exports_what_it_shows(client, login, agency_world,
                                                                routed_case):
    older = routed_case(received_on=date(2026, 11, 2))
    newer = routed_case(received_on=date(2026, 11, 18))
    outside = routed_case(received_on=date(2026, 11, 10))
    workflow.accept(outside, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.commit()
    login(agency_world["head"])
    newest_first = client.get("/agency/cases?status=routed&sort=-received").get_data(
        as_text=True)
    assert newest_first.index(newer.tracking_code) < newest_first.index(older.tracking_code)
    assert 'aria-sort="descending"' in newest_first
    assert "sort=received" in newest_first  # the header turns the order round
    oldest_first = client.get("/agency/cases?status=routed&sort=received").get_data(
        as_text=True)
    assert oldest_first.index(older.tracking_code) < oldest_first.index(newer.tracking_code)
    assert "export=csv" in oldest_first and "sort=received" in oldest_first
    assert client.get("/agency/cases?sort=bogus").status_code == 200  # falls back to urgency
    # The download holds exactly the filtered list, in the same order.
    export = client.get("/agency/cases?status=routed&sort=received&export=csv")
    assert export.status_code == 200
    assert "attachment" in export.headers["Content-Disposition"]
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Mã hồ sơ,Loại,Nội dung,Ngày nhận,Trạng thái,Thời hạn")
    assert [line.split(",")[0] for line in lines[1:]] == [older.tracking_code,
                                                           newer.tracking_code]
    assert "02/11/2026" in lines[1] and "Thụ lý: " in lines[1]
    xlsx = client.get("/agency/cases?status=routed&export=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    client.post("/logout")
    login(agency_world["other_head"])  # another agency's head downloads only their own
    other = client.get("/agency/cases?status=open&export=csv").get_data(as_text=True)
    assert older.tracking_code not in other and len(other.strip().splitlines()) == 1


def test_head_story_accept_assign_extend_resolve_close(client, login, agency_world,
                                                       routed_case):
    case = routed_case(kind="recommendation")
    code = case.tracking_code
    login(agency_world["head"])
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert f"/agency/cases/{code}/accept" in page
    assert "Chờ thụ lý" in page

    r = client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-11-23"})
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "accepted" and case.accepted_on == date(2026, 11, 23)
    # 15 working days from Mon 23/11/2026, skipping 24/11 (Vietnamese Culture Day) → 15/12.
    assert case.deadline("resolution").due_on == date(2026, 12, 15)

    form = client.get(f"/agency/cases/{code}/assign").get_data(as_text=True)
    assert "chuyenvien2" in form and "giamdocxd" not in form
    r = client.post(f"/agency/cases/{code}/assign", data={"officer": "chuyenvien"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).officer.username == "chuyenvien"
    officer = db.session.get(Case, case.id).officer
    officer.full_name = "Phạm Thu Hà"
    db.session.commit()
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert "Cán bộ: Phạm Thu Hà" in page and "Cán bộ: chuyenvien" not in page  # QA: names

    form = client.get(f"/agency/cases/{code}/extend").get_data(as_text=True)
    assert "Tối đa 10 ngày làm việc mỗi lần, 1 lần" in form
    r = client.post(f"/agency/cases/{code}/extend",
                    data={"days": "11", "reason": "Cần xác minh thêm", "decided_on": "2026-11-30"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Gia hạn tối đa 10 ngày làm việc." in body and "Cần xác minh thêm" in body
    # An extension uses up the one the policy allows: it is confirmed in a second step,
    # which gives the new due date.
    extension = {"days": "10", "reason": "Cần xác minh thêm", "decided_on": "2026-11-30"}
    r = client.post(f"/agency/cases/{code}/extend", data=extension)
    assert r.status_code == 200 and "từ ngày 15/12/2026 đến ngày 29/12/2026" in r.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).extension_count == 0
    r = client.post(f"/agency/cases/{code}/extend", data={**extension, "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.deadline("resolution").due_on == date(2026, 12, 29)  # 15 + 10 working days
    # A recommendation is extended once only: the button goes, a forced POST is refused.
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert f"/agency/cases/{code}/extend" not in page
    r = client.post(f"/agency/cases/{code}/extend",
                    data={"days": "2", "reason": "Lần nữa", "decided_on": "2026-11-30"},
                    follow_redirects=True)
    assert r.request.path == f"/agency/cases/{code}"
    assert "không thể gia hạn thêm" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).extension_count == 1

    form = client.get(f"/agency/cases/{code}/resolve").get_data(as_text=True)
    assert "Đã trả lời" in form and "Khiếu nại đúng" not in form
    resolution = {"outcome": "answered", "decision_number": "12/VB-STNMT",
                  "decided_on": "2026-12-01", "summary": "Đã trả lời kiến nghị",
                  "money_to_recover": "1.5"}
    # A resolution cannot be undone: it is confirmed in a second step.
    r = client.post(f"/agency/cases/{code}/resolve", data=resolution)
    assert r.status_code == 200 and 'data-testid="confirm-warning"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "accepted"
    r = client.post(f"/agency/cases/{code}/resolve", data={**resolution, "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "resolved" and case.outcome == "answered"
    assert str(case.money_to_recover) == "1.50"

    # Close asks why (ux.md: an irreversible act), then for confirmation, then closes.
    r = client.post(f"/agency/cases/{code}/close", data={})
    assert r.status_code == 422 and "Nêu căn cứ kết thúc hồ sơ" in r.get_data(as_text=True)
    why = {"reason": "Quyết định đã thi hành xong"}
    r = client.post(f"/agency/cases/{code}/close", data=why)
    assert r.status_code == 200 and "Xác nhận" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "resolved"
    r = client.post(f"/agency/cases/{code}/close", data={**why, "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "closed"
    assert _events(case)[-5:] == ["accepted", "assigned", "extended", "resolved", "closed"]
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert "Thụ lý" in page and "Kết thúc" in page and "Giao cán bộ xử lý" in page


def test_resolve_errors_keep_what_was_typed(client, login, agency_world, routed_case):
    case = routed_case()
    workflow.accept(case, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.commit()
    login(agency_world["head"])
    r = client.post(f"/agency/cases/{case.tracking_code}/resolve", data={
        "outcome": "right", "decision_number": "", "decided_on": "2026-12-01",
        "summary": "Tóm tắt đã gõ"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Tóm tắt đã gõ" in body and 'data-testid="error-summary"' in body
    assert "Nhập số quyết định" in body
    # A decision in the future is refused by the service, next to its field.
    r = client.post(f"/agency/cases/{case.tracking_code}/resolve", data={
        "outcome": "right", "decision_number": "5/QĐ", "decided_on": "2026-12-09",
        "summary": "Tóm tắt"})
    assert r.status_code == 422
    assert "tương lai" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "accepted"


def test_denunciation_extends_twice_only_when_very_complex(client, login, agency_world,
                                                           routed_case):
    case = routed_case(kind="denunciation")
    code = case.tracking_code
    login(agency_world["head"])
    client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-11-23"})
    data = {"days": "30", "reason": "Phức tạp", "decided_on": "2026-11-30"}
    # Without a complexity declaration a denunciation gets no extension.
    r = client.post(f"/agency/cases/{code}/extend", data=data)
    assert r.status_code == 422
    r = client.post(f"/agency/cases/{code}/extend",
                    data={**data, "complexity": "very_complex", "confirmed": "1"})
    assert r.status_code == 302
    r = client.post(f"/agency/cases/{code}/extend", data={**data, "days": "31"})
    assert r.status_code == 422 and "tối đa 30 ngày" in r.get_data(as_text=True)
    # The second decision is a later one (the same one sent again is refused: QA round 13).
    r = client.post(f"/agency/cases/{code}/extend",
                    data={**data, "decided_on": "2026-12-01", "confirmed": "1"})
    assert r.status_code == 302
    r = client.post(f"/agency/cases/{code}/extend", data=data, follow_redirects=True)
    assert r.request.path == f"/agency/cases/{code}"  # no third extension is offered
    assert "không thể gia hạn thêm" in r.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.extension_count == 2
    # 30 + 60 calendar days from 23/11/2026 = 21/02/2027 (Sunday) → Monday 22/02/2027.
    assert case.deadline("resolution").due_on == date(2027, 2, 22)
    assert "complexity_declared" in _events(case)
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert 'data-testid="case-complexity">đặc biệt phức tạp<' in page
    client.get("/lang/en")
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert 'data-testid="case-complexity">very complex<' in page


def test_complex_denunciation_extends_once(client, login, agency_world, routed_case):
    case = routed_case(kind="denunciation")
    code = case.tracking_code
    login(agency_world["head"])
    client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-11-23"})
    data = {"days": "20", "reason": "Phức tạp", "decided_on": "2026-11-30"}
    assert client.post(f"/agency/cases/{code}/extend",
                       data={**data, "complexity": "complex", "confirmed": "1"}).status_code == 302
    r = client.post(f"/agency/cases/{code}/extend", data=data)
    assert r.status_code == 422 and "tối đa 1 lần" in r.get_data(as_text=True)


def test_return_needs_reason_and_agency_then_confirmation(client, login, agency_world,
                                                          routed_case):
    case = routed_case()
    code = case.tracking_code
    login(agency_world["head"])
    r = client.post(f"/agency/cases/{code}/return", data={"reason": "", "decided_on": "2026-12-01"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Nêu lý do trả lại đơn" in body and "Chọn cơ quan có thẩm quyền đề xuất" in body
    data = {"reason": "Thuộc thẩm quyền Sở Xây dựng", "suggested_agency_code": "SO-XD",
            "decided_on": "2026-12-01"}
    r = client.post(f"/agency/cases/{code}/return", data=data)
    assert r.status_code == 200 and "Xác nhận" in r.get_data(as_text=True)
    assert "Sở Xây dựng" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "routed"
    r = client.post(f"/agency/cases/{code}/return", data={**data, "confirmed": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/agency/")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "returned" and case.agency_id is None
    assert case.routings[-1].suggested_agency.code == "SO-XD"
    # The case has left the agency: its page says so (and when), and shows nothing more.
    gone = client.get(f"/agency/cases/{code}", follow_redirects=True)
    assert gone.request.path == "/agency/cases" and "đã được trả lại bộ phận tiếp nhận" in gone.text
    assert case.subject not in gone.text


def test_transfer_with_confirmation(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["head"])
    data = {"to_agency_code": "SO-XD", "reason": "Đúng thẩm quyền", "decided_on": "2026-12-01"}
    r = client.post(f"/agency/cases/{case.tracking_code}/transfer", data=data)
    assert "Xác nhận" in r.get_data(as_text=True)
    r = client.post(f"/agency/cases/{case.tracking_code}/transfer",
                    data={**data, "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.agency.code == "SO-XD" and case.status == "routed"


def test_suspend_resume_and_withdraw(client, login, agency_world, routed_case):
    case = routed_case()
    code = case.tracking_code
    login(agency_world["head"])
    client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-11-23"})
    assert client.post(f"/agency/cases/{code}/suspend",
                       data={"reason": "Chờ giám định", "decided_on": "2026-11-25",
                             "confirmed": "1"}).status_code == 302
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert f"/agency/cases/{code}/resume" in page and f"/agency/cases/{code}/resolve" not in page
    # While suspended the clock stands still: never "overdue" (found by a QA pass).
    listing = client.get("/agency/cases?status=suspended").text
    assert 'data-testid="deadline-suspended"' in listing and "Quá hạn 1" not in listing
    assert client.post(f"/agency/cases/{code}/resume",
                       data={"decided_on": "2026-11-30"}).status_code == 302
    data = {"reason": "Công dân rút đơn", "decided_on": "2026-12-01"}
    r = client.post(f"/agency/cases/{code}/withdraw", data=data)
    assert "Xác nhận" in r.get_data(as_text=True)
    assert client.post(f"/agency/cases/{code}/withdraw",
                       data={**data, "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "withdrawn"


def test_illegal_transition_flashes_and_changes_nothing(client, login, agency_world,
                                                        routed_case):
    case = routed_case()
    login(agency_world["head"])
    events_before = _events(case)
    r = client.post(f"/agency/cases/{case.tracking_code}/close",
                    data={"reason": "Đã thi hành", "confirmed": "1"}, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "Không thể thực hiện" in body and "Chờ thụ lý" in body
    assert "Hồ sơ không thay đổi" in body
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "routed"
    assert _events(case) == events_before


def test_other_agency_gets_404(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["other_head"])
    assert client.get(f"/agency/cases/{case.tracking_code}").status_code == 404
    assert client.post(f"/agency/cases/{case.tracking_code}/accept",
                       data={"decided_on": "2026-12-01"}).status_code == 404
    assert case.tracking_code not in client.get("/agency/cases?status=open").get_data(
        as_text=True)


def test_officer_has_no_accept_button_and_gets_403(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["officer"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert f"/agency/cases/{case.tracking_code}/accept" not in page
    assert 'data-testid="no-actions"' in page
    assert client.post(f"/agency/cases/{case.tracking_code}/accept",
                       data={"decided_on": "2026-12-01"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "routed"


def test_officer_inbox_shows_only_assigned_cases(client, login, agency_world, routed_case):
    mine, theirs = routed_case(), routed_case()
    for case, officer in ((mine, "chuyenvien"), (theirs, "chuyenvien2")):
        workflow.accept(case, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
        workflow.assign(case, officer, agency_world["head"], NOW)
    db.session.commit()
    login(agency_world["officer"])
    home = client.get("/agency/").get_data(as_text=True)
    assert mine.tracking_code in home and theirs.tracking_code not in home
    assert "Hồ sơ đang giải quyết" in home


def test_reception_role_cannot_open_agency_pages(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["reception"])
    assert client.get("/agency/").status_code == 403
    assert client.get(f"/agency/cases/{case.tracking_code}").status_code == 403


def test_the_list_finds_a_case_by_code_or_words_not_by_a_petitioners_name(
        client, login, agency_world, routed_case):
    # Found by a QA pass: an agency could filter its list by status only.
    land = routed_case(subject="Lấn chiếm đất công ở tổ dân phố 5")
    other = routed_case(subject="Tiếng ồn quán karaoke")
    db.session.commit()
    login(agency_world["head"])
    for q in (land.tracking_code.lower(), "lan chiem dat", "đất công"):
        listing = client.get("/agency/cases", query_string={"q": q}).text
        assert land.tracking_code in listing and other.tracking_code not in listing, q
        assert 'value="' + q + '"' in listing  # the box keeps what was typed
    name = land.petitions[0].signers[0].petitioner.full_name
    assert land.tracking_code not in client.get("/agency/cases",
                                                query_string={"q": name}).text
    export = client.get("/agency/cases", query_string={"q": "karaoke", "export": "csv"})
    assert other.tracking_code in export.text and land.tracking_code not in export.text
    past = client.get("/agency/cases?page=50").text
    assert 'data-testid="page-out-of-range"' in past
