"""Notes on the work of resolving a case (ghi chú quá trình xử lý).

What the officer verified, whom they met, what the agency waits for: not a decision (the
status, deadlines and reports do not change), but the record of the work that the
timeline shows to whoever may read the case, so that a head, a successor or an inspector
sees how the case stands between its decisions. Each note is an audit event of the case.
The text is checked as every text of the trail is (intake.trail_text): it may not name a
denouncer, whom some readers of the timeline may not know.
"""

from __future__ import annotations

from datetime import datetime

from complaints.domain.messages import N_
from complaints.models import AuditEvent, Case, User
from complaints.permissions import can_note
from complaints.services import audit, intake
from complaints.services.errors import NotAllowed, ValidationFailed

EVENT = "note_added"
NOT_YOURS = N_("Chỉ thủ trưởng cơ quan đang giải quyết hồ sơ và cán bộ được giao ghi chú được "
               "quá trình xử lý.")


def add_note(case: Case, note: str | None, actor: User, now: datetime) -> AuditEvent:
    """Record a note of the work on the case by its agency's head or assigned officer."""
    from complaints.services import workflow  # workflow imports intake, as we do

    workflow.hold(case)
    if not can_note(actor, case):
        raise NotAllowed(NOT_YOURS)
    errors: dict[str, str] = {}
    text = intake.trail_text(note, "note", errors, case, N_("Nhập nội dung ghi chú."))
    if errors:
        raise ValidationFailed(errors)
    return audit.record_case(case, EVENT, actor, now, {"note": text})
