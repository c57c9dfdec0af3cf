"""Deadlines (thời hạn): due dates, days left, suspension and their explanation.

Plain Python with no Flask or SQLAlchemy. Every day count goes through WorkingCalendar.
Conventions (domain.md, "Counting days"):
- the day of the triggering event is not counted (Civil Code 2015 Art. 147(2));
- a deadline ends at the end of its due date: overdue from the next day on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from complaints.domain.calendar import WEEKEND, WorkingCalendar, reason_label

WORKING = "working"  # ngày làm việc
CALENDAR = "calendar"  # ngày (calendar days)
UNITS = (WORKING, CALENDAR)

HANDLING = "handling"  # xử lý đơn: classify, route, guide or file a received petition
ACCEPTANCE = "acceptance"  # thụ lý: the competent agency accepts or returns it
RESOLUTION = (
    "resolution"  # giải quyết: from the acceptance decision to the decision/conclusion
)
STAGES = (HANDLING, ACCEPTANCE, RESOLUTION)

OK = "ok"
AMBER = "amber"
RED = "red"

_UNIT_LABELS = {
    "vi": {WORKING: "ngày làm việc", CALENDAR: "ngày (theo ngày)"},
    "en": {WORKING: "working days", CALENDAR: "calendar days"},
}


def _fmt(d: date) -> str:
    """Format a date as dd/mm/yyyy, as Vietnamese documents do."""
    return d.strftime("%d/%m/%Y")


def _check_unit(unit: str) -> None:
    """Reject an unknown unit early: a typo would silently change every due date."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")


@dataclass(frozen=True)
class Deadline:
    """A computed deadline for one stage, with what it was computed from."""

    stage: str
    start_on: date
    due_on: date
    days: int  # the policy's days, without extensions
    unit: str
    source: str  # legal source of the rule (Vietnamese)
    skipped: tuple[tuple[date, str], ...]  # non-working days that pushed the due date
    extended_days: int = 0  # added by extensions (gia hạn), same unit
    source_en: str = ""  # English rendering of source, if known

    @property
    def total_days(self) -> int:
        """Return the days counted, extensions included."""
        return self.days + self.extended_days

    def explain(self, lang: str = "vi") -> str:
        """Return a one-line human explanation of how the due date was computed."""
        lang = "en" if lang.startswith("en") else "vi"
        unit = _UNIT_LABELS[lang][self.unit]
        if lang == "vi":
            text = f"{self.days} {unit}"
            if self.extended_days:
                text += f" + {self.extended_days} ngày gia hạn"
            text += f" kể từ ngày {_fmt(self.start_on)} ({self.source}) → hạn {_fmt(self.due_on)}"
            skipped_word = "bỏ qua"
        else:
            text = f"{self.days} {unit}"
            if self.extended_days:
                text += f" + {self.extended_days} days' extension"
            source = self.source_en or self.source
            text += f" from {_fmt(self.start_on)} ({source}) → due {_fmt(self.due_on)}"
            skipped_word = "skipped"
        items = self._skipped_items(lang)
        if items:
            text += f"; {skipped_word}: " + ", ".join(items)
        return text

    def _skipped_items(self, lang: str) -> list[str]:
        """List the skipped days; for working units weekends are only counted, not listed."""
        if self.unit == CALENDAR:
            return [f"{_fmt(d)} {reason_label(d, r, lang)}" for d, r in self.skipped]
        # Working units skip every weekend; naming each one would bury the holidays.
        weekends = sum(1 for _, r in self.skipped if r == WEEKEND)
        items = [
            f"{_fmt(d)} {reason_label(d, r, lang)}"
            for d, r in self.skipped
            if r != WEEKEND
        ]
        if weekends:
            label = "ngày cuối tuần" if lang == "vi" else (
                "weekend day" if weekends == 1 else "weekend days")
            items.insert(0, f"{weekends} {label}")
        return items


def compute_due(cal: WorkingCalendar, start_on: date, days: int, unit: str) -> date:
    """Return the due date of a period of days in unit starting after start_on."""
    _check_unit(unit)
    if days < 0:
        raise ValueError("days must be >= 0")
    if unit == WORKING:
        return cal.add_working_days(start_on, days)
    # Calendar days: a due date on a day off moves to the next working day (Civil Code Art. 148(5)).
    return cal.next_working_day(start_on + timedelta(days=days))


def _skipped(
    cal: WorkingCalendar, start_on: date, due_on: date, days: int, unit: str
) -> tuple[tuple[date, str], ...]:
    """Return the days off that explain the due date."""
    if unit == WORKING:
        return tuple(cal.days_off_between(start_on, due_on))
    # Calendar days count days off too; only those that moved the due date matter.
    nominal = start_on + timedelta(days=days)
    return tuple(cal.days_off_between(nominal - timedelta(days=1), due_on))


# A suspension's note after a stored explanation: how the due date moved (vi is stored).
# The explanation before it ends on the due date as it was; the note ends on the new one,
# so the text never leaves a stale date last (notes stored before the new date have none).
_SUSPENSION_NOTE = {"vi": " · tạm đình chỉ {0:%d/%m/%Y}–{1:%d/%m/%Y}",
                    "en": " · suspended {0:%d/%m/%Y}–{1:%d/%m/%Y}"}
_NEW_DUE = {"vi": " → hạn mới {0:%d/%m/%Y}", "en": " → new due date {0:%d/%m/%Y}"}
# Suspended after the due date: nothing to give back, the date stands (QA 106 J3: "new due
# date" followed by a date before the suspension read oddly).
_UNCHANGED = {"vi": " → hạn không đổi (đã quá hạn khi tạm đình chỉ)",
              "en": " → due date unchanged (already overdue when suspended)"}
