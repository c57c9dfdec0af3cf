"""QA 97 D2: the session cookie outlives the officials' idle limit, so a citizen's form
written for an hour is still received; the idle limit is kept by the time of the last
request, for officials' sign-in and for a citizen's opened case alike."""

from __future__ import annotations

import re
import time as _time
from datetime import date, timedelta

import itsdangerous.timed as timed
import pytest
from sqlalchemy import func, select

from complaints import clock
from complaints.extensions import db
from complaints.models import Case, ReportJob
from tests.conftest import NOW
from tests.integration.test_public import _lookup, desk, form, receipt, submit  # noqa: F401


class _Later:
    """itsdangerous' clock, `minutes` ahead: the session cookie is read that much later."""

    def __init__(self, minutes: int):
        self.offset = minutes * 60

    def time(self) -> float:
        return _time.time() + self.offset


def _at(monkeypatch, minutes: int) -> None:
    """The app's clock and the cookie's, `minutes` after NOW."""
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=minutes))
    monkeypatch.setattr(timed, "time", _Later(minutes))


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("minutes", [40, 180])
def test_a_petition_written_for_long_is_still_received(app, client, desk, monkeypatch,  # noqa: F811
                                                        minutes):
    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setattr(clock, "now", lambda: NOW)
    html = client.get("/cong-dan/gui-don").get_data(as_text=True)
    data = form(csrf_token=_hidden(html, "csrf_token"), draft=_hidden(html, "draft"))
    _at(monkeypatch, minutes)  # no request while the letter is written
    response = client.post("/cong-dan/gui-don", data=data)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].endswith("/cong-dan/da-gui")
    assert db.session.scalar(select(func.count(Case.id))) == 1


def test_an_official_idle_past_the_limit_is_signed_out(app, client, login, make_user,
                                                       monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    user = make_user("reception")
    assert login(user).status_code == 302
    idle = app.config["SESSION_IDLE_MINUTES"]
    # Busy: a request every 20 minutes keeps the session past the idle limit.
    for step in range(1, 4):
        _at(monkeypatch, 20 * step)
        assert client.get("/reception/").status_code == 200, step
    # Then idle one minute past the limit: signed out.
    _at(monkeypatch, 60 + idle + 1)
    gone = client.get("/reception/")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]


def test_an_official_idle_just_under_the_limit_stays(app, client, login, make_user,
                                                     monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    user = make_user("reception")
    login(user)
    _at(monkeypatch, app.config["SESSION_IDLE_MINUTES"] - 1)
    assert client.get("/reception/").status_code == 200


def test_static_files_do_not_keep_an_official_signed_in(app, client, login, make_user,
                                                        monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    login(make_user("reception"))
    idle = app.config["SESSION_IDLE_MINUTES"]
    _at(monkeypatch, idle - 5)
    client.get("/static/drafts.js")
    _at(monkeypatch, idle + 1)
    assert client.get("/reception/").status_code == 302


def test_a_citizens_opened_case_closes_after_the_idle_limit(app, client, desk,  # noqa: F811
                                                            monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    code, pin = receipt(submit(client).get_data(as_text=True))
    assert code in _lookup(client, code, pin).get_data(as_text=True)
    idle = app.config["SESSION_IDLE_MINUTES"]
    # Reading it keeps it open ...
    _at(monkeypatch, idle - 1)
    assert client.get("/cong-dan/ho-so").status_code == 200
    _at(monkeypatch, 2 * idle - 2)
    assert client.get("/cong-dan/ho-so").status_code == 200
    # ... left for longer than the limit (a shared computer), it is closed.
    _at(monkeypatch, 3 * idle)
    closed = client.get("/cong-dan/ho-so")
    assert closed.status_code == 302 and "/cong-dan/tra-cuu" in closed.headers["Location"]
    _at(monkeypatch, 3 * idle + 1)
    assert client.get("/cong-dan/ho-so").status_code == 302  # and stays closed


def test_report_status_polling_is_no_activity(app, client, login, make_user, make_agency,
                                              monkeypatch):
    """QA 98: 'My reports' polls each queued job's status (report_jobs.js, every 15 s at
    most) for as long as the job is not finished. A job left queued (worker stopped, a long
    report) keeps the page polling; each poll was taken as the official's activity, so an
    inspector's session on a shared computer never idled out while that page was open."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    user = make_user("inspector")
    assert login(user).status_code == 302
    job = ReportJob(requested_by_id=user.id, kind="workbook", root_agency_id=make_agency().id,
                    period_kind="quarter", period_start=date(2026, 9, 15),
                    period_end=date(2026, 12, 14), status="queued", progress=0)
    db.session.add(job)
    db.session.commit()
    assert client.get("/inspection/reports/mine").status_code == 200
    # Nobody at the desk: only the page's script polls, every 10 minutes here.
    for minutes in range(10, 121, 10):
        _at(monkeypatch, minutes)
        client.get(f"/inspection/reports/jobs/{job.id}/status")
    # Two hours without a click: the next page must ask for the password again.
    _at(monkeypatch, 121)
    page = client.get("/inspection/reports/mine")
    assert page.status_code == 302 and "/login" in page.headers["Location"], page.status_code
