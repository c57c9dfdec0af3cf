"""Sign-in: each role lands on its own home; bad input gets a clear message."""

import pytest

from complaints.extensions import db
from tests.factories import PASSWORD

HOMES = {
    "reception": "/reception/",
    "agency_head": "/agency/",
    "agency_officer": "/agency/",
    "inspector": "/inspection/",
    "admin": "/admin/",
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_its_home(client, make_user, login, role):
    user = make_user(role)
    response = login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    page = client.get(HOMES[role])
    assert page.status_code == 200
    assert user.full_name in page.get_data(as_text=True)


# Agency heads also open the inspection console, scoped to their own agency (issue 5).
ALSO_ALLOWED = {"agency_head": {"/inspection/"}, "admin": {"/inspection/"}}


@pytest.mark.parametrize("role", list(HOMES))
def test_other_roles_home_is_forbidden(client, make_user, login, role):
    login(make_user(role))
    for path in HOMES.values():
        if path != HOMES[role] and path not in ALSO_ALLOWED.get(role, ()):
            assert client.get(path).status_code == 403


def test_pages_need_sign_in(client):
    for path in set(HOMES.values()):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_unknown_user_and_wrong_password_get_one_clear_message(client, make_user):
    user = make_user("reception")
    db.session.commit()
    for username, password in ((user.username, "wrong-password"), ("nobody", PASSWORD)):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_empty_form_is_refused_with_message(client):
    response = client.post("/login", data={})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Vui lòng sửa các lỗi sau" in page  # the summary, then beside each field
    assert "Nhập tên đăng nhập." in page and "Nhập mật khẩu." in page


def test_missing_csrf_token_is_a_clear_400(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("reception")
    db.session.commit()
    response = app.test_client().post(
        "/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "tải lại trang" in body


def test_sign_out_needs_post_and_ends_session(client, make_user, login):
    login(make_user("inspector"))
    assert client.post("/logout").status_code == 302
    assert client.get("/inspection/").status_code == 302


def test_password_change_signs_out_other_sessions(client, make_user, login):
    user = make_user("admin")
    login(user)
    assert client.get("/admin/").status_code == 200
    user.session_version += 1
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_english_switch_is_remembered(client, make_user, login):
    login(make_user("inspector"))
    client.get("/lang/en?next=/inspection/")
    assert client.get("/inspection/").status_code == 200


def test_account_locks_after_repeated_failures(client, make_user):
    user = make_user("reception")
    db.session.commit()
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "wrong-one"})
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 401
    assert "tạm khóa" in response.get_data(as_text=True)
    from sqlalchemy import select

    from complaints.models import AuditEvent

    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.chain == f"user:{user.id}",
                                 AuditEvent.action == "login_locked"))


def test_security_headers_on_every_response(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_and_answers_are_not_kept_in_caches(client, make_user, login):
    """QA round 10: pages showing a denouncer (the desk's case page, the agency's reveal,
    the API's case answer) could be shown again from a cache, with no record of the view."""
    login(make_user("reception"))
    for path in ("/login", "/reception/", "/api/v1/fields"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers["Cache-Control"]
    static.close()


def test_nul_characters_are_refused_as_bad_input(client):
    # PostgreSQL cannot store NUL in text; the app must answer 400, never 500.
    assert client.post("/login", data={"username": "a\x00b", "password": "x"}).status_code == 400
    response = client.post("/api/v1/tokens", json={"username": "a\x00b", "password": "x"})
    assert response.status_code == 400 and response.is_json
    assert client.get("/api/v1/localities?q=a%00b").status_code == 400
    # A NUL in the second value of a repeated key too (a multi-select).
    assert client.get("/api/v1/localities?q=a&q=b%00c").status_code == 400
    from werkzeug.datastructures import MultiDict

    assert client.post("/login", data=MultiDict([("username", "a"), ("username", "b\x00"),
                                                 ("password", "x")])).status_code == 400


@pytest.mark.parametrize("target", ["/%09/evil.com", "/%0d/evil.com", "/%0a/x", "/\\evil.com",
                                    "//evil.com", "https://evil.com", "/%5Cevil.com"])
def test_no_redirect_leaves_the_site_whatever_hides_in_next(client, make_user, target):
    # Found by QA: "/\t/evil.com" passed the check and Werkzeug sent "Location: //evil.com";
    # a line break gave a 500 (and a signed-in user at that).
    answer = client.get(f"/lang/en?next={target}")
    assert answer.status_code == 302
    assert answer.headers["Location"] in ("/", "http://localhost/")
    user = make_user("reception")
    db.session.commit()
    signed_in = client.post(f"/login?next={target}",
                            data={"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/reception/")


def test_a_local_next_is_still_followed(client, make_user):
    assert client.get("/lang/en?next=/cong-dan/tra-cuu?x=1").headers["Location"] \
        .endswith("/cong-dan/tra-cuu?x=1")
