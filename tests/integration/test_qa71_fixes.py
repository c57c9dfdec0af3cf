"""QA round 71: a review, with reproducers, of session 22's changes. Each test asserts
the correct behaviour and failed before its fix because of the defect it names:

- F1: a denouncer whose name was recorded without accents ("Nguyen Van Hung", typed on a
  phone or posted through Open311) was no longer recognised when staff typed the name
  with its accents: confidentiality._typed_as let only the text drop accents.
- F2: a name whose tone mark sits on the other vowel ("Thuỷ"/"Thủy", "Hoà"/"Hòa") was
  read as someone else's.
- F3: an e-mail address with an accented domain (accepted at intake) was failed for good
  on a server without SMTPUTF8, though its ASCII form needs none.
- F4: the escalation ladder's legal source stored control characters.
(F5, the migration keeping a same-day acceptance, is a row of test_holder_days' migration
test.)
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.domain.text import fold
from complaints.extensions import db
from complaints.models import Attachment, EscalationStep
from complaints.services import attachments, notifications, personal_data, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import world  # noqa: F401  (fixture)
from tests.integration.qa70_helpers import doc, form_values, summary_links
from tests.integration.reception_helpers import PNG
from tests.integration.test_qa65_fixes import ScriptedSMTP, _note, _queue

pytestmark = pytest.mark.usefixtures("fixed_clock")

LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)  # past five years of retention
LATER_DAY = date(2032, 1, 5)


def _rename(person, name: str) -> None:
    person.full_name, person.name_folded = name, fold(name)


def _resolved_denunciation(make_case, make_user, make_agency, denouncer: str):
    """A denunciation signed by `denouncer`, routed, accepted and concluded."""
    agency = make_agency(code="UBX", name="UBND xã An Hòa")
    clerk = make_user("reception")
    case = make_case(actor=clerk, kind="denunciation", subject="Tố cáo chủ tịch xã")
    _rename(case.petitions[0].signers[0].petitioner, denouncer)
    workflow.route(case, agency.code, None, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 11, 4))
    workflow.resolve(case, "denunciation_partly_right", "KL 12/KL-UBND",
                     "Nội dung tố cáo đúng một phần.", None, NOW, TODAY,
                     decided_on=date(2026, 11, 20))
    db.session.commit()
    return case


def _closing_reason_refused(case, reason: str) -> bool:
    try:
        workflow.close(case, None, NOW, TODAY, reason=reason)
    except ValidationFailed as exc:
        db.session.rollback()
        return "reason" in exc.errors
    db.session.rollback()
    return False


def _anonymised_file_name(make_case, make_user, registered: str, file_name: str) -> str:
    """A complaint signed by `registered`; the desk later adds their ID card photo as
    evidence under `file_name`; the case ends and, retention over, they are anonymised."""
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk)
    person = case.petitions[0].signers[0].petitioner
    _rename(person, registered)
    row = attachments.add_document(case, PNG, file_name, "evidence", clerk, NOW)
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, LATER,
                                       LATER_DAY, 5)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Attachment, row.id).filename


# --- F1: a name recorded without accents, typed with them -------------------------------------


@pytest.mark.parametrize("where", ["closing_reason", "anonymised_file"])
def test_f1_a_denouncer_recorded_without_accents_is_still_named_when_typed_with_them(
        make_case, make_user, make_agency, where):
    """confidentiality._typed_as accepts a word of the text when it equals the name's word
    (case aside) or when the TEXT's word is plain ASCII — never when the NAME's word is.
    A citizen who wrote "Nguyen Van Hung" (online form, Open311, a phone without a Vietnamese
    keyboard) is then unprotected as soon as an officer writes the name correctly:
    "Đã gửi kết luận cho ông Nguyễn Văn Hưng" is accepted as a closing reason (read by the
    denounced agency's staff), and anonymising him leaves "CCCD Nguyễn Văn Hưng.png" on his
    case. An unaccented name carries no accents to disagree with: any accented typing of
    it is the same name, as it was before QA round 69 (accents folded)."""
    registered, typed = "Nguyen Van Hung", "Nguyễn Văn Hưng"
    if where == "closing_reason":
        case = _resolved_denunciation(make_case, make_user, make_agency, registered)
        assert _closing_reason_refused(case, f"Đã gửi kết luận cho ông {typed}."), \
            "a closing reason naming the denouncer (accents added) was accepted"
    else:
        name = _anonymised_file_name(make_case, make_user, registered, f"CCCD {typed}.png")
        assert fold(typed) not in fold(name), f"anonymised, the file is still {name!r}"


# --- F2: the tone mark placed the other way -----------------------------------------------------


@pytest.mark.parametrize("where", ["closing_reason", "anonymised_file"])
def test_f2_a_name_with_its_tone_mark_on_the_other_vowel_is_the_same_name(
        make_case, make_user, make_agency, where):
    """Vietnamese writes the tone of "uy", "oa", "oe" on either vowel: "Thủy"/"Thuỷ",
    "Hòa"/"Hoà", "Khỏe"/"Khoẻ" (old and new style; keyboards and people use both). They are
    different code points after NFC, so _typed_as (word.casefold() == spelt.casefold()) reads
    "Lê Thị Thuỷ" as someone other than the denouncer "Lê Thị Thủy": a closing reason
    naming her is accepted, and anonymising her keeps "CCCD Lê Thị Thuỷ.png". Before QA 69
    both were caught (accents folded)."""
    registered, typed = "Lê Thị Thủy", "Lê Thị Thuỷ"
    if where == "closing_reason":
        case = _resolved_denunciation(make_case, make_user, make_agency, registered)
        assert _closing_reason_refused(case, f"Đã gửi kết luận cho bà {typed}."), \
            "a closing reason naming the denouncer (tone on the other vowel) was accepted"
    else:
        name = _anonymised_file_name(make_case, make_user, registered, f"CCCD {typed}.png")
        assert fold(typed) not in fold(name), f"anonymised, the file is still {name!r}"


# --- F3: an internationalised e-mail domain ----------------------------------------------------


def test_f3_an_idn_recipient_is_sent_by_its_ascii_domain_not_failed_for_good(app):
    """contacts.email accepts "an@tổchức.vn" (email_validator: a valid IDN address, whose
    ASCII form is an@xn--tchc-ly5a8e.vn). notifications.permanent now fails for good any
    message whose recipient is not ASCII when the server lacks SMTPUTF8 — but only a
    non-ASCII LOCAL part needs SMTPUTF8 (RFC 6531); the domain travels as its A-label
    (RFC 5890). The citizen's receipt and status e-mails are marked "failed" and never sent,
    on a server that would take them."""
    _queue("an@tổchức.vn")
    smtp = ScriptedSMTP({}, size_extension=True)  # no SMTPUTF8
    notifications.deliver_outbox(NOW, smtp)
    note = _note("an@tổchức.vn")
    assert note.status == "sent", (note.status, note.last_error)


# --- F4: the escalation ladder's source ---------------------------------------------------------


def test_f4_the_ladder_rungs_source_refuses_control_characters(client, login, world,  # noqa: F811
                                                               make_user):
    """QA round 70/session fix: "the admin's texts refuse control characters" (agency names,
    a user's name, a calendar day's description, a deadline policy's and a pattern
    threshold's source, a routing rule's note). The escalation ladder's rung versions
    (/admin/ladder/new, services/ladder.problems) have a legal source too, shown on the
    ladder page and in the audit trail, and it is still stored with a control character."""
    login(make_user("admin"))
    data = {k: v[0] for k, v in form_values(client.get("/admin/ladder/new")).items() if v}
    data.update(source="Quyết định\x02 số 5/QĐ-UBND", effective_from="01/01/2027")
    response = client.post("/admin/ladder/new", data=data)
    if response.status_code == 200 and "confirmed" in form_values(response):
        response = client.post("/admin/ladder/new", data={**data, "confirmed": "1"})
    kept = [s for s in db.session.scalars(select(EscalationStep.source)) if "\x02" in s]
    assert kept == [], f"stored with a control character: {kept!r}"
    assert response.status_code == 422, response.status_code
    assert "source" in summary_links(response)
    assert doc(response).xpath('//*[@data-testid="error-source"]')
