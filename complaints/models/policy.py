"""Editable rules: deadline policies, escalation ladder, pattern thresholds, working-day
calendar overrides."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from complaints.domain.catalog import KINDS, STAGES
from complaints.domain.escalation import LIMIT_RULES
from complaints.extensions import db
from complaints.models.base import created_at_column, in_check


class DeadlinePolicy(db.Model):
    """Stage × kind (× round, variant) → number of days and unit, from a date on."""

    __tablename__ = "deadline_policies"
    __table_args__ = (
        UniqueConstraint("stage", "kind", "round", "variant", "effective_from"),
        in_check("stage", STAGES),
        in_check("kind", KINDS),
        in_check("unit", ("working", "calendar")),
        in_check("extension_unit", ("working", "calendar")),
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint("extension_days >= 0 AND max_extensions >= 0", name="extension_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=0)  # 0: any round
    variant: Mapped[str] = mapped_column(String(30), default="normal")
    days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    max_extensions: Mapped[int] = mapped_column(Integer, default=0)
    extension_unit: Mapped[str] = mapped_column(String(10), default="calendar")
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = created_at_column()


class EscalationStep(db.Model):
    """A rung of the escalation ladder: days relative to a stage's due date."""

    __tablename__ = "escalation_steps"
    __table_args__ = (
        UniqueConstraint("level", "effective_from"),
        in_check("unit", ("working", "calendar")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    # Negative: before the due date (reminder); positive: days overdue.
    offset_days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10), default="working")
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")
    # Who added the version, and when (NULL: a default the installation seeded).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PatternRule(db.Model):
    """A version of a repeated / mass pattern threshold (domain.escalation.LIMIT_RULES),
    in force for petitions received from `effective_from` on. Never edited in place."""

    __tablename__ = "pattern_rules"
    __table_args__ = (
        UniqueConstraint("code", "effective_from"),
        in_check("code", tuple(LIMIT_RULES)),
        CheckConstraint("value > 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    value: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()


class CalendarOverride(db.Model):
    """A government day swap: an extra day off, or a make-up working Saturday."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (in_check("kind", ("day_off", "working_day")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()


class ScoreWeight(db.Model):
    """A weight of the agency scorecard, editable yearly by an admin."""

    __tablename__ = "score_weights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), unique=True)
    weight: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
