"""QA 115, personal data. D4: anonymising a petitioner renamed the files handed in with
their letters but kept serving their content: a scan of their ID card stayed downloadable.
The content is erased: refused from then on, saying why, and its stored file pruned once
no other row names it (the same content on another case stays)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from complaints.extensions import db
from complaints.services import attachments, personal_data, workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PNG

pytestmark = pytest.mark.usefixtures("fixed_clock")

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)
LATER_DAY = date(2032, 1, 5)


def test_the_files_of_an_anonymised_person_are_erased(make_case, make_user, client, login):
    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk)
    letter = case.petitions[0]
    person = letter.signers[0].petitioner
    stored = attachments.store_upload(PNG, f"CCCD {person.full_name}.png")
    row = attachments.attach(case, stored, "petition", clerk, NOW, petition=letter)
    # The same bytes handed in on someone else's case, which is not anonymised.
    other = make_case(actor=clerk, subject="Đề nghị cấp giấy chứng nhận")
    kept = attachments.attach(other, attachments.store_upload(PNG, "giay-to.png"),
                              "evidence", clerk, NOW)
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert row.erased_at is not None and "Nguyễn" not in row.filename
    login(clerk)
    refused = client.get(f"/reception/attachments/{row.id}")
    assert refused.status_code == 404 and refused.data != PNG
    assert "đã được xóa khi ẩn danh" in refused.get_data(as_text=True)
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="file-erased"' in page
    assert f"/reception/attachments/{row.id}" not in page
    # The stored file stays while another row names it…
    path = attachments.blob_path(row.sha256)
    attachments.remove_orphans(LATER, timedelta(0))
    assert path.is_file()
    assert client.get(f"/reception/attachments/{kept.id}").data == PNG
    # …and goes with the last one.
    db.session.delete(kept)
    db.session.commit()
    attachments.remove_orphans(LATER, timedelta(0))
    assert not path.exists()


def _person(case):
    return case.petitions[0].signers[0].petitioner


def test_their_particulars_leave_the_texts_of_their_cases(make_case, make_user):
    """D3: a letter typed as they wrote it kept their phone, and the desk's search still
    found the case by it once they were anonymised."""
    from complaints.services import search

    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk, subject="Tranh chấp đất của Nguyễn Văn A",
                     content="Tôi tên là Nguyễn Văn A, số điện thoại 0912345678, đề nghị "
                             "giải quyết tranh chấp đất đai.")
    person = _person(case)
    person.full_name, person.phone = "Nguyễn Văn A", "0912345678"
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    assert case.id in search.desk_matches(clerk, "0912345678").ids
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert case.id not in search.desk_matches(clerk, "0912345678").ids
    assert "0912345678" not in case.content and "Nguyễn Văn A" not in case.content
    assert "tranh chấp đất đai" in case.content  # the matter stays on record
    assert "Nguyễn Văn A" not in case.subject


def test_the_export_holds_what_the_trail_says_of_them(make_case, make_user):
    """D2: a reason an official typed naming them is held about them as long as the
    (append-only) trail is: the export lists it."""
    import json

    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk)
    person = _person(case)
    reason = f"Đã hướng dẫn {person.full_name} (SĐT {person.phone}) đến Tòa án"
    workflow.guide(case, reason, clerk, NOW, TODAY)
    db.session.commit()
    data = personal_data.export_petitioner(person, admin, NOW, ground="Phiếu 1/PYC")
    assert [(t["case"], t["action"]) for t in data["trail"]] == [(case.tracking_code,
                                                                  "guide")]
    assert reason in json.dumps(data["trail"], ensure_ascii=False)
