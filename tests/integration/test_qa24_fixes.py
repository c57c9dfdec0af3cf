"""QA round 24: the JSON API (/api/v1) as an integrator uses it.

Every test here fails because of a product defect; each docstring says what is wrong and
what is right.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_locality):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    make_locality(code="11311", name="Phường Lê Chân")
    w = {
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "head2": make_user("agency_head", agency=so, username="phogiamdoc"),
    }
    db.session.commit()
    return w


def _body(**kw):
    body = {"kind": "recommendation", "field": "land", "subject": "Ô nhiễm bãi rác",
            "content": "Đề nghị di dời bãi rác.", "channel": "walk_in",
            "received_on": "2026-11-20", "locality_code": "11311",
            "petitioners": [{"full_name": "Trần Thị A", "address": "1 Lạch Tray"}]}
    body.update(kw)
    return body


def _doc(client):
    return client.get(f"{API}/openapi.json").get_json()


def _token(client, user):
    db.session.commit()
    response = client.post(f"{API}/tokens", json={"username": user.username,
                                                  "password": PASSWORD})
    assert response.status_code == 201
    return response.get_json()["token"]


def _race(app, calls):
    """calls: (token, path, json) POSTed at the same moment from separate clients."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i):
        token, path, body = calls[i]
        c = FlaskClient(app)
        barrier.wait(timeout=10)
        r = c.post(f"{API}{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        out[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


# --- 1. Concurrent conflicting actions -----------------------------------------------------------

@pytest.mark.parametrize(("first", "second"), [("return", "transfer"), ("transfer", "transfer")])
def test_concurrent_action_that_moves_the_case_away_gives_the_loser_403_not_409(
        app, client, api, world, first, second):
    """Two heads of the Sở act at once on one routed case, each moving it away (a return
    and a transfer, or the same transfer sent by both — a double tap, a retry).

    Wrong: the loser gets 403 "Tài khoản giamdoc không được thực hiện thao tác này với hồ
    sơ …" (whichever wins) — the answer the OpenAPI document defines as "Your role or
    agency does not allow this", i.e. a permanent permission refusal, for a head who was
    entitled to act when they read the case. Sent a moment later the same request answers
    404, and with two status-only conflicts (accept/refuse, accept/accept) it answers 409.
    Right: a conflict answer (409 with case_status / allowed_actions, or the 404 a later
    request gets), never a 403. At fault: routes.act checks can_act on the pre-lock read,
    then workflow._transition re-checks can_act after workflow.hold() re-reads the case and
    raises NotAllowed, which errors.not_allowed turns into 403.
    """
    bodies = {"transfer": {"to_agency_code": "SO-XD", "reason": "Thuộc Sở Xây dựng"},
              "return": {"reason": "Không thuộc thẩm quyền", "suggested_agency_code": "SO-XD"}}
    code = api(world["reception"], "POST", "/cases",
               json=_body(agency_code="SO-TNMT")).get_json()["tracking_code"]
    tokens = [_token(client, world["head"]), _token(client, world["head2"])]
    out = _race(app, [(tokens[0], f"/cases/{code}/{first}", bodies[first]),
                      (tokens[1], f"/cases/{code}/{second}", bodies[second])])
    statuses = sorted(status for status, _ in out)
    assert statuses[0] == 200, out
    # Nothing of the refused action was written (this part holds).
    db.session.expire_all()
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain.like("case:%"))).all()
    assert len([a for a in actions if a in ("transferred", "returned")]) == 1
    loser = next(body for status, body in out if status != 200)
    assert statuses[1] in (404, 409), loser


# --- 2. Lockout 429 and Retry-After ---------------------------------------------------------------

def test_locked_account_429_retry_after_says_when_the_lock_ends(client, world, app,
                                                                monkeypatch):
    """POST /tokens for a locked account answers 429 (documented "rate limit or account
    temporarily locked").

    Wrong: its Retry-After is the login rate limit's window (≈60 s, injected by
    Flask-Limiter), not the lock (LOGIN_LOCK_MINUTES = 15 min): a client that honours it
    retries after 60 s and is refused again, about 15 times. The body also always says
    "thử lại sau 15 phút" whatever is left of the lock.
    Right: Retry-After = seconds until locked_until (AccountLocked carries it).
    At fault: routes.create_token (locked_answer ignores AccountLocked.locked_until).
    """
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(f"{API}/tokens", json={"username": "giamdoc", "password": "wrong"})
    locked = client.post(f"{API}/tokens", json={"username": "giamdoc", "password": PASSWORD})
    assert locked.status_code == 429
    wait = int(locked.headers["Retry-After"])
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(seconds=wait + 1))
    again = client.post(f"{API}/tokens", json={"username": "giamdoc", "password": PASSWORD})
    assert again.status_code != 429, (wait, again.get_json())


# --- 3-5. The OpenAPI document vs the endpoints ---------------------------------------------------

def test_openapi_documents_the_q_search_parameter_of_the_case_list(client, api, world):
    """GET /cases takes `q` (ranked full-text search, accent-insensitive, cut to 200
    characters, results ordered by rank) — it changes both the filter and the order.

    Wrong: the OpenAPI parameters are status, agency, flag, overdue, page, per_page only;
    `q` is documented nowhere (README neither), so an integrator cannot know search exists
    nor that it reorders the list. Right: `q` listed with its length and ordering.
    At fault: routes.list_cases reads request.args["q"] outside CaseListQuerySchema
    (schemas.py), from which openapi.build_spec derives the parameters.
    """
    api(world["reception"], "POST", "/cases", json=_body())
    found = api(world["reception"], "GET", "/cases?q=bai rac").get_json()
    missed = api(world["reception"], "GET", "/cases?q=khongcotu").get_json()
    assert (found["total"], missed["total"]) == (1, 0)  # q really filters
    names = [p["name"] for p in _doc(client)["paths"][f"{API}/cases"]["get"]["parameters"]]
    assert "q" in names, names


