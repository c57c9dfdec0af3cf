"""Escalation rules (leo thang): ladder dates, evasion, supervisors, repeated and mass petitions.

Plain Python with no Flask or SQLAlchemy session, so that every rule is unit-tested alone.
The ladder (domain.md, "Escalation ladder") is data: steps with a level, a code (the
escalation reason), an offset in days relative to a stage's due date and a unit.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz

from complaints.domain.calendar import WorkingCalendar
from complaints.domain.deadlines import HANDLING
from complaints.domain.states import CLOSED, FINAL_STATUSES, SUSPENDED, TRANSITIONS
from complaints.domain.text import fold

# Pattern escalations are not tied to a deadline stage.
CASE_STAGE = "case"
EVADED, REPEATED, MASS = "evaded", "repeated", "mass"
# The moves by which an agency pushes a case away (đùn đẩy): counted towards an evasion,
# and the agencies that made them on an evaded case are the ones it is counted against.
BOUNCING_MOVES = ("return", "transfer")
# Level at which each pattern lands (domain.md): evasion goes to the common supervisor,
# repeated and mass petitions to the inspectorate / provincial level.
PATTERN_LEVELS = {EVADED: 2, REPEATED: 3, MASS: 3}

MASS_PETITIONERS = 5  # khiếu kiện đông người: 5 or more people (Law on Citizen Reception)
MASS_WINDOW_DAYS = 30
REPEAT_WINDOW_MONTHS = 12  # "3 petitions on one matter within 12 months" (domain.md)
REPEAT_PETITIONS = 3
# token_set_ratio of the folded subjects, 0–100: "tranh chap dat dai o thon 3" matches
# "tranh chap dat dai thon 3" but not "o nhiem moi truong".
SIMILAR_SUBJECT = 80
# Đùn đẩy: the second return or transfer of one case (domain.md, "Patterns").
EVASION_MOVES = 2


@dataclass(frozen=True)
class PatternLimits:
    """The thresholds of the evasion, repeated and mass patterns in force on a date.

    The defaults are domain.md's; an administrator adds versions from a date
    (services/pattern_rules.py), as for deadline policies.
    """

    mass_petitioners: int = MASS_PETITIONERS
    mass_window_days: int = MASS_WINDOW_DAYS
    repeat_petitions: int = REPEAT_PETITIONS
    repeat_window_months: int = REPEAT_WINDOW_MONTHS
    similar_subject: int = SIMILAR_SUBJECT
    evasion_moves: int = EVASION_MOVES


DEFAULT_LIMITS = PatternLimits()


@dataclass(frozen=True)
class LimitRule:
    """What an administrator may set for one threshold: bounds and the default's basis."""

    low: int
    high: int
    source: str
    source_en: str


# Codes are PatternLimits' fields. Bounds keep a typo from switching a pattern off or on
# for every case (1 person is not a mass petition; 100 % similarity matches nothing new).
LIMIT_RULES: dict[str, LimitRule] = {
    "mass_petitioners": LimitRule(
        2, 100, "Luật Tiếp công dân 2013, Điều 29 (từ 5 người); quy định của tỉnh",
        "Law on Citizen Reception 2013, Art. 29 (5 people or more); provincial rules"),
    "mass_window_days": LimitRule(1, 365, "Quy định của tỉnh", "Provincial rules"),
    "repeat_petitions": LimitRule(2, 20, "Quy định của tỉnh", "Provincial rules"),
    "repeat_window_months": LimitRule(1, 60, "Quy định của tỉnh", "Provincial rules"),
    "similar_subject": LimitRule(
        50, 99, "Quy định của tỉnh (độ giống trích yếu, 0–100)",
        "Provincial rules (similarity of subjects, 0–100)"),
    "evasion_moves": LimitRule(
        2, 10, "Quy định của tỉnh (số lần trả lại hoặc chuyển đi của một hồ sơ)",
        "Provincial rules (returns or transfers of one case)"),
}


