"""Open311 GeoReport v2 endpoints (JSON and XML): services, requests, one request.

Third-party civic apps post with an API key (OPEN311_API_KEYS); reads are public and
carry no personal data. Errors use the spec's format: [{"code": 400, "description": …}].
"""

from __future__ import annotations

import hmac
import logging
import xml.etree.ElementTree as ET  # nosec B405  # only builds XML, never parses input

from flask import Response, current_app, jsonify, request
from flask_babel import get_locale
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from complaints import clock
from complaints.domain.messages import N_
from complaints.domain.text import without_control
from complaints.extensions import db, limiter
from complaints.services import open311
from complaints.services.open311 import Open311Error, RequestFilter
from complaints.web.i18n import http_error_text, translate, translate_errors
from complaints.web.open311 import bp

logger = logging.getLogger(__name__)
FORMATS = ("json", "xml")


def _lang() -> str:
    return str(get_locale() or "vi")


def _xml(root_tag: str, item_tag: str, items: list[dict]) -> Response:
    root = ET.Element(root_tag)
    for item in items:
        node = ET.SubElement(root, item_tag)
        for key, value in item.items():
            child = ET.SubElement(node, key)
            if value is None:
                continue
            # Rows stored before control characters were refused must not break the feed.
            child.text = str(value).lower() if isinstance(value, bool) \
                else without_control(str(value))
    body = ET.tostring(root, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    mimetype="text/xml", content_type="text/xml; charset=utf-8")


def _answer(fmt: str, root_tag: str, item_tag: str, items: list[dict], status: int = 200):
    if fmt == "xml":
        response = _xml(root_tag, item_tag, items)
    else:
        response = jsonify(items)
    response.status_code = status
    return response


def georeport_error(code: int, description: str, fmt: str | None = None):
    """GeoReport's error answer with that HTTP status: XML for a .xml path, else JSON."""
    # Nothing of a refused request may be committed later by accident.
    db.session.rollback()
    fmt = fmt or ("xml" if request.path.endswith(".xml") else "json")
    return _answer(fmt, "errors", "error", [{"code": code, "description": description}], code)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Open311Error(404, N_("Định dạng phải là json hoặc xml."))


@bp.errorhandler(Open311Error)
def open311_error(exc: Open311Error):
    """A refused parameter or submission, in the request's language (like the field errors)."""
    if exc.errors:  # the service's field messages, in the request's language
        return georeport_error(exc.code, "; ".join(
            f"{key}: {message}" for key, message in translate_errors(exc.errors).items()))
    return georeport_error(exc.code, translate(exc.description))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Any HTTP error under /open311/v2, routed or not (complaints/web/__init__.py hands
    over the codes it handles itself): GeoReport's shape, in the request's language."""
    response = georeport_error(exc.code or 500, http_error_text(exc.code or 500))
    allowed = getattr(exc, "valid_methods", None)
    if exc.code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _api_key_ok() -> bool:
    given = (request.values.get("api_key") or "").strip()
    keys = current_app.config.get("OPEN311_API_KEYS") or ()
    return bool(given) and any(hmac.compare_digest(given, k) for k in keys)


def _key_of_client() -> str:
    """What a post's allowance is counted by: a configured key its own (an app behind one
    address posts for many people); any other post its address, so that guessing keys is
    limited too (QA round 68: each wrong key had an allowance of its own)."""
    if _api_key_ok():
        return "open311:key:" + (request.values.get("api_key") or "").strip()
    return "open311:address:" + (request.remote_addr or "")


@bp.route("/services.<fmt>")
def services(fmt: str):
    """List the services: one per field of law."""
    _check_format(fmt)
    return _answer(fmt, "services", "service", open311.list_services(_lang()))


@bp.route("/requests.<fmt>", methods=["GET"])
def list_requests(fmt: str):
    """List service requests with the standard filters (max 1000, default last 90 days)."""
    _check_format(fmt)
    args = request.args
    filters = RequestFilter(service_request_id=args.get("service_request_id"),
                            service_code=args.get("service_code"),
                            start_date=args.get("start_date"), end_date=args.get("end_date"),
                            status=args.get("status"))
    items = open311.find_requests(filters, clock.today(), _lang())
    return _answer(fmt, "service_requests", "request", items)


@bp.route("/requests.<fmt>", methods=["POST"])
@limiter.limit(lambda: current_app.config["OPEN311_POST_LIMIT"], key_func=_key_of_client)
def create_request(fmt: str):
    """Create an online petition from a third-party app (API key required)."""
    _check_format(fmt)
    if request.not_utf8():  # before the key: a form not read is no missing key
        raise Open311Error(400, N_("Nội dung yêu cầu phải được mã hóa UTF-8."))
    if not _api_key_ok():
        raise Open311Error(403, N_("Cần có api_key hợp lệ."))
    params = request.values.to_dict()
    try:
        item = open311.create_request(
            params, current_app.config["ONLINE_RECEPTION_AGENCY_CODE"],
            clock.now(), clock.today(),
            province_code=f"{int(current_app.config['PROVINCE_CODE']):02d}", lang=_lang())
        db.session.commit()
    except Open311Error:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()  # the same post, sent at the same moment, saved it first
        item = open311.repeated_post(open311.post_token(params, clock.today()), _lang(),
                                     phone=bool((params.get("phone") or "").strip()))
        if item is None:
            raise
    return _answer(fmt, "service_requests", "request", [item])


@bp.route("/requests/<request_id>.<fmt>")
def one_request(request_id: str, fmt: str):
    """Return one service request by its id (the tracking code)."""
    _check_format(fmt)
    return _answer(fmt, "service_requests", "request",
                   [open311.get_request(request_id, _lang())])
