"""Shared column helpers for the models."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    """Return the current time in UTC (stored timezone-aware)."""
    return datetime.now(timezone.utc)


def created_at_column():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def in_check(column: str, values, name: str | None = None) -> CheckConstraint:
    """Return a CHECK that the column holds one of the given codes."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
