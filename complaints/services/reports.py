"""The official periodic reports: count each form's measures per unit, fill the formulas.

A measure is data: a base (petitions, resolution deadlines of a kind, reception sessions),
the value (a count or a sum) and a condition over the period [s, e]. Every measure is
counted for all units of the subtree in one grouped query.

A report reads what had happened by the period's end, not the cases' state now: a closed
period gives the same figures whenever it is run, as long as nothing dated inside it
changed. Where a later move overwrote the state (a return clears a routing, a transfer
drops the resolution deadline), the routing history says what held at the period's end
(services/report_history.py).

- Petitions (02/XLD) belong to the unit that received them: the agency whose reception
  session took the letter, else the unit whose desk logged their case; carried over when
  received before the period and not handled before it; handled when their handling as
  of the period's end falls in the period (routed inside the system = within competence,
  by kind; guided; forwarded outside; filed, joined to an existing case, or withdrawn by
  every petitioner before the desk decided = filed (lưu đơn)). A return undoes the
  routing from its date on: the petition is pending again until the desk's next
  decision, and the period of the first routing still counts it handled. An urging
  (đôn đốc) counts as the letter's handling only in a period that also holds its receipt
  day; elsewhere the letter is joined (filed) on that day (_urged_outside).
- Matters (03/GQKN, 04/GQTC) belong to the unit that had accepted them and held them at
  the period's end; they enter with the acceptance (the resolution clock's start) and
  leave when that clock stops (a decision or conclusion, or a withdrawal) or when a move
  takes them elsewhere: carried over = accepted before the period and still open at its
  start; resolved = clock stopped in the period; on time = stopped on or before its due
  day. A matter transferred or returned in the period is counted by neither the unit it
  left (it no longer held it at the end) nor, until it accepts it, the one it went to.
  Their petitions (số đơn beside số vụ việc) are the letters of those same matters
  received by the period's end, however many concern one matter; carried over are those
  received before the period, and a letter received in it on a matter carried over is
  counted with the accepted matters' letters (_letters_new).
- Reception (01/TCD): the unit's reception sessions held in the period.
- Enforcement (05/KQTH): the decisions and conclusions that order something, by the unit
  that decided them, with what enforcing them did (services/enforcement.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from complaints.domain import enforcement as enforcement_rules
from complaints.domain import history, states
from complaints.domain import reports as forms
from complaints.domain.catalog import INELIGIBLE_FILINGS, REPORT_CATEGORIES
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    CaseDeadline,
    Enforcement,
    Field,
    Petition,
    ReceptionSession,
)
from complaints.services import report_history
from complaints.services.case_view import agency_name
from complaints.services.inspection import agency_subtree

_OURS = ("routed",)


def _count():
    return literal(1)


def _sum(column):
    return func.coalesce(column, 0)


def _flag(condition):
    return case((condition, 1), else_=0)


@dataclass(frozen=True)
class Measure:
    """A per-unit figure: the sum of `value` (a row expression) over the base's rows that
    meet `where`, or, with `distinct`, the number of distinct values of that column.

    `moved` (complaints, denunciations): whether a matter the unit had accepted and held at
    the period's end, but that a later move took elsewhere, counts here — its resolution
    deadline row is gone, so the history supplies it (report_history.moved_spells)."""
    base: str  # "petition" | "complaint" | "denunciation" | "reception"
    value: Callable  # () -> SQL expression per row, summed (1 counts the rows)
    where: Callable  # (start, end) -> SQL condition
    distinct: Callable | None = None  # () -> column counted distinct instead
    moved: Callable | None = None  # (accepted on, start, end) -> bool
    # Complaints, denunciations: count each matter's petitions instead of `value` — the
    # forms' số đơn beside số vụ việc. (carried over?, start, end) -> (first, last) day
    # of receipt counted (first None: from the beginning): see _letters_before & co.
    letters: Callable | None = None
    # `where` also takes the report's units (start, end, unit ids): what is "ours" depends
    # on whose report it is.
    scoped: bool = False

    def aggregate(self, start: date, end: date, unit_ids: list[int] = ()):
        condition = (self.where(start, end, unit_ids) if self.scoped
                     else self.where(start, end))
        if self.distinct is not None:
            return func.count(func.distinct(case((condition, self.distinct()), else_=None)))
        value = self._letters_sql(start, end) if self.letters else self.value()
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    def _letters_sql(self, start: date, end: date):
        """SQL: the matter's petitions counted, by whether it was carried over."""
        carried, other = self.letters(True, start, end), self.letters(False, start, end)
        if carried == other:
            return _petitions_of_case(*carried)
        return case((CaseDeadline.start_on < start, _petitions_of_case(*carried)),
                    else_=_petitions_of_case(*other))

    def letters_of(self, dates: list[date], accepted_on: date, start: date, end: date) -> int:
        """How many of a moved matter's receipt days (report_history) this counts."""
        first, last = self.letters(accepted_on < start, start, end)
        return sum(1 for d in dates if (first is None or d >= first) and d <= last)