def limits_on(versions: Iterable[tuple[str, int, date]], on: date) -> PatternLimits:
    """The thresholds in force on a date: per code, the latest version from on or before
    it; a code with none keeps its default. `versions`: (code, value, effective_from)."""
    chosen: dict[str, tuple[date, int]] = {}
    for code, value, effective_from in versions:
        if code in LIMIT_RULES and effective_from <= on and (
                code not in chosen or effective_from >= chosen[code][0]):
            chosen[code] = (effective_from, value)
    if not chosen:
        return DEFAULT_LIMITS
    return PatternLimits(**{code: value for code, (_day, value) in chosen.items()})

# Recorded by the system, not by a person: the stage instance the ladder escalation was
# raised against has ended by starting again or by leaving its holder (ladder_superseded),
# or its due date moved past the overdue step (overdue_lapsed).
SUPERSEDED = "superseded"
# Recorded by the system: withdrawals left the mass petition below its threshold.
NO_LONGER_MASS = "no_longer_mass"
# The closures no person made: nothing to acknowledge, no measure taken.
SYSTEM_CLOSURES = (SUPERSEDED, NO_LONGER_MASS)
# Why an escalation lapsed (Escalation.lapse_reason). Only "overtaken" says it should not
# have been raised: the new due date was decided while the deadline still ran, and only
# entered later. The others stood when raised, and the scorecard still counts them; a
# reminder raised again before a due date moved later lapses "ended" (it was sent, and
# right about the date it came before).
LAPSE_ENDED, LAPSE_OVERTAKEN = "ended", "overtaken"
LAPSE_REASONS = (LAPSE_ENDED, LAPSE_OVERTAKEN, NO_LONGER_MASS)
# Statuses that end a case before any decision (withdrawn by every petitioner, or closed at
# the desk or refused): nothing more is owed, so the open ladder escalations lapse as ended
# (still counted: they stood when raised). A resolution keeps them for the addressee to
# acknowledge, as the stage it completed keeps its deadline.
LADDER_ENDS = FINAL_STATUSES - {CLOSED}
def answerable(stage: str, agency_id: int | None, reception_agency_id: int | None) -> int | None:
    """The agency an escalation is scored against, fixed when it is raised: the desk that
    received the case for its handling deadline, else the agency then holding the case
    (None when none does). A later transfer must not carry the overdue to the next holder
    (đùn đẩy would clear the scorecard of the agency that let the deadline pass)."""
    return reception_agency_id if stage == HANDLING else agency_id


# Where a lead agency can be designated (states.TRANSITIONS' designate_lead; a suspended
# case may be bound to its holder, workflow.move_to_lead).
LEAD_STATUSES = frozenset(TRANSITIONS["designate_lead"][0]) | {SUSPENDED}


def awaits_lead(reason: str, lead_agency_id: int | None, status: str) -> bool:
    """Is this an evasion whose supervisor has yet to designate the lead agency? The
    designation is owed (a binding decision, domain: evaded), so such an escalation is not
    closed by an acknowledgement (QA 100: "note" closed it, and a case bounced on with no
    lead raised nothing more). Only while a designation can still be made: a case that
    ended, or was decided meanwhile, is acknowledged as before (QA 101: a resolved case's
    evasion could be closed by no one, and was reminded of every working day)."""
    return reason == EVADED and lead_agency_id is None and status in LEAD_STATUSES


# Acknowledgement actions of the person an escalation is addressed to.
ACK_ACTIONS = {
    "urge": ("Đôn đốc cơ quan giải quyết", "Urge the handling agency"),
    "reassign": ("Giao lại cho cơ quan / cán bộ khác", "Reassign"),
    "set_lead": ("Chỉ định cơ quan chủ trì", "Set the lead agency"),
    "note": ("Ghi nhận", "Note"),
    SUPERSEDED: ("Hết hiệu lực: hồ sơ đã chuyển, trả lại hoặc có hạn mới",
                 "Superseded: the case was transferred or returned, or got a new due date"),
    NO_LONGER_MASS: ("Hết hiệu lực: người đứng đơn rút đơn, không còn đủ số người của đơn "
                     "đông người",
                     "Lapsed: petitioners withdrew, too few remain for a mass petition"),
}


