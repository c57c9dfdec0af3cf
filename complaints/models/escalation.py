"""Escalations up the agency hierarchy, and the notification outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.domain.catalog import ESCALATION_REASONS
from complaints.domain.escalation import LAPSE_REASONS
from complaints.extensions import db
from complaints.models.base import created_at_column, in_check

# `Escalation.started_on` of a pattern escalation (stage "case"), and of a ladder escalation
# of a stage that has since started again (its first start is not kept): no running stage.
NO_STAGE_START = date.min
# The idempotency key of the sweep and of the patterns, among the escalations that stand.
STANDING_KEY_INDEX = "ux_escalations_standing"


class Escalation(db.Model):
    """A case raised to someone's attention; at most one standing per case, stage, start of
    the stage, level and reason."""

    __tablename__ = "escalations"
    __table_args__ = (
        # The idempotency key of the sweep: a second sweep, or a second instance, collides.
        # A stage that starts again (a transfer, a return and a new routing) climbs its
        # ladder again from the bottom at the agency that now holds it: hence its start.
        # An escalation that lapsed (`lapsed_at`) is history and out of the key: the same
        # step may be raised again (overdue again after an extension, mass again after
        # withdrawals and new signers).
        Index(STANDING_KEY_INDEX, "case_id", "stage", "started_on", "level", "reason",
              unique=True, sqlite_where=text("lapsed_at IS NULL"),
              postgresql_where=text("lapsed_at IS NULL")),
        in_check("reason", ESCALATION_REASONS),
        in_check("lapse_reason", LAPSE_REASONS),
        CheckConstraint("level BETWEEN 0 AND 3", name="level_valid"),
        Index("ix_escalations_open", "to_agency_id", "acknowledged_at"),
        Index("ix_escalations_as_of", "as_of"),  # scorecard: live days
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # "handling" | "acceptance" | "resolution" for the ladder; "case" for patterns.
    stage: Mapped[str] = mapped_column(String(20))
    # The start (CaseDeadline.start_on) of the stage's deadline this ladder step was raised
    # against; NO_STAGE_START for the patterns.
    started_on: Mapped[date] = mapped_column(Date, default=NO_STAGE_START)
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # The agency the scorecard counts it against, as it stood when raised
    # (domain.escalation.answerable): a later transfer does not move it.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action_taken: Mapped[str | None] = mapped_column(String(30))
    action_note: Mapped[str | None] = mapped_column(Text)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)
    # When the system found that the escalation no longer stands: its stage started again
    # or left its holder, a later due date took its overdue step back, or the mass petition
    # it was raised for fell below the threshold. It then counts for nothing (not the level
    # reached, not the key); an open one was closed by the system at the same time.
    lapsed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why (domain.escalation.LAPSE_REASONS): a stage that ended, a due date that overtook
    # the step (not counted on the scorecard), a mass petition no longer mass.
    lapse_reason: Mapped[str | None] = mapped_column(String(20))

    case = relationship("Case")
    to_agency = relationship("Agency", foreign_keys=[to_agency_id])
    agency = relationship("Agency", foreign_keys=[agency_id])
    acknowledged_by = relationship("User")


class Notification(db.Model):
    """An in-app message or an e-mail in the outbox; the dedupe key stops double sends.

    An in-app row is addressed either to one user (`user_id`) or to an agency's leaders
    (`agency_id`, no user): the sweep writes one notice per escalation and agency rather
    than one per person, and each reader's read state lives in `notification_reads`.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        in_check("channel", ("in_app", "email")),
        in_check("status", ("pending", "sent", "failed", "read")),
        Index("ix_notifications_outbox", "channel", "status", "next_attempt_at"),
        Index("ix_notifications_inbox", "user_id", "read_at"),
        Index("ix_notifications_agency", "agency_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    email_to: Mapped[str | None] = mapped_column(String(255))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The first time the server refused this message for now (4xx): the give-up age counts
    # from it, not from queueing (QA 98: a backlog held by an outage failed at its first
    # greylisting).
    first_refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    user = relationship("User")
    case = relationship("Case")


class NotificationRead(db.Model):
    """One reader's read mark on an agency notice (personal rows carry their own read_at)."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
