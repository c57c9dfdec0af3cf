"""QA round 35: the official resolution forms counted by hand — 03/GQKN (complaint
resolution), 04/GQTC (denunciation resolution), 05/KQTH (enforcement of decisions) and
06/QLKNTC (rules: reports.md and domain.md of the specification).

World: province P (root) with department D, commune C and the reception desk DESK (no
district level). Main period: quarter 3/2026 = 15/06 – 14/09/2026 (Circular 01/2024: cut-off
on the 14th). Calendar: 31/08 (swapped from Saturday 22/08), 01/09 and 02/09/2026 are days
off. Resolution runs 30 calendar days from acceptance (first complaint, denunciation), 45
(second complaint, and a first complaint that is complex: a mass petition); a due date on
a day off moves to the next working day (Civil Code Art. 148(5)); a suspension stops the
clock and the remaining time runs again from the resumption.

Defects (tests named `test_defect_…`, failing on the frozen code):

1. No enforcement form (05/KQTH) and no enforcement data at all. reports.md lists what the
   system must hold for "Enforcement of decisions: decisions to enforce and enforced; money
   and land due and actually recovered or returned; people disciplined; prosecutions", and
   names 05/KQTH among the forms. `domain/reports.FORMS` holds 02/XLD, 03/GQKN, 04/GQTC and
   01/TCD only; `Case` has the amounts a decision orders but nothing on what was enforced
   or actually recovered, and no service records it.
2. 03/GQKN and 04/GQTC count matters (vụ việc) only, never petitions (đơn). reports.md:
   "Every form counts both 'số đơn' and 'số vụ việc': several petitions (repeat letters,
   several signers, copies sent to several bodies) can concern one matter." A matter
   accepted with three letters is 1 matter and 3 petitions; the forms give no column for
   the 3.

Probes (tests named `test_probe_…`, passing guards of what was counted by hand and found
right): every column of 03/GQKN over a quarter (carried over vs accepted on the 14th/15th
boundaries, in/out of the period, right/wrong/partly, second round upheld/annulled/withdrawn
after explanation, withdrawal by two petitioners one after the other, on time vs late with
a holiday due date, a suspension and a mass (complex) case, money/land to recover and
return, people and organisations restored, discipline, investigation, the formulas and the
total row, the unit rows); the same for 04/GQTC with complex and very complex extensions;
the extension limits; two suspensions and a withdrawal while suspended; a partial
withdrawal of a mass complaint keeping its 45 days; a calendar change (extra day off,
make-up Saturday) moving open due dates and the on-time count; closed periods unchanged by
later transfers and returns, and the next quarter carrying over what the last left
pending; the year period's 15/12 boundaries; the page and the Excel file (vi and en) of
03/GQKN and 04/GQTC giving the same figures.

Judgements (not defects): 06/QLKNTC (state management) is named in reports.md but nothing
says what it counts, so its absence is not charged; 03/GQKN does not split carried over,
accepted, resolved or on time by round (reports.md asks the round for handling and the
outcomes only, which 16/17 give); a matter moved away during the period is counted by
neither unit (services/reports.py documents it), so a unit's "carried over" may be less
than its previous "pending"; a withdrawal after the due date counts as late.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel.numbers import format_decimal
from openpyxl import load_workbook

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import admin, intake, reports, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.resolution_world import desk_world

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)  # 15/06 – 14/09/2026
Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


@pytest.fixture
def new(make_agency, make_user, make_case):
    """A case logged at DESK: new(kind, received=…, petitioners=…, complaint_round=…)."""
    return desk_world(make_agency, make_user, make_case)


def _accepted(case, unit: str, routed: date, accepted: date):
    workflow.route(case, unit, None, NOW, TODAY, decided_on=routed)
    workflow.accept(case, None, NOW, TODAY, decided_on=accepted)
    return case


def _resolve(case, outcome: str, on: date, **figures) -> None:
    workflow.resolve(case, outcome, "QĐ 12/QĐ-UBND", "Tóm tắt kết quả", None, NOW, TODAY,
                     decided_on=on, figures=figures)


def _withdraw(case, on: date, who: list[int] | None = None) -> None:
    workflow.withdraw(case, "Rút đơn", None, NOW, TODAY, decided_on=on, petitioner_ids=who)


def _signers(case) -> list[int]:
    return [s.petitioner_id for p in case.petitions for s in p.signers]


def _due(case) -> date:
    return case.deadline("resolution").due_on


def _rows(report) -> dict[str, dict]:
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}


def _nonzero(row: dict) -> dict:
    return {k: v for k, v in row.items() if v}


def _formulas_hold(report) -> None:
    for row in (*report.rows, report.total):
        for column in report.form.columns:
            if column.formula:
                target, terms = forms.parse_formula(column.formula)
                assert row[target] == pytest.approx(
                    sum(sign * row[code] for sign, code in terms)), column.formula


# --- the 03/GQKN world ------------------------------------------------------------------

# Hand count of quarter 3/2026 (see _complaint_world).
KN_D = {"1": 12, "2": 3, "3": 9, "4": 9, "5": 5, "6": 2, "7": 1, "8": 1, "9": 7, "10": 2,
        "11": 12.5, "12": 100.25, "13": 2, "14": 1, "15": 3, "18": 1, "19": 0.1, "20": 0.2,
        "21": 1, "22": 3, "23": 1, "24": 2,
        # The petitions of those matters (columns 25–29, after the fix of defect 2): every
        # matter of this world came with one letter, so they repeat columns 1–4 and 15.
        "25": 12, "26": 3, "27": 9, "28": 9, "29": 3}
KN_C = {"1": 2, "2": 1, "3": 1, "4": 1, "6": 1, "9": 1, "15": 1,
        "25": 2, "26": 1, "27": 1, "28": 1, "29": 1}
KN_P = {"1": 4, "2": 1, "3": 3, "4": 4, "8": 4, "9": 2, "10": 2, "13": 4, "16": 1, "17": 1,
        "18": 2, "19": 3.25, "20": 50, "21": 1, "25": 4, "26": 1, "27": 3, "28": 4}


def _complaint_world(new) -> None:
    """Complaints, quarter 3/2026 (15/06 – 14/09/2026).

    D (first round; due = acceptance + 30 days, off a day off):
      a acc 10/06 (due 10/07) right 01/07: money 12.5, land 100.25, 2 people restored
        → carried, right, on time
      b acc 12/06 (due 13/07), open → carried, pending
      c acc 15/06 (due 15/07) wrong 15/07 (the due day) → accepted, on time
      d acc 01/07 (due 31/07) partly right 03/08: 3 disciplined of whom 1 official, 2
        people to investigation → late, matter to investigation
      e two petitioners, acc 20/07; one withdraws 25/07 (goes on), the other 30/07 →
        withdrawn once, on time
      f acc 14/09 (the cut-off day) → accepted, pending;  g acc 15/09 → not in Q3
      h acc 01/06 resolved 12/06 → not in Q3 at all
      i acc 03/08 (due 02/09, a day off → 03/09), suspended 10/08 with 23 days left,
        resumed 20/08 → due 12/09 (Saturday) → 14/09; right 10/09 → on time
      j acc 03/08 (due 03/09) wrong 03/09 → on time
      k acc 10/08 (due 09/09) resolved 15/09 → pending at the cut-off
      l acc 01/06 (due 01/07) right 02/07: return 0.1 million and 0.2 m², 1 organisation
        → carried, late
      m 5 petitioners (mass, complex: 45 days) acc 02/07 (due 17/08); one withdraws
        10/07; right 14/08 → on time
      x at C acc 02/07, transferred to D 20/08, D acc 25/08, right 10/09 → D accepted, on
        time; C counts it nowhere (moved away in the period)
    C: y acc 01/07 (due 31/07) wrong 31/07 → on time;  z acc 10/06, suspended 20/06 →
       carried, pending.
    P (second round; 45 days): s1 acc 01/07 (due 17/08) upheld 17/08 → on time;
       s2 acc 02/07 (due 17/08) annulled 18/08 → late; return 3.25 million, 50 m², 1
       organisation and 4 people restored; s3 acc 03/06 (due 20/07) withdrawn after
       explanation 20/06 → carried, on time; s4 acc 10/07 (due 24/08), withdrawn 01/09 →
       late.
    """
    a = _accepted(new(), "D", d(6, 1), d(6, 10))
    assert _due(a) == d(7, 10)
    _resolve(a, "right", d(7, 1), money_to_recover=12.5, land_to_recover="100.25",
             people_restored=2)
    b = _accepted(new(), "D", d(6, 1), d(6, 12))
    assert _due(b) == d(7, 13)
    c = _accepted(new(), "D", d(6, 1), d(6, 15))
    _resolve(c, "wrong", d(7, 15))
    case = _accepted(new(), "D", d(6, 20), d(7, 1))
    assert _due(case) == d(7, 31)
    _resolve(case, "partly_right", d(8, 3), people_disciplined=3, officials_disciplined=1,
             people_sent_to_investigation=2)
    e = _accepted(new(petitioners=2), "D", d(7, 1), d(7, 20))
    first, second = _signers(e)
    _withdraw(e, d(7, 25), [first])
    assert e.status == "accepted"
    _withdraw(e, d(7, 30), [second])
    _accepted(new(), "D", d(9, 1), d(9, 14))
    _accepted(new(), "D", d(9, 10), d(9, 15))
    h = _accepted(new(received=d(5, 20)), "D", d(5, 25), d(6, 1))
    _resolve(h, "right", d(6, 12))
    i = _accepted(new(), "D", d(7, 20), d(8, 3))
    assert _due(i) == d(9, 3)
    workflow.suspend(i, "Chờ giám định", None, NOW, TODAY, decided_on=d(8, 10))
    workflow.resume(i, None, NOW, TODAY, decided_on=d(8, 20))
    assert _due(i) == d(9, 14)
    _resolve(i, "right", d(9, 10))
    j = _accepted(new(), "D", d(7, 20), d(8, 3))
    _resolve(j, "wrong", d(9, 3))
    k = _accepted(new(), "D", d(7, 20), d(8, 10))
    _resolve(k, "right", d(9, 15))
    m = _accepted(new(received=d(5, 20)), "D", d(5, 25), d(6, 1))
    assert _due(m) == d(7, 1)
    _resolve(m, "right", d(7, 2), money_to_return=0.1, land_to_return=0.2, orgs_restored=1)
    mass = _accepted(new(petitioners=5), "D", d(7, 1), d(7, 2))
    assert mass.is_complex and _due(mass) == d(8, 17)
    _withdraw(mass, d(7, 10), [_signers(mass)[1]])
    assert _due(mass) == d(8, 17)  # the running variant is kept
    _resolve(mass, "right", d(8, 14))
    x = _accepted(new(), "C", d(7, 1), d(7, 2))
    workflow.transfer(x, "D", "Thuộc thẩm quyền Sở", None, NOW, TODAY, decided_on=d(8, 20))
    workflow.accept(x, None, NOW, TODAY, decided_on=d(8, 25))
    _resolve(x, "right", d(9, 10))
    y = _accepted(new(), "C", d(6, 20), d(7, 1))
    _resolve(y, "wrong", d(7, 31))
    z = _accepted(new(), "C", d(6, 1), d(6, 10))
    workflow.suspend(z, "Chờ ý kiến", None, NOW, TODAY, decided_on=d(6, 20))
    s1 = _accepted(new(complaint_round=2), "P", d(7, 1), d(7, 1))
    assert _due(s1) == d(8, 17)
    _resolve(s1, "upheld", d(8, 17))
    s2 = _accepted(new(complaint_round=2), "P", d(7, 1), d(7, 2))
    _resolve(s2, "annulled", d(8, 18), money_to_return="3.25", land_to_return=50,
             orgs_restored=1, people_restored=4)
    s3 = _accepted(new(complaint_round=2), "P", d(6, 1), d(6, 3))
    _resolve(s3, "withdrawn_after_explanation", d(6, 20))
    s4 = _accepted(new(complaint_round=2), "P", d(7, 1), d(7, 10))
    assert _due(s4) == d(8, 24)
    _withdraw(s4, d(9, 1))
    db.session.commit()


# Hand count of quarter 3/2026 (see _denunciation_world).
TC_C = {"1": 6, "2": 1, "3": 5, "4": 5, "5": 2, "6": 1, "7": 1, "8": 1, "9": 4, "10": 1,
        "11": 5, "12": 2, "13": 1, "14": 1, "15": 20, "16": 7.5, "17": 30, "18": 3, "19": 2,
        "20": 2, "21": 1,
        # The petitions of those matters (columns 22–26, after the fix of defect 2): one
        # letter per matter, so they repeat columns 1–4 and 14.
        "22": 6, "23": 1, "24": 5, "25": 5, "26": 1}
TC_D = {"1": 1, "2": 1, "4": 1, "5": 1, "9": 1, "22": 1, "23": 1, "25": 1}


def _denunciation_world(new) -> None:
    """Denunciations, quarter 3/2026.

    C: t1 acc 10/06 (due 10/07) right 10/07: recover 5 million and 20 m², 2 disciplined
         (both officials), 1 person to investigation → carried, on time
       t2 acc 01/07 (due 31/07), declared complex and extended 30 days on 20/07 → 30/08
         (Sunday), 31/08–02/09 days off → 03/09; wrong 03/09 → on time
       t3 acc 01/07, very complex: extended 30 on 20/07 (→ 03/09) and 30 again on 25/08 →
         29/09; partly right 14/09: return 7.5 million and 30 m², 3 people and 2
         organisations restored → on time
       t4 acc 01/07 (due 31/07) right 03/08 → late
       t5 two denouncers, acc 15/07; one withdraws 20/07, the other 25/07 → withdrawn once
       t6 acc 20/08 open → pending;  t7 acc 15/09 → not in Q3
    D: u1 acc 05/06 (own end 05/07), suspended 10/06 with 25 days left, resumed 20/07 →
       due 14/08; right 14/08 → carried, on time.
    """
    t1 = _accepted(new("denunciation"), "C", d(6, 1), d(6, 10))
    _resolve(t1, "denunciation_right", d(7, 10), money_to_recover=5, land_to_recover=20,
             people_disciplined=2, officials_disciplined=2, people_sent_to_investigation=1)
    t2 = _accepted(new("denunciation"), "C", d(6, 20), d(7, 1))
    assert _due(t2) == d(7, 31)
    workflow.extend(t2, 30, "Vụ việc phức tạp", None, NOW, TODAY, decided_on=d(7, 20),
                    complexity="complex")
    assert _due(t2) == d(9, 3)
    _resolve(t2, "denunciation_wrong", d(9, 3))
    t3 = _accepted(new("denunciation"), "C", d(6, 20), d(7, 1))
    workflow.extend(t3, 30, "Đặc biệt phức tạp", None, NOW, TODAY, decided_on=d(7, 20),
                    complexity="very_complex")
    assert _due(t3) == d(9, 3)
    workflow.extend(t3, 30, "Gia hạn lần hai", None, NOW, TODAY, decided_on=d(8, 25))
    assert _due(t3) == d(9, 29)
    _resolve(t3, "denunciation_partly_right", d(9, 14), money_to_return=7.5,
             land_to_return=30, people_restored=3, orgs_restored=2)
    t4 = _accepted(new("denunciation"), "C", d(6, 20), d(7, 1))
    _resolve(t4, "denunciation_right", d(8, 3))
    t5 = _accepted(new("denunciation", petitioners=2), "C", d(7, 1), d(7, 15))
    first, second = _signers(t5)
    _withdraw(t5, d(7, 20), [first])
    _withdraw(t5, d(7, 25), [second])
    _accepted(new("denunciation"), "C", d(8, 1), d(8, 20))
    _accepted(new("denunciation"), "C", d(9, 1), d(9, 15))
    u1 = _accepted(new("denunciation"), "D", d(6, 1), d(6, 5))
    workflow.suspend(u1, "Chờ giám định", None, NOW, TODAY, decided_on=d(6, 10))
    workflow.resume(u1, None, NOW, TODAY, decided_on=d(7, 20))
    assert _due(u1) == d(8, 14)
    _resolve(u1, "denunciation_right", d(8, 14))
    db.session.commit()


# --- defects ---------------------------------------------------------------------------


def test_defect_no_enforcement_form_05kqth_nor_enforcement_data(new):
    """No form counts the enforcement of decisions (05/KQTH), and the system holds no
    enforcement data to count.

    Hand count. In quarter 3/2026 D decides complaint a "right" on 01/07 with 12.5 million
    VND and 100.25 m² to recover for the State and 3 people recommended for discipline.
    reports.md, "What the forms count — the data the system must hold": "Enforcement of
    decisions: decisions to enforce and enforced; money and land due and actually
    recovered or returned; people disciplined; prosecutions", and the forms of Circular
    06/2025 include "05/KQTH enforcement". The enforcement form of Q3 must show, for D, one
    decision to enforce, with 12.5 million and 100.25 m² due (and how much of it was
    actually recovered once recorded).

    Wrong: FORMS (domain/reports.py) has 02/XLD, 03/GQKN, 04/GQTC and 01/TCD only; the
    background pack (report_jobs.OFFICIAL_FORMS) the same four. Case stores what a decision
    orders (money_to_recover, …) but has no field for a decision enforced or an amount
    actually recovered or returned, and no service records either.

    Cause: the enforcement part of reports.md was never modelled: no data (e.g. an
    enforcement record per decision: enforced on, amounts recovered/returned, people
    disciplined, prosecutions), no measures in services/reports.py, no layout in
    domain/reports.FORMS.
    """
    a = _accepted(new(), "D", d(6, 1), d(6, 10))
    _resolve(a, "right", d(7, 1), money_to_recover=12.5, land_to_recover="100.25",
             people_disciplined=3)
    db.session.commit()
    enforcement = [code for code, form in forms.FORMS.items()
                   if "KQTH" in code or "thi hành" in form.title_vi.lower()
                   or "enforce" in form.title_en.lower()]
    assert enforcement, f"no enforcement form among {sorted(forms.FORMS)}"
    row = _rows(reports.build_report(enforcement[0], "P", Q3))["D"]
    assert 1 in row.values() and 12.5 in row.values()


def test_defect_resolution_forms_count_no_petitions_only_matters(new):
    """03/GQKN and 04/GQTC give the number of matters (vụ việc) but never the number of
    petitions (đơn).

    Hand count. Quarter 3/2026: complaint K (first round) reaches D with its letter of
    01/07 and two later letters on the same matter (05/07 and 08/07, joined to it); D
    accepts it 10/07. Denunciation T reaches C with its letter of 01/07 and one later
    letter (06/07); C accepts it 10/07. reports.md: "Every form counts both 'số đơn' and
    'số vụ việc': several petitions (repeat letters, several signers, copies sent to several
    bodies) can concern one matter." 03/GQKN for D: 1 matter, 3 petitions within
    competence; 04/GQTC for C: 1 matter, 2 petitions.

    Wrong: both forms count the matter (column 3 = 1) and have no column of petitions; the
    3 and the 2 appear nowhere.

    Cause: domain/reports.FORMS' 03/GQKN and 04/GQTC layouts start with "Tổng số vụ việc
    thuộc thẩm quyền" and have no "số đơn" columns; services/reports.py's complaint and
    denunciation measures count resolution deadlines (one per matter) only.
    Fix: add petition columns (petitions of the matters carried over / accepted, counted
    over Petition joined to the case) beside the matter columns.
    """
    reception = new.reception

    def letter(on: date) -> intake.PetitionData:
        return intake.PetitionData(channel="mail", received_on=on, petitioners=[
            intake.PetitionerData(full_name="Lê Văn Tư", address="Số 4 Lê Lợi")])

    k = new(received=d(7, 1))
    intake.add_petition(k, letter(d(7, 5)), reception, NOW, TODAY)
    intake.add_petition(k, letter(d(7, 8)), reception, NOW, TODAY)
    _accepted(k, "D", d(7, 9), d(7, 10))
    t = new("denunciation", received=d(7, 1))
    intake.add_petition(t, intake.PetitionData(
        channel="mail", received_on=d(7, 6), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi", phone="0912345609")]),
        reception, NOW, TODAY)
    _accepted(t, "C", d(7, 9), d(7, 10))
    db.session.commit()
    assert (len(k.petitions), len(t.petitions)) == (3, 2)
    for code, unit, matters, petitions in (("03/GQKN", "D", 1, 3), ("04/GQTC", "C", 1, 2)):
        report = reports.build_report(code, "P", Q3)
        row = _rows(report)[unit]
        assert (row["1"], row["3"]) == (matters, matters)
        petition_columns = [c for c in report.form.columns
                            if "số đơn" in c.vi.lower() or c.vi.lower().startswith("đơn")]
        assert petition_columns, f"{code} has no column of petitions (số đơn)"
        assert petitions in [row[c.code] for c in petition_columns]


# --- passing probes (guards) -----------------------------------------------------------


def test_probe_03gqkn_every_column_by_hand(new):
    """PASSING PROBE. 03/GQKN, quarter 3/2026, the world of _complaint_world counted by
    hand: D, C, P as KN_D, KN_C, KN_P; DESK nothing; the total row their sum; every
    formula (1=2+3, 4=5+6+7+8, 10=4-9, 15=1-4, 18=8-16-17) holds on each row. D's own
    report (rooted at D) has D's row only, and its total is that row."""
    _complaint_world(new)
    report = reports.build_report("03/GQKN", "P", Q3)
    rows = _rows(report)
    assert [u.code for u in report.units][0] == "P"
    assert _nonzero(rows["D"]) == KN_D
    assert _nonzero(rows["C"]) == KN_C
    assert _nonzero(rows["P"]) == KN_P
    assert _nonzero(rows["DESK"]) == {}
    for column in report.form.columns:
        expected = sum(part.get(column.code, 0) for part in (KN_D, KN_C, KN_P))
        assert report.total[column.code] == pytest.approx(expected)
    assert report.total["19"] == 3.35 and report.total["20"] == 50.2  # exact decimals
    _formulas_hold(report)
    # A department's own report (an agency head's): its one row, and the total equals it.
    own = reports.build_report("03/GQKN", "D", Q3)
    assert [u.code for u in own.units] == ["D"]
    assert _nonzero(own.rows[0]) == KN_D and _nonzero(own.total) == KN_D