_STORED_SUSPENSION = re.compile(
    r" · tạm đình chỉ (\d\d/\d\d/\d{4})–(\d\d/\d\d/\d{4})"
    r"(?: → hạn mới (\d\d/\d\d/\d{4})|( → hạn không đổi))?")


def suspension_note(suspended_on: date, resumed_on: date, new_due_on: date | None = None,
                    lang: str = "vi") -> str:
    """The note a suspension adds to a deadline's explanation (with the due date it gave)."""
    key = "en" if lang.startswith("en") else "vi"
    note = _SUSPENSION_NOTE[key].format(suspended_on, resumed_on)
    if new_due_on is not None and new_due_on < suspended_on:
        return note + _UNCHANGED[key]
    return note + (_NEW_DUE[key].format(new_due_on) if new_due_on else "")


def explain_stored(cal: WorkingCalendar, stage: str, start_on: date, due_on: date, days: int,
                   unit: str, extended_days: int, source: str, source_en: str,
                   stored: str, lang: str) -> str:
    """A stored deadline's explanation in `lang`: the stored (Vietnamese) text itself, or
    the same facts worded again — its own due date (a suspension's shift included), the
    days off before it, and the suspensions the stored text notes."""
    if not lang.startswith("en"):
        return stored
    total = days + extended_days
    notes = _STORED_SUSPENSION.findall(stored or "")
    # With suspensions the stored due date includes their shift: the days off explained
    # are those before the due date the period itself gave, as the stored text does.
    base_due = compute_due(cal, start_on, total, unit) if notes else due_on
    text = Deadline(stage=stage, start_on=start_on, due_on=base_due, days=days, unit=unit,
                    source=source, skipped=_skipped(cal, start_on, base_due, total, unit),
                    extended_days=extended_days, source_en=source_en).explain("en")
    for number, (begun, ended, new_due, unchanged) in enumerate(notes, start=1):
        begun_on, ended_on = (datetime.strptime(d, "%d/%m/%Y").date() for d in (begun, ended))
        if unchanged:
            text += _SUSPENSION_NOTE["en"].format(begun_on, ended_on) + _UNCHANGED["en"]
            continue
        new_due_on = (datetime.strptime(new_due, "%d/%m/%Y").date() if new_due
                      else due_on if number == len(notes) else None)
        text += suspension_note(begun_on, ended_on, new_due_on, lang="en")
    return text


def compute_deadline(
    cal: WorkingCalendar,
    stage: str,
    start_on: date,
    days: int,
    unit: str,
    source: str,
    extended_days: int = 0,
    source_en: str = "",
) -> Deadline:
    """Compute a stage's deadline; extended_days are added to days in the same unit."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    if extended_days < 0:
        raise ValueError("extended_days must be >= 0")
    total = days + extended_days
    due_on = compute_due(cal, start_on, total, unit)
    return Deadline(
        stage=stage,
        start_on=start_on,
        due_on=due_on,
        days=days,
        unit=unit,
        source=source,
        skipped=_skipped(cal, start_on, due_on, total, unit),
        extended_days=extended_days,
        source_en=source_en,
    )


def days_left(cal: WorkingCalendar, due_on: date, as_of: date) -> int:
    """Return working days left: 0 on the due date, > 0 before it, < 0 once overdue."""
    left = cal.working_days_between(as_of, due_on)
    if as_of > due_on:
        # Overdue from the day after the due date even if that is a weekend: never 0.
        return min(left, -1)
    return left


def is_overdue(due_on: date, as_of: date) -> bool:
    """Return True once the due date has passed (the due date itself is still on time)."""
    return as_of > due_on


def resume_due(
    cal: WorkingCalendar,
    start_on: date,
    days: int,
    unit: str,
    suspensions: Iterable[tuple[date, date]],
) -> date:
    """Return the due date of `days` in unit after start_on (extensions included) once
    paused by suspensions (tạm đình chỉ): (suspended on, resumed on) pairs, in order."""
    _check_unit(unit)
    if days < 0:
        raise ValueError("days must be >= 0")
    due_on = compute_due(cal, start_on, days, unit)
    # Calendar unit: the period's own end. Art. 148(5) moves only that end off a day off,
    # so the days it adds are no time left to give back on resumption.
    end_on = start_on + timedelta(days=days)
    for suspended_on, resumed_on in suspensions:
        if resumed_on < suspended_on:
            raise ValueError("resumed_on is before suspended_on")
        if suspended_on > due_on:
            continue  # already overdue when suspended: the missed deadline is not revived
        # The suspension day itself was used (like a trigger day it is not counted again);
        # the remaining time runs again from the day after resumption.
        if unit == WORKING:
            # Working days in (suspended_on, due_on]: a day off it was suspended on uses none.
            due_on = cal.add_working_days(resumed_on, cal.working_days_between(suspended_on,
                                                                               due_on))
        else:
            # None left once the own end has passed (suspended in the days off that moved it).
            end_on = resumed_on + timedelta(days=max((end_on - suspended_on).days, 0))
            due_on = end_on
        # With no time left the resumption day is the due date: a day off moves it on.
        due_on = cal.next_working_day(due_on)
    return due_on


def badge(days_left: int, amber_from: int = 3) -> str:
    """Return the colour for a deadline: "ok", "amber" (0..amber_from days left) or "red"."""
    if days_left < 0:
        return RED
    if days_left <= amber_from:
        return AMBER
    return OK
