"""QA round 45: one province's year, end to end — do 01/TCD… 05/KQTH and the inspectors'
scorecard tell one story about the same cases, across consecutive periods?
(rules: reports.md and domain.md of the specification).

World: province P (root); department D under P; commune C under D (levels are data:
reports.md "one row per subordinate unit"); the reception desk DESK under P. Periods:
quarter 2/2026 = 15/03 – 14/06, quarter 3/2026 = 15/06 – 14/09, 9 months = 15/12/2025 –
14/09/2026 (Circular 01/2024: cut-off on the 14th).

Defects (tests `test_defect_…`, failing on the frozen code):

1. 05/KQTH counts the enforcement of a decision that it no longer counts among the
   decisions to enforce: a first-round decision enforced, then annulled in the second
   round later in the same period, is in column 4 (enforced) and 11 (money returned) but
   in neither column 2 nor 3 — column 5 (= 1 − 4, not yet enforced) reads −1, and money
   returned exceeds money to return.
2. 02/XLD of a commune counts, as "complaints within competence" (column 7), petitions its
   own reception desk sent up to a department outside the commune: 03/GQKN of the same
   unit never holds them. reports.md: within competence, or not — then guided,
   transferred (chuyển đơn).

Probes (tests `test_probe_…`, passing): the year's world counted by hand over Q2, Q3 and
9 months on 02/XLD, 03/GQKN, 04/GQTC, 05/KQTH and the scorecard; closing backlog of Q2 =
opening backlog of Q3 on 03/GQKN, 04/GQTC and 05/KQTH; quarters adding up to the 9-month
report; scorecard resolved/on time = 03/GQKN + 04/GQTC per unit, live and rebuilt; a
report rooted at the department D adding up to D + C of the province's report.
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Agency
from complaints.services import (
    enforcement,
    intake,
    reports,
    scorecard,
    scorecard_summary,
    splitting,
    workflow,
)
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q2 = forms.quarter_period(2026, 2)  # 15/03 – 14/06/2026
Q3 = forms.quarter_period(2026, 3)  # 15/06 – 14/09/2026
N9 = forms.cumulative_period(2026, "nine_months")  # 15/12/2025 – 14/09/2026


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def _rows(report) -> dict[str, dict]:
    """Per unit code (and "TOTAL"): the non-zero cells."""
    out = {u.code: {k: v for k, v in row.items() if v}
           for u, row in zip(report.units, report.rows, strict=True)}
    out["TOTAL"] = {k: v for k, v in report.total.items() if v}
    return out


def _build(form: str, period, root: str = "P") -> dict[str, dict]:
    return _rows(reports.build_report(form, root, period))


@pytest.fixture
def new(make_agency, make_user, make_case):
    """A case logged at DESK: new(kind, received=…, petitioners=…, **intake overrides)."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    dept = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    make_agency(code="C", parent=dept, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    inspector = make_user("inspector")
    db.session.commit()

    def make(kind: str = "complaint", received: date | None = None, **kw):
        return make_case(reception, kind=kind, received_on=received or d(4, 1), **kw)

    make.reception, make.inspector = reception, inspector
    return make


def _route_accept(case, unit: str, routed: date, accepted: date):
    workflow.route(case, unit, None, NOW, TODAY, decided_on=routed)
    workflow.accept(case, None, NOW, TODAY, decided_on=accepted)
    return case


def _resolve(case, outcome: str, on: date, **figures) -> None:
    workflow.resolve(case, outcome, "QĐ 12/QĐ-UBND", "Tóm tắt kết quả", None, NOW, TODAY,
                     decided_on=on, figures=figures)


# --- defects ---------------------------------------------------------------------------


