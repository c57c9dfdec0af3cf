"""QA round 91, item 5: the Visible validator on the admin's reason forms. Fixed: the ground
for opening a petitioner's personal data, and 2FA reset reasons counted by visible characters."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Field
from tests.integration.test_personal_data import _signer
from tests.integration.test_personal_data import world as pd_world  # noqa: F401
from tests.integration.test_qa86_fixes import (  # noqa: F401  (fixture `province`)
    _user,
    province,
    summary,
    text_of,
)

ZERO_WIDTH = "\u200b\u200d\ufeff"
BELL = "Sáp nhập\x07 theo QĐ 5"


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("lang, message", [("vi", "lý do"), ("en", "the reason")])
def test_reason_forms_in_both_languages(client, province, lang, message):  # noqa: F811
    if lang == "en":
        client.get("/lang/en")
    insp = _user("insp")
    field = db.session.scalar(select(Field).where(Field.code == "khoang-san"))
    for path in (f"/admin/users/{insp.id}/deactivate", f"/admin/fields/{field.id}/deactivate",
                 f"/admin/users/{insp.id}/reset-2fa"):
        refused = client.post(path, data={"reason": ZERO_WIDTH + "x"[:0]})
        assert refused.status_code == 422, path
        assert message.lower() in summary(refused).lower(), (path, summary(refused))


@pytest.mark.usefixtures("fixed_clock")
def test_refused_page_keeps_the_text_typed(client, province):  # noqa: F811
    insp = _user("insp")
    typed = "Chuyển công tác\x07 ngày 3/12"
    refused = client.post(f"/admin/users/{insp.id}/deactivate", data={"reason": typed})
    assert refused.status_code == 422
    assert "Chuyển công tác" in refused.get_data(as_text=True)


def _person_ground_events(person_id):
    return [json.loads(e.data)["ground"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"petitioner:{person_id}",
                                 AuditEvent.action == "petitioner_viewed"))]


@pytest.mark.parametrize("ground", [ZERO_WIDTH, "Phiếu\x07 7/PYC"])
def test_personal_data_ground_needs_a_visible_ground(client, login, pd_world, ground):  # noqa: F811
    """The ground an admin states to open a petitioner's personal data goes to the audit
    trail as the reason does (services/personal_data._required_ground): the round-91
    rule for admin reasons (zero-width characters only are no reason, a control character
    is refused) was not applied to it."""
    person = _signer(pd_world["case"])
    login(pd_world["admin"])
    shown = client.post(f"/admin/personal-data/{person.id}", data={"ground": ground})
    assert shown.status_code == 422
    assert person.phone not in shown.get_data(as_text=True)
    assert _person_ground_events(person.id) == []


@pytest.mark.usefixtures("fixed_clock")
def test_reset_2fa_reason_of_ten_characters_counts_only_visible_ones(client, province):  # noqa: F811
    """"Lý do từ 10 đến 500 ký tự": one letter padded with nine zero-width characters is a
    reason of one visible character, saved to the audit trail as typed."""
    insp = _user("insp")
    refused = client.post(f"/admin/users/{insp.id}/reset-2fa",
                          data={"reason": "x" + "\u200b" * 9})
    assert refused.status_code == 422