def ladder_superseded(stage: str, started_on: date, starts: Mapping[str, date]) -> bool:
    """Whether a ladder escalation (`stage`, `started_on`) belongs to a stage instance that
    no longer exists: `starts` maps each stage the case has a deadline for to its start.

    A stage completed keeps its deadline (met): its escalations stay for the addressee to
    acknowledge. A transfer, return, new routing or lead designation drops the stage or
    starts it again from a new date: what was raised against the old start is moot.
    Patterns (stage "case") never are.
    """
    return stage != CASE_STAGE and starts.get(stage) != started_on


def overdue_lapsed(level: int, dates: Sequence[date], steps: Sequence[Step],
                   today: date, reminders: bool = False) -> bool:
    """Whether a ladder escalation of `level` no longer stands once its stage's due date
    moved (an extension, or a suspension's time given back, recorded on `today`): an overdue
    step (level 1 and up) that the new due date, whose rungs fall on `dates`, has not
    reached by `today`. The case is not that late, or not late at all, under the new date;
    if it becomes so, the sweep raises the step again.

    `reminders`: a reminder (level 0) too, when the new due date's reminder is still to come:
    raised again before the new date, as before the first. The due date moved later, so the
    agency that answered the first reminder with an extension is told again before the
    extended one runs out (otherwise nothing came until it was overdue). Without it (a stage
    met or left) a reminder stands: it was right about the date it came before.
    """
    if level < 1 and not reminders:
        return False
    on = next((day for step, day in zip(steps, dates, strict=True) if step.level == level),
              None)
    return on is None or on > today


class Step(Protocol):
    level: int
    code: str
    offset_days: int
    unit: str


# --- the ladder ---------------------------------------------------------------------


def step_date(cal: WorkingCalendar, due_on: date, offset_days: int, unit: str) -> date:
    """Return the date a ladder step is reached for a stage due on `due_on`."""
    if offset_days < 0:
        # "3 working days before": the day with that many working days up to the due date.
        day, left = due_on, -offset_days
        while left > 0:
            day -= timedelta(days=1)
            if unit != "working" or cal.is_working_day(day):
                left -= 1
        return day
    if offset_days <= 1:
        # Overdue from the day after the due date (domain.md), whatever the unit.
        return due_on + timedelta(days=max(offset_days, 1))
    if unit == "working":
        return cal.add_working_days(due_on, offset_days)
    return due_on + timedelta(days=offset_days)


def step_dates(cal: WorkingCalendar, due_on: date, steps: Sequence[Step]) -> list[date]:
    """Return the date of each step, in the order of `steps` (lowest level first)."""
    return [step_date(cal, due_on, s.offset_days, s.unit) for s in steps]


@dataclass(frozen=True)
class Rung:
    """One version of one rung: in force for sweeps from `effective_from` on."""

    level: int
    code: str
    offset_days: int
    unit: str
    effective_from: date
    source: str = ""


def rung_date(cal: WorkingCalendar, due_on: date, versions: Sequence[Rung]) -> date:
    """Return the first date on which a rung is reached, its versions taken in date order.

    A sweep on day d applies the version in force on d. So under a version in force from
    E until the next version's E', the rung is reached on max(its own date, E) if that is
    before E'; the first version for which this holds gives the answer (every later one
    only gives later days). A version may thus bring a rung forward, but never to a day
    before it applies.
    """
    for i, version in enumerate(versions):
        on = max(step_date(cal, due_on, version.offset_days, version.unit),
                 version.effective_from)
        if i + 1 == len(versions) or on < versions[i + 1].effective_from:
            return on
    raise ValueError("a rung without versions")


