"""QA 103 D1: a scan of the letter that the desk added after intake ("a scan brought
later") stayed with the complaint when the desk split the denunciation out of the letter:
every reader of the complaint, the officers of the agency denounced among them, downloaded
the denouncer's letter."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import attachments, splitting, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_escalation_world import world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

LETTER = ("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ. Tôi cũng tố cáo ông Trần Văn B, "
          "cán bộ địa chính Sở A, nhận tiền của các hộ dân.")
SCAN = b"%PDF-1.4\n% the whole letter, handwritten and signed by its author\n%%EOF\n"


def _split(case, desk):
    case.petitions[0].signers[0].petitioner.address = "Số 1 Lạch Tray, Hải Phòng"
    denunciation, _pin = splitting.split_case(case, splitting.SplitData(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ địa chính Sở A",
        content="Tố cáo cán bộ địa chính Sở A nhận tiền của các hộ dân.",
        kept_content="Khiếu nại quyết định thu hồi đất số 12/QĐ.",
        kept_subject="Khiếu nại quyết định thu hồi đất số 12/QĐ"), desk, NOW, TODAY)
    return denunciation


def test_a_later_scan_of_the_letter_goes_with_the_denunciation(world, make_case,  # noqa: F811
                                                               make_user, client):
    desk = world.reception
    case = make_case(actor=desk, kind="complaint", content=LETTER,
                     received_on=date(2026, 10, 2))
    scan = attachments.add_document(case, SCAN, "scan-don-thu.pdf", "petition", desk, NOW)
    enclosure = attachments.add_document(case, SCAN + b" ", "anh-chup.pdf", "evidence",
                                         desk, NOW)
    db.session.commit()
    assert scan.petition_id == splitting.letter_of(case).id  # the letter's, as at intake

    denunciation = _split(case, desk)
    workflow.route(case, "SO-A", desk, NOW, TODAY, decided_on=date(2026, 10, 3))
    db.session.commit()
    db.session.refresh(scan)
    db.session.refresh(enclosure)
    assert (scan.case_id, enclosure.case_id) == (denunciation.id, denunciation.id)
    assert scan.reveals_identity is False  # the row keeps its flag; the case decides

    officer = make_user("agency_officer", world.a, "chuyenvien_a9")
    db.session.commit()
    client.post("/login", data={"username": officer.username, "password": PASSWORD})
    got = client.get(f"/reception/attachments/{scan.id}")
    assert got.status_code in (403, 404)
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert "scan-don-thu.pdf" not in page and "anh-chup.pdf" not in page


def test_an_unlinked_scan_added_before_this_fix_moves_too(world, make_case):  # noqa: F811
    """Files added before later additions were linked to the letter name none: a scan
    ("petition") among them is the letter's."""
    desk = world.reception
    case = make_case(actor=desk, kind="complaint", content=LETTER,
                     received_on=date(2026, 10, 2))
    scan = attachments.add_document(case, SCAN, "scan-don-thu.pdf", "petition", desk, NOW)
    scan.petition_id = None
    db.session.commit()
    denunciation = _split(case, desk)
    db.session.commit()
    db.session.refresh(scan)
    assert scan.case_id == denunciation.id


def test_what_the_agency_adds_later_is_the_agency_s(world, make_case):  # noqa: F811
    desk = world.reception
    case = make_case(actor=desk, kind="complaint", received_on=date(2026, 10, 2))
    workflow.route(case, "SO-A", desk, NOW, TODAY, decided_on=date(2026, 10, 3))
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    row = attachments.add_document(case, SCAN, "bien-ban.pdf", "evidence", world.head_a, NOW)
    assert row.petition_id is None
