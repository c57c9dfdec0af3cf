"""QA round 81 — fc820ae (remote area / complexity at reception sessions), D2.

The session page's raised-petition rows got the two boxes (RaisedPetitionForm.is_remote,
is_complex, passed on by web/inspection/sessions._raised), but the API's raised petition
(POST /api/v1/reception-sessions, schemas.RaisedPetitionInSchema) did not: it refuses
the two fields as unknown (422), so a session recorded through the API cannot give a
remote-area complaint its remote period, as POST /cases can.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from tests.integration.session_world import petition_body, session_body, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_a_session_recorded_through_the_api_records_the_remote_area(api, world):  # noqa: F811
    body = session_body(turns=1, people=1, petitions=[petition_body(
        "Lê Văn Một", kind="complaint", field="land", is_remote=True, is_complex=True)])
    answer = api(world["head"], "POST", "/reception-sessions", json=body)
    assert answer.status_code == 201, answer.get_json()
    db.session.expire_all()
    case = db.session.scalar(select(Case))
    assert (case.is_remote, case.is_complex) == (True, True)


def test_the_openapi_raised_petition_lists_the_facts_the_page_takes(client, world):  # noqa: F811
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    raised = next(s for name, s in schemas.items() if name.startswith("RaisedPetitionIn"))
    assert {"is_remote", "is_complex"} <= set(raised["properties"]), sorted(
        raised["properties"])
