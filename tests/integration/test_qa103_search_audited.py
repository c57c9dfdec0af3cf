"""QA 103 J2: the desk finds its own denunciations by a denouncer's name or number (it may
see them), and each such hit tells it who denounced: every view of a denouncer's identity
is audited (domain.md), so the hits shown are recorded, without the query (it may be the
name, which the audit chain could never erase). Found by its tracking code, a case reveals
no one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from tests.integration.test_denouncer_oracles import as_user, denun  # noqa: F401
from tests.integration.test_escalation_world import world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _views(case) -> list[dict]:
    return [json.loads(e.data or "{}") for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action == "identity_viewed"))]


@pytest.mark.parametrize("q", ["Bímật Tốcáo", "bimat tocao", "0987001122", "+84987001122",
                               "031299887766"])
def test_a_hit_on_the_denouncer_is_recorded(world, denun, as_user, q):  # noqa: F811
    case = denun.case
    client = as_user(world.reception)
    before = len(_views(case))
    page = client.get("/reception/search", query_string={"q": q}).get_data(as_text=True)
    assert case.tracking_code in page
    db.session.expire_all()
    views = _views(case)
    assert len(views) == before + 1 and views[-1] == {"via": "search"}
    assert q not in json.dumps(views, ensure_ascii=False)


def test_a_hit_on_the_tracking_code_records_nothing(world, denun, as_user):  # noqa: F811
    case = denun.case
    client = as_user(world.reception)
    before = len(_views(case))
    page = client.get("/reception/search", query_string={"q": case.tracking_code})
    assert case.tracking_code in page.get_data(as_text=True)
    db.session.expire_all()
    assert len(_views(case)) == before
