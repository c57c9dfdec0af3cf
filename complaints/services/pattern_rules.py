"""Thresholds of the repeated and mass patterns: defaults in the domain, versions in a table.

Every intake asks which thresholds are in force, so each process keeps a plain copy of the
versions (services/table_cache.py), like the deadline policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from complaints.domain import escalation as rules
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.text import blank, has_control
from complaints.extensions import db
from complaints.models import PatternRule, User
from complaints.services import audit
from complaints.services.errors import ValidationFailed
from complaints.services.table_cache import TableCache


def _fingerprint() -> tuple:
    c = PatternRule.__table__.c
    return tuple(db.session.execute(select(func.count(c.id), func.max(c.id))).one())


def _load() -> list[tuple[str, int, date]]:
    c = PatternRule.__table__.c
    return [tuple(r) for r in db.session.execute(select(c.code, c.value, c.effective_from))]


_versions = TableCache(_fingerprint, _load)


def limits(on: date) -> rules.PatternLimits:
    """The thresholds in force for a petition received on `on`."""
    return rules.limits_on(_versions.get(), on)


def invalidate() -> None:
    _versions.clear()


def versions() -> list[PatternRule]:
    """Every version, newest first within each threshold (the admin's history)."""
    return list(db.session.scalars(select(PatternRule).order_by(
        PatternRule.code, PatternRule.effective_from.desc())))


@dataclass
class LimitData:
    code: str
    value: int | None
    effective_from: date | None
    source: str


def problems(data: LimitData, today: date) -> dict[str, str]:
    """Every reason to refuse a threshold version, by field (empty: it may be added)."""
    errors: dict[str, str] = {}
    rule = rules.LIMIT_RULES.get(data.code)
    if rule is None:
        errors["code"] = N_("Chọn ngưỡng.")
    elif data.value is None or not rule.low <= data.value <= rule.high:
        errors["value"] = N_("Giá trị phải từ %(low)s đến %(high)s.", low=rule.low, high=rule.high)
    if data.effective_from is None:
        errors["effective_from"] = N_("Nhập ngày áp dụng.")
    elif data.effective_from < today:
        errors["effective_from"] = N_("Ngày áp dụng không được trước hôm nay: ngưỡng mới "
                                      "không đánh giá lại các đơn đã nhận.")
    if blank(data.source):  # zero-width characters only are nothing
        errors["source"] = N_("Nêu căn cứ pháp lý.")
    elif has_control(data.source):  # shown on the thresholds page and in the trail
        errors["source"] = CONTROL_CHARACTERS
    if not errors and db.session.scalar(select(PatternRule.id).where(
            PatternRule.code == data.code, PatternRule.effective_from == data.effective_from)):
        errors["effective_from"] = N_("Đã có phiên bản áp dụng từ ngày này; chọn ngày áp "
                                      "dụng khác.")
    return errors


def add_version(data: LimitData, actor: User, today: date, now: datetime) -> PatternRule:
    """Add a version of a threshold from a date. It applies to petitions received from then
    on; cases flagged (or not) before stay as they are, so the date may not be in the past."""
    errors = problems(data, today)
    if errors:
        raise ValidationFailed(errors)
    row = PatternRule(code=data.code, value=data.value, effective_from=data.effective_from,
                      source=data.source.strip(), created_by_id=actor.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    invalidate()
    audit.record(f"pattern_rule:{row.id}", "pattern_rule_added", actor, now, {
        "code": row.code, "value": row.value, "effective_from": row.effective_from,
        "source": row.source})
    return row