# Which letters of a matter the petitions columns count (Measure.letters). A letter belongs
# to the period it was received in (reports.md: carried over vs received in the period):
# carried over = the carried matters' letters received before the period (QA round 95:
# every letter received by its end was counted carried over, so a letter of 01/10 on a
# matter pending since Q3 made Q4's carried letters exceed Q3's pending ones).
def _letters_before(carried: bool, s: date, e: date):
    return None, s - timedelta(days=1)


def _letters_all(carried: bool, s: date, e: date):
    return None, e


def _letters_new(carried: bool, s: date, e: date):
    """The letters new to the form in the period: all of a matter accepted in it, and
    those received in it on a matter carried over. The forms have no column for letters
    received in the period on a matter carried over; counted here, beside the accepted
    matters' letters, the total (carried + new) is every letter of the matters by the
    period's end, so resolved + pending still add up to it without a new column."""
    return (s if carried else None), e


def _petitions_of_case(first: date | None, last: date):
    """SQL: the number of the case's petitions received from `first` (None: any day) to
    `last` (correlated to Case)."""
    query = select(func.count(Petition.id)).where(Petition.case_id == Case.id,
                                                   Petition.received_on <= last)
    if first is not None:
        query = query.where(Petition.received_on >= first)
    return query.correlate(Case).scalar_subquery()


def _receipt_days(case_ids: set[int], end: date) -> dict[int, list[date]]:
    """{case id: its petitions' receipt days by `end`} (the matters the history adds)."""
    out: dict[int, list[date]] = {}
    if not case_ids:
        return out
    for case_id, received_on in db.session.execute(
            select(Petition.case_id, Petition.received_on)
            .where(Petition.case_id.in_(sorted(case_ids)), Petition.received_on <= end)):
        out.setdefault(case_id, []).append(received_on)
    return out


def _urged_outside(s, e):
    """SQL: the letter was urged on (đôn đốc) outside the period [s, e] of its receipt: it
    is counted joined (filed) on its receipt day. An urging replaces only a joined letter's
    handling (urging.urge_holder), and a letter is joined on the day it is received
    (intake.add_petition). Urged after `e`: until then it was joined (QA round 57: an
    urging after the cut-off turned a closed period's filed letter into a pending one).
    Received before `s`: the period of its receipt counted it handled, as filed, and its
    pending figure is what this period carries over; urged now, it would be carried over
    and handled a second time (QA round 95). The urging is not a second handling of the
    letter: 02/XLD counts it urged (column 33) only in a period holding both days."""
    return and_(Petition.handling_outcome == "urged",
                or_(Petition.handled_on > e, Petition.received_on < s))


def _handled_on(s, e):
    """The day the petition's handling in force at the end of `e` was decided (NULL:
    pending then), for the period [s, e]. Its handling now holds if decided by then: a
    later return would have cleared it. An urging outside the period stands for the
    joining of its receipt day. Otherwise a routing by then may have been undone since
    (report_history)."""
    return case((_urged_outside(s, e), Petition.received_on),
                (Petition.handled_on <= e, Petition.handled_on),
                else_=report_history.routed_as_of(e))


def _outcome_as_of(s, e):
    """The petition's handling outcome in force at the end of `e` (NULL: pending then)."""
    return case((_urged_outside(s, e), literal("joined")),
                (Petition.handled_on <= e, Petition.handling_outcome),
                (report_history.routed_as_of(e).is_not(None), literal("routed")),
                else_=None)


def _handled(s, e):
    return _handled_on(s, e).between(s, e)


def _handled_as(*outcomes):
    return lambda s, e: and_(_handled(s, e), _outcome_as_of(s, e).in_(outcomes))


def _routed_within(e, unit_ids):
    """SQL: the routing in force at the end of `e` sent the case to one of the report's
    units. A desk's routing outside them is a transfer (chuyển đơn) in this report: a
    commune's 02/XLD did not count as its own a complaint its desk sent up to a department,
    that its 03/GQKN never has (QA round 45). No routing row found (none is expected for a
    letter counted routed) counts as within, as before: the first unit stands in for it."""
    if not unit_ids:
        return literal(True)
    return func.coalesce(report_history.routed_to_as_of(e), unit_ids[0]).in_(unit_ids)


