"""The session cookie is Secure on a request that came over HTTPS, whatever
SESSION_COOKIE_SECURE says (a judgement of QA 93, acted on): a site served over HTTPS with
the setting forgotten sent it without the flag, so a plain http:// link carried it."""

from __future__ import annotations

import pytest

from complaints.extensions import db
from tests.conftest import config_for_tests
from tests.factories import PASSWORD


@pytest.fixture
def official(make_user):
    user = make_user("reception")
    db.session.commit()
    return user


def _session_cookie_header(client, user, **environ) -> str:
    """Sign in through the form: the answer sets the session cookie."""
    response = client.post("/login", data={"username": user.username, "password": PASSWORD},
                           **environ)
    assert response.status_code == 302
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert headers, "the page started no session"
    return headers[0]


def test_over_https_the_cookie_is_secure_with_the_setting_off(app, official):
    assert not app.config["SESSION_COOKIE_SECURE"]
    header = _session_cookie_header(app.test_client(), official, base_url="https://localhost")
    assert "; Secure" in header and "; HttpOnly" in header and "SameSite=Lax" in header


def test_over_plain_http_the_setting_decides(app, official):
    assert "; Secure" not in _session_cookie_header(app.test_client(), official)
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "; Secure" in _session_cookie_header(app.test_client(), official)


def test_behind_a_trusted_proxy_its_scheme_counts(_schema, official):
    from complaints import create_app

    proxied = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=_schema, PROXY_HOPS=1))
    with proxied.app_context():
        header = _session_cookie_header(
            proxied.test_client(), official, headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in header


@pytest.mark.parametrize("proto", ["http", None])
def test_a_proxy_that_says_http_keeps_it_plain(_schema, official, proto):
    from complaints import create_app

    proxied = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=_schema, PROXY_HOPS=1))
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    with proxied.app_context():
        assert "; Secure" not in _session_cookie_header(proxied.test_client(), official,
                                                        headers=headers)
