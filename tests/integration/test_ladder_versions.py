"""The escalation ladder's rungs as versions an administrator adds: the sweep applies each
from its date, and recomputes the cases' next attention dates after a change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import AuditEvent, Case, EscalationStep, JobRun
from complaints.services import deadlines, ladder
from complaints.services.calendar import get_calendar
from complaints.services.escalation import (
    ATTENTION_JOB,
    attention_outdated,
    catch_up_attention,
    escalate_due,
)
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY
LATER = NOW + timedelta(minutes=5)  # a sweep past the other processes' ladder copies


def _levels(case: Case) -> list[int]:
    from complaints.models import Escalation
    return list(db.session.scalars(select(Escalation.level).where(
        Escalation.case_id == case.id).order_by(Escalation.id)))


def _rung(level: int, offset: int, on: date, unit: str = "working") -> ladder.RungData:
    return ladder.RungData(level=level, offset_days=offset, unit=unit, effective_from=on,
                           source="Quyết định 7/QĐ-UBND")


def test_a_rung_brought_forward_escalates_from_its_date(world, routed_case, make_user):
    case, admin = routed_case, make_user("admin", username="quantri")
    due_on = case.deadline("acceptance").due_on
    old = ladder_dates(case)
    escalate_due(old[1], NOW)  # overdue; urging would come on old[2]
    assert _levels(case) == [1] and db.session.get(Case, case.id).next_attention_on == old[2]

    # From the day after: urging after 2 working days overdue instead of 5.
    effective = old[1] + timedelta(days=1)
    expected = max(rules.step_date(get_calendar(), due_on, 2, "working"), effective)
    # Before it is saved, the version's effect: this case escalates sooner.
    assert ladder.impact(_rung(2, 2, effective), effective) == ladder.Impact(
        earlier=1, due_now=int(expected <= effective), later=0)
    assert ladder.impact(_rung(2, 9, effective), effective) == ladder.Impact(later=1)
    ladder.add_version(_rung(2, 2, effective), admin, effective, NOW)
    db.session.flush()
    assert expected < old[2]
    assert attention_outdated()

    summary = escalate_due(expected - timedelta(days=1), LATER)
    assert summary.recomputed == 1 and summary.escalated == 0
    assert db.session.get(Case, case.id).next_attention_on == expected
    assert not attention_outdated()  # done, and after the processes re-read the ladder
    summary = escalate_due(expected, LATER)
    assert summary.recomputed is None and summary.escalations == {(2, "urged"): 1}
    assert _levels(case) == [1, 2]


def test_a_version_from_a_later_date_does_not_apply_before_it(world, routed_case, make_user):
    case, admin = routed_case, make_user("admin", username="quantri")
    old = ladder_dates(case)
    # A reminder 10 working days ahead, from a date after this case's reminder day: the
    # case keeps the reminder it had (the ladder used to take the newest version at once).
    start = old[0] + timedelta(days=1)
    ladder.add_version(_rung(0, -10, start), admin, old[0] - timedelta(days=30), NOW)
    db.session.flush()
    deadlines.refresh_attention(case)
    assert case.next_attention_on == old[0]
    assert [r.offset_days for r in deadlines.ladder().on(start)][0] == -10


def test_the_admin_adds_a_rung_version(world, routed_case, make_user, client, login):
    admin = make_user("admin", username="quantri")
    login(admin)
    page = client.get("/admin/ladder/new?level=3").get_data(as_text=True)
    assert 'value="10"' in page  # the form starts from the rung in force
    fields = {"level": "3", "offset_days": "7", "unit": "working",
              "effective_from": TODAY.isoformat(), "source": "Quyết định 7/QĐ-UBND"}
    # First what it would do, nothing saved; "back" keeps what was typed.
    page = client.post("/admin/ladder/new", data=fields).get_data(as_text=True)
    assert 'data-testid="version-impact"' in page and 'name="confirmed" value="1"' in page
    assert "Bậc 3 — Chuyển thanh tra" in page and "7 ngày làm việc" in page
    assert db.session.scalar(select(EscalationStep).where(
        EscalationStep.created_at.is_not(None))) is None
    page = client.post("/admin/ladder/new", data={**fields, "confirmed": "1", "edit": "1"})
    assert 'value="7"' in page.get_data(as_text=True) and page.status_code == 200
    response = client.post("/admin/ladder/new", data={**fields, "confirmed": "1"})
    assert response.status_code == 302
    row = db.session.scalar(select(EscalationStep).where(EscalationStep.created_at.is_not(None)))
    assert (row.level, row.code, row.offset_days, row.created_by_id) == (3, "inspection", 7,
                                                                        admin.id)
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"escalation_step:{row.id}")).all() == ["escalation_step_added"]
    page = client.get("/admin/ladder").get_data(as_text=True)
    assert 'data-testid="current-level-3">7 ngày làm việc<' in page
    assert "Quyết định 7/QĐ-UBND" in page and 'data-testid="ladder-pending"' in page

    escalate_due(TODAY, LATER, commit=db.session.commit)
    assert db.session.get(JobRun, ATTENTION_JOB).last_success_at is not None
    assert 'data-testid="ladder-pending"' not in client.get("/admin/ladder").get_data(
        as_text=True)


@pytest.mark.parametrize("fields, messages", [
    ({"offset_days": "2"}, ["Số ngày của bậc này phải từ -20 đến -1."]),
    ({"level": "3", "offset_days": "4"}, ["Các bậc phải theo thứ tự số ngày tăng dần"]),
    ({"effective_from": "2026-11-30"}, ["không được trước hôm nay"]),
    ({"source": " "}, ["Nêu căn cứ (quyết định, quy chế của tỉnh)."]),
    ({"level": "9"}, ["Lựa chọn không hợp lệ"]),
    # One round shows the form's fault and the service's.
    ({"offset_days": "", "source": ""}, ["Nhập số ngày.", "Nêu căn cứ (quyết định"]),
])
def test_bad_rung_versions_are_refused_and_write_nothing(world, make_user, client, login,
                                                         fields, messages):
    login(make_user("admin", username="quantri"))
    count = db.session.scalar(select(func.count()).select_from(EscalationStep))
    response = client.post("/admin/ladder/new", data={
        "level": "0", "offset_days": "-5", "unit": "working",
        "effective_from": TODAY.isoformat(), "source": "Quy chế", **fields})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert all(message in page for message in messages), page
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == count


def test_a_second_version_on_one_date_is_refused(world, make_user):
    admin = make_user("admin", username="quantri")
    ladder.add_version(_rung(2, 3, TODAY), admin, TODAY, NOW)
    assert ladder.problems(_rung(2, 4, TODAY), TODAY) == {
        "effective_from": "Bậc này đã có phiên bản áp dụng từ ngày này; chọn ngày áp dụng "
                          "khác."}


def test_a_recomputation_that_did_not_finish_is_done_again(world, routed_case, make_user,
                                                           monkeypatch):
    assert not attention_outdated()  # the seeded ladder only
    ladder.add_version(_rung(2, 3, TODAY), make_user("admin", username="quantri"), TODAY,
                       NOW)
    from complaints.services import escalation

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    recompute_attention = escalation.recompute_attention
    monkeypatch.setattr(escalation, "recompute_attention", crash)
    with pytest.raises(RuntimeError):
        catch_up_attention(LATER)
    run = db.session.get(JobRun, ATTENTION_JOB)
    assert run.last_started_at is not None and run.last_success_at is None
    assert attention_outdated()
    # Only this patch: undo() would also end fixed_clock.
    monkeypatch.setattr(escalation, "recompute_attention", recompute_attention)
    catch_up_attention(LATER)
    assert not attention_outdated()
    # A run that began within the window of the processes' copies is not enough.
    catch_up_attention(NOW + timedelta(seconds=10))
    assert attention_outdated()


def test_flask_escalate_says_it_recomputed(runner, world, routed_case, make_user):
    ladder.add_version(_rung(2, 3, TODAY), make_user("admin", username="quantri"), TODAY,
                       NOW)
    db.session.commit()
    result = runner.invoke(args=["escalate", "--as-of", TODAY.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "next attention dates recomputed after a ladder change" in result.output


def test_the_case_page_says_when_and_to_whom_the_case_escalates_next(world, routed_case,
                                                                      client, login):
    case, dates = routed_case, ladder_dates(routed_case)
    db.session.commit()
    login(world.head_a)
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    # Never swept, and long overdue: the next sweep raises the highest step reached.
    assert "đã đến hạn lên bậc 3 — Chuyển thanh tra từ ngày " + dates[3].strftime(
        "%d/%m/%Y") in page
    escalate_due(dates[1], NOW, commit=db.session.commit)  # reminder skipped: overdue
    login(world.inspector)
    page = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    assert "lên bậc 3 — Chuyển thanh tra từ ngày " + dates[3].strftime("%d/%m/%Y") in page
    escalate_due(dates[2], NOW, commit=db.session.commit)
    escalate_due(dates[3], NOW, commit=db.session.commit)
    page = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="next-escalation"' not in page  # the top of the ladder


def test_a_case_not_yet_due_names_the_day_it_escalates(world, make_case, client, login):
    from complaints.services import workflow

    case = make_case(actor=world.reception, received_on=TODAY)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    reminder = ladder_dates(case)[0]
    assert reminder > TODAY
    login(world.head_a)
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert (f"nếu chưa xử lý, ngày {reminder.strftime('%d/%m/%Y')} hồ sơ lên bậc 0 — Nhắc "
            "hạn (nhắc cán bộ được giao và thủ trưởng cơ quan)") in page
    client.get("/lang/en")
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert "Next escalation:" in page and "Reminder" in page


def test_without_a_seeded_ladder_the_pages_say_how_to_load_it(make_user, client, login):
    db.session.execute(EscalationStep.__table__.delete())
    db.session.commit()
    deadlines.invalidate()
    login(make_user("admin", username="quantri"))
    response = client.get("/admin/ladder/new")
    assert response.status_code == 302 and response.location.endswith("/admin/ladder")
    assert "flask reference load" in client.get("/admin/ladder").get_data(as_text=True)