def _anonymous_denunciation(e):
    """SQL: a denunciation none of whose letters received by `e` was eligible for handling
    at `e` (workflow.anonymous_denunciation): it is not handled as a denunciation (domain.md, Law
    on Denunciations Art. 25), so a routing passes it on rather than within competence."""
    letter = aliased(Petition)
    return and_(Case.kind == "denunciation", ~exists().where(
        letter.case_id == Case.id, letter.received_on <= e, letter.eligible.is_(True),
        or_(letter.filing_reason.is_(None),
            letter.filing_reason.not_in(sorted(INELIGIBLE_FILINGS)),
            # A filing dated after the cut-off does not reach back (QA round 89, as
            # column 5's petitions_eligible): a closed period keeps its figures.
            letter.handled_on > e)))


def _kind_in(*kinds):
    def where(s, e, unit_ids):
        condition = and_(_handled_as(*_OURS)(s, e), Case.kind.in_(kinds),
                         _routed_within(e, unit_ids))
        # QA round 57: column 8 counted an anonymous letter as a denunciation within
        # competence; routed on, it is passed on (column 12, _transferred).
        return and_(condition, ~_anonymous_denunciation(e)) if "denunciation" in kinds \
            else condition
    return where


def _transferred(s, e, unit_ids):
    """Forwarded outside the system, or routed to an agency outside the report's units, or
    an anonymous denunciation routed anywhere (passed on for inspection, not handled)."""
    return or_(_handled_as("forwarded")(s, e), and_(
        _handled_as(*_OURS)(s, e),
        or_(~_routed_within(e, unit_ids), _anonymous_denunciation(e))))


def _outcome(*codes):
    return lambda s, e: and_(CaseDeadline.met_on.between(s, e), Case.outcome.in_(codes))


_stopped = lambda s, e: CaseDeadline.met_on.between(s, e)  # noqa: E731
_carried = lambda s, e: and_(CaseDeadline.start_on < s,  # noqa: E731
                             or_(CaseDeadline.met_on.is_(None), CaseDeadline.met_on >= s))
_accepted = lambda s, e: CaseDeadline.start_on.between(s, e)  # noqa: E731
_on_time = lambda s, e: and_(_stopped(s, e), CaseDeadline.met_on <= CaseDeadline.due_on)  # noqa: E731
_held = lambda s, e: ReceptionSession.held_on.between(s, e)  # noqa: E731


def _leaders_periodic():
    """A leader's periodic session (tiếp định kỳ), not an unscheduled one (đột xuất)."""
    return and_(ReceptionSession.kind.in_(("head", "deputy")),
                ReceptionSession.scheduled.is_(True))


def _regular():
    """A session of regular reception (tiếp thường xuyên)."""
    return ReceptionSession.kind == "regular"


def _head_unscheduled():
    """An unscheduled session held by the head in person (thủ trưởng tiếp đột xuất)."""
    return and_(ReceptionSession.kind == "head", ReceptionSession.scheduled.is_(False))


# The cells of 01/TCD's reception grid: how many sessions (None), or a figure summed.
_SESSION_FIGURES = {
    "sessions": None, "turns": ReceptionSession.turns, "people": ReceptionSession.people,
    "first": ReceptionSession.matters_first, "repeated": ReceptionSession.matters_repeated,
    "delegations": ReceptionSession.delegations,
    "delegation_people": ReceptionSession.delegation_people,
    "delegation_matters": ReceptionSession.delegation_matters,
}


def _session_figures(prefix: str, which: Callable, *names: str) -> dict[str, Measure]:
    """Measures "<prefix>_<name>" over the sessions held in the period that meet `which`:
    how many there were ("sessions"), or the sum of that figure."""
    def measure(column) -> Measure:
        if column is None:
            return Measure("reception", lambda: _flag(which()), _held)
        return Measure("reception", lambda: _sum(case((which(), column), else_=0)), _held)

    return {f"{prefix}_{name}": measure(_SESSION_FIGURES[name]) for name in names}


