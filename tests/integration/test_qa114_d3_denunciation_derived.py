"""QA 114 D3: where no box says whether a letter is eligible (a reception session, the API
without `eligible`), a denunciation is held to its own rule, each denouncer named with an
address (Law on Denunciations Art. 23), whether no denouncer or only some give one: the
letter is refused with that rule's message, not logged for one and refused for the other.
The API logs it as not eligible when told so (`eligible: false`)."""
import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Petition
from tests.factories import PASSWORD
from tests.integration.session_world import *  # noqa: F403  (fixture: world)
from tests.integration.session_world import petition_form, session_form

pytestmark = pytest.mark.usefixtures("fixed_clock")

SUBJECT = "Tố cáo cán bộ địa chính nhận tiền"
RULE = "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo"


def _letters():
    return list(db.session.scalars(select(Petition.eligible).order_by(Petition.id)))


@pytest.mark.parametrize("extra", [{"address": ""},
                                   {"members": "Phạm Thị Hai, 0912000077"}],
                         ids=["no-address", "one-of-two"])
def test_a_session_denunciation_without_every_denouncers_address_is_refused_alike(
        client, login, world, extra):
    login(world["head"])
    form = session_form(**petition_form(0, "11311", SUBJECT, "Lê Văn Một",
                                        kind="denunciation", **extra))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 422
    assert RULE in response.get_data(as_text=True)
    assert _letters() == []


def _api(client, world) -> dict:
    token = client.post("/api/v1/tokens", json={"username": world["reception"].username,
                                                "password": PASSWORD}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("people", [
    [{"full_name": "Lê Văn Hai", "phone": "0912000001"}],
    [{"full_name": "Trần Thị Mai", "address": "Số 2 Lê Lợi"},
     {"full_name": "Lê Văn Hai", "phone": "0912000001"}]], ids=["no-address", "one-of-two"])
def test_the_api_holds_a_denunciation_to_its_rule_unless_told_not_eligible(client, world,
                                                                          people):
    headers = _api(client, world)
    body = {"kind": "denunciation", "field": "land", "subject": SUBJECT,
            "content": "Tố cáo cán bộ nhận tiền.", "channel": "mail",
            "received_on": "2026-11-20", "locality_code": "11311", "petitioners": people}
    refused = client.post("/api/v1/cases", json=body, headers=headers)
    assert refused.status_code == 422
    assert any(RULE in m for m in refused.get_json()["errors"].values())
    logged = client.post("/api/v1/cases", json={**body, "eligible": False}, headers=headers)
    assert logged.status_code == 201, logged.get_json()
    assert _letters() == [False]
