"""The desk corrects a case's particulars before routing: its field of law (lĩnh vực), its
locality (địa bàn) and its subject (trích yếu). What reads them follows — the routing
suggestion, the reports' field category, the repeated/mass-petition matter — and the audit
trail keeps the values before and after with the reason."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.domain import reports as forms
from complaints.domain import states
from complaints.domain.catalog import REPORT_CATEGORIES
from complaints.domain.confidentiality import REASON_NAMES_DENOUNCER, SUBJECT_NAMES_DENOUNCER
from complaints.domain.fields import FIELD_STOPPED
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation, Field, RoutingRule
from complaints.services import (
    audit,
    case_view,
    corrections,
    intake,
    references,
    reports,
    routing,
    workflow,
)
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import page as _page

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q4 = forms.quarter_period(2026, 4)  # 15/09 – 14/12/2026
SUBJECT = "Thu hồi đất làm đường thôn Đông"


@pytest.fixture
def world(make_agency, make_user, make_locality):
    w = history_world(make_agency, make_user, make_locality)
    w["E"] = make_agency(code="E", parent=w["P"], level="department", name="Sở Môi trường")
    db.session.commit()
    return w


def _field(code: str) -> Field:
    return db.session.scalar(select(Field).where(Field.code == code))


def _events(case: Case, action: str) -> list[dict]:
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"case:{case.id}",
                                 AuditEvent.action == action).order_by(AuditEvent.seq))]


def _chain_ok(case: Case) -> bool:
    return audit.verify_chains(f"case:{case.id}")[1] == []


def _category(code: str) -> str:
    """The 02/XLD column counting the petitions of a field category (columns 25–32)."""
    return str(25 + list(REPORT_CATEGORIES).index(code))


def _desk_row() -> dict:
    report = reports.build_report("02/XLD", "P", Q4)
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}["DESK"]


def _correct(case: Case, world, field=None, locality=None, subject=None,
             reason="Chọn nhầm khi tiếp nhận", actor=None) -> list[str]:
    return corrections.correct_particulars(case, field, locality, subject, reason,
                                           actor or world["reception"], NOW, TODAY)


# --- the service --------------------------------------------------------------------------


def test_the_field_corrected_changes_the_routing_suggestion_and_the_report_category(
        make_case, world):
    db.session.add_all([RoutingRule(field_id=_field("land").id, agency_id=world["D"].id),
                        RoutingRule(field_id=_field("environment").id,
                                    agency_id=world["E"].id)])
    case = make_case(actor=world["reception"], field="land", received_on=date(2026, 10, 2))
    db.session.commit()
    assert routing.suggestion_for(case).agency.code == "D"
    row = _desk_row()
    assert (row[_category("admin_land")], row[_category("admin_other")]) == (1, 0)

    assert _correct(case, world, field="environment",
                    reason="Đơn phản ánh ô nhiễm, không phải đất đai") == ["field"]
    db.session.commit()
    db.session.expire_all()
    assert case.field.code == "environment"
    assert routing.suggestion_for(case).agency.code == "E"
    row = _desk_row()
    assert (row[_category("admin_land")], row[_category("admin_other")]) == (0, 1)
    [event] = _events(case, "particulars_corrected")
    assert event == {"field_before": "land", "field": "environment",
                     "reason": "Đơn phản ánh ô nhiễm, không phải đất đai"}
    assert _chain_ok(case)
    shown = dict(case_view.event_details("particulars_corrected", event))
    assert (shown["Lĩnh vực trước khi sửa"], shown["Lĩnh vực"]) == ("Đất đai", "Môi trường")
    # Deadlines do not depend on the particulars: the handling one runs on as it was.
    assert case.deadline("handling").due_on == date(2026, 10, 16)


def test_a_locality_and_a_subject_are_corrected(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    old = case.locality_code
    db.session.commit()
    changed = _correct(case, world, locality="11311", subject="  Tranh chấp ranh giới đất  ")
    db.session.commit()
    assert changed == ["locality_code", "subject"]
    db.session.expire_all()
    assert (case.locality_code, case.locality.name) == ("11311", "Phường Lê Chân")
    assert case.subject == "Tranh chấp ranh giới đất"
    [event] = _events(case, "particulars_corrected")
    assert (event["locality_before"], event["locality"]) == (old, "11311")
    assert (event["subject_before"], event["subject"]) == ("Tranh chấp đất đai",
                                                           "Tranh chấp ranh giới đất")
    assert ("Địa bàn", "Phường Lê Chân") in case_view.event_details(
        "particulars_corrected", event)
    assert _chain_ok(case)


@pytest.mark.parametrize(("changes", "reason", "key", "says"), [
    ({}, "Sai", "field", "không có gì để sửa"),
    ({"field": "land", "subject": "Tranh chấp đất đai"}, "Sai", "field", "không có gì để sửa"),
    ({"field": "no-such-field"}, "Sai", "field", "Chọn lĩnh vực"),
    ({"locality": "99999999"}, "Sai", "locality", "Địa bàn không tồn tại"),
    ({"locality": " "}, "Sai", "locality", "Chọn xã, phường"),
    ({"subject": " \u200b "}, "Sai", "subject", "Nhập trích yếu"),
    ({"subject": "a\x07b"}, "Sai", "subject", "ký tự điều khiển"),
    ({"subject": "x" * 501}, "Sai", "subject", "Tối đa 500"),
    ({"field": "environment"}, " ", "reason", "Nêu lý do sửa"),
])
def test_a_wrong_correction_is_a_field_error_and_changes_nothing(
        make_case, world, changes, reason, key, says):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    before = (case.field_id, case.locality_code, case.subject)
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        _correct(case, world, reason=reason, **changes)
    db.session.rollback()
    key = {"locality": "locality_code"}.get(key, key)
    assert says in str(raised.value.errors[key])
    assert (case.field_id, case.locality_code, case.subject) == before
    assert _events(case, "particulars_corrected") == []


def test_after_routing_it_is_refused_and_the_holder_is_named(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    workflow.route(case, "D", world["reception"], NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.commit()
    with pytest.raises(states.InvalidTransition) as raised:
        _correct(case, world, field="environment")
    db.session.rollback()
    assert (raised.value.action, raised.value.status) == ("correct_particulars", "routed")
    assert "trả lại đơn" in raised.value.hint
    assert not corrections.may_correct_particulars(world["reception"], case)
    # Returned to the desk, it is the desk's again: corrected, then routed anew.
    workflow.return_case(case, "Không thuộc thẩm quyền", "E", world["head"], NOW, TODAY,
                         decided_on=date(2026, 10, 6))
    db.session.commit()
    assert _correct(case, world, field="environment") == ["field"]


def test_another_desk_may_not(make_case, make_agency, make_user, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    other = make_user("reception", agency=make_agency(code="DESK2", parent=world["P"]))
    db.session.commit()
    with pytest.raises(NotAllowed):
        _correct(case, world, field="environment", actor=other)
    with pytest.raises(NotAllowed):
        _correct(case, world, field="environment", actor=world["head"])


def test_a_stopped_field_is_refused_unless_it_is_the_cases_own(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    _field("environment").active = False
    db.session.commit()
    references.invalidate()  # as the administrators' page does when it stops a field
    with pytest.raises(ValidationFailed) as raised:
        _correct(case, world, field="environment")
    assert raised.value.errors["field"] == FIELD_STOPPED
    db.session.rollback()
    _field("land").active = False  # stopped since intake: the case keeps it
    db.session.commit()
    references.invalidate()
    assert _correct(case, world, field="land", subject="Tranh chấp lối đi chung") == [
        "subject"]


def test_a_denouncer_is_named_neither_by_the_reason_nor_by_the_subject(make_case, world):
    case = make_case(actor=world["reception"], kind="denunciation",
                     subject="Tố cáo cán bộ địa chính", received_on=date(2026, 10, 2))
    name = case.petitions[0].signers[0].petitioner.full_name
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        _correct(case, world, field="corruption", reason=f"Ông {name} nói rõ hơn")
    assert raised.value.errors["reason"] == REASON_NAMES_DENOUNCER
    db.session.rollback()
    with pytest.raises(ValidationFailed) as raised:
        _correct(case, world, subject=f"{name} tố cáo cán bộ địa chính")
    assert raised.value.errors["subject"] == SUBJECT_NAMES_DENOUNCER


def test_a_form_shown_before_someone_elses_correction_is_refused(make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    seen = corrections.particulars_fingerprint(case)
    _correct(case, world, subject="Tranh chấp lối đi")
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        corrections.correct_particulars(case, "environment", None, None, "Sai",
                                        world["reception"], NOW, TODAY, seen=seen)
    assert "vừa được người khác sửa" in raised.value.errors["seen"]


# --- the matter: repeated and mass petitions -------------------------------------------------


def _matter_case(world, loc: str, name: str, on: date, field: str = "land") -> Case:
    data = intake.CaseData(kind="complaint", field_code=field, subject=SUBJECT,
                           content="Nội dung", locality_code=loc,
                           petition=intake.PetitionData(
                               channel="walk_in", received_on=on,
                               petitioners=[intake.PetitionerData(full_name=name)]))
    return intake.receive_case(data, world["reception"], NOW, TODAY)[0]


NAMES = ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Văn Dũng", "Ngô Thị Em",
         "Mai Văn Giang"]


def _fresh(*cases: Case) -> list[Case]:
    db.session.expire_all()
    return [db.session.get(Case, c.id) for c in cases]


def _mass_rows(case: Case) -> list[Escalation]:
    return list(db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.reason == rules.MASS).order_by(Escalation.id)))


def test_a_case_moved_off_its_matter_leaves_the_mass_petition(world, make_locality):
    """Five people on one matter, one of them filed under the wrong field: corrected, the
    matter has four and is no mass petition; the case itself is none on its new matter."""
    loc = make_locality("31001").code
    cases = [_matter_case(world, loc, name, date(2026, 11, 2 + i))
             for i, name in enumerate(NAMES[:5])]
    db.session.commit()
    cases = _fresh(*cases)
    assert all(c.flag_mass for c in cases) and len({c.cluster_id for c in cases}) == 1
    cluster_id = cases[0].cluster_id
    moved, rest = cases[-1], cases[:-1]

    _correct(moved, world, field="environment", reason="Đơn về ô nhiễm tiếng ồn")
    db.session.commit()
    moved, *rest = _fresh(moved, *rest)
    assert not moved.flag_mass and moved.cluster_id is None
    for case in [moved, *rest]:
        assert not case.flag_mass and case.is_complex  # complexity stays, as on withdrawal
        (row,) = _mass_rows(case)
        assert row.lapse_reason == rules.NO_LONGER_MASS and row.lapsed_at is not None
        (cleared,) = _events(case, "mass_flag_cleared")
        assert cleared["cause"] == "particulars_corrected"
        assert _chain_ok(case)
    assert all(c.cluster_id == cluster_id for c in rest)
    label = case_view.text_label(case_view.EVENT_LABELS, case_view.event_key(
        "mass_flag_cleared", {"cause": "particulars_corrected"}))
    assert "sau khi sửa thông tin hồ sơ" in label
    # The events of the case corrected: the correction, then the flag it lost.
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{moved.id}").order_by(AuditEvent.seq)))
    assert actions[-2:] == ["particulars_corrected", "mass_flag_cleared"]


def test_a_case_moved_onto_a_mass_matter_joins_it(world, make_locality):
    loc, elsewhere = make_locality("31001").code, make_locality("31002").code
    cases = [_matter_case(world, loc, name, date(2026, 11, 2 + i))
             for i, name in enumerate(NAMES[:5])]
    stray = _matter_case(world, elsewhere, NAMES[5], date(2026, 11, 9))
    db.session.commit()
    cases = _fresh(*cases)
    assert not _fresh(stray)[0].flag_mass
    cluster_id = cases[0].cluster_id

    _correct(stray, world, locality=loc, reason="Thửa đất thuộc phường khác")
    db.session.commit()
    (stray,) = _fresh(stray)
    assert stray.flag_mass and stray.is_complex and stray.cluster_id == cluster_id
    (row,) = _mass_rows(stray)
    assert row.lapsed_at is None
    assert all(len(_mass_rows(c)) == 1 for c in cases)  # the others are not raised again
    assert _chain_ok(stray)


def test_a_case_moved_onto_a_matter_of_four_makes_it_mass(world, make_locality):
    loc = make_locality("31001").code
    cases = [_matter_case(world, loc, name, date(2026, 11, 2 + i))
             for i, name in enumerate(NAMES[:4])]
    stray = _matter_case(world, loc, NAMES[4], date(2026, 11, 9), field="construction")
    db.session.commit()
    assert not any(c.flag_mass for c in _fresh(*cases, stray))

    _correct(stray, world, field="land", reason="Chọn nhầm lĩnh vực")
    db.session.commit()
    everyone = _fresh(*cases, stray)
    assert all(c.flag_mass for c in everyone)
    assert len({c.cluster_id for c in everyone}) == 1 and everyone[0].cluster_id is not None


# --- the API and the pages ---------------------------------------------------------------


def test_the_api_corrects_what_is_sent(api, make_case, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    subject, locality = case.subject, case.locality_code
    path = f"/cases/{case.tracking_code}"
    answer = api(world["reception"], "PATCH", path,
                 json={"field": "environment", "reason": "Chọn nhầm lĩnh vực"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["tracking_code"] == case.tracking_code
    db.session.expire_all()
    assert (case.field.code, case.subject, case.locality_code) == (
        "environment", subject, locality)

    empty = api(world["reception"], "PATCH", path, json={"reason": "Không gì"})
    assert empty.status_code == 422 and "field" in empty.get_json()["errors"]
    unknown = api(world["reception"], "PATCH", path,
                  json={"locality_code": "nowhere", "reason": "Sai"})
    assert unknown.status_code == 422
    assert "locality_code" in unknown.get_json()["errors"]
    no_reason = api(world["reception"], "PATCH", path, json={"subject": "Khác"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    assert api(world["head"], "PATCH", path,
               json={"subject": "Khác", "reason": "Sai"}).status_code in (403, 404)

    workflow.route(case, "D", world["reception"], NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.commit()
    late = api(world["reception"], "PATCH", path, json={"subject": "Khác", "reason": "Sai"})
    assert late.status_code == 409, late.get_json()
    body = late.get_json()
    assert (body["action"], body["case_status"]) == ("correct_particulars", "routed")
    assert "trả lại đơn" in body["error"]
    db.session.expire_all()
    assert case.subject == subject


def test_the_desk_corrects_on_its_page(client, login, make_case, make_locality, world):
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    make_locality("11312", name="Phường Ngô Quyền")
    code = case.tracking_code
    login(world["reception"])
    shown = _page(client.get(f"/reception/cases/{code}"))
    assert 'data-testid="correct-particulars"' in shown and "Đất đai" in shown
    url = f"/reception/cases/{code}/particulars"
    form = _page(client.get(url))
    assert '<option selected value="land">' in form
    assert f'<option selected value="{case.locality_code}">' in form
    assert 'value="Tranh chấp đất đai"' in form and "Phường Ngô Quyền" in form

    refused = client.post(url, data={"field": "land", "locality_code": case.locality_code,
                                     "subject": " ", "reason": ""})
    page = _page(refused)
    assert refused.status_code == 422 and 'data-testid="error-summary"' in page
    assert 'data-testid="error-subject"' in page and "Nhập trích yếu nội dung." in page
    assert 'data-testid="error-reason"' in page
    unchanged = client.post(url, data={"field": "land", "locality_code": case.locality_code,
                                       "subject": "Tranh chấp đất đai", "reason": "Sai"})
    assert unchanged.status_code == 422 and "không có gì để sửa" in _page(unchanged)
    assert 'data-testid="error-field"' in _page(unchanged)

    done = client.post(url, data={"field": "construction", "locality_code": "11312",
                                  "subject": "Tranh chấp đất đai", "reason": "Chọn nhầm"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/reception/cases/{code}")
    db.session.expire_all()
    assert (case.field.code, case.locality_code) == ("construction", "11312")
    shown = _page(client.get(f"/reception/cases/{code}"))
    assert "Đã sửa thông tin hồ sơ." in shown
    assert "Sửa thông tin hồ sơ (lĩnh vực, địa bàn, trích yếu)" in shown
    assert "Phường Ngô Quyền" in shown

    # Routed: no link, and the page says who acts now.
    workflow.route(case, "D", world["reception"], NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.commit()
    assert 'data-testid="correct-particulars"' not in _page(client.get(f"/reception/cases/{code}"))
    gone = client.get(url)
    assert gone.status_code == 302
    assert "trả lại đơn" in _page(client.get(gone.headers["Location"]))
