"""QA round 69: a review of session 22's own changes. Each test asserts the correct
behaviour and failed before its fix because of the defect its docstring names: the
export's accesses gave the ground of a view of a fellow denouncer's record; a sender
address the server cannot take failed every message for good; the export listed a
co-signer's file named with an accent twin, and a file naming a fellow denouncer under
its full name; a conclusion naming the official denounced, accented otherwise than the
denouncer, was refused; a multipart Open311 post not in UTF-8 was stored with replacement
characters. (Its migration case is a row of test_holder_days' migration test.)
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain.text import fold
from complaints.extensions import db
from complaints.services import attachments, intake, notifications, personal_data
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PNG
from tests.integration.test_escalation_world import world  # noqa: F401  (fixture)
from tests.integration.test_qa65_fixes import ScriptedSMTP, _note, _queue

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _signers(case):
    return [s.petitioner for s in case.petitions[0].signers]


def _rename(person, name: str) -> None:
    person.full_name, person.name_folded = name, fold(name)


# --- 1. personal-data export: "accesses" shows another denouncer's request --------------------


def test_export_accesses_do_not_show_the_ground_of_another_denouncers_request(
        make_case, make_user):
    """personal_data._accesses lists every identity view recorded on the denunciations the
    person signed, with its ground. A view of ANOTHER denouncer's data (an administrator
    opening Lê Văn Tư's record on "his" request, which is recorded on the shared case) is
    then handed to the first denouncer with the ground the administrator typed, which names
    Tư: a denouncer learns who else denounced (Law on Denunciations Art. 8). A later letter
    joined to the case (add_petition) has its own signer, unknown to the first."""
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk, kind="denunciation", subject="Tố cáo sai phạm đất đai")
    first = _signers(case)[0]
    later = intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 11, 3), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi", phone="0912345611")]),
        clerk, NOW, TODAY)
    other = later.signers[0].petitioner
    personal_data.record_view(other, "Đơn yêu cầu của ông Lê Văn Tư, CCCD 031200000099",
                              admin, NOW)
    db.session.commit()
    data = personal_data.export_petitioner(first, admin, NOW, ground="PYC 69/1")
    dumped = json.dumps(data["accesses"], ensure_ascii=False)
    assert "Lê Văn Tư" not in dumped and "031200000099" not in dumped, data["accesses"]


# --- 2. personal-data export: a co-signer's file whose name differs only in accents ---------


def test_export_does_not_list_a_cosigners_file_named_with_an_accent_twin(make_case, make_user):
    """_exported_files keeps any file of the person's cases that `who.names(stem)`, and
    _Identity.scrub answers None ("names them") when the person's name is found once
    accents are folded away. Co-signers "Nguyễn Văn Tư" and "Nguyễn Văn Tú" (common among
    siblings) fold to the same words: Tú's own ID-card scan is exported to Tư, the very leak
    QA round 67 fixed for differently named co-signers."""
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk, petitioners=2)
    first, other = _signers(case)
    _rename(first, "Nguyễn Văn Tư")
    _rename(other, "Nguyễn Văn Tú")
    stored = attachments.store_upload(PNG, "CCCD Nguyễn Văn Tú.png")
    attachments.attach(case, stored, "evidence", clerk, NOW, petition=case.petitions[0])
    db.session.commit()
    data = personal_data.export_petitioner(first, admin, NOW, ground="PYC 69/2")
    assert all("Tú" not in f["filename"] for f in data["files"]), data["files"]


# --- 3. personal-data export: a file naming the person reveals a fellow denouncer -------------


def test_export_does_not_reveal_a_fellow_denouncer_through_a_file_naming_both(
        make_case, make_user):
    """_exported_files lists every file of the person's cases whose name names them, even
    when it names someone else too. On a denunciation joined from two separate letters, the
    desk's record of a meeting with both denouncers ("Biên bản làm việc Nguyễn Văn A, Lê Văn
    Tư") goes into A's export and tells A that Tư denounced too."""
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk, kind="denunciation", subject="Tố cáo sai phạm đất đai")
    first = _signers(case)[0]
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 11, 3), petitioners=[intake.PetitionerData(
            full_name="Lê Văn Tư", address="Số 4 Lê Lợi", phone="0912345611")]),
        clerk, NOW, TODAY)
    attachments.add_document(case, PNG, f"Biên bản làm việc {first.full_name}, Lê Văn Tư.png",
                             "evidence", clerk, NOW)
    db.session.commit()
    data = personal_data.export_petitioner(first, admin, NOW, ground="PYC 69/3")
    assert all("Lê Văn Tư" not in f["filename"] for f in data["files"]), data["files"]


