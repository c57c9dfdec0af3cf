"""The one working-day calendar (ngày làm việc): nothing else in the system counts days.

Plain Python with no Flask or SQLAlchemy. Public holidays come from the `holidays`
package (country VN, observed days included); administrators add the government's
yearly day swaps (extra days off and make-up working Saturdays) as overrides, which
the package lacks from 2025 on. A calendar is immutable: when an administrator changes
the overrides, build a new one and recompute open deadlines.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import cache

import holidays

WEEKEND = "weekend"  # reason code for Saturday/Sunday (cuối tuần)
# Reason code for an unnamed administrator day off (ngày nghỉ hoán đổi).
EXTRA_DAY_OFF = "extra_day_off"

# Labels for the reason codes; holiday names are translated through the package itself.
_CODE_LABELS = {
    WEEKEND: {"vi": "cuối tuần", "en": "weekend"},
    EXTRA_DAY_OFF: {
        "vi": "ngày nghỉ theo quyết định hoán đổi",
        "en": "extra day off (day swap)",
    },
}
_PACKAGE_LANGUAGES = {"vi": "vi", "en": "en_US"}


@cache
def _package_holidays(year: int, lang: str = "vi") -> dict[date, str]:
    """Return VN public holidays (observed days included) of one year, names in lang."""
    # Cached per year and shared by all calendars: they are rebuilt whenever overrides change.
    found = holidays.country_holidays(
        "VN", years=year, observed=True, language=_PACKAGE_LANGUAGES.get(lang, "vi")
    )
    # Copy into a plain dict so that a lookup never makes the package expand to other years.
    names = {d: name for d, name in found.items() if d.year == year}
    if lang == "en":  # en_US writes a swap's date month first; dates here read day first
        names = {d: _US_DATE.sub(r"\2/\1/\3", name) for d, name in names.items()}
    return names


_US_DATE = re.compile(r"\b(\d\d)/(\d\d)/(\d{4})\b")


@cache
def _package_workdays(year: int) -> frozenset[date]:
    """Weekend days the package knows were worked in a government day swap (make-up days):
    the other half of a swap whose day off is among the package's holidays."""
    found = holidays.country_holidays("VN", years=year, observed=True)
    return frozenset(d for d in found.weekend_workdays if d.year == year)


def reason_label(d: date, reason: str, lang: str = "vi") -> str:
    """Return a day-off reason (code, holiday name or override text) readable in lang."""
    if reason in _CODE_LABELS:
        return _CODE_LABELS[reason].get(lang, _CODE_LABELS[reason]["en"])
    # A holiday name stored in one language is shown in the other through the package.
    for other in _PACKAGE_LANGUAGES:
        if _package_holidays(d.year, other).get(d) == reason:
            return _package_holidays(
                d.year, lang if lang in _PACKAGE_LANGUAGES else "vi"
            )[d]
    return reason  # an administrator's own description is shown as written


class WorkingCalendar:
    """Working days: Mon–Fri minus VN public holidays and extra days off, plus make-up days."""

    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        makeup_working_days: Iterable[date] = (),
        day_off_names: Mapping[date, str] | None = None,
    ) -> None:
        """Build a calendar with the administrator's overrides (government day swaps)."""
        self._extra_off = frozenset(extra_days_off)
        self._makeup = frozenset(makeup_working_days)
        clash = self._extra_off & self._makeup
        if clash:
            raise ValueError(f"dates both off and make-up working: {sorted(clash)}")
        self._names = dict(day_off_names or {})
        # Loaded years form one contiguous range, so ranks in _ords are comparable.
        self._lo: int | None = None
        self._hi: int | None = None
        self._working: frozenset[int] = frozenset()  # ordinals of working days
        self._ords: list[int] = []  # the same ordinals, sorted, for rank arithmetic
        self._lock = threading.Lock()

    # -- loading ------------------------------------------------------------------

    def _ensure(self, year_from: int, year_to: int | None = None) -> None:
        """Make sure years year_from..year_to are loaded."""
        year_to = year_from if year_to is None else year_to
        if self._lo is not None and self._lo <= year_from and year_to <= self._hi:
            return  # fast path: nearly every call
        with self._lock:
            lo = year_from if self._lo is None else min(self._lo, year_from)
            hi = year_to if self._hi is None else max(self._hi, year_to)
            working = set(self._working)
            for year in range(lo, hi + 1):
                if self._lo is None or not self._lo <= year <= self._hi:
                    working.update(self._working_ordinals(year))
            # Publish complete data before widening the range: readers stay consistent.
            self._working = frozenset(working)
            self._ords = sorted(working)
            self._lo, self._hi = lo, hi

    def _working_ordinals(self, year: int) -> list[int]:
        """Compute the ordinals of one year's working days."""
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        return [
            o
            for o in range(first, last + 1)
            if self._compute_reason(date.fromordinal(o)) is None
        ]

    def _compute_reason(self, d: date) -> str | None:
        """Decide from the rules (uncached) why d is a day off, or None if it is working."""
        if d in self._makeup:
            return None  # a make-up day works even on a Saturday or a holiday
        if d in self._extra_off:
            return self._names.get(d) or EXTRA_DAY_OFF
        name = _package_holidays(d.year).get(d)
        if name:
            return name  # named even when it falls on a weekend: more informative
        if d in _package_workdays(d.year):
            return None  # a make-up working Saturday of a swap the package records
        if d.weekday() >= 5:
            return WEEKEND
        return None

    # -- queries --------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Return True if d is a working day."""
        self._ensure(d.year)
        return d.toordinal() in self._working

    def day_off_reason(self, d: date) -> str | None:
        """Return "weekend", the holiday name (vi) or the override text; None if working."""
        if self.is_working_day(d):
            return None
        return self._compute_reason(d)

    def next_working_day(self, d: date) -> date:
        """Return d itself if it is a working day, else the next working day."""
        if self.is_working_day(d):
            return d
        return self.add_working_days(d, 1)

    def add_working_days(self, start: date, n: int) -> date:
        """Return the Nth working day after start (start itself is not counted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return start
        self._ensure(start.year)
        while True:
            ords = (
                self._ords
            )  # one snapshot: another thread may widen the range meanwhile
            # Working days <= start come before index rank; the Nth after sits at rank+n-1.
            index = bisect_right(ords, start.toordinal()) + n - 1
            if index < len(ords):
                return date.fromordinal(ords[index])
            # Load enough further years (about 245 working days each), then retry.
            missing_years = (index - len(ords)) // 240 + 1
            self._ensure(self._hi + 1, self._hi + missing_years)

    def working_days_between(self, start: date, end: date) -> int:
        """Return the number of working days in (start, end]; negative if end < start."""
        self._ensure(min(start.year, end.year), max(start.year, end.year))
        ords = self._ords  # one snapshot, so both ranks count from the same first year
        # Difference of ranks: symmetric, so end < start gives -(working days in (end, start]).
        return bisect_right(ords, end.toordinal()) - bisect_right(
            ords, start.toordinal()
        )

    def days_off_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Return the non-working days in (start, end] with their reasons, for explanations."""
        found = []
        day = start + timedelta(days=1)
        while day <= end:
            reason = self.day_off_reason(day)
            if reason is not None:
                found.append((day, reason))
            day += timedelta(days=1)
        return found
