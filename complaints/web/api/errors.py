"""JSON error answers of the API: domain and validation errors become HTTP errors here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, HTTPException

from complaints.domain import states
from complaints.domain.text import normal_tracking_code
from complaints.extensions import db
from complaints.models import Case
from complaints.permissions import can_view
from complaints.services.attachments import StorageError
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web.api import bp
from complaints.web.api.case_view import allowed_actions
from complaints.web.api.schemas import flatten_errors
from complaints.web.i18n import error_text, http_error_text, transition_text, translate_errors

logger = logging.getLogger(__name__)


class MalformedJSON(BadRequest):
    """The request's body is not JSON the API can read (bad syntax, bad encoding, nested
    deeper than the parser goes)."""


@dataclass
class CaseConflict(states.InvalidTransition):
    """An action the case's status refuses, with what the caller may do instead: the
    `allowed_actions` of the case as they read it (case_view.allowed_actions)."""

    allowed: list[str] = field(default_factory=list)


def error_response(status: int, message: str, **extra):
    """Return {"error": message, "status": status, …} with that status."""
    # Nothing of a refused request may be committed later by accident.
    db.session.rollback()
    response = jsonify({"error": message, "status": status, **extra})
    response.status_code = status
    return response


@bp.errorhandler(ValidationError)
def schema_invalid(exc: ValidationError):
    return error_response(422, _("Dữ liệu không hợp lệ."),
                          errors=flatten_errors(exc.messages))


@bp.errorhandler(ValidationFailed)
def service_invalid(exc: ValidationFailed):
    return error_response(422, _("Dữ liệu không hợp lệ."),
                          errors=translate_errors(exc.errors))


@bp.errorhandler(NotAllowed)
def not_allowed(exc: NotAllowed):
    logger.info("API refused: %s", exc)
    # The service's reason, in the request's language, when it gives one.
    reason = error_text(exc) if exc.args else ""
    return error_response(403, reason or _("Bạn không có quyền thực hiện thao tác này."))


@bp.errorhandler(StorageError)
def storage_failed(exc: StorageError):
    # The disk refused the file (full, read-only): nothing was saved; try again later.
    logger.error("API storage failure: %s", exc)
    return error_response(503, error_text(exc))


@bp.errorhandler(NotFound)
def not_found(exc: NotFound):
    what = getattr(exc, "what", "case")
    if what == "reception_session":
        return error_response(404, _("Không tìm thấy buổi tiếp công dân."))
    if what == "petitioner":  # of the case named in the path (one the caller may see)
        return error_response(404, _("Không tìm thấy người đứng đơn này trong hồ sơ."))
    if what == "petition":
        return error_response(404, _("Không tìm thấy đơn này trong hồ sơ."))
    if what == "attachment":
        return error_response(404, _("Không tìm thấy tài liệu."))
    if what == "escalation":  # not addressed to the reader's agency
        return error_response(404, _("Không tìm thấy kiến nghị leo thang này."))
    return error_response(404, _("Không tìm thấy hồ sơ."))


@bp.errorhandler(states.InvalidTransition)
def invalid_transition(exc: states.InvalidTransition):
    # The message names the action as people do ("Lưu đơn"); `action` keeps the code.
    # What may be done instead is what the case answer lists for this caller, never every
    # action of the status (QA: `extend` refused by law, `designate_lead` no API action).
    allowed = exc.allowed if isinstance(exc, CaseConflict) else _allowed_now()
    return error_response(
        409, transition_text(exc),
        action=exc.action, case_status=exc.status, allowed_actions=allowed,
    )


def _allowed_now() -> list[str]:
    """What the caller may do with the case the request names, as GET /cases/{code} lists
    it, for a refusal raised without it (a split's, a correction's: they answered [], QA
    117). Read after a rollback: the case as it stands, not as the refused step left it."""
    code = (request.view_args or {}).get("tracking_code")
    user = getattr(g, "api_user", None)
    if not code or user is None:
        return []
    db.session.rollback()
    case = db.session.scalar(select(Case).where(
        Case.tracking_code == normal_tracking_code(code)))
    return allowed_actions(case, user) if case is not None and can_view(user, case) else []


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Any HTTP error under /api/v1, routed or not (complaints/web/__init__.py hands over the
    codes it handles itself): {"error", "status"} in the API's language."""
    if isinstance(exc, MalformedJSON):
        message = _("Yêu cầu không hợp lệ: nội dung phải là JSON.")
    else:  # an error that knows more says so (documents.FileMissing)
        message = str(getattr(exc, "explained", "") or "") or http_error_text(exc.code or 500)
    response = error_response(exc.code or 500, message)
    allowed = getattr(exc, "valid_methods", None)
    if exc.code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response
