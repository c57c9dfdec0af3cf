"""JSON error answers of the API: domain and validation errors become HTTP errors here."""

from __future__ import annotations

import logging

from flask import jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from complaints.domain import catalog, states
from complaints.extensions import db
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web.api import bp
from complaints.web.api.schemas import flatten_errors
from complaints.web.i18n import error_text, translate_errors

logger = logging.getLogger(__name__)


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


@bp.errorhandler(NotFound)
def not_found(exc: NotFound):
    if getattr(exc, "what", "case") == "reception_session":
        return error_response(404, _("Không tìm thấy buổi tiếp công dân."))
    return error_response(404, _("Không tìm thấy hồ sơ."))


@bp.errorhandler(states.InvalidTransition)
def invalid_transition(exc: states.InvalidTransition):
    status_label = catalog.label(_STATUS_LABELS, exc.status, str(get_locale() or "vi"))
    return error_response(
        409,
        _("Không thể thực hiện thao tác “%(action)s” khi hồ sơ đang ở trạng thái "
          "“%(status)s”.", action=exc.action, status=status_label),
        action=exc.action, case_status=exc.status,
        allowed_actions=states.allowed_actions(exc.status),
    )


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    messages = {
        400: _("Yêu cầu không hợp lệ: nội dung phải là JSON."),
        404: _("Không tìm thấy."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Nội dung gửi lên quá lớn."),
        429: _("Quá nhiều yêu cầu. Vui lòng thử lại sau."),
    }
    return error_response(exc.code or 500, messages.get(exc.code, exc.name))


# Vietnamese names of the statuses, for the 409 message.
_STATUS_LABELS = {
    states.RECEIVED: ("mới tiếp nhận", "received"),
    states.ROUTED: ("đã chuyển cơ quan có thẩm quyền", "routed"),
    states.RETURNED: ("bị trả lại", "returned"),
    states.ACCEPTED: ("đã thụ lý", "accepted"),
    states.SUSPENDED: ("tạm đình chỉ", "suspended"),
    states.RESOLVED: ("đã giải quyết", "resolved"),
    states.CLOSED: ("đã kết thúc", "closed"),
    states.FILED: ("đã lưu đơn", "filed"),
    states.GUIDED: ("đã hướng dẫn", "guided"),
    states.FORWARDED: ("đã chuyển ra ngoài", "forwarded"),
    states.NOT_ACCEPTED: ("không thụ lý", "not accepted"),
    states.WITHDRAWN: ("đã rút đơn", "withdrawn"),
}
