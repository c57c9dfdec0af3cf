"""Notes on the work of a case (ghi chú quá trình xử lý): the head of the agency holding it
and its assigned officer record what they did between decisions; a note changes no status
or deadline, is an audit event shown in the staff timeline (never on the citizen's page),
may not name a denouncer, and is refused to anyone else and once the case is closed."""

from __future__ import annotations

import pytest

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import notes, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import events, fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")

NOTE = "Đã làm việc với UBND phường Lê Chân, chờ hồ sơ địa chính đến 10/12."


def test_the_assigned_officer_records_a_note_seen_in_the_timeline(client, login, world,
                                                                   routed):
    case = routed(accept=True)
    workflow.assign(case, world["officer"].username, world["head"], NOW)
    db.session.commit()
    before = (fresh(case).status, [(d.stage, d.due_on) for d in fresh(case).deadlines])
    login(world["officer"])
    page = client.get(f"/agency/cases/{case.tracking_code}")
    assert 'data-testid="note-section"' in page.text
    # Nothing typed: said next to the field, nothing recorded.
    r = client.post(f"/agency/cases/{case.tracking_code}/note", data={"note": "  "})
    assert r.status_code == 422 and "Nhập nội dung ghi chú." in r.text
    assert "note_added" not in events(case)
    r = client.post(f"/agency/cases/{case.tracking_code}/note", data={"note": NOTE})
    assert r.status_code == 302
    assert events(case)[-1] == "note_added"
    after = fresh(case)
    assert (after.status, [(d.stage, d.due_on) for d in after.deadlines]) == before
    page = client.get(f"/agency/cases/{case.tracking_code}").text
    assert "Ghi chú quá trình xử lý" in page and NOTE in page
    # The citizen's page tells the steps of the case, not the agency's working notes.
    public = client.post("/cong-dan/tra-cuu", data={"tracking_code": case.tracking_code,
                                                    "secret": case.test_pin},
                         follow_redirects=True).text
    assert NOTE not in public


def test_only_the_holder_head_and_assigned_officer_note_while_the_agency_works(
        client, login, world, routed, api):
    case = routed(accept=True)
    workflow.assign(case, world["officer"].username, world["head"], NOW)
    db.session.commit()
    for user in (world["officer2"], world["other_head"], world["reception"]):
        with pytest.raises(NotAllowed):
            notes.add_note(fresh(case), NOTE, user, NOW)
    db.session.rollback()
    login(world["officer2"])  # same agency, not assigned: no form, and a POST is refused
    assert 'data-testid="note-section"' not in client.get(
        f"/agency/cases/{case.tracking_code}").text
    assert client.post(f"/agency/cases/{case.tracking_code}/note",
                       data={"note": NOTE}).status_code == 403
    # Through the API: the head may; another agency's head does not see the case.
    ok = api(world["head"], "POST", f"/cases/{case.tracking_code}/notes", json={"note": NOTE})
    assert ok.status_code == 200, ok.get_json()
    assert any(e["action"] == "note_added" for e in ok.get_json()["timeline"])
    assert api(world["other_head"], "POST", f"/cases/{case.tracking_code}/notes",
               json={"note": NOTE}).status_code == 404
    assert api(world["officer2"], "POST", f"/cases/{case.tracking_code}/notes",
               json={"note": NOTE}).status_code == 403
    # Once closed, the case's work is over.
    workflow.resolve(fresh(case), "right", "12/QĐ", "Đúng", world["head"], NOW, TODAY)
    notes.add_note(fresh(case), "Đã gửi quyết định cho các bên.", world["head"], NOW)
    workflow.close(fresh(case), world["head"], NOW, TODAY, reason="Đã thi hành xong")
    db.session.commit()
    with pytest.raises(NotAllowed):
        notes.add_note(fresh(case), NOTE, world["head"], NOW)


def test_a_note_on_a_denunciation_may_not_name_the_denouncer(world, routed):
    case = routed(kind="denunciation", accept=True)
    denouncer = case.petitions[0].signers[0].petitioner.full_name
    with pytest.raises(ValidationFailed) as refused:
        notes.add_note(fresh(case), f"Đã làm việc với {denouncer} về nội dung tố cáo.",
                       world["head"], NOW)
    assert "note" in refused.value.errors
    db.session.rollback()
    notes.add_note(fresh(case), "Đã yêu cầu người bị tố cáo giải trình.", world["head"], NOW)
    db.session.commit()
    assert db.session.query(AuditEvent).filter(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "note_added").count() == 1

