"""The desk's form sent again after Back (the browser fills the fields in again, the page
gives a new one-time token): the letter just logged is shown as a possible duplicate and
nothing is saved until the officer chooses. This is why resend.js is not applied to the
desk's form (it is to the citizens', which has no duplicate warning); see QA round 97."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from tests.conftest import TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_reception import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


@pytest.mark.parametrize("people", [[person(1)], []], ids=["signed", "anonymous"])
def test_the_same_letter_sent_again_with_a_new_token_is_shown_as_the_case_just_opened(
        client, desk, people):  # noqa: F811
    _officer, ward = desk
    data = intake_form(ward.code, people, TODAY,
                       subject="Phản ánh việc lấn chiếm vỉa hè tại ngõ 12 Lạch Tray")
    if not people:
        del data["eligible"]  # a letter with no name is logged as not eligible
    first = client.post("/reception/new", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    opened = db.session.scalar(select(Case.tracking_code))

    again = dict(data, draft="a-new-token-from-the-page")  # Back, then "Lưu" again
    response = client.post("/reception/new", data=again)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-testid="duplicate-{opened}"' in html
    assert _cases() == 1