# --- 4. outbox: a sender address the server cannot take fails every message for good -------


def test_a_non_ascii_mail_from_does_not_fail_the_whole_outbox_for_good(app):
    """notifications.permanent: SMTPNotSupportedError → True, as if always the message's
    address. smtplib raises it as well when MAIL_FROM needs SMTPUTF8 (an accented local part
    or an internationalised domain, "tiep.dan@tiếpdân.vn") and the server does not offer it:
    a configuration fault, shared by every message. Each e-mail of the outbox is then marked
    "failed" for good in one run (the case QA round 64 fixed for a 530/553 to the sender),
    instead of being deferred until the configuration is fixed."""
    app.config["MAIL_FROM"] = "tiep.dan@tiếpdân.vn"
    _queue("p0@example.vn", "p1@example.vn", "p2@example.vn")
    smtp = ScriptedSMTP({}, size_extension=True)
    notifications.deliver_outbox(NOW, smtp)
    notes = [_note(a) for a in ("p0@example.vn", "p1@example.vn", "p2@example.vn")]
    assert all(n.status != "failed" for n in notes), [(n.status, n.last_error) for n in notes]


# --- 5. resolution summary: the denounced official is refused as the denouncer --------------


def test_a_conclusion_naming_the_denounced_official_is_not_refused_as_the_denouncer(
        make_case, make_user, make_agency):
    """workflow.check_resolve now refuses a summary that intake.reason_names_denouncer
    finds naming a denouncer, and names_denouncer compares names with accents folded away.
    A conclusion must name the person denounced (Law on Denunciations Art. 35): citizen
    "Nguyễn Văn Hưng" denounces the commune chairman "Nguyễn Văn Hùng", both among the most
    common Vietnamese names, and the agency cannot record "the denunciation of Mr Nguyễn Văn
    Hùng is partly right": the resolution is refused (REASON_NAMES_DENOUNCER), though the
    text names someone else."""
    from complaints.services import workflow

    agency = make_agency(code="UBX", name="UBND xã An Hòa")
    clerk = make_user("reception")
    case = make_case(actor=clerk, kind="denunciation", subject="Tố cáo chủ tịch xã")
    _rename(_signers(case)[0], "Nguyễn Văn Hưng")
    workflow.route(case, agency.code, None, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 11, 4))
    db.session.commit()
    workflow.resolve(case, "denunciation_partly_right", "KL 12/KL-UBND",
                     "Nội dung tố cáo ông Nguyễn Văn Hùng, Chủ tịch UBND xã, đúng một phần.",
                     None, NOW, TODAY, decided_on=date(2026, 11, 20))
    assert case.outcome == "denunciation_partly_right"


# --- 6. Open311: a multipart post not in UTF-8 is stored with replacement characters -------


def test_open311_multipart_post_not_in_utf8_is_refused_not_stored_with_replacements(
        client, app, make_agency):
    """QA round 68's fix (web/requests.py) decodes only URL-encoded forms strictly:
    request.not_utf8() never looks at a multipart/form-data post, which the Open311 route
    takes as well (request.values). Werkzeug decodes its fields with errors="replace", so
    a Windows-1258 "Rác thải" is stored as "R\ufffdc th\ufffdi" and answered 201, where the
    same text URL-encoded is a 400 naming the encoding."""
    from complaints.models import Case

    app.config["OPEN311_API_KEYS"] = ("qa69-key",)
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()
    fields = {"api_key": b"qa69-key", "service_code": b"environment",
              "address_string": b"Ng\xf5 5", "description": b"R\xe1c th\xe3i \xf0\xf5 tr\xf4m",
              "last_name": b"Nguy\xean", "phone": b"0911222333"}
    boundary = b"qa69boundary"
    body = b"".join(b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\""
                    + k.encode() + b"\"\r\n\r\n" + v + b"\r\n" for k, v in fields.items())
    body += b"--" + boundary + b"--\r\n"
    response = client.post("/open311/v2/requests.json", data=body,
                           content_type="multipart/form-data; boundary=qa69boundary")
    stored = db.session.scalar(select(Case))
    assert stored is None or "\ufffd" not in stored.content, stored.content
    assert response.status_code == 400, response.get_json()