_KN_MAIN = ("right", "wrong", "partly_right")
_TC_MAIN = ("denunciation_right", "denunciation_wrong", "denunciation_partly_right")
# Outcome figures summed by 03/GQKN and 04/GQTC (measure suffix → Case column; money in
# million VND and land in m², as stored).
_FIGURES = {
    "money_recover": Case.money_to_recover, "land_recover": Case.land_to_recover,
    "money_return": Case.money_to_return, "land_return": Case.land_to_return,
    "people_restored": Case.people_restored, "orgs_restored": Case.orgs_restored,
    "disciplined": Case.people_disciplined,
    "officials_disciplined": Case.officials_disciplined,
    "people_investigation": Case.people_sent_to_investigation,
}


def _kind_measures(prefix: str, base: str, main: tuple[str, str, str]) -> dict[str, Measure]:
    right, wrong, partly = main
    out = {
        f"{prefix}_carried": Measure(base, _count, _carried,
                                     moved=lambda on, s, e: on < s),
        f"{prefix}_accepted": Measure(base, _count, _accepted,
                                      moved=lambda on, s, e: s <= on <= e),
        f"{prefix}_right": Measure(base, _count, _outcome(right)),
        f"{prefix}_wrong": Measure(base, _count, _outcome(wrong)),
        f"{prefix}_partly": Measure(base, _count, _outcome(partly)),
        f"{prefix}_on_time": Measure(base, _count, _on_time),
        f"{prefix}_investigation": Measure(
            base, lambda: _flag(Case.sent_to_investigation.is_(True)), _stopped),
        # The decision's or conclusion's figures, counted when its clock stops.
        **{f"{prefix}_{name}": Measure(base, lambda column=column: _sum(column), _stopped)
           for name, column in _FIGURES.items()},
    }
    # The petitions (đơn) of the matters: carried over (received before the period, on
    # matters carried over), new in the period (see _letters_new) and of those resolved.
    out[f"{prefix}_petitions_carried"] = Measure(base, _count, _carried,
                                                 letters=_letters_before,
                                                 moved=out[f"{prefix}_carried"].moved)
    out[f"{prefix}_petitions_accepted"] = Measure(
        base, _count, lambda s, e: or_(_accepted(s, e), _carried(s, e)), letters=_letters_new,
        moved=lambda on, s, e: on <= e)
    out[f"{prefix}_petitions_resolved"] = Measure(base, _count, _stopped,
                                                  letters=_letters_all)
    # Everything else that stopped the clock: withdrawal, second-round decisions.
    other = Measure(base, _count, lambda s, e: and_(
        _stopped(s, e), or_(Case.outcome.is_(None), Case.outcome.not_in(main))))
    out[f"{prefix}_other" if prefix == "kn" else f"{prefix}_withdrawn"] = other
    return out


# 05/KQTH: the decisions to enforce (base "decision": a case decided, with its enforcement
# record if any). Carried over = decided before the period, not enforced before it.
_SECOND = aliased(Case)


def _standing(e):
    """SQL: the decision still stood when it was enforced, or at the period's end if it was
    not enforced by then: no second-round decision dated by then annulled or amended it
    (QA round 39). A decision enforced before it was annulled was one to enforce, and
    enforced: every column counts it alike (QA round 45: column 4 counted it while columns
    1–3 had dropped it, and column 5 went below zero)."""
    at = case((and_(Enforcement.enforced_on.is_not(None), Enforcement.enforced_on < e),
               Enforcement.enforced_on), else_=e)
    return ~exists().where(_SECOND.parent_case_id == Case.id,
                           _SECOND.complaint_round == 2,
                           _SECOND.outcome == enforcement_rules.ANNULLING,
                           _SECOND.decision_on <= at)


_under_enforcement = lambda s, e: and_(  # noqa: E731
    or_(Enforcement.enforced_on.is_(None), Enforcement.enforced_on >= s), _standing(e))
_enforced = lambda s, e: and_(Enforcement.enforced_on.between(s, e), _standing(e))  # noqa: E731


