"""QA round 34: security review of the latest commits (browser sessions, the history
correction, the online form's history question and eligibility, the PostgreSQL restore
pipe, hidden denunciation content, the mass-petition candidate query).

Tests named `test_defect_…` failed on the frozen code because of the defect their
docstring describes (what is wrong, what is right, the cause); all five are fixed. Tests
named `test_probe_…` are passing probes kept as guards (what held).
"""

from __future__ import annotations

import re
import sys
import time
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import backup, intake, public, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.history_helpers import history_world

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _browser(app, user):
    browser = app.test_client()
    db.session.commit()
    g.pop("_login_user", None)
    answer = browser.post("/login", data={"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return browser


def _get(browser, path, **kw):
    g.pop("_login_user", None)  # the shared app context caches the user (see test_sessions)
    return browser.get(path, **kw)


def _post(browser, path, **kw):
    g.pop("_login_user", None)
    return browser.post(path, **kw)


# --- defects ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["\u200b", "\u3164", "\u2800", "\ufeff\u200d"])
def test_defect_online_letter_with_a_blank_looking_address_is_logged_eligible(
        make_agency, address):
    """An online complaint whose "address" shows nothing (a zero-width space, U+3164, a
    blank braille cell) is logged as eligible for handling and counted in 02/XLD column 5.

    Right: eligible needs the petitioner's address (reports.md; QA round 33): an address
    that `domain.text.blank` finds blank is no address, so the letter is logged as not
    eligible (and the blank address is not stored), as a denunciation with such an address
    is already refused (intake.denouncer_errors uses `blank`).

    Cause: services/public.submit_online decides `eligible=person.address is not None` after
    `(data.address or "").strip() or None`; str.strip keeps format characters and
    blank-looking letters, so the value is not None. Fix: `None if blank(address) else
    address.strip()` (and the same test for `eligible`).
    """
    p = make_agency(code="P", level="province")
    make_agency(code="DESK", parent=p, level="desk", is_reception_desk=True)
    db.session.commit()
    case, _pin = public.submit_online(public.OnlineSubmission(
        kind="complaint", field_code="land", subject="Khiếu nại thu hồi đất",
        content="Đề nghị xem xét lại quyết định thu hồi đất.", full_name="Phạm Thị Hoa",
        phone="0912345678", address=address), "DESK", NOW, TODAY)
    db.session.flush()
    assert case.petitions[0].eligible is False, \
        "a letter with a blank-looking address was logged as eligible for handling"


def test_defect_a_busy_ward_hides_a_mass_petition_beyond_500_older_cases(
        make_case, make_user, make_locality, make_agency):
    """Five people on one matter within 30 days are not flagged as a mass petition when
    the same commune and field already hold 500 other cases in the window.

    Right (domain.md, mass): 5 or more distinct petitioners on the same matter (same
    locality and field, similar subject) within 30 days → flagged, clustered, escalated.
    Here 2 + 2 + 1 people file "Thu hồi đất làm đường thôn Đông" on 20–22/11/2026 in a ward
    with 500 unrelated land cases from 02–03/11/2026: the three cases must be flagged.

    Wrong: none is. With 480 unrelated cases (tried by hand) all three are.

    Cause: escalation_patterns._same_place reads the candidates with `.limit(500)` and no
    ORDER BY; the scan of ix_cases_matter returns the oldest `last_petition_on` first, so
    the newest cases (the ones on the matter, often) are the ones cut. Anyone able to file
    500 letters (online, from several addresses) can also hide a mass petition this way.
    Fix: filter by subject similarity before the cap (or page through all candidates), or at
    least order newest first and say when the cap was hit.
    """
    p = make_agency(code="P", level="province")
    desk = make_agency(code="DESK", parent=p, level="desk")
    rec = make_user("reception", agency=desk)
    loc = make_locality("31001")
    seed = make_case(actor=rec, kind="complaint", subject="Cấp giấy chứng nhận quyền sử dụng",
                     received_on=date(2026, 11, 2), locality_code=loc.code)
    db.session.commit()
    table = Case.__table__
    row = dict(db.session.execute(select(table).where(table.c.id == seed.id)).mappings().one())
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
             "india", "juliet"]
    copies = []
    for n in range(499):  # with the seed: 500 unrelated cases in the window
        copy = {k: v for k, v in row.items() if k != "id"}
        copy.update(tracking_code=f"2026-F{n:07d}", received_on=date(2026, 11, 3),
                    last_petition_on=date(2026, 11, 3),
                    subject=f"Mục {words[n % 10]} {words[n // 10 % 10]} "
                            f"{words[n // 100 % 10]} số {n}")
        copies.append(copy)
    db.session.execute(table.insert(), copies)
    db.session.commit()

    def receive(names, on):
        data = intake.CaseData(
            kind="complaint", field_code="land", subject="Thu hồi đất làm đường thôn Đông",
            content="Nội dung", locality_code=loc.code,
            petition=intake.PetitionData(channel="walk_in", received_on=on, petitioners=[
                intake.PetitionerData(full_name=name) for name in names]))
        return intake.receive_case(data, rec, NOW, TODAY)[0]

    cases = [receive(["Lê Văn An", "Trần Thị Bình"], date(2026, 11, 20)),
             receive(["Phạm Văn Cường", "Vũ Văn Dũng"], date(2026, 11, 21)),
             receive(["Hồ Thị Em"], date(2026, 11, 22))]
    db.session.commit()
    flags = [db.session.get(Case, c.id).flag_mass for c in cases]
    assert flags == [True, True, True], \
        f"five people on one matter missed behind 500 older cases of the ward: {flags}"


def _program(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o700)
    return str(path)


def test_defect_restore_pipe_blames_pg_restore_for_psqls_failure(app, tmp_path, monkeypatch):
    """When psql fails in `pg_restore | psql` (wrong password, server down, an SQL error
    under ON_ERROR_STOP), the restore's message names pg_restore and a broken pipe (or
    nothing: a C pg_restore dies of SIGPIPE silently) and hides psql's reason.

    Right: the consumer's failure is the cause and its stderr is what the operator needs
    ("password authentication failed"); pg_restore's SIGPIPE/EPIPE is only its effect.

    Cause: services/backup._pipe checks `producer.returncode` first; once psql exits, the
    producer's next write fails, so the producer is always "the" failure. Fix: report the
    consumer's error first when it failed (and the producer's only when the consumer did
    not, or when it did not die of a broken pipe).
    """
    producer = _program(tmp_path, "pg_restore", (
        "import sys\n"
        "for i in range(100000): sys.stdout.write('INSERT INTO x VALUES (1);\\n')\n"))
    consumer = _program(tmp_path, "psql", (
        "import sys\n"
        "sys.stderr.write('psql: error: FATAL: password authentication failed\\n')\n"
        "sys.exit(2)\n"))
    monkeypatch.setattr(backup, "pg_program",
                        lambda name: producer if name == "pg_restore" else consumer)
    with pytest.raises(ValidationFailed) as raised:
        backup._pipe(["pg_restore"], ["psql"], {})
    message = raised.value.errors["program"]
    assert "password authentication failed" in message, \
        f"psql's reason is hidden; the operator reads: {message[:160]!r}"


def test_defect_restore_pipe_hangs_when_pg_restore_writes_much_to_stderr(
        app, tmp_path, monkeypatch):
    """`pg_restore | psql` stops for ever when pg_restore writes more than a pipe buffer
    (64 KiB) to stderr (many warnings) before it ends its output. Low likelihood, but the
    restore then hangs with the database half replaced in an open transaction.

    Right: stderr is drained while psql runs (a thread or a temporary file), so a chatty
    pg_restore still ends.

    Cause: services/backup._pipe opens the producer with `stderr=PIPE` and reads it only
    after `subprocess.run(consumer)` returned; the producer blocks on its full stderr pipe,
    never closes stdout, and psql waits for EOF. (The fake pg_restore below kills itself
    after 3 s, so the test ends: the frozen code then reports "pg_restore failed".)
    """
    producer = _program(tmp_path, "pg_restore", (
        "import signal, sys\nsignal.alarm(3)\n"
        "sys.stderr.write('pg_restore: warning: something\\n' * 10000)\n"
        "sys.stdout.write('SELECT 1;\\n')\n"))
    consumer = _program(tmp_path, "psql", "import sys\nsys.stdin.read()\n")
    monkeypatch.setattr(backup, "pg_program",
                        lambda name: producer if name == "pg_restore" else consumer)
    started = time.monotonic()
    try:
        backup._pipe(["pg_restore"], ["psql"], {})
    except ValidationFailed as exc:
        pytest.fail(f"the pipe stalled until pg_restore was killed "
                    f"({time.monotonic() - started:.1f} s): {str(exc)[:80]!r}")


def test_defect_a_head_finds_a_denunciation_by_what_its_letter_says_of_its_author(
        app, api, client, make_case, world):
    """The head of the agency resolving a denunciation finds it by the denouncer's ID
    number (or name) written in the letter, in the API's and the page's case search,
    without any reveal recorded.

    Right: since QA round 27 (and this round's case page) a denunciation's content is read
    with the denouncer's identity, only after the recorded reveal; and a match on who
    signed a denunciation is itself the identity (permissions.can_find_by_identity: only
    the desk that logged it). A search must then match a denunciation on its subject only
    for every reader but that desk (or record a reveal for each hit, which a list cannot).

    Cause: queries.content_readable (the SQL twin of can_read_content) lets every reader
    who may see the identity search the content (`identity_visible(user)`), so search.apply
    and search.search_query match the letter's text; the case page hides the same text
    until the reveal (case_view.build_case_page: content_hidden).
    """
    case = make_case(actor=world["reception"], kind="denunciation",
                     subject="Tố cáo sai phạm trong cấp phép xây dựng",
                     content="Tôi là Trần Văn Tố, CCCD 031299001122, tố cáo ông Lâm.",
                     received_on=date(2026, 10, 2))
    workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    answer = api(world["head"], "GET", "/cases", query_string={"q": "031299001122"})
    found_by_api = [c["tracking_code"] for c in answer.get_json()["items"]]
    g.pop("_login_user", None)
    client.post("/login", data={"username": world["head"].username, "password": PASSWORD})
    g.pop("_login_user", None)
    page = client.get("/agency/cases", query_string={"q": "Trần Văn Tố", "status": "open"})
    views = db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "identity_viewed"))
    assert views == 0
    assert case.tracking_code not in found_by_api, \
        "the API search finds the denunciation by the denouncer's ID number in its letter"
    assert case.tracking_code not in page.get_data(as_text=True), \
        "the agency's case search finds the denunciation by the denouncer's name"