def test_defect_05kqth_counts_an_enforcement_of_a_decision_it_left_out_of_column_1(new):
    """05/KQTH: column 4 (enforced) counts a decision that columns 2–3 (decisions to
    enforce) no longer count, so column 5 (not yet enforced, 5 = 1 − 4) is negative and the
    money returned (col 11) has no money to return (col 10) beside it.

    Hand count. K1, a first-round complaint at commune C: accepted 10/04, decided "right"
    05/05/2026 (Q2), ordering 10 million VND returned. The complainant appeals: K2 (second
    round, linked to K1) accepted by P 25/05. C enforces K1 on 20/06 (Q3), returning the 10
    million. On 01/07 (Q3) P annuls K1's decision and orders 4 million returned.
    - Q2: C issued 1, pending 1 (money to return 10) — the frozen code agrees.
    - Q3, row C: K1 was decided before Q3 and not enforced before it (carried over, col 2 =
      1); it was enforced in Q3 (col 4 = 1, col 11 = 10) — before it was annulled, so it
      stood when it was enforced; col 1 = 1, col 5 = 0, col 10 = 10 (what the decisions of
      col 1 ordered). Row P: K2 issued (col 3 = 1, col 10 = 4), pending (col 5 = 1).
    The form's own comment (domain/reports.py): "What was due is that of the decisions of
    column 1; what was done, that of the decisions of column 4" — column 4 must be part of
    column 1; reports.md: "decisions to enforce and enforced; money … due and actually
    recovered or returned". The Q2 closing backlog of C (col 5 = 1) must reach Q3 as
    carried over, since the decision was enforced in Q3.

    Wrong: row C of Q3 reads col 1 = 0, col 4 = 1, col 5 = −1, col 10 = 0, col 11 = 10.
    Cause: services/reports.py `_under_enforcement` (carried and the "due" figures) and
    `kqth_issued` require `_standing(e)` — not annulled by the period's END — while
    `_enforced` does not; a decision enforced before its annulment drops out of col 1 but
    stays in col 4. Fix: test "standing" as of the enforcement day when it was enforced
    (not annulled before min(enforced_on, end)), for col 2, col 3 and the due figures.
    """
    k1 = _route_accept(new(received=d(4, 1)), "C", d(4, 3), d(4, 10))
    _resolve(k1, "right", d(5, 5), money_to_return=10)
    k2 = _route_accept(new(received=d(5, 20), complaint_round=2,
                           parent_tracking_code=k1.tracking_code), "P", d(5, 22), d(5, 25))
    enforcement.enforce(k1, d(6, 20), {"money_returned": 10}, None, None, NOW, TODAY)
    _resolve(k2, "annulled", d(7, 1), money_to_return=4)
    db.session.commit()

    q2 = _build("05/KQTH", Q2)
    assert q2["C"] == {"1": 1, "3": 1, "5": 1, "10": 10}
    q3 = _build("05/KQTH", Q3)
    assert q3["P"] == {"1": 1, "3": 1, "5": 1, "10": 4}  # holds on the frozen code
    assert q3["C"] == {"1": 1, "2": 1, "4": 1, "10": 10, "11": 10}
    assert q3["C"].get("2", 0) == q2["C"]["5"]  # C's backlog of Q2 is carried into Q3


