"""QA round 76, the pages (ux.md). D1: the inspectors' lists had a "Sắp xếp" label for a
control that does not exist (the sort options are links). D5: the English page of a guided
case sent the citizen to a "Progress" section; the page's section is "History". (D2 and D3,
found by axe, are held by tests/browser/test_accessibility.py.)"""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-HP", level="province")
    desk = make_agency(code="BTCD", parent=province, is_reception_desk=True)
    make_agency(code="SO-TNMT", parent=province)
    ttr = make_agency(code="TTR", parent=province, is_inspectorate=True)
    return {"reception": make_user("reception", agency=desk),
            "inspector": make_user("inspector", agency=ttr)}


@pytest.mark.parametrize("url", ["/inspection/cases", "/inspection/overdue"])
def test_d1_every_label_names_a_control_and_the_sort_links_are_a_named_group(
        client, login, world, make_case, url):
    make_case(world["reception"])
    db.session.commit()
    login(world["inspector"])
    doc = _doc(client.get(f"{url}?sort=level"))
    for label in doc.xpath("//label[@for]"):
        assert doc.xpath(f'//*[@id="{label.get("for")}"]'), lxml.html.tostring(label)
    group = doc.xpath('//*[@data-testid="sort-options"]')[0]
    assert group.get("role") == "group"
    assert doc.xpath(f'//*[@id="{group.get("aria-labelledby")}"]')[0].text == "Sắp xếp"
    current = group.xpath('.//a[@aria-current="true"]')
    assert [a.text for a in current] == ["Mức leo thang cao trước"]


def test_d5_the_english_guided_case_page_names_its_own_section(client, world, make_case):
    case = make_case(world["reception"], kind="recommendation")
    workflow.guide(case, "Liên hệ Bảo hiểm xã hội thành phố.", world["reception"], NOW,
                   TODAY, decided_on=date(2026, 11, 5))
    db.session.commit()
    client.get("/lang/en")
    assert client.post("/cong-dan/tra-cuu", data={"tracking_code": case.tracking_code,
                                                  "secret": case.test_pin}).status_code == 302
    doc = _doc(client.get("/cong-dan/ho-so"))
    text = " ".join(doc.xpath("//main")[0].text_content().split())
    headings = [" ".join(h.text_content().split()) for h in doc.xpath("//main//h2|//main//h3")]
    assert "as advised in the History section below" in text
    assert "History" in headings
