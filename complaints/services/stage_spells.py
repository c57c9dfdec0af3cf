"""Acceptances kept to the credit of the agency that gave them (models.StageSpell).

The workflow keeps a spell when a transfer, a return or a lead designation takes an
accepted case away (deadlines.keep_acceptance). `recover` adds the spells of the moves made
before spells were kept (migration ba8c57ebc9b7) from the routings and the audit trail,
paired as the official forms pair them (report_history.spells); their due dates are
computed again by today's policies and calendar, as set_deadline computed them.
"""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Routing, StageSpell
from complaints.services import deadlines, notifications, report_history, scorecard_summary

_CHUNK = 500


def recover() -> int:
    """Add the acceptance spells missing for the moves already made; return how many.
    Idempotent, and safe run twice at once (QA round 31): a spell already kept (same case,
    agency, acceptance and move days) is not added again (ux_stage_spells_once). Flushes;
    the caller commits."""
    case_ids = list(db.session.scalars(
        select(Routing.case_id).distinct()
        .where(Routing.action.in_(("transfer", "return", "designate_lead")))
        .order_by(Routing.case_id)))
    added = 0
    for first in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[first:first + _CHUNK]
        moves, events = report_history.case_history(chunk)
        kept = set(db.session.execute(
            select(StageSpell.case_id, StageSpell.agency_id, StageSpell.met_on,
                   StageSpell.left_on)
            .where(StageSpell.case_id.in_(chunk), StageSpell.stage == "acceptance")).all())
        cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(chunk)))}
        rows = []
        for case_id in chunk:
            for spell in report_history.spells(case_id, moves[case_id], events[case_id]):
                if (case_id, spell.agency_id, spell.accepted_on, spell.left_on) in kept:
                    continue
                start = spell.reached_on
                rows.append({
                    "case_id": case_id, "agency_id": spell.agency_id, "stage": "acceptance",
                    "start_on": start, "met_on": spell.accepted_on, "left_on": spell.left_on,
                    "due_on": deadlines.due_for(cases[case_id], "acceptance", start)})
        inserted = notifications.insert_ignoring_duplicates(
            StageSpell.__table__, rows, returning=(StageSpell.__table__.c.met_on,))
        added += len(inserted)
        # A Core insert: the scorecard's flush listener does not see it.
        scorecard_summary.unlist(met_on for (met_on,) in inserted)
    return added
