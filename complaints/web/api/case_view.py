"""A read view of a case for the API schemas: the case plus what lives beside it."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from types import SimpleNamespace

from flask_babel import gettext
from marshmallow.experimental.context import Context
from sqlalchemy import select

from complaints.domain import enforcement as enforcement_rules
from complaints.domain.confidentiality import AUTHOR_TEXT_HIDDEN, hide_author_texts
from complaints.extensions import db
from complaints.models import Attachment, AuditEvent, Case, Escalation, User
from complaints.services import attachments, enforcement
from complaints.services import case_view as page_view
from complaints.services.intake import Opened
from complaints.services.workflow import ACTIONS


def allowed_actions(case: Case, user: User) -> list[str]:
    """The actions this user may take on the case now (POST /cases/{code}/{action}): the
    status, the role and the law allow them (an extension only while the policy leaves
    one). What a case answer lists, and what a 409 offers instead of a refused action."""
    return page_view.available_actions(user, case, candidates=ACTIONS)


class CaseView:
    """Wraps a Case; attributes not defined here are the case's own."""

    def __init__(self, case: Case, user: User, reveal: bool, pin: str | None = None):
        self._case = case
        self._user = user
        self.identity_masked = not reveal
        self.pin = pin

    def __getattr__(self, name: str):
        return getattr(self._case, name)

    @property
    def figures(self) -> Case:
        return self._case

    @cached_property
    def _parent(self) -> Case | None:
        return page_view.shown_parent(self._user, self._case)

    @property
    def parent_tracking_code(self) -> str | None:
        """The earlier case's code, when the reader may see the link."""
        return self._parent.tracking_code if self._parent is not None else None

    @property
    def allowed_actions(self) -> list[str]:
        return allowed_actions(self._case, self._user)

    @cached_property
    def _files(self) -> tuple[list, int]:
        rows = list(db.session.scalars(select(Attachment).where(
            Attachment.case_id == self._case.id).order_by(Attachment.id)))
        if not self.identity_masked:
            return rows, 0
        shown = [a for a in rows if not attachments.reveals_identity(a, self._case)]
        return shown, len(rows) - len(shown)

    @property
    def attachments(self) -> list:
        return self._files[0]

    @property
    def hidden_attachments(self) -> int:
        return self._files[1]

    @cached_property
    def second_complaint(self) -> dict | None:
        """A first-round complaint's second complaint, when the reader may see the link."""
        later = page_view.shown_second_round(self._user, self._case)
        if later is None:
            return None
        return {"tracking_code": later.tracking_code, "status": later.status,
                "agency_code": later.agency.code if later.agency else None,
                "outcome": later.outcome if later.decision_on else None,
                "decision_number": later.decision_number if later.decision_on else None,
                "decision_on": later.decision_on}

    @cached_property
    def enforcement(self) -> dict | None:
        state = enforcement.state_of(self._case)
        if state is None:
            return None
        record = state.record
        return {"due": state.due, "enforced_on": record.enforced_on if record else None,
                **{name: getattr(record, name) if record else None
                   for name in (*enforcement_rules.FIGURES, "note")}}

    @cached_property
    def escalations(self) -> list[Escalation]:
        query = (select(Escalation).where(Escalation.case_id == self._case.id)
                 .order_by(Escalation.created_at, Escalation.id))
        return list(db.session.scalars(query))

    @cached_property
    def timeline(self) -> list[AuditEvent | SimpleNamespace]:
        query = (select(AuditEvent).where(AuditEvent.chain == f"case:{self._case.id}")
                 .order_by(AuditEvent.seq))
        events = page_view.shown_events(self._case, list(db.session.scalars(query)),
                                        self._user)
        if self.identity_masked and self._case.kind == "denunciation":
            # The denouncer's own words go with their identity, as on the page (QA round 59).
            events = [_without_author_texts(e, self._case.kind) for e in events]
        if self._case.parent_case_id is None or self._parent is not None:
            return events
        # The earlier case's code left out, as on the page (case_view.timeline).
        return [_without_parent(e) for e in events]


class NewCaseView(CaseView):
    """The view of a case intake has just written, from its detached copy: no read back.

    Only for a copy that nothing changed after it was written (`intake.Opened.copy`): a
    new case has no routing, officer or parent, and its escalations and timeline are those
    written with it. Built after the commit (which expires the session's objects), it
    takes the reader and their agency as plain values (see `reader`).
    """

    def __init__(self, opened: Opened, user, reveal: bool, reception_agency):
        super().__init__(opened.copy, user, reveal, opened.pin)
        self.field = opened.field_ref
        self.locality = opened.locality_ref
        self.reception_agency = reception_agency
        self.agency = self.officer = None
        self.routings = []
        self.enforcement = None  # just received: no decision
        self.second_complaint = None
        self._files = ([], 0)  # the API's intake takes no file
        self.escalations = opened.escalations
        self.timeline = opened.timeline

    @property
    def parent_tracking_code(self) -> None:
        return None

    @property
    def allowed_actions(self) -> list[str]:
        # The trail is what intake wrote with the case: nothing to read back.
        return page_view.available_actions(self._user, self._case, candidates=ACTIONS,
                                           events=self.timeline)


def _without_parent(event: AuditEvent) -> AuditEvent | SimpleNamespace:
    """The event as the timeline schema reads it, with no "parent" in its data."""
    try:
        data = json.loads(event.data or "{}")
    except ValueError:
        return event  # the schema reads nothing from it either
    if not isinstance(data, dict) or "parent" not in data:
        return event
    data.pop("parent")
    return SimpleNamespace(seq=event.seq, action=event.action, actor_label=event.actor_label,
                           created_at=event.created_at, data=json.dumps(data))


def reader(user: User) -> tuple[SimpleNamespace, SimpleNamespace | None]:
    """The user's role, agency and id, and their agency's code and names, as plain values
    that outlive the commit."""
    agency = user.agency
    return (SimpleNamespace(id=user.id, role=user.role, agency_id=user.agency_id),
            SimpleNamespace(code=agency.code, name=agency.name, name_en=agency.name_en)
            if agency else None)


@contextmanager
def dump_context(user: User, today: date, reveal: bool = False):
    """Give the schemas the reader, the date and whether identity is shown."""
    with Context({"user": user, "today": today, "reveal": reveal}):
        yield


def _without_author_texts(event, kind: str):
    """The event with a denouncer's own texts (a withdrawal's reason) hidden, in the
    reader's language (confidentiality.hide_author_texts)."""
    try:
        data = json.loads(event.data or "{}")
    except ValueError:
        return event
    hidden = hide_author_texts(kind, event.action, data, gettext(AUTHOR_TEXT_HIDDEN))
    if hidden is data:
        return event
    return SimpleNamespace(seq=event.seq, action=event.action, actor_label=event.actor_label,
                           created_at=event.created_at, data=json.dumps(hidden))
