"""QA round 61: defects found in today's changes, one test each (each fails on the code as
reviewed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Petition
from tests.integration.test_api import _case_body, _people, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")

KEY = {"Idempotency-Key": "qa61-7d1e0c2a-retry"}


def _petitions() -> int:
    return db.session.scalar(select(func.count()).select_from(Petition))


def test_a_petition_resent_with_its_key_to_the_same_case_is_replayed_whatever_the_codes_case(
        api, world):  # noqa: F811
    """Rule (services/idempotency.py, README): a petition sent again with the same
    Idempotency-Key after a lost answer is answered with the case it joined (200,
    Idempotent-Replayed), never refused. The API finds a case by its tracking code in
    any letter case (/cases/abc… is /cases/ABC…), so the same request to the same case is
    the same request: web/api/routes.py `_once` digests request.path verbatim, and the
    resend is refused 422 "key used for another request"."""
    opened = api(world["reception"], "POST", "/cases", json=_case_body(world))
    code = opened.get_json()["tracking_code"]
    body = {"content": "Bổ sung: đơn gửi lần hai.", "channel": "mail",
            "received_on": "2026-11-25", "petitioners": _people(1)}
    first = api(world["reception"], "POST", f"/cases/{code}/petitions", json=body,
                headers=KEY)
    assert first.status_code == 201, first.get_json()
    count = _petitions()
    again = api(world["reception"], "POST", f"/cases/{code.lower()}/petitions", json=body,
                headers=KEY)
    assert again.status_code == 200, again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _petitions() == count