def test_openapi_documents_content_of_the_add_petition_body(client, api, world):
    """POST /cases/{code}/petitions accepts `content` (what the later letter says; shown in
    petitions[].content and masked on a denunciation).

    Wrong: the document gives the body as PetitionIn (channel, received_on, petitioners,
    history), which has no `content`; a client built from it cannot send the letter's text.
    Right: the body schema is AddPetitionSchema. At fault: openapi.build_spec passes
    s.PetitionInSchema where routes.add_petition loads s.AddPetitionSchema.
    """
    code = api(world["reception"], "POST", "/cases", json=_body()).get_json()["tracking_code"]
    added = api(world["reception"], "POST", f"/cases/{code}/petitions", json={
        "channel": "mail", "petitioners": [{"full_name": "Trần Thị A"}],
        "content": "Thư bổ sung tình tiết mới"})
    assert added.status_code == 201
    assert added.get_json()["petitions"][1]["content"] == "Thư bổ sung tình tiết mới"
    doc = _doc(client)
    ref = (doc["paths"][f"{API}/cases/{{tracking_code}}/petitions"]["post"]["requestBody"]
           ["content"]["application/json"]["schema"]["$ref"])
    properties = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert "content" in properties, sorted(properties)


def test_openapi_documents_the_413_of_an_oversized_body(client, api, world, app):
    """A body over MAX_CONTENT_LENGTH (MAX_UPLOAD_MB, 20 MB) is answered 413
    {"error": "Nội dung gửi lên quá lớn.", "status": 413}.

    Wrong: no operation of the document lists 413 (POST /cases lists 201, 400, 401, 403,
    422). Right: 413 (ErrorSchema) on the operations that take a body, with the limit.
    At fault: openapi._ERRORS / build_spec. (Low severity: a documentation gap.)
    """
    app.config["MAX_CONTENT_LENGTH"] = 2000  # the same check as 20 MB, with a small body
    response = api(world["reception"], "POST", "/cases", json=_body(content="x" * 5000))
    assert response.status_code == 413 and response.get_json()["status"] == 413
    documented = _doc(client)["paths"][f"{API}/cases"]["post"]["responses"]
    assert "413" in documented, sorted(documented)



def test_web_transfer_that_lost_a_race_says_the_case_moved(client, login, api, world,
                                                           monkeypatch):
    """The web's twin of the API race: a colleague's transfer is committed between this
    head's read of the case and the service's lock. The loser was told it may not act
    ("không được thực hiện thao tác này") and sent to a case page it can no longer open;
    it is told the case has left the agency. (The colleague's move is committed from a
    connection of its own when the service takes its lock: threads with the web test
    client share Flask-Login's user, so the race is staged.)"""
    from complaints.models import Agency, Case, Routing
    from complaints.services import workflow

    code = api(world["reception"], "POST", "/cases",
               json=_body(agency_code="SO-TNMT")).get_json()["tracking_code"]
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    case_id, so_id = case.id, case.agency_id
    xd_id = db.session.scalar(select(Agency.id).where(Agency.code == "SO-XD"))
    db.session.commit()
    hold, moved = workflow.hold, []

    def colleague_first(c):
        if not moved:
            moved.append(True)
            with db.engine.begin() as conn:
                conn.execute(Case.__table__.update().where(Case.__table__.c.id == case_id)
                             .values(agency_id=xd_id))
                conn.execute(Routing.__table__.insert().values(
                    case_id=case_id, action="transfer", from_agency_id=so_id,
                    to_agency_id=xd_id, decided_on=TODAY, created_at=NOW))
        hold(c)

    monkeypatch.setattr(workflow, "hold", colleague_first)
    login(world["head"])
    r = client.post(f"/agency/cases/{code}/transfer", follow_redirects=True, data={
        "to_agency_code": "SO-XD", "reason": "Thuộc Sở Xây dựng", "decided_on": "2026-12-01",
        "confirmed": "1"})
    body = r.get_data(as_text=True)
    assert moved and r.status_code == 200 and r.request.path == "/agency/cases"
    assert "không được thực hiện thao tác này" not in body
    assert f"Hồ sơ {code} đã được chuyển" in body


# --- Judgement calls of round 24, settled -------------------------------------------------------

def test_case_list_filters_by_kind_and_a_lower_case_code_reads_the_case(api, world):
    """?kind= was silently ignored (every kind listed); GET /cases/<lower-case code> was a
    404 while the reception sessions took lower-case codes."""
    code = api(world["reception"], "POST", "/cases", json=_body()).get_json()["tracking_code"]
    api(world["reception"], "POST", "/cases", json=_body(
        kind="complaint", subject="Khiếu nại thu hồi đất", content="Khiếu nại quyết định."))
    listed = api(world["reception"], "GET", "/cases?kind=recommendation").get_json()
    assert [c["tracking_code"] for c in listed["items"]] == [code]
    assert api(world["reception"], "GET", "/cases?kind=nonsense").status_code == 422
    read = api(world["reception"], "GET", f"/cases/{code.lower()}")
    assert read.status_code == 200 and read.get_json()["tracking_code"] == code


def test_reception_sessions_held_to_before_held_from_is_422(api, world):
    response = api(world["head"], "GET", "/reception-sessions?held_from=2026-11-20"
                                         "&held_to=2026-11-01")
    assert response.status_code == 422
    assert "held_to" in response.get_json()["errors"]
