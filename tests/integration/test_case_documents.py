"""Files added to a case after intake (QA round 52: a scan brought later could not be
added): by the desk that received the case and by the agency working on it (its head or
assigned officer), checked by content as at intake, audited; a bad file is refused with
the reason beside the field and nothing is added."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, AuditEvent
from complaints.services import workflow
from tests.conftest import NOW
from tests.factories import PASSWORD
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh
from tests.integration.reception_helpers import PDF

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _files(case) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)))


def _signed_in(client, user):
    """A browser of its own for each user (signing in over a session keeps the first)."""
    db.session.commit()
    browser = client.application.test_client()
    browser.post("/login", data={"username": user.username, "password": PASSWORD})
    return browser


def _post(client, url: str, data: bytes, name: str, purpose: str = "decision"):
    return client.post(url, data={"purpose": purpose, "document": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_agency_adds_its_decision_and_the_desk_a_later_scan(client, login, world,
                                                                 routed):
    case = routed(accept=True)
    workflow.assign(case, world["officer"].username, world["head"], NOW)
    db.session.commit()
    login(world["officer"])
    assert 'data-testid="add-document"' in client.get(
        f"/agency/cases/{case.tracking_code}").text
    url = f"/agency/cases/{case.tracking_code}/documents"
    # Not a PDF, JPEG or PNG by its content: refused beside the field, nothing added.
    bad = _post(client, url, b"MZ\x90\x00 not a pdf", "quyet-dinh.pdf")
    assert bad.status_code == 422 and "không phải PDF, JPEG hoặc PNG" in bad.text
    no_file = client.post(url, data={"purpose": "decision"})
    assert no_file.status_code == 422 and "Chọn tệp cần thêm." in no_file.text
    wrong = _post(client, url, PDF, "qd.pdf", purpose="selfie")
    assert wrong.status_code == 422 and "Chọn loại tài liệu." in wrong.text
    assert _files(case) == []
    ok = _post(client, url, PDF, "Quyết định 12-QĐ.pdf")
    assert ok.status_code == 302
    [row] = _files(case)
    assert (row.purpose, row.content_type, row.uploaded_by_id) == (
        "decision", "application/pdf", world["officer"].id)
    assert "Quyết định 12-QĐ.pdf" in client.get(f"/agency/cases/{case.tracking_code}").text
    events = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}")).all()
    assert events[-1] == "attachment_added"

    desk = _signed_in(client, world["reception"])
    assert 'data-testid="add-document"' in desk.get(
        f"/reception/cases/{case.tracking_code}").text
    ok = _post(desk, f"/reception/cases/{case.tracking_code}/documents", PDF, "ban-quet.pdf",
               purpose="petition")
    assert ok.status_code == 302
    assert sorted(a.purpose for a in _files(case)) == ["decision", "petition"]


def test_others_may_not_add_files(client, login, world, routed):
    case = routed(accept=True)
    url = f"/agency/cases/{case.tracking_code}/documents"
    login(world["officer2"])  # same agency, not assigned
    assert 'data-testid="add-document"' not in client.get(
        f"/agency/cases/{case.tracking_code}").text
    assert _post(client, url, PDF, "x.pdf").status_code == 403
    other = _signed_in(client, world["other_head"])  # another agency: no such case for it
    assert _post(other, url, PDF, "x.pdf").status_code == 404
    assert _files(case) == []


def test_a_file_added_to_a_denunciation_is_hidden_from_who_may_not_know_the_denouncer(
        client, login, world, routed):
    case = routed(kind="denunciation", accept=True)
    login(world["head"])
    assert _post(client, f"/agency/cases/{case.tracking_code}/documents", PDF,
                 "bien-ban.pdf", purpose="evidence").status_code == 302
    [row] = _files(case)
    assert row.reveals_identity
    reader = _signed_in(client, world["officer2"])  # reads the case, not the denouncer
    page = reader.get(f"/agency/cases/{fresh(case).tracking_code}").text
    assert "bien-ban.pdf" not in page


# --- the same through the API -------------------------------------------------------------


def _api_upload(api, user, code: str, data: bytes, name: str, purpose: str = "evidence"):
    return api(user, "POST", f"/cases/{code}/attachments",
               data={"purpose": purpose, "file": (io.BytesIO(data), name)},
               content_type="multipart/form-data")


def test_the_api_adds_lists_and_serves_a_file(world, routed, api):
    case = routed(accept=True)
    bad = _api_upload(api, world["head"], case.tracking_code, b"GIF89a not allowed", "a.gif")
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]
    assert _api_upload(api, world["head"], case.tracking_code, PDF, "qd.pdf",
                       purpose="selfie").status_code == 422
    assert api(world["head"], "POST", f"/cases/{case.tracking_code}/attachments",
               data={"purpose": "evidence"},
               content_type="multipart/form-data").status_code == 422
    assert _api_upload(api, world["officer2"], case.tracking_code, PDF,
                       "x.pdf").status_code == 403
    ok = _api_upload(api, world["head"], case.tracking_code, PDF, "Biên bản làm việc.pdf")
    assert ok.status_code == 201, ok.get_json()
    [listed] = ok.get_json()["attachments"]
    assert (listed["filename"], listed["purpose"], listed["content_type"]) == (
        "Biên bản làm việc.pdf", "evidence", "application/pdf")
    assert ok.get_json()["hidden_attachments"] == 0
    served = api(world["officer2"], "GET", listed["download"].removeprefix("/api/v1"))
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # Another agency: the file does not exist for it.
    assert api(world["other_head"], "GET",
               listed["download"].removeprefix("/api/v1")).status_code == 404
    assert api(world["head"], "GET", "/attachments/999999").status_code == 404


def test_the_api_hides_a_denunciations_files_from_who_may_not_know_the_denouncer(
        world, routed, api):
    case = routed(kind="denunciation", accept=True)
    ok = _api_upload(api, world["head"], case.tracking_code, PDF, "to-cao.pdf")
    assert ok.status_code == 201
    [row] = _files(case)
    seen = api(world["officer2"], "GET", f"/cases/{case.tracking_code}").get_json()
    assert seen["attachments"] == [] and seen["hidden_attachments"] == 1
    assert api(world["officer2"], "GET", f"/attachments/{row.id}").status_code == 403
    before = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}")).all().count("identity_revealed")
    assert api(world["head"], "GET", f"/attachments/{row.id}").status_code == 200
    after = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}")).all().count("identity_revealed")
    assert after == before + 1
