"""QA round 70: the staff side's HTML forms posted with bad input (test client).

Each test asserts the correct behaviour and failed before its fix because of the defect
it names:

- F1: admin forms store control characters in texts shown on every page and exported
  (agency names, a user's full name, a calendar day's description, the legal source of a
  deadline policy or of a pattern threshold, a routing rule's note), where every other
  form of the app refuses them next to the field.
- F2: an inspector's finding on an agency's record that is blank once trimmed (spaces
  only) or holds a control character ends in a 500: the service's ValidationFailed is not
  caught by the view.
- F3: an inspector action whose form the case page does not offer (posted from a stale
  tab) was answered with an error summary linking to that missing form's field.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    CalendarOverride,
    DeadlinePolicy,
    PatternRule,
    RoutingRule,
    User,
)
from tests.integration.agency_world import routed, world  # noqa: F401  (fixtures)
from tests.integration.qa70_helpers import dangling_links, doc, form_values, summary_links

pytestmark = pytest.mark.usefixtures("fixed_clock")

CONTROL = "Căn cứ\x02 số 5"  # STX: never typed; breaks the XML feeds and exports


def _events() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _confirmed(client, url: str, data: dict):
    """Post the form; when it answers with its confirmation step, confirm it."""
    response = client.post(url, data=data)
    if response.status_code == 200 and "confirmed" in form_values(response):
        response = client.post(url, data={**data, "confirmed": "1"})
    return response


def _pattern_code(client) -> str:
    page = client.get("/admin/patterns/new")
    return next(v for v in doc(page).xpath('//select[@name="code"]/option/@value') if v)


ADMIN_TEXTS = {
    "routing_rule_note": (
        "/admin/routing-rules/new",
        lambda: {"agency_code": "SO-TNMT", "priority": "0", "note": CONTROL}, "note",
        lambda: db.session.scalars(select(RoutingRule.note))),
    "agency_name": (
        "/admin/agencies/new",
        lambda: {"code": "SO-MOI", "name": "Sở " + CONTROL, "level": "department",
                 "active": "y"}, "name",
        lambda: db.session.scalars(select(Agency.name))),
    "user_full_name": (
        "/admin/users/new",
        lambda: {"username": "nguoimoi", "full_name": "Lê " + CONTROL, "role": "agency_officer",
                 "agency_code": "SO-TNMT", "password": "very-long-pass-123"}, "full_name",
        lambda: db.session.scalars(select(User.full_name))),
    "calendar_description": (
        "/admin/calendar/new",
        lambda: {"day": "04/01/2027", "kind": "day_off", "description": CONTROL}, "description",
        lambda: db.session.scalars(select(CalendarOverride.description))),
    "policy_source": (
        "/admin/policies/new",
        lambda: {"stage": "handling", "kind": "complaint", "round": "0", "variant": "normal",
                 "days": "10", "unit": "working", "extension_days": "0",
                 "max_extensions": "0", "effective_from": "01/01/2027", "source": CONTROL},
        "source", lambda: db.session.scalars(select(DeadlinePolicy.source))),
    "pattern_source": (
        "/admin/patterns/new",
        None, "source", lambda: db.session.scalars(select(PatternRule.source))),
}


@pytest.mark.parametrize("which", list(ADMIN_TEXTS))
def test_admin_forms_refuse_control_characters_next_to_the_field(
        client, login, world, make_user, which):  # noqa: F811
    """F1: as the field form's name, a case's texts and every decision's reason do, the
    admin forms refuse a control character with a message next to the field; nothing is
    saved (it was stored verbatim and audited)."""
    url, body, field, stored = ADMIN_TEXTS[which]
    login(make_user("admin"))
    data = body() if body else {"code": _pattern_code(client), "value": "3",
                                "effective_from": "01/01/2027", "source": CONTROL}
    before = _events()
    response = _confirmed(client, url, data)
    kept = [text for text in stored() if text and "\x02" in text]
    assert kept == [], f"stored with a control character: {kept!r}"
    assert _events() == before
    assert response.status_code == 422, response.status_code
    assert field in summary_links(response)
    assert doc(response).xpath(f'//*[@data-testid="error-{field}"]')


@pytest.mark.parametrize("text", ["   ", "Nhận xét\x02 của thanh tra"],
                         ids=["spaces_only", "control_character"])
def test_inspector_finding_refused_with_a_message_not_a_500(client, login, world, make_user,  # noqa: F811
                                                            text):
    """F2: a finding the service refuses (blank once trimmed; a control character) is a
    422 with the message next to the textarea and the text kept — not a 500 (the view
    calls monitoring.add_finding without catching ValidationFailed)."""
    login(make_user("inspector", agency=world["province"]))
    before = _events()
    try:
        response = client.post("/inspection/agencies/SO-TNMT", data={"text": text})
    except Exception as exc:  # noqa: BLE001  (TESTING propagates what a user sees as a 500)
        pytest.fail(f"500: {type(exc).__name__}: {exc}")
    assert response.status_code == 422
    assert "text" in summary_links(response)
    assert dangling_links(response) == []
    assert form_values(response).get("text") == [text]
    assert _events() == before


def test_an_inspector_action_not_offered_is_not_a_summary_link_to_nothing(
        client, login, world, make_user, routed):  # noqa: F811  (fixtures)
    """F3: an accepted, undecided case offers no re-examination; one posted anyway is
    refused with the reason in the summary, linked to nothing, and nothing saved."""
    case = routed(accept=True)
    login(make_user("inspector", agency=world["province"]))
    page = client.get(f"/inspection/cases/{case.tracking_code}")
    assert not doc(page).xpath('//*[@id="reexamine-note"]')  # not offered here
    before = _events()
    response = client.post(f"/inspection/cases/{case.tracking_code}/act/reexamine",
                           data={"reexamine-note": "Đề nghị xem xét lại kết luận"})
    assert (response.status_code, _events()) == (422, before)
    assert dangling_links(response) == [] and summary_links(response) == []
    assert doc(response).xpath('//*[@data-testid="error-summary"]//li')
    # an offered action with a problem still links to its field
    response = client.post(f"/inspection/cases/{case.tracking_code}/act/urge",
                           data={"urge-note": ""})
    assert response.status_code == 422 and summary_links(response) == ["urge-note"]
