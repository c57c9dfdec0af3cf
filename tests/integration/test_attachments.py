"""Attachments: type by content, size limit, content-addressed storage, guarded download."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Case
from complaints.services import attachments, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.reception_helpers import EXE, PDF, PNG, intake_form, person, upload

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def desk(make_user, make_locality, login):
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    return officer, ward


def _post(client, ward, files, kind="complaint"):
    data = intake_form(ward.code, [person(1)], TODAY, kind=kind)
    data["petition_scans"] = files
    return client.post("/reception/new", data=data, content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_pdf_named_png_is_stored_as_png(client, desk, app):
    _officer, ward = desk
    response = _post(client, ward, [upload(PNG, "scan.pdf")])
    assert response.status_code == 302
    row = db.session.scalar(select(Attachment))
    assert row.content_type == "image/png"
    assert row.filename == "scan.png"
    sha = hashlib.sha256(PNG).hexdigest()
    assert row.sha256 == sha
    path = Path(app.config["UPLOAD_DIR"]) / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == PNG


def test_exe_renamed_pdf_is_refused(client, desk):
    _officer, ward = desk
    response = _post(client, ward, [upload(EXE, "don.pdf")])
    assert response.status_code == 422
    assert "không phải PDF, JPEG hoặc PNG" in response.get_data(as_text=True)
    assert _count(Case) == 0 and _count(Attachment) == 0


def test_oversized_file_is_refused(client, desk, monkeypatch):
    _officer, ward = desk
    monkeypatch.setattr(attachments, "MAX_FILE_BYTES", 1024 * 1024)
    big = PDF + b"0" * (1024 * 1024)
    response = _post(client, ward, [upload(big, "to.pdf")])
    assert response.status_code == 422
    assert "vượt quá giới hạn" in response.get_data(as_text=True)
    assert _count(Case) == 0


def test_request_over_max_content_length_is_413(client, desk, app):
    _officer, ward = desk
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _post(client, ward, [upload(PDF + b"0" * 4096, "to.pdf")])
    assert response.status_code == 413


def test_filename_is_sanitised():
    assert attachments.safe_filename("../../etc/passwd\x00.pdf", "pdf") == "passwd_.pdf"
    assert attachments.safe_filename("C:\\Users\\a\\Đơn thư.pdf", "pdf") == "Đơn thư.pdf"
    assert attachments.safe_filename("", "png") == "tep.png"



def test_names_cannot_hide_or_reorder_their_text():
    # Found by QA: "\u202e…png" was served as is (U+202E turns "gpj.exe" into "exe.jpg").
    assert attachments.safe_filename("anh\u202egpj.exe", "png") == "anh_gpj.png"
    assert attachments.safe_filename("a\u200bb\u2066c\ufeff.pdf", "pdf") == "a_b_c_.pdf"
    # A row stored under the old rule is served under today's.
    assert attachments.download_name("anh\u202egpj.png") == "anh_gpj.png"
    assert attachments.download_name("Đơn thư.pdf") == "Đơn thư.pdf"


def test_blob_path_comes_only_from_the_hash(app):
    with pytest.raises(ValueError):
        attachments.blob_path("../etc/passwd")
    sha = "a" * 64
    assert attachments.blob_path(sha).parts[-3:] == ("aa", "aa", sha)


def test_disk_full_leaves_nothing_half_saved(client, desk, monkeypatch, app):
    _officer, ward = desk

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    response = _post(client, ward, [upload(PDF, "don.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ổ đĩa đầy hoặc lỗi ghi" in html
    assert _count(Case) == 0 and _count(Attachment) == 0
    leftovers = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert leftovers == []  # the temp file was removed too


def test_file_kept_across_validation_error(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1)], TODAY, subject="", draft="d1")
    data["petition_scans"] = [upload(PDF, "don.pdf")]
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "don.pdf" in response.get_data(as_text=True)  # listed as already uploaded
    _cookie, payload = client.session_cookie()  # kept sealed: the name is not readable
    assert "don.pdf" not in str(payload)
    data = intake_form(ward.code, [person(1)], TODAY, draft="d1")  # same draft, no file
    assert client.post("/reception/new", data=data).status_code == 302
    assert db.session.scalar(select(Attachment)).filename == "don.pdf"


def _case_with_attachment(client, ward, kind="complaint"):
    assert _post(client, ward, [upload(PDF, "don.pdf")], kind=kind).status_code == 302
    return db.session.scalar(select(Case)), db.session.scalar(select(Attachment))


def test_download_served_as_attachment(client, desk):
    _officer, ward = desk
    case, row = _case_with_attachment(client, ward)
    response = client.get(f"/reception/attachments/{row.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert case.tracking_code in client.get(f"/reception/cases/{case.tracking_code}").get_data(
        as_text=True)


def test_download_forbidden_to_another_agencys_head(client, desk, make_user, make_agency):
    officer, ward = desk
    case, row = _case_with_attachment(client, ward)
    holder = make_agency("SO-TNMT")
    workflow.route(case, "SO-TNMT", officer, NOW, TODAY)
    other_head = make_user("agency_head", agency=make_agency("SO-XD"))
    own_head = make_user("agency_head", agency=holder)
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"username": other_head.username, "password": PASSWORD})
    assert client.get(f"/reception/attachments/{row.id}").status_code in (403, 404)
    client.post("/logout")
    client.post("/login", data={"username": own_head.username, "password": PASSWORD})
    with client.get(f"/reception/attachments/{row.id}") as response:
        assert response.status_code == 200


def test_denunciation_scan_reveals_identity(client, desk, make_user, make_agency):
    officer, ward = desk
    case, row = _case_with_attachment(client, ward, kind="denunciation")
    assert row.reveals_identity is True
    agency = make_agency("SO-TNMT")
    # Held by the agency (set directly: routing is not what this test is about).
    case.agency_id, case.status = agency.id, "routed"
    officer_there = make_user("agency_officer", agency=agency)  # not assigned to the case
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"username": officer_there.username, "password": PASSWORD})
    assert client.get(f"/reception/attachments/{row.id}").status_code == 403


def test_orphaned_files_and_partial_writes_are_pruned_when_old(app, make_case, runner):
    from datetime import timedelta

    root = Path(app.config["UPLOAD_DIR"])
    case = make_case()
    kept = attachments.store_upload(PDF, "don.pdf")
    attachments.attach(case, kept, "evidence", None, NOW)
    orphan = attachments.store_upload(PDF + b"% khac", "mo-coi.pdf")  # its request failed
    fresh = attachments.store_upload(PNG, "dang-tai.png")  # an upload in flight
    db.session.commit()
    partial = attachments.blob_path(orphan.sha256).parent / ".upload-abc123"
    partial.write_bytes(b"nua chung")
    old = (NOW - timedelta(days=2)).timestamp()
    for path in (attachments.blob_path(kept.sha256), attachments.blob_path(orphan.sha256),
                 partial):
        os.utime(path, (old, old))
    os.utime(attachments.blob_path(fresh.sha256), (NOW.timestamp(),) * 2)

    dry = attachments.remove_orphans(NOW, timedelta(hours=24), dry_run=True)
    assert (dry.examined, dry.removed) == (2, 1)
    assert attachments.blob_path(orphan.sha256).exists() and partial.exists()

    result = runner.invoke(args=["attachments", "prune-orphans"])
    assert result.exit_code == 0, result.output
    assert "removed 1 orphans" in result.output and "1 partial writes" in result.output
    assert attachments.blob_path(kept.sha256).exists()  # named by an attachment row
    assert attachments.blob_path(fresh.sha256).exists()  # too recent to judge
    assert not attachments.blob_path(orphan.sha256).exists() and not partial.exists()
    assert [p for p in root.rglob(".upload-*")] == []


def test_reusing_a_stored_file_protects_it_from_the_pruning(app):
    import time
    from datetime import timedelta

    stored = attachments.store_upload(PDF, "don.pdf")
    path = attachments.blob_path(stored.sha256)
    old = time.time() - timedelta(days=2).total_seconds()  # the store touches by the OS clock
    os.utime(path, (old, old))
    attachments.store_upload(PDF, "lan-hai.pdf")  # same content uploaded again
    assert path.stat().st_mtime > old


def test_every_file_of_a_denunciation_is_kept_from_those_who_may_not_know_the_denouncer(
        client, desk, make_user, make_agency):
    # Found by a QA pass: a photo of the denouncer's ID card, filed as evidence, was listed
    # by its revealing name and served to an officer not assigned to the case.
    officer, ward = desk
    case, _scan = _case_with_attachment(client, ward, kind="denunciation")
    stored = attachments.store_upload(PNG, "Nguyen_Van_To_Cao_CCCD.png")
    evidence = attachments.attach(case, stored, "evidence", None, NOW)
    legacy = attachments.attach(case, attachments.store_upload(PDF + b"%2", "cu.pdf"),
                                "evidence", None, NOW)
    legacy.reveals_identity = False  # a row stored under the old rule
    agency = make_agency("SO-TNMT")
    case.agency_id, case.status = agency.id, "routed"
    officer_there = make_user("agency_officer", agency=agency)
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"username": officer_there.username, "password": PASSWORD})
    for row in (evidence, legacy):
        assert client.get(f"/reception/attachments/{row.id}").status_code == 403
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert "Nguyen_Van_To_Cao" not in page and "cu.pdf" not in page


def test_a_refused_file_is_named_as_chosen(app):
    # Found by a QA pass: "Tệp “evil” không phải PDF…" for evil.exe.
    from complaints.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        attachments.check_file(b"MZ\x90\x00" * 10, "C:\\tai lieu\\evil.exe")
    assert "“evil.exe”" in refused.value.errors["attachments"]
