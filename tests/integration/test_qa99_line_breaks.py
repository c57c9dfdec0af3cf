"""QA 99 D3: a browser sends every line break of a textarea as CR LF; the server counted
both characters against the field's limit (and stored them). A letter the page itself
accepts — the textarea's maxlength, like a reader, counts a line break as one character
(HTML's "API value") — is refused "Không quá 20000 ký tự." when it has line breaks.

Seen in Chromium: a 280-line letter of 19,879 characters (the box's own count, under its
maxlength of 20,000) → "Vui lòng sửa các lỗi sau: Không quá 20000 ký tự." The same text
sent to the JSON API (LF line breaks) is accepted: page and API disagree on one limit.
The same holds for the reception-session form's list of signers ("Những người cùng đứng
đơn", one person a line, 40,000): a 675-line list the box accepted was refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.domain.limits import CONTENT_MAX
from complaints.extensions import db
from complaints.models import Case
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_public import desk, form  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

LINE = "Tôi xin trình bày sự việc như sau, đề nghị cơ quan xem xét giải quyết."  # 71


def test_a_letter_within_the_limit_is_not_refused_for_its_line_breaks(client, login,
                                                                     make_user,
                                                                     make_locality):
    from tests.conftest import TODAY

    lines = 278
    as_read = "\n".join([LINE] * lines)  # what the box holds and counts
    as_sent = as_read.replace("\n", "\r\n")  # what the browser posts
    assert len(as_read) <= CONTENT_MAX < len(as_sent)
    officer = make_user("reception")
    loc = make_locality()
    login(officer)
    response = client.post("/reception/new", data=intake_form(
        loc.code, [person(1)], TODAY, content=as_sent))
    html = response.get_data(as_text=True)
    assert response.status_code == 302, (
        f"{len(as_read)} characters refused: "
        + ("'Không quá 20000 ký tự.' shown" if "Không quá 20000 ký tự." in html else html[:200]))
    content = db.session.scalar(select(Case.content))
    assert "\r" not in content and len(content) == len(as_read)


def test_the_citizens_form_stores_one_lf_per_line_break(client, desk):  # noqa: F811
    response = client.post("/cong-dan/gui-don", data=form(
        content="Dòng một.\r\nDòng hai.\rDòng ba."))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Case.content)) == "Dòng một.\nDòng hai.\nDòng ba."


@pytest.mark.parametrize(("typed", "kept"), [
    ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\n\r\nb", "a\n\nb"),
    ("Nguyê\u0303n\r\n", "Nguyễn\n"), ("plain", "plain")])
def test_nfc_gives_one_lf_per_line_break(typed, kept):
    from complaints.domain.text import nfc

    assert nfc(typed) == kept
