"""QA round 60: the inspectors' agency scorecard as figures (services/scorecard.py,
services/scorecard_summary.py, the scorecard and home pages, the workbook export).

Each test states the documented definition it relies on and fails on the code as found.
World: province P; departments D and D2 under it; commune C; a reception desk. Complaint
acceptance is 7 working days from the routing (a case routed to D on Thu 01/10/2026 is due
Mon 12/10); the ladder's level 1 (overdue) comes the day after the due date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.domain import reports as periods
from complaints.extensions import db
from complaints.models import CitizenFeedback, Escalation
from complaints.services import (
    admin,
    escalation,
    scorecard,
    scorecard_summary,
    workbook,
    workflow,
)
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW / TODAY


def _on(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def w(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    d2 = make_agency(code="D2", parent=p, level="department", name="Sở Xây dựng")
    c = make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)

    def new(received: date, **kw):
        return make_case(reception, received_on=received, today=received, now=_on(received),
                         **kw)

    db.session.commit()
    return {"p": p, "d": d, "d2": d2, "c": c, "desk": desk, "reception": reception,
            "new": new, "inspector": make_user("inspector"), "admin": make_user("admin")}


def _cards(user, start: date, end: date, today: date = TODAY) -> dict[str, scorecard.Card]:
    return {card.agency.code: card
            for card in scorecard.scorecards(user, start, end, today)}


def _resolved_at(w, agency_code: str, routed: date, accepted: date, resolved: date):
    case = w["new"](routed)
    workflow.route(case, agency_code, None, _on(routed), routed)
    workflow.accept(case, None, _on(accepted), accepted)
    workflow.resolve(case, "right", "01/QĐ", "Giải quyết", None, _on(resolved), resolved)
    return case


# --- 1 ------------------------------------------------------------------------------------


def test_a_rating_counts_in_the_vietnamese_day_it_was_given(w):
    """services/scorecard.py: "satisfaction: citizens' ratings given in the period on the
    agency's cases"; complaints/clock.local_day: "every day of the system is a Vietnamese
    one (QA round 58)"; the page's period is "Số liệu tính từ ngày … đến ngày …" in
    Vietnamese dates, and every other fact (decisions, escalations) is dated so.

    A citizen rates at 03:00 on 15/11/2026 in Hà Nội (20:00 UTC on 14/11). The reporting
    month 15/10–14/11 must not count it; the month 15/11–14/12 must. count_days buckets
    ratings by their UTC day ("the scorecard's period is UTC midnights"), so it lands in the
    period before."""
    case = _resolved_at(w, "D", date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 20))
    db.session.add(CitizenFeedback(case_id=case.id, rating_result=5, rating_service=5,
                                   created_at=datetime(2026, 11, 14, 20, tzinfo=timezone.utc)))
    db.session.commit()
    october = _cards(w["inspector"], date(2026, 10, 15), date(2026, 11, 14))["D"].metrics
    november = _cards(w["inspector"], date(2026, 11, 15), date(2026, 12, 14))["D"].metrics
    assert (october.satisfaction_count, november.satisfaction_count) == (0, 1)
    assert november.satisfaction_avg == 5.0


# --- 2 ------------------------------------------------------------------------------------


def test_a_return_dated_in_time_takes_back_the_overdue_raised_before_it_was_entered(w):
    """domain.md: acceptance "(the competent agency accepts or returns it; runs from the date
    it reached that agency)"; "A deadline ends at the end of its due date: a case is overdue
    from the next day on". services/escalation.lapse_met_in_time: "a decision is dated as
    signed, and one entered after the sweep raised 'overdue' ... left the agency flagged ...
    and counted late by the scorecard (QA round 58)"; domain/escalation: only the lapse
    "overtaken" says an escalation "should not have been raised" and the scorecard drops it.

    Routed to D on 01/10 (acceptance due 12/10); the sweep of 14/10 raises "overdue" against
    D. D had returned the case on 09/10 — before its due date — and enters the return on
    20/10. The acceptance stage ended in time, so D was never overdue: its card must show
    no escalation. An acceptance entered the same way does take it back (checked below);
    the return (and a transfer) lapse it as "ended", which the scorecard keeps counting."""
    returned = w["new"](date(2026, 10, 1))
    accepted = w["new"](date(2026, 10, 1))
    for case in (returned, accepted):
        workflow.route(case, "D", None, _on(date(2026, 10, 1)), date(2026, 10, 1))
    db.session.commit()
    assert returned.deadline("acceptance").due_on == date(2026, 10, 12)
    escalation.escalate_due(date(2026, 10, 14), _on(date(2026, 10, 14)))
    db.session.commit()
    assert db.session.scalar(select(Escalation).where(
        Escalation.case_id == returned.id)).agency_id == w["d"].id
    entered = date(2026, 10, 20)
    workflow.accept(accepted, None, _on(entered), entered, decided_on=date(2026, 10, 9))
    workflow.return_case(returned, "Không thuộc thẩm quyền", "D2", None, _on(entered), entered,
                         decided_on=date(2026, 10, 9))
    db.session.commit()
    card = _cards(w["inspector"], date(2026, 10, 1), date(2026, 10, 31))["D"]
    assert card.metrics.escalations == {}, card.metrics.escalations


# --- 3 ------------------------------------------------------------------------------------


def test_a_closed_agency_keeps_its_card_for_a_period_it_worked_in(w):
    """services/scorecard.py: scorecards "Count, score and rank the cards of every agency
    this user may see for [start, end]"; agencies_for: "all for inspectors"; "resolved on
    time: the case's ... resolution deadline completed in the period (met_on) by the agency
    now holding it". The official reports (services/reports.py) keep a closed unit's rows
    for the periods it worked in.

    D2 resolves a complaint late in October (accepted 02/10, due 01/11, resolved 05/11),
    the case is closed, and D2 is closed in December (Admin → Agencies, with its grounds).
    The October scorecard must still show D2 with 1 resolved, 0 on time; the code drops
    every inactive agency, so its late resolution vanishes from closed periods and the
    others' ranks change retroactively."""
    case = _resolved_at(w, "D2", date(2026, 10, 1), date(2026, 10, 2), date(2026, 11, 5))
    workflow.close(case, None, _on(date(2026, 11, 6)), date(2026, 11, 6))
    db.session.commit()
    before = _cards(w["inspector"], date(2026, 10, 1), date(2026, 11, 14))["D2"].metrics
    assert (before.resolved, before.resolved_on_time) == (1, 0)
    admin.update_agency(w["d2"], admin.AgencyData(
        code="D2", name="Sở Xây dựng", level="department", parent_code="P", active=False,
        reason="Sáp nhập theo Quyết định 01/QĐ-UBND"), w["admin"], NOW)
    db.session.commit()
    assert not w["d2"].active
    cards = _cards(w["inspector"], date(2026, 10, 1), date(2026, 11, 14))
    assert "D2" in cards, sorted(cards)
    assert (cards["D2"].metrics.resolved, cards["D2"].metrics.resolved_on_time) == (1, 0)


