"""Citizens' online form: what counts toward its limits, what a citizen is told when one is
reached, and what the personal-data notice promises (QA round 3)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from tests.integration.test_public import NAME, form, submit

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW (10:00 in Hà Nội)

CONTENT = "Đề nghị xem xét quyết định thu hồi đất số 12."


@pytest.fixture
def desk(make_agency):
    """The online desk agency (config code BTCD)."""
    return make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def _invalid(client):
    """A post the form refuses (no subject): nothing is saved."""
    return client.post("/cong-dan/gui-don", data=form(subject=""))


def test_refused_posts_do_not_count_toward_the_submission_limit(app, client, desk):
    # Found by QA: with "5 per hour", 1 refused + 2 accepted + 2 refused posts made the sixth
    # answer 429 and lose the whole form.
    assert app.config["SUBMIT_LIMIT"] == "5 per hour;20 per day"
    answers = [_invalid(client).status_code, submit(client).status_code,
               submit(client).status_code, _invalid(client).status_code,
               _invalid(client).status_code, submit(client).status_code]
    assert answers == [422, 200, 200, 422, 422, 200]
    assert _cases() == 3


def test_the_submission_limit_keeps_the_form_and_says_when_to_come_back(app, client, desk):
    app.config["SUBMIT_LIMIT"] = "1 per hour"
    assert submit(client).status_code == 200
    response = client.post("/cong-dan/gui-don", data=form(subject="Lần thứ hai"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'data-testid="submit-paused"' in html and 'data-testid="submit-form"' in html
    # Everything typed is still there.
    assert CONTENT in html and f'value="{NAME}"' in html and 'value="Lần thứ hai"' in html
    # The wait is the limit's own (an hour from the accepted one), at 10:00 in Hà Nội.
    assert "Bạn có thể gửi lại từ 11:00, tức khoảng 60 phút nữa." in html
    assert response.headers["Retry-After"]
    # Not the look-up's page: nothing about PINs, no "a few minutes".
    for wrong in ("quên mã PIN", "ít phút", "Quá nhiều lần thử"):
        assert wrong not in html, wrong
    assert _cases() == 1


def test_the_wait_is_the_longest_full_window(app, client, desk):
    # The hour's window is checked first; the day's is full too, so coming back in an
    # hour would be refused again: the page says tomorrow.
    app.config["SUBMIT_LIMIT"] = "1 per hour;1 per day"
    assert submit(client).status_code == 200
    html = client.post("/cong-dan/gui-don", data=form()).get_data(as_text=True)
    assert "Bạn có thể gửi lại từ 10:00 ngày 02/12/2026, tức khoảng 24 giờ nữa." in html


def test_a_flood_of_refused_posts_is_still_stopped(app, client, desk):
    app.config["SUBMIT_ATTEMPT_LIMIT"] = "3 per hour"
    assert [_invalid(client).status_code for _ in range(3)] == [422, 422, 422]
    response = client.post("/cong-dan/gui-don", data=form())
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'data-testid="submit-paused"' in html and CONTENT in html
    assert re.search(r"Bạn có thể gửi lại từ \d\d:\d\d, tức khoảng \d+ phút nữa", html)
    assert _cases() == 0


def test_the_consent_notice_says_who_may_see_a_denouncer(client, desk):
    # Found by QA: "only the person resolving a denunciation may know the denouncer", while
    # the intake staff and inspectors see it too (permissions.can_see_identity).
    html = client.get("/cong-dan/gui-don").get_data(as_text=True)
    notice = re.search(r'id="consent-notice">(.*?)</div>', html, re.S).group(1)
    assert "chỉ người giải quyết tố cáo được biết" not in notice
    assert ("Danh tính người tố cáo được giữ bí mật: chỉ cán bộ tiếp nhận, người được giao "
            "giải quyết tố cáo và thanh tra được xem; mỗi lần xem đều được ghi lại.") in notice


@pytest.mark.parametrize("kind", ["complaint", "denunciation"])
def test_the_confirmation_gives_the_handling_deadline_of_the_petitions_kind(client, desk, kind):
    # Found by a QA pass: "usually within 10 working days" for a denunciation due in 7.
    from tests.integration.test_public import receipt

    html = submit(client, kind=kind).get_data(as_text=True)
    code, _pin = receipt(html)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    due = case.deadline("handling").due_on
    assert f"chậm nhất ngày {due:%d/%m/%Y}" in html and "10 ngày làm việc" not in html
