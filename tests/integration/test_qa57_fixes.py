"""QA round 57: the official reports as a whole (01/TCD … 05/KQTH), their periods, the
page and its Excel export (rules: reports.md and domain.md of the specification).

World: province P (root); department D and commune C under P; the reception desk DESK
under P, whose officer logs every case. Quarter 3/2026 = 15/06 – 14/09/2026, quarter 4 =
15/09 – 14/12/2026 (Circular 01/2024: cut-off on the 14th). TODAY is 01/12/2026.

Every test here fails on the frozen code because of the defect its docstring names.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Agency
from complaints.services import intake, reception_sessions, reports, urging, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)  # 15/06 – 14/09/2026
Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026


def d(month: int, day: int) -> date:
    return date(2026, month, day)


JULY_1 = d(7, 1)  # a module-level default (ruff B008)


def _rows(form: str, period, root: str = "P") -> dict[str, dict]:
    """Per unit code (and "TOTAL"): every cell of the row."""
    report = reports.build_report(form, root, period)
    out = {u.code: dict(row) for u, row in zip(report.units, report.rows, strict=True)}
    out["TOTAL"] = dict(report.total)
    return out


def _agency(code: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == code))


@pytest.fixture
def new(make_agency, make_user, make_case):
    """A case logged at DESK: new(kind, received=…, **make_case's options)."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    db.session.commit()

    def make(kind: str = "complaint", received: date = JULY_1, **kw):
        return make_case(reception, kind=kind, received_on=received, **kw)

    make.reception = reception
    return make


def _later_letter(case, on: date, actor, name: str = "Lê Văn Tư"):
    """A later letter on the same matter, joined to the case (đơn trùng, nhiều lần)."""
    return intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=on, petitioners=[intake.PetitionerData(
            full_name=name, address="Số 4 Lê Lợi, Hải Phòng", phone="0912345611")]),
        actor, NOW, TODAY)


# --- 1 -----------------------------------------------------------------------------------


def test_defect_02xld_an_urging_after_the_cut_off_makes_a_filed_letter_pending_again(new):
    """02/XLD of a closed quarter changes when the desk urges the holder, after the
    quarter, on a later letter that the quarter counted as filed (joined): the letter
    turns from handled (filed, col 13) into pending at the cut-off (col 15).

    Spec, reports.md: "Carried over vs received in the period; handled vs still pending
    **at the cut-off**" — what was handled by 14/09 stays handled in Q3's report.
    (services/reports.py, module docstring: "A report reads what had happened by the
    period's end … a closed period gives the same figures whenever it is run, as long as
    nothing dated inside it changed.")

    Hand count. K, a complaint received 01/07, routed to D 02/07. A later letter on K is
    received 10/08 and joined (handled 10/08: filed, lưu đơn). Q3, row DESK: received 2
    (col 3), handled 2 (col 6): 1 complaint within competence (col 7), 1 filed (col 13),
    pending 0 (col 15). On 20/09 (Q4) the desk urges D on that letter (đôn đốc): Q4 is
    where that urging is counted; nothing dated inside Q3 changed.

    Wrong: run again after the urging, Q3 reads col 6 = 1, col 13 = 0, col 15 = 1 (and Q4
    carries the letter over as if it had waited at the desk since 10/08).
    Cause: services/reports.py `_handled_on` / `_outcome_as_of` — when `handled_on` is
    after the period's end they fall back to `report_history.routed_as_of`, which knows
    only routings; the letter's earlier "joined" handling (overwritten by urging.urge_holder)
    is lost.
    """
    k = new(received=d(7, 1))
    workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
    letter = _later_letter(k, d(8, 10), new.reception)
    db.session.commit()
    before = _rows("02/XLD", Q3)["DESK"]
    assert (before["3"], before["6"], before["13"], before["15"]) == (2, 2, 1, 0)

    urging.urge_holder(k, letter.id, "Đề nghị Sở giải quyết đúng hạn.", new.reception, NOW,
                       TODAY, decided_on=d(9, 20))
    db.session.commit()
    after = _rows("02/XLD", Q3)["DESK"]
    assert (after["6"], after["13"], after["15"]) == (2, 1, 0)
    assert after == before