def test_probe_04gqtc_every_column_by_hand(new):
    """PASSING PROBE. 04/GQTC, quarter 3/2026, the world of _denunciation_world counted by
    hand (extensions of complex and very complex denunciations, a withdrawal by two
    denouncers, a suspension carried over): C as TC_C, D as TC_D, P and DESK nothing; the
    total row their sum; every formula holds. No denunciation leaks into 03/GQKN."""
    _denunciation_world(new)
    report = reports.build_report("04/GQTC", "P", Q3)
    rows = _rows(report)
    assert _nonzero(rows["C"]) == TC_C
    assert _nonzero(rows["D"]) == TC_D
    assert not _nonzero(rows["P"]) and not _nonzero(rows["DESK"])
    for column in report.form.columns:
        assert report.total[column.code] == pytest.approx(
            TC_C.get(column.code, 0) + TC_D.get(column.code, 0))
    _formulas_hold(report)
    kn = reports.build_report("03/GQKN", "P", Q3)
    assert not _nonzero(kn.total)


def test_probe_extension_limits(new):
    """PASSING PROBE. domain.md: a first complaint's resolution has no extension; a
    denunciation only once declared complex (once, ≤ 30 days) or very complex (twice,
    ≤ 30 each). Refused: extending a complaint, a plain denunciation, 31 days, a second
    extension of a complex one, a third of a very complex one."""
    k = _accepted(new(), "D", d(7, 1), d(7, 2))
    with pytest.raises(ValidationFailed):
        workflow.extend(k, 10, "Xin gia hạn", None, NOW, TODAY, decided_on=d(7, 10))
    plain = _accepted(new("denunciation"), "C", d(7, 1), d(7, 2))
    with pytest.raises(ValidationFailed):
        workflow.extend(plain, 10, "Xin gia hạn", None, NOW, TODAY, decided_on=d(7, 10))
    complex_ = _accepted(new("denunciation"), "C", d(7, 1), d(7, 2))
    with pytest.raises(ValidationFailed):
        workflow.extend(complex_, 31, "Phức tạp", None, NOW, TODAY, decided_on=d(7, 10),
                        complexity="complex")
    workflow.extend(complex_, 30, "Phức tạp", None, NOW, TODAY, decided_on=d(7, 10),
                    complexity="complex")
    with pytest.raises(ValidationFailed):
        workflow.extend(complex_, 5, "Lần hai", None, NOW, TODAY, decided_on=d(7, 20))
    very = _accepted(new("denunciation"), "C", d(7, 1), d(7, 2))
    workflow.extend(very, 30, "Đặc biệt phức tạp", None, NOW, TODAY, decided_on=d(7, 10),
                    complexity="very_complex")
    workflow.extend(very, 30, "Lần hai", None, NOW, TODAY, decided_on=d(7, 20))
    with pytest.raises(ValidationFailed):
        workflow.extend(very, 5, "Lần ba", None, NOW, TODAY, decided_on=d(7, 30))
    assert _due(very) == d(9, 30)  # 02/07 + 90 days


