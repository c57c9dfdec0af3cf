"""The full authorization matrix: every route × every role × own/other agency.

`MATRIX` has one row per endpoint of the app (except Flask's own `static`). A new route
without a row fails `test_every_route_has_a_row`. Each cell says what a role gets:

- "allow":  the request reaches the view (no 401/403/404, no redirect to sign-in, no 5xx);
            an empty POST may well be refused as invalid (400/422) — that is still "allowed".
- "forbid": 403 or 404 (another agency's case "does not exist" for the user).
- "login":  the anonymous visitor is sent to /login (pages) or gets 401 (the JSON API).
- "public": anyone, signed in or not, gets an answer that is neither a refusal nor a 5xx.
- "apikey": refused (403) to every role: the route wants an Open311 API key, not a session.

A cell is one outcome, or a pair (own, other) for routes that take a case, an escalation,
an agency or an attachment: "own" is the user whose desk/agency holds the object, "other"
a user of the same role at another desk/agency. Inspectors and admins have no "other".
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    Attachment,
    CalendarOverride,
    Case,
    Cluster,
    Escalation,
    Notification,
    Petitioner,
    ReceptionSession,
    ReportJob,
    RoutingRule,
)
from complaints.services import attachments, tokens, workflow
from complaints.services.notifications import IN_APP
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

ROLES = ("anonymous", "reception", "agency_head", "agency_officer", "inspector", "admin")
A, F, L, P = "allow", "forbid", "login", "public"
OWN_ONLY = (A, F)


def row(anonymous=L, reception=F, agency_head=F, agency_officer=F, inspector=F, admin=F):
    return {"anonymous": anonymous, "reception": reception, "agency_head": agency_head,
            "agency_officer": agency_officer, "inspector": inspector, "admin": admin}


def everyone(outcome):
    return {role: outcome for role in ROLES}


ADMIN_ONLY = row(admin=A)
SIGNED_IN = row(reception=A, agency_head=A, agency_officer=A, inspector=A, admin=A)
AGENCY_STAFF = row(agency_head=A, agency_officer=A)
MONITORS = row(agency_head=A, inspector=A, admin=A)  # inspection.MONITOR_ROLES
RECEPTION_ONLY = row(reception=A)

MATRIX: dict[str, dict] = {
    # --- admin (roles_required("admin")) ---
    "admin.home": ADMIN_ONLY,
    "admin.agencies": ADMIN_ONLY,
    "admin.agency_new": ADMIN_ONLY,
    "admin.agency_edit": ADMIN_ONLY,
    "admin.users": ADMIN_ONLY,
    "admin.user_new": ADMIN_ONLY,
    "admin.user_deactivate": ADMIN_ONLY,
    "admin.user_reset_2fa": ADMIN_ONLY,
    "admin.user_edit": ADMIN_ONLY,
    "admin.user_activate": ADMIN_ONLY,
    "admin.user_password": ADMIN_ONLY,
    "admin.fields": ADMIN_ONLY,
    "admin.field_new": ADMIN_ONLY,
    "admin.field_edit": ADMIN_ONLY,
    "admin.field_deactivate": ADMIN_ONLY,
    "admin.field_activate": ADMIN_ONLY,
    "admin.routing_rules": ADMIN_ONLY,
    "admin.routing_rule_new": ADMIN_ONLY,
    "admin.routing_rule_delete": ADMIN_ONLY,
    "admin.policies": ADMIN_ONLY,
    "admin.policy_new": ADMIN_ONLY,
    "admin.patterns": ADMIN_ONLY,
    "admin.pattern_new": ADMIN_ONLY,
    "admin.ladder_rungs": ADMIN_ONLY,
    "admin.rung_new": ADMIN_ONLY,
    "admin.calendar": ADMIN_ONLY,
    "admin.calendar_new": ADMIN_ONLY,
    "admin.calendar_delete": ADMIN_ONLY,
    "admin.personal_data_search": ADMIN_ONLY,
    "admin.personal_data_detail": ADMIN_ONLY,
    "admin.personal_data_export": ADMIN_ONLY,
    "admin.personal_data_anonymise": ADMIN_ONLY,
    # --- agency pages: head and officer of the holding agency ---
    "agency.home": AGENCY_STAFF,
    "agency.cases": AGENCY_STAFF,
    "agency.case_page": row(agency_head=OWN_ONLY, agency_officer=OWN_ONLY),
    # The case is a denunciation: an officer not assigned to it may not see the denouncer.
    "agency.reveal_identity": row(agency_head=OWN_ONLY),
    "agency.act": row(agency_head=OWN_ONLY),  # action "accept": the head's
    # The head of the holding agency, or its assigned officer (none in this world).
    "agency.add_note": row(agency_head=OWN_ONLY),
    "agency.add_document": row(agency_head=OWN_ONLY),  # permissions.can_add_document
    # --- the JSON API (bearer token; no token is 401) ---
    "api.create_token": everyone(P),
    "api.revoke_token": SIGNED_IN,
    "api.list_agencies": SIGNED_IN,
    "api.list_fields": SIGNED_IN,
    "api.list_localities": SIGNED_IN,
    "api.list_cases": SIGNED_IN,  # scoped by queries.cases_visible_to
    "api.openapi_document": everyone(P),
    # intake.receive_case lets reception (and admins) log petitions.
    "api.create_case": RECEPTION_ONLY,  # an admin's case would sit in no desk's queue
    "api.get_case": row(reception=OWN_ONLY, agency_head=OWN_ONLY, agency_officer=OWN_ONLY,
                        inspector=A, admin=A),
    "api.add_petition": row(reception=OWN_ONLY),
    "api.correct_history": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "api.split_case": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "api.correct_person": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "api.correct_particulars": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "api.urge_holder": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "api.act": row(agency_head=OWN_ONLY),  # action "accept"
    # The head of the holding agency, or its assigned officer (none in this world).
    "api.add_note": row(agency_head=OWN_ONLY),
    # permissions.can_add_document: the receiving desk, the holder's head (or its officer).
    "api.add_attachment": row(reception=OWN_ONLY, agency_head=OWN_ONLY),
    "api.download_attachment": row(reception=OWN_ONLY, agency_head=OWN_ONLY, inspector=A),
    # Addressed to the own agency (as the pages' inbox.acknowledge / inbox.designate_lead).
    "api.list_escalations": row(agency_head=A, inspector=A),
    "api.acknowledge_escalation": row(agency_head=OWN_ONLY),
    "api.designate_lead": row(agency_head=OWN_ONLY),
    "api.list_reception_sessions": SIGNED_IN,  # scoped by reception_sessions.visible_sessions
    # reception_sessions.can_record: staff with an agency record their own agency's sessions.
    "api.create_reception_session": row(reception=A, agency_head=A, agency_officer=A),
    "api.get_reception_session": row(agency_head=OWN_ONLY, agency_officer=OWN_ONLY,
                                     inspector=A, admin=A),
    # --- sign-in ---
    "auth.login": everyone(P),
    "auth.logout": SIGNED_IN,
    "auth.logout_everywhere": SIGNED_IN,
    "auth.login_code": SIGNED_IN,  # no pending sign-in: back to /login; signed in: home
    "auth.change_password": SIGNED_IN,
    "auth.two_factor": SIGNED_IN,
    "bootstrap.static": everyone(P),
    "health.health": everyone(P),
    "index": SIGNED_IN,  # sends each role to its home; the anonymous to /login
    "set_language": everyone(P),
    # --- inbox and escalations ---
    "inbox.inbox": SIGNED_IN,
    "inbox.mark_read": SIGNED_IN,  # only ever touches the user's own notifications
    "inbox.escalations": row(agency_head=A, inspector=A),
    # An escalation addressed to the own agency; its officer sees it but may not act (403).
    "inbox.acknowledge": row(agency_head=OWN_ONLY),
    "inbox.designate_lead": row(agency_head=OWN_ONLY),
    "inbox.cluster": row(agency_head=OWN_ONLY, inspector=A, admin=A),
    # --- inspection / monitoring ---
    "inspection.home": MONITORS,
    "inspection.overdue": MONITORS,
    "inspection.cases": MONITORS,
    "inspection.escalations": MONITORS,
    "inspection.clusters": MONITORS,
    "inspection.scorecard": MONITORS,
    "inspection.reports": MONITORS,  # a head's report covers their own agency only
    "inspection.case_page": row(agency_head=OWN_ONLY, inspector=A, admin=A),
    # A denunciation: its denouncer is shown (and recorded) to those permissions allow;
    # an admin opens the case page but never sees them (403).
    "inspection.reveal_identity": row(agency_head=OWN_ONLY, inspector=A),
    "inspection.act": row(inspector=A),
    "inspection.agency_page": row(agency_head=OWN_ONLY, inspector=A, admin=A),
    # Scoped to the user's agency (reception_sessions.compliance / visible_sessions,
    # unscheduled_reception.prompts): a desk lists the sessions it recorded.
    "inspection.reception": row(reception=A, agency_head=A, agency_officer=A, inspector=A,
                                admin=A),
    "inspection.new_reception_session": row(reception=A, agency_head=A, agency_officer=A),
    "inspection.reception_session": row(agency_head=OWN_ONLY, agency_officer=OWN_ONLY,
                                        inspector=A, admin=A),  # a session of agency H
    "inspection.mark_heated": row(reception=OWN_ONLY, agency_head=OWN_ONLY),
    "inspection.score_weights": ADMIN_ONLY,
    "inspection.request_report": MONITORS,  # a head's request covers their own agency
    "inspection.my_reports": MONITORS,  # one's own jobs only
    # A report job the own agency's head asked for (done, its file kept): its requester
    # and inspectors; not an admin (the file may show identities an admin may not see).
    "inspection.report_status": row(agency_head=OWN_ONLY, inspector=A),
    "inspection.report_download": row(agency_head=OWN_ONLY, inspector=A),
    # --- Open311 (public read; creating needs an API key) ---
    "open311.services": everyone(P),
    "open311.list_requests": everyone(P),
    "open311.one_request": everyone(P),
    "open311.create_request": everyone("apikey"),
    # --- the citizens' pages ---
    "public.home": everyone(P),
    "public.submit": everyone(P),
    "public.submitted": everyone(P),
    "public.lookup": everyone(P),
    "public.case": everyone(P),
    "public.rate": everyone(P),
    "public.second_complaint": everyone(P),
    "public.leave": everyone(P),
    # --- reception desk ---
    "reception.home": RECEPTION_ONLY,
    "reception.search": RECEPTION_ONLY,
    "reception.localities": RECEPTION_ONLY,
    "reception.new_case": RECEPTION_ONLY,
    "reception.case_page": row(reception=OWN_ONLY),
    "reception.receipt": row(reception=OWN_ONLY),
    "reception.case_action": row(reception=OWN_ONLY),  # action "guide"
    "reception.withdraw": row(reception=OWN_ONLY),
    "reception.extend_handling": row(reception=OWN_ONLY),  # workflow.extend_handling
    "reception.record_reply": row(reception=OWN_ONLY),
    "reception.correct_history": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "reception.split": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "reception.correct_person": row(reception=OWN_ONLY),  # permissions.can_add_petition
    "reception.correct_particulars": row(reception=OWN_ONLY),  # the same right
    "reception.correct_eligibility": row(reception=OWN_ONLY),  # the same right
    "reception.urge_holder": row(reception=OWN_ONLY),  # the same right
    "reception.reissue_pin": row(reception=OWN_ONLY),  # the same right
    "reception.add_document": row(reception=OWN_ONLY),  # the same right
    # The world's case is a denunciation: each of its files may name the denouncer, so only
    # those who may know them download it (an officer not assigned, an admin may not).
    "reception.download": row(reception=OWN_ONLY, agency_head=OWN_ONLY, inspector=A),
}

# Per-endpoint URL values where the generic ones (see `world`) do not fit.
ACTION_OF = {"agency.act": "accept", "api.act": "accept", "inspection.act": "urge",
             "reception.case_action": "guide"}
# Routes whose allowed answer is itself a redirect to the sign-in page.
ALLOWED_TO_LOGIN = {"auth.logout", "auth.logout_everywhere"}


def _app_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def test_every_route_has_a_row(app):
    assert _app_endpoints(app) == set(MATRIX), (
        "routes without a row: " + ", ".join(sorted(_app_endpoints(app) - set(MATRIX)))
        + "; rows without a route: " + ", ".join(sorted(set(MATRIX) - _app_endpoints(app))))


def test_every_row_names_every_role():
    for endpoint, cells in MATRIX.items():
        assert set(cells) == set(ROLES), endpoint
        for cell in cells.values():
            for outcome in (cell if isinstance(cell, tuple) else (cell,)):
                assert outcome in (A, F, L, P, "apikey"), endpoint


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def world(app, tmp_path, make_agency, make_user, make_case, make_locality):
    """Desk A logs a denunciation routed to agency H; desk B and agency O are strangers."""
    province = make_agency(code="UBND-X", level="province")
    desk_a = make_agency(code="DESK-A", parent=province)
    desk_b = make_agency(code="DESK-B", parent=province)
    own = make_agency(code="AG-H", parent=province)
    other = make_agency(code="AG-O", parent=province)
    users = {
        ("reception", "own"): make_user("reception", agency=desk_a),
        ("reception", "other"): make_user("reception", agency=desk_b),
        ("agency_head", "own"): make_user("agency_head", agency=own),
        ("agency_head", "other"): make_user("agency_head", agency=other),
        ("agency_officer", "own"): make_user("agency_officer", agency=own),
        ("agency_officer", "other"): make_user("agency_officer", agency=other),
        ("inspector", "own"): make_user("inspector"),
        ("admin", "own"): make_user("admin"),
    }
    case = make_case(actor=users[("reception", "own")], kind="denunciation",
                     received_on=TODAY)
    workflow.route(case, "AG-H", users[("reception", "own")], NOW, TODAY)
    cluster = Cluster(subject_folded="tranh chap dat dai")
    db.session.add(cluster)
    db.session.flush()
    case.cluster_id = cluster.id
    escalation = Escalation(case_id=case.id, stage="acceptance", level=1, reason="evaded",
                            to_agency_id=own.id, as_of=TODAY)
    db.session.add(escalation)
    db.session.flush()
    sha = attachments.write_blob(b"%PDF-1.4 matrix test\n")
    attachment = Attachment(case_id=case.id, sha256=sha, filename="bien-ban.pdf",
                            content_type="application/pdf", size=21, purpose="evidence",
                            reveals_identity=False)
    # A notification of someone else: marking it read must not touch it.
    notification = Notification(dedupe_key="matrix-1", channel=IN_APP,
                                user_id=users[("agency_head", "other")].id, case_id=case.id,
                                subject="Thông báo", body="Nội dung")
    override = CalendarOverride(day=date(2026, 12, 26), kind="working_day",
                                description="Làm bù")
    rule = RoutingRule(agency_id=own.id, kind="complaint", priority=1)
    reception_session = ReceptionSession(agency_id=own.id, kind="regular", held_on=TODAY)
    db.session.add(reception_session)
    db.session.add_all([attachment, notification, override, rule])
    db.session.flush()
    petitioner = db.session.scalars(select(Petitioner).order_by(Petitioner.id)).first()
    locality = make_locality(code="11311", name="Phường Lê Chân")
    app.config["REPORT_DIR"] = str(tmp_path / "reports")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report-1-00000000000000aa.xlsx").write_bytes(b"PK\x03\x04")
    job = ReportJob(requested_by_id=users[("agency_head", "own")].id, kind="workbook",
                    root_agency_id=own.id, period_kind="quarter", period_start=date(2026, 9, 15),
                    period_end=date(2026, 12, 14), status="done", progress=100,
                    filename="report-1-00000000000000aa.xlsx")
    db.session.add(job)
    db.session.commit()
    values = {
        "agency_id": own.id, "override_id": override.id, "petitioner_id": petitioner.id,
        "rule_id": rule.id, "user_id": users[("reception", "other")].id,
        "code": case.tracking_code, "tracking_code": case.tracking_code,
        "request_id": case.tracking_code, "escalation_id": escalation.id,
        "notification_id": notification.id, "cluster_id": cluster.id,
        "attachment_id": attachment.id, "fmt": "json", "session_id": reception_session.id,
        "filename": "css/bootstrap.min.css", "job_id": job.id,
        "petition_id": case.petitions[0].id, "field_id": case.field_id,
    }
    return {"users": users, "case": case, "values": values, "own": own,
            "locality": locality, "notification": notification}


def _values(endpoint: str, rule, world) -> dict:
    values = {arg: world["values"][arg] for arg in rule.arguments if arg in world["values"]}
    if "action" in rule.arguments:
        values["action"] = ACTION_OF[endpoint]
    if endpoint == "inspection.agency_page":
        values["code"] = world["own"].code
    if endpoint == "set_language":
        values["code"] = "en"
    if endpoint == "bootstrap.static":
        values["filename"] = "css/bootstrap.min.css"
    return values


def _body(endpoint: str, world) -> dict | None:
    """JSON sent to API POSTs: enough for the request to reach its permission check."""
    if endpoint == "api.create_case":
        return {"kind": "recommendation", "field": "land", "subject": "Ô nhiễm",
                "content": "Đề nghị xử lý ô nhiễm.", "channel": "walk_in",
                "received_on": "2026-11-20", "locality_code": world["locality"].code,
                "petitioners": [{"full_name": "Trần Thị A", "id_number": "031200000001",
                                 "phone": "0912000001"}]}
    return None


def _subjects():
    """(role, own/other) pairs a row is checked for."""
    yield "anonymous", "own"
    for role in ROLES[1:]:
        yield role, "own"
        if role in ("reception", "agency_head", "agency_officer"):
            yield role, "other"


def _expected(cell, side: str) -> str:
    if isinstance(cell, tuple):
        return cell[0] if side == "own" else cell[1]
    return cell


def _is_login(response, endpoint: str) -> bool:
    if endpoint.startswith("api."):
        return response.status_code == 401
    return response.status_code in (301, 302, 303) and \
        "/login" in response.headers.get("Location", "")


def _check(endpoint, expected, response, who) -> None:
    status = response.status_code
    what = f"{endpoint} as {who}: {status} {response.headers.get('Location', '')}"
    assert status < 500, what
    if expected == L:
        assert _is_login(response, endpoint), what
    elif expected == F:
        assert status in (403, 404), what
    elif expected == "apikey":
        assert status == 403, what
    else:  # allow / public
        assert status not in (401, 403, 404), what
        if endpoint not in ALLOWED_TO_LOGIN:
            assert not _is_login(response, endpoint), what


def _order(endpoint: str) -> tuple:
    # Signing out ends the browser's session, revoking the token the API's: check them last.
    return (endpoint in ALLOWED_TO_LOGIN or endpoint == "api.revoke_token", endpoint)


SUBJECTS = list(_subjects())


@pytest.mark.parametrize(("role", "side"), SUBJECTS, ids=[f"{r}-{s}" for r, s in SUBJECTS])
def test_route_matrix(app, client, world, role, side):
    """Every route for one (role, own/other) user; all mismatches reported at once."""
    user = None if role == "anonymous" else world["users"][(role, side)]
    browser = app.test_client()
    headers = {}
    if user is not None:
        raw, _row = tokens.issue_token(user, NOW)
        db.session.commit()
        headers = {"Authorization": f"Bearer {raw}"}
        signed_in = browser.post("/login", data={"username": user.username,
                                                 "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.status_code
    mismatches = []
    checked = 0
    for endpoint in sorted(MATRIX, key=_order):
        expected = _expected(MATRIX[endpoint][role], side)
        rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
        assert rules, f"{endpoint} is in the table but not in the app"
        for rule in rules:
            method = "GET" if "GET" in rule.methods else sorted(
                rule.methods - {"HEAD", "OPTIONS"})[0]
            _domain, path = rule.build(_values(endpoint, rule, world))
            body = _body(endpoint, world)
            extra = {"json": body} if body is not None else {}
            response = browser.open(path, method=method,
                                    headers=headers if endpoint.startswith("api.") else {},
                                    **extra)
            db.session.rollback()
            db.session.expire_all()
            checked += 1
            try:
                _check(endpoint, expected, response, f"{role}/{side} {method} {path}")
            except AssertionError as exc:
                mismatches.append(f"expected {expected}: {exc}")
            finally:
                response.close()  # a download holds its file open until closed
    assert checked >= len(MATRIX)
    assert not mismatches, "\n".join(mismatches)


def test_mark_read_never_touches_another_users_notification(client, login, world):
    login(world["users"][("agency_head", "own")])
    response = client.post(f"/inbox/{world['notification'].id}/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, world["notification"].id).read_at is None


def test_other_agency_case_is_invisible_everywhere(client, login, world):
    """The heart of the matrix, spelled out: agency O's head cannot find H's case."""
    code = world["case"].tracking_code
    login(world["users"][("agency_head", "other")])
    for path in (f"/agency/cases/{code}", f"/inspection/cases/{code}",
                 f"/agency/cases/{code}/accept"):
        assert client.get(path).status_code == 404, path
    listing = client.get("/agency/cases?status=all").get_data(as_text=True)
    assert code not in listing
    assert db.session.get(Case, world["case"].id).agency_id == world["own"].id
