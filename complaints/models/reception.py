"""Citizen-reception sessions held by agencies and their leaders (Law on Citizen Reception)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.domain.catalog import RECEPTION_KINDS
from complaints.extensions import db
from complaints.models.base import created_at_column, in_check


class ReceptionSession(db.Model):
    """A reception day: regular, by the head in person, or by an authorised deputy."""

    __tablename__ = "reception_sessions"
    __table_args__ = (
        in_check("kind", RECEPTION_KINDS),
        CheckConstraint(
            "turns >= 0 AND people >= 0 AND matters_first >= 0 AND matters_repeated >= 0 "
            "AND delegations >= 0 AND delegation_people >= 0 AND delegation_matters >= 0",
            name="counts_non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    scheduled: Mapped[bool] = mapped_column(Boolean, default=True)  # periodic vs unscheduled
    is_dialogue: Mapped[bool] = mapped_column(Boolean, default=False)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    leader_name: Mapped[str | None] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(255))
    turns: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    matters_first: Mapped[int] = mapped_column(Integer, default=0)
    matters_repeated: Mapped[int] = mapped_column(Integer, default=0)
    delegations: Mapped[int] = mapped_column(Integer, default=0)
    delegation_people: Mapped[int] = mapped_column(Integer, default=0)
    delegation_matters: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    # The heated or mass case an unscheduled session was held about (tiếp đột xuất).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    agency = relationship("Agency")
    leader = relationship("User", foreign_keys=[leader_id])
    case = relationship("Case")


class JobRun(db.Model):
    """The last run of each background job, for the health endpoint."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class DeskSubmission(db.Model):
    """A desk form that saved something: its one-time token (the intake form's `draft`,
    the reception-session form's `token`) and the case it opened or joined, or the session
    it recorded. A form sent twice (a double tap, Back and send again) finds its token
    here, or collides on it, and saves nothing more (QA round 16: two cases, the same
    letter joined twice and the case flagged as repeated, a session counted twice)."""

    __tablename__ = "desk_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reception_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("reception_sessions.id"), index=True)
    # The API's Idempotency-Key (services/idempotency.py): what the request asked for, so
    # that the same key sent with another request is refused, not answered with this case.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