def test_probe_two_suspensions_and_a_withdrawal_while_suspended_are_on_time(new):
    """PASSING PROBE. Complaint of three petitioners at C, accepted 01/07 (own end 31/07).
    Suspended 05/07 (26 days left), resumed 10/07 → due 05/08. Suspended again 20/07 (16
    days left); one petitioner withdraws 25/07 (the case goes on, still suspended, due
    unchanged); the two others withdraw 30/08 while suspended: the clock stood still, due
    30/08 + 16 = 15/09, so the withdrawal is on time. Q3: C accepted 1, resolved 1,
    withdrawn (8, 18) 1, on time 1, late 0."""
    e = _accepted(new(petitioners=3), "C", d(7, 1), d(7, 1))
    workflow.suspend(e, "Chờ giám định", None, NOW, TODAY, decided_on=d(7, 5))
    workflow.resume(e, None, NOW, TODAY, decided_on=d(7, 10))
    assert _due(e) == d(8, 5)
    workflow.suspend(e, "Chờ ý kiến", None, NOW, TODAY, decided_on=d(7, 20))
    people = _signers(e)
    _withdraw(e, d(7, 25), people[:1])
    assert e.status == "suspended" and _due(e) == d(8, 5)
    _withdraw(e, d(8, 30), people[1:])
    assert e.status == "withdrawn" and _due(e) == d(9, 15)
    db.session.commit()
    row = _rows(reports.build_report("03/GQKN", "P", Q3))["C"]
    assert _nonzero(row) == {"1": 1, "3": 1, "4": 1, "8": 1, "9": 1, "18": 1,
                             "25": 1, "27": 1, "28": 1}


