"""QA round 39: enforcement of decisions (thi hành, 05/KQTH), the petitions columns of
03/GQKN (25–29) and 04/GQTC (22–26), and the desk's entry corrections (a signer's
particulars, a letter's eligibility), by hand against domain.md, reports.md and ux.md.

World: province P (root) with department D, commune C, the province's reception desk DESK
and a commune desk DESK2 under C (no district level). Quarter 3/2026 = 15/06 – 14/09,
quarter 4/2026 = 15/09 – 14/12 (Circular 01/2024: cut-off on the 14th).

Defects (tests named `test_defect_…`, which failed on the frozen code of round 39; all five
are fixed and the tests now pass: a closed case may still record its enforcement; a
first-round decision annulled in the second round is no longer to enforce; corrections
judge ID numbers, subjects and addresses on what the desk may see, and a record shared
with cases it may not see is not changed: this case's signatures move to a new record;
the mass check runs again after a correction; eligibility is corrected against what the
reports and the API read, `eligible_now`):

1. A resolved case closed before its enforcement was recorded stays in 05/KQTH as a decision
   "not yet enforced" (column 5) in every later period, and nobody can record its
   enforcement any more: `close` is allowed from `resolved` while the decision still orders
   something, and `enforce` is allowed from `resolved` only (domain/states.TRANSITIONS),
   while the form counts closed cases (services/reports._to_enforce). reports.md: the
   system must hold "decisions to enforce and enforced"; domain.md: closed = "nothing more
   is owed".
2. A first-round decision annulled by the second-round decision is still a decision "to
   enforce": 05/KQTH carries it over as not yet enforced, period after period, and the head
   is still offered the action (services/enforcement.has_something_to_enforce,
   services/reports._to_enforce never look at the second round). reports.md: the second
   round "upholds / annuls or amends the first decision"; an annulled decision orders
   nothing any more.
3. Correcting a signer's ID number tells the desk that the number is on record for a person
   of another name, also when that person is a denouncer on a case the desk may not see
   (another desk's denunciation): the check in services/corrections._person_errors reads
   every Petitioner, where intake (`_visible_people`, `identity_problems`) only consults
   the people the actor may see — the number is accepted there. domain.md,
   "Confidentiality of denouncers": the name and "any data that reveals them are secret";
   only the intake staff (of that denunciation), the resolving agency and inspectors see
   them.
4. A correction that makes a case a mass petition (5 or more distinct people) raises no
   flag and no escalation: services/corrections.correct_person never re-runs the pattern
   checks (escalation_patterns), as intake and withdrawals do. domain.md: "mass: 5 or more
   petitioners on one case … → flagged as complex, clustered, escalated … at once".
5. The `eligible` of PATCH /api/v1/cases/{code}/petitions/{id} is checked against the stored
   tick, not against the `eligible` the API answers (eligible_now): on a letter filed as
   anonymous, which the API shows `eligible: false`, sending `eligible: true` is refused as
   "Đơn này đã được ghi như vậy" (already recorded so), and sending `false` is accepted
   and audited as a change from true (services/corrections.correct_eligibility uses
   `petition.eligible`). reports.md: eligible = "not a duplicate, named, clear content and
   address"; ux.md: a validation message says what is wrong.

Probes (`test_probe_…`, passing): 05/KQTH counted by hand over the 14th/15th cut-off (a
decision of 14/09 issued in Q3, of 15/09 in Q4; an enforcement dated 15/06 enforced in Q3,
carried over from Q2), complaints and denunciations of two units with the total row, due
vs recovered/returned, discipline and prosecutions, formulas; the validation of dates and
amounts, a correction as a second audit event; who may record (the deciding head only; not
the parent's head, an officer, the desk or an inspector) and the action hidden when the
decision orders nothing; a second-round decision that orders something counted under the
unit that decided it; 03/GQKN and 04/GQTC petitions columns with joined letters, a transfer
in the period, a carried-over matter and a letter after the cut-off; a person's correction
seen from every case of theirs and audited without values; a denouncer's correction that
would name them in a subject refused; an anonymised person refused; the vi/en messages.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.domain.states import InvalidTransition
from complaints.extensions import db
from complaints.models import AuditEvent, Escalation
from complaints.services import (
    corrections,
    enforcement,
    escalation_patterns,
    intake,
    reports,
    workflow,
)
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)
Q4 = forms.quarter_period(2026, 4)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def world(make_agency, make_user, make_decided, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    dep = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    com = make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    desk2 = make_agency(code="DESK2", parent=com, level="desk", name="Bộ phận một cửa xã",
                        is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    w = {"P": p, "D": dep, "C": com, "reception": reception,
         "reception2": make_user("reception", agency=desk2),
         "head_p": make_user("agency_head", agency=p),
         "head_d": make_user("agency_head", agency=dep),
         "head_c": make_user("agency_head", agency=com),
         "officer_d": make_user("agency_officer", agency=dep),
         "inspector": make_user("inspector")}
    w["decided"] = lambda unit, **kw: make_decided(reception, w[unit], **kw)
    db.session.commit()
    return w


def _rows(code: str, period) -> dict[str, dict]:
    report = reports.build_report(code, "P", period)
    rows = {u.code: row for u, row in zip(report.units, report.rows, strict=True)}
    rows["total"] = report.total
    return rows


def _nonzero(row: dict) -> dict:
    return {k: v for k, v in row.items() if v}


def _events(case, action) -> list[dict]:
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"case:{case.id}",
                                 AuditEvent.action == action).order_by(AuditEvent.seq))]


def _formulas_hold(code: str, rows: dict[str, dict]) -> None:
    for column in forms.FORMS[code].columns:
        if column.formula:
            target, terms = forms.parse_formula(column.formula)
            for row in rows.values():
                assert row[target] == sum(sign * row[c] for sign, c in terms), column.code


def _person(case):
    return case.petitions[0].signers[0].petitioner


def _data(person, **changes) -> corrections.PersonData:
    values = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    return corrections.PersonData(**{**values, **changes})


# --- 1. enforcement: closing a decision still to enforce -----------------------------------


def test_defect_closed_decision_stays_pending_and_cannot_be_recorded(world):
    """What is wrong: D's head closes a decided complaint that ordered 10 million VND
    recovered before recording its enforcement. Closing is accepted, 05/KQTH keeps the
    decision as "not yet enforced" (Q4 column 2 and 5) and in every later period, and
    `enforce` is then refused (InvalidTransition): the record can never be made.
    What is right: either the case cannot be closed while its decision is not enforced, or
    its enforcement can still be recorded after closing (reports.md: the system holds
    "decisions to enforce and enforced"; domain.md: closed = "nothing more is owed")."""
    a = world["decided"]("D", decided=d(7, 1), money_to_recover=10)
    head = world["head_d"]
    close_refused = False
    try:
        workflow.close(a, head, NOW, TODAY)
    except (ValidationFailed, NotAllowed, InvalidTransition):
        close_refused = True
        db.session.rollback()
    db.session.commit()
    q4 = _rows("05/KQTH", Q4)["D"]
    assert close_refused or _nonzero(q4) == {"1": 1, "2": 1, "5": 1, "6": 10}
    recorded = close_refused
    if not close_refused:
        try:
            enforcement.enforce(a, d(8, 1), {"money_recovered": 10}, None, head, NOW, TODAY)
            recorded = True
        except (ValidationFailed, NotAllowed, InvalidTransition):
            db.session.rollback()
    assert recorded, "closed with its decision pending in 05/KQTH, and no way to record it"


# --- 2. enforcement: a first decision annulled in the second round -------------------------


def test_defect_annulled_first_decision_is_still_to_enforce(world, make_case):
    """What is wrong: D decides a first complaint on 01/07 ordering 10 million VND
    recovered; the second complaint (at P) annuls that decision on 01/08. 05/KQTH still
    counts D's decision as one to enforce, carried over and not enforced in Q4, and D's
    head may still record its enforcement.
    What is right: an annulled decision orders nothing (reports.md: the second round
    "upholds / annuls or amends the first decision"; 05/KQTH counts "decisions to enforce"):
    Q4 carries nothing over at D and the action is not offered."""
    first = world["decided"]("D", decided=d(7, 1), money_to_recover=10, outcome="right")
    second = make_case(actor=world["reception"], complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=d(7, 10))
    workflow.route(second, "P", None, NOW, TODAY, decided_on=d(7, 10))
    workflow.accept(second, None, NOW, TODAY, decided_on=d(7, 10))
    workflow.resolve(second, "annulled", "QĐ 9/QĐ-UBND", "Hủy quyết định lần đầu", None,
                     NOW, TODAY, decided_on=d(8, 1))
    db.session.commit()
    assert not _nonzero(_rows("05/KQTH", Q4)["D"])
    assert not enforcement.has_something_to_enforce(first)


# --- 3. corrections: an ID number of someone the desk may not see -------------------------


def test_defect_id_number_correction_tells_that_a_hidden_denouncer_is_on_record(world,
                                                                                 make_case):
    """What is wrong: DESK logs a denunciation signed by Nguyễn Văn A (ID N). DESK2, which
    may not see that case, corrects the ID number of its own complainant Trần Thị Bích to
    N: refused with "Số định danh này đã được ghi nhận cho một người có họ tên khác" — the
    desk learns that N belongs to someone on record, here a denouncer. At intake the same
    number under the same name is accepted (`identity_problems` gives nothing: only the
    people the actor may see are consulted).
    What is right: the correction consults only people the desk may see, as intake does
    (domain.md, Confidentiality of denouncers: "any data that reveals them are secret")."""
    denunciation = make_case(world["reception"], kind="denunciation", received_on=d(10, 2))
    number = _person(denunciation).id_number
    complaint = make_case(world["reception2"], received_on=d(10, 3))
    person = _person(complaint)
    person.full_name, person.name_folded = "Trần Thị Bích", "tran thi bich"
    db.session.commit()
    # Intake at DESK2 would take the number under that name.
    assert intake.identity_problems([intake.PetitionerData(
        full_name="Trần Thị Bích", id_number=number)], world["reception2"]) == {}
    try:
        corrections.correct_person(complaint, person.id, _data(person, id_number=number),
                                   "Gõ nhầm số định danh", world["reception2"], NOW)
        errors = {}
    except ValidationFailed as exc:
        errors = {k: str(v) for k, v in exc.errors.items()}
    assert "họ tên khác" not in errors.get("id_number", "")


# --- 4. corrections: the mass check --------------------------------------------------------


def test_defect_correction_making_five_people_raises_no_mass_flag(world):
    """What is wrong: a letter signed by five: four named people and a fifth typed with the
    fourth's name and phone (so four distinct people: not mass). The desk corrects the
    fifth's name (another person sharing the phone): the case now has five distinct people
    — the rule (escalation_patterns.becomes_mass) says mass — but it is neither flagged
    nor escalated.
    What is right: as at intake and after a withdrawal, the mass check runs again
    (domain.md: "mass: 5 or more petitioners on one case … flagged as complex, clustered,
    escalated to the provincial level and the inspectorate")."""
    people = [intake.PetitionerData(full_name=f"Nguyễn Văn {c}", id_number=f"03120000000{i}",
                                    phone=f"091200000{i}", is_representative=i == 0)
              for i, c in enumerate("ABC")]
    people += [intake.PetitionerData(full_name="Nguyễn Văn D", phone="0912000003"),
               intake.PetitionerData(full_name="Nguyễn Văn D", phone="0912000003")]
    data = intake.CaseData(kind="complaint", field_code="land", subject="Tranh chấp đất",
                           content="Nội dung", locality_code=None,
                           petition=intake.PetitionData(channel="walk_in",
                                                        received_on=d(10, 2),
                                                        petitioners=people))
    case, _pin = intake.receive_case(data, world["reception"], NOW, TODAY)
    db.session.commit()
    assert len(case.petitions[0].signers) == 5 and not case.flag_mass
    fifth = case.petitions[0].signers[4].petitioner
    corrections.correct_person(case, fifth.id, _data(fifth, full_name="Nguyễn Văn E"),
                               "Gõ nhầm tên người thứ năm", world["reception"], NOW)
    db.session.commit()
    assert escalation_patterns.becomes_mass(case, escalation_patterns.matter_group(case),
                                            escalation_patterns.letters_of(case))
    assert case.flag_mass
    assert db.session.scalar(select(Escalation.id).where(Escalation.case_id == case.id,
                                                         Escalation.reason == "mass"))


# --- 5. corrections: `eligible` read one way, checked another -----------------------------


def test_defect_api_eligible_checked_against_another_value_than_it_shows(world, make_case,
                                                                         api):
    """What is wrong: a letter filed away as anonymous is shown by the API as
    `"eligible": false`. PATCH {"eligible": true} is refused with "Đơn này đã được ghi như
    vậy" (already so), and PATCH {"eligible": false} is accepted and audited as
    eligible_before true.
    What is right: the correction compares with what the letter is (eligible_now, what the
    API shows and 02/XLD column 5 counts): true is either recorded or refused with the
    reason (filed as anonymous), false is "already so" (reports.md: eligible = named, clear
    content and address, not a duplicate; ux.md: the message says what is wrong)."""
    case = make_case(world["reception"], received_on=d(10, 2))
    workflow.file_away(case, "anonymous", world["reception"], NOW, TODAY, decided_on=d(10, 3))
    db.session.commit()
    petition = case.petitions[0]
    path = f"/cases/{case.tracking_code}/petitions/{petition.id}"
    shown = api(world["reception"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert shown["petitions"][0]["eligible"] is False
    answer = api(world["reception"], "PATCH", path,
                 json={"eligible": True, "reason": "Đã xác minh danh tính"})
    assert "đã được ghi như vậy" not in json.dumps(answer.get_json(), ensure_ascii=False)
    answer = api(world["reception"], "PATCH", path,
                 json={"eligible": False, "reason": "Không đủ điều kiện"})
    assert answer.status_code == 422
    assert all(e["eligible_before"] is False
               for e in _events(case, "petition_eligibility_corrected"))


# --- probes: 05/KQTH -----------------------------------------------------------------------


def test_probe_05kqth_cut_off_units_and_total(world):
    """D: a decided 14/06 (Q2), recover 20 / return 30 m², enforced 15/06 (first day of Q3):
    18 recovered, 30 m² returned → carried over and enforced in Q3. b decided 14/09 (last
    day of Q3), 2 people to discipline → issued in Q3, pending. f decided 15/09 → Q4 only.
    C: denunciation t concluded 20/07, sent to investigation (1 person), 1 official among 2
    to discipline; enforced 01/08: 2 disciplined (1 official), 1 case and 1 person
    prosecuted."""
    head_d, head_c, decided = world["head_d"], world["head_c"], world["decided"]
    a = decided("D", decided=d(6, 14), money_to_recover=20, land_to_return=30)
    enforcement.enforce(a, d(6, 15), {"money_recovered": 18, "land_returned": 30}, None,
                        head_d, NOW, TODAY)
    decided("D", decided=d(9, 14), people_disciplined=2)
    decided("D", decided=d(9, 15), money_to_return="2.5")
    t = decided("C", kind="denunciation", outcome="denunciation_right", decided=d(7, 20),
                people_disciplined=2, officials_disciplined=1,
                people_sent_to_investigation=1)
    enforcement.enforce(t, d(8, 1), {"people_disciplined": 2, "officials_disciplined": 1,
                                     "cases_prosecuted": 1, "people_prosecuted": 1},
                        None, head_c, NOW, TODAY)
    db.session.commit()
    q3 = _rows("05/KQTH", Q3)
    d_row = {"1": 2, "2": 1, "3": 1, "4": 1, "5": 1, "6": 20, "7": 18, "12": 30, "13": 30,
             "14": 2}
    c_row = {"1": 1, "3": 1, "4": 1, "14": 2, "15": 2, "16": 1, "17": 1, "18": 1, "19": 1}
    assert _nonzero(q3["D"]) == d_row and _nonzero(q3["C"]) == c_row
    assert not _nonzero(q3["P"]) and not _nonzero(q3["DESK"])
    assert _nonzero(q3["total"]) == {k: d_row.get(k, 0) + c_row.get(k, 0)
                                     for k in {*d_row, *c_row}}
    _formulas_hold("05/KQTH", q3)
    q4 = _rows("05/KQTH", Q4)
    assert _nonzero(q4["D"]) == {"1": 2, "2": 1, "3": 1, "5": 2, "10": 2.5, "14": 2}
    assert not _nonzero(q4["C"])


def test_probe_enforcement_validation_correction_and_audit(world):
    a = world["decided"]("D", decided=d(7, 1), money_to_return="12.5", land_to_recover=5)
    head = world["head_d"]
    db.session.commit()
    for on, figures, field in (
            (d(6, 30), {}, "enforced_on"), (date(2026, 12, 2), {}, "enforced_on"),
            (d(8, 1), {"money_returned": "12.51"}, "money_returned"),
            (d(8, 1), {"land_recovered": "5.01"}, "land_recovered"),
            (d(8, 1), {"money_recovered": "0.01"}, "money_recovered")):
        with pytest.raises(ValidationFailed) as refused:
            enforcement.enforce(a, on, figures, None, head, NOW, TODAY)
        assert field in refused.value.errors
        db.session.rollback()
    enforcement.enforce(a, d(7, 1), {"money_returned": "12.5"}, None, head, NOW, TODAY)
    enforcement.enforce(a, d(7, 2), {"money_returned": "12.5", "land_recovered": 5},
                        "Đã bàn giao đất", head, NOW, TODAY)
    db.session.commit()
    first, second = _events(a, enforcement.EVENT)
    assert first["on"] == "2026-07-01" and "corrected" not in first
    assert second["corrected"] is True and second["land_recovered"] == "5.00"
    q3 = _rows("05/KQTH", Q3)["D"]
    assert (q3["4"], q3["9"], q3["10"], q3["11"]) == (1, 5, 12.5, 12.5)


def test_probe_only_the_deciding_head_and_not_when_nothing_is_ordered(world, api):
    a = world["decided"]("D", decided=d(7, 1), orgs_restored=1)
    for someone in (world["head_p"], world["officer_d"], world["reception"],
                    world["inspector"], world["head_c"]):
        with pytest.raises(NotAllowed):
            enforcement.enforce(a, d(8, 1), {}, None, someone, NOW, TODAY)
    nothing = world["decided"]("D", decided=d(7, 1), outcome="wrong")
    db.session.commit()
    head = world["head_d"]
    assert "enforce" in api(head, "GET", f"/cases/{a.tracking_code}").get_json()[
        "allowed_actions"]
    assert "enforce" not in api(head, "GET", f"/cases/{nothing.tracking_code}").get_json()[
        "allowed_actions"]
    refused = api(head, "POST", f"/cases/{nothing.tracking_code}/enforce",
                  json={"enforced_on": "2026-08-01"})
    assert refused.status_code == 422


def test_probe_a_second_round_decision_is_enforced_by_its_own_unit(world, make_case):
    first = world["decided"]("D", decided=d(7, 1), outcome="wrong")
    second = make_case(actor=world["reception"], complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=d(7, 10))
    workflow.route(second, "P", None, NOW, TODAY, decided_on=d(7, 10))
    workflow.accept(second, None, NOW, TODAY, decided_on=d(7, 10))
    workflow.resolve(second, "annulled", "QĐ 9/QĐ-UBND", "Hủy, trả lại đất", None, NOW,
                     TODAY, decided_on=d(8, 1), figures={"land_to_return": 40})
    with pytest.raises(NotAllowed):
        enforcement.enforce(second, d(8, 5), {"land_returned": 40}, None, world["head_d"],
                            NOW, TODAY)
    enforcement.enforce(second, d(8, 5), {"land_returned": 40}, None, world["head_p"], NOW,
                        TODAY)
    db.session.commit()
    q3 = _rows("05/KQTH", Q3)
    assert _nonzero(q3["P"]) == {"1": 1, "3": 1, "4": 1, "12": 40, "13": 40}
    assert not _nonzero(q3["D"])


# --- probes: the petitions columns of 03/GQKN and 04/GQTC ----------------------------------


def _letter(case, on, who="Lê Văn Tư", reception=None):
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=on, petitioners=[intake.PetitionerData(
            full_name=who, address="Số 4 Lê Lợi", phone="0912345611")]),
        reception, NOW, TODAY)


def test_probe_petitions_columns_with_joined_letters_transfers_and_carried(world,
                                                                          make_case):
    """03/GQKN D: A received 01/06 with a letter joined 05/06, accepted 10/06 (carried
    over), a third letter joined 01/07, resolved 20/07 → 1 matter, 2 letters carried, the
    one of 01/07 new in Q3, 3 resolved. B received 20/06 with a letter joined 22/06,
    accepted by D 25/06, transferred to C 05/07 and accepted by C 10/07 → counted at C
    only: 1 matter, 2 letters accepted.
    04/GQTC C: T received 20/06, accepted 01/07, a letter joined 20/09 (after the cut-off)
    → Q3: 1 letter accepted; Q4: 1 letter carried over and the one of 20/09 new in Q4
    (QA round 95: both were counted carried over)."""
    reception = world["reception"]
    a = make_case(reception, received_on=d(6, 1))
    _letter(a, d(6, 5), reception=reception)
    workflow.route(a, "D", None, NOW, TODAY, decided_on=d(6, 10))
    workflow.accept(a, None, NOW, TODAY, decided_on=d(6, 10))
    _letter(a, d(7, 1), who="Lê Văn Năm", reception=reception)
    workflow.resolve(a, "right", "QĐ 1", "Kết quả", None, NOW, TODAY, decided_on=d(7, 20))
    b = make_case(reception, received_on=d(6, 20))
    _letter(b, d(6, 22), reception=reception)
    workflow.route(b, "D", None, NOW, TODAY, decided_on=d(6, 25))
    workflow.accept(b, None, NOW, TODAY, decided_on=d(6, 25))
    workflow.transfer(b, "C", "Thuộc thẩm quyền xã", None, NOW, TODAY, decided_on=d(7, 5))
    workflow.accept(b, None, NOW, TODAY, decided_on=d(7, 10))
    t = make_case(reception, kind="denunciation", received_on=d(6, 20))
    workflow.route(t, "C", None, NOW, TODAY, decided_on=d(6, 20))
    workflow.accept(t, None, NOW, TODAY, decided_on=d(7, 1))
    _letter(t, d(9, 20), reception=reception)
    db.session.commit()
    kn = _rows("03/GQKN", Q3)
    assert [kn["D"][str(c)] for c in (1, 2, 3, 4, 15, 25, 26, 27, 28, 29)] == [
        1, 1, 0, 1, 0, 3, 2, 1, 3, 0]
    assert [kn["C"][str(c)] for c in (1, 2, 3, 4, 15, 25, 26, 27, 28, 29)] == [
        1, 0, 1, 0, 1, 2, 0, 2, 0, 2]
    assert [kn["total"][str(c)] for c in (25, 26, 27, 28, 29)] == [5, 2, 3, 3, 2]
    _formulas_hold("03/GQKN", kn)
    tc = _rows("04/GQTC", Q3)
    assert [tc["C"][str(c)] for c in (1, 3, 22, 23, 24, 25, 26)] == [1, 1, 1, 0, 1, 0, 1]
    _formulas_hold("04/GQTC", tc)
    tc4 = _rows("04/GQTC", Q4)["C"]
    assert [tc4[str(c)] for c in (1, 2, 22, 23, 24, 25, 26)] == [1, 1, 2, 1, 1, 0, 2]


# --- probes: corrections -------------------------------------------------------------------


def test_probe_a_shared_person_is_corrected_once_audited_without_values(world, make_case):
    first = make_case(world["reception"], received_on=d(10, 2))
    person = _person(first)
    second = make_case(world["reception"], received_on=d(10, 5), subject="Đòi bồi thường",
                       field="land")
    intake.add_petition(second, intake.PetitionData(
        channel="mail", received_on=d(10, 6), petitioners=[intake.PetitionerData(
            full_name=person.full_name, id_number=person.id_number)]),
        world["reception"], NOW, TODAY)
    db.session.commit()
    assert second.petitions[1].signers[0].petitioner_id == person.id
    corrections.correct_person(second, person.id, _data(person, address="Số 7 Trần Phú",
                                                        email="a.nguyen@example.vn"),
                               "Bổ sung địa chỉ", world["reception"], NOW)
    db.session.commit()
    db.session.expire_all()
    assert _person(first).address == "Số 7 Trần Phú"
    [event] = _events(second, "petitioner_corrected")
    assert event == {"fields": ["email", "address"], "reason": "Bổ sung địa chỉ"}


def test_probe_denouncer_subject_check_and_event(world, make_case):
    case = make_case(world["reception"], kind="denunciation",
                     subject="Tố cáo cán bộ địa chính, liên hệ 0987654321",
                     received_on=d(10, 2))
    person = _person(case)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        corrections.correct_person(case, person.id, _data(person, phone="0987654321"),
                                   "Sai số", world["reception"], NOW)
    db.session.rollback()
    corrections.correct_person(case, person.id, _data(person, phone="0912 000 111"),
                               "Sai số", world["reception"], NOW)
    db.session.commit()
    [event] = _events(case, "petitioner_corrected")
    assert "0912000111" not in json.dumps(event) and event["fields"] == ["phone"]


def test_probe_anonymised_person_and_messages_in_english(world, make_case, api):
    case = make_case(world["reception"], received_on=d(10, 2))
    person = _person(case)
    person.anonymised_at = NOW
    db.session.commit()
    with pytest.raises(NotAllowed):
        corrections.correct_person(case, person.id, _data(person, address="Số 1"), "Bổ sung",
                                   world["reception"], NOW)
    db.session.rollback()
    other = make_case(world["reception"], received_on=d(10, 3))
    answer = api(world["reception"], "PATCH",
                 f"/cases/{other.tracking_code}/petitioners/{_person(other).id}",
                 json={"phone": "12", "reason": " "},
                 headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert set(errors) >= {"phone", "reason"}
    assert all(not any(ch in text for ch in "ăâđơưố") for text in errors.values())