def test_defect_02xld_of_a_commune_calls_a_petition_sent_up_to_a_department_its_own(
        new, make_agency, make_user, make_case):
    """02/XLD column 7 (complaints within competence) of a commune counts a complaint its
    reception desk sent to a department outside the commune; 03/GQKN of the commune never
    has that matter.

    Hand count. Commune C (under department D) has its own reception desk CDESK (since
    2025 communes receive citizens themselves; reports.md: one row per unit, the report of
    any unit covers its subtree). CDESK receives two first-round complaints on 04/05/2026
    and routes them on 06/05: K to department D (the competent body: not the commune's
    competence), K' to C itself. Both are accepted on 08/05.
    Report of C for Q2 (rows C, CDESK):
    - 03/GQKN: accepted 1 (K' at C) — the frozen code agrees;
    - 02/XLD (row CDESK): received 2, handled 2; within competence col 7 = 1 (K'); not
      within competence col 10 = 1, transferred col 12 = 1 (K, chuyển đơn to D).
    reports.md "Handling result: within competence … or not; if not: guided, transferred
    (chuyển đơn)…"; domain.md: routed/transferred (chuyển đơn) = sent to the competent
    agency. The brief's cross-check: what 02/XLD says is the unit's to resolve
    (complaints within competence, col 7) is what 03/GQKN of the same unit accepts.

    Wrong: CDESK reads col 7 = 2, col 10 = 0, col 12 = 0 (the report of P adds the same
    petition to the department's competence, which there is right).
    Cause: services/reports.py `_kind_in` / `_OURS = ("routed",)`: every routing inside the
    system is "within competence", whatever agency it went to. Fix: within competence only
    when the routing's agency is inside the reporting root's subtree (Routing.to_agency_id
    in unit_ids); otherwise count it transferred (col 12).
    """
    commune = db.session.scalar(db.select(Agency).where(Agency.code == "C"))
    cdesk = make_agency(code="CDESK", parent=commune, level="desk",
                        name="Bộ phận tiếp công dân xã", is_reception_desk=True)
    reception = make_user("reception", agency=cdesk)
    k = make_case(reception, received_on=d(5, 4))
    _route_accept(k, "D", d(5, 6), d(5, 8))
    k_own = make_case(reception, received_on=d(5, 4))
    _route_accept(k_own, "C", d(5, 6), d(5, 8))
    db.session.commit()

    gqkn = _build("03/GQKN", Q2, root="C")
    assert gqkn["TOTAL"]["3"] == 1  # holds on the frozen code
    xld = _build("02/XLD", Q2, root="C")["CDESK"]
    assert (xld["3"], xld["6"]) == (2, 2)
    assert (xld.get("7", 0), xld.get("10", 0), xld.get("12", 0)) == (1, 1, 1)
    assert xld.get("7", 0) == gqkn["TOTAL"]["3"]


# --- probes (passing) ------------------------------------------------------------------