# --- 4 ------------------------------------------------------------------------------------


def test_a_long_period_over_scattered_unbuilt_days_is_answered(w, client, login):
    """services/scorecard_summary.py: "the scorecard reads the summary for built days and
    calls `count_days` for the rest (today, and any day changed since its last build), so
    its figures are the same either way"; the period form accepts any custom dates from
    2000 to 2100 (web/inspection/routes.YEAR_MIN/YEAR_MAX).

    After a bulk change that unlists many scattered past days (recover-acceptances over
    years of history unlists each spell's day, until the nightly rebuild), a custom period
    over those years makes `read` pass >1000 day ranges to `_in`, one OR term each: SQLite
    refuses the statement ("Expression tree is too large (maximum depth 1000)") and the
    page answers 503 "try again later", which never helps. It must answer 200."""
    case = w["new"](date(2026, 10, 1))
    workflow.route(case, "D", None, _on(date(2026, 10, 1)), date(2026, 10, 1))
    db.session.commit()
    scorecard_summary.rebuild(TODAY, start=date(2020, 1, 1))
    db.session.commit()
    scorecard_summary.unlist([date(2020, 1, 2) + timedelta(days=2 * i) for i in range(1100)])
    db.session.commit()
    login(w["inspector"])
    response = client.get("/inspection/scorecard?period=custom&start=2020-01-01"
                          "&end=2026-11-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('data-testid="card-D"'):]
    assert '<td data-testid="received">1</td>' in row[:row.index("</tr>")]


# --- 5 ------------------------------------------------------------------------------------


def test_the_reception_week_ending_today_is_not_yet_missed(w):
    """domain/scoring.required_periods: "With `as_of`, a block not over by that day is not
    required yet: the current quarter does not count the weeks still to come as missed";
    the page: "Kỳ chưa kết thúc: số liệu tính đến hôm nay; ngày tiếp công dân chỉ tính các
    tuần, tháng đã qua" (only the weeks and months that have passed); domain.md: a day ends
    at its end ("A deadline ends at the end of its due date").

    The commune chair's first weekly block of October runs 01/10–07/10. Seen on 07/10 — the
    chair may still receive citizens that day — the week is not over: nothing is required
    yet and no gap is shown. The code requires it and lists "Chưa tiếp: 01/10–07/10",
    scoring the commune 0 on reception."""
    cards = _cards(w["inspector"], date(2026, 10, 1), date(2026, 10, 31),
                   today=date(2026, 10, 7))
    c = cards["C"]
    assert c.metrics.reception_required == 0, c.reception_gaps
    assert c.reception_gaps == []


# --- 6 ------------------------------------------------------------------------------------


def test_home_never_shows_an_agency_that_resolved_late_at_100_percent(w, client, login,
                                                                      monkeypatch):
    """services/scorecard.least_on_time: "The agencies that resolved cases late ... lowest
    share on time first ... agencies all on time ... are left out"; the home page lists them
    under "Giải quyết đúng hạn thấp nhất" with the share ("Tỷ lệ").

    An agency that resolved 199 of 200 cases on time (99.5 %) is listed — it resolved one
    late — but the template rounds the share half up to an integer and prints "100%",
    beside "199 / 200": a late agency shown as fully on time. (The 200 resolutions are
    stood in for by the card least_on_time returns; the fault is the page's rounding.)"""
    from complaints.domain import scoring
    from complaints.web.inspection import routes

    card = scorecard.Card(w["d"], scoring.Metrics(resolved=200, resolved_on_time=199))
    monkeypatch.setattr(routes.cards, "least_on_time", lambda *a, **k: [card])
    login(w["inspector"])
    html = client.get("/inspection/").get_data(as_text=True)
    table = html[html.index('data-testid="home-laggards"'):]
    table = table[:table.index("</table>")]
    assert "199 / 200" in table
    assert "100%" not in table, table


# --- 7 ------------------------------------------------------------------------------------


def test_the_workbook_escalation_sheet_agrees_with_its_scorecard_sheet(w, tmp_path):
    """services/workbook._escalation_rows: "Yield the escalations dated in the period counted
    against the workbook's agencies (wherever their cases are now, as its scorecard sheet
    counts them)"; domain/escalation: "Only 'overtaken' says it should not have been raised
    ... The others stood when raised, and the scorecard still counts them."

    D's acceptance dated 09/10 (in time) is entered on 20/10, after the sweep of 14/10 raised
    "overdue": the overdue lapses as overtaken and the scorecard sheet counts 0 escalations
    for D. The escalation sheet still lists it against D, so the two sheets of one file
    disagree about D's escalations in the period."""
    case = w["new"](date(2026, 10, 1))
    workflow.route(case, "D", None, _on(date(2026, 10, 1)), date(2026, 10, 1))
    db.session.commit()
    escalation.escalate_due(date(2026, 10, 14), _on(date(2026, 10, 14)))
    db.session.commit()
    workflow.accept(case, None, _on(date(2026, 10, 20)), date(2026, 10, 20),
                    decided_on=date(2026, 10, 9))
    db.session.commit()
    path = tmp_path / "book.xlsx"
    workbook.write_workbook(w["inspector"], "P", periods.custom_period(
        date(2026, 10, 1), date(2026, 10, 31)), TODAY, path)
    book = load_workbook(path, read_only=True)
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    score_rows = next(rows for name, rows in sheets.items() if name.startswith("Bảng điểm"))
    header = score_rows[0]
    d_row = next(r for r in score_rows[1:] if r[1] == "Sở Tài nguyên")
    counted = d_row[header.index("Leo thang")]
    escalation_rows = next(rows for name, rows in sheets.items()
                           if name.startswith("Leo thang"))
    listed = [r for r in escalation_rows[1:] if "Sở Tài nguyên" in r]
    assert counted == 0
    assert len(listed) == counted, listed