def _enforcement_measures() -> dict[str, Measure]:
    due = {"money_recover": Case.money_to_recover, "land_recover": Case.land_to_recover,
           "money_return": Case.money_to_return, "land_return": Case.land_to_return,
           "discipline_due": Case.people_disciplined}
    done = {"money_recovered": Enforcement.money_recovered,
            "land_recovered": Enforcement.land_recovered,
            "money_returned": Enforcement.money_returned,
            "land_returned": Enforcement.land_returned,
            "disciplined": Enforcement.people_disciplined,
            "officials_disciplined": Enforcement.officials_disciplined,
            "cases_prosecuted": Enforcement.cases_prosecuted,
            "people_prosecuted": Enforcement.people_prosecuted}
    return {
        "kqth_carried": Measure("decision", _count, lambda s, e: and_(
            Case.decision_on < s, _under_enforcement(s, e))),
        "kqth_issued": Measure("decision", _count, lambda s, e: and_(
            Case.decision_on.between(s, e), _standing(e))),
        "kqth_enforced": Measure("decision", _count, _enforced),
        # What the decisions of column 1 (carried over or issued) ordered.
        **{f"kqth_{name}": Measure("decision", lambda column=column: _sum(column),
                                   _under_enforcement) for name, column in due.items()},
        "kqth_investigation_due": Measure(
            "decision", lambda: _flag(Case.sent_to_investigation.is_(True)),
            _under_enforcement),
        # What enforcing the decisions of column 4 did.
        **{f"kqth_{name}": Measure("decision", lambda column=column: _sum(column), _enforced)
           for name, column in done.items()},
    }


def _to_enforce():
    """SQL: the case's decision orders something (domain.enforcement.to_enforce)."""
    return and_(Case.kind.in_(enforcement_rules.KINDS),
                Case.status.in_((states.RESOLVED, states.CLOSED)),
                or_(Case.sent_to_investigation.is_(True),
                    *(getattr(Case, name) > 0 for name in enforcement_rules.ORDERS)))


MEASURES: dict[str, Measure] = {
    "petitions_carried": Measure("petition", _count, lambda s, e: and_(
        Petition.received_on < s,
        or_(_handled_on(s, e).is_(None), _handled_on(s, e) >= s))),
    "petitions_received": Measure("petition", _count,
                                  lambda s, e: Petition.received_on.between(s, e)),
    "matters_received": Measure("petition", _count,
                                lambda s, e: Petition.received_on.between(s, e),
                                distinct=lambda: Petition.case_id),
    # Eligible (reports.md): named, clear, and not a duplicate. A duplicate keeps its own
    # `eligible` (what the desk ticked on the letter) but is never counted here.
    # Eligible as of the period's end: a filing for an ineligible reason dated after it
    # does not reach back (catalog.INELIGIBLE_FILINGS, Petition.eligible_now).
    "petitions_eligible": Measure("petition", _count, lambda s, e: and_(
        Petition.received_on.between(s, e), Petition.eligible.is_(True),
        Petition.is_duplicate.is_(False),
        or_(Petition.filing_reason.is_(None),
            Petition.filing_reason.not_in(sorted(INELIGIBLE_FILINGS)),
            Petition.handled_on > e))),
    # The history of the matter of the letters received (domain.history), by the kind the
    # case has now: a letter's stated history belongs to its kind.
    "petitions_first": Measure("petition", _count, lambda s, e: and_(
        Petition.received_on.between(s, e), Petition.history == history.FIRST)),
    **{f"petitions_{code}": Measure("petition", _count, lambda s, e, codes=codes, kind=kind:
                                    and_(Petition.received_on.between(s, e),
                                         Petition.history.in_(codes), Case.kind == kind))
       for code, kind, codes in (
           ("decided_round1", "complaint", (history.DECIDED_ROUND1,)),
           ("decided_round2", "complaint", (history.DECIDED_ROUND2,)),
           ("court", "complaint", (history.COURT,)),
           ("follow_up", "denunciation", history.FOLLOW_UPS),
           ("follow_up_overdue", "denunciation", (history.FOLLOW_UP_OVERDUE,)))},
    # By the forms' field categories (reports.md "Field"): the field the case has now.
    **{f"petitions_category_{code}": Measure("petition", _count, lambda s, e, code=code: and_(
        Petition.received_on.between(s, e),
        Case.field_id.in_(select(Field.id).where(Field.report_category == code))))
       for code in REPORT_CATEGORIES},
    "handled_complaint_ours": Measure("petition", _count, _kind_in("complaint"), scoped=True),
    "handled_complaint_ours_round1": Measure("petition", _count, lambda s, e, units: and_(
        _kind_in("complaint")(s, e, units), Case.complaint_round == 1), scoped=True),
    "handled_denunciation_ours": Measure("petition", _count, _kind_in("denunciation"),
                                         scoped=True),
    "handled_other_ours": Measure("petition", _count, _kind_in("recommendation", "feedback"),
                                  scoped=True),
    "handled_guided": Measure("petition", _count, _handled_as("guided")),
    "handled_urged": Measure("petition", _count, _handled_as("urged")),
    "handled_forwarded": Measure("petition", _count, _transferred, scoped=True),
    # A petition withdrawn before the desk handled it is filed away (lưu đơn): the form
    # has no column of its own for it, and it is neither pending nor handled otherwise.
    "handled_filed": Measure("petition", _count,
                             _handled_as("filed", "joined", "withdrawn")),
    "replies_received": Measure("petition", _count,
                                lambda s, e: Petition.reply_received_on.between(s, e)),
    **_kind_measures("kn", "complaint", _KN_MAIN),
    # Second-round outcomes (complaint_round 2): detail of kn_other.
    "kn_upheld": Measure("complaint", _count, _outcome("upheld")),
    "kn_annulled": Measure("complaint", _count, _outcome("annulled")),
    **_kind_measures("tc", "denunciation", _TC_MAIN),
    "tcd_regular_turns": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "regular", ReceptionSession.turns), else_=0)), _held),
    "tcd_regular_people": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "regular", ReceptionSession.people), else_=0)), _held),
    "tcd_regular_matters": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "regular",
         ReceptionSession.matters_first + ReceptionSession.matters_repeated), else_=0)), _held),
    "tcd_head_turns": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "head", ReceptionSession.turns), else_=0)), _held),
    "tcd_deputy_turns": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "deputy", ReceptionSession.turns), else_=0)), _held),
    "tcd_head_people": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "head", ReceptionSession.people), else_=0)), _held),
    "tcd_deputy_people": Measure("reception", lambda: _sum(case(
        (ReceptionSession.kind == "deputy", ReceptionSession.people), else_=0)), _held),
    # Only the periodic figures are measured: 01/TCD derives the unscheduled ones.
    "tcd_periodic_turns": Measure("reception", lambda: _sum(case(
        (_leaders_periodic(), ReceptionSession.turns), else_=0)), _held),
    "tcd_periodic_sessions": Measure("reception", lambda: _flag(_leaders_periodic()), _held),
    "tcd_leader_sessions": Measure("reception", lambda: _flag(
        ReceptionSession.kind.in_(("head", "deputy"))), _held),
    "tcd_first": Measure("reception", lambda: _sum(ReceptionSession.matters_first), _held),
    "tcd_repeated": Measure("reception", lambda: _sum(ReceptionSession.matters_repeated),
                            _held),
    "tcd_delegations": Measure("reception", lambda: _sum(ReceptionSession.delegations), _held),
    "tcd_delegation_people": Measure("reception",
                                     lambda: _sum(ReceptionSession.delegation_people), _held),
    "tcd_delegation_matters": Measure("reception",
                                      lambda: _sum(ReceptionSession.delegation_matters), _held),
    # The rest of the reception grid (columns 20–): 01/TCD derives the deputy's
    # unscheduled figures, and regular repeated matters, from the totals.
    **_session_figures("tcd_regular", _regular, "sessions", "first", "delegations",
                       "delegation_people", "delegation_matters"),
    **_session_figures("tcd_periodic", _leaders_periodic, "people", "first", "repeated",
                       "delegations", "delegation_people", "delegation_matters"),
    **_session_figures("tcd_unscheduled_head", _head_unscheduled, *_SESSION_FIGURES),
    **_enforcement_measures(),
}


