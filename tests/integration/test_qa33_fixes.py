"""QA round 33: forms 02/XLD (petition handling) and 01/TCD (citizen reception) counted by
hand (rules: reports.md of the specification).

Tests named `test_defect_…` failed on the frozen code because of the defect their
docstring describes (hand count, what is wrong, what is right, the cause); all four are
fixed. Tests named
`test_probe_…` are passing probes kept as guards: small worlds counted by hand that the
forms got right (period boundaries 14th/15th over a year's end, carried over vs received,
returns and re-routings, forwarding with a reply letter, filing reasons, withdrawal before
handling, joined letters, the unit rows and the total row, the Excel sheet in Vietnamese
and English, and every cell of the reception grid).

World: province P (root) with department D, commune C and the reception desk DESK (no
district level). Period: month 1/2026 = 15/12/2025 – 14/01/2026 (Circular 01/2024: cut-off
on the 14th, so it straddles the year's end).
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Agency, ReceptionSession
from complaints.services import forwarding, intake, public, reports, workflow
from complaints.services import reception_sessions as sessions
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

JAN = forms.month_period(2026, 1)  # 15/12/2025 – 14/01/2026
OCT25 = forms.month_period(2025, 10)  # 15/09/2025 – 14/10/2025


@pytest.fixture
def world(make_agency, make_user):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    db.session.commit()
    return {"reception": make_user("reception", agency=desk)}


def _rows(report) -> dict[str, dict]:
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}


def _nonzero(row: dict) -> dict:
    return {k: v for k, v in row.items() if v}


def _letter(on: date, history: str | None = None) -> intake.PetitionData:
    return intake.PetitionData(channel="mail", received_on=on, history=history,
                               petitioners=[intake.PetitionerData(
                                   full_name="Lê Văn Tư", address="Số 4 Lê Lợi")])


def _session_case(on: date, loc: str, kind: str = "complaint", round_: int | None = None,
                  parent: str | None = None, history: str | None = None) -> intake.CaseData:
    return intake.CaseData(
        kind=kind, field_code="land", subject="Đất đai tổ dân phố 5", content="Nội dung",
        locality_code=loc, complaint_round=round_, parent_tracking_code=parent,
        petition=intake.PetitionData(channel="walk_in", received_on=on, history=history,
                                     petitioners=[intake.PetitionerData(
                                         full_name="Trần Văn An", address="Số 1 Lê Lợi",
                                         phone="0912345601")]))


# --- defects ---------------------------------------------------------------------------


def test_defect_01tcd_counts_a_second_complaint_raised_at_a_session_as_a_first_time_matter(
        world, make_case, make_locality):
    """01/TCD columns 9/10 (and 20–22: regular reception) read "first time" for matters
    whose letters the system itself records as raised before.

    Hand count. A first-round complaint K1 (land) was decided by D on 20/11/2025. At a
    regular reception session of DESK on 05/01/2026 three citizens come, each with a new
    case, the history left blank (the desk's rules derive it, domain.history.derive):
      1. a second-round complaint about a decision taken outside the system → history
         derived "decided_round1" (already decided in round 1),
      2. the second-round complaint on K1, linked to it → derived "decided_round1",
      3. a feedback raised for the first time → "first".
    02/XLD of month 1/2026 says so: column 18 (first time) = 1, column 19 (sent before) = 2,
    column 20 (already decided in round 1) = 2. reports.md: the history of the matter is
    first time or repeated, and 01/TCD counts "matters first-time and repeated"; a matter
    already decided in round 1 was raised before. So 01/TCD must read: column 9 (matters,
    first time) = 1, column 10 (repeated) = 2; regular reception column 21 = 1, 22 = 2.
    The session's own rule (reception_sessions.petition_counts): "a new matter per case
    opened (a repeated one if its letter says the matter was raised before)".

    Wrong: 01/TCD reads 3 first-time matters and 0 repeated: the same session's matters are
    "first time" in 01/TCD and "sent before" in 02/XLD.

    Cause: petition_counts looks at the history as typed (`row.petition.history in (None,
    FIRST)`), before intake.write_case derives it (`_new_history`): a blank history counts
    as first time even where the derivation says decided in round 1 or repeated (a second
    complaint, a case linked to an earlier one). Related: a later correction of the letter's
    history (intake.correct_history, "the reports count the corrected value for every
    period") reaches 02/XLD but never the session's stored figures in 01/TCD.
    Fix: count each opened case by the history it is written with (derive it the same way
    before counting, or recount from the session's petitions after they are written).
    """
    reception = world["reception"]
    loc = make_locality().code
    k1 = make_case(reception, received_on=date(2025, 11, 1))
    workflow.route(k1, "D", None, NOW, TODAY, decided_on=date(2025, 11, 2))
    workflow.accept(k1, None, NOW, TODAY, decided_on=date(2025, 11, 3))
    workflow.resolve(k1, "wrong", "QĐ 12", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2025, 11, 20))
    held = date(2026, 1, 5)
    sessions.record_session_with_petitions(sessions.SessionData(
        held_on=held, kind="regular", petitions=[
            _session_case(held, loc, round_=2),
            _session_case(held, loc, round_=2, parent=k1.tracking_code),
            _session_case(held, loc, kind="feedback"),
        ]), reception, NOW, TODAY)
    db.session.commit()

    xld = _rows(reports.build_report("02/XLD", "P", JAN))["DESK"]
    assert (xld["3"], xld["18"], xld["19"], xld["20"]) == (3, 1, 2, 2)  # the letters say so
    tcd = _rows(reports.build_report("01/TCD", "P", JAN))["DESK"]
    assert (tcd["2"], tcd["4"]) == (3, 3)  # three turns, three matters
    assert {c: tcd[c] for c in ("9", "10", "21", "22")} == \
        {"9": 1, "10": 2, "21": 1, "22": 2}


def test_defect_joined_letter_history_reads_a_suspension_made_after_the_letters_day(
        world, make_case):
    """02/XLD columns 23–24 (follow-up denunciations, of which after an overdue
    resolution): a letter joined later is dated on its own day, but its derived history
    reads the case as it stands when the letter is logged.

    Hand count. Two denunciations A and B, identical: received 01/09/2025, routed to D
    02/09, accepted 03/09; the resolution is due 03/10/2025 (30 days) and neither is
    concluded. On 10/10/2025 each receives a further letter from the denouncer on the same
    matter (history left blank: derived). On 10/10 both resolutions were overdue (due
    03/10, unmet), so both letters are follow-up denunciations for the delay
    (domain.history.derive: "a denunciation whose resolution was due before that day is a
    follow-up for the delay"; reports.md: "for denunciations, a follow-up denunciation (tố
    cáo tiếp) and whether it was overdue"). B alone was suspended afterwards, on
    20/10/2025, before its letter was logged. Month 10/2025 (15/09 – 14/10/2025): column 3
    = 2 letters, column 23 = 2, column 24 = 2.

    Wrong: B's letter is derived "repeated" (column 23 = 1, column 24 = 1): what happened
    on 20/10 rewrites what a letter of 10/10 says.

    Cause: intake.earlier_case treats the resolution clock as not running when the case's
    status *now* is SUSPENDED (`case.status != states.SUSPENDED`), and reads the due day
    as it is now (a suspension or resumption after the letter's day moves it), instead of
    asking whether on the letter's `received_on` the clock ran and its due day had passed.
    Fix: decide "running and overdue" as of the letter's day (suspension periods from the
    audit trail, as deadlines.suspension_periods reads them).
    """
    reception = world["reception"]
    cases = []
    for _ in range(2):
        case = make_case(reception, kind="denunciation", received_on=date(2025, 9, 1))
        workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2025, 9, 2))
        workflow.accept(case, None, NOW, TODAY, decided_on=date(2025, 9, 3))
        assert case.deadline("resolution").due_on == date(2025, 10, 3)
        cases.append(case)
    a, b = cases
    workflow.suspend(b, "Chờ kết quả giám định", None, NOW, TODAY,
                     decided_on=date(2025, 10, 20))
    for case in (a, b):
        intake.add_petition(case, _letter(date(2025, 10, 10)), reception, NOW, TODAY)
    db.session.commit()

    row = _rows(reports.build_report("02/XLD", "P", OCT25))["DESK"]
    assert row["3"] == 2
    assert (row["23"], row["24"]) == (2, 2)


def test_defect_online_petition_without_an_address_is_counted_eligible(world, app):
    """02/XLD column 5 (petitions eligible for handling) counts a letter without an
    address.

    Hand count. On 01/12/2026 a citizen sends a complaint through the online form giving
    her name and a phone number only (the form asks for "at least one" of phone, e-mail or
    address). Nobody at the desk has judged it yet. Month 12/2026 (15/11 – 14/12/2026):
    column 3 = 1 received; column 5 = 0: reports.md defines eligible for handling as "đủ
    điều kiện xử lý: not a duplicate, named, clear content and address", and this letter
    has no address.

    Wrong: column 5 = 1.

    Cause: the online path (public.submit_online → intake.PetitionData) leaves `eligible`
    at its default True, and the measure `petitions_eligible` trusts that flag; nothing
    checks the address the definition requires (only denunciations demand one,
    intake.denouncer_errors). The same holds at the desk: the "Đủ điều kiện xử lý" box is
    ticked by default and a complaint without any address is accepted as eligible.
    Fix: a petition none of whose signers gave an address is not eligible (refuse the tick,
    or let the measure require an address), or the online path logs it as not yet
    eligible until the desk checks it.
    """
    public.submit_online(public.OnlineSubmission(
        kind="complaint", field_code="land", subject="Khiếu nại thu hồi đất",
        content="Đề nghị xem xét lại quyết định thu hồi đất.", full_name="Phạm Thị Hoa",
        phone="0912345678"), "DESK", NOW, TODAY)
    db.session.commit()
    row = _rows(reports.build_report("02/XLD", "P", forms.month_period(2026, 12)))["DESK"]
    assert row["3"] == 1
    assert row["5"] == 0


def test_defect_02xld_counts_nothing_by_the_forms_field_categories(world, make_case):
    """02/XLD has no column for the forms' field categories.

    Hand count. In month 1/2026 DESK receives a land complaint (field "land" → category
    "admin_land", hành chính — đất đai, nhà cửa) and a corruption denunciation (field
    "corruption" → category "corruption", tham nhũng). reports.md, "What the forms count":
    "Field, in the forms' categories: administrative — policies and benefits (chế độ chính
    sách), land and housing (đất đai, nhà cửa), officials and public duty, other
    administrative; corruption (tham nhũng); justice; Party and mass organisations; other.
    Each field of the system maps to one of these." The petition-handling form must give
    those figures: here 1 under land and housing and 1 under corruption.

    Wrong: no column of 02/XLD (nor of any form) is counted by field; the mapping is held
    (Field.report_category, catalog.REPORT_CATEGORIES) but never read by the reports.

    Cause: domain/reports.py's 02/XLD layout has no field-category columns and
    services/reports.py no measure joining Field.report_category.
    Fix: add the category columns (a measure per category over the petitions received, or
    handled within competence, by Case.field → Field.report_category) to the layout.
    """
    reception = world["reception"]
    make_case(reception, kind="complaint", field="land", received_on=date(2026, 1, 5))
    make_case(reception, kind="denunciation", field="corruption",
              received_on=date(2026, 1, 6))
    db.session.commit()
    report = reports.build_report("02/XLD", "P", JAN)
    row = _rows(report)["DESK"]
    assert row["3"] == 2
    land = [c for c in report.form.columns if "đất đai" in c.vi.lower()]
    corruption = [c for c in report.form.columns if "tham nhũng" in c.vi.lower()]
    assert land and corruption, "no field-category column in 02/XLD"
    assert [row[c.code] for c in land] == [1] and [row[c.code] for c in corruption] == [1]


# --- passing probes (guards) -----------------------------------------------------------


def test_probe_02xld_hand_count_over_the_year_end_with_excel_vi_and_en(world, make_case):
    """PASSING PROBE. Month 1/2026 (15/12/2025 – 14/01/2026), DESK's petitions:
      a complaint r1 rec 14/12/2025 routed 15/12 → carried over (2), handled (7, 16)
      b denunciation rec 15/12 routed 14/01 → received, handled (8)
      c feedback rec 14/01 routed 15/01 → received, pending at the cut-off
      f recommendation rec 20/12 forwarded 22/12, reply letter 10/01 → 12, 14
      g denunciation rec 16/12 filed anonymous → 13, not eligible
      h complaint rec 16/12 filed time-barred → 13, eligible (not in the definition)
      i feedback rec 18/12 guided → 11;  j complaint rec 18/12 withdrawn before handling → 13
      a later letter on a, 05/01 → received, joined = filed (13), duplicate, "repeated"
      k complaint rec 19/12 routed 20/12, returned 28/12 → pending at the cut-off
      s second-round complaint rec 02/01 routed 03/01 → 7, 17; history decided in round 1
    Columns: 1=11 2=1 3=10 4=10 5=8 6=9 7=2 8=1 9=0 10=6 11=1 12=1 13=4 14=1 15=2 16=1
    17=1 18=8 19=2 20=1; the other units 0; the total row equals DESK's row. The Excel
    sheet carries the header range, the numbered row, DESK's figures and the total in
    both languages."""
    r = world["reception"]

    def new(on, **kw):
        return make_case(r, received_on=on, **kw)

    a = new(date(2025, 12, 14))
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2025, 12, 15))
    b = new(date(2025, 12, 15), kind="denunciation")
    workflow.route(b, "C", None, NOW, TODAY, decided_on=date(2026, 1, 14))
    c = new(date(2026, 1, 14), kind="feedback")
    workflow.route(c, "D", None, NOW, TODAY, decided_on=date(2026, 1, 15))
    f = new(date(2025, 12, 20), kind="recommendation")
    workflow.forward(f, "Tòa án nhân dân", None, NOW, TODAY, decided_on=date(2025, 12, 22))
    forwarding.record_reply(f, date(2026, 1, 10), None, r, NOW, TODAY)
    g = new(date(2025, 12, 16), kind="denunciation")
    workflow.file_away(g, "anonymous", None, NOW, TODAY, decided_on=date(2025, 12, 17))
    h = new(date(2025, 12, 16))
    workflow.file_away(h, "time_barred", None, NOW, TODAY, decided_on=date(2025, 12, 17))
    i = new(date(2025, 12, 18), kind="feedback")
    workflow.guide(i, "Đến UBND xã", None, NOW, TODAY, decided_on=date(2025, 12, 19))
    j = new(date(2025, 12, 18))
    workflow.withdraw(j, "Rút đơn", None, NOW, TODAY, decided_on=date(2025, 12, 19))
    intake.add_petition(a, _letter(date(2026, 1, 5)), r, NOW, TODAY)
    k = new(date(2025, 12, 19))
    workflow.route(k, "D", None, NOW, TODAY, decided_on=date(2025, 12, 20))
    workflow.return_case(k, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=date(2025, 12, 28))
    s = new(date(2026, 1, 2), complaint_round=2)
    workflow.route(s, "P", None, NOW, TODAY, decided_on=date(2026, 1, 3))
    db.session.commit()

    report = reports.build_report("02/XLD", "P", JAN)
    expected = {"1": 11, "2": 1, "3": 10, "4": 10, "5": 8, "6": 9, "7": 2, "8": 1, "10": 6,
                "11": 1, "12": 1, "13": 4, "14": 1, "15": 2, "16": 1, "17": 1, "18": 8,
                "19": 2, "20": 1, "26": 10}  # 26: land and housing (the fix of defect 4)
    rows = _rows(report)
    assert _nonzero(rows["DESK"]) == expected
    assert all(not _nonzero(rows[u]) for u in ("P", "D", "C"))
    assert _nonzero(report.total) == expected

    codes = [col.code for col in report.form.columns]
    for lang, range_text, total_text in (
            ("vi", "Số liệu tính từ ngày 15/12/2025 đến ngày 14/01/2026", "Tổng cộng"),
            ("en", "Figures from 15/12/2025 to 14/01/2026", "Grand total")):
        sheet = load_workbook(io.BytesIO(reports.workbook_bytes(report, lang))).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[3][0] == range_text
        assert values[7][2:2 + len(codes)] == [col.formula or col.code
                                               for col in report.form.columns]
        by_name = {row[1]: row for row in values[8:13]}
        desk = by_name["Ban Tiếp công dân"]
        assert dict(zip(codes, desk[2:], strict=False)) == {c: expected.get(c, 0)
                                                           for c in codes}
        total = by_name[total_text]
        assert dict(zip(codes, total[2:], strict=False)) == {c: expected.get(c, 0)
                                                            for c in codes}


def test_probe_02xld_closed_period_is_stable_under_later_moves(world, make_case):
    """PASSING PROBE. Month 1/2026 built, then moves dated in month 2 (a routed complaint
    returned and filed, an accepted denunciation transferred, a re-routed feedback
    returned again, a pending complaint routed): month 1 is unchanged (1=4 3=4 6=3 7=1 8=1
    9=1 15=1). Month 2 (15/01 – 14/02): carried over 3 (the pending complaint, and the two
    petitions whose routings were undone by returns: reports.py's documented rule),
    handled 2 (complaint routed, complaint filed), pending 1."""
    r = world["reception"]

    def new(on, **kw):
        return make_case(r, received_on=on, **kw)

    a = new(date(2026, 1, 5))
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2026, 1, 6))
    b = new(date(2026, 1, 5), kind="denunciation")
    workflow.route(b, "D", None, NOW, TODAY, decided_on=date(2026, 1, 6))
    workflow.accept(b, None, NOW, TODAY, decided_on=date(2026, 1, 8))
    c = new(date(2026, 1, 5), kind="feedback")
    workflow.route(c, "D", None, NOW, TODAY, decided_on=date(2026, 1, 6))
    workflow.return_case(c, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=date(2026, 1, 7))
    workflow.route(c, "C", None, NOW, TODAY, decided_on=date(2026, 1, 9))
    d = new(date(2026, 1, 10))
    db.session.commit()
    before = _rows(reports.build_report("02/XLD", "P", JAN))["DESK"]
    assert _nonzero(before) == {"1": 4, "3": 4, "4": 4, "5": 4, "6": 3, "7": 1, "8": 1,
                                "9": 1, "15": 1, "16": 1, "18": 4, "26": 4}
    workflow.return_case(a, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=date(2026, 1, 20))
    workflow.file_away(a, "time_barred", None, NOW, TODAY, decided_on=date(2026, 1, 21))
    workflow.transfer(b, "C", "Thuộc thẩm quyền xã", None, NOW, TODAY,
                      decided_on=date(2026, 1, 20))
    workflow.return_case(c, "Không thuộc thẩm quyền", "D", None, NOW, TODAY,
                         decided_on=date(2026, 1, 20))
    workflow.route(d, "D", None, NOW, TODAY, decided_on=date(2026, 1, 16))
    db.session.commit()
    assert _rows(reports.build_report("02/XLD", "P", JAN))["DESK"] == before
    feb = _rows(reports.build_report("02/XLD", "P", forms.month_period(2026, 2)))["DESK"]
    assert _nonzero(feb) == {"1": 3, "2": 3, "6": 2, "7": 1, "16": 1, "10": 1, "13": 1,
                             "15": 1}


def _session(agency, kind, on, scheduled=True, **figures) -> ReceptionSession:
    counts = dict.fromkeys(sessions.COUNTS, 0)
    counts.update(figures)
    return ReceptionSession(agency_id=agency.id, kind=kind, held_on=on, scheduled=scheduled,
                            leader_name=None if kind == "regular" else "Nguyễn Văn Lãnh",
                            **counts)


def test_probe_01tcd_every_cell_of_the_reception_grid_by_hand(world):
    """PASSING PROBE. Month 1/2026, sessions held:
      DESK regular 15/12/2025: 4 turns, 6 people, 2 first + 1 repeated, 1 delegation of 5
           people on 1 matter; regular 14/01/2026: 2 turns, 2 people, 1 first + 1 repeated;
           regular 14/12/2025 and 15/01/2026 (outside: not counted)
           (so DESK: column 19, matters of delegations, = 1)
      P head in person, periodic 10/01: 3 turns, 8 people, 1 first + 2 repeated, 1
           delegation (6 people, 1 matter); unscheduled 11/01: 2 turns, 7 people, 1 first,
           1 delegation (6 people, 1 matter)
      D deputy periodic 20/12: 1 turn, 1 person, 1 first; deputy unscheduled 21/12: 5 turns,
           12 people, 2 first + 1 repeated, 2 delegations (10 people, 2 matters)
      C head periodic 02/01: nobody came (a session held, no turns)
    Every unit's 47 cells and the total row as counted by hand."""
    ag = {a.code: a for a in db.session.query(Agency)}
    db.session.add_all([
        _session(ag["DESK"], "regular", date(2025, 12, 15), turns=4, people=6,
                 matters_first=2, matters_repeated=1, delegations=1, delegation_people=5,
                 delegation_matters=1),
        _session(ag["DESK"], "regular", date(2026, 1, 14), turns=2, people=2,
                 matters_first=1, matters_repeated=1),
        _session(ag["DESK"], "regular", date(2025, 12, 14), turns=9, people=9,
                 matters_first=9),
        _session(ag["DESK"], "regular", date(2026, 1, 15), turns=9, people=9,
                 matters_first=9),
        _session(ag["P"], "head", date(2026, 1, 10), True, turns=3, people=8,
                 matters_first=1, matters_repeated=2, delegations=1, delegation_people=6,
                 delegation_matters=1),
        _session(ag["P"], "head", date(2026, 1, 11), False, turns=2, people=7,
                 matters_first=1, delegations=1, delegation_people=6, delegation_matters=1),
        _session(ag["D"], "deputy", date(2025, 12, 20), True, turns=1, people=1,
                 matters_first=1),
        _session(ag["D"], "deputy", date(2025, 12, 21), False, turns=5, people=12,
                 matters_first=2, matters_repeated=1, delegations=2, delegation_people=10,
                 delegation_matters=2),
        _session(ag["C"], "head", date(2026, 1, 2), True),
    ])
    db.session.commit()
    report = reports.build_report("01/TCD", "P", JAN)
    rows = _rows(report)
    desk = {"1": 6, "2": 6, "3": 8, "4": 5, "9": 3, "10": 2, "11": 1, "12": 5, "19": 1, "20": 2,
            "21": 3, "22": 2, "23": 1, "24": 5, "25": 1}
    province = {"1": 5, "5": 5, "6": 5, "8": 2, "9": 2, "10": 2, "11": 2, "12": 12, "13": 3,
                "14": 2, "15": 1, "16": 1, "17": 15, "19": 2, "26": 8, "27": 1, "28": 2,
                "29": 1, "30": 6, "31": 1, "32": 1, "33": 2, "34": 7, "35": 1, "37": 1,
                "38": 6, "39": 1}
    department = {"1": 6, "5": 6, "7": 6, "8": 2, "9": 3, "10": 1, "11": 2, "12": 10,
                  "13": 1, "14": 5, "15": 1, "16": 1, "18": 13, "19": 2, "26": 1, "27": 1,
                  "40": 1, "41": 5, "42": 12, "43": 2, "44": 1, "45": 2, "46": 10, "47": 2}
    commune = {"8": 1, "15": 1}
    assert _nonzero(rows["DESK"]) == desk
    assert _nonzero(rows["P"]) == province
    assert _nonzero(rows["D"]) == department
    assert _nonzero(rows["C"]) == commune
    for code in (c.code for c in report.form.columns):
        assert report.total[code] == sum(part.get(code, 0)
                                         for part in (desk, province, department, commune))
