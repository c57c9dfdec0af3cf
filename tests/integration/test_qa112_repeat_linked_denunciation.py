"""QA 112: the Repeated (many linked letters) explanation beside a hidden denunciation link."""
from __future__ import annotations

import html as htmllib
from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import inspection_case, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403
from tests.integration.agency_world import fresh
from tests.integration.matter_letters import log_letter

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa112_linked_letters_text_reveals_a_hidden_denunciation_link(
        client, login, world, make_locality):
    """A denunciation P, then two feedback letters the desk linked to it. The agency head
    holding the last one may not see the link to P (permissions.can_see_link: a link beside
    a denunciation says who signed it), and P is not in the chain shown to him; yet the
    Repeated explanation counted P's letter and gave its day. Letters are not counted
    through a denunciation's links now: the flag itself would tell of the hidden link."""
    desk = world["reception"]
    loc = make_locality()
    p = log_letter(desk, loc.code, date(2026, 11, 2), kind="denunciation")
    log_letter(desk, loc.code, date(2026, 11, 16), parent=p)
    c2 = log_letter(desk, loc.code, date(2026, 11, 30), parent=p)
    workflow.route(c2, "SO-TNMT", desk, NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    c2 = fresh(c2)
    assert not c2.flag_repeated  # P's letter is not counted through its link
    head = world["head"]
    chain = [c.id for c in inspection_case.linked_cases(c2, head)]
    assert p.id not in chain  # the app hides the denunciation link from this reader
    login(head)
    resp = client.get(f"/inspection/cases/{c2.tracking_code}")
    assert resp.status_code == 200
    text = htmllib.unescape(resp.get_data(as_text=True))
    assert "02/11/2026" not in text, "the hidden denunciation's letter day is shown"
    assert "kể cả đơn của các hồ sơ liên kết" not in text or "3 đơn" not in text
