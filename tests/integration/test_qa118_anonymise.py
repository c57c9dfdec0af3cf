"""QA 118: anonymising takes the address out of the cases' texts, the name out of the cluster."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from complaints.extensions import db
from complaints.services import personal_data, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)
LATER_DAY = date(2032, 1, 5)


def test_anonymising_takes_their_address_out_of_their_cases_texts(make_case, make_user):
    """The confirm page promises the address is erased 'also from the subjects and contents
    of their cases'; _Identity.scrub knows name, numbers and e-mail only."""
    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk, subject="Tranh chấp đất tại Số 1 Lạch Tray, Hải Phòng",
                     content="Tôi trú tại Số 1 Lạch Tray, Hải Phòng, đề nghị giải quyết "
                             "tranh chấp đất đai.")
    person = case.petitions[0].signers[0].petitioner
    assert person.address == "Số 1 Lạch Tray, Hải Phòng"
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert person.address is None
    assert "Số 1 Lạch Tray" not in case.content
    assert "Số 1 Lạch Tray" not in case.subject


def test_anonymising_takes_their_name_out_of_the_mass_cluster(make_case, make_user):
    """A mass cluster keeps the folded subject of the case that opened it (inspectors'
    cluster list shows it, matching reads it): scrubbing the case's subject left the
    person's name there."""
    from complaints.domain.text import fold
    from complaints.models import Cluster

    clerk, admin = make_user("reception"), make_user("admin")
    case = make_case(actor=clerk, petitioners=5,
                     subject="Khiếu nại của Nguyễn Văn A về thu hồi đất")
    db.session.commit()
    assert case.cluster_id is not None
    person = case.petitions[0].signers[0].petitioner
    assert person.full_name == "Nguyễn Văn A"
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER, LATER_DAY, 5)
    db.session.commit()
    assert "Nguyễn Văn A" not in case.subject
    cluster = db.session.get(Cluster, case.cluster_id)
    assert fold("Nguyễn Văn A") not in cluster.subject_folded


def test_an_address_is_taken_out_whole_or_by_its_house_number_part_only():
    """A first part with a house number is the home; a ward or village alone is the place
    of many people and stays in the record of the matter."""
    assert personal_data._address_phrases("Số 1 Lạch Tray, Hải Phòng") == [
        "Số 1 Lạch Tray, Hải Phòng", "Số 1 Lạch Tray"]
    assert personal_data._address_phrases("Phường Lê Chân,  Hải Phòng") == [
        "Phường Lê Chân, Hải Phòng"]
    assert personal_data._address_phrases("  ") == []
    who = personal_data._Identity("Nguyễn Văn A", [], set(), None,
                                  personal_data._address_phrases("Số 1 Lạch Tray, Hải Phòng"))
    assert who.scrub("Nhà số 1  lạch tray bị lấn, phường Lê Chân, Hải Phòng.") == (
        "Nhà Đã ẩn danh bị lấn, phường Lê Chân, Hải Phòng.")
    assert who.scrub_folded("nguyen van a o so 1 lach tray") == "da an danh o da an danh"
