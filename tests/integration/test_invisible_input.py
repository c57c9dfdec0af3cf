"""Input that shows nothing or holds control characters (QA round 5): a name of zero-width
characters is no name (an anonymous denunciation must not slip through), and control
characters are refused at intake and never break the Open311 XML feed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.domain.text import blank, has_control, without_control
from complaints.extensions import db
from complaints.models import Case
from tests.integration.test_open311 import parse_xml, post
from tests.integration.test_open311 import setup as _open311_setup  # noqa: F401

ZERO_WIDTH = "\u200b\u200d\ufeff"


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


@pytest.mark.parametrize(("text", "expected"), [
    ("", True), (None, True), ("  \t\n", True), (ZERO_WIDTH, True), ("\u202e\u200e", True),
    ("\x01\x02", True), ("An", False), ("\u200bAn", False), ("Đ", False),
])
def test_blank_means_nothing_visible(text, expected):
    assert blank(text) is expected


def test_control_characters_but_tabs_and_line_breaks():
    assert has_control("a\x07b") and has_control("A\x01B\x0b") and has_control("x\x7f")
    assert not has_control("dòng 1\r\ndòng 2\tcột") and not has_control(None)
    assert without_control("A\x01B\x0b<&>") == "AB<&>"


def test_open311_refuses_a_name_of_zero_width_characters(client):
    response = post(client, first_name="\u200b", last_name=ZERO_WIDTH)
    assert response.status_code == 400
    assert _cases() == 0


def test_open311_refuses_control_characters_and_the_feed_stays_xml(client):
    response = post(client, description="Rác\x01 thải\x0b")
    assert response.status_code == 400
    assert _cases() == 0
    # A row stored before the rule (or by another path) must not break the feed.
    assert post(client).status_code == 200
    case = db.session.scalars(select(Case)).one()
    case.address_string = "A\x01B\x0b<&>]]>"
    db.session.commit()
    root = parse_xml(client.get("/open311/v2/requests.xml").data)
    assert root.find("request").findtext("address") == "AB<&>]]>"


@pytest.mark.parametrize("text", ["12 \ufffe Lạch", "12 \uffff Lạch", "A\x0bB"])
def test_open311_names_the_address_and_keeps_the_feed_valid(client, text):
    # Found by QA (round 6): U+FFFE passed and broke requests.xml for every client; a
    # control character in address_string was blamed on "description".
    response = post(client, fmt="xml", address_string=text)
    assert response.status_code == 400
    assert "address_string" in response.get_data(as_text=True)
    assert _cases() == 0
    parse_xml(client.get("/open311/v2/requests.xml").data)


@pytest.mark.parametrize("name", ["\u3164", "\u2800", "\u115f\u1160"])
def test_blank_looking_letters_are_no_name(client, name):
    assert post(client, first_name=name, last_name="").status_code == 400
    assert _cases() == 0
