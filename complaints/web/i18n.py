"""Translate the service layer's messages at render time, in the request's language.

Services and the domain mark their user-facing messages with ``N_`` (complaints/domain/
messages.py) and never call Flask-Babel. Every view, form handler and error handler that
shows such a message passes it through ``translate`` (one message), ``translate_errors``
(ValidationFailed's field -> message dict; the keys are kept) or ``error_text`` (any
service/domain exception). The language is Flask-Babel's, chosen by ``select_locale``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from complaints.domain import states
from complaints.domain.messages import Message, Named, Number


def _value(value: Any, lang: str) -> Any:
    """A message's value as the reader's language writes it (complaints/domain/messages.py)."""
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, Number):
        return format_decimal(value.value)  # Babel's grouping for the request's locale
    if isinstance(value, Named):
        return value.in_language(lang)
    return value


def translate(message: Any) -> str:
    """Return the message in the user's language (a ``Message``'s values filled in)."""
    if isinstance(message, Message):
        lang = str(get_locale() or "vi")
        params = {key: _value(value, lang) for key, value in message.params.items()}
        if isinstance(params.get("source"), str) and lang == "en":
            # By convention a `source` value is a legal basis, stored in Vietnamese.
            from complaints.domain.policies import source_in_english

            params["source"] = source_in_english(params["source"]) or params["source"]
        return _(message.msgid, **params)
    if isinstance(message, str):
        # A plain msgid from N_(); text that is no msgid comes back unchanged.
        return _(str(message)) if message else message
    return str(message)


def translate_errors(errors: Mapping[str, Any]) -> dict[str, str]:
    """ValidationFailed.errors with every message translated; the field keys unchanged."""
    return {key: translate(value) for key, value in errors.items()}


def transition_text(exc: states.InvalidTransition) -> str:
    """The user's-language text of an action the case's status does not allow."""
    from complaints.services import case_view

    lang = str(get_locale() or "vi")
    text = _("Không thể thực hiện thao tác “%(action)s” khi hồ sơ đang ở trạng thái "
             "“%(status)s”.",
             action=case_view.text_label(case_view.ACTION_LABELS, exc.action, lang),
             status=case_view.text_label(case_view.STATUS_LABELS, exc.status, lang))
    hint = getattr(exc, "hint", None)  # who may act instead (corrections.NotAtDesk)
    return f"{text} {translate(hint)}" if hint else text


def error_text(exc: BaseException) -> str:
    """One line for a service/domain error (NotAllowed, ValidationFailed, InvalidTransition)."""
    from complaints.services.errors import NotFound, ValidationFailed

    if isinstance(exc, states.InvalidTransition):
        return transition_text(exc)
    if isinstance(exc, NotFound):  # its argument is an id for the logs, not a message
        return _("Không tìm thấy hồ sơ.")
    if isinstance(exc, ValidationFailed):
        return "; ".join(translate_errors(exc.errors).values())
    if exc.args and isinstance(exc.args[0], str):
        return translate(exc.args[0])
    return str(exc)


def http_error_text(code: int) -> str:
    """The machine interfaces' (API, Open311) one line for an HTTP error status."""
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Nội dung gửi lên quá lớn."),
        415: _("Nội dung gửi lên phải là JSON (Content-Type: application/json)."),
        429: _("Quá nhiều yêu cầu. Vui lòng thử lại sau."),
    }
    if code in messages:
        return messages[code]
    if code < 500:
        return messages[400]
    return _("Đã có lỗi xảy ra. Dữ liệu đã lưu không bị mất; vui lòng thử lại sau.")
