# ruff: noqa: F811  (the `world` fixture imported from test_escalation_world, used as argument)
"""QA round 36: scale — query counts, unbounded lists and pagination at province size.

Method: the same page (or API call) is requested at a small and a larger size of the data it
shows or holds, and the SQL statements are counted with a "before_cursor_execute" listener
on the engine. A page whose count grows with its rows issues one or more queries per row
(N+1). Where a list is paged by PAGE_SIZE (25), the tests raise PAGE_SIZE so that 5 and 30
rows fit one page. World: province UBND with inspectorate TTT, reception desk BTCD,
departments SO-A and SO-B (tests/integration/test_escalation_world.py).

DEFECTS (each test_defect_* failed on the frozen code of round 36 because of it; the counts
"before" were measured there, on SQLite; each is fixed, and "after" is the count now):
1. /reception/ (the desk's queue): one query per row (case.deadline("handling") lazy-loads
   each case's deadlines) — 13 queries at 5 rows, 38 at 30. Fixed: queries.reception_queue_query
   loads the deadlines with the page (selectinload) — after: 9 at 5 rows, 9 at 30.
2. /reception/?export=csv (the whole queue, unbounded): two queries per row (deadlines and
   petitions of each case) — 12 at 5 rows, 62 at 30. Fixed: each yield_per batch loads its
   deadlines and petitions with it — after: 4 at 5 rows, 4 at 30.
3. /agency/ (the head's home page, four lists of up to 20): one query per case shown
   (case.deadlines lazy in the deadline column) — 21 at 5 cases, 36 at 20. Fixed:
   case_view.agency_cases_query and unassigned_query load deadlines and officer with the
   rows — after: 18 at 5, 18 at 20.
4. /agency/cases (the agency's case list): one query per row (case.deadlines lazy) — 11 at
   5 rows, 36 at 30 (its exports are fine). Fixed by the same loader options — after: 7 at
   5, 7 at 30 (both orders).
5. /escalations (an inspectorate's or a supervising head's escalation page, up to 200
   rows): one query per escalation (e.case lazy-loaded in the template) — 11 at 5, 31 at 25.
   Fixed: queries.pending_escalations / acknowledged_escalations / lead_queue load each
   case with its escalations and agency — after: 11 at 5, 11 at 25.
6. /inbox of a supervising head (province leadership): one query per notice about a case
   of another agency (case_page_url → can_view → case.escalations lazy) — 17 at 5, 37 at 25.
   Fixed: the inbox loads its cases with their escalations — after: 13 at 5, 13 at 25.
7. GET /open311/v2/requests.json (public, anonymous, up to 1000 rows): two queries per
   request (case.deadlines in _due(), case.locality) — 13 at 5 rows, 63 at 30. Fixed:
   open311.find_requests loads deadlines, field, agency and locality with the list — after:
   5 at 5, 5 at 30.
8. The case page (desk, agency, inspectorate) of a case with many letters: two queries per
   letter (petition.signers, then signer.petitioner, in case_view._signatures/_people) —
   24 at 4 letters, 81 at 31; a case with 200 letters ≈ 420 queries per view. Fixed:
   case_view.load_letters (petitions → signers → petitioner, selectinload) before the page is
   built — after: desk 20 at 4, 23 at 31; agency 19 and 22; inspectorate 22 and 25 (the
   three more at 31 letters are the repeated-petition checks the larger case now meets,
   not one per letter).
9. GET /api/v1/cases/{code} of the same case: the same two per letter — 20 at 4, 75 at 31.
   Fixed: the answer loads the letters the same way — after: 15 at 4, 16 at 31.
10. The citizen's tracking page (/cong-dan/ho-so): one query per routing in its timeline
    (public._agency_by_code per event) — 13 at 3 routings, 23 at 13. Fixed: the agencies the
    timeline names are read in one query — after: 11 at 3, 11 at 13.
11. /clusters/<id> (a mass-petition cluster): three queries per case of the cluster
    (petitions, signers, petitioner: inbox.routes._signers) — 25 at 6 cases, 79 at 24.
    Fixed: the cluster's cases load their letters, signers and petitioners — after: 10 at
    6, 10 at 24.
12. Admin → personal data → a petitioner's page: one query per final case of that person
    (personal_data._ended_on, max(audit_events.created_at) per case) — 13 at 3, 35 at 25.
    Fixed: the last change of every final case is read in one grouped query — after: 11 at
    3, 11 at 25.
13. Admin → Users: one query per row whose agency is not loaded yet (u.agency lazy) —
    14 at 11 users, 49 at 46. Fixed: selectinload(User.agency) — after: 5 at 11, 5 at 46.
14. Admin → Agencies: one query per agency (agency.localities lazy-loaded to print its
    length) — 13 at 10 agencies, 48 at 45. Fixed: admin.locality_counts, one grouped query
    for the page — after: 4 at 10, 4 at 45.
15. /escalations cuts the list at 200 rows (inbox.routes._open_escalations .limit(200)),
    silently: no total, no next page; the oldest pending escalations of a province's
    leadership cannot be reached (205 pending: 200 shown, nothing says so). Fixed: the
    pending list is paginated (PAGE_SIZE) with its total and the pager; a form posted from
    page N comes back to page N; the acknowledged ones are the latest 50, the lead queue
    lists every evasion escalation without a lead agency.
16. The inspectors' overdue list searched with q orders by the search rank only (no unique
    tie-breaker, unlike the case list): equal ranks may come back in any order for each
    LIMIT/OFFSET on PostgreSQL, so rows repeat or vanish across pages and in the export
    (which reads it in OFFSET batches). Latent on SQLite (see the probe). Fixed: ORDER BY
    rank, case_deadlines.case_id, case_deadlines.id (the order SQLite gave already).

PROBES (test_probe_*) guard what held: the agency's exports, the
inspectors' lists, exports and scorecard, the API case list, the desk's search, the staff
case page over many routings and audit events, the API's refusal of bad page/per_page, the
"page past the end" messages of HTML lists, the inspectors' per_page cap, and paging
without repeats on SQLite.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import event, select

from complaints.extensions import db
from complaints.models import Escalation, Petitioner
from complaints.services import escalation, intake, workflow
from complaints.services import inspection as monitoring
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import receive_matter, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

SLACK = 3  # a constant number of extra statements is not a defect


class Counter:
    def __init__(self):
        self.n = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.n += 1
        self.statements.append(statement)


def counted(call, *args, **kwargs):
    """Run call(*args, **kwargs) and return (its result, the number of SQL statements).

    The request runs in an app context of its own, hence a session of its own, as in
    production: the test's session (whose identity map already holds the rows the test
    wrote) would answer lazy loads without SQL and hide an N+1."""
    app = current_app._get_current_object()
    spy = Counter()
    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        with app.app_context():
            result = call(*args, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    return result, spy.n


def _get_whole(client, url: str):
    response = client.get(url)
    response.get_data()  # a streamed export runs its queries while it is read
    return response


def get_count(client, url: str) -> int:
    response, n = counted(_get_whole, client, url)
    assert response.status_code == 200, (url, response.status_code)
    return n


def as_user(client, login, user):
    client.post("/logout")
    login(user)


def assert_flat(small: int, large: int, what: str, rows: tuple[int, int]):
    print(f"{what}: {small} queries at {rows[0]} rows, {large} at {rows[1]}")
    assert abs(large - small) <= SLACK, (
        f"{what}: {small} queries at {rows[0]} rows, {large} at {rows[1]} rows")


def routed_cases(world, make_case, n: int, received_on=date(2026, 10, 1),
                 routed_on=date(2026, 10, 2), subject="Tranh chấp đất đai"):
    """n complaints routed to SO-A long ago (their acceptance is overdue at TODAY)."""
    cases = []
    for _ in range(n):
        case = make_case(actor=world.reception, received_on=received_on, subject=subject)
        workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=routed_on)
        cases.append(case)
    db.session.commit()
    return cases


def letter(i: int, day: date) -> intake.PetitionData:
    return intake.PetitionData(
        channel="walk_in", received_on=day, content=f"Đơn lần {i}",
        petitioners=[intake.PetitionerData(full_name=f"Trần Văn Thư {i}",
                                           id_number=f"07990{i:07d}", phone=f"0912{i:06d}")])


# --- 1-2. the reception desk's queue ---------------------------------------------------------


def test_defect_reception_queue_queries_grow_with_rows(app, world, make_case, client, login):
    """DEFECT: the desk's queue (/reception/) issues one query per case shown.

    Wrong: reception/home.html calls case.deadline('handling') for each row; the query of
    web/reception/routes.home loads Case only, so each row lazy-loads its deadlines
    (measured: 13 queries at 5 rows, 38 at 30 rows, PAGE_SIZE raised to 100; a full page
    of 25 is 25 extra queries on the desk's busiest page).
    Right: the page's deadlines are loaded with the page (selectinload(Case.deadlines)): the
    count does not depend on the number of rows.
    """
    app.config["PAGE_SIZE"] = 100
    as_user(client, login, world.reception)
    for _ in range(5):
        make_case(actor=world.reception)
    db.session.commit()
    small = get_count(client, "/reception/")
    for _ in range(25):
        make_case(actor=world.reception)
    db.session.commit()
    large = get_count(client, "/reception/")
    assert_flat(small, large, "/reception/", (5, 30))


def test_defect_reception_queue_export_queries_grow_with_rows(app, world, make_case, client,
                                                              login):
    """DEFECT: the queue's export (/reception/?export=csv, the whole queue) issues queries
    per row.

    Wrong: _queue_rows reads case.deadline("handling") and case.petitions[0] for each case
    of each yield_per batch: two lazy loads per row, so the file of a queue of thousands
    costs thousands of queries (measured 12 at 5 rows, 62 at 30).
    Right: each batch loads its deadlines and petitions with it (selectinload, or one
    query per batch as already done for the returns).
    """
    as_user(client, login, world.reception)
    for _ in range(5):
        make_case(actor=world.reception)
    db.session.commit()
    small = get_count(client, "/reception/?export=csv")
    for _ in range(25):
        make_case(actor=world.reception)
    db.session.commit()
    large = get_count(client, "/reception/?export=csv")
    assert_flat(small, large, "/reception/?export=csv", (5, 30))


# --- 3. the agency head's home page -----------------------------------------------------------


def test_defect_agency_home_queries_grow_with_rows(app, world, make_case, client, login):
    """DEFECT: the agency's home page issues one query per case listed.

    Wrong: web/agency/routes.home reads four lists of up to 20 cases
    (case_view.agency_cases_query, unassigned_query: no loader options) and
    agency/home.html iterates case.deadlines for each row: one lazy load per case (measured
    21 queries at 5 routed cases, 36 at 20).
    Right: the lists load their deadlines (and officers) with the cases; the count is the
    same at 5 rows as at 20.
    """
    as_user(client, login, world.head_a)
    routed_cases(world, make_case, 5)
    small = get_count(client, "/agency/")
    routed_cases(world, make_case, 15)
    large = get_count(client, "/agency/")
    assert_flat(small, large, "/agency/", (5, 20))


@pytest.mark.parametrize("url", ["/agency/cases", "/agency/cases?status=all&sort=received"])
def test_defect_agency_case_list_queries_grow_with_rows(app, world, make_case, client, login,
                                                        url):
    """DEFECT: the agency's case list (/agency/cases) issues one query per case shown.

    Wrong: case_view.agency_cases_query selects Case with no loader option and
    agency/cases.html prints each case's open deadlines (case.deadlines, lazy): a page of
    25 costs 25 extra queries (measured 11 queries at 5 rows, 36 at 30 with PAGE_SIZE
    raised to 100). Its export is not affected (see the probe): the page only.
    Right: selectinload(Case.deadlines) (and the officer) on the page's query: the count is
    the same at 5 rows as at 30.
    """
    app.config["PAGE_SIZE"] = 100
    as_user(client, login, world.head_a)
    routed_cases(world, make_case, 5)
    small = get_count(client, url)
    routed_cases(world, make_case, 25)
    large = get_count(client, url)
    assert_flat(small, large, url, (5, 30))


# --- 4-5. escalations and the inbox of supervising agencies ----------------------------------


def _escalated(world, make_case, n):
    routed_cases(world, make_case, n, received_on=date(2026, 8, 3), routed_on=date(2026, 8, 4))
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()


def test_defect_escalation_page_queries_grow_with_rows(app, world, make_case, client, login):
    """DEFECT: /escalations issues one query per escalation listed.

    Wrong: inbox.routes._open_escalations selects Escalation without its case; the template
    reads e.case.tracking_code / subject / agency for each row, and case_page_url(e.case)
    → can_view reads e.case.escalations for a head: one or two lazy loads per row, on a
    list of up to 200 (measured for the inspectorate: 11 queries at 5 rows, 31 at 25).
    Right: the cases (and what can_view needs) are loaded with the escalations
    (joinedload/selectinload, as queries.open_escalations_for already does).
    """
    as_user(client, login, world.inspector)
    _escalated(world, make_case, 5)
    small = get_count(client, "/escalations")
    _escalated(world, make_case, 20)
    large = get_count(client, "/escalations")
    shown = db.session.scalar(select(db.func.count()).select_from(Escalation).where(
        Escalation.to_agency_id == world.inspectorate.id))
    assert shown >= 25  # the page lists them all (fewer than its 200)
    assert_flat(small, large, "/escalations (inspectorate)", (5, 25))


def test_defect_supervisor_inbox_queries_grow_with_notices(app, world, make_case, client,
                                                           login):
    """DEFECT: the inbox of a supervising head (province leadership) issues one query per
    notice about a case of another agency.

    Wrong: inbox.html calls case_page_url(case) for each notice; can_view(user, case) for
    an agency head whose agency does not hold the case reads case.escalations, lazily, for
    each case (inbox.routes.inbox loads the cases without them). Unread notices all come on
    the first page (up to notifications.UNREAD_CAP = 1000), so the leadership's inbox of an
    overdue province costs up to a thousand queries (measured 17 at 5 cases, 37 at 25).
    Right: the inbox loads the cases with their escalations (selectinload), as
    inbox.routes.cluster does: the count does not depend on the number of notices.
    """
    as_user(client, login, world.province_head)
    _escalated(world, make_case, 5)
    small = get_count(client, "/inbox")
    _escalated(world, make_case, 20)
    large = get_count(client, "/inbox")
    assert_flat(small, large, "/inbox (province head)", (5, 25))


# --- 6. Open311 --------------------------------------------------------------------------------


def test_defect_open311_request_list_queries_grow_with_rows(app, world, make_case, client):
    """DEFECT: GET /open311/v2/requests.json issues queries per request returned.

    Wrong: open311.find_requests loads Case rows only and request_view reads
    case.deadlines (_due) and case.locality for each: one or two lazy loads per row, on an
    anonymous endpoint answering up to MAX_RESULTS = 1000 rows (measured: 13 queries at 5
    rows, 63 at 30; on the demo data 42 for 40 cases, 226 for 400).
    Right: the list loads deadlines, localities, fields and agencies with the page
    (selectinload): a constant number of queries whatever the number of rows.
    """
    recent = {"received_on": TODAY - timedelta(days=20), "routed_on": TODAY - timedelta(days=19)}
    routed_cases(world, make_case, 5, **recent)
    small = get_count(client, "/open311/v2/requests.json")
    routed_cases(world, make_case, 25, **recent)
    large = get_count(client, "/open311/v2/requests.json")
    assert len(client.get("/open311/v2/requests.json").get_json()) == 30
    assert_flat(small, large, "Open311 requests.json", (5, 30))


# --- 7-9. one case with many letters or routings --------------------------------------------


@pytest.fixture
def many_letters(world, make_case):
    """A complaint routed to SO-A; add(k) attaches letters until it has k later letters."""
    case = make_case(actor=world.reception, received_on=date(2026, 9, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 2))
    added = [0]

    def add(k: int):
        while added[0] < k:
            i = added[0]
            intake.add_petition(case, letter(i, date(2026, 9, 3) + timedelta(days=i % 25)),
                                world.reception, NOW, TODAY)
            added[0] += 1
        db.session.commit()
        return case

    return add


@pytest.mark.parametrize(("who", "path"), [
    ("reception", "/reception/cases/{code}"),
    ("head_a", "/agency/cases/{code}"),
    ("inspector", "/inspection/cases/{code}"),
])
def test_defect_case_page_queries_grow_with_letters(app, world, many_letters, client, login,
                                                    who, path):
    """DEFECT: the case page issues two queries per letter of the case.

    Wrong: case_view._signatures walks case.petitions → petition.signers (one lazy load per
    letter) and _people reads signer.petitioner (one per petitioner): a case with 200
    letters costs about 400 queries on every view (measured 24 queries at 4 letters, 81 at
    31 on the desk's and the agency's page, 27 and 84 on the inspectorate's).
    Right: the petitions are loaded with their signers and petitioners
    (selectinload(Case.petitions).selectinload(Petition.signers)
    .selectinload(PetitionSigner.petitioner)): the count does not grow with the letters.
    """
    as_user(client, login, getattr(world, who))
    case = many_letters(3)
    url = path.format(code=case.tracking_code)
    small = get_count(client, url)
    many_letters(30)
    large = get_count(client, url)
    assert_flat(small, large, url, (4, 31))


def test_defect_api_case_queries_grow_with_letters(app, world, many_letters, api):
    """DEFECT: GET /api/v1/cases/{code} issues two queries per letter of the case.

    Wrong: the staff schema lists the petitioners through the same case_view helpers (and
    each letter's signers): petition.signers and signer.petitioner are lazy-loaded per
    letter (measured 20 queries at 4 letters, 75 at 31).
    Right: loaded with the case: a constant number of queries.
    """
    case = many_letters(3)
    path = f"/cases/{case.tracking_code}"
    api(world.head_a, "GET", path)  # the token is taken outside the count
    response, small = counted(api, world.head_a, "GET", path)
    assert response.status_code == 200
    many_letters(30)
    response, large = counted(api, world.head_a, "GET", path)
    assert response.status_code == 200 and len(response.get_json()["petitions"]) == 31
    assert_flat(small, large, "GET /api/v1/cases/{code}", (4, 31))


def _pingpong(world, case, cycles: int):
    for _ in range(cycles):
        workflow.return_case(case, "Không thuộc thẩm quyền của sở", "SO-B", world.head_a,
                             NOW, TODAY, decided_on=date(2026, 9, 3))
        workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 3))
    db.session.commit()


def test_defect_citizen_tracking_page_queries_grow_with_routings(app, world, make_case):
    """DEFECT: the citizen's tracking page issues one query per routing in its timeline.

    Wrong: public.public_timeline calls _agency_by_code(data["to"]) for every "routed" and
    "transferred" event: a SELECT by code each time (not answered from the identity map),
    so a case bounced 100 times costs 100 queries on a public page (measured 13 queries at
    3 routings, 23 at 13).
    Right: the agencies named by the timeline are read once (one query, or the cached
    agency names case_view.agency_names already offers).
    """
    case = make_case(actor=world.reception, received_on=date(2026, 9, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 2))
    _pingpong(world, case, 2)
    citizen = app.test_client()
    response = citizen.post("/cong-dan/tra-cuu",
                            data={"tracking_code": case.tracking_code, "secret": case.test_pin})
    assert response.status_code == 302
    small = get_count(citizen, "/cong-dan/ho-so")
    _pingpong(world, case, 10)
    large = get_count(citizen, "/cong-dan/ho-so")
    assert_flat(small, large, "/cong-dan/ho-so", (3, 13))


# --- 10. a mass-petition cluster --------------------------------------------------------------


def test_defect_cluster_page_queries_grow_with_cases(app, world, make_locality, client, login):
    """DEFECT: /clusters/<id> issues three queries per case of the cluster.

    Wrong: inbox.routes.cluster loads the cases with their escalations only; _signers(c)
    then reads c.petitions, each petition's signers and each signer's petitioner lazily
    (measured 25 queries at 6 cases, 79 at 24). A mass petition is exactly the matter
    with many cases.
    Right: petitions, signers and petitioners are loaded with the cases: the count is flat.
    """
    loc = make_locality("31002")
    cases = []

    def grow(k):
        while len(cases) < k:
            i = len(cases)
            cases.append(receive_matter(world, loc, "Tranh chấp ranh giới đất thôn Bắc",
                                        [f"Lê Văn Đông {i}"], date(2026, 11, 2 + i % 10)))
        db.session.commit()

    grow(6)
    cluster_id = cases[0].cluster_id
    assert cluster_id is not None
    as_user(client, login, world.inspector)
    small = get_count(client, f"/clusters/{cluster_id}")
    grow(24)
    assert all(c.cluster_id == cluster_id for c in cases)
    large = get_count(client, f"/clusters/{cluster_id}")
    assert_flat(small, large, "/clusters/<id>", (6, 24))


# --- 11-13. administrators' pages -------------------------------------------------------------


def _same_person_case(world, make_locality, i: int):
    """A recommendation by the same petitioner, filed away at the desk (a final case)."""
    person = intake.PetitionerData(full_name="Lê Thị Hoa", id_number="079912345678",
                                   phone="0912345678")
    data = intake.CaseData(
        kind="recommendation", field_code="land", subject=f"Kiến nghị số {i}",
        content="Nội dung", locality_code=make_locality("31001").code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 10, 1),
                                     petitioners=[person]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    workflow.file_away(case, "not_eligible", world.reception, NOW, TODAY,
                       decided_on=date(2026, 10, 2))


def test_defect_personal_data_page_queries_grow_with_cases(app, world, make_user, make_locality,
                                                          client, login):
    """DEFECT: an administrator's page of one petitioner issues one query per final case.

    Wrong: personal_data.eligibility calls _ended_on(case) for every final case of the
    person, each a SELECT max(audit_events.created_at) … WHERE case_id = ?: a petitioner
    with dozens of cases costs dozens of queries (measured 13 at 3 cases, 35 at 25).
    Right: the last event of every case is read in one grouped query.
    """
    admin = make_user("admin", username="quantri")
    as_user(client, login, admin)
    for i in range(3):
        _same_person_case(world, make_locality, i)
    db.session.commit()
    pid = db.session.scalar(select(Petitioner.id).where(Petitioner.id_number == "079912345678"))
    ground = {"ground": "Theo yêu cầu của chính người đứng đơn"}
    response, small = counted(client.post, f"/admin/personal-data/{pid}", data=ground)
    assert response.status_code == 200
    for i in range(3, 25):
        _same_person_case(world, make_locality, i)
    db.session.commit()
    response, large = counted(client.post, f"/admin/personal-data/{pid}", data=ground)
    assert response.status_code == 200
    assert_flat(small, large, "/admin/personal-data/<id>", (3, 25))


def test_defect_admin_users_queries_grow_with_rows(app, world, make_user, make_agency, client,
                                                   login):
    """DEFECT: Admin → Users issues one query per row whose agency is not loaded yet.

    Wrong: web/admin/routes.users paginates select(User) without its agency; users.html
    prints u.agency for each row: each commune head's agency is a lazy load (the demo
    province: 28 queries for a page of 25 users; here 14 at 11 users, 49 at 46, each
    head with an agency of their own, PAGE_SIZE raised).
    Right: selectinload(User.agency): the count does not depend on the rows.
    """
    app.config["PAGE_SIZE"] = 100
    admin = make_user("admin", username="quantri")
    for i in range(5):
        make_user("agency_head", make_agency(f"XA-{i}", parent=world.province), f"ct{i}")
    db.session.commit()
    as_user(client, login, admin)
    small = get_count(client, "/admin/users")
    for i in range(5, 40):
        make_user("agency_head", make_agency(f"XA-{i}", parent=world.province), f"ct{i}")
    db.session.commit()
    large = get_count(client, "/admin/users")
    assert_flat(small, large, "/admin/users", (11, 46))


def test_defect_admin_agencies_queries_grow_with_rows(app, world, make_user, make_agency,
                                                      client, login):
    """DEFECT: Admin → Agencies issues one query per agency shown.

    Wrong: agencies.html prints `agency.localities | length` for each row: the whole
    collection of each agency's localities is lazy-loaded to be counted (measured 13
    queries at 10 agencies, 48 at 45 with PAGE_SIZE raised; a province has hundreds of
    agencies, 25 a page).
    Right: the counts are read in one grouped query (or the collection selectin-loaded).
    """
    app.config["PAGE_SIZE"] = 100
    admin = make_user("admin", username="quantri")
    for i in range(5):
        make_agency(f"XB-{i}", parent=world.province)
    db.session.commit()
    as_user(client, login, admin)
    small = get_count(client, "/admin/agencies")
    for i in range(5, 40):
        make_agency(f"XB-{i}", parent=world.province)
    db.session.commit()
    large = get_count(client, "/admin/agencies")
    assert_flat(small, large, "/admin/agencies", (10, 45))


# --- 14. a list cut at 200, silently -----------------------------------------------------------


def test_defect_escalation_page_hides_pending_beyond_200(app, world, make_case, client, login):
    """DEFECT: /escalations shows at most 200 escalations, without saying there are more.

    Wrong: inbox.routes._open_escalations reads .limit(200) ordered by level and newest
    first, with no total and no next page: the province's leadership with 205 pending
    escalations sees 200 and nothing tells them five more (the oldest) wait; they cannot
    be reached until others are acknowledged (ux.md: pagination with a total).
    Right: the pending list is paginated with its total (or at least says "200 of 205"
    and links to the rest).
    """
    cases = routed_cases(world, make_case, 41)
    for case in cases:
        for k in range(5):
            db.session.add(Escalation(case_id=case.id, stage="acceptance",
                                      started_on=date(2026, 10, 2) + timedelta(days=k),
                                      level=2, reason="overdue",
                                      to_agency_id=world.province.id, agency_id=world.a.id,
                                      as_of=date(2026, 11, 2) + timedelta(days=k)))
    db.session.commit()
    as_user(client, login, world.province_head)
    html = client.get("/escalations").get_data(as_text=True)
    cards = html.count('data-testid="escalation-')
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert cards == 205 or "205" in text or "page=2" in html, (
        f"{cards} escalation cards of 205 pending, no total and no next page")


# --- 15. the overdue list searched with q: no tie-breaker --------------------------------------


def test_defect_overdue_search_order_has_no_unique_tie_breaker(app, world):
    """DEFECT: the inspectors' overdue list searched with q is ordered by rank alone.

    Wrong: inspection.overdue_query does `order = (rank,) if rank is not None else SORTS…`:
    ORDER BY the bm25/ts_rank value only. Cases with the same words have the same rank, and
    PostgreSQL (a supported database) returns ties in any order for each LIMIT/OFFSET, so
    a row may show on two pages and another on none; the CSV/Excel export reads the same
    query in OFFSET batches of 1000 (inspection.iter_rows) and may repeat or drop rows.
    SQLite happens to return ties in insertion order, which hides it there (probe below).
    Right: a unique tie-breaker after the rank, as cases_query has (rank, Case.id desc):
    e.g. rank, CaseDeadline.case_id, CaseDeadline.id.
    """
    found = monitoring.overdue_query(world.inspector, monitoring.CaseFilter(q="đất đai"), TODAY)
    order = str(found.compile()).rsplit("ORDER BY", 1)[1]
    assert "case_deadlines.id" in order or "cases.id" in order, f"ORDER BY{order}"


# --- probes: what held -------------------------------------------------------------------------


def test_probe_agency_case_list_exports_are_flat(app, world, make_case, client, login):
    """The agency's CSV/Excel exports (capped at EXPORT_MAX) read a constant number of
    queries whatever the number of rows."""
    as_user(client, login, world.head_a)
    urls = ("/agency/cases?export=csv", "/agency/cases?export=xlsx")
    routed_cases(world, make_case, 5)
    small = [get_count(client, u) for u in urls]
    routed_cases(world, make_case, 25)
    large = [get_count(client, u) for u in urls]
    assert client.get(urls[0]).get_data(as_text=True).count("2026-") >= 30
    for url, s, g in zip(urls, small, large, strict=True):
        assert_flat(s, g, url, (5, 30))


def test_probe_inspection_lists_exports_and_scorecard_are_flat(app, world, make_case, client,
                                                               login):
    """The inspectors' console: home, overdue, cases, escalations, clusters, scorecard,
    an agency's page and the exports read a constant number of queries."""
    as_user(client, login, world.inspector)
    urls = ("/inspection/", "/inspection/overdue?per_page=100", "/inspection/cases?per_page=100",
            "/inspection/escalations?per_page=100", "/inspection/clusters",
            "/inspection/scorecard", "/inspection/agencies/SO-A",
            "/inspection/overdue?export=csv", "/inspection/cases?export=xlsx",
            "/inspection/escalations?export=csv")
    _escalated(world, make_case, 5)
    small = [get_count(client, u) for u in urls]
    _escalated(world, make_case, 20)
    large = [get_count(client, u) for u in urls]
    for url, s, g in zip(urls, small, large, strict=True):
        assert_flat(s, g, url, (5, 25))


def test_probe_api_case_list_and_desk_search_are_flat(app, world, make_case, client, login, api):
    """GET /api/v1/cases (selectinload of deadlines, agency, field, locality, officer) and
    the desk's search (a page of ids, then its cases) do not grow with the rows."""
    routed_cases(world, make_case, 5)
    api(world.inspector, "GET", "/cases?per_page=100")
    response, small = counted(api, world.inspector, "GET", "/cases?per_page=100")
    as_user(client, login, world.reception)
    desk_small = get_count(client, "/reception/search?q=dat")
    routed_cases(world, make_case, 25)
    response, large = counted(api, world.inspector, "GET", "/cases?per_page=100")
    assert len(response.get_json()["items"]) == 30
    assert_flat(small, large, "GET /api/v1/cases", (5, 30))
    assert_flat(desk_small, get_count(client, "/reception/search?q=dat"), "desk search", (5, 25))


def test_probe_staff_case_page_is_flat_over_routings_and_events(app, world, make_case, client,
                                                                login):
    """A case bounced between agencies (routings, returns, their audit events and the
    evasion escalations) costs the same number of queries on the staff case page."""
    case = make_case(actor=world.reception, received_on=date(2026, 9, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 2))
    _pingpong(world, case, 2)
    as_user(client, login, world.inspector)
    url = f"/inspection/cases/{case.tracking_code}"
    small = get_count(client, url)
    _pingpong(world, case, 10)
    assert_flat(small, get_count(client, url), url, (5, 25))


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "per_page=0",
                                   "per_page=1000", "page=99999999999999999999"])
