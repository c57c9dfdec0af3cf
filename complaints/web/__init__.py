"""Blueprints, one per audience, and the error pages."""

from __future__ import annotations

import functools
import logging

from flask import (
    Flask,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from complaints import machine_blueprint, request_blueprint
from complaints.domain import catalog
from complaints.domain.states import InvalidTransition
from complaints.extensions import db
from complaints.permissions import HOME_ENDPOINTS
from complaints.services.deadlines import explain as deadline_explain
from complaints.services.errors import NotAllowed, NotFound, ServiceError, ValidationFailed

logger = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/open311/")


def register_web(app: Flask) -> None:
    """Register blueprints, the index redirect, the language switch and error handlers."""
    from complaints.extensions import csrf
    from complaints.web.admin import bp as admin_bp
    from complaints.web.agency import bp as agency_bp
    from complaints.web.api import bp as api_bp
    from complaints.web.auth import bp as auth_bp
    from complaints.web.health import bp as health_bp
    from complaints.web.inbox import bp as inbox_bp
    from complaints.web.inspection import bp as inspection_bp
    from complaints.web.public import bp as public_bp
    from complaints.web.reception import bp as reception_bp

    for bp in (auth_bp, reception_bp, agency_bp, inspection_bp, admin_bp, public_bp, inbox_bp,
               health_bp):
        app.register_blueprint(bp)
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    from complaints.web.open311 import bp as open311_bp  # GeoReport v2: API keys, no cookies
    csrf.exempt(open311_bp)
    app.register_blueprint(open311_bp)

    @app.route("/")
    def index():
        """Send a signed-in user to their role's home, others to sign in."""
        if current_user.is_authenticated:
            return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
        return redirect(url_for("auth.login"))

    @app.route("/lang/<code>")
    def set_language(code: str):
        """Remember the chosen language for this browser; the account takes it at its next
        form sent (remember_language): a GET stores nothing (QA round 19: any page's
        <img src="/lang/en"> rewrote the account)."""
        if code in app.config["LANGUAGES"]:
            session["lang"] = code
        from urllib.parse import urlsplit

        from complaints.security import local_path
        from complaints.web import sealed

        target = _page_to_show_again(local_path(request.args.get("next")) or url_for("index"))
        session[sealed.LANG_SWITCH_KEY] = urlsplit(target).path  # sealed.once reads it
        return redirect(target)

    def _page_to_show_again(target: str) -> str:
        """The page to show in the new language: `target`, unless it is the address a form
        was sent to (a refused note, file, routing… is shown at its POST address), which a
        GET cannot open (404/405, QA round 56): then the nearest page above it."""
        from urllib.parse import urlsplit

        from werkzeug.exceptions import HTTPException

        adapter = app.url_map.bind("localhost")
        path = urlsplit(target).path
        for _step in range(8):
            endpoints = []
            for method in ("GET", "POST"):
                try:
                    endpoints.append(adapter.match(path, method=method)[0])
                except HTTPException:
                    endpoints.append(None)
            shown, sent = endpoints
            if shown is not None and sent in (None, shown):
                return target if path == urlsplit(target).path else path
            path = path.rstrip("/").rsplit("/", 1)[0]
            if not path:
                break
        return url_for("index")

    @app.before_request
    def remember_language():
        """The language chosen in this browser becomes the account's (its e-mails' and
        notices' language) with the next form the user sends: a POST, which has passed
        the CSRF check registered before this hook."""
        if request.method != "POST" or not current_user.is_authenticated:
            return
        lang = session.get("lang")
        if lang in app.config["LANGUAGES"] and current_user.locale != lang:
            from complaints.extensions import db

            current_user.locale = lang
            db.session.commit()

    @app.context_processor
    def inject_helpers():
        from flask_babel import get_locale

        lang = str(get_locale() or "vi")
        return {
            "lang": lang,
            "catalog": catalog,
            "label": lambda table, code: catalog.label(getattr(catalog, table), code, lang),
            "deadline_days_left": _days_left,
            # How a deadline was computed, in the page's language (stored in Vietnamese).
            "deadline_rule": lambda row: deadline_explain(row, lang),
        }

    @app.template_filter("named")
    def named(agency) -> str:
        """An agency's name in the page's language (its English name where recorded)."""
        from flask_babel import get_locale

        if agency is None:
            return ""
        from complaints.services.case_view import agency_name

        return agency_name(agency, str(get_locale() or "vi")) or ""

    @app.template_filter("unmask_label")
    def unmask_label(value):
        """A masked identity field in the page's language (the mask itself is a label)."""
        from flask_babel import gettext

        from complaints.domain.confidentiality import MASK

        return gettext(MASK) if value == MASK else value

    @app.template_filter("number")
    def number(value) -> str:
        """A number grouped as the page's language writes it (1.500.000,5 or 1,500,000.5)."""
        from flask_babel import format_decimal

        return "" if value is None else format_decimal(value)

    @app.template_filter("filesize")
    def filesize(size) -> str:
        """A file's size in kilobytes, one decimal, as the page's language writes it
        ("12,3 KB" / "12.3 KB")."""
        from flask_babel import format_decimal

        return f"{format_decimal((size or 0) / 1024, format='#,##0.0')} KB"

    @app.template_filter("vndate")
    def vndate(value):
        """Format a date dd/mm/yyyy (the Vietnamese convention; also used in English). A
        moment (stored in UTC) is dated where it happened, in Vietnam: a notice of 01:30
        on the 2nd is not of the 1st (QA round 20)."""
        from datetime import datetime

        from complaints import clock

        if isinstance(value, datetime):
            value = clock.as_utc(value).astimezone(clock.LOCAL_TZ)
        return value.strftime("%d/%m/%Y") if value else ""

    @app.template_filter("weekday_if_near")
    def weekday_if_near(value, today, days: int = 7) -> str:
        """" (Thứ Hai)" after a date within `days` of today, else nothing: a near date is
        read by its weekday (ux.md), a far one by its date alone."""
        from flask_babel import format_date

        if not value or today is None or not 0 <= (value - today).days <= days:
            return ""
        return f" ({format_date(value, 'EEEE')})"

    def _error(status: int, message: str, again: str | None = None):
        machine = machine_blueprint()
        if machine == "api":
            from complaints.web.api.errors import error_response

            return error_response(status, message)
        if machine == "open311":
            from complaints.web.open311.routes import georeport_error

            return georeport_error(status, message)
        if _wants_json():
            return jsonify({"error": message, "status": status}), status
        return render_template("errors/error.html", status=status, message=message,
                               citizens=_for_citizens(), again=again), status

    def _for_citizens() -> bool:
        """Is this an address of the citizens' pages (/cong-dan/…), a route matched or not?
        Their error pages lead back to them: "/" sends a visitor to the officials' sign-in
        (QA 97)."""
        return request_blueprint(("public",)) is not None

    def _form_page() -> str | None:
        """The page a refused citizen's form is on: its own address when it is shown by GET
        (the online form, the look-up), else the case's page (rating, second complaint)."""
        rule = request.url_rule
        if rule is None or request.endpoint is None:
            return None
        if "GET" in (rule.methods or ()):
            return url_for(request.endpoint, **(request.view_args or {}))
        return url_for("public.case")

    def _machine_first(handler):
        """An HTTP error under /api/v1 or /open311/v2 is answered by that blueprint's own
        handler (its shape, its messages, its language) even when no route matched: the
        blueprint's handler alone would never see a 404/405, nor any code handled here."""

        @functools.wraps(handler)
        def wrapped(exc):
            machine = machine_blueprint()
            if machine == "api":
                from complaints.web.api.errors import http_error

                return http_error(exc)
            if machine == "open311":
                from complaints.web.open311.routes import http_error

                return http_error(exc)
            return handler(exc)

        return wrapped

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        # The text typed is not echoed (any site could then show chosen text here): the
        # forms with long text keep it in the browser's tab (static/drafts.js, QA 84 D1).
        if _for_citizens():
            # A citizen has no work session: the form was open too long (QA 97); the page
            # links to the form again.
            return _error(400, _("Biểu mẫu đã mở quá lâu hoặc không còn hợp lệ, nên chưa "
                                 "được gửi. Với biểu mẫu có ô nội dung dài, nội dung bạn đã "
                                 "nhập được giữ trong thẻ trình duyệt này trên thiết bị này "
                                 "và sẽ được đề nghị khôi phục khi bạn mở lại biểu mẫu đó. "
                                 "Hãy mở lại biểu mẫu bằng liên kết dưới đây rồi gửi lại."),
                          again=_form_page())
        return _error(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ, nên biểu "
                             "mẫu chưa được gửi. Với biểu mẫu có ô nội dung dài, nội dung bạn "
                             "đã nhập được giữ trong thẻ trình duyệt này trên thiết bị này và "
                             "sẽ được đề nghị khôi phục khi bạn mở lại biểu mẫu đó. Vui lòng "
                             "tải lại trang và thử lại."))

    @app.errorhandler(ServiceError)
    @app.errorhandler(InvalidTransition)
    def service_refused(exc):
        """A service's refusal that a view did not catch answers as what it is (403, 404,
        409, 422; a store that refused a file 503), never as a 500 (QA 105 V5). Views still
        catch them where they can say more (a form's errors beside its fields)."""
        db.session.rollback()
        from complaints.services.attachments import StorageError
        from complaints.web.i18n import error_text

        status = (404 if isinstance(exc, NotFound) else 403 if isinstance(exc, NotAllowed)
                  else 409 if isinstance(exc, InvalidTransition)
                  else 422 if isinstance(exc, ValidationFailed)
                  else 503 if isinstance(exc, StorageError) else 409)
        # A store that refused a file (a full disk) is the operator's alarm, not a refusal.
        (logger.error if status == 503 else logger.info)("refused (%s): %s", status, exc)
        message = error_text(exc) if status != 403 or exc.args else ""
        return _error(status, message or {
            403: _("Bạn không có quyền thực hiện thao tác này."),
            404: _("Không tìm thấy trang hoặc hồ sơ."),
            422: _("Yêu cầu không hợp lệ."),
        }.get(status, _("Không thực hiện được thao tác này; dữ liệu đã lưu không thay đổi.")))

    @app.errorhandler(400)
    @_machine_first
    def bad_request(exc):
        return _error(400, _("Yêu cầu không hợp lệ."))

    @app.errorhandler(403)
    @_machine_first
    def forbidden(exc):
        return _error(403, _("Bạn không có quyền truy cập trang này."))

    @app.errorhandler(404)
    @_machine_first
    def not_found(exc):
        # A 404 that knows more says so (documents.FileMissing: a file lost from the store).
        return _error(404, str(getattr(exc, "explained", "") or "")
                      or _("Không tìm thấy trang hoặc hồ sơ."))

    @app.errorhandler(405)
    @_machine_first
    def not_allowed(exc):
        return _error(405, _("Phương thức không được hỗ trợ."))

    @app.errorhandler(413)
    @_machine_first
    def too_large(exc):
        return _error(413, _("Tệp tải lên quá lớn."))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        """The database is down or locked: 503 with Retry-After, so proxies and monitors know."""
        logger.warning("database unavailable: %s", exc)
        db.session.rollback()
        response = make_response(_error(503, _("Đã có lỗi xảy ra. Dữ liệu đã lưu không bị "
                                                "mất; vui lòng thử lại sau.")))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(500)
    @_machine_first
    def server_error(exc):
        # The page below reads the session (the user, the language): a failed statement
        # would fail it again and leave a bare 500 (QA round 31).
        db.session.rollback()
        return _error(500, _("Đã có lỗi xảy ra. Dữ liệu đã lưu không bị mất; "
                             "vui lòng thử lại sau."))


def _days_left(due_on, today):
    from complaints.domain.deadlines import days_left
    from complaints.services.calendar import get_calendar

    return days_left(get_calendar(), due_on, today)
