"""The case aggregate: a matter (vụ việc), its petitions (đơn), signers and deadlines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.domain.catalog import (
    CHANNELS,
    FILING_REASONS,
    HANDLING_OUTCOMES,
    INELIGIBLE_FILINGS,
    KINDS,
    RESOLUTION_OUTCOMES,
    STAGES,
)
from complaints.domain.states import STATUSES, clock_counts, clock_stopped
from complaints.extensions import db
from complaints.models.base import created_at_column, in_check, utcnow

# The unique index that holds one second complaint per first-round case (Case); a service
# that meets it names the clash by it.
SECOND_COMPLAINT_INDEX = "ux_cases_second_complaint"


class Cluster(db.Model):
    """A mass-petition cluster: cases on one matter (same locality, field, similar subject)."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locality_code: Mapped[str | None] = mapped_column(ForeignKey("localities.code"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"))
    subject_folded: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()


class Case(db.Model):
    """A matter raised by one or more petitions; resolution happens per case."""

    __tablename__ = "cases"
    __table_args__ = (
        in_check("kind", KINDS),
        in_check("status", STATUSES),
        in_check("outcome", RESOLUTION_OUTCOMES),
        CheckConstraint(
            "(kind = 'complaint' AND complaint_round IN (1, 2)) "
            "OR (kind <> 'complaint' AND complaint_round IS NULL)",
            name="complaint_round_valid",
        ),
        CheckConstraint("escalation_level BETWEEN 0 AND 3", name="escalation_level_valid"),
        CheckConstraint("extension_count >= 0", name="extension_count_valid"),
        # Where the matter is (Open311 lat/long, WGS 84 degrees): both or neither, in range.
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90",
                        name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180",
                        name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_long_together"),
        # The sweep reads only open cases that need attention on or before a date.
        Index("ix_cases_attention", "next_attention_on"),
        Index("ix_cases_agency_status", "agency_id", "status"),
        # "Overdue now" per agency read from the index alone (the scorecard).
        Index("ix_cases_running_due", "running_due_on", "agency_id", "status",
              sqlite_where=text("running_due_on IS NOT NULL"),
              postgresql_where=text("running_due_on IS NOT NULL")),
        # A case's holders by id, small enough to stay cached: the scorecard's live count of
        # a day's completed stages looks up each stage's case here, not in the wide table.
        Index("ix_cases_holders", "id", "agency_id", "reception_agency_id"),
        # The mass-petition check on every intake reads the cases of one locality and field
        # in a date window and compares their subjects: read from the index alone, not one
        # table row per candidate (a busy ward holds hundreds). Serves locality look-ups too.
        Index("ix_cases_matter", "locality_code", "field_id", "last_petition_on",
              "received_on", "subject", "cluster_id", "flag_mass"),
        # One second complaint (khiếu nại lần hai) per first-round case, whoever opens it:
        # two taps on the citizens' form, or two desks at once, cannot open a second one.
        Index(SECOND_COMPLAINT_INDEX, "parent_case_id", unique=True,
              sqlite_where=text("complaint_round = 2"),
              postgresql_where=text("complaint_round = 2")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    complaint_round: Mapped[int | None] = mapped_column(Integer)
    is_complex: Mapped[bool] = mapped_column(Boolean, default=False)
    # The day people found the matter complex (logged so at the desk, accepted so, or
    # declared): it calls for an unscheduled reception (Law on Citizen Reception Art. 18(3);
    # domain.reception). None when not, or when only the mass rule made it complex (the
    # mass prompt says that).
    complex_on: Mapped[date | None] = mapped_column(Date)
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    locality_code: Mapped[str | None] = mapped_column(ForeignKey("localities.code"))
    # Open311 GeoReport location of the matter (not of the petitioner): degrees, and the
    # client's free-text address ("address_string").
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_string: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)

    # Who holds the case now; reception_agency is the desk that logged it.
    reception_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A lead agency designated after evasion may no longer return the case.
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    received_on: Mapped[date] = mapped_column(Date, index=True)
    # The day its latest letter was received (a later letter joins it): the mass-petition
    # check dates each letter on its own day, and finds the cases with a letter in its
    # window by this (QA round 28). Set by the writes that make cases (intake.write_case,
    # the demo's bulk loader) and by intake.add_petition; no Python default, so that the
    # migration tests' inserts into older schemas do not name it.
    last_petition_on: Mapped[date | None] = mapped_column(Date)
    routed_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date, index=True)
    resolved_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)

    # The date the escalation sweep must next look at this case (None: never again).
    next_attention_on: Mapped[date | None] = mapped_column(Date)
    # The due date of the earliest unmet stage (None: none running), kept by a flush
    # listener on deadlines (services/running_due.py): "overdue now" without a join.
    running_due_on: Mapped[date | None] = mapped_column(Date)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    flag_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_evaded: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_repeated: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_mass: Mapped[bool] = mapped_column(Boolean, default=False)
    # Marked heated (gay gắt) by reception or the agency head: prompts an unscheduled
    # reception by the leader (Law on Citizen Reception Art. 18(3)); the date of marking.
    heated_on: Mapped[date | None] = mapped_column(Date)

    # Second complaint → the first case; follow-up denunciation → the earlier one.
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)

    # Resolution as the official forms count it (reports.md).
    outcome: Mapped[str | None] = mapped_column(String(40))
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_on: Mapped[date | None] = mapped_column(Date)
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    money_to_recover: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # million VND
    land_to_recover: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # m²
    money_to_return: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    land_to_return: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    people_restored: Mapped[int | None] = mapped_column(Integer)
    orgs_restored: Mapped[int | None] = mapped_column(Integer)
    people_disciplined: Mapped[int | None] = mapped_column(Integer)
    officials_disciplined: Mapped[int | None] = mapped_column(Integer)
    sent_to_investigation: Mapped[bool] = mapped_column(Boolean, default=False)
    people_sent_to_investigation: Mapped[int | None] = mapped_column(Integer)
    resolved_on_time: Mapped[bool | None] = mapped_column(Boolean)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    field = relationship("Field")
    locality = relationship("Locality")
    agency = relationship("Agency", foreign_keys=[agency_id])
    reception_agency = relationship("Agency", foreign_keys=[reception_agency_id])
    lead_agency = relationship("Agency", foreign_keys=[lead_agency_id])
    officer = relationship("User", foreign_keys=[officer_id])
    parent_case: Mapped[Case | None] = relationship(remote_side=[id])
    # The cases that name this one as their earlier case (a second complaint, a follow-up).
    later_cases: Mapped[list[Case]] = relationship(viewonly=True, foreign_keys=[parent_case_id],
                                                   order_by="Case.id")
    cluster = relationship("Cluster")
    # Ordered to the end (ties by id): a case read again must list them alike (PostgreSQL
    # returned an updated row last once a decision re-read the case).
    petitions: Mapped[list[Petition]] = relationship(
        back_populates="case", order_by="(Petition.received_on, Petition.id)"
    )
    deadlines: Mapped[list[CaseDeadline]] = relationship(
        back_populates="case", order_by="CaseDeadline.id", cascade="all, delete-orphan"
    )
    routings = relationship("Routing", back_populates="case", order_by="Routing.id")
    # Read only (Escalation.case writes the link): who was told about this case.
    escalations = relationship("Escalation", viewonly=True, order_by="Escalation.id")

    @property
    def flags(self) -> list[str]:
        return [
            name
            for name in ("overdue", "evaded", "repeated", "mass")
            if getattr(self, f"flag_{name}")
        ]

    def deadline(self, stage: str) -> CaseDeadline | None:
        return next((d for d in self.deadlines if d.stage == stage), None)

    @property
    def clock_stopped(self) -> bool:
        """Suspended by its due date: nothing counts down, nothing is late (a suspension
        decided after the due date leaves the case late: states.clock_stopped)."""
        row = self.deadline("resolution")
        return clock_stopped(self.status, self.suspended_on,
                             row.due_on if row is not None and row.met_on is None else None)

    @property
    def clock_counts(self) -> bool:
        """The running stage's due date counts against the case (overdue, days left): its
        clock runs, or a late suspension found it run out (states.clock_counts)."""
        row = self.deadline("resolution")
        return clock_counts(self.status, self.suspended_on,
                            row.due_on if row is not None and row.met_on is None else None)

    def __repr__(self) -> str:
        return f"<Case {self.tracking_code} {self.status}>"