# --- 2 -----------------------------------------------------------------------------------


def test_defect_an_anonymous_letter_is_counted_as_a_denunciation_accepted_and_resolved(new):
    """An anonymous letter (no name, logged as not eligible) of kind "denunciation" can be
    routed to a department, accepted (thụ lý) and concluded there, and 04/GQTC then counts
    it as a denunciation within competence, accepted and resolved (02/XLD col 8 also counts
    it as a denunciation within competence).

    Spec, domain.md: "Anonymous denunciations (no name or address, false identity) are
    **not handled as denunciations** (Law on Denunciations Art. 25); they may be filed or
    passed to inspection." reports.md: 04/GQTC counts denunciation resolution "within
    competence".

    Hand count. A letter with no signer, kind denunciation, received 01/07, eligible
    unticked; routed to D 02/07, accepted 03/07, concluded "wrong" 20/07. Q3 04/GQTC row D:
    no denunciation matter (col 1 = col 3 = col 4 = 0).

    Wrong: row D reads col 1 = 1, col 3 = 1, col 4 = 1, col 6 = 1.
    Cause: services/workflow.py `accept` (and `route`) never look at whether the letter is
    anonymous / not eligible; services/reports.py counts every accepted denunciation.
    (Refusing the acceptance is an acceptable fix too: the test then stops there.)
    """
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject="Thư không ký tên tố cáo cán bộ",
        content="Nội dung thư", locality_code=None,
        petition=intake.PetitionData(channel="mail", received_on=d(7, 1), petitioners=[],
                                     eligible=False))
    k, _pin = intake.receive_case(data, new.reception, NOW, TODAY)
    try:
        workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
        workflow.accept(k, None, NOW, TODAY, decided_on=d(7, 3))
        workflow.resolve(k, "denunciation_wrong", "KL 1/KL", "Kết luận", None, NOW, TODAY,
                         decided_on=d(7, 20))
    except (ValidationFailed, NotAllowed):
        return  # not handled as a denunciation: nothing reaches 04/GQTC
    db.session.commit()
    row = _rows("04/GQTC", Q3)["D"]
    assert (row["1"], row["3"], row["4"]) == (0, 0, 0)


def test_fix_an_anonymous_denunciation_routed_on_is_passed_on_not_accepted(
        new, client, login, make_user):
    """The fix of the defect above: the agency it was routed to is not offered acceptance
    and is told why; 02/XLD counts the routing as passed on (col 12), not as a denunciation
    within competence (col 8); 04/GQTC has nothing."""
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject="Thư không ký tên tố cáo cán bộ",
        content="Nội dung thư", locality_code=None,
        petition=intake.PetitionData(channel="mail", received_on=d(7, 1), petitioners=[],
                                     eligible=False))
    k, _pin = intake.receive_case(data, new.reception, NOW, TODAY)
    workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
    db.session.commit()
    with pytest.raises(NotAllowed):
        workflow.accept(k, None, NOW, TODAY, decided_on=d(7, 3))
    db.session.rollback()
    xld = _rows("02/XLD", Q3)["DESK"]
    assert (xld["6"], xld["8"], xld["12"], xld["15"]) == (1, 0, 1, 0)
    assert _rows("04/GQTC", Q3)["TOTAL"]["1"] == 0
    login(make_user("agency_head", agency=_agency("D")))
    code = k.tracking_code
    page = client.get(f"/agency/cases/{code}").get_data(as_text=True)
    assert f"/agency/cases/{code}/accept" not in page
    assert f"/agency/cases/{code}/refuse" in page
    response = client.post(f"/agency/cases/{code}/accept", data={"decided_on": "2026-07-03"},
                           follow_redirects=True)
    assert "Luật Tố cáo Điều 25" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(k), k.id).status == "routed"


# --- 3 -----------------------------------------------------------------------------------