# --- passing probes (what held) -----------------------------------------------------------


def test_probe_history_correction_permission_matrix(app, api, make_case, make_user,
                                                    make_agency, world):
    """Only the desk that received the case corrects a letter's history (page and API);
    another desk gets 404, the agency, inspectors and admins 403; a petition id of another
    case of the same desk is 404; a 5 000-character reason is refused (422)."""
    app.config["REQUIRE_2FA_ROLES"] = ()
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    other = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    pid = case.petitions[0].id
    other_desk = make_agency(code="DESK2", parent=world["P"], level="desk")
    expected = {
        "other_desk": (make_user("reception", agency=other_desk), 404),
        "head": (world["head"], 403),
        "officer": (make_user("agency_officer", agency=world["D"]), 403),
        "inspector": (make_user("inspector"), 403),
        "admin": (make_user("admin"), 403),
    }
    body = {"history": "court", "reason": "Đơn ghi đã có bản án phúc thẩm"}
    path = f"/reception/cases/{case.tracking_code}/petitions/{pid}/history"
    for name, (user, status) in expected.items():
        browser = _browser(app, user)
        assert _get(browser, path).status_code == status, name
        assert _post(browser, path, data=body).status_code == status, name
        answer = api(user, "PATCH", f"/cases/{case.tracking_code}/petitions/{pid}", json=body)
        assert answer.status_code == status, name
    desk = world["reception"]
    assert api(desk, "PATCH", f"/cases/{case.tracking_code}/petitions/"
                              f"{other.petitions[0].id}", json=body).status_code == 404
    assert api(desk, "PATCH", f"/cases/{case.tracking_code}/petitions/{pid}",
               json={"history": "court", "reason": "x" * 5000}).status_code == 422
    assert _get(_browser(app, desk), f"/reception/cases/{case.tracking_code}/petitions/"
                                     f"{other.petitions[0].id}/history").status_code == 404
    assert api(desk, "PATCH", f"/cases/{case.tracking_code}/petitions/{pid}",
               json=body).status_code == 200


