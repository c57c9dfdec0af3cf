"""QA round 56: the newest pages against ux.md (the agency case page's "Thêm tài liệu" and
work-notes forms driven by keyboard in Chromium). Each test fails on the frozen code because
of the defect its docstring names."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import workflow
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", name="UBND tỉnh", level="province")
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", parent=province,
                       is_reception_desk=True)
    so = make_agency(code="SO-TN", name="Sở Tài nguyên", parent=province)
    reception = make_user("reception", agency=desk, username="tiepdan")
    make_user("agency_head", agency=so, username="giamdoc")
    routed = make_case(reception, received_on=date(2026, 10, 1))
    workflow.route(routed, "SO-TN", reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    return {"routed": routed}


def _in_view_or_focused(page, selector: str) -> bool:
    return page.evaluate("""(sel) => { const e = document.querySelector(sel);
        if (!e) return false;
        if (document.activeElement === e || e.contains(document.activeElement)) return true;
        const r = e.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight; }""", selector)


def test_defect_a_refused_upload_says_nothing_where_the_page_opens(page, world):
    """The agency head chooses no file (or a wrong one) and presses "Thêm tài liệu" with the
    keyboard: the case page comes back (422) scrolled to the top, focus on <body>, no
    message at the top — the error summary and the message sit in the "Thêm tài liệu"
    section ~1,200 px down (below the 900-px window), after the summary, deadlines,
    actions, notes, petitioners, content and attachments. To the officer nothing happened;
    a screen-reader user hears nothing at the top. The work-notes form has the same layout
    (its summary mid-page).
    ux.md, Forms: "on error, an error summary at the top linking to each field, and the
    message next to the field"; "Keyboard-only use works".
    Right: show the summary where the page opens (at the top of the case page, linking to
    #document), or move focus to the section's #error-summary (it has tabindex="-1") /
    answer with the #add-document-heading anchor, so the message is what the reader
    sees first."""
    sign_in(page, "giamdoc", PASSWORD)
    page.goto(f"/agency/cases/{world['routed'].tracking_code}")
    page.locator("#document").focus()
    page.keyboard.press("Tab")  # to the "Thêm tài liệu" button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert page.locator("#document-error").count() == 1  # refused: "Chọn tệp cần thêm."
    assert _in_view_or_focused(page, "#error-summary"), (
        "the refusal is neither in view nor focused when the page comes back")


def test_guard_keyboard_reaches_the_new_forms_with_visible_focus(page, world):
    """Guard: Tab reaches the note, its button, the document type, the file and "Thêm tài
    liệu", each with a visible focus ring (Bootstrap's box-shadow)."""
    sign_in(page, "giamdoc", PASSWORD)
    page.goto(f"/agency/cases/{world['routed'].tracking_code}")
    reached = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        page.wait_for_timeout(250)  # Bootstrap animates the focus ring
        name, ring = page.evaluate("""() => { const e = document.activeElement;
            const s = getComputedStyle(e);
            return [e.id || e.textContent.trim(),
                    (s.outlineStyle !== 'none' && s.outlineWidth !== '0px') ||
                    (s.boxShadow !== 'none' && !s.boxShadow.startsWith('rgba(0, 0, 0, 0)'))]; }""")
        reached[name] = ring
    for name in ("note", "Lưu ghi chú", "purpose", "document", "Thêm tài liệu"):
        assert reached.get(name), f"{name}: not reached or no visible focus ({reached})"