class Ladder(Sequence):
    """Every version of every rung. As a sequence: the rungs, lowest level first (each
    level's latest version: a level's code never changes, its days may)."""

    def __init__(self, versions: Iterable[Rung]) -> None:
        by_level: dict[int, list[Rung]] = {}
        for rung in versions:
            by_level.setdefault(rung.level, []).append(rung)
        self.levels = tuple(tuple(sorted(by_level[level], key=lambda r: r.effective_from))
                            for level in sorted(by_level))
        self._steps = tuple(versions[-1] for versions in self.levels)

    def __getitem__(self, index):
        return self._steps[index]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self):
        return iter(self._steps)

    def dates(self, cal: WorkingCalendar, due_on: date) -> list[date]:
        """The day each rung is reached for a stage due on `due_on`, lowest level first
        (as step_dates, with every version applied from its date)."""
        return [rung_date(cal, due_on, versions) for versions in self.levels]

    def on(self, day: date) -> list[Rung]:
        """The rungs in force on a day, lowest level first (a level not yet in force is
        left out)."""
        found = []
        for versions in self.levels:
            in_force = [r for r in versions if r.effective_from <= day]
            if in_force:
                found.append(in_force[-1])
        return found


# What an administrator may set per level: a reminder comes before the due date, every
# other rung after it; the bounds keep a typo from flooding or silencing a whole province.
RUNG_BOUNDS: dict[int, tuple[int, int]] = {0: (-20, -1), 1: (1, 10), 2: (2, 60), 3: (2, 120)}


def out_of_order_on(ladder: Ladder, day: date) -> date | None:
    """Return the first day from `day` on when the rungs in force do not come in order of
    their days (a higher level sooner than a lower one), or None when they always do."""
    days = sorted({day} | {r.effective_from for versions in ladder.levels for r in versions
                           if r.effective_from > day})
    for on in days:
        offsets = [r.offset_days for r in ladder.on(on)]
        if any(low >= high for low, high in zip(offsets, offsets[1:], strict=False)):
            return on
    return None


def due_step(dates: Sequence[date], steps: Sequence[Step], as_of: date,
             reached: int) -> Step | None:
    """Return the one step to escalate at now: the highest reached by `as_of`, if new.

    A case that skipped levels (the sweep did not run for a week) gets only the level due
    now, never a burst of the missed ones. `reached` is the highest level already
    escalated for this stage (-1: none).
    """
    best = None
    for step, on in zip(steps, dates, strict=True):
        if on <= as_of and (best is None or step.level > best.level):
            best = step
    return best if best is not None and best.level > reached else None


def next_attention(dates: Sequence[date], steps: Sequence[Step], reached: int) -> date | None:
    """Return the date the next step above `reached` falls due (None: top of the ladder)."""
    upcoming = [on for step, on in zip(steps, dates, strict=True) if step.level > reached]
    return min(upcoming) if upcoming else None


def next_step(dates: Sequence[date], steps: Sequence[Step], reached: int,
              as_of: date) -> tuple[date, Step] | None:
    """Return the step the sweep raises next for this stage, with the day it falls due,
    or None at the top of the ladder. A step already due by `as_of` (no sweep since) is
    the one the next sweep raises: the highest reached, as due_step decides."""
    step = due_step(dates, steps, as_of, reached)
    if step is None:
        on = next_attention(dates, steps, reached)
        if on is None:
            return None
        step = due_step(dates, steps, on, reached)
    return next(day for s, day in zip(steps, dates, strict=True) if s is step), step


# --- agencies -----------------------------------------------------------------------


def ancestors(agency_id: int, parent_of: Mapping[int, int | None]) -> list[int]:
    """Return the chain of supervising agencies, nearest first (cycles are cut)."""
    chain: list[int] = []
    node = parent_of.get(agency_id)
    while node is not None and node not in chain and node != agency_id:
        chain.append(node)
        node = parent_of.get(node)
    return chain


def open_superior(agency_id: int, parent_of: Mapping[int, int | None],
                  active: Collection[int]) -> int | None:
    """Return the nearest supervising agency that is still open, or None. A closed level
    (no account can sign in to it, as the districts merged away in 2025) is passed over:
    an escalation or a second complaint sent there would be lost."""
    return next((node for node in ancestors(agency_id, parent_of) if node in active), None)


