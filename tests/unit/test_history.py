"""The history of the matter a letter raises (domain.history): what each kind may state,
and what the system derives when the desk leaves it blank."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import history as h
from complaints.domain.catalog import KINDS, PETITION_HISTORY

D = date(2026, 11, 10)


def test_every_kind_has_first_and_repeated_and_every_code_a_label():
    assert set(h.HISTORY_BY_KIND) == set(KINDS)
    for codes in h.HISTORY_BY_KIND.values():
        assert codes[:2] == (h.FIRST, h.REPEATED)
        assert set(codes) <= set(PETITION_HISTORY)


@pytest.mark.parametrize(("kind", "round_", "value", "problem"), [
    ("complaint", 1, None, None),
    ("complaint", 1, "court", None),
    ("complaint", 1, "decided_round2", None),
    ("complaint", 2, "decided_round1", None),
    ("complaint", 2, "first", "second_round"),
    ("complaint", 2, "repeated", None),  # after an overdue first round
    ("complaint", 1, "follow_up", "kind"),
    ("denunciation", None, "follow_up_overdue", None),
    ("denunciation", None, "court", "kind"),
    ("feedback", None, "decided_round1", "kind"),
    ("recommendation", None, "repeated", None),
    ("complaint", 1, "nonsense", "kind"),
    (None, None, "first", "kind"),
])
def test_history_error(kind, round_, value, problem):
    assert h.history_error(kind, round_, value) == problem


def test_a_new_case_is_first_time_unless_a_second_complaint():
    assert h.derive("complaint", D, complaint_round=1) == h.FIRST
    assert h.derive("complaint", D, complaint_round=2) == h.DECIDED_ROUND1
    assert h.derive("denunciation", D) == h.FIRST


def _earlier(kind="complaint", **kw) -> h.Earlier:
    return h.Earlier(kind=kind, **kw)


def test_a_letter_about_a_held_matter_repeats_it_until_it_is_decided():
    assert h.derive("feedback", D, earlier=_earlier("feedback", decided_on=D)) == h.REPEATED
    assert h.derive("complaint", D, earlier=_earlier(complaint_round=1)) == h.REPEATED
    # Decided after the letter's day: not yet decided when the letter came.
    assert h.derive("complaint", D, earlier=_earlier(
        complaint_round=1, decided_on=date(2026, 11, 11))) == h.REPEATED
    assert h.derive("complaint", D, earlier=_earlier(complaint_round=1, decided_on=D)) == (
        h.DECIDED_ROUND1)
    assert h.derive("complaint", D, earlier=_earlier(
        complaint_round=2, decided_on=date(2026, 11, 1))) == h.DECIDED_ROUND2


def test_a_letter_says_what_the_first_letter_said_of_the_matter():
    """A later letter on an undecided second complaint: its matter was decided in round 1,
    as the case's first letter says (QA round 22); a court judgment stays one."""
    second = _earlier(complaint_round=2, first_history=h.DECIDED_ROUND1)
    assert h.derive("complaint", D, earlier=second) == h.DECIDED_ROUND1
    assert h.derive("complaint", D, earlier=_earlier(first_history=h.COURT)) == h.COURT
    # A second complaint after an overdue first round, itself linked: sent before.
    assert h.derive("complaint", D, complaint_round=2, earlier=_earlier(
        complaint_round=1)) == h.REPEATED
    assert h.derive("complaint", D, complaint_round=2, earlier=_earlier(
        complaint_round=1, decided_on=date(2026, 10, 1))) == h.DECIDED_ROUND1


def test_a_denunciation_follows_a_conclusion_or_an_overdue_resolution():
    assert h.derive("denunciation", D, earlier=_earlier(
        "denunciation", decided_on=date(2026, 11, 1))) == h.FOLLOW_UP
    assert h.derive("denunciation", D, earlier=_earlier(
        "denunciation", due_on=date(2026, 11, 9))) == h.FOLLOW_UP_OVERDUE
    # Due on the letter's own day is not overdue yet; no due day (clock stopped): neither.
    assert h.derive("denunciation", D, earlier=_earlier("denunciation", due_on=D)) == (
        h.REPEATED)
    assert h.derive("denunciation", D, earlier=_earlier("denunciation")) == h.REPEATED
