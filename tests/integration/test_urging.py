"""The desk urges the agency resolving a matter (đôn đốc giải quyết) on a later letter about
it: services/urging.py, the desk's page, the API, and 02/XLD's column 33 (reports.md:
"Handling result … if not: guided, transferred, urged").

Units: province P, department D, commune C, desk DESK. Quarter 3/2026 (15/06 – 14/09).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import AuditEvent, Notification
from complaints.services import intake, reports, urging, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.resolution_world import desk_world

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)


@pytest.fixture
def new(make_agency, make_user, make_case):
    return desk_world(make_agency, make_user, make_case)


def _held_by_d(new, make_user, kind="complaint", letter_on=date(2026, 7, 10)):
    """A case received 01/06, accepted by D on 03/06, and a later letter on `letter_on`."""
    case = new(kind, letters=(letter_on,))
    workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2026, 6, 2))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 6, 3))
    head = make_user("agency_head", agency=case.agency)
    db.session.commit()
    return case, case.petitions[1], head


def _row(unit="DESK", period=Q3) -> dict:
    report = reports.build_report("02/XLD", "P", period)
    return {u.code: r for u, r in zip(report.units, report.rows, strict=True)}[unit]


def test_a_later_letter_is_urged_counted_notified_and_audited(new, make_user):
    case, later, head = _held_by_d(new, make_user)
    assert urging.may_urge(case, later) and not urging.may_urge(case, case.petitions[0])
    before = _row()
    assert (before["13"], before.get("33", 0)) == (1, 0)  # joined: filed as a duplicate
    urging.urge_holder(case, later.id, "Đề nghị Sở giải quyết đúng hạn.", new.reception, NOW,
                       date(2026, 7, 20), decided_on=date(2026, 7, 15))
    db.session.commit()
    assert (later.handling_outcome, later.handled_on) == ("urged", date(2026, 7, 15))
    row = _row()
    assert (row["13"], row["33"], row["10"]) == (0, 1, before["10"])  # 10=11+12+13+33
    assert row["6"] == before["6"]
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == urging.EVENT))
    assert '"agency":"D"' in event.data.replace(" ", "")
    [notice] = db.session.scalars(select(Notification).where(
        Notification.user_id == head.id, Notification.case_id == case.id))
    assert case.tracking_code in notice.subject and "đúng hạn" in notice.body
    assert not urging.may_urge(case, later)
    with pytest.raises(ValidationFailed) as again:
        urging.urge_holder(case, later.id, "Lần nữa", new.reception, NOW, TODAY)
    assert set(again.value.errors) == {"petition"}


def test_refused_when_nobody_resolves_it_or_the_input_is_wrong(new, make_user):
    case, later, _head = _held_by_d(new, make_user)
    cases = [
        ("", None, "note"),
        ("Đôn đốc", date(2026, 7, 9), "decided_on"),  # before the letter
        ("Đôn đốc", date(2026, 12, 2), "decided_on"),  # after today
    ]
    for note, on, key in cases:
        with pytest.raises(ValidationFailed) as refused:
            urging.urge_holder(case, later.id, note, new.reception, NOW, TODAY,
                               decided_on=on)
        assert key in refused.value.errors
        db.session.rollback()
    other = make_user("reception", agency=case.agency)  # not the desk that received it
    with pytest.raises(NotAllowed):
        urging.urge_holder(case, later.id, "Đôn đốc", other, NOW, TODAY)
    db.session.rollback()
    workflow.resolve(case, "right", "QĐ 1", "Kết quả", None, NOW, TODAY,
                     decided_on=date(2026, 7, 25))
    db.session.commit()
    assert not urging.may_urge(case, later)
    from complaints.domain.states import InvalidTransition

    with pytest.raises(InvalidTransition):
        urging.urge_holder(case, later.id, "Đôn đốc", new.reception, NOW, TODAY)


def test_the_note_on_a_denunciation_may_not_name_its_denouncer(new, make_user):
    case, later, _head = _held_by_d(new, make_user, kind="denunciation")
    with pytest.raises(ValidationFailed) as refused:
        urging.urge_holder(case, later.id, "Ông Lê Văn Tư gửi đơn lần hai", new.reception,
                           NOW, TODAY)
    assert set(refused.value.errors) == {"note"}


def test_the_desk_urges_on_its_page(new, make_user, client, login):
    case, later, _head = _held_by_d(new, make_user)
    login(new.reception)
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    url = f"/reception/cases/{case.tracking_code}/petitions/{later.id}/urge"
    assert url in page
    assert client.get(f"/reception/cases/{case.tracking_code}/petitions/"
                      f"{case.petitions[0].id}/urge").status_code == 302  # not a later letter
    refused = client.post(url, data={"note": " ", "decided_on": "2026-07-15"})
    assert refused.status_code == 422 and 'href="#note"' in refused.get_data(as_text=True)
    done = client.post(url, data={"note": "Đề nghị giải quyết", "decided_on": "15/07/2026"})
    assert done.status_code == 302
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert "Đã đôn đốc cơ quan giải quyết ngày 15/07/2026" in page and url not in page
    assert "nhận ngày 10/07/2026" in page  # the timeline names the letter by its day


def test_the_api_urges(new, make_user, api, client):
    case, later, head = _held_by_d(new, make_user)
    path = f"/cases/{case.tracking_code}/petitions/{later.id}/urge"
    assert api(head, "POST", path, json={"note": "x"}).status_code in (403, 404)
    bad = api(new.reception, "POST", path, json={})
    assert bad.status_code == 422 and "note" in bad.get_json()["errors"]
    ok = api(new.reception, "POST", path, json={"note": "Đề nghị giải quyết"})
    assert ok.status_code == 200, ok.get_json()
    [letter] = [p for p in ok.get_json()["petitions"] if p["id"] == later.id]
    assert letter["handling_outcome"] == "urged"
    assert api(new.reception, "POST", path, json={"note": "x"}).status_code == 422
    workflow.resolve(case, "right", "QĐ 1", "Kết quả", None, NOW, TODAY,
                     decided_on=date(2026, 7, 25))
    db.session.commit()
    first = case.petitions[0]
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 7, 26), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi")]), new.reception, NOW, TODAY)
    db.session.commit()
    latest = max(p.id for p in case.petitions if p.id not in (first.id, later.id))
    late = api(new.reception, "POST", f"/cases/{case.tracking_code}/petitions/{latest}/urge",
               json={"note": "x"})
    assert late.status_code == 409
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/cases/{tracking_code}/petitions/{petition_id}/urge" in doc["paths"]