def test_probe_calendar_change_moves_open_due_dates_and_the_on_time_count(new, make_user):
    """PASSING PROBE. domain.md: administrators add extra days off and make-up working
    Saturdays; a change to the calendar recomputes open deadlines. Complaint A at D
    accepted 10/08 (due 09/09); the administrator makes 09/09 an extra day off → due
    10/09; resolved 10/09 → on time. Complaint B at D accepted 16/07 (15/08 a Saturday →
    due 17/08); the administrator makes Saturday 15/08 a working day → due 15/08; resolved
    17/08 → late. Q3 for D: resolved 2, on time 1, late 1."""
    a = _accepted(new(), "D", d(8, 1), d(8, 10))
    b = _accepted(new(), "D", d(7, 1), d(7, 16))
    assert (_due(a), _due(b)) == (d(9, 9), d(8, 17))
    administrator = make_user("admin")
    admin.add_calendar_override(d(9, 9), "day_off", "Quyết định nghỉ bù", administrator, NOW)
    admin.add_calendar_override(d(8, 15), "working_day", "Làm bù", administrator, NOW)
    db.session.refresh(a)
    db.session.refresh(b)
    assert (_due(a), _due(b)) == (d(9, 10), d(8, 15))
    _resolve(a, "right", d(9, 10))
    _resolve(b, "right", d(8, 17))
    db.session.commit()
    row = _rows(reports.build_report("03/GQKN", "P", Q3))["D"]
    assert {k: row[k] for k in ("3", "4", "5", "9", "10")} == {
        "3": 2, "4": 2, "5": 2, "9": 1, "10": 1}


