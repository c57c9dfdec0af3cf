"""The audit trail: append-only events, each chained by hash to its chain's previous one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.extensions import db
from complaints.models.base import created_at_column


class AuditEvent(db.Model):
    """One change; `chain` is "case:<id>" for a case, or e.g. "agency:<id>" for admin data.

    The unique (chain, seq) makes two writers racing on one chain fail instead of forking it.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120))  # kept even if the user goes
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    created_at: Mapped[datetime] = created_at_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")


# The database itself refuses to change or delete an audit event, whatever the code does:
# the app never needs to, and someone who can drop these triggers can also be caught by the
# hash chains and the seals (services/audit.py). The same statements are run by the
# migration (append-only triggers) and, for tests, by create_all.
APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)
DROP_APPEND_ONLY_SQLITE = ("DROP TRIGGER IF EXISTS audit_events_no_update",
                           "DROP TRIGGER IF EXISTS audit_events_no_delete")
APPEND_ONLY_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    # Row triggers never fire on TRUNCATE, which emptied the trail (QA round 32).
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)
DROP_APPEND_ONLY_POSTGRESQL = (
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
)

for _statement in APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))
