"""QA round 67: attachments, personal-data export/anonymisation, report workbooks.

Each test asserts the correct behaviour and failed before its fix: the export lists, and
anonymising scrubs, every file of the person's cases named after them (evidence the desk
added later too), and leaves out a co-signer's own file; the export lists who looked at
the person's data; stored file names lose every invisible character; a file lost from the
store is logged and the reader told so."""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import date, datetime, timezone

import pytest

from complaints.extensions import db
from complaints.models import Attachment
from complaints.services import attachments, personal_data, workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PDF, PNG

pytestmark = pytest.mark.usefixtures("fixed_clock")

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)  # past five years of retention
LATER_DAY = date(2032, 1, 5)


def _signers(case):
    return [s.petitioner for s in case.petitions[0].signers]


# --- 1. personal data: a file the desk added later, named after the petitioner -------------


@pytest.fixture
def later_evidence(make_case, make_user):
    """A complaint; after intake the desk adds the petitioner's ID-card photo as evidence
    (add_document: no petition, purpose "evidence"), then the case ends."""
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk)
    person = _signers(case)[0]
    name = person.full_name
    row = attachments.add_document(case, PNG, f"CCCD {name}.png", "evidence", clerk, NOW)
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    return {"admin": admin, "person": person, "name": name, "row_id": row.id}


def test_export_lists_evidence_added_later_that_names_the_petitioner(later_evidence):
    w = later_evidence
    data = personal_data.export_petitioner(w["person"], w["admin"], NOW, ground="PYC 1")
    assert any(w["name"] in f["filename"] for f in data["files"]), data["files"]


def test_anonymise_takes_the_name_out_of_evidence_added_later(later_evidence):
    w = later_evidence
    personal_data.anonymise_petitioner(w["person"], "retention_expired", w["admin"], LATER,
                                       LATER_DAY, 5)
    db.session.commit()
    assert w["name"] not in db.session.get(Attachment, w["row_id"]).filename


# --- 2. personal data: a co-signer's file in another signer's export ------------------------


def test_export_does_not_list_a_cosigners_own_file(make_case, make_user):
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk, petitioners=2)
    first, other = _signers(case)
    stored = attachments.store_upload(PNG, f"CCCD {other.full_name}.png")
    attachments.attach(case, stored, "evidence", clerk, NOW, petition=case.petitions[0])
    db.session.commit()
    data = personal_data.export_petitioner(first, admin, NOW, ground="PYC 2")
    assert all(other.full_name not in f["filename"] for f in data["files"]), data["files"]


# --- 3. personal data: the export leaves out who looked at the person's data --------------


def test_export_includes_the_audit_of_views_of_the_persons_data(make_case, make_user):
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk)
    person = _signers(case)[0]
    personal_data.record_view(person, "Phiếu yêu cầu 41/PYC", admin, NOW)
    db.session.commit()
    data = personal_data.export_petitioner(person, admin, NOW, ground="Phiếu yêu cầu 42/PYC")
    assert "Phiếu yêu cầu 41/PYC" in json.dumps(data, ensure_ascii=False)


# --- 4. attachments: invisible characters kept in a stored file's name -------------------


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u00ad", "\ufff9", "\U000e0041"])
def test_safe_filename_drops_invisible_and_line_separator_characters(app, char):
    name = attachments.safe_filename(f"don{char}to cao.pdf", "pdf")
    assert not [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")], \
        repr(name)


# --- 5. attachments: a file lost from the store answers "page not found", unlogged --------


def test_download_of_a_file_missing_from_the_store_is_logged(client, make_case, make_user,
                                                              login, caplog):
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    row = attachments.add_document(case, PDF, "don.pdf", "petition", clerk, NOW)
    db.session.commit()
    attachments.blob_path(row.sha256).unlink()
    login(clerk)
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/reception/attachments/{row.id}")
    assert response.status_code == 404
    assert "không còn trong kho lưu trữ" in response.get_data(as_text=True)  # told so
    # An evidence file lost from the store is an integrity incident: it must reach the log
    # (the page now answers a bare "page or case not found" and nothing is recorded).
    assert any(r.levelno >= logging.WARNING and row.sha256 in r.getMessage()
               for r in caplog.records), \
        [r.getMessage() for r in caplog.records]

