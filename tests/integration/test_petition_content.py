"""A later letter joined to a case keeps what it says (Petition.content).

The desk typed a letter's content, joined it to the earlier case and lost the text; a
reception session kept its note in the handling note, shown nowhere. Now every joined
letter keeps its own text, shown under the case's content to those who may read it (a
denunciation's letters only to those who may see its denouncer)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain.confidentiality import MASK
from complaints.extensions import db
from complaints.models import Petition
from complaints.services import intake
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_denouncer_text import (  # noqa: F401  (fixtures)
    CANARY,
    LETTER,
    as_user,
    leaks,
    letter,
)
from tests.integration.test_escalation_world import world  # noqa: F401
from tests.integration.test_reception import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

LATER = "Lần này công dân bổ sung: công trình vẫn tiếp tục xây thêm tầng 4."


def _later(case) -> Petition:
    return db.session.scalars(select(Petition).where(
        Petition.case_id == case.id, Petition.handling_outcome == "joined")).one()


def test_the_desk_keeps_a_joined_letters_content_and_shows_it(client, desk, make_case):  # noqa: F811
    officer, ward = desk
    case = make_case(actor=officer)
    db.session.commit()
    data = intake_form(ward.code, [person(7)], TODAY, attach_to=case.tracking_code,
                       content=LATER)
    response = client.post("/reception/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert _later(case).content == LATER
    assert db.session.get(type(case), case.id).content != LATER  # the case's text stays
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="later-letters"' in page and LATER in page


def test_a_joined_letter_with_control_characters_is_refused_and_nothing_saved(
        client, desk, make_case):  # noqa: F811
    officer, ward = desk
    case = make_case(actor=officer)
    db.session.commit()
    data = intake_form(ward.code, [person(7)], TODAY, attach_to=case.tracking_code,
                       content="Bổ sung\x07 nội dung")
    response = client.post("/reception/new", data=data)
    assert response.status_code == 422
    assert "ký tự điều khiển" in response.get_data(as_text=True)
    assert len(db.session.get(type(case), case.id).petitions) == 1


def test_the_service_refuses_a_joined_letter_over_the_length_limit(desk, make_case):  # noqa: F811
    officer, _ward = desk
    case = make_case(actor=officer)
    data = intake.PetitionData(channel="mail", received_on=TODAY, content="x" * 20_001,
                               petitioners=[intake.PetitionerData(full_name="Lê Văn Mới")])
    with pytest.raises(ValidationFailed) as refused:
        intake.add_petition(case, data, officer, NOW, TODAY)
    assert set(refused.value.errors) == {"content"}


def test_a_denunciations_later_letter_is_kept_from_readers_who_may_not_see_the_denouncer(
        world, letter, as_user, api):  # noqa: F811
    """The later letter names its writer as the first did: the unassigned officer reads
    neither on the page nor in the API; the head, who may see the denouncer, reads both
    once the view is recorded (the page's reveal: QA round 27; each API read records it)."""
    case = letter.case
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 10, 20), content=LETTER + " Bổ sung lần hai.",
        petitioners=[intake.PetitionerData(**CANARY)]), world.reception, NOW, TODAY)
    db.session.commit()
    url = f"/agency/cases/{case.tracking_code}"
    hidden = as_user(letter.officer_a2).get(url).get_data(as_text=True)
    assert leaks(hidden) == [] and "later-letters" not in hidden
    head = as_user(world.head_a)
    assert "later-letters" not in head.get(url).get_data(as_text=True)
    shown = head.post(f"{url}/identity").get_data(as_text=True)
    assert 'data-testid="later-letters"' in shown and "Bổ sung lần hai." in shown

    masked = api(letter.officer_a2, "GET", f"/cases/{case.tracking_code}").get_json()
    assert leaks(json.dumps(masked, ensure_ascii=False)) == []
    assert [p["content"] for p in masked["petitions"]] == [None, MASK]
    read = api(world.head_a, "GET", f"/cases/{case.tracking_code}").get_json()
    assert read["petitions"][1]["content"] == LETTER + " Bổ sung lần hai."


def test_the_api_takes_a_later_letters_content(world, letter, api):  # noqa: F811
    code = letter.case.tracking_code
    body = {"channel": "mail", "received_on": "2026-10-20", "content": "  " + LATER + " ",
            "petitioners": [{**CANARY}]}
    response = api(world.reception, "POST", f"/cases/{code}/petitions", json=body)
    assert response.status_code == 201, response.get_json()
    assert _later(letter.case).content == LATER
    refused = api(world.reception, "POST", f"/cases/{code}/petitions",
                  json={**body, "content": "a\x07b"})
    assert refused.status_code == 422 and "content" in json.dumps(refused.get_json())
