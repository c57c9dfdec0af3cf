"""When a second complaint (khiếu nại lần hai) may follow a first-round complaint.

Law on Complaints Art. 7(1), 33(1): the complainant who disagrees with the first decision,
or whose complaint was not resolved within the resolution period, may complain to the next
level up. One rule for the citizens' online offer and for the desk or API logging one.
"""

from __future__ import annotations

from datetime import date

from complaints.domain import states

DECISION = "decision"  # the first decision is disputed
UNANSWERED = "unanswered"  # the first round's resolution deadline passed with no decision
# A first round that ended with one of these leaves nothing to complain about a second
# time: "withdrawn after explanation" means the complainant withdrew, no decision stands.
NO_APPEAL_OUTCOMES = ("withdrawn_after_explanation",)
DECIDED_STATUSES = (states.RESOLVED, states.CLOSED)


def ground(kind: str | None, complaint_round: int | None, status: str,
           decision_on: date | None, outcome: str | None,
           suspended_on: date | None = None,
           resolution_due: date | None = None) -> str | None:
    """The ground a second complaint can stand on, whatever the day: DECISION for a
    decided first-round complaint, UNANSWERED while it is being resolved (the window opens
    once its deadline passes; a suspension decided by the due date stops the clock, one
    decided after it finds the deadline already passed: states.clock_stopped), else None."""
    if kind != "complaint" or (complaint_round or 1) != 1:
        return None
    if status in DECIDED_STATUSES and decision_on is not None:
        return None if outcome in NO_APPEAL_OUTCOMES else DECISION
    if status == states.ACCEPTED or (
            status == states.SUSPENDED
            and not states.clock_stopped(status, suspended_on, resolution_due)):
        return UNANSWERED
    return None


def may_follow(kind: str | None, complaint_round: int | None, status: str,
               decision_on: date | None, outcome: str | None,
               resolution_due: date | None, on: date,
               suspended_on: date | None = None) -> bool:
    """May a second complaint received on `on` follow this first-round case? (Whether it
    came in time is the handling's question: a late one is logged, then filed.)"""
    found = ground(kind, complaint_round, status, decision_on, outcome, suspended_on,
                   resolution_due)
    if found == UNANSWERED:
        return resolution_due is not None and on > resolution_due
    return found == DECISION
