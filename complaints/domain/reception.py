"""Unscheduled citizen reception (tiếp công dân đột xuất): when it is due, when it is held.

Law on Citizen Reception 2013 Art. 18(3): the head of an agency receives citizens
unscheduled when a case is heated (gay gắt), complex, or involves many people. The
system prompts the head of the agency holding the case when

- the case is part of a mass-petition cluster (khiếu kiện đông người), from the day it
  was flagged, or
- reception or the agency head marked it heated, from the day they marked it, or
- people found it complex (logged so at the desk, accepted so, or declared complex), from
  that day (QA 92: only mass and heated prompted; complexity the mass rule gave is the
  mass prompt's),

and the case is still open. The prompt is satisfied by an unscheduled session held by the
head in person or an authorised deputy on or after the (latest) trigger day, about this
case or — for a mass case — about any case of the same cluster: one meeting with the
delegation answers the whole matter. Only a session of the agency holding the case counts
(a reception desk's or another agency's own meeting does not answer for the holder's
head), and only one at which citizens were received: an empty session (0 turns, 0 people)
is refused when recorded and never satisfies the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from complaints.domain.states import FINAL_STATUSES

# A regular session is held by reception staff; the law asks for the leader himself.
LEADER_KINDS = ("head", "deputy")
HEATED, MASS, COMPLEX = "heated", "mass", "complex"


@dataclass(frozen=True)
class PromptFacts:
    """What the rule needs of a case."""

    case_id: int
    status: str
    heated_on: date | None = None
    mass_on: date | None = None  # the day the case was flagged mass (None: not mass)
    cluster_id: int | None = None
    agency_id: int | None = None  # the agency holding the case (its own, else the desk's)
    complex_on: date | None = None  # the day it was found complex (None: not, or by mass)


@dataclass(frozen=True)
class HeldSession:
    """An unscheduled or periodic session linked to a case (and that case's cluster)."""

    held_on: date
    kind: str
    scheduled: bool
    case_id: int | None
    cluster_id: int | None = None
    agency_id: int | None = None  # the agency that held (recorded) the session
    turns: int = 1
    people: int = 1


def is_empty(turns: int, people: int) -> bool:
    """A session at which no citizen was received (0 turns, 0 people)."""
    return not turns and not people


def reasons(facts: PromptFacts) -> list[str]:
    """Return why the case calls for an unscheduled reception ("mass", "heated",
    "complex")."""
    out = []
    if facts.mass_on is not None:
        out.append(MASS)
    if facts.heated_on is not None:
        out.append(HEATED)
    if facts.complex_on is not None:
        out.append(COMPLEX)
    return out


def triggered_on(facts: PromptFacts) -> date | None:
    """Return the latest trigger day: a newer flag calls for a newer meeting."""
    days = [d for d in (facts.mass_on, facts.heated_on, facts.complex_on) if d is not None]
    return max(days) if days else None


def satisfies(session: HeldSession, facts: PromptFacts) -> bool:
    """Does this session answer the prompt for this case?"""
    since = triggered_on(facts)
    if since is None or session.scheduled or session.kind not in LEADER_KINDS:
        return False
    if session.held_on < since:
        return False
    if session.agency_id != facts.agency_id or is_empty(session.turns, session.people):
        return False
    if session.case_id is not None and session.case_id == facts.case_id:
        return True
    return (facts.mass_on is not None and facts.cluster_id is not None
            and session.cluster_id == facts.cluster_id)


def needs_unscheduled_reception(facts: PromptFacts, sessions: Iterable[HeldSession]) -> bool:
    """Is an unscheduled reception due for this case and not yet held?"""
    if facts.status in FINAL_STATUSES or triggered_on(facts) is None:
        return False
    return not any(satisfies(s, facts) for s in sessions)