def test_probe_closed_period_is_stable_and_the_next_carries_over_the_pending(new):
    """PASSING PROBE. Q3/2026 built; then moves dated in Q4: a complaint accepted by D
    transferred to C (accepted and resolved there), another returned by D and re-routed
    to and re-accepted by D, a denunciation accepted by D transferred to C. Q3 of
    03/GQKN and 04/GQTC is unchanged (D: 2 complaints and 1 denunciation accepted,
    pending)."""
    moved = _accepted(new(), "D", d(7, 1), d(7, 2))
    returned = _accepted(new(), "D", d(7, 1), d(7, 3))
    denunciation = _accepted(new("denunciation"), "D", d(7, 1), d(7, 3))
    db.session.commit()
    kn, tc = (reports.build_report(code, "P", Q3) for code in ("03/GQKN", "04/GQTC"))
    assert _nonzero(_rows(kn)["D"]) == {"1": 2, "3": 2, "15": 2, "25": 2, "27": 2, "29": 2}
    assert _nonzero(_rows(tc)["D"]) == {"1": 1, "3": 1, "14": 1, "22": 1, "24": 1, "26": 1}
    workflow.transfer(moved, "C", "Thuộc xã", None, NOW, TODAY, decided_on=d(9, 20))
    workflow.accept(moved, None, NOW, TODAY, decided_on=d(9, 25))
    _resolve(moved, "right", d(10, 1))
    workflow.return_case(returned, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=d(9, 20))
    _accepted(returned, "D", d(9, 22), d(9, 23))
    workflow.transfer(denunciation, "C", "Thuộc xã", None, NOW, TODAY, decided_on=d(9, 20))
    db.session.commit()
    assert reports.build_report("03/GQKN", "P", Q3).rows == kn.rows
    assert reports.build_report("04/GQTC", "P", Q3).rows == tc.rows