def _year(new) -> None:
    """The province's year (received at DESK unless said):
    k1  complaint, C acc 10/04, right 05/05 (due 10/05): return 10 million, 50 m²;
        enforced 20/07 (10 million, 50 m²).
    k2  second round on k1, P acc 25/05, upheld 01/07 (due 09/07).
    k3  complaint routed D 06/04, returned by D 10/04 (suggests C), routed C 13/04, C
        transfers to D 15/04 (sent back: evaded), D acc 20/04 (due 20/05), partly right
        20/06 (late).
    k4  letter with a complaint and a denunciation, split 05/04: the complaint routed to D
        08/04, acc 20/04, still open; a repeat letter joins it 02/05 (filed, duplicate).
    tc  the denunciation split out: D acc 20/04, declared complex and extended 30 days
        15/05 (due 19/06), concluded right 10/06 (1 person, an official, to discipline).
    m   mass complaint (5 petitioners: complex, 45 days) received 03/05, D acc 06/05 (due
        20/06 Saturday → 22/06), right 30/06 (late).
    w   complaint, C acc 24/04, withdrawn 10/05.
    s   complaint received 05/06, C acc 12/06 (Q2), wrong 25/06 (Q3, on time).
    """
    k1 = _route_accept(new(received=d(4, 1)), "C", d(4, 3), d(4, 10))
    _resolve(k1, "right", d(5, 5), money_to_return=10, land_to_return=50)
    k2 = _route_accept(new(received=d(5, 20), complaint_round=2,
                           parent_tracking_code=k1.tracking_code), "P", d(5, 22), d(5, 25))
    _resolve(k2, "upheld", d(7, 1))
    enforcement.enforce(k1, d(7, 20), {"money_returned": 10, "land_returned": 50}, None,
                        None, NOW, TODAY)
    k3 = new(received=d(4, 2))
    workflow.route(k3, "D", None, NOW, TODAY, decided_on=d(4, 6))
    workflow.return_case(k3, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=d(4, 10))
    workflow.route(k3, "C", None, NOW, TODAY, decided_on=d(4, 13))
    workflow.transfer(k3, "D", "Thuộc thẩm quyền Sở", None, NOW, TODAY, decided_on=d(4, 15))
    assert k3.flag_evaded
    workflow.accept(k3, None, NOW, TODAY, decided_on=d(4, 20))
    _resolve(k3, "partly_right", d(6, 20))
    k4 = new(received=d(4, 5))
    k4.petitions[0].signers[0].petitioner.address = "Số 9 Lê Lợi"  # a denouncer's address
    tc, _pin = splitting.split_case(k4, splitting.SplitData(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ địa chính",
        content="Tố cáo cán bộ địa chính xã", kept_content="Khiếu nại quyết định thu hồi",
        kept_subject="Khiếu nại quyết định thu hồi"), new.reception, NOW, TODAY)
    workflow.route(k4, "D", None, NOW, TODAY, decided_on=d(4, 8))
    _route_accept(tc, "D", d(4, 8), d(4, 20))
    workflow.extend(tc, 30, "Phức tạp", None, NOW, TODAY, decided_on=d(5, 15),
                    complexity="complex")
    assert tc.deadline("resolution").due_on == d(6, 19)
    _resolve(tc, "denunciation_right", d(6, 10), people_disciplined=1,
             officials_disciplined=1)
    workflow.accept(k4, None, NOW, TODAY, decided_on=d(4, 20))
    intake.add_petition(k4, intake.PetitionData(
        channel="mail", received_on=d(5, 2), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi")]), new.reception, NOW, TODAY)
    m = _route_accept(new(received=d(5, 3), petitioners=5), "D", d(5, 5), d(5, 6))
    assert m.flag_mass and m.deadline("resolution").due_on == d(6, 22)
    w = _route_accept(new(received=d(4, 20)), "C", d(4, 22), d(4, 24))
    workflow.withdraw(w, "Rút đơn", None, NOW, TODAY, decided_on=d(5, 10))
    s = _route_accept(new(received=d(6, 5)), "C", d(6, 8), d(6, 12))
    _resolve(s, "wrong", d(6, 25))
    _resolve(m, "right", d(6, 30))
    db.session.commit()


def test_probe_the_year_counted_by_hand_on_every_form(new):
    _year(new)
    # 02/XLD, DESK: 9 letters (the split letter is two petitions, docs/splitting.md),
    # 8 matters, 8 eligible (the repeat letter is a duplicate), all handled in Q2.
    xld = _build("02/XLD", Q2)["DESK"]
    assert {c: xld.get(c, 0) for c in ("1", "3", "4", "5", "6", "7", "8", "13", "15",
                                       "16", "17", "18", "19", "20")} == {
        "1": 9, "3": 9, "4": 8, "5": 8, "6": 9, "7": 7, "8": 1, "13": 1, "15": 0,
        "16": 6, "17": 1, "18": 7, "19": 2, "20": 1}
    assert _build("02/XLD", Q3)["TOTAL"] == {}
    # 03/GQKN.
    q2 = _build("03/GQKN", Q2)
    assert q2["P"] == {"1": 1, "3": 1, "15": 1, "25": 1, "27": 1, "29": 1}
    assert q2["C"] == {"1": 3, "3": 3, "4": 2, "5": 1, "8": 1, "9": 2, "15": 1, "18": 1,
                       "19": 10, "20": 50, "25": 3, "27": 3, "28": 2, "29": 1}
    assert q2["D"] == {"1": 3, "3": 3, "15": 3, "25": 4, "27": 4, "29": 4}
    q3 = _build("03/GQKN", Q3)
    assert q3["P"] == {"1": 1, "2": 1, "4": 1, "8": 1, "9": 1, "16": 1, "25": 1, "26": 1,
                       "28": 1}
    assert q3["C"] == {"1": 1, "2": 1, "4": 1, "6": 1, "9": 1, "25": 1, "26": 1, "28": 1}
    assert q3["D"] == {"1": 3, "2": 3, "4": 2, "5": 1, "7": 1, "10": 2, "15": 1, "25": 4,
                       "26": 4, "28": 2, "29": 2}
    # 04/GQTC: the split denunciation, on time thanks to its extension.
    assert _build("04/GQTC", Q2)["D"] == {"1": 1, "3": 1, "4": 1, "5": 1, "9": 1, "12": 1,
                                          "20": 1, "22": 1, "24": 1, "25": 1}
    # 05/KQTH: k1 (C) and tc (D) issued in Q2; k1 enforced in Q3.
    assert _build("05/KQTH", Q2)["TOTAL"] == {"1": 2, "3": 2, "5": 2, "10": 10, "12": 50,
                                              "14": 1}
    assert _build("05/KQTH", Q3)["C"] == {"1": 1, "2": 1, "4": 1, "10": 10, "11": 10,
                                          "12": 50, "13": 50}


@pytest.mark.parametrize("form, carried, pending", [
    ("03/GQKN", "2", "15"), ("04/GQTC", "2", "14"), ("05/KQTH", "2", "5"),
    ("03/GQKN", "26", "29")])
def test_probe_closing_backlog_of_q2_is_the_opening_of_q3(new, form, carried, pending):
    _year(new)
    q2, q3 = _build(form, Q2), _build(form, Q3)
    for unit in ("P", "D", "C", "TOTAL"):
        assert q2[unit].get(pending, 0) == q3[unit].get(carried, 0), (unit, form)


@pytest.mark.parametrize("form, added", [
    ("03/GQKN", ("3", "4", "5", "6", "7", "8", "9", "16", "19", "20")),
    ("04/GQTC", ("3", "4", "9")), ("05/KQTH", ("3", "4", "11", "13"))])
def test_probe_quarters_add_up_to_nine_months(new, form, added):
    _year(new)
    q1 = forms.quarter_period(2026, 1)
    quarters = [_build(form, p)["TOTAL"] for p in (q1, Q2, Q3)]
    nine = _build(form, N9)["TOTAL"]
    for column in added:
        assert sum(q.get(column, 0) for q in quarters) == nine.get(column, 0), column


def _cards(new, period) -> dict[str, tuple]:
    return {c.agency.code: (c.metrics.resolved, c.metrics.resolved_on_time,
                            c.metrics.accepted, c.metrics.evasions, c.metrics.mass)
            for c in scorecard.scorecards(new.inspector, period.start, period.end, TODAY)}


def test_probe_scorecard_agrees_with_03gqkn_and_04gqtc_live_and_rebuilt(new):
    _year(new)
    expected = {Q2: {"P": (0, 0, 1, 0, 0), "C": (2, 2, 3, 1, 0), "D": (1, 1, 4, 1, 1)},
                Q3: {"P": (1, 1, 0, 0, 0), "C": (1, 1, 0, 0, 0), "D": (2, 0, 0, 0, 0)}}
    for period, cards in expected.items():
        kn, tc = _build("03/GQKN", period), _build("04/GQTC", period)
        for unit, figures in cards.items():
            assert _cards(new, period)[unit] == figures
            # resolved and on time: the scorecard's = 03/GQKN + 04/GQTC (cols 4 and 9)
            assert figures[:2] == (kn[unit].get("4", 0) + tc[unit].get("4", 0),
                                   kn[unit].get("9", 0) + tc[unit].get("9", 0))
    scorecard_summary.rebuild(TODAY)
    db.session.commit()
    for period, cards in expected.items():
        got = _cards(new, period)
        assert {u: got[u] for u in cards} == cards


def test_probe_department_report_adds_up_to_its_rows_in_the_province_report(new):
    _year(new)
    for form in ("03/GQKN", "04/GQTC", "05/KQTH"):
        for period in (Q2, Q3):
            province, department = _build(form, period), _build(form, period, root="D")
            assert department["D"] == province["D"] and department["C"] == province["C"]
            total = {k: department["D"].get(k, 0) + department["C"].get(k, 0)
                     for k in set(department["D"]) | set(department["C"])}
            assert department["TOTAL"] == {k: v for k, v in total.items() if v}
