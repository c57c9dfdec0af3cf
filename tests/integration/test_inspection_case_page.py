"""The inspector's case page: the petition itself (petitioners, content, files, history,
masked as permissions decide) and the repeat chain behind the Repeated flag."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import attachments, intake, workflow
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PDF

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

MASK = "*** (bảo mật)"
DENOUNCER = "Đỗ Thị Tố Giác"
NO_CHAIN = "Không có đơn trước hoặc sau cùng nội dung."


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    holder = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    inspectorate = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh",
                               is_inspectorate=True)
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    w = {"reception": make_user("reception", agency=desk),
         "inspector": make_user("inspector", agency=inspectorate),
         "admin": make_user("admin"),
         "head": make_user("agency_head", agency=holder)}
    db.session.commit()
    return w


def _attach(case, actor, name="don.pdf"):
    stored = attachments.store_upload(PDF, name)
    return attachments.attach(case, stored, "petition", actor, NOW, petition=case.petitions[0])


def _list(html: str, testid: str) -> list[str]:
    """The items of the <ol> with this test id, tags stripped."""
    start = html.index(f'data-testid="{testid}"')
    body = html[start:html.index("</ol>", start)]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in body.split("<li")[1:]]


def _identity_views(case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "identity_viewed")))


def test_the_inspector_reads_the_petitions_content_files_and_history(client, login, world,
                                                                     make_case):
    """QA: the inspection case page showed no petitioner, content, file or history, and the
    agency and reception pages answer 403 to an inspector: nothing led to the petition."""
    case = make_case(world["reception"], petitioners=2, channel="mail",
                     received_on=date(2026, 11, 2), subject="Xây tường lấn lối đi chung",
                     content="Hàng xóm xây tường lấn sang lối đi chung.\nĐề nghị xem xét.")
    file = _attach(case, world["reception"], "don khieu nai.pdf")
    workflow.route(case, "SO-XD", None, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    login(world["inspector"])
    response = client.get(f"/inspection/cases/{case.tracking_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    petitions = html[html.index('data-testid="petitions"'):]
    petitions = petitions[:petitions.index("</table>")]
    assert "02/11/2026" in petitions and "Qua bưu điện" in petitions
    assert "Nguyễn Văn A" in petitions and "Nguyễn Văn B" in petitions
    people = html[html.index('data-testid="petitioners"'):]
    people = people[:people.index("</table>")]
    assert case.petitions[0].signers[0].petitioner.id_number in people
    assert "Hàng xóm xây tường lấn sang lối đi chung.<br>Đề nghị xem xét." in html
    link = f'href="/reception/attachments/{file.id}"'
    assert link in html and "don khieu nai.pdf" in html
    timeline = html[html.index('data-testid="timeline"'):]
    for action in ("received", "attachment_added", "routed"):
        assert f'data-action="{action}"' in timeline, action
    with client.get(f"/reception/attachments/{file.id}") as download:
        assert download.status_code == 200  # the link leads where the right already was
    assert _identity_views(case) == []  # a complaint: nothing secret, nothing to record


def _denunciation(world, make_case):
    case = make_case(world["reception"], kind="denunciation", subject="Tố cáo cán bộ",
                     received_on=date(2026, 11, 5))
    person = case.petitions[0].signers[0].petitioner
    person.full_name = DENOUNCER
    file = _attach(case, world["reception"], "to cao.pdf")
    workflow.route(case, "SO-XD", None, NOW, TODAY, decided_on=date(2026, 11, 5))
    db.session.commit()
    return case, person, file


def _masked(html: str, person, file) -> bool:
    return (DENOUNCER not in html and person.id_number not in html
            and person.phone not in html and person.address not in html
            and f"/reception/attachments/{file.id}" not in html and "to cao.pdf" not in html)


def test_a_denouncer_is_shown_to_the_inspector_only_by_the_recorded_reveal(client, login,
                                                                          world, make_case):
    case, person, file = _denunciation(world, make_case)
    code = case.tracking_code
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{code}").get_data(as_text=True)
    assert _masked(html, person, file)
    assert MASK in html and 'data-testid="identity-masked"' in html
    assert "1 tài liệu có thể làm lộ danh tính người tố cáo được ẩn." in html
    assert 'data-testid="reveal-identity"' in html
    assert f'action="/inspection/cases/{code}/identity"' in html
    assert "Tố cáo cán bộ" in html and "Nội dung đơn" in html  # the matter is not secret
    assert _identity_views(case) == []
    shown = client.post(f"/inspection/cases/{code}/identity")
    assert shown.status_code == 200
    assert "no-store" in shown.headers["Cache-Control"]
    html = shown.get_data(as_text=True)
    assert DENOUNCER in html and person.id_number in html
    assert f'href="/reception/attachments/{file.id}"' in html
    assert 'data-testid="reveal-identity"' not in html
    views = _identity_views(case)
    assert len(views) == 1 and views[0].actor_id == world["inspector"].id
    # A reload shows nothing without a new record.
    assert _masked(client.get(f"/inspection/cases/{code}").get_data(as_text=True), person,
                   file)
    assert len(_identity_views(case)) == 1


def test_a_reader_whose_role_hides_the_denouncer_is_offered_no_reveal(client, login, world,
                                                                     make_case):
    """An administrator may open the page (monitoring) but never see a denouncer."""
    case, person, file = _denunciation(world, make_case)
    code = case.tracking_code
    login(world["admin"])
    html = client.get(f"/inspection/cases/{code}").get_data(as_text=True)
    assert _masked(html, person, file) and MASK in html
    assert 'data-testid="reveal-identity"' not in html
    refused = client.post(f"/inspection/cases/{code}/identity")
    assert refused.status_code == 403 and DENOUNCER not in refused.get_data(as_text=True)
    assert _identity_views(case) == []
    client.post("/logout")
    # The head of the resolving agency may, as on the agency's page: by the recorded reveal.
    login(world["head"])
    html = client.get(f"/inspection/cases/{code}").get_data(as_text=True)
    assert _masked(html, person, file) and 'data-testid="reveal-identity"' in html
    shown = client.post(f"/inspection/cases/{code}/identity").get_data(as_text=True)
    assert DENOUNCER in shown
    assert [v.actor_id for v in _identity_views(case)] == [world["head"].id]


def _again(case, channel: str, received_on: date) -> intake.PetitionData:
    """A later petition by the same people (same ID numbers), as the desk joins it."""
    return intake.PetitionData(channel=channel, received_on=received_on, petitioners=[
        intake.PetitionerData(full_name=s.petitioner.full_name,
                              id_number=s.petitioner.id_number, phone=s.petitioner.phone,
                              is_representative=s.is_representative)
        for s in case.petitions[0].signers])


def test_the_repeat_chain_lists_the_joined_petitions_that_made_the_flag(client, login, world,
                                                                        make_case):
    """QA: a group petition joined twice more ("Join to this case") is flagged Repeated
    everywhere, yet the chain said there was no earlier or later petition."""
    case = make_case(world["reception"], petitioners=2, channel="walk_in",
                     received_on=date(2026, 11, 2))
    for channel, day in (("mail", date(2026, 11, 10)), ("online", date(2026, 11, 20))):
        intake.add_petition(case, _again(case, channel, day), world["reception"], NOW, TODAY)
    db.session.commit()
    assert case.flag_repeated and len(case.petitions) == 3
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    assert NO_CHAIN not in html
    items = _list(html, "repeat-petitions")
    assert len(items) == 3
    for item, day, channel in zip(items, ("02/11/2026", "10/11/2026", "20/11/2026"),
                                  ("Trực tiếp", "Qua bưu điện", "Trực tuyến"), strict=True):
        assert day in item and channel in item and "2 người đứng đơn" in item
        assert "Căn cứ đánh dấu" in item
    basis = html[html.index('data-testid="repeat-basis"'):]
    basis = basis[:basis.index("</p>")]
    assert "3 đơn từ ngày 02/11/2026 đến ngày 20/11/2026" in basis
    assert "từ 3 đơn trong 12 tháng" in basis
    client.get("/lang/en")
    html = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    assert len(_list(html, "repeat-petitions")) == 3
    assert "2 petitioners" in html and "people" not in html  # QA round 6: "1 people"


def test_a_petition_after_the_decision_is_what_the_chain_marks(client, login, world,
                                                               make_case):
    case = make_case(world["reception"], received_on=date(2026, 10, 1))
    workflow.route(case, "SO-XD", None, NOW, TODAY, decided_on=date(2026, 10, 1))
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.resolve(case, "wrong", "5/QĐ", "Không có cơ sở", world["head"], NOW, TODAY,
                     decided_on=date(2026, 10, 20))
    intake.add_petition(case, _again(case, "mail", date(2026, 11, 10)), world["reception"],
                        NOW, TODAY)
    db.session.commit()
    assert case.flag_repeated
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    items = _list(html, "repeat-petitions")
    assert len(items) == 2
    assert "01/10/2026" in items[0] and "Căn cứ đánh dấu" not in items[0]
    assert "10/11/2026" in items[1] and "Căn cứ đánh dấu" in items[1]
    assert "sau quyết định giải quyết ngày 20/10/2026" in html


def test_a_case_that_repeats_a_decided_case_names_it(client, login, world, make_case):
    earlier = make_case(world["reception"], received_on=date(2026, 9, 1))
    earlier.decision_on = date(2026, 9, 30)  # decided (how is not what this is about)
    signer = earlier.petitions[0].signers[0].petitioner
    later, _pin = intake.receive_case(intake.CaseData(
        kind="complaint", field_code="land", subject="Tranh chấp đất đai",
        content="Vẫn chưa được giải quyết", locality_code=earlier.locality_code,
        parent_tracking_code=earlier.tracking_code,
        petition=intake.PetitionData(channel="mail", received_on=date(2026, 11, 3),
                                     petitioners=[intake.PetitionerData(
                                         full_name=signer.full_name,
                                         id_number=signer.id_number)])),
        world["reception"], NOW, TODAY)
    db.session.commit()
    assert later.flag_repeated
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{later.tracking_code}").get_data(as_text=True)
    assert (f"người đứng đơn của hồ sơ {earlier.tracking_code}, đã có quyết định giải quyết "
            "ngày 30/09/2026") in html
    assert "Căn cứ đánh dấu" in _list(html, "repeat-petitions")[0]
    chain = _list(html, "repeat-chain")
    assert earlier.tracking_code in chain[0] and later.tracking_code in chain[1]


def test_a_single_petition_still_says_there_is_no_chain(client, login, world, make_case):
    case = make_case(world["reception"], received_on=date(2026, 11, 2))
    db.session.commit()
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    assert NO_CHAIN in html and 'data-testid="repeat-petitions"' not in html
