"""A new case's tracking code is one no case holds: a repeated draw is drawn again.

Drawn blind, a code already held ended in the unique index's IntegrityError, a 500 that lost
the letter being logged (listed as a known gap in session 23's note)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake
from tests.integration.test_api import _case_body, _people, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _draws(monkeypatch, codes: list[str]) -> list[str]:
    """Make new_tracking_code hand out `codes` in turn; return the list of codes drawn."""
    drawn: list[str] = []
    queue = iter(codes)

    def draw(year: int) -> str:
        drawn.append(next(queue))
        return drawn[-1]

    monkeypatch.setattr(intake, "new_tracking_code", draw)
    return drawn


def test_a_code_already_held_is_drawn_again(app, api, world, make_case,  # noqa: F811
                                            monkeypatch):
    held = make_case(actor=world["reception"]).tracking_code
    db.session.commit()
    drawn = _draws(monkeypatch, [held, held, "2026-NEWCODE2"])
    answer = api(world["reception"], "POST", "/cases",
                 json=_case_body(world, petitioners=_people(1)))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["tracking_code"] == "2026-NEWCODE2"
    assert drawn == [held, held, "2026-NEWCODE2"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_a_fresh_code_is_kept_at_the_first_draw(app, api, world, monkeypatch):  # noqa: F811
    drawn = _draws(monkeypatch, ["2026-FIRSTONE", "2026-SECONDXX"])
    answer = api(world["reception"], "POST", "/cases",
                 json=_case_body(world, petitioners=_people(1)))
    assert answer.status_code == 201, answer.get_json()
    assert drawn == ["2026-FIRSTONE"]
