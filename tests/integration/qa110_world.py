"""Shared scaffolding for QA round 110 reproducers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from tests.integration.test_public import _lookup, form, receipt, submit  # noqa: F401


@pytest.fixture
def pw(client, make_agency, make_user):
    """Public world: desk BTCD, province, a department under it with a head."""
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", is_reception_desk=True)
    make_user("reception", agency=desk)
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    province.name_en = "Provincial People's Committee"
    so = make_agency(code="SO-TNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    so.name_en = "Department of Natural Resources and Environment"
    head = make_user("agency_head", agency=so)
    db.session.commit()
    return {"province": province, "so": so, "head": head}


def new_case(client, **overrides) -> tuple[Case, str]:
    code, pin = receipt(submit(client, **overrides).get_data(as_text=True))
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    return case, pin


def open_case(client, case, pin):
    return _lookup(client, case.tracking_code, pin)


def page(client) -> str:
    return client.get("/cong-dan/ho-so").get_data(as_text=True)


def english(client):
    with client.session_transaction() as s:
        s["lang"] = "en"


def text_of(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)
