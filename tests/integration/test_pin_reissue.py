"""A citizen who lost the receipt gets a new PIN from the desk that received the case
(QA round 52: there was no way, and a denouncer can look a case up only by PIN): with a
reason, audited without the PIN; the new receipt shows it once; the old PIN no longer
opens the case, and a page opened with it is closed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import intake
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _look_up(client, code: str, secret: str):
    return client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": secret})


def test_the_desk_reissues_a_pin_and_the_old_one_stops_working(client, login, make_user,
                                                                make_case):
    clerk = make_user("reception")
    case = make_case(actor=clerk, kind="denunciation")
    old_pin = case.test_pin
    db.session.commit()
    citizen = client.application.test_client()  # the citizen's own browser
    assert _look_up(citizen, case.tracking_code, old_pin).status_code == 302
    assert citizen.get("/cong-dan/ho-so").status_code == 200

    login(clerk)
    page = client.get(f"/reception/cases/{case.tracking_code}").text
    assert 'data-testid="reissue-pin"' in page
    form = client.get(f"/reception/cases/{case.tracking_code}/pin")
    assert form.status_code == 200 and "Mã PIN cũ không dùng được nữa" in form.text
    refused = client.post(f"/reception/cases/{case.tracking_code}/pin", data={"reason": " "})
    assert refused.status_code == 422 and "Nêu lý do cấp lại mã PIN." in refused.text
    db.session.expire_all()
    assert intake.check_pin(db.session.get(Case, case.id), old_pin)

    done = client.post(f"/reception/cases/{case.tracking_code}/pin",
                       data={"reason": "Công dân mất giấy biên nhận, đã đối chiếu CCCD"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/reception/cases/{case.tracking_code}/receipt")
    receipt = client.get(done.headers["Location"]).text
    new_pin = re.search(r'data-testid="receipt-pin">\s*<code class="fs-4">(\d{6})</code>',
                        receipt).group(1)
    assert new_pin != old_pin
    # Shown once: the receipt opened again says only that a PIN was given.
    assert new_pin not in client.get(done.headers["Location"]).text

    db.session.expire_all()
    fresh = db.session.get(Case, case.id)
    assert intake.check_pin(fresh, new_pin) and not intake.check_pin(fresh, old_pin)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "pin_reissued")).one()
    assert json.loads(event.data)["reason"] == "Công dân mất giấy biên nhận, đã đối chiếu CCCD"
    assert new_pin not in event.data and old_pin not in event.data

    # The page opened with the old PIN is closed; the old PIN opens nothing; the new one does.
    assert citizen.get("/cong-dan/ho-so").status_code != 200
    assert _look_up(citizen, case.tracking_code, old_pin).status_code == 200  # refused
    assert _look_up(citizen, case.tracking_code, new_pin).status_code == 302
    assert citizen.get("/cong-dan/ho-so").status_code == 200


def test_only_the_receiving_desk_reissues_and_a_reason_may_not_name_the_denouncer(
        make_user, make_case):
    clerk = make_user("reception")
    other_desk = make_user("reception")
    case = make_case(actor=clerk, kind="denunciation")
    db.session.commit()
    with pytest.raises(NotAllowed):
        intake.reissue_pin(case, "Mất giấy biên nhận", other_desk, NOW)
    db.session.rollback()
    case = db.session.get(Case, case.id)
    name = case.petitions[0].signers[0].petitioner.full_name
    with pytest.raises(ValidationFailed) as refused:
        intake.reissue_pin(case, f"{name} mất giấy biên nhận", clerk, NOW)
    assert "reason" in refused.value.errors


def test_the_petitioners_are_told_by_e_mail_that_the_pin_was_reissued(make_user, make_case):
    """One who did not ask learns at once that someone else did (QA round 53); the notice
    never holds a PIN, and the person's data export finds it."""
    from complaints.models import Notification
    from complaints.services import personal_data

    clerk = make_user("reception")
    admin = make_user("admin")
    case = make_case(actor=clerk)
    person = case.petitions[0].signers[0].petitioner
    person.email = "cong.dan@example.org"
    db.session.commit()
    pin = intake.reissue_pin(db.session.get(Case, case.id), "Mất giấy biên nhận", clerk, NOW)
    db.session.commit()
    [mail] = db.session.scalars(select(Notification).where(
        Notification.case_id == case.id, Notification.channel == "email")).all()
    assert mail.email_to == "cong.dan@example.org" and pin not in mail.body
    assert "cấp lại" in mail.body and "reissued" in mail.body
    exported = personal_data.export_petitioner(person, admin, NOW, ground="Yêu cầu của công dân")
    assert any("cấp lại" in m.get("body", "") or "PIN" in m.get("subject", "")
               for m in exported["messages"])