class Petition(db.Model):
    """One received letter or visit (đơn); handled per petition."""

    __tablename__ = "petitions"
    __table_args__ = (
        in_check("channel", CHANNELS),
        in_check("handling_outcome", HANDLING_OUTCOMES),
        in_check("filing_reason", FILING_REASONS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reception_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("reception_sessions.id"), index=True
    )
    # Đủ điều kiện xử lý: named, clear content and address, not a duplicate.
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    handling_outcome: Mapped[str | None] = mapped_column(String(20))
    filing_reason: Mapped[str | None] = mapped_column(String(20))
    handling_note: Mapped[str | None] = mapped_column(Text)
    # A later letter joined to the case (đơn trùng, nhiều lần) keeps what it said, or what
    # was presented at a reception session; the first letter's text is the case's content.
    content: Mapped[str | None] = mapped_column(Text)
    # The history of the matter (domain.history): first time, repeated, decided before, a
    # follow-up denunciation; 02/XLD counts the letters received by it. The service checks
    # the code against the kind (no CHECK: SQLite would rebuild the table to add one).
    # Intake always sets it; the server default (no Python one) leaves older revisions'
    # INSERTs, as the migration tests write them, without the column.
    history: Mapped[str] = mapped_column(String(20), server_default="first")
    handled_on: Mapped[date | None] = mapped_column(Date)
    forwarded_to: Mapped[str | None] = mapped_column(String(255))
    reply_received_on: Mapped[date | None] = mapped_column(Date)  # văn bản phúc đáp
    # A letter with several kinds of content split into several cases (domain.md): the
    # letter the desk split this one from (services/splitting.py), and, on the side whose
    # confidentiality is the stricter, the letter's text as written before the split.
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id"), index=True)
    letter_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    case: Mapped[Case] = relationship(back_populates="petitions")
    signers: Mapped[list[PetitionSigner]] = relationship(
        back_populates="petition", cascade="all, delete-orphan",
        order_by="PetitionSigner.petitioner_id",  # as the lists and exports order them
    )
    attachments = relationship("Attachment", back_populates="petition")

    @property
    def eligible_now(self) -> bool:
        """Eligible for handling today: as ticked at intake (`eligible`), unless the desk
        has since filed it for a reason that says it is not (catalog.INELIGIBLE_FILINGS)."""
        return bool(self.eligible) and self.filing_reason not in INELIGIBLE_FILINGS


class PetitionSigner(db.Model):
    """A petitioner who signed a petition; groups mark their representatives."""

    __tablename__ = "petition_signers"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True
    )
    petitioner_id: Mapped[int] = mapped_column(
        ForeignKey("petitioners.id"), primary_key=True, index=True
    )
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)

    petition: Mapped[Petition] = relationship(back_populates="signers")
    petitioner = relationship("Petitioner")


