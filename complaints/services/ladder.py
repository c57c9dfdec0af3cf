"""The escalation ladder's rungs as versioned data an administrator changes (domain.md:
"all editable"), like the deadline policies and the pattern thresholds.

A version applies to sweeps from its date on (domain.escalation.rung_date). The cases'
next attention dates are then recomputed by the sweep before it looks for due cases
(services/escalation.attention_outdated), so a rung brought forward is not missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.domain.deadlines import UNITS
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.text import blank, has_control
from complaints.extensions import db
from complaints.models import EscalationStep, User
from complaints.services import audit, deadlines, escalation
from complaints.services.errors import ValidationFailed


def versions() -> list[EscalationStep]:
    """Every version of every rung, by level then date."""
    return list(db.session.scalars(select(EscalationStep).order_by(
        EscalationStep.level, EscalationStep.effective_from)))


@dataclass
class RungData:
    level: int | None
    offset_days: int | None
    unit: str | None
    effective_from: date | None
    source: str | None


def problems(data: RungData, today: date) -> dict[str, str]:
    """Every reason to refuse the version, by field (empty: it may be added)."""
    errors: dict[str, str] = {}
    deadlines.invalidate()  # judge against the committed ladder, not this process's copy
    ladder = deadlines.ladder()
    current = {rung.level: rung for rung in ladder}
    bounds = rules.RUNG_BOUNDS.get(data.level) if data.level in current else None
    if bounds is None:
        errors["level"] = N_("Chọn bậc.")
    elif data.offset_days is None or not bounds[0] <= data.offset_days <= bounds[1]:
        errors["offset_days"] = N_("Số ngày của bậc này phải từ %(low)s đến %(high)s.",
                                   low=bounds[0], high=bounds[1])
    if data.unit not in UNITS:
        errors["unit"] = N_("Chọn ngày làm việc hoặc ngày lịch.")
    if data.effective_from is None:
        errors["effective_from"] = N_("Nhập ngày áp dụng.")
    elif data.effective_from < today:
        errors["effective_from"] = N_("Ngày áp dụng không được trước hôm nay: các lượt quét "
                                      "đã chạy không chạy lại.")
    if blank(data.source):  # zero-width characters only are nothing
        errors["source"] = N_("Nêu căn cứ (quyết định, quy chế của tỉnh).")
    elif has_control(data.source):  # shown on the ladder page and in the trail (QA round 71)
        errors["source"] = CONTROL_CHARACTERS
    if not errors and db.session.scalar(select(EscalationStep.id).where(
            EscalationStep.level == data.level,
            EscalationStep.effective_from == data.effective_from)):
        errors["effective_from"] = N_("Bậc này đã có phiên bản áp dụng từ ngày này; chọn ngày "
                                      "áp dụng khác.")
    if not errors:
        rung = rules.Rung(data.level, current[data.level].code, data.offset_days, data.unit,
                          data.effective_from, data.source.strip())
        versions_ = [r for level in ladder.levels for r in level]
        clash = rules.out_of_order_on(rules.Ladder([*versions_, rung]), data.effective_from)
        if clash is not None:
            errors["offset_days"] = N_("Các bậc phải theo thứ tự số ngày tăng dần: với phiên "
                                       "bản này, từ ngày %(day)s có bậc cao đến trước bậc "
                                       "thấp hơn.", day=clash.strftime("%d/%m/%Y"))
    return errors


@dataclass
class Impact:
    """What a version would do to the open cases' next attention dates."""

    earlier: int = 0  # escalate sooner than planned
    due_now: int = 0  # of those: due by today, so the next sweep escalates them
    later: int = 0  # escalate later than planned


def impact(data: RungData, today: date) -> Impact:
    """Count the open cases whose next escalation a (valid) version would move."""
    ladder_ = deadlines.ladder()
    code = next(rung.code for rung in ladder_ if rung.level == data.level)
    rung = rules.Rung(data.level, code, data.offset_days, data.unit, data.effective_from,
                      (data.source or "").strip())
    trial = rules.Ladder([*(r for level in ladder_.levels for r in level), rung])
    found = Impact()
    for rows in escalation.attention_changes(trial):
        for _case_id, stored, new in rows:
            if new is not None and (stored is None or new < stored):
                found.earlier += 1
                found.due_now += new <= today
            else:
                found.later += 1
    return found


def add_version(data: RungData, actor: User, today: date, now: datetime) -> EscalationStep:
    """Add a version of a rung from a date. Its code stays the level's: escalation reasons,
    their audiences and the reports name the levels. Refused with every problem at once."""
    errors = problems(data, today)
    if errors:
        raise ValidationFailed(errors)
    code = next(rung.code for rung in deadlines.ladder() if rung.level == data.level)
    row = EscalationStep(level=data.level, code=code,
                         offset_days=data.offset_days, unit=data.unit,
                         effective_from=data.effective_from, source=data.source.strip(),
                         created_by_id=actor.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    deadlines.invalidate()
    audit.record(f"escalation_step:{row.id}", "escalation_step_added", actor, now, {
        "level": row.level, "code": row.code, "offset_days": row.offset_days,
        "unit": row.unit, "effective_from": row.effective_from, "source": row.source})
    return row
