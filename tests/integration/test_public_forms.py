"""The citizens' forms themselves (QA round 4): each is sent once (once.js), and the field
list reads in Vietnamese order."""

from __future__ import annotations

import re

import pytest

from complaints.domain.text import name_order
from tests.integration.test_public import _resolved, desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", html)


def test_every_citizens_form_is_sent_once(client, desk, make_user, make_agency):  # noqa: F811
    pages = {"/cong-dan/gui-don": 1, "/cong-dan/tra-cuu": 1}
    for path, count in pages.items():
        html = client.get(path).text
        assert len([f for f in _forms(html) if "data-once=" in f]) == count, path
        assert "/static/once.js" in html and "<script>" not in html  # external: CSP
    _resolved(client, make_user, make_agency)
    html = client.get("/cong-dan/ho-so").text
    once = [f for f in _forms(html) if "data-once=" in f]
    assert len(once) == 2  # the rating and the second complaint (not "close on this device")
    assert all('data-testid="feedback-form"' in f or 'data-testid="appeal-form"' in f
               for f in once)
    assert 'data-once="Đang gửi…"' in once[0]
    client.get("/lang/en?next=/")
    assert "/static/once.js" in client.get("/cong-dan/ho-so").text


def _field_names(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="field"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [name for value, name in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<',
                                                 select) if value]


def test_the_fields_are_listed_in_vietnamese_order(client, desk):  # noqa: F811
    # Found by QA: "Đất đai" came after "Xây dựng" (a code-point sort puts Đ after Z).
    names = _field_names(client.get("/cong-dan/gui-don").text)
    assert names.index("Đất đai") < names.index("Môi trường") < names.index("Xây dựng")
    assert names == sorted(names, key=name_order)
    client.get("/lang/en?next=/")
    names = _field_names(client.get("/cong-dan/gui-don").text)
    assert names[0] == "Administrative procedures" and "Land" in names
    assert names == sorted(names, key=name_order)
