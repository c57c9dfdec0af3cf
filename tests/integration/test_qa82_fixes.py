"""QA round 82: D3 (an extension's confirmation words "1 working day" in English)."""

from __future__ import annotations

import lxml.html
import pytest

from complaints.extensions import db
from tests.integration.test_handling_extension import RECEIVED
from tests.integration.test_handling_extension import _form as _handling_form
from tests.integration.test_qa76_fixes import EXTENSION, accepted, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(response, testid: str) -> str:
    found = _doc(response).xpath(f'//*[@data-testid="{testid}"]')
    return " ".join(found[0].text_content().split()) if found else ""


def _page_text(response) -> str:
    return " ".join(_doc(response).text_content().split())


# --- D3: "1 working day" ------------------------------------------------------------------

def test_english_confirmation_of_a_one_day_extension(client, login, world, accepted):  # noqa: F811
    case = accepted()
    login(world["head"])
    client.get("/lang/en")
    url = f"/agency/cases/{case.tracking_code}/extend"
    one = _text(client.post(url, data={**EXTENSION, "days": "1"}), "confirm-warning")
    assert "extended by 1 working day: from 15/12/2026 to 16/12/2026" in one, one
    ten = _text(client.post(url, data=EXTENSION), "confirm-warning")
    assert "extended by 10 working days: from 15/12/2026 to 29/12/2026" in ten, ten


def test_english_confirmation_of_a_calendar_day_extension(client, login, world, accepted):  # noqa: F811
    case = accepted(kind="denunciation")
    login(world["head"])
    client.get("/lang/en")
    url = f"/agency/cases/{case.tracking_code}/extend"
    one = _text(client.post(url, data={**EXTENSION, "days": "1", "complexity": "complex"}),
                "confirm-warning")
    assert "extended by 1 calendar day: from" in one, one
    client.get("/lang/vi")
    many = _text(client.post(url, data={**EXTENSION, "days": "30",
                                        "complexity": "very_complex"}), "confirm-warning")
    assert "gia hạn thêm 30 ngày: từ ngày" in many, many


def test_english_confirmation_of_the_desks_handling_extension(client, login, world,  # noqa: F811
                                                              make_case):
    case = make_case(world["reception"], kind="denunciation", received_on=RECEIVED)
    db.session.commit()
    login(world["reception"])
    client.get("/lang/en")
    url = f"/reception/cases/{case.tracking_code}/extend-handling"
    one = _page_text(client.post(url, data=_handling_form(days="1")))
    assert "extended by 1 working day, to" in one, one
    three = _page_text(client.post(url, data=_handling_form()))
    assert "extended by 3 working days, to 11/12/2026" in three, three
