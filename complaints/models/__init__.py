"""All models, imported here so that Alembic and the app see the whole metadata."""

from complaints.models.agency import Agency, RoutingRule, agency_localities
from complaints.models.case import (
    Attachment,
    Case,
    CaseDeadline,
    CitizenFeedback,
    Cluster,
    Petition,
    PetitionSigner,
    Routing,
    StageSpell,
)
from complaints.models.enforcement import Enforcement
from complaints.models.escalation import Escalation, Notification, NotificationRead
from complaints.models.event import AuditEvent
from complaints.models.petitioner import Petitioner
from complaints.models.policy import (
    CalendarOverride,
    DeadlinePolicy,
    EscalationStep,
    PatternRule,
    ScoreWeight,
)
from complaints.models.reception import DeskSubmission, JobRun, ReceptionSession
from complaints.models.reference import Field, Locality
from complaints.models.report_job import ReportJob
from complaints.models.scorecard import (
    ScorecardBuiltDay,
    ScorecardDay,
    ScorecardEscalation,
    ScorecardRereceipt,
)
from complaints.models.user import ApiToken, EndedSession, UnknownSignIn, User

__all__ = [
    "Agency",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "CalendarOverride",
    "Case",
    "CaseDeadline",
    "CitizenFeedback",
    "Cluster",
    "DeadlinePolicy",
    "DeskSubmission",
    "EndedSession",
    "Enforcement",
    "Escalation",
    "EscalationStep",
    "PatternRule",
    "Field",
    "JobRun",
    "Locality",
    "Notification",
    "NotificationRead",
    "Petition",
    "PetitionSigner",
    "Petitioner",
    "ReceptionSession",
    "ReportJob",
    "Routing",
    "RoutingRule",
    "ScoreWeight",
    "ScorecardBuiltDay",
    "ScorecardDay",
    "ScorecardEscalation",
    "ScorecardRereceipt",
    "StageSpell",
    "UnknownSignIn",
    "User",
    "agency_localities",
]

# The full-text index over cases (FTS5 table and triggers, or a GIN index): DDL events.
from complaints.models import search_index  # noqa: E402,F401
