"""Property-based tests of the case state machine (complaints.domain.states)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.domain import states
from complaints.domain.states import (
    ACTIONS,
    FINAL_STATUSES,
    STATUSES,
    InvalidTransition,
    allowed_actions,
    next_status,
)

# Known actions plus a few that do not exist, to probe the error path too.
any_action = st.sampled_from(ACTIONS + ("reopen", "", "delete", "ROUTE"))
any_status = st.sampled_from(STATUSES)


def _apply(status: str, action: str) -> str:
    """Apply an action the way services do: the status changes only on success."""
    try:
        return next_status(status, action)
    except InvalidTransition as exc:
        assert exc.action == action and exc.status == status
        return status


@settings(max_examples=300, deadline=None)
@given(actions=st.lists(any_action, max_size=40))
def test_random_sequences_from_received_stay_within_known_statuses(actions):
    status = states.RECEIVED
    for action in actions:
        status = _apply(status, action)
        assert status in STATUSES


@settings(max_examples=300, deadline=None)
@given(start=any_status, actions=st.lists(any_action, max_size=30))
def test_random_sequences_from_any_status_stay_within_known_statuses(start, actions):
    status = start
    for action in actions:
        before = status
        status = _apply(status, action)
        assert status in STATUSES
        if before in FINAL_STATUSES:
            assert status == before, "a final status must never be left"


# Records that keep the status (target None) and may follow a final one: the enforcement
# of a closed case's decision (QA round 39: enforcing it outlasts the case's file).
KEEPING_ON_FINAL = {"enforce"}


@given(status=st.sampled_from(sorted(FINAL_STATUSES)), action=any_action)
def test_final_statuses_admit_no_action(status, action):
    assert set(allowed_actions(status)) <= KEEPING_ON_FINAL
    try:
        target = next_status(status, action)
    except InvalidTransition as exc:
        assert (exc.action, exc.status) == (action, status)
    else:
        assert action in KEEPING_ON_FINAL and target == status, (
            f"{action} allowed on final status {status}")


@given(status=any_status, action=any_action)
def test_next_status_succeeds_exactly_for_allowed_actions(status, action):
    allowed = action in allowed_actions(status)
    try:
        target = next_status(status, action)
    except InvalidTransition as exc:
        assert not allowed
        assert status in str(exc) and action in str(exc)
    else:
        assert allowed and target in STATUSES


@given(status=any_status, action=any_action)
def test_invalid_transition_leaves_status_unchanged(status, action):
    if action in allowed_actions(status):
        return
    assert _apply(status, action) == status


@given(status=st.sampled_from(states.OPEN_STATUSES))
def test_every_open_status_can_still_move(status):
    assert allowed_actions(status), f"{status} is open but admits no action (a dead end)"


def test_every_status_is_reachable_from_received():
    seen, frontier = {states.RECEIVED}, [states.RECEIVED]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            target = next_status(status, action)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(STATUSES)


any_day = st.one_of(st.none(), st.dates())


@settings(max_examples=300, deadline=None)
@given(status=any_status, suspended_on=any_day, due_on=any_day)
def test_the_clock_counts_exactly_when_open_and_not_stopped_in_time(status, suspended_on,
                                                                    due_on):
    counts = states.clock_counts(status, suspended_on, due_on)
    stopped = states.clock_stopped(status, suspended_on, due_on)
    assert not (counts and stopped)
    assert counts == (status in states.OPEN_STATUSES and not stopped)
    # Only a suspension decided after a known due date leaves a suspended case late.
    if status == states.SUSPENDED:
        assert counts == (suspended_on is not None and due_on is not None
                          and suspended_on > due_on)