def test_probe_next_quarter_carries_over_what_was_pending(new):
    """PASSING PROBE. _complaint_world: Q3 pending (15) for D = 3, C = 1, P = 0; Q4 (15/09
    – 14/12/2026) carried over (2) the same: D 3 (b, f, k; k resolved 15/09 in Q4), C 1
    (z, still suspended); D accepted in Q4 1 (g, 15/09), resolved 1 (k, 15/09: due 09/09,
    late)."""
    _complaint_world(new)
    q3 = _rows(reports.build_report("03/GQKN", "P", Q3))
    q4 = _rows(reports.build_report("03/GQKN", "P", Q4))
    for unit in ("D", "C", "P"):
        assert q4[unit]["2"] == q3[unit]["15"]
    assert _nonzero(q4["D"]) == {"1": 4, "2": 3, "3": 1, "4": 1, "5": 1, "10": 1, "15": 3,
                                 "25": 4, "26": 3, "27": 1, "28": 1, "29": 3}


def test_probe_year_period_boundaries_on_the_15th_of_december(new):
    """PASSING PROBE. Year 2025 = 15/12/2024 – 14/12/2025, year 2026 = 15/12/2025 –
    14/12/2026. Complaints at D accepted 14/12/2025 (A), 15/12/2025 (B) and 30/11/2026 (C),
    all open; a denunciation at C accepted and concluded on 14/12/2025. Year 2025: D
    accepted 1 (A), pending 1; C accepted 1, concluded 1 on time. Year 2026: D carried over
    1 (A), accepted 2, pending 3; nothing of the denunciation. Month 12/2026 (15/11 –
    14/12/2026): D carried 2 (A, B), accepted 1 (C)."""
    for accepted in (d(12, 14, 2025), d(12, 15, 2025), d(11, 30)):
        _accepted(new(received=d(12, 1, 2025)), "D", d(12, 2, 2025), accepted)
    t = _accepted(new("denunciation", received=d(12, 1, 2025)), "C", d(12, 2, 2025),
                  d(12, 14, 2025))
    _resolve(t, "denunciation_wrong", d(12, 14, 2025))
    db.session.commit()
    y25, y26 = (forms.cumulative_period(year, "year") for year in (2025, 2026))
    assert (y26.start, y26.end) == (d(12, 15, 2025), d(12, 14))
    assert _nonzero(_rows(reports.build_report("03/GQKN", "P", y25))["D"]) == {
        "1": 1, "3": 1, "15": 1, "25": 1, "27": 1, "29": 1}
    assert _nonzero(_rows(reports.build_report("04/GQTC", "P", y25))["C"]) == {
        "1": 1, "3": 1, "4": 1, "6": 1, "9": 1, "22": 1, "24": 1, "25": 1}
    assert _nonzero(_rows(reports.build_report("03/GQKN", "P", y26))["D"]) == {
        "1": 3, "2": 1, "3": 2, "15": 3, "25": 3, "26": 1, "27": 2, "29": 3}
    assert not _nonzero(reports.build_report("04/GQTC", "P", y26).total)
    dec = _rows(reports.build_report("03/GQKN", "P", forms.month_period(2026, 12)))["D"]
    assert _nonzero(dec) == {"1": 3, "2": 2, "3": 1, "15": 3, "25": 3, "26": 2, "27": 1,
                             "29": 3}