# The reception session a letter was received at (its own name: the reception base reads
# ReceptionSession itself).
_LETTER_SESSION = aliased(ReceptionSession)


def _base_query(base: str, unit_ids: list[int]):
    """Return (unit column, select-from builder) for a measure's base."""
    if base == "petition":
        # The unit that received the letter: the agency whose reception session took it,
        # else the desk that logged its case (QA round 57: a later letter handed in at a
        # department's session was the desk's, which never had it).
        unit = func.coalesce(_LETTER_SESSION.agency_id, Case.reception_agency_id)
        return unit, lambda cols: select(*cols).select_from(Petition).join(
            Case, Case.id == Petition.case_id).outerjoin(
            _LETTER_SESSION, _LETTER_SESSION.id == Petition.reception_session_id).where(
            unit.in_(unit_ids))
    if base == "reception":
        unit = ReceptionSession.agency_id
        return unit, lambda cols: select(*cols).where(unit.in_(unit_ids))
    if base == "decision":  # the unit that decided (a decided case moves no more)
        unit = Case.agency_id
        return unit, lambda cols: select(*cols).select_from(Case).outerjoin(
            Enforcement, Enforcement.case_id == Case.id).where(unit.in_(unit_ids),
                                                               _to_enforce())
    unit = Case.agency_id
    return unit, lambda cols: select(*cols).select_from(CaseDeadline).join(
        Case, Case.id == CaseDeadline.case_id).where(
        unit.in_(unit_ids), CaseDeadline.stage == "resolution", Case.kind == base)