def test_probe_correction_reason_is_escaped_in_the_timeline(app, make_case, world):
    """HTML in the correction's reason is shown as text on the desk's timeline."""
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    intake.correct_history(case, case.petitions[0].id, "court",
                           "<script>alert(1)</script><img src=x onerror=alert(2)>",
                           world["reception"], NOW)
    db.session.commit()
    page = _get(_browser(app, world["reception"]),
                f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_probe_new_post_forms_refuse_a_missing_csrf_token(app, make_case, world):
    """With CSRF on: the correction, sign-out and sign-out-everywhere POSTs without a token
    are refused (400) and the session goes on."""
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    browser = _browser(app, world["reception"])
    app.config["WTF_CSRF_ENABLED"] = True
    path = f"/reception/cases/{case.tracking_code}/petitions/{case.petitions[0].id}/history"
    assert _post(browser, path, data={"history": "court", "reason": "Sai khi nhập"}
                 ).status_code == 400
    assert _post(browser, "/logout").status_code == 400
    assert _post(browser, "/logout/everywhere").status_code == 400
    assert _get(browser, "/reception/").status_code == 200


def test_probe_login_summary_tells_no_username(client, make_user):
    """An empty password (or a wrong one) answers the same for an existing username and an
    unknown one (status and page), and an empty password counts no failure."""
    user = make_user("agency_head")
    db.session.commit()

    def answer(name, password):
        r = client.post("/login", data={"username": name, "password": password})
        return r.status_code, re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))

    assert answer(user.username, "") == answer("nobody-here", "")
    assert answer(user.username, "wrong-password-1") == answer("nobody-here",
                                                               "wrong-password-1")
    db.session.refresh(user)
    assert user.failed_logins == 1


def test_probe_a_cookie_from_before_a_password_change_is_void(app, make_user):
    """A copy of the session cookie taken before the password change is signed out; the
    session that changed it goes on."""
    user = make_user("agency_head")
    browser = _browser(app, user)
    stolen = browser.get_cookie("session").value
    answer = _post(browser, "/account/password", data={
        "old_password": PASSWORD, "new_password": "Another-pass-99",
        "confirm": "Another-pass-99"})
    assert answer.status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert "/login" in _get(thief, "/agency/").headers["Location"]
    assert _get(browser, "/agency/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.com", "/\\evil.com", "/\t/evil.com",
                                    "https://evil.com", "///evil.com", "\\/evil.com"])
def test_probe_sign_in_next_stays_on_the_site(client, make_user, target):
    """`next` leading off-site is replaced by the home page."""
    user = make_user("agency_head")
    db.session.commit()
    answer = client.post("/login", query_string={"next": target},
                         data={"username": user.username, "password": PASSWORD})
    assert answer.headers["Location"] == "/agency/"
