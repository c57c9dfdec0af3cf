"""Open311 GeoReport v2 over the case model: fields as services, cases as requests.

Reads expose no personal data and none of the citizen's own text (which may name people):
only the service, status, agency, locality and dates. Posting creates an online petition
exactly like the citizens' web form (services.public.submit_online).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from complaints.clock import LOCAL_TZ
from complaints.domain import states
from complaints.domain.catalog import KINDS, REPORT_CATEGORIES, label
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.text import blank, has_control, nfc, normal_tracking_code
from complaints.extensions import db
from complaints.models import Case, Field, Locality
from complaints.services import intake, public
from complaints.services.case_view import agency_name
from complaints.services.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

MAX_RESULTS = 1000
ADDRESS_STRING_MAX = 255  # cases.address_string
DEFAULT_WINDOW_DAYS = 90
# Kinds a third-party app may post; a denunciation needs the denouncer's name and
# address and confidential handling, so it goes through the web form or a desk instead.
POSTABLE_KINDS = ("feedback", "recommendation", "complaint")

OPEN = "open"
CLOSED = "closed"
# GeoReport has two statuses; documented in docs/open311.md.
STATUS_MAP = {
    states.RECEIVED: OPEN, states.ROUTED: OPEN, states.RETURNED: OPEN, states.ACCEPTED: OPEN,
    states.SUSPENDED: OPEN, states.RESOLVED: CLOSED, states.CLOSED: CLOSED,
    states.FILED: CLOSED, states.GUIDED: CLOSED, states.FORWARDED: CLOSED,
    states.NOT_ACCEPTED: CLOSED, states.WITHDRAWN: CLOSED,
}


class Open311Error(Exception):
    """An error answered in the GeoReport format: [{"code": …, "description": …}].

    `description` is a msgid marked with N_ (a ``Message`` when it has values) and
    `errors` a refused submission's field messages (ValidationFailed's, marked likewise):
    the web layer translates both into the request's language.
    """

    def __init__(self, code: int, description: str, errors: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.errors = errors or {}


def keywords(lang: str = "vi") -> str:
    """The services' keywords: the kinds of petition, as people name them in `lang`
    ("khiếu nại,tố cáo,kiến nghị,phản ánh"; "complaint,denunciation,…" in English)."""
    return ",".join(label(KINDS, code, lang).lower() for code in KINDS)


def list_services(lang: str = "vi") -> list[dict]:
    """Return one GeoReport service per active field of law."""
    rows = db.session.scalars(select(Field).where(Field.active.is_(True)).order_by(Field.id))
    words = keywords(lang)
    return [
        {
            "service_code": f.code,
            "service_name": f.name(lang),
            "description": (f"Khiếu nại, kiến nghị, phản ánh về {f.name_vi}" if lang != "en"
                            else f"Complaints, recommendations and feedback on {f.name_en}"),
            "metadata": False,
            "type": "realtime",
            "keywords": words,
            "group": label(REPORT_CATEGORIES, f.report_category, lang),
        }
        for f in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _requested(case: Case) -> str:
    """When the petition was made: its received date (what the list's date filter reads),
    at the moment it was logged when that was the same day (a letter logged later is
    dated by its receipt, at the start of that day in Vietnam)."""
    logged = case.created_at
    if logged.tzinfo is None:
        logged = logged.replace(tzinfo=timezone.utc)
    vn = timezone(timedelta(hours=7))
    if logged.astimezone(vn).date() == case.received_on:
        return _iso(case.created_at)
    return _iso(datetime.combine(case.received_on, time(0, 0), vn))


def _due(case: Case) -> str | None:
    if STATUS_MAP[case.status] == CLOSED or case.clock_stopped:
        return None  # nothing is expected while the clock is stopped
    open_rows = [d for d in case.deadlines if d.met_on is None]
    if not open_rows:
        return None
    due = min(d.due_on for d in open_rows)
    # A deadline ends at the end of its due date, Vietnam time (UTC+7).
    return datetime.combine(due, time(23, 59, 59), timezone(timedelta(hours=7))).isoformat()


def _location(case: Case) -> tuple[float | None, float | None, str | None]:
    """lat, long and the posted address_string; never for a denunciation (confidential)."""
    if case.kind == "denunciation":
        return None, None, None
    return case.latitude, case.longitude, case.address_string


def request_view(case: Case, lang: str = "vi") -> dict:
    """Return a case as a GeoReport service request, without personal data."""
    lat, lon, address = _location(case)
    return {
        "service_request_id": case.tracking_code,
        "status": STATUS_MAP[case.status],
        "status_notes": case.status,
        "service_name": case.field.name(lang),
        "service_code": case.field.code,
        "agency_responsible": agency_name(case.agency, lang) if case.agency else None,
        "service_notice": None,
        "requested_datetime": _requested(case),
        "updated_datetime": _iso(case.updated_at or case.created_at),
        "expected_datetime": _due(case),
        "address": address or (case.locality.name if case.locality else None),
        "address_id": case.locality_code,
        "zipcode": None,
        "lat": lat,
        "long": lon,
    }


def get_request(tracking_code: str, lang: str = "vi") -> dict:
    case = public._find(tracking_code)
    if case is None:
        raise Open311Error(404, N_("Không tìm thấy service_request_id."))
    return request_view(case, lang)


def _parse_when(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, N_("%(name)s phải là ngày giờ theo định dạng W3C.",
                                   name=name)) from None
    # Compared with the day received in Vietnam: an offset given is turned into Vietnam's
    # time first (QA round 43: 17:00 UTC on 1/11 is 2/11 here); a moment with none is
    # Vietnam's time already.
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(LOCAL_TZ)
        except OverflowError:  # 9999-12-31T23:59:59-12:00 is past the calendar's end here
            raise Open311Error(400, N_("%(name)s phải là ngày giờ theo định dạng W3C.",
                                       name=name)) from None
    return moment.date()


@dataclass
class RequestFilter:
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None


def _with_view_columns(query: Select) -> Select:
    """Load what request_view reads of each case with the list (QA round 36: up to
    MAX_RESULTS rows, one or two lazy loads each)."""
    return query.options(selectinload(Case.deadlines), selectinload(Case.field),
                         selectinload(Case.agency), selectinload(Case.locality))


def find_requests(filters: RequestFilter, today: date, lang: str = "vi") -> list[dict]:
    """Return service requests matching the GeoReport filters (most recent first)."""
    if filters.service_request_id:
        # The spec: with ids given, every other filter is ignored.
        codes = [normal_tracking_code(c) for c in filters.service_request_id.split(",")
                 if c.strip()]
        rows = db.session.scalars(_with_view_columns(
            select(Case).where(Case.tracking_code.in_(codes[:MAX_RESULTS]))))
        return [request_view(c, lang) for c in rows]
    query = _with_view_columns(select(Case).where(Case.kind != "denunciation"))
    if filters.service_code:
        field_row = db.session.scalar(select(Field).where(Field.code == filters.service_code))
        if field_row is None:
            raise Open311Error(400, N_("service_code không có trong danh sách dịch vụ."))
        query = query.where(Case.field_id == field_row.id)
    start = _parse_when(filters.start_date, "start_date")
    end = _parse_when(filters.end_date, "end_date")
    if start is None and end is None:
        start = today - timedelta(days=DEFAULT_WINDOW_DAYS)
    if start is not None:
        query = query.where(Case.received_on >= start)
    if end is not None:
        query = query.where(Case.received_on <= end)
    if filters.status:
        # "open," from a client building its list: the empty item means nothing.
        wanted = {s.strip() for s in filters.status.split(",")} - {""}
        if not wanted <= {OPEN, CLOSED}:
            raise Open311Error(400, N_("status phải là open hoặc closed."))
        query = query.where(Case.status.in_([s for s, v in STATUS_MAP.items() if v in wanted]))
    query = query.order_by(Case.received_on.desc(), Case.id.desc()).limit(MAX_RESULTS)
    return [request_view(c, lang) for c in db.session.scalars(query)]


def _float(value: str | None, name: str, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, N_("%(name)s phải là một số.", name=name)) from None
    if not low <= number <= high:  # NaN and infinities fail here too
        raise Open311Error(400, N_("%(name)s phải từ %(low)s đến %(high)s (độ, hệ WGS 84).",
                                   name=name, low=format(low, "g"), high=format(high, "g")))
    return number


# The GeoReport parameters each field of the submission is made from, to name in a refusal
# what the client sent rather than our own fields ("content", "full_name"); the others
# (phone, email, kind) have the same name.
_PARAMETERS = {"content": ("description",), "subject": ("description",),
               "full_name": ("first_name", "last_name"), "field": ("service_code",),
               "locality_code": ("address_id",)}


def _as_parameters(errors: dict[str, str], params: dict) -> dict[str, str]:
    """A refused submission's messages keyed by the parameters they are about: those of
    the sources the client sent ("last_name" for a name given as last_name alone); the
    signer's fields of intake ("petitioners.0.full_name") as the submission's."""
    named: dict[str, str] = {}
    for key, message in errors.items():
        field = key.rsplit(".", 1)[-1] if key.startswith("petitioners.") else key
        sources = _PARAMETERS.get(field, (field,))
        sent = [name for name in sources if not blank(params.get(name))] or list(sources)
        named.setdefault("/".join(sent), message)
    return named


def create_request(params: dict, agency_code: str, now: datetime, today: date,
                   province_code: str | None = None, lang: str = "vi") -> dict:
    """Create an online petition from a GeoReport POST; return the spec's answer item.

    `province_code`: where an `address_id` must be a commune (the online form offers only
    those); `lang`: the language of the answer's notice."""
    service_code = (params.get("service_code") or "").strip()
    if not service_code:
        raise Open311Error(400, N_("Cần có service_code."))
    if db.session.scalar(select(Field.id).where(Field.code == service_code,
                                                Field.active.is_(True))) is None:
        raise Open311Error(400, N_("service_code không có trong danh sách dịch vụ."))
    lat = _float(params.get("lat"), "lat", -90, 90)
    lon = _float(params.get("long"), "long", -180, 180)
    if (lat is None) != (lon is None):
        raise Open311Error(400, N_("lat và long phải được gửi cùng nhau."))
    # Composed (NFC) as every submitted text is (public.OnlineSubmission): measured as it
    # reads, and the description's first line cut to a subject on a whole letter.
    address = nfc((params.get("address_string") or "").strip())
    if has_control(address):  # checked here: intake would see it only inside the content
        raise Open311Error(400, N_("address_string có ký tự điều khiển không hợp lệ."),
                           errors={"address_string": CONTROL_CHARACTERS})
    if len(address) > ADDRESS_STRING_MAX:
        raise Open311Error(400, N_("address_string tối đa %(max)s ký tự.",
                                   max=ADDRESS_STRING_MAX))
    address_id = (params.get("address_id") or "").strip()
    if not ((lat is not None and lon is not None) or address or address_id):
        raise Open311Error(400, N_("Cần có địa điểm: lat và long, address_string hoặc "
                                   "address_id."))
    locality = db.session.get(Locality, address_id) if address_id else None
    if address_id and locality is None:
        raise Open311Error(400, N_("address_id không phải mã đơn vị hành chính đã biết."))
    if locality is not None and (locality.level != "commune" or (
            province_code and locality.province_code != province_code)):
        # As the online form: a matter happens in a commune of this province.
        raise Open311Error(400, N_("address_id phải là mã một xã, phường của tỉnh, thành phố "
                                   "này."))
    kind = (params.get("kind") or "feedback").strip()
    if kind not in POSTABLE_KINDS:
        raise Open311Error(400, N_("kind phải là một trong: %(choices)s.",
                                   choices=", ".join(POSTABLE_KINDS)))
    # Vietnamese names are written family name first.
    full_name = " ".join(p for p in ((params.get("last_name") or "").strip(),
                                     (params.get("first_name") or "").strip()) if p)
    if blank(full_name):  # zero-width characters are no name
        raise Open311Error(400, N_("Cần có first_name hoặc last_name (pháp luật không xử lý "
                                   "đơn nặc danh)."))
    email = (params.get("email") or "").strip() or None
    phone = (params.get("phone") or "").strip() or None
    if not (email or phone):
        raise Open311Error(400, N_("Cần có email hoặc phone để cơ quan trả lời."))
    description = nfc((params.get("description") or "").strip())
    if blank(description):  # the petition itself: nothing to handle without it (as intake)
        raise Open311Error(400, N_("Nhập nội dung đơn."),
                           errors={"description": N_("Nhập nội dung đơn.")})
    where = []
    if address:
        where.append(f"Địa điểm: {address}")
    if lat is not None and lon is not None:
        where.append(f"Toạ độ: {lat:.6f}, {lon:.6f}")
    subject = description.splitlines()[0][:120]
    data = public.OnlineSubmission(
        kind=kind, field_code=service_code, subject=subject, content=description,
        full_name=full_name, locality_code=locality.code if locality else None,
        phone=phone, email=email, address=None,
        # Added after the description's own limit is checked (QA round 17: a description
        # within its limit was refused once the location was appended).
        content_note="\n".join(where) or None,
    )
    token = post_token(params, today)
    if (repeated := repeated_post(token, lang, phone=bool(phone))) is not None:
        return repeated
    try:
        case, pin = public.submit_online(data, agency_code, now, today)
    except ValidationFailed as exc:
        errors = _as_parameters(exc.errors, params)
        raise Open311Error(400, "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           errors=errors) from None
    except NotFound:
        raise Open311Error(503, N_("Chưa cấu hình tiếp nhận đơn trực tuyến.")) from None
    # The location as data (GeoReport's lat/long/address_string), besides the text above.
    case.latitude, case.longitude = lat, lon
    case.address_string = address or None
    db.session.flush()
    # The same post again (an app retrying after a lost answer) collides on this token: at
    # the same moment here, at once, or later that day in repeated_post above.
    intake.record_submission(token, case.id, now, machine=True)
    notice = (f"Received: tracking code {case.tracking_code}, look-up PIN {pin}."
              if lang == "en" else
              f"Đã nhận. Mã hồ sơ {case.tracking_code}, mã PIN tra cứu {pin}.")
    return {"service_request_id": case.tracking_code, "service_notice": notice,
            "account_id": None}


# What makes two posts the same petition: every parameter the request is built from. A post
# identical in all of them, by the same app on the same day, is that app retrying (GeoReport
# has no idempotency key); the next day it is a new petition, as the citizen sent it again.
_POST_FIELDS = ("api_key", "service_code", "lat", "long", "address_string", "address_id",
                "kind", "first_name", "last_name", "email", "phone", "description")
_POST_KEY_PREFIX = "open311:"


def post_token(params: dict, today: date) -> str:
    """The one-time token of a post (intake.record_submission): a digest of its fields."""
    fields = {name: (params.get(name) or "").strip() for name in _POST_FIELDS}
    digest = hashlib.sha256(json.dumps([today.isoformat(), fields], ensure_ascii=False,
                                       sort_keys=True).encode()).hexdigest()
    return _POST_KEY_PREFIX + digest[:56]


def repeated_post(token: str, lang: str = "vi", phone: bool = True) -> dict | None:
    """The answer to a post already made today (None: it is new). The PIN went with the
    first answer and is not kept in clear: the notice says how else to look the case up
    (by the phone number, if the post gave one; else at the reception desk)."""
    code = intake.submitted_case(token, machine=True)
    if code is None:
        return None
    if lang == "en":
        notice = (f"Already received today: tracking code {code}. The look-up PIN was given "
                  f"in the first answer; without it, "
                  + ("look the case up with the phone number given." if phone else
                     "ask the citizen reception desk, giving the tracking code."))
    else:
        notice = (f"Đơn này đã được nhận trong ngày: mã hồ sơ {code}. Mã PIN tra cứu đã báo ở "
                  f"lần gửi đầu; nếu không có, "
                  + ("tra cứu bằng số điện thoại đã khai." if phone else
                     "liên hệ bộ phận tiếp công dân, nêu mã hồ sơ."))
    return {"service_request_id": code, "service_notice": notice, "account_id": None}