# Every measure needs rows that began by the period's end (received, accepted, held):
# one condition that lets each base's single pass skip the later rows.
_BEGUN = {"petition": lambda e: Petition.received_on <= e,
          "reception": lambda e: ReceptionSession.held_on <= e,
          "decision": lambda e: Case.decision_on <= e}


def count_measures(codes: list[str], unit_ids: list[int], start: date, end: date
                   ) -> dict[int, dict[str, float]]:
    """Count the given measures per unit: {unit id: {measure: value}}.

    One grouped pass per base (petitions, complaint or denunciation deadlines, reception
    sessions) computes all of that base's measures at once, each a conditional sum; the
    matters a unit held at the end but gave up since are then added from the history.
    """
    out: dict[int, dict[str, float]] = {u: {} for u in unit_ids}
    by_base: dict[str, list[str]] = {}
    for code in codes:
        by_base.setdefault(MEASURES[code].base, []).append(code)
    for base, base_codes in by_base.items():
        unit, builder = _base_query(base, unit_ids)
        begun = _BEGUN.get(base, lambda e: CaseDeadline.start_on <= e)
        query = builder([unit, *(MEASURES[c].aggregate(start, end, unit_ids)
                                 for c in base_codes)]) \
            .where(begun(end)).group_by(unit)
        for unit_id, *values in db.session.execute(query):
            for code, value in zip(base_codes, values, strict=True):
                out[unit_id][code] = value
        moved = [c for c in base_codes if MEASURES[c].moved is not None]
        spells = report_history.moved_spells(unit_ids, base, end) if moved else []
        days = _receipt_days({s.case_id for s in spells}, end) if any(
            MEASURES[c].letters for c in moved) else {}
        for spell in spells:
            for code in moved:
                measure = MEASURES[code]
                if measure.moved(spell.accepted_on, start, end):
                    weight = measure.letters_of(days.get(spell.case_id, []), spell.accepted_on,
                                                start, end) if measure.letters else 1
                    out[spell.agency_id][code] = out[spell.agency_id].get(code, 0) + weight
    return out


def count_distinct_totals(codes: list[str], unit_ids: list[int], start: date, end: date
                          ) -> dict[str, float]:
    """The distinct measures among `codes` over all the units at once: {measure: value}.

    A distinct count is no sum: a matter whose letters two units received is in both
    units' rows, and once in the total (QA round 89: the province's 02/XLD column 4
    counted it twice)."""
    out: dict[str, float] = {}
    for code in codes:
        measure = MEASURES[code]
        if measure.distinct is None or code in out:
            continue
        _unit, builder = _base_query(measure.base, unit_ids)
        begun = _BEGUN.get(measure.base, lambda e: CaseDeadline.start_on <= e)
        out[code] = db.session.scalar(builder([measure.aggregate(start, end, unit_ids)])
                                      .where(begun(end))) or 0
    return out


@dataclass
class Report:
    form: forms.Form
    period: forms.Period
    root: Agency
    units: list[Agency]
    rows: list[dict[str, float]]  # column code → value, one per unit
    total: dict[str, float]


def _number(value) -> float | int:
    """Counts as int, money and land as float (Decimal from the database)."""
    if value is None:
        return 0
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 2)


def build_report(form_code: str, root_code: str, period: forms.Period) -> Report:
    """Build a form for a period over the agency subtree: one row per unit and a total."""
    form = forms.FORMS[form_code]
    unit_ids = agency_subtree(root_code)
    units = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(unit_ids)))}
    ordered = [units[i] for i in unit_ids if i in units]
    root = ordered[0]
    ordered = [root] + sorted(ordered[1:], key=lambda a: (a.level, name_order(a.name)))
    measured = [c for c in form.columns if c.measure]
    counts = count_measures([c.measure for c in measured], [a.id for a in ordered],
                            period.start, period.end)
    rows = []
    for agency in ordered:
        values = {c.code: _number(counts[agency.id].get(c.measure, 0)) for c in measured}
        rows.append(forms.evaluate(form, values))
    distinct = count_distinct_totals([c.measure for c in measured], [a.id for a in ordered],
                                     period.start, period.end)
    once = {c.code: _number(distinct[c.measure]) for c in measured if c.measure in distinct}
    return Report(form, period, root, ordered, rows, forms.total_row(form, rows, once))


