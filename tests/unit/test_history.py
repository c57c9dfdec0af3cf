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
    ("complaint", 2, "repeated", "second_round"),
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
    assert h.derive("complaint", complaint_round=1) == h.FIRST
    assert h.derive("complaint", complaint_round=2) == h.DECIDED_ROUND1
    assert h.derive("denunciation") == h.FIRST


def test_a_joined_letter_repeats_the_matter_until_it_is_decided():
    assert h.derive("feedback", joined=True, decided_on=D, received_on=D) == h.REPEATED
    assert h.derive("complaint", joined=True, case_round=1, received_on=D) == h.REPEATED
    # Decided after the letter's day: not yet decided when the letter came.
    assert h.derive("complaint", joined=True, case_round=1, decided_on=date(2026, 11, 11),
                    received_on=D) == h.REPEATED
    assert h.derive("complaint", joined=True, case_round=1, decided_on=D,
                    received_on=D) == h.DECIDED_ROUND1
    assert h.derive("complaint", joined=True, case_round=2, decided_on=date(2026, 11, 1),
                    received_on=D) == h.DECIDED_ROUND2


def test_a_joined_denunciation_follows_a_conclusion_or_an_overdue_resolution():
    assert h.derive("denunciation", joined=True, decided_on=date(2026, 11, 1),
                    received_on=D) == h.FOLLOW_UP
    assert h.derive("denunciation", joined=True, due_on=date(2026, 11, 9),
                    received_on=D) == h.FOLLOW_UP_OVERDUE
    # Due on the letter's own day is not overdue yet.
    assert h.derive("denunciation", joined=True, due_on=D, received_on=D) == h.REPEATED