def root_of(agency_id: int, parent_of: Mapping[int, int | None]) -> int:
    """Return the top of the agency's hierarchy (the provincial level)."""
    chain = ancestors(agency_id, parent_of)
    return chain[-1] if chain else agency_id


def lowest_common_supervisor(agency_ids: Iterable[int],
                             parent_of: Mapping[int, int | None]) -> int | None:
    """Return the lowest agency that supervises every agency given, or None.

    An agency does not supervise itself: if A is B's parent and the case bounced between
    them, the answer is A's parent, since A is one of the parties that bounced it.
    """
    ids = list(dict.fromkeys(agency_ids))
    if not ids:
        return None
    chains = [ancestors(a, parent_of) for a in ids]
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    common -= set(ids)
    return next((a for a in chains[0] if a in common), None)


def nearest_inspectorate(agency_id: int | None, parent_of: Mapping[int, int | None],
                         inspectorates: Iterable[int]) -> int | None:
    """Return the inspectorate nearest up the agency's chain (a child of an ancestor), else any."""
    found = list(inspectorates)
    if not found:
        return None
    if agency_id is None:
        return found[0]
    for level in [agency_id, *ancestors(agency_id, parent_of)]:
        for candidate in found:
            if candidate == level or parent_of.get(candidate) == level:
                return candidate
    return found[0]


# --- evasion (đùn đẩy, né tránh) ------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One move of a case, as the routing history records it."""

    action: str  # route | transfer | return | designate_lead | second_round
    from_agency_id: int | None
    to_agency_id: int | None


@dataclass(frozen=True)
class Evasion:
    why: str  # "returned_or_transferred_twice" | "sent_back"
    agencies: tuple[int, ...]  # every agency that held the case, in order of first holding


def detect_evasion(moves: Sequence[Move], limit: int = EVASION_MOVES,
                   received_by: int | None = None) -> Evasion | None:
    """Return why the history shows a case bounced between agencies, or None.

    Evaded: the `limit`-th return or transfer (PatternLimits.evasion_moves, the second by
    default), or any move back to an agency that already held the case. A designated lead
    agency ends the question.

    `received_by`: the agency that received the case at its own reception (not a reception
    desk, which is never sent a case). It held the case once it routed it to another, so a
    transfer straight back to it is "sent back" (QA 92: a commune → Sở B → the commune).
    """
    if any(m.action == "designate_lead" for m in moves):
        return None
    held: list[int] = []
    bounces = 0
    why = None
    for move in moves:
        if (move.action == "route" and move.from_agency_id is None
                and received_by is not None and move.to_agency_id != received_by
                and received_by not in held):
            held.append(received_by)
        if move.action in BOUNCING_MOVES:
            bounces += 1
            if bounces >= limit and why is None:
                why = "returned_or_transferred_twice"
        if move.from_agency_id is not None and move.from_agency_id not in held:
            held.append(move.from_agency_id)
        if move.to_agency_id is not None:
            # The receiver routing to itself keeps what it received (after a return too):
            # no one pushed the case back to it (QA 94).
            keeps = move.action == "route" and move.to_agency_id == received_by
            if move.to_agency_id in held and why is None and not keeps:
                why = "sent_back"
            if move.to_agency_id not in held:
                held.append(move.to_agency_id)
    return Evasion(why, tuple(held)) if why else None


# --- repeated (kéo dài, nhiều lần) ----------------------------------------------------


@dataclass(frozen=True)
class PetitionFacts:
    received_on: date
    # One key per person (`person_key`): the desk makes a new record of a person who gives
    # no ID number, or whom it may not see, and comparing records missed them back (QA 92).
    people: frozenset[Hashable]


# What made petitions repeated (RepeatBasis.rule).
REPEAT_AFTER_DECISION = "after_decision"  # the same people back after the decision
REPEAT_MANY = "many_petitions"  # `repeat_petitions` petitions within the window
REPEAT_AFTER_PARENT = "after_parent_decision"  # people of a decided earlier case back
# `repeat_petitions` letters within the window counting those of the cases linked to it as
# the same matter (the desk logged a later letter as a linked case rather than joining it).
REPEAT_LINKED = "many_linked_petitions"


