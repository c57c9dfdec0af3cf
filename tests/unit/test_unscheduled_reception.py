"""The unscheduled-reception rule (tiếp công dân đột xuất, Law on Citizen Reception Art. 18(3))."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain.reception import (
    HeldSession,
    PromptFacts,
    needs_unscheduled_reception,
    reasons,
    triggered_on,
)

D = date(2026, 11, 10)


def _session(day=D, kind="head", scheduled=False, case_id=1, cluster_id=None):
    return HeldSession(held_on=day, kind=kind, scheduled=scheduled, case_id=case_id,
                       cluster_id=cluster_id)


def test_plain_case_needs_nothing():
    assert not needs_unscheduled_reception(PromptFacts(1, "accepted"), [])
    assert reasons(PromptFacts(1, "accepted")) == []


@pytest.mark.parametrize("facts", [PromptFacts(1, "routed", heated_on=D),
                                   PromptFacts(1, "received", mass_on=D, cluster_id=7)])
def test_heated_or_mass_open_case_needs_a_reception(facts):
    assert needs_unscheduled_reception(facts, [])


@pytest.mark.parametrize("status", ["closed", "filed", "withdrawn", "guided"])
def test_final_case_needs_nothing(status):
    assert not needs_unscheduled_reception(PromptFacts(1, status, heated_on=D), [])


def test_a_resolved_case_still_open_keeps_the_prompt():
    assert needs_unscheduled_reception(PromptFacts(1, "resolved", heated_on=D), [])


def test_unscheduled_head_session_on_or_after_the_flag_satisfies():
    facts = PromptFacts(1, "accepted", heated_on=D)
    assert not needs_unscheduled_reception(facts, [_session(D)])
    assert not needs_unscheduled_reception(facts, [_session(date(2026, 11, 20), kind="deputy")])


@pytest.mark.parametrize("session", [
    _session(date(2026, 11, 9)),  # before the flag
    _session(scheduled=True),  # a periodic day is not the unscheduled meeting
    _session(kind="regular"),  # staff, not the leader
    _session(case_id=2),  # about another case
])
def test_sessions_that_do_not_count(session):
    assert needs_unscheduled_reception(PromptFacts(1, "accepted", heated_on=D), [session])


def test_one_meeting_answers_a_whole_mass_cluster():
    facts = PromptFacts(1, "routed", mass_on=D, cluster_id=7)
    assert not needs_unscheduled_reception(facts, [_session(case_id=2, cluster_id=7)])
    assert needs_unscheduled_reception(facts, [_session(case_id=2, cluster_id=8)])
    # A heated case is met about itself: a cluster neighbour's meeting does not count.
    heated = PromptFacts(1, "routed", heated_on=D, cluster_id=7)
    assert needs_unscheduled_reception(heated, [_session(case_id=2, cluster_id=7)])


def test_a_later_flag_calls_for_a_later_meeting():
    facts = PromptFacts(1, "accepted", mass_on=date(2026, 11, 2), heated_on=D, cluster_id=7)
    assert triggered_on(facts) == D and reasons(facts) == ["mass", "heated"]
    assert needs_unscheduled_reception(facts, [_session(date(2026, 11, 5))])
    assert not needs_unscheduled_reception(facts, [_session(date(2026, 11, 12))])


def test_only_the_holding_agencys_session_with_citizens_counts():
    facts = PromptFacts(1, "routed", heated_on=D, agency_id=10)
    ours = HeldSession(held_on=D, kind="head", scheduled=False, case_id=1, agency_id=10,
                       turns=1, people=3)
    assert not needs_unscheduled_reception(facts, [ours])
    desk = HeldSession(held_on=D, kind="head", scheduled=False, case_id=1, agency_id=20,
                       turns=1, people=3)  # the reception desk's own meeting
    empty = HeldSession(held_on=D, kind="head", scheduled=False, case_id=1, agency_id=10,
                        turns=0, people=0)
    assert needs_unscheduled_reception(facts, [desk, empty])


def test_a_case_found_complex_calls_for_a_meeting_about_itself():
    # Law on Citizen Reception Art. 18(3), domain.md: heated, complex or many people (QA 92).
    facts = PromptFacts(1, "accepted", complex_on=D, cluster_id=7)
    assert reasons(facts) == ["complex"] and triggered_on(facts) == D
    assert needs_unscheduled_reception(facts, [])
    assert needs_unscheduled_reception(facts, [_session(case_id=2, cluster_id=7)])
    assert not needs_unscheduled_reception(facts, [_session(D)])
    later = PromptFacts(1, "accepted", heated_on=date(2026, 11, 2), complex_on=D)
    assert reasons(later) == ["heated", "complex"] and triggered_on(later) == D
