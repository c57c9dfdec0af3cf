"""QA round 30: a crawl of every page, every role, in Vietnamese and English.

Each test here failed on the frozen code of round 30 because of the defect its docstring
names. The crawl itself (1,018 pages, 8 roles x 2 languages) found no 4xx/5xx, console
error, CSP violation, foreign request, missing <title>/<h1>, unlabelled input, headless
table or slow page; what it found are pages a role may use but cannot reach, and two
form-error defects.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _hrefs(html: str) -> set[str]:
    return {h.replace("&amp;", "&").split("?")[0] for h in re.findall(r'href="([^"]+)"', html)}


# --- pages a role may use but no page of that role links to ------------------------------


def test_agency_head_pages_link_to_citizen_reception_and_monitoring(
        client, login, make_agency, make_user):
    """An agency head can reach the leaders' citizen-reception log and the monitoring
    dashboard from their own pages.

    Wrong: /inspection/ (overview, overdue, escalations, scorecard, reports) is granted to
    agency heads (web/inspection/routes.MONITOR_ROLES includes "agency_head"), and
    /inspection/reception is where a head records the periodic reception days the Law on
    Citizen Reception 2013 requires of them (ux.md: the home page answers "what needs me
    today?"; counts link to filtered lists). Yet no link to either is on /agency/ or in the
    navbar: the crawl of head_xd and head_ubnd (both languages) never reached /inspection/ nor
    /inspection/reception. head_tnmt reached them only by chance, through the
    "Ghi buổi tiếp đột xuất" prompt that shows for a mass case (case/_unscheduled_reception,
    inspection/_unscheduled_list) and then that form's "Hủy" link.
    Right: the agency head's home (or the navbar for MONITOR_ROLES) links to
    inspection.reception and inspection.home.
    Cause: templates/agency/home.html and templates/base.html have no such link; the only
    links are inside inspection/_ui.html's nav, shown on inspection pages themselves.
    """
    agency = make_agency("SO-XD", name="Sở Xây dựng")
    head = make_user("agency_head", agency=agency, username="truongso")
    login(head)

    # The role may use both pages…
    assert client.get("/inspection/reception").status_code == 200
    assert client.get("/inspection/").status_code == 200
    # …but its own pages do not offer them.
    links = _hrefs(client.get("/agency/").get_data(as_text=True))
    assert "/inspection/reception" in links, "no link to the citizen-reception log"
    assert "/inspection/" in links, "no link to the monitoring overview"


def test_admin_pages_link_to_score_weights(client, login, make_user):
    """An administrator can reach the score-weights page, which only administrators may use.

    Wrong: /inspection/scorecard/weights is @roles_required("admin"), and the only link to
    it ("Sửa trọng số") is on /inspection/scorecard. No admin page links to the scorecard or
    to /inspection/ at all (admin/_nav.html lists agencies, users, routing rules, policies,
    patterns, ladder, calendar, personal data), so the crawl of the admin (54 pages, vi and
    en) never reached the weights page: an administrator must type the URL to change the
    province's yearly scoring criteria.
    Right: the admin area links to the weights page (or to the scorecard, which links on).
    Cause: templates/admin/_nav.html and admin/home.html have no link to
    inspection.score_weights / inspection.scorecard.
    """
    admin = make_user("admin", username="quantri")
    login(admin)

    assert client.get("/inspection/scorecard/weights").status_code == 200
    links = set()
    for page in ("/admin/", "/admin/agencies"):
        links |= _hrefs(client.get(page).get_data(as_text=True))
    assert links & {"/inspection/scorecard/weights", "/inspection/scorecard"}, (
        "no admin page links to the score weights (nor to the scorecard)")


# --- forms ----------------------------------------------------------------------------------


def test_login_sent_empty_shows_error_summary_linking_to_fields(client):
    """The sign-in form sent empty shows the error summary and marks the fields.

    Wrong: POST /login with both fields empty answers one alert, "Vui lòng nhập tên đăng
    nhập và mật khẩu." (auth/routes.py), with no error summary linking to the fields and
    no message beside either field or aria-invalid on it; every other form of the app sent
    empty (31 checked in the crawl, both languages) shows `#error-summary` with a link per
    field. ux.md, Forms: "on error, an error summary at the top linking to each field, and
    the message next to the field". (The wrong-password message must stay one message for
    both fields, so as not to reveal which usernames exist; an empty field reveals nothing.)
    Right: an error summary (data-testid="error-summary") with links to #username and
    #password, and the fields marked invalid.
    Cause: templates/auth/login.html renders only `error`; the view never uses the
    LoginForm's field errors.
    """
    html = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert 'data-testid="error-summary"' in html
    assert 'href="#username"' in html and 'href="#password"' in html
    assert re.search(r'id="username"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="username"',
                     html)


def test_admin_new_user_error_does_not_address_the_admin(client, login, make_user):
    """On Admin → Users → Add, in English, the missing-name error speaks of the new user.

    Wrong: sending the form without a name says "Enter your full name." — the
    administrator is creating someone else's account. The msgid "Nhập họ và tên." is shared
    by the citizen's form (where "your" is right), the reception desk's petitioner rows and
    the admin user form (web/admin/forms.py, services/admin.py), and translated once
    for the citizen. ux.md, Language: "English complete" — a message that tells the admin
    to type their own name is a wrong translation, not a style choice.
    Right: e.g. "Enter the user's full name." (a separate msgid, or pgettext context).
    """
    admin = make_user("admin", username="quantri")
    login(admin)
    client.get("/lang/en?next=/")
    page = client.get("/admin/users/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    html = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert "Add user" in html  # the English page, with its errors
    assert "Enter your full name." not in html