@dataclass(frozen=True)
class RepeatBasis:
    """The rule that makes petitions repeated and the petitions that meet it (their indexes
    in the sequence given, earliest first); for REPEAT_MANY, the limits they met."""

    rule: str
    petitions: tuple[int, ...]
    threshold: int = 0  # REPEAT_MANY, REPEAT_LINKED: this many petitions …
    window_months: int = 0  # … within this many calendar months
    # REPEAT_LINKED: the letters of the matter in the window (its own and the linked
    # cases'), and the days of the first and last of them.
    letters: int = 0
    first_on: date | None = None
    last_on: date | None = None


def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months later; the last day of that month when it has
    no such day (31 January + 1 month → 28 or 29 February; 29 February + 12 → 28 February),
    as the Civil Code 2015 (Art. 148(3)) ends a period counted in months."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def repeat_basis(petitions: Sequence[PetitionFacts], decided_on: date | None,
                 limits: PatternLimits = DEFAULT_LIMITS) -> RepeatBasis | None:
    """Why the petitions are repeated, or None: the same petitioner back on the same matter
    after a decision, or 3 petitions in 12 months (`limits`: the count and window in force).

    The window is counted in calendar months as the Civil Code counts a period: it starts
    the day after its first petition (Art. 147(1)) and ends with the same day of the month
    12 months later (Art. 148(3), `months_after`), which is inside it.
    """
    order = sorted(range(len(petitions)), key=lambda i: petitions[i].received_on)
    if decided_on is not None:
        before = [i for i in order if petitions[i].received_on <= decided_on]
        earlier_people = frozenset().union(*(petitions[i].people for i in before))
        back = tuple(i for i in order if petitions[i].received_on > decided_on
                     and petitions[i].people & earlier_people)
        if back:
            return RepeatBasis(REPEAT_AFTER_DECISION, back)
    days = [petitions[i].received_on for i in order]
    count = limits.repeat_petitions
    for i in range(len(days) - count + 1):
        ends = months_after(days[i], limits.repeat_window_months)  # the window's last day
        if days[i + count - 1] <= ends:
            # Every petition of the window, not only the first `count`: all of them count.
            return RepeatBasis(REPEAT_MANY, tuple(
                k for k, day in zip(order[i:], days[i:], strict=True) if day <= ends),
                count, limits.repeat_window_months)
    return None


def repeat_across(own: Sequence[date], linked: Sequence[date],
                  limits: PatternLimits = DEFAULT_LIMITS) -> RepeatBasis | None:
    """Three petitions on one matter within 12 months (`limits`), counting the letters of
    the cases linked to this one as the same matter (`linked`: their days received) with
    its own (`own`). A window counts only if it holds one of the case's own letters: the
    flag is this case's. The basis names its own letters in the window (indexes in `own`).
    """
    days = sorted([(day, i) for i, day in enumerate(own)]
                  + [(day, None) for day in linked], key=lambda pair: pair[0])
    count = limits.repeat_petitions
    for start in range(len(days) - count + 1):
        ends = months_after(days[start][0], limits.repeat_window_months)
        if days[start + count - 1][0] > ends:
            continue
        window = [(day, i) for day, i in days[start:] if day <= ends]
        mine = tuple(sorted((i for _day, i in window if i is not None),
                            key=lambda i: (own[i], i)))
        if mine:
            return RepeatBasis(REPEAT_LINKED, mine, count, limits.repeat_window_months,
                               letters=len(window), first_on=window[0][0],
                               last_on=window[-1][0])
    return None


def is_repeated(petitions: Sequence[PetitionFacts], decided_on: date | None,
                limits: PatternLimits = DEFAULT_LIMITS) -> bool:
    """Same petitioner back on the same matter after a decision, or 3 petitions in 12 months
    (`limits`: the count and window in force)."""
    return repeat_basis(petitions, decided_on, limits) is not None


# --- mass petitions (khiếu kiện đông người) --------------------------------------------


