"""QA 97 judgements acted on: "Còn 0 ngày làm việc" on the due date read as too late (the
badge says the due date is today, on staff pages and the citizen's); the PIN box's keyboard."""

from __future__ import annotations

import pytest

from complaints.extensions import db
from tests.conftest import TODAY
from tests.integration.test_public import _lookup, desk, receipt, submit  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_the_staff_badge_says_due_today(client, login, make_user, make_case):
    clerk = make_user("reception")
    case = make_case(actor=clerk, received_on=TODAY)
    case.deadline("handling").due_on = TODAY
    db.session.commit()
    login(clerk)
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="due-today"' in html and "Hạn cuối: hôm nay" in html
    assert "Còn 0 ngày" not in html


def test_the_citizens_badge_says_due_today(client, desk):  # noqa: F811
    from complaints.models import Case

    code, pin = receipt(submit(client).get_data(as_text=True))
    case = db.session.query(Case).filter_by(tracking_code=code).one()
    case.deadline("handling").due_on = TODAY
    db.session.commit()
    html = _lookup(client, code, pin).get_data(as_text=True)
    assert "Hạn cuối: hôm nay" in html and "Còn 0 ngày" not in html
    client.get("/lang/en")
    assert "Due today" in client.get("/cong-dan/ho-so").get_data(as_text=True)


def test_the_pin_or_phone_box_brings_up_the_number_pad(client):
    """QA 97 judgement: a 6-digit PIN or a phone number, typed on the letter keyboard."""
    import re

    html = client.get("/cong-dan/tra-cuu").get_data(as_text=True)
    box = re.search(r'<input[^>]*id="secret"[^>]*>', html).group(0)
    assert 'inputmode="tel"' in box


def test_an_open_case_says_where_to_add_papers_or_withdraw(client, desk):  # noqa: F811
    """QA 97 judgement: the page offers neither, and did not say where they are done."""
    code, pin = receipt(submit(client).get_data(as_text=True))
    html = _lookup(client, code, pin).get_data(as_text=True)
    assert 'data-testid="case-how-to-act"' in html and "rút đơn" in html
    client.get("/lang/en")
    assert "withdraw the petition" in client.get("/cong-dan/ho-so").get_data(as_text=True)


def test_a_routed_case_names_the_agency_to_write_to(client, desk, make_agency):  # noqa: F811
    from complaints.models import Case
    from complaints.services import workflow
    from tests.conftest import NOW

    make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường")
    code, pin = receipt(submit(client).get_data(as_text=True))
    case = db.session.query(Case).filter_by(tracking_code=code).one()
    workflow.route(case, "SO-TNMT", None, NOW, TODAY)
    db.session.commit()
    html = _lookup(client, code, pin).get_data(as_text=True)
    assert "đến trực tiếp Sở Tài nguyên và Môi trường" in html