def test_defect_02xld_a_letter_received_at_a_departments_session_is_counted_at_the_desk(
        new, make_user):
    """A letter handed to the head of department D at D's citizen-reception session, on a
    matter D already holds, is joined to that case — and 02/XLD counts it as received by
    DESK (the desk that logged the case months before), never by D, whose 01/TCD counts
    the turn and whose new letters from the same session are D's own.

    Spec, reports.md: "Petitions (đơn) and matters (vụ việc) separately … several petitions
    (repeat letters, several signers, copies sent to several bodies) can concern one
    matter. Handling (xử lý đơn) is per petition" — each letter is counted by the unit that
    received it. (services/reports.py docstring: "Petitions (02/XLD) belong to the unit
    whose desk logged" them — D's session logged this one.)

    Hand count. K received at DESK 01/07, routed to D 02/07, accepted 03/07. On 05/08 D's
    head holds a periodic session and logs a later letter on K (signed by another
    citizen). Q3 02/XLD: row DESK received 1 (K's letter); row D received 1 (the session's
    letter). 01/TCD row D: 1 turn, 1 repeated matter.

    Wrong: row DESK reads col 3 = 2, row D col 3 = 0.
    Cause: services/reports.py `_base_query("petition")` attributes every petition to
    `Case.reception_agency_id`, not to the unit that received the letter (its
    `received_by` user's agency, or its reception session's agency).
    """
    k = new(received=d(7, 1))
    workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
    workflow.accept(k, None, NOW, TODAY, decided_on=d(7, 3))
    head = make_user("agency_head", agency=_agency("D"))
    db.session.commit()
    session = reception_sessions.SessionData(
        held_on=d(8, 5), kind="head", leader_name="Nguyễn Văn Giám", counts={},
        petitions=[reception_sessions.JoinedPetition(k.tracking_code, intake.PetitionData(
            channel="mail", received_on=d(8, 5), petitioners=[intake.PetitionerData(
                full_name="Trần Văn Bình", address="Số 5 Lạch Tray", phone="0912345699")]))])
    reception_sessions.record_session(session, head, NOW, TODAY)
    db.session.commit()
    tcd = _rows("01/TCD", Q3)["D"]
    assert (tcd["1"], tcd["10"]) == (1, 1)  # holds on the frozen code
    xld = _rows("02/XLD", Q3)
    assert xld["DESK"]["3"] == 1
    assert xld["D"]["3"] == 1


# --- 4 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,outcome,form,whole,part", [
    ("complaint", "right", "03/GQKN", "22", "23"),
    ("denunciation", "denunciation_right", "04/GQTC", "12", "20"),
])
def test_defect_officials_disciplined_exceed_the_people_they_are_part_of(
        new, kind, outcome, form, whole, part):
    """A decision recorded with "of whom officials" (officials_disciplined) but no number
    of people recommended for discipline is accepted, so 03/GQKN column 23 ("Trong đó cán
    bộ, công chức", of column 22) and 04/GQTC column 20 (officials, a part of column 12)
    exceed the whole they are part of.

    Spec, reports.md (complaint resolution; denunciations "the same shape"): "people
    recommended for administrative discipline (**of whom officials**)" — the officials are a
    part of the people; the form's own comment (domain/reports.py, 04/GQTC col 20): "a
    part of column 12, people recommended for discipline".

    Hand count. K accepted by D 03/07, decided 20/07 with officials_disciplined = 3 and
    people_disciplined left empty (as an empty field of the form sends it). Either the
    decision is refused (3 officials cannot be of 0 people), or the row has col 23 ≤ col 22.

    Wrong: the decision is recorded; row D reads col 22 = 0, col 23 = 3 (04/GQTC: col 12
    = 0, col 20 = 3).
    Cause: domain/decisions.py `clean_figures` checks officials ≤ people only
    `and "people_disciplined" in values` — a missing count skips the check (the
    enforcement figures, domain/enforcement.clean, count a missing value as 0).
    """
    k = new(kind=kind, received=d(7, 1))
    workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
    workflow.accept(k, None, NOW, TODAY, decided_on=d(7, 3))
    try:
        workflow.resolve(k, outcome, "QĐ 5/QĐ", "Kết quả giải quyết", None, NOW, TODAY,
                         decided_on=d(7, 20), figures={"officials_disciplined": 3})
    except ValidationFailed as exc:
        assert "officials_disciplined" in exc.errors
        return
    db.session.commit()
    row = _rows(form, Q3)["D"]
    assert row[part] <= row[whole], (row[whole], row[part])