def test_probe_api_refuses_bad_paging(app, world, api, query):
    """The API refuses a page or per_page out of range or not a number, with the field
    named (422), and caps per_page at 100."""
    response = api(world.inspector, "GET", f"/cases?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) & {"page", "per_page"}


def test_probe_api_page_past_the_end_is_empty_with_total(app, world, make_case, api):
    routed_cases(world, make_case, 3)
    body = api(world.inspector, "GET", "/cases?page=999").get_json()
    assert body["items"] == [] and body["total"] == 3 and body["pages"] == 1


def test_probe_html_lists_past_the_end_say_so(app, world, make_case, make_user, client, login):
    """A page number past the end of a non-empty list answers 200 and says the page is
    empty, with the list's size; a negative or non-numeric page shows page 1."""
    admin = make_user("admin", username="quantri")
    routed_cases(world, make_case, 3)
    make_case(actor=world.reception)
    db.session.commit()
    checks = {
        world.reception: ["/reception/?page=999", "/reception/search?q=dat&page=999"],
        world.head_a: ["/agency/cases?page=999"],
        world.inspector: ["/inspection/overdue?page=999", "/inspection/cases?page=999"],
        admin: ["/admin/users?page=999", "/admin/agencies?page=999",
                "/admin/personal-data?q=nguyen&page=999"],
    }
    for user, urls in checks.items():
        as_user(client, login, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            assert re.search(r'data-testid="(past-end|page-out-of-range)"', html), url
    as_user(client, login, world.head_a)
    for page in ("-1", "abc"):
        html = client.get(f"/agency/cases?page={page}").get_data(as_text=True)
        assert html.count("<code>2026-") == 3


def test_probe_inspection_per_page_is_capped(app):
    assert monitoring.parse_filter({"per_page": "100000"}).per_page == monitoring.PER_PAGE_MAX
    assert monitoring.parse_filter({"page": "abc"}).page == 1


def test_probe_overdue_search_pages_do_not_repeat_on_sqlite(app, world, make_case, client,
                                                            login):
    """On SQLite the overdue list searched with q, paged 10 at a time, shows each of 40
    equally ranked cases once (ties come back in insertion order there)."""
    cases = routed_cases(world, make_case, 40, received_on=date(2026, 9, 1),
                         routed_on=date(2026, 9, 25))
    as_user(client, login, world.inspector)
    seen = []
    for page in range(1, 5):
        html = client.get(f"/inspection/overdue?q=dat&per_page=10&page={page}").get_data(
            as_text=True)
        seen += re.findall(r"<code>(2026-[A-Z0-9]{8})</code>", html)
    assert sorted(seen) == sorted(c.tracking_code for c in cases)