def workbook_bytes(report: Report, lang: str = "vi") -> bytes:
    """Write the form as .xlsx in its official layout (write-only: rows are streamed)."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    write_form_sheet(book, report, lang)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def write_forms_file(reports: list[Report], path, lang: str = "vi") -> None:
    """Write several forms to one .xlsx file, one sheet per form (background reports)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for report in reports:
        write_form_sheet(book, report, lang)
    book.save(path)


def write_form_sheet(book, report: Report, lang: str = "vi") -> None:
    """Append one form's sheet, in its official layout, to a write-only workbook."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.cell_range import CellRange

    from complaints.services.spreadsheet import xlsx_cell, xlsx_row

    form, period = report.form, report.period
    sheet = book.create_sheet(form.code.replace("/", "-"))
    bold = Font(bold=True)

    def cells(values, font=None):
        out = []
        for value in values:
            cell = xlsx_cell(sheet, value)  # agency names are text, never formulas
            if font:
                cell.font = font
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            out.append(cell)
        return out

    columns = form.columns
    text = SHEET_TEXT["en" if lang == "en" else "vi"]
    sheet.append(cells([agency_name(report.root, lang)] + [""] * len(columns)
                       + [f"{text['form']} {form.code}"], bold))
    sheet.append(cells([form.title(lang).upper()], bold))
    sheet.append(cells([period.label(lang)]))
    sheet.append(cells([header_range(period, lang)]))
    sheet.append([])
    sheet.append(cells([text["no"], text["unit"]] + [c.group_en if lang == "en" else c.group_vi
                                                     for c in columns], bold))
    # A group once across its columns, as the forms print it (QA round 102). A write-only
    # sheet has no merge_cells(): its merged ranges are written from this set on save.
    first = 3  # columns A and B: STT, unit
    for label, span in form.groups(lang):
        if label and span > 1:
            sheet.merged_cells.add(CellRange(min_col=first, min_row=GROUP_ROW,
                                             max_col=first + span - 1, max_row=GROUP_ROW))
        first += span
    sheet.append(cells(["", ""] + [c.label(lang) for c in columns], bold))
    sheet.append(cells(["", ""] + [c.formula or c.code for c in columns], bold))
    for index, (unit, row) in enumerate(zip(report.units, report.rows, strict=True), start=1):
        sheet.append(xlsx_row(sheet, [index, agency_name(unit, lang)]
                              + [row.get(c.code, 0) for c in columns]))
    sheet.append(cells(["", text["total"]] + [report.total.get(c.code, 0) for c in columns],
                       bold))
    sheet.append([])
    # The head's place-and-date line, above "THỦ TRƯỞNG ĐƠN VỊ" as on the page (QA round
    # 57: the workbook, and the five-form pack that writes the same sheets, left it out).
    sheet.append(cells([""] * (len(columns) + 1) + [text["place_date"]]))
    sheet.append(cells(["", text["preparer"]] + [""] * (len(columns) - 1) + [text["head"]],
                       bold))
    sheet.append(cells(["", text["sign"]] + [""] * (len(columns) - 1) + [text["sign_seal"]]))


# The official forms' fixed wording (Vietnamese is the form itself; English for reading).
SHEET_TEXT = {
    "vi": {"form": "Biểu số", "no": "STT", "unit": "Đơn vị", "total": "Tổng cộng",
           "preparer": "NGƯỜI LẬP BIỂU", "head": "THỦ TRƯỞNG ĐƠN VỊ",
           "sign": "(Ký, ghi rõ họ tên)", "sign_seal": "(Ký, ghi rõ họ tên, đóng dấu)",
           "place_date": "…, ngày … tháng … năm …",
           "range": "Số liệu tính từ ngày {start} đến ngày {end}"},
    # As the report page words them (complaints/translations, en).
    "en": {"form": "Form no.", "no": "No.", "unit": "Unit", "total": "Grand total",
           "preparer": "PREPARED BY", "head": "HEAD OF UNIT",
           "sign": "(Signature and full name)", "sign_seal": "(Signature, full name and seal)",
           "place_date": "…, day … month … year …",
           "range": "Figures from {start} to {end}"},
}


def header_range(period: forms.Period, lang: str = "vi") -> str:
    """The forms' header line: "Số liệu tính từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy"."""
    return SHEET_TEXT["en" if lang == "en" else "vi"]["range"].format(
        start=period.start.strftime("%d/%m/%Y"), end=period.end.strftime("%d/%m/%Y"))


# Rows of the workbook: header lines before the data, as the tests and readers find them.
GROUP_ROW = 6  # the column groups, above the column labels and numbers
FIRST_DATA_ROW = 9
