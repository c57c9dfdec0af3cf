"""The case state machine: which action may move a case from which status to which.

Plain Python with no Flask or SQLAlchemy so it can be unit-tested alone and shared by
the web pages, the API, the CLI and the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Statuses of a case (vụ việc).
RECEIVED = "received"  # logged at reception, waiting to be classified (xử lý đơn)
ROUTED = "routed"  # sent to the competent agency, waiting for acceptance (chuyển đơn)
RETURNED = "returned"  # sent back by an agency, waiting to be re-routed (trả lại đơn)
ACCEPTED = "accepted"  # accepted for resolution, the clock runs (thụ lý)
SUSPENDED = "suspended"  # the clock is paused (tạm đình chỉ)
RESOLVED = "resolved"  # decision or conclusion issued (giải quyết / kết luận)
CLOSED = "closed"  # nothing more is owed (kết thúc)
FILED = "filed"  # filed away: anonymous, duplicate, not eligible (lưu đơn)
GUIDED = "guided"  # the citizen was told where to go (hướng dẫn)
FORWARDED = "forwarded"  # sent to a body outside the system (chuyển đơn ra ngoài)
NOT_ACCEPTED = "not_accepted"  # refused with written reasons (không thụ lý)
WITHDRAWN = "withdrawn"  # every petitioner withdrew (rút đơn)

STATUSES = (
    RECEIVED,
    ROUTED,
    RETURNED,
    ACCEPTED,
    SUSPENDED,
    RESOLVED,
    CLOSED,
    FILED,
    GUIDED,
    FORWARDED,
    NOT_ACCEPTED,
    WITHDRAWN,
)
# Statuses from which nothing more is owed: no deadline runs, nothing escalates.
FINAL_STATUSES = frozenset({CLOSED, FILED, GUIDED, FORWARDED, NOT_ACCEPTED, WITHDRAWN})
OPEN_STATUSES = tuple(s for s in STATUSES if s not in FINAL_STATUSES)
# Open statuses whose clock runs: a suspended case's is stopped (domain.md), so it is
# neither overdue nor near its deadline however its stored due date compares with today
# (unless it was suspended late: clock_stopped).
CLOCK_RUNNING = tuple(s for s in OPEN_STATUSES if s != SUSPENDED)


def clock_stopped(status: str, suspended_on: date | None, due_on: date | None) -> bool:
    """Does a suspension stop the running stage's clock? Only one decided by its due date
    (domain.md: "suspension stops the clock"): decided later, it finds the time already run
    out, so the case stays late (QA 104) and resuming does not revive the missed date
    (deadlines.resume_due)."""
    return status == SUSPENDED and (suspended_on is None or due_on is None
                                    or suspended_on <= due_on)


def clock_counts(status: str, suspended_on: date | None, due_on: date | None) -> bool:
    """Does the running stage's due date count against the case (overdue, days left)?
    Open and not stopped: its clock runs, or a late suspension found it run out."""
    return status in CLOCK_RUNNING or (
        status == SUSPENDED and not clock_stopped(status, suspended_on, due_on))


# Statuses in which the case waits at the reception desk rather than at an agency.
AT_RECEPTION = frozenset({RECEIVED, RETURNED})

_PRE_RESOLUTION = (RECEIVED, ROUTED, RETURNED, ACCEPTED, SUSPENDED)

# action -> (allowed source statuses, target status; None keeps the status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "route": ((RECEIVED, RETURNED), ROUTED),
    "file": ((RECEIVED, RETURNED), FILED),
    "guide": ((RECEIVED, RETURNED), GUIDED),
    "forward": ((RECEIVED, RETURNED), FORWARDED),
    "accept": ((ROUTED,), ACCEPTED),
    "refuse": ((ROUTED,), NOT_ACCEPTED),
    "return": ((ROUTED, ACCEPTED), RETURNED),
    "transfer": ((ROUTED, ACCEPTED), ROUTED),
    "assign": ((ROUTED, ACCEPTED, SUSPENDED), None),
    "extend": ((ACCEPTED,), None),
    # A complaint found complex after its acceptance takes the longer period (Law on
    # Complaints Art. 28, 37: 45 days, 60 remote) by the head's decision within the first.
    "declare_complex": ((ACCEPTED,), None),
    # The desk extends the handling deadline of a petition it still holds.
    "extend_handling": ((RECEIVED, RETURNED), None),
    "suspend": ((ACCEPTED,), SUSPENDED),
    "resume": ((SUSPENDED,), ACCEPTED),
    "resolve": ((ACCEPTED,), RESOLVED),
    "close": ((RESOLVED,), CLOSED),
    # The deciding agency records what enforcing its decision did (thi hành; 05/KQTH).
    # Enforcing a decision often outlasts the case's file: a closed case may still record
    # it (QA round 39: closed first, it stayed "not yet enforced" in 05/KQTH for ever).
    "enforce": ((RESOLVED, CLOSED), None),
    "withdraw": (_PRE_RESOLUTION, WITHDRAWN),
    "designate_lead": ((RECEIVED, ROUTED, RETURNED, ACCEPTED), ROUTED),
}
ACTIONS = tuple(TRANSITIONS)


@dataclass
class InvalidTransition(Exception):
    """An action that the case's current status does not allow."""

    action: str
    status: str

    def __str__(self) -> str:
        return f"Cannot {self.action} a case that is {self.status}."


def allowed_actions(status: str) -> list[str]:
    """Return the actions that a case in this status admits."""
    return [a for a, (sources, _) in TRANSITIONS.items() if status in sources]


def next_status(status: str, action: str) -> str:
    """Return the status after the action, or raise InvalidTransition."""
    try:
        sources, target = TRANSITIONS[action]
    except KeyError:
        raise InvalidTransition(action, status) from None
    if status not in sources:
        raise InvalidTransition(action, status)
    return status if target is None else target
