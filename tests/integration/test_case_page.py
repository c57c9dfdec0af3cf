# ruff: noqa: F811  (pytest fixtures imported from test_agency are parameters here)
"""The agency's case page: summary, deadlines, timeline, and denouncer masking with reveal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, AuditEvent
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_agency import (  # noqa: F401  (shared fixtures)
    agency_world,
    routed_case,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

MASK = "*** (bảo mật)"


def _identity_views(case) -> int:
    return len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "identity_viewed")).all())


def _name_and_id(case):
    person = case.petitions[0].signers[0].petitioner
    return person.full_name, person.id_number


def test_page_shows_summary_deadlines_with_rule_and_timeline(client, login, agency_world,
                                                             routed_case):
    case = routed_case()
    login(agency_world["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert case.tracking_code in page
    assert "Khiếu nại" in page and "Chờ thụ lý" in page and "Sở Tài nguyên" in page
    acceptance = case.deadline("acceptance")
    assert acceptance.rule in page  # the explanation: how the due date was computed
    assert "ngày làm việc" in page  # the badge
    assert 'data-testid="timeline"' in page
    assert "Tiếp nhận đơn" in page and "Chuyển cơ quan có thẩm quyền" in page
    # A complaint's petitioners are shown as they are.
    name, id_number = _name_and_id(case)
    assert name in page and id_number in page


def test_unknown_case_is_404(client, login, agency_world):
    login(agency_world["head"])
    assert client.get("/agency/cases/2026-NOPE").status_code == 404


def test_denouncer_masked_for_officer_not_assigned(client, login, agency_world, routed_case):
    case = routed_case(kind="denunciation")
    workflow.accept(case, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.assign(case, "chuyenvien2", agency_world["head"], NOW)
    db.session.commit()
    name, id_number = _name_and_id(case)
    login(agency_world["officer"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert name not in page and id_number not in page
    assert MASK in page
    assert "Xem danh tính" not in page
    client.get("/lang/en")
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert "*** (confidential)" in page and MASK not in page and name not in page
    client.get("/lang/vi")
    # A forced reveal is refused and writes nothing.
    assert client.post(f"/agency/cases/{case.tracking_code}/identity").status_code == 403
    assert _identity_views(case) == 0


def test_head_reveals_denouncer_and_the_view_is_audited(client, login, agency_world,
                                                        routed_case):
    case = routed_case(kind="denunciation")
    name, id_number = _name_and_id(case)
    login(agency_world["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    # Masked until asked for, so that every view of the identity leaves a record.
    assert name not in page and MASK in page and "Xem danh tính" in page
    assert _identity_views(case) == 0
    r = client.post(f"/agency/cases/{case.tracking_code}/identity")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert name in page and id_number in page
    assert _identity_views(case) == 1
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "identity_viewed")).one()
    assert event.actor_id == agency_world["head"].id
    assert "Xem danh tính người đứng đơn" in page  # the reveal is on the timeline


def test_assigned_officer_may_reveal(client, login, agency_world, routed_case):
    case = routed_case(kind="denunciation")
    workflow.accept(case, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.assign(case, "chuyenvien", agency_world["head"], NOW)
    db.session.commit()
    name, _ = _name_and_id(case)
    login(agency_world["officer"])
    assert "Xem danh tính" in client.get(f"/agency/cases/{case.tracking_code}").get_data(
        as_text=True)
    assert name in client.post(f"/agency/cases/{case.tracking_code}/identity").get_data(
        as_text=True)


def test_attachments_listed_and_identity_revealing_ones_hidden(client, login, agency_world,
                                                               routed_case):
    case = routed_case(kind="denunciation")
    workflow.accept(case, agency_world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
    db.session.add_all([
        Attachment(case_id=case.id, sha256="a" * 64, filename="don-to-cao.pdf",
                   content_type="application/pdf", size=2048, purpose="petition",
                   reveals_identity=True),
        Attachment(case_id=case.id, sha256="b" * 64, filename="hoa-don.pdf",
                   content_type="application/pdf", size=1024, purpose="evidence"),
    ])
    db.session.commit()
    login(agency_world["officer"])  # not assigned: masked
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    # Every file of a denunciation may name the denouncer, evidence too (QA round 4).
    assert "hoa-don.pdf" not in page and "don-to-cao.pdf" not in page
    assert "2 tài liệu có thể làm lộ danh tính" in page
    client.post("/logout")
    login(agency_world["head"])
    page = client.post(f"/agency/cases/{case.tracking_code}/identity").get_data(as_text=True)
    assert "hoa-don.pdf" in page and "don-to-cao.pdf" in page


def test_page_is_printable(client, login, agency_world, routed_case):
    case = routed_case()
    login(agency_world["head"])
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    # Actions and navigation carry no-print; app.css hides them in print.
    assert 'class="mb-3 no-print" aria-labelledby="actions-heading"' in page
    assert "<script>" not in page and "onclick" not in page
