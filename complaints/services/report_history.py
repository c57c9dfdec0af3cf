"""What the official forms read as of a period's end, from the routing history.

A case keeps only its current state: a return clears its petitions' routing (the desk
must decide again), and a transfer, a return or a lead designation drops the resolution
deadline of the agency that had accepted it. Read from that state, a closed period's
report would change whenever a later move happened. The moves are kept, though: each is a
row of `routings` (with its decision date), and each acceptance an "accepted" event of
the case's audit trail. From them the forms read, as of the period's end:

- `routed_as_of`: the day the desk's routing in force at the end of a day was decided
  (02/XLD: a petition routed in the period and returned after it was handled in it);
- `moved_spells`: matters an agency had accepted and still held at the period's end but
  gave up later (03/GQKN, 04/GQTC: its resolution deadline row is gone).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petition, Routing

logger = logging.getLogger(__name__)

# Moves that send the petitions to an agency when they wait at the desk (a designation
# of the lead agency routes them too: workflow.move_to_lead).
ROUTING = ("route", "designate_lead")
# The audit events written beside each routings row (workflow._move), one for one and in
# the same order: workflow.route, return_case, transfer, and the callers of move_to_lead.
MOVE_EVENTS = ("routed", "transferred", "returned", "lead_designated",
               "lead_set_by_inspector", "taken_up_by_inspectorate")
_CHUNK = 500


def _routings_in_force(end: date, move):
    """SQL: the routings (rows of `move`) made for the petition's case by the end of `end`
    after its last return by then: the first is the routing in force. Correlated to
    `Petition` of the enclosing query."""
    back = aliased(Routing)
    last_return = (select(func.max(back.id))
                   .where(back.case_id == Petition.case_id, back.action == "return",
                          back.decided_on <= end)
                   .correlate(Petition).scalar_subquery())
    return and_(move.case_id == Petition.case_id, move.action.in_(ROUTING),
                move.decided_on.between(Petition.received_on, end),
                move.id > func.coalesce(last_return, 0))


def routed_as_of(end: date):
    """SQL: the day the routing in force for the petition's case at the end of `end` was
    decided, or NULL when the petitions waited at the desk. Correlated to `Petition`."""
    move = aliased(Routing)
    return (select(func.min(move.decided_on)).where(_routings_in_force(end, move))
            .correlate(Petition).scalar_subquery())


def routed_to_as_of(end: date):
    """SQL: the agency that routing sent the case to, or NULL. Correlated to `Petition`."""
    move = aliased(Routing)
    return (select(move.to_agency_id).where(_routings_in_force(end, move))
            .order_by(move.decided_on, move.id).limit(1)
            .correlate(Petition).scalar_subquery())


@dataclass(frozen=True)
class Spell:
    """A matter accepted by an agency (thụ lý) and taken from it later by a move."""

    case_id: int
    agency_id: int
    accepted_on: date
    left_on: date  # the decision date of the transfer, return or lead designation
    reached_on: date | None = None  # the decision date of the move that sent it there


def moved_spells(unit_ids: list[int], kind: str, end: date) -> list[Spell]:
    """The matters of `kind` that a unit had accepted and still held at the end of `end`,
    and that a move dated after `end` took from it since (held at `end`: accepted on or
    before it, moved after it)."""
    case_ids = list(db.session.scalars(
        select(Routing.case_id).distinct().join(Case, Case.id == Routing.case_id)
        .where(Routing.action.in_(("transfer", "return", "designate_lead")),
               Routing.from_agency_id.in_(unit_ids), Routing.decided_on > end,
               Case.kind == kind)))
    units = set(unit_ids)
    out = []
    for first in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[first:first + _CHUNK]
        moves, events = case_history(chunk)
        for case_id in chunk:
            out += [s for s in spells(case_id, moves[case_id], events[case_id])
                    if s.agency_id in units and s.accepted_on <= end < s.left_on]
    return out


def case_history(case_ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    """The cases' moves (by id) and their acceptance and move events (by seq)."""
    moves: dict[int, list] = defaultdict(list)
    for row in db.session.execute(
            select(Routing.case_id, Routing.action, Routing.from_agency_id,
                   Routing.to_agency_id, Routing.decided_on)
            .where(Routing.case_id.in_(case_ids)).order_by(Routing.case_id, Routing.id)):
        moves[row.case_id].append(row)
    events: dict[int, list] = defaultdict(list)
    for row in db.session.execute(
            select(AuditEvent.case_id, AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.chain.in_([f"case:{i}" for i in case_ids]),
                   AuditEvent.action.in_(("accepted", *MOVE_EVENTS)))
            .order_by(AuditEvent.chain, AuditEvent.seq)):
        events[row.case_id].append(row)
    return moves, events


def _takes_away(move) -> bool:
    """Does the move take the case from its holder (a lead designated where the case is
    already held keeps it, with its resolution deadline)?"""
    return move.action in ("transfer", "return") or (
        move.action == "designate_lead" and move.to_agency_id != move.from_agency_id)


def spells(case_id: int, moves: list, events: list) -> list[Spell]:
    """Pair each acceptance with the move that later took the case from that agency.

    An acceptance after the k-th move event happened at the agency the k-th move sent
    the case to; a trail that does not match the moves is left out (logged), not guessed.
    """
    if sum(e.action in MOVE_EVENTS for e in events) != len(moves):
        logger.warning("case %s: audit trail and routings disagree; its earlier "
                       "acceptances are left out of the reports", case_id)
        return []
    out, seen = [], 0
    for event in events:
        if event.action != "accepted":
            seen += 1
            continue
        if seen == 0:
            continue  # accepted before any move: not at an agency (never happens)
        holder = moves[seen - 1].to_agency_id
        leaving = next((m for m in moves[seen:] if _takes_away(m)), None)
        on = json.loads(event.data or "{}").get("on")
        if leaving is None or not on:
            continue  # still held: its resolution deadline row counts it
        if leaving.from_agency_id != holder:
            logger.warning("case %s: a move does not leave from the agency that accepted "
                           "it; left out of the reports", case_id)
            continue
        out.append(Spell(case_id, holder, date.fromisoformat(on[:10]), leaving.decided_on,
                         moves[seen - 1].decided_on))
    return out
