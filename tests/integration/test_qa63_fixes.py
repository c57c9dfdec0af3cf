"""QA round 63: UI defects — links that end in 404, refused citizens' forms out of sight,
numbers and file sizes printed without the page's locale, unmarked required fields,
skipped heading levels, staff error summaries without the field's label."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, Field
from complaints.permissions import can_view_agency
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import _resolved
from tests.integration.test_public import desk as desk  # noqa: F401  (fixture)
from tests.integration.test_qa41_fixes import _second_round
from tests.integration.test_qa41_fixes import world as world  # noqa: F401  (fixture)
from tests.integration.test_scorecard import world as _scorecard_world

scorecard_world = pytest.fixture(_scorecard_world.__wrapped__, name="scorecard_world")

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- 1. the agency record link on the inspection case page ----------------------------------


def test_agency_record_link_only_where_it_opens(client, login, world, make_case):  # noqa: F811
    """The province head reads the ward's first-round case (they resolve the second round):
    the page linked "Hồ sơ cơ quan UBND xã", which answered 404 to them."""
    first, second = _second_round(world, make_case)
    login(world["head_province"])
    html = _html(client.get(f"/inspection/cases/{first.tracking_code}"))
    assert "/inspection/agencies/UBND-X" not in html
    assert client.get("/inspection/agencies/UBND-X").status_code == 404
    # Their own agency's case links their own record, which opens.
    html = _html(client.get(f"/inspection/cases/{second.tracking_code}"))
    assert 'href="/inspection/agencies/UBND-T"' in html
    assert client.get("/inspection/agencies/UBND-T").status_code == 200


def test_agency_record_link_for_inspectors(client, login, world, make_case):  # noqa: F811
    first, _second = _second_round(world, make_case)
    login(world["inspector"])
    html = _html(client.get(f"/inspection/cases/{first.tracking_code}"))
    assert 'href="/inspection/agencies/UBND-X"' in html
    assert client.get("/inspection/agencies/UBND-X").status_code == 200


def test_can_view_agency_is_the_route_rule(world):  # noqa: F811
    assert can_view_agency(world["inspector"], world["commune"])
    assert can_view_agency(world["head_province"], world["province"])
    assert not can_view_agency(world["head_province"], world["commune"])
    assert not can_view_agency(world["reception"], world["province"])


# --- 3. decimals in the page's language --------------------------------------------------

SCORECARD = "/inspection/scorecard?period=custom&start=2026-10-01&end=2026-11-14"


def _card_row(html: str, code: str) -> str:
    row = html[html.index(f'data-testid="card-{code}"'):]
    return row[:row.index("</tr>")]


@pytest.mark.parametrize("lang, score, days, satisfaction", [
    ("vi", "61,2", "— / 7,5 / 22,5", "4,5 (1)"),
    ("en", "61.2", "— / 7.5 / 22.5", "4.5 (1)"),
])
def test_scorecard_decimals_follow_the_page_language(scorecard_world, client, login, lang,
                                                      score, days, satisfaction):
    """Vietnamese writes a decimal comma: the scorecard printed "61.2", "7.5", "4.5", and the
    chart's bar labels the same, on the Vietnamese page."""
    login(scorecard_world["inspector"])
    client.get(f"/lang/{lang}?next=/")
    html = _html(client.get(SCORECARD))
    row = _card_row(html, "D")
    assert f'<td data-testid="score">{score}</td>' in row
    assert f'<td data-testid="working-days">{days}</td>' in row
    assert f'<td data-testid="satisfaction">{satisfaction}</td>' in row
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert f">{score}</text>" in chart


# --- 4. file sizes in the page's language -------------------------------------------------