# --- 5 -----------------------------------------------------------------------------------


def test_defect_the_excel_form_lacks_the_place_and_date_line_of_the_signature_block(
        new, client, login, make_user):
    """The report page prints the head's signature block with its place-and-date line
    ("…, ngày … tháng … năm …") above "THỦ TRƯỞNG ĐƠN VỊ"; the Excel export of the same
    form (and the background five-form pack, which writes the same sheets) leaves it out.

    Spec, reports.md: forms have "a signature block for the head of the unit"; the brief:
    the Excel export must not differ from the page.

    Wrong: no cell of the workbook holds "…, ngày … tháng … năm …" (in English "…, day …
    month … year …"), while the page shows it.
    Cause: services/reports.py `write_form_sheet` appends the preparer/head and signature
    lines only.
    """
    login(make_user("inspector"))
    args = "form=03/GQKN&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert "…, ngày … tháng … năm …" in html  # the page has it
    response = client.get(f"/inspection/reports?{args}&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    words = {v for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, str)}
    assert "THỦ TRƯỞNG ĐƠN VỊ" in words
    assert "…, ngày … tháng … năm …" in words


# --- 6 -----------------------------------------------------------------------------------


def test_defect_01tcd_two_delegations_on_one_matter_cannot_be_recorded(new, make_user):
    """Two group delegations (đoàn đông người, five people each) come to D's periodic
    session about the same matter D already holds; the officer records the two letters
    (joined to the case) and types no figure. The session is refused with "Số vụ việc của
    đoàn đông người không được nhiều hơn số vụ việc được tiếp" — a figure the officer never
    typed: the system derived 2 delegation matters but 1 matter received.

    Spec, reports.md (01/TCD): "sessions held, turns (lượt), people, matters first-time and
    repeated, and group delegations (đoàn đông người: delegations, people, **matters**)" —
    matters (vụ việc) are counted once however many letters or delegations concern one
    ("several petitions … can concern one matter").

    Hand count: turns 2, people 10, matters repeated 1, delegations 2, people in
    delegations 10, matters of delegations 1. Q3 01/TCD row D: col 1 = 2, col 10 = 1,
    col 11 = 2, col 12 = 10, col 19 = 1.

    Wrong: ValidationFailed {"delegation_matters": …}; nothing can be recorded.
    Cause: services/reception_sessions.py `petition_counts` adds a delegation matter per
    petition of 5 or more people, while repeated matters are counted per distinct case
    joined.
    """
    k = new(received=d(7, 1))
    workflow.route(k, "D", None, NOW, TODAY, decided_on=d(7, 2))
    workflow.accept(k, None, NOW, TODAY, decided_on=d(7, 3))
    head = make_user("agency_head", agency=_agency("D"))
    db.session.commit()

    def delegation(n: int) -> intake.PetitionData:
        return intake.PetitionData(channel="mail", received_on=d(8, 5), petitioners=[
            intake.PetitionerData(full_name=f"Phạm Văn {chr(65 + 5 * n + i)}",
                                  address=f"Số {i + 1} Tô Hiệu", phone=f"09123{n}{i:04d}",
                                  is_representative=(i == 0)) for i in range(5)])

    session = reception_sessions.SessionData(
        held_on=d(8, 5), kind="head", leader_name="Nguyễn Văn Giám", counts={},
        petitions=[reception_sessions.JoinedPetition(k.tracking_code, delegation(n))
                   for n in (1, 2)])
    reception_sessions.record_session(session, head, NOW, TODAY)
    db.session.commit()
    row = _rows("01/TCD", Q3)["D"]
    assert (row["1"], row["10"], row["11"], row["12"], row["19"]) == (2, 1, 2, 10, 1)
