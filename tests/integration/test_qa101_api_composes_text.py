"""QA 101 D2: the same letter counted differently by entry: the desk's form composes (NFC)
and turns CR LF into one LF before its Length check; the JSON API's schema measured the raw
string first, and refused ("Tối đa 20000 ký tự") a letter typed on a decomposing keyboard
(macOS, Unikey "tổ hợp") or with CR LF line breaks that the form accepts."""
from __future__ import annotations

import pytest

from complaints.domain.limits import CONTENT_MAX
from complaints.domain.text import nfc
from tests.integration.test_api import _case_body, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

DECOMPOSED = "Nguye\u0302\u0303n "  # "Nguyễn " typed decomposed: 9 code points, reads as 7
CRLF = "Dòng thư.\r\n"


@pytest.mark.parametrize("unit", [DECOMPOSED, CRLF], ids=["decomposed", "crlf"])
def test_api_counts_the_letter_as_the_form_does(api, world, unit):  # noqa: F811
    as_read = nfc(unit)
    n = CONTENT_MAX // len(as_read)
    content = unit * n
    assert len(nfc(content)) <= CONTENT_MAX < len(content)
    answer = api(world["reception"], "POST", "/cases",
                 json=_case_body(world, content=content))
    assert answer.status_code == 201, answer.get_json()
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import Case

    assert db.session.scalar(select(Case.content)) == nfc(content).strip()


def test_a_password_reaches_its_check_as_typed(api, client, world):  # noqa: F811
    """Composing the body leaves a password alone: the forms never compose one."""
    from complaints.extensions import db

    user = world["reception"]
    decomposed = "Me\u0302\u0323t-qua-9"  # "Mệt-qua-9" typed decomposed
    user.set_password(decomposed)
    db.session.commit()
    answer = client.post("/api/v1/tokens", json={"username": user.username,
                                                  "password": decomposed})
    assert answer.status_code in (200, 201), answer.get_json()
