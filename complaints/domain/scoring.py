"""The agency scorecard's score: components in [0, 1] from the metrics, weighted.

Pure: no database, no Flask. The weights are data (ScoreWeight rows, edited yearly by an
administrator); a component without data (no case accepted in the period, no reception
required) is left out and its weight with it, so an agency is not rewarded or punished
for what did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

# metric code → (Vietnamese rule, English rule, default weight)
COMPONENTS: dict[str, tuple[str, str, int]] = {
    "on_time_acceptance": ("Tỷ lệ thụ lý đúng hạn", "Share accepted on time", 20),
    "on_time_resolution": ("Tỷ lệ giải quyết đúng hạn", "Share resolved on time", 30),
    "not_overdue": ("1 − hồ sơ quá hạn hiện tại / hồ sơ đang mở",
                    "1 − overdue now / open now", 20),
    "no_evasion": ("1 − số lần đùn đẩy / số hồ sơ nhận (tối thiểu 0)",
                   "1 − evasions / cases received (at least 0)", 10),
    "reception": ("Ngày tiếp công dân của lãnh đạo / số ngày phải tiếp (tối đa 1)",
                  "Leader's reception days held / required (at most 1)", 10),
    "satisfaction": ("(Điểm hài lòng trung bình − 1) / 4", "(Average satisfaction − 1) / 4",
                     10),
}

# Leaders' periodic reception (Law on Citizen Reception 2013): agency level → period.
RECEPTION_FREQUENCY = {
    "commune": "week",  # chair of a commune People's Committee: 1 day a week (Art. 15)
    "province": "month",  # chair of the provincial People's Committee: 1 day a month (Art. 12)
    "department": "month",  # heads of departments and agencies: 1 day a month (Art. 18)
}
# Session kinds that count as the leader's own reception day; only scheduled (periodic)
# days meet the duty: an unscheduled reception (Art. 18(3), a heated or mass matter) is held
# on top of it.
LEADER_KINDS = ("head",)


@dataclass
class Metrics:
    """What the scorecard counts for one agency over one period."""

    received: int = 0
    # Cases the agency accepted (thụ lý) in the period: not its refusals (không thụ lý),
    # nor petitions withdrawn before acceptance, which stop the acceptance clock as well.
    accepted: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    working_days: dict[str, float | None] = field(default_factory=dict)  # stage → average
    open_now: int = 0
    overdue_now: int = 0
    escalations: dict[int, int] = field(default_factory=dict)  # level → count
    evasions: int = 0
    repeated: int = 0
    mass: int = 0
    reception_held: int = 0
    reception_required: int = 0
    satisfaction_avg: float | None = None
    satisfaction_count: int = 0

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted_on_time / self.accepted if self.accepted else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None


def components(m: Metrics) -> dict[str, float | None]:
    """Return each component in [0, 1], or None when there is nothing to measure."""
    return {
        "on_time_acceptance": m.acceptance_rate,
        "on_time_resolution": m.resolution_rate,
        "not_overdue": 1 - m.overdue_now / m.open_now if m.open_now else None,
        "no_evasion": max(0.0, 1 - m.evasions / m.received) if m.received else (
            0.0 if m.evasions else None),
        "reception": min(1.0, m.reception_held / m.reception_required)
        if m.reception_required else None,
        "satisfaction": (m.satisfaction_avg - 1) / 4 if m.satisfaction_avg is not None
        else None,
    }


def has_data(m: Metrics, standing: bool = False) -> bool:
    """Whether anything happened at the agency in the period: a case received, accepted,
    resolved, escalated, passed on (evaded) or rated, or a leader's reception day held.

    Without it the period says nothing about the agency — a period before the records
    begin, one still to come, a quiet agency — and the figures that are no events of the
    period (open and overdue now, the reception days the law asks for) score nothing alone:
    they ranked every agency alike (all 66.7 for 2020, all 100.0 for 2030).

    `standing`: the period has begun and the system kept records in it. Then a duty is data
    too: cases open at the agency, and reception days the law required of its leader — an
    agency that held none of them must not look better than one that held half (found by
    a QA pass).
    """
    if m.received or m.accepted or m.resolved or m.evasions or m.repeated or m.mass \
            or any(m.escalations.values()) or m.satisfaction_count or m.reception_held:
        return True
    return standing and bool(m.open_now or m.reception_required)


def score(m: Metrics, weights: dict[str, int], standing: bool = False) -> float | None:
    """Return the weighted score 0–100 over the components with data, or None if none or
    nothing happened at the agency in the period (has_data): not scored, not ranked."""
    if not has_data(m, standing):
        return None
    total = weighted = 0.0
    for code, value in components(m).items():
        weight = max(0, weights.get(code, 0))
        if value is None or weight == 0:
            continue
        total += weight
        weighted += weight * value
    return round(100 * weighted / total, 1) if total else None


def rank(scores: dict[object, float | None]) -> list[tuple[object, float | None, int | None]]:
    """Order agencies by score (best first, ties share a rank); unscored ones last."""
    scored = sorted(((k, s) for k, s in scores.items() if s is not None), key=lambda x: -x[1])
    out, previous, position = [], None, 0
    for index, (key, value) in enumerate(scored, start=1):
        if value != previous:
            position, previous = index, value
        out.append((key, value, position))
    out.extend((k, None, None) for k, s in scores.items() if s is None)
    return out


def required_periods(level: str, start: date, end: date,
                     as_of: date | None = None) -> list[tuple[date, date]]:
    """The blocks of [start, end] that each need one reception day by the leader.

    Blocks run from the first day of the period: 7 days for a weekly duty, one month (to
    the day before the same day of the next month) for a monthly one. A trailing partial
    block is not required. So a quarter 15/12–14/3 holds 3 monthly blocks, a calendar
    month 4 weekly ones. With `as_of`, a block not over by that day is not required yet:
    the current quarter does not count the weeks still to come as missed. A block ending
    on `as_of` is not over either: the leader may still receive citizens that day (QA
    round 60).
    """
    if as_of is not None and as_of <= end:
        end = as_of - timedelta(days=1)
    frequency = RECEPTION_FREQUENCY.get(level)
    periods: list[tuple[date, date]] = []
    first = start
    while frequency is not None:
        following = first + timedelta(days=7) if frequency == "week" else _add_month(first)
        if following - timedelta(days=1) > end:
            break
        periods.append((first, following - timedelta(days=1)))
        first = following
    return periods


def _add_month(d: date) -> date:
    year, month = d.year + (d.month == 12), d.month % 12 + 1
    day = d.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:  # 31/01 → 28/02: the block ends at the month's end
            day -= 1


def required_reception_days(level: str, start: date, end: date,
                            as_of: date | None = None) -> int:
    """Leader's reception days due in [start, end] (as of a day) for an agency of this level."""
    return len(required_periods(level, start, end, as_of))


def reception_gaps(level: str, held_days: list[date], start: date, end: date,
                   as_of: date | None = None) -> list[tuple[date, date]]:
    """Return the required weeks or months in which the leader held no reception day."""
    return [(a, b) for a, b in required_periods(level, start, end, as_of)
            if not any(a <= d <= b for d in held_days)]


def held_in_required(level: str, held_days: list[date], start: date, end: date,
                     as_of: date | None = None) -> int:
    """Required weeks or months in which at least one day was held (extra days don't count)."""
    periods = required_periods(level, start, end, as_of)
    return len(periods) - len(reception_gaps(level, held_days, start, end, as_of))