class CaseDeadline(db.Model):
    """A stage's due date with the rule that produced it, so it can be explained."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "stage"),
        in_check("stage", STAGES),
        in_check("unit", ("working", "calendar")),
        # Overdue lists and counts read only running stages: index just those.
        Index("ix_case_deadlines_running", "due_on", "case_id",
              sqlite_where=text("met_on IS NULL"), postgresql_where=text("met_on IS NULL")),
        # The scorecard counts unsummarised days live by completion day. Partial, so that
        # "met_on IS NULL" (the overdue lists) keeps using ix_case_deadlines_running.
        # Covering (stage, start, due, case): a day's completions are counted from it alone.
        Index("ix_case_deadlines_met_on", "met_on", "stage", "start_on", "due_on", "case_id",
              sqlite_where=text("met_on IS NOT NULL"),
              postgresql_where=text("met_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("deadline_policies.id"))
    rule: Mapped[str] = mapped_column(Text)  # the explanation shown to users
    met_on: Mapped[date | None] = mapped_column(Date)  # when the stage was completed

    case: Mapped[Case] = relationship(back_populates="deadlines")

    @property
    def ended_by_withdrawal(self) -> bool:
        """Ended, not done: the stage running when every petitioner withdrew (its met_on is
        the withdrawal's day; QA 104 J7: the page said "done", even "done late")."""
        case = self.case
        if case is None or case.status != "withdrawn" or self.met_on is None \
                or self.met_on != case.closed_on:
            return False
        ended = [d for d in case.deadlines if d.met_on == case.closed_on]
        return self is max(ended, key=lambda d: (d.start_on, d.id or 0))


class StageSpell(db.Model):
    """A completed stage an agency kept to its credit after the case left it.

    A transfer, a return or a lead designation starts the acceptance stage again at the next
    agency (CaseDeadline keeps one row per stage): the acceptance the previous holder gave,
    late or on time, is kept here with its due date, so that its scorecard does not change
    when the case moves on (QA round 26: a late acceptance vanished from a closed period's
    scorecard when the agency later transferred the case away).
    """

    __tablename__ = "stage_spells"
    __table_args__ = (
        in_check("stage", STAGES),
        Index("ix_stage_spells_met_on", "met_on", "agency_id"),  # the scorecard, by day
        # One spell per acceptance and move: two recoveries at once insert it once.
        Index("ux_stage_spells_once", "case_id", "agency_id", "stage", "met_on", "left_on",
              unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    stage: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    met_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date] = mapped_column(Date)  # the day the move took the case away


class Routing(db.Model):
    """One move of a case between agencies: route, transfer, return, lead designation."""

    __tablename__ = "routings"
    __table_args__ = (
        in_check("action", ("route", "transfer", "return", "designate_lead", "second_round")),
        Index("ix_routings_decided_on", "decided_on"),  # scorecard: live days
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    suggested_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    case: Mapped[Case] = relationship(back_populates="routings")
    from_agency = relationship("Agency", foreign_keys=[from_agency_id])
    to_agency = relationship("Agency", foreign_keys=[to_agency_id])
    suggested_agency = relationship("Agency", foreign_keys=[suggested_agency_id])
    actor = relationship("User")


class Attachment(db.Model):
    """A stored file, addressed by its SHA-256 outside the web root."""

    __tablename__ = "attachments"
    __table_args__ = (in_check("purpose", ("petition", "evidence", "decision", "other")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petitions.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20), default="evidence")
    # A scan in the denouncer's hand reveals them, so it is masked like their name.
    reveals_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    # Its content erased with the petitioner's identity (personal_data.anonymise_petitioner):
    # the row stays, the file is served no more and pruned once no other row names it.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    petition = relationship("Petition", back_populates="attachments")


class CitizenFeedback(db.Model):
    """A citizen's rating of the result and the service (1–5, SIPAS factors)."""

    __tablename__ = "citizen_feedback"
    __table_args__ = (
        CheckConstraint("rating_result BETWEEN 1 AND 5", name="rating_result_range"),
        CheckConstraint("rating_service BETWEEN 1 AND 5", name="rating_service_range"),
        UniqueConstraint("case_id"),
        Index("ix_citizen_feedback_created_at", "created_at"),  # scorecard: live days
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    rating_result: Mapped[int] = mapped_column(Integer)
    rating_service: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
