"""The scorecard's per-agency daily summary: additive counts, rebuilt per day.

A day's rows are trusted only while the day is listed in `scorecard_built_days`; any
change to a fact dated that day (or to a case whose facts fall on it) removes the day from
the list in the same transaction (services/scorecard_summary.py), and the scorecard then
counts that day live from the raw tables until the daily job or `flask scorecard rebuild`
builds it again. Today and later days are never built: always counted live.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from complaints.extensions import db


class ScorecardDay(db.Model):
    """One agency's additive scorecard figures for one day (attribution as the scorecard)."""

    __tablename__ = "scorecard_days"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    received: Mapped[int] = mapped_column(Integer, default=0)  # distinct cases that day
    handled: Mapped[int] = mapped_column(Integer, default=0)  # handling stage completed
    handled_days: Mapped[int] = mapped_column(Integer, default=0)  # working days, summed
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    accepted_on_time: Mapped[int] = mapped_column(Integer, default=0)
    accepted_days: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved_days: Mapped[int] = mapped_column(Integer, default=0)
    evasions: Mapped[int] = mapped_column(Integer, default=0)
    repeated: Mapped[int] = mapped_column(Integer, default=0)
    mass: Mapped[int] = mapped_column(Integer, default=0)
    ratings_sum: Mapped[int] = mapped_column(Integer, default=0)  # result + service
    ratings_count: Mapped[int] = mapped_column(Integer, default=0)


class ScorecardEscalation(db.Model):
    """Escalations dated that day on cases the agency holds, by ladder level."""

    __tablename__ = "scorecard_escalations"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ScorecardRereceipt(db.Model):
    """Cases received again by an agency that day, by the day they were last received.

    "Received" counts distinct cases over a period; a case counted on two days of the same
    period is subtracted once for each such pair (previous_on within the period).
    """

    __tablename__ = "scorecard_rereceipts"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    previous_on: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ScorecardBuiltDay(db.Model):
    """A day whose summary rows are complete and current."""

    __tablename__ = "scorecard_built_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