@pytest.mark.parametrize("code", ["03/GQKN", "04/GQTC"])
def test_probe_page_and_excel_give_the_hand_counted_figures(new, client, login, make_user,
                                                            code):
    """PASSING PROBE. The report page and its Excel export (vi and en) of 03/GQKN and
    04/GQTC, Q3/2026: the header "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026",
    the numbered row with the formulas, each unit's row and the total row equal the hand
    count (KN_* / TC_*), cell for cell."""
    if code == "03/GQKN":
        _complaint_world(new)
        expected = {"P": KN_P, "D": KN_D, "C": KN_C, "DESK": {}}
    else:
        _denunciation_world(new)
        expected = {"P": {}, "D": TC_D, "C": TC_C, "DESK": {}}
    form = forms.FORMS[code]
    codes = [c.code for c in form.columns]
    total = {c: sum(part.get(c, 0) for part in expected.values()) for c in codes}
    names = {"P": "UBND tỉnh", "D": "Sở Tài nguyên", "C": "UBND xã An Hòa",
             "DESK": "Ban Tiếp công dân"}
    login(make_user("inspector"))
    args = f"form={code}&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026" in html
    total_row = html[html.index('data-testid="total-row"'):]
    total_row = total_row[:total_row.index("</tr>")]
    for c in codes:  # as the Vietnamese page writes numbers (QA round 63: 1.500,5)
        assert f'<td data-col="{c}">{format_decimal(total[c], locale="vi")}</td>' in total_row
    for lang, total_label, header in (
            ("vi", "Tổng cộng", "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026"),
            ("en", "Grand total", "Figures from 15/06/2026 to 14/09/2026")):
        sources = [reports.workbook_bytes(reports.build_report(code, "P", Q3), lang)]
        if lang == "vi":  # the page's own download
            sources.append(client.get(f"/inspection/reports?{args}&export=xlsx").data)
        for source in sources:
            sheet = load_workbook(io.BytesIO(source)).active
            values = [list(r) for r in sheet.iter_rows(values_only=True)]
            assert values[3][0] == header
            assert values[7][2:2 + len(codes)] == [c.formula or c.code for c in form.columns]
            by_name = {r[1]: r for r in values[reports.FIRST_DATA_ROW - 1:] if r[1]}
            for unit, figures in expected.items():
                cells = by_name[names[unit]][2:2 + len(codes)]
                assert dict(zip(codes, cells, strict=True)) == pytest.approx(
                    {c: figures.get(c, 0) for c in codes}), (lang, unit)
            grand = by_name[total_label][2:2 + len(codes)]
            assert dict(zip(codes, grand, strict=True)) == pytest.approx(total)