@lru_cache(maxsize=8192)
def fold_subject(subject: str) -> str:
    """Return the subject folded for matching: no accents, lower case, single spaces."""
    return fold(subject)


def similar_subjects(a: str, b: str, threshold: int = SIMILAR_SUBJECT) -> bool:
    """Return True when two folded subjects name the same matter (rapidfuzz token set)."""
    if not a or not b:
        return False
    return fuzz.token_set_ratio(a, b) >= threshold


def is_mass(people: Iterable, minimum: int = MASS_PETITIONERS) -> bool:
    """Return True when `minimum` (5) or more distinct people stand behind the matter.
    `people`: one key per person (`person_key`), or petitioner ids."""
    return len(set(people)) >= minimum


def mass_members(cases: Sequence[Iterable[tuple[date, Collection]]], new: int,
                 limits: PatternLimits = DEFAULT_LIMITS) -> frozenset[int]:
    """The cases clustered with `cases[new]` as a mass petition (indexes), empty if none.

    `cases`: the cases on one matter, each as its letters: (received_on, people), people as
    `person_key`s. Each letter counts on its own day: a letter joined to a case later is
    not dated by the case's first (QA round 28); a case with `mass_petitioners` people is
    mass by itself, on each of its letters' days. Mass: some window of `mass_window_days`
    (dates at most that many days apart) holding a letter of the new case holds
    `mass_petitioners` distinct people. The members are the cases with a letter in every
    such window: a window not holding the new case is not its matter now (five people
    spread over sixty days around it are no mass petition). A case that no one stands
    behind any longer in those windows (all withdrew) adds nobody and is left out.
    """
    letters = []
    for petitions in cases:
        petitions = list(petitions)
        everyone = set().union(*(people for _on, people in petitions))
        # Five or more people on one case make it mass whatever their letters' days
        # (domain.md): each of its letters carries them all.
        if is_mass(everyone, limits.mass_petitioners):
            petitions = [(on, everyone) for on, _people in petitions]
        letters.append(petitions)
    by_day: dict[date, set] = {}
    for petitions in letters:
        for received_on, people in petitions:
            by_day.setdefault(received_on, set()).update(people)
    span = limits.mass_window_days
    anchors = sorted({received_on for received_on, _people in letters[new]})
    days = sorted(by_day)
    # A qualifying window can be slid to start on its earliest letter: trying the days up
    # to `span` before each of the new case's letters as starts finds every one.
    qualifying: set[date] = set()
    for start in days:
        if not any(0 <= (at - start).days <= span for at in anchors):
            continue
        inside = [d for d in days if 0 <= (d - start).days <= span]
        if is_mass(set().union(*(by_day[d] for d in inside)), limits.mass_petitioners):
            qualifying.update(inside)
    if not qualifying:
        return frozenset()
    return frozenset(i for i, petitions in enumerate(letters)
                     if any(on in qualifying and (people or i == new)
                            for on, people in petitions))


def person_key(petitioner_id: int, id_number: str | None, name_folded: str | None,
               phone: str | None, email: str | None, denouncer: bool = False,
               person_ref: str | None = None) -> tuple:
    """One key per person, however many records the desk made of them: a person without an
    ID number who writes again gets a new record, and counting records would make a mass
    petition of one person's letters. The ID number, else the name with the phone or the
    e-mail, else the record itself (nothing tells two such records apart).

    A signer of a denunciation (`denouncer`) is keyed by their own record, never merged
    with people typed on other petitions: a count that came out one short when a suspect
    was typed in beside them told who denounced (Law on Denunciations Art. 8). Counting a
    denouncer twice is the lesser harm.

    `person_ref`: the token the records of one person share once one of them was
    anonymised (its name and numbers gone), so that it still counts as the same person.
    """
    if denouncer:
        return ("record", petitioner_id)
    if person_ref:
        return ("ref", person_ref)
    if id_number:
        return ("id", id_number)
    if name_folded and phone:
        return ("phone", name_folded, phone)
    if name_folded and email:
        return ("email", name_folded, email.lower())
    return ("record", petitioner_id)