@pytest.mark.parametrize("who, page", [("reception", "reception"), ("head_dep", "agency")])
@pytest.mark.parametrize("lang, shown", [("vi", "12,3 KB"), ("en", "12.3 KB")])
def test_file_sizes_follow_the_page_language(client, login, world, make_case,  # noqa: F811
                                             who, page, lang, shown):
    """A 12,595-byte scan read "12.3 KB" on the Vietnamese case pages (Jinja's round)."""
    case = make_case(world["reception"], received_on=date(2026, 11, 20))
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 21))
    db.session.add(Attachment(case_id=case.id, sha256="0" * 64, filename="don.pdf",
                              content_type="application/pdf", size=12_595,
                              purpose="evidence", reveals_identity=False))
    db.session.commit()
    login(world[who])
    client.get(f"/lang/{lang}?next=/")
    html = _html(client.get(f"/{page}/cases/{case.tracking_code}"))
    assert "don.pdf" in html and shown in html


# --- 2. the citizen's refused rating and second complaint come back at their section ---------


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start)]


@pytest.mark.parametrize("url, data, section, anchor", [
    ("/cong-dan/ho-so/danh-gia", {"rating_result": "", "rating_service": ""},
     "feedback-section", "danh-gia"),
    ("/cong-dan/ho-so/khieu-nai-lan-hai", {"reason": ""}, "appeal-section",
     "khieu-nai-lan-hai"),
])
def test_citizen_refused_form_answers_at_its_section(client, desk, make_user, make_agency,
                                                     url, data, section, anchor):
    """Refused, the rating and the second complaint came back at the top of the page, their
    summary ~1,200 px below on a phone. Now the form is sent to its section's address and
    the summary is in that section (errors.js focuses it there)."""
    _resolved(client, make_user, make_agency)
    html = _html(client.get("/cong-dan/ho-so"))
    assert f'action="{url}#{anchor}"' in html
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    html = _html(refused)
    assert f'aria-labelledby="{anchor}"' in html and f'id="{anchor}"' in html
    assert 'data-testid="error-summary"' in _section(html, section)


# --- 5. required fields marked on the staff forms ------------------------------------------

MARK = '<span aria-hidden="true">*</span><span class="visually-hidden"> (bắt buộc)</span>'


def _label(html: str, field_id: str) -> str:
    match = re.search(rf'<label[^>]*for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


@pytest.mark.parametrize("who, url, required, optional", [
    ("reception", "/reception/new", ["kind", "subject", "content", "received_on"],
     ["parent_tracking_code"]),
    ("reception", "/inspection/reception/new", ["held_on"], ["notes"]),
])
def test_staff_forms_mark_required_fields(client, login, world, who, url,  # noqa: F811
                                          required, optional):
    """The staff forms' labels said nothing of which fields must be filled (the citizens'
    form marks them "*" with "(bắt buộc)" for screen readers, and says what "*" means)."""
    login(world[who])
    html = _html(client.get(url))
    for field_id in required:
        assert MARK in _label(html, field_id), field_id
    for field_id in optional:
        assert "*" not in _label(html, field_id), field_id
    assert "Các mục có dấu * là bắt buộc." in html


def test_agency_field_macro_marks_required_fields(client, login, world):  # noqa: F811
    login(world["inspector"])
    html = _html(client.get("/inspection/agencies/UBND-X"))
    assert MARK in _label(html, "text")


# --- 6. heading levels on the intake forms -------------------------------------------------


@pytest.mark.parametrize("url", ["/reception/new", "/inspection/reception/new"])
def test_intake_forms_skip_no_heading_level(client, login, world, url):  # noqa: F811
    """h1 "Tiếp nhận đơn mới" was followed by h3 "Người thứ 1" (the sections were legends
    styled as headings): a screen reader's list of headings skipped a level."""
    login(world["reception"])
    html = _html(client.get(url))
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and 2 in levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels


# --- (c) the fields list names the field to a screen reader ---------------------------------


def test_admin_fields_links_name_the_field(client, login, make_user):
    """"Sửa admin_procedure" read the internal code; the link says the field's name."""
    land = db.session.scalar(select(Field).where(Field.code == "land"))
    login(make_user("admin"))
    html = _html(client.get("/admin/fields"))
    row = html[html.index('data-testid="field-land"'):]
    row = row[:row.index("</tr>")]
    assert f'<span class="visually-hidden"> {land.name_vi}</span>' in row
    assert '<span class="visually-hidden"> land</span>' not in row
