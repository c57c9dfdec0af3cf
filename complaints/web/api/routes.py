"""JSON API v1 (bearer tokens, same permissions as the pages).

Each view: parse and validate the body, check permission, call a service, commit once.
Errors (validation, permission, state) become JSON answers in errors.py.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import datetime, timedelta

from flask import abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import UnsupportedMediaType

from complaints import clock
from complaints.domain import states
from complaints.domain.messages import N_
from complaints.domain.text import fold, normal_tracking_code
from complaints.extensions import db, limiter
from complaints.models import (
    Agency,
    Attachment,
    Case,
    CaseDeadline,
    Escalation,
    Field,
    Locality,
    ReceptionSession,
    User,
)
from complaints.permissions import (
    can_act,
    can_add_document,
    can_add_petition,
    can_designate_lead,
    can_note,
    can_see_identity,
    can_view,
    is_addressed_to,
    receives_escalations,
)
from complaints.services import (
    accounts,
    attachments,
    audit,
    corrections,
    idempotency,
    intake,
    notes,
    queries,
    routing,
    search,
    splitting,
    tokens,
    urging,
)
from complaints.services import case_view as page_view
from complaints.services import escalation as escalation_service
from complaints.services import reception_sessions as sessions
from complaints.services.accounts import AccountLocked, authenticate
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web import documents
from complaints.web.api import bp
from complaints.web.api import schemas as s
from complaints.web.api.actions import ACTION_SPECS
from complaints.web.api.auth import api_user, bearer_token, token_required, unauthorized
from complaints.web.api.case_view import (
    CaseView,
    NewCaseView,
    allowed_actions,
    dump_context,
    reader,
)
from complaints.web.api.errors import CaseConflict, MalformedJSON, error_response

logger = logging.getLogger(__name__)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _body():
    """Return the request's JSON body ({} when empty); malformed JSON is a 400.

    So is JSON nested deeper than the parser goes (`[` × 100000): a RecursionError there
    says nothing about the server, only that the body cannot be read.
    """
    if request.mimetype in FORM_TYPES:
        # Read by the form parser, the body would count as {} and what it said be lost
        # silently (QA round 54: an acceptance recorded today, not on the date sent).
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedJSON() from None


def _page(query, page: int, per_page: int, schema) -> dict:
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {"items": s.shared(schema, many=True).dump(result.items), "page": result.page,
            "per_page": result.per_page, "total": result.total, "pages": result.pages}


def _visible_case(tracking_code: str, user) -> Case:
    """Return the case if this user may see it; otherwise it does not exist for them."""
    # Codes are upper case; one typed or read back in lower case, or without its hyphen,
    # names the same case (domain.text.normal_tracking_code, as the citizens' look-up reads it).
    code = normal_tracking_code(tracking_code)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    if case is None or not can_view(user, case):
        raise NotFound(tracking_code)
    return case


def _case_response(case: Case, user, status: int = 200, pin: str | None = None,
                   location: str | None = None):
    """Dump the case for this user, audit an identity reveal, commit, answer; a 201 says
    where what it created is read (`location`, else the case)."""
    reveal = can_see_identity(user, case)
    if reveal and case.kind == "denunciation":
        # Every view of a denouncer's identity is itself audited (Law on Denunciations).
        audit.record_case(case, "identity_viewed", user, clock.now(), {"via": "api"})
    db.session.flush()
    page_view.load_letters(case)  # its letters and signers at once, not two queries a letter
    schema = s.CreatedCaseSchema if pin is not None else s.StaffCaseSchema
    with dump_context(user, clock.today(), reveal):
        data = s.shared(schema).dump(CaseView(case, user, reveal, pin))
    db.session.commit()
    response = jsonify(data)
    if status == 201:
        response.headers["Location"] = location or _case_url(case)
    return response, status


def _query() -> dict[str, str]:
    """The query's parameters, each given once: a filter given twice (?status=a&status=b)
    was half read, answering 200 for the first value alone (QA round 68)."""
    repeated = sorted({name for name, values in request.args.lists() if len(values) > 1})
    if repeated:
        raise ValidationFailed({name: N_("Tham số này chỉ được gửi một lần.")
                                for name in repeated})
    return request.args.to_dict()


def _case_url(case: Case) -> str:
    return url_for("api.get_case", tracking_code=case.tracking_code)


def _petition_data(body: dict, today) -> intake.PetitionData:
    return intake.PetitionData(
        channel=body["channel"], received_on=body["received_on"] or today,
        petitioners=[intake.PetitionerData(**p) for p in body["petitioners"]],
        history=body["history"], eligible=body.get("eligible"),  # None: derived
    )


# --- Tokens --------------------------------------------------------------------------------------

def _locked_answer(until: datetime, now: datetime):
    """429 until the lock ends: Retry-After and the message say when (QA round 24: they gave
    the rate limit's minute and the full lock, so clients retried into the lock)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    response = jsonify({"error": _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng "
                                   "thử lại sau %(minutes)s phút.",
                                   minutes=math.ceil(seconds / 60)), "status": 429})
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"])
def create_token():
    """Exchange a username, password and (once 2FA is enrolled) a TOTP code for a token.

    A user whose role requires two-factor sign-in gets no token before enrolling; the code is
    checked as at sign-in (used once, failures count towards the lockout).
    """
    body = s.shared(s.TokenRequestSchema).load(_body())
    config = current_app.config
    now = clock.now()
    try:
        user = authenticate(body["username"], body["password"], now,
                            config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"])
    except AccountLocked as locked:
        db.session.commit()
        return _locked_answer(locked.until, now)
    db.session.commit()  # keep the failure count even when sign-in fails
    if user is None:
        # One message for both cases, so the API does not reveal which usernames exist.
        return unauthorized(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    if accounts.must_enrol(user, tuple(config.get("REQUIRE_2FA_ROLES", ()))):
        return jsonify({"error": _("Tài khoản phải bật xác thực hai bước (đăng nhập trên trang "
                                   "web) trước khi dùng API."), "status": 403}), 403
    if user.password_change_required:
        return jsonify({"error": _("Mật khẩu do quản trị viên đặt: đăng nhập trên trang web và "
                                   "đặt mật khẩu của riêng bạn trước khi dùng API."),
                        "status": 403}), 403
    if user.totp_secret:
        if not body.get("code"):
            return unauthorized(_("Cần mã xác thực 6 chữ số (trường code)."))
        try:
            ok = accounts.verify_second_factor(user, body["code"], now,
                                               config["LOGIN_MAX_FAILURES"],
                                               config["LOGIN_LOCK_MINUTES"])
        except AccountLocked as locked:
            db.session.commit()
            return _locked_answer(locked.until, now)
        db.session.commit()  # the failure count, or the code's step (used once)
        if not ok:
            return unauthorized(_("Mã xác thực không đúng hoặc đã hết hạn."))
    lifetime = timedelta(hours=float(config.get("API_TOKEN_HOURS", 12)))
    raw, row = tokens.issue_token(user, now, lifetime)
    db.session.commit()
    return jsonify(s.shared(s.TokenSchema).dump({"token": raw, "expires_at": row.expires_at})), 201


@bp.delete("/tokens")
@token_required
def revoke_token():
    """Revoke the token of this request (sign out)."""
    tokens.revoke_token(bearer_token(), api_user(), clock.now())
    db.session.commit()
    return "", 204


# --- Reference data ---------------------------------------------------------------------------

@bp.get("/agencies")
@token_required
def list_agencies():
    """List the active agencies with their parent and level."""
    rows = db.session.scalars(select(Agency).where(Agency.active.is_(True))
                              .options(selectinload(Agency.parent)).order_by(Agency.code))
    return jsonify(s.shared(s.AgencySchema, many=True).dump(rows))


@bp.get("/fields")
@token_required
def list_fields():
    """List the active fields of law with their report category."""
    rows = db.session.scalars(select(Field).where(Field.active.is_(True)).order_by(Field.code))
    return jsonify(s.shared(s.FieldSchema, many=True).dump(rows))


@bp.get("/localities")
@token_required
def list_localities():
    """Search localities by name, accents optional ("hai phong" finds "Hải Phòng")."""
    args = s.shared(s.LocalityQuerySchema).load(_query())
    query = select(Locality).order_by(Locality.level.desc(), Locality.name_folded,
                                      Locality.code)
    if args["q"]:
        needle = fold(args["q"])
        query = query.where(Locality.name_folded.contains(needle, autoescape=True)
                            | Locality.code.startswith(args["q"].strip(), autoescape=True))
    if args["level"]:
        query = query.where(Locality.level == args["level"])
    if args["province"]:
        query = query.where(Locality.province_code == args["province"])
    return jsonify(_page(query, args["page"], args["per_page"], s.LocalitySchema))


# --- Cases ---------------------------------------------------------------------------------------

def _once(write, target: str):
    """Run `write(raw body, token, digest)` once per Idempotency-Key: a request sent again
    with the key it was first sent with answers the case it opened or joined (200, header
    Idempotent-Replayed; the PIN only went with the first answer), and writes nothing.
    `target`: what the request acts on, part of what was asked (the same key on another
    case is another request); the case's stored code, not the path as typed (QA round 61:
    a code resent in lower case was refused as another request)."""
    user, raw = api_user(), _body()
    token = idempotency.token(request.headers.get(idempotency.HEADER), user.id, "api")
    asked = idempotency.digest([target, raw]) if token is not None else ""
    earlier = idempotency.earlier_case(token, asked)
    if earlier is None:
        try:
            return write(raw, token, asked)
        except IntegrityError:
            # The same request sent at the same moment: the first one's token is in now.
            db.session.rollback()
            earlier = idempotency.earlier_case(token, asked)
            if earlier is None:
                raise
    case = db.session.get(Case, earlier)
    if case is None or not can_view(user, case):
        raise NotFound(case.tracking_code if case is not None else str(earlier))
    response, status = _case_response(case, user)
    response.headers["Idempotent-Replayed"] = "true"
    return response, status


@bp.post("/cases")
@token_required
def create_case():
    """Log a new petition as a case (reception); routed at once when agency_code is given."""
    return _once(_create_case, "cases")


def _create_case(raw: dict, token: str | None, asked: str):
    user, now, today = api_user(), clock.now(), clock.today()
    body = s.shared(s.CaseCreateSchema).load(raw)
    data = intake.CaseData(
        kind=body["kind"], field_code=body["field"], subject=body["subject"],
        content=body["content"], locality_code=body["locality_code"],
        petition=_petition_data(body, today), complaint_round=body["complaint_round"],
        parent_tracking_code=body["parent_tracking_code"], is_complex=body["is_complex"],
        is_remote=body["is_remote"],
    )
    opened = intake.receive(data, user, now, today)
    idempotency.record(token, opened.case_id, asked, now)
    if opened.copy is not None and not body["agency_code"]:
        return _created_response(opened, user)
    case = db.session.get(Case, opened.case_id)
    if body["agency_code"]:
        # As the route action and the desk's page (QA round 40): the suggestion's rules.
        try:
            routing.route_case(case, body["agency_code"], user, now, today,
                               override_reason=body["route_reason"])
        except ValidationFailed as exc:
            raise ValidationFailed({("route_reason" if key == "override_reason" else key):
                                    message for key, message in exc.errors.items()}) from exc
    return _case_response(case, user, 201, pin=opened.pin)


def _created_response(opened: intake.Opened, user):
    """Answer a plain intake from what it wrote (`_case_response` reads the case back)."""
    case = opened.copy
    reveal = can_see_identity(user, case)
    if reveal and case.kind == "denunciation":
        opened.timeline.append(audit.record_now(
            f"case:{case.id}", "identity_viewed", user, clock.now(), {"via": "api"},
            case_id=case.id))
    person, agency = reader(user)
    today = clock.today()
    db.session.commit()  # before building the answer: on SQLite other writers wait for it
    with dump_context(person, today, reveal):
        data = s.shared(s.CreatedCaseSchema).dump(NewCaseView(opened, person, reveal, agency))
    response = jsonify(data)
    response.headers["Location"] = _case_url(case)
    return response, 201


@bp.get("/cases")
@token_required
def list_cases():
    """List the cases this user may see, newest first, filtered and paginated."""
    user, today = api_user(), clock.today()
    args = s.shared(s.CaseListQuerySchema).load(_query())
    query = queries.cases_visible_to(user).options(
        selectinload(Case.deadlines), selectinload(Case.agency), selectinload(Case.field),
        selectinload(Case.locality), selectinload(Case.officer))
    if args["status"]:
        query = query.where(Case.status == args["status"])
    if args["kind"]:
        query = query.where(Case.kind == args["kind"])
    if args["agency"]:
        query = query.where(Case.agency_id.in_(
            select(Agency.id).where(Agency.code == args["agency"])))
    if args["flag"]:
        query = query.where(getattr(Case, f"flag_{args['flag']}").is_(True))
    if args["overdue"] is not None:
        # A stage past due whose clock counts (a late suspension leaves it overdue).
        overdue = exists().where(
            CaseDeadline.case_id == Case.id, CaseDeadline.met_on.is_(None),
            CaseDeadline.due_on < today, queries.clock_counts(CaseDeadline.due_on))
        query = query.where(overdue if args["overdue"] else ~overdue)
    # q: a tracking code finds its case (QA round 52: it matched no word of it); otherwise
    # ranked full-text search (accent-insensitive), best match first.
    code = search.tracking_code_in(args["q"])
    if code is not None:
        query, rank = query.where(Case.tracking_code == code), None
    else:
        query, rank = search.apply(query, args["q"] or "", user)
    order = (rank,) if rank is not None else ()
    query = query.order_by(*order, Case.received_on.desc(), Case.id.desc())
    with dump_context(user, today):
        page = _page(query, args["page"], args["per_page"], s.StaffCaseSummarySchema)
    return jsonify(page)


@bp.get("/cases/<tracking_code>")
@token_required
def get_case(tracking_code: str):
    """Read one case (404 when this user may not see it)."""
    user = api_user()
    return _case_response(_visible_case(tracking_code, user), user)


@bp.patch("/cases/<tracking_code>")
@token_required
def correct_particulars(tracking_code: str):
    """Correct the case's field, locality or subject (an entry mistake), with why: the desk
    that received it, before routing (409 once an agency holds it). Omitted ones stay."""
    user = api_user()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được sửa thông tin hồ sơ %(code)s.",
                            username=user.username, code=tracking_code))
    body = s.shared(s.CorrectParticularsSchema).load(_body())
    corrections.correct_particulars(case, body.get("field"), body.get("locality_code"),
                                    body.get("subject"), body["reason"], user, clock.now(),
                                    clock.today())
    return _case_response(case, user)


@bp.post("/cases/<tracking_code>/petitions")
@token_required
def add_petition(tracking_code: str):
    """Attach a later petition on the same matter to the case (đơn trùng / nhiều lần)."""
    user = api_user()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được nhập thêm đơn vào hồ sơ %(code)s.",
                            username=user.username, code=tracking_code))

    def write(raw: dict, token: str | None, asked: str):
        now, today = clock.now(), clock.today()
        body = s.shared(s.AddPetitionSchema).load(raw)
        petition = _petition_data(body, today)
        petition.content = body["content"]
        intake.add_petition(case, petition, user, now, today)
        idempotency.record(token, case.id, asked, now)
        return _case_response(case, user, 201)

    return _once(write, f"cases/{case.tracking_code}/petitions")


@bp.patch("/cases/<tracking_code>/petitions/<int:petition_id>")
@token_required
def correct_history(tracking_code: str, petition_id: int):
    """Correct what one letter says of the matter's history (an entry mistake), with why:
    the desk that received the case (the same right as attaching a later petition)."""
    user, now = api_user(), clock.now()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được sửa đơn của hồ sơ %(code)s.",
                            username=user.username, code=tracking_code))
    body = s.shared(s.CorrectHistorySchema).load(_body())
    if "history" in body:
        intake.correct_history(case, petition_id, body["history"], body["reason"], user, now)
    if "eligible" in body:
        corrections.correct_eligibility(case, petition_id, body["eligible"], body["reason"],
                                        user, now)
    return _case_response(case, user)


@bp.post("/cases/<tracking_code>/petitions/<int:petition_id>/urge")
@token_required
def urge_holder(tracking_code: str, petition_id: int):
    """Urge the agency resolving the case (đôn đốc giải quyết) on a later letter about it
    (one joined to the case): the desk that received the case. 409 when no agency is
    resolving the case now."""
    user, now, today = api_user(), clock.now(), clock.today()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được đôn đốc giải quyết hồ sơ "
                            "%(code)s.", username=user.username, code=tracking_code))
    body = s.shared(s.UrgeHolderSchema).load(_body())
    try:
        urging.urge_holder(case, petition_id, body["note"], user, now, today,
                           decided_on=body["decided_on"])
    except states.InvalidTransition as exc:
        db.session.rollback()
        raise CaseConflict(exc.action, exc.status, allowed_actions(case, user)) from None
    return _case_response(case, user)


@bp.post("/cases/<tracking_code>/notes")
@token_required
def add_note(tracking_code: str):
    """Record a note of the work on the case (ghi chú quá trình xử lý): the head of the
    agency holding it, or its assigned officer. Not a decision; kept in the timeline."""
    user, now = api_user(), clock.now()
    case = _visible_case(tracking_code, user)
    if not can_note(user, case):  # before the body: a refusal says who may, not what is wrong
        raise NotAllowed(notes.NOT_YOURS)
    body = s.shared(s.NoteSchema).load(_body())
    notes.add_note(case, body["note"], user, now)
    return _case_response(case, user)


@bp.post("/cases/<tracking_code>/attachments")
@token_required
def add_attachment(tracking_code: str):
    """Add a file to the case (multipart/form-data: `file`, `purpose`): the desk that
    received it, or the agency working on it. Checked by its content; answers the case."""
    user, now = api_user(), clock.now()
    case = _visible_case(tracking_code, user)
    if not can_add_document(user, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn và cơ quan đang giải quyết hồ sơ "
                            "được thêm tài liệu."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed({"file": N_("Chọn tệp cần thêm.")})
    data = upload.read(attachments.MAX_FILE_BYTES + 1)
    row = attachments.add_document(case, data, upload.filename,
                                   request.form.get("purpose", ""), user, now, field="file")
    return _case_response(case, user, status=201, location=url_for(
        "api.download_attachment", attachment_id=row.id))


@bp.get("/attachments/<int:attachment_id>")
@token_required
def download_attachment(attachment_id: int):
    """Fetch a file of a case you may read (one that may reveal a denouncer: only if you
    may see them, and the download is recorded)."""
    user = api_user()
    row = db.session.get(Attachment, attachment_id)
    case = db.session.get(Case, row.case_id) if row is not None else None
    if case is None or not can_view(user, case):
        raise NotFound(str(attachment_id), what="attachment")
    return documents.send_attachment(row, case, user)


# --- Escalations addressed to the reader's agency (the pages' /escalations) ---------------


def _escalation_addressed(escalation_id: int, user) -> Escalation:
    """An escalation addressed to the user's agency; any other does not exist for them."""
    if not receives_escalations(user):
        raise NotAllowed(N_("Chỉ thủ trưởng cơ quan và thanh tra viên nhận kiến nghị leo "
                            "thang."))
    found = db.session.get(Escalation, escalation_id)
    if found is None or not is_addressed_to(user, found):
        raise NotFound(escalation_id, what="escalation")
    return found


def _escalation_answer(escalation: Escalation):
    return jsonify(s.shared(s.EscalationItemSchema).dump(escalation))


@bp.get("/escalations")
@token_required
def list_escalations():
    """The escalations addressed to your agency (heads and inspectors), a page at a time:
    pending ones highest level first, or those acknowledged, newest first."""
    user = api_user()
    if not receives_escalations(user):
        raise NotAllowed(N_("Chỉ thủ trưởng cơ quan và thanh tra viên nhận kiến nghị leo "
                            "thang."))
    args = s.shared(s.EscalationQuerySchema).load(_query())
    if args["state"] == "pending":
        query = queries.pending_escalations(user.agency_id)
    else:
        query = queries.acknowledged_escalations_query(user.agency_id)
    result = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return jsonify({
        "items": s.shared(s.EscalationItemSchema, many=True).dump(result.items),
        "page": result.page, "per_page": result.per_page, "total": result.total,
        "pages": result.pages})


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@token_required
def acknowledge_escalation(escalation_id: int):
    """Record that the escalation was seen and what was done (its addressee's head or
    inspector); 409 when it was acknowledged already or closed by the system."""
    user, now = api_user(), clock.now()
    escalation = _escalation_addressed(escalation_id, user)
    body = s.shared(s.AcknowledgeSchema).load(_body())
    if escalation.acknowledged_at is not None or escalation.lapsed_at is not None:
        return error_response(409, _("Kiến nghị này đã được xác nhận hoặc đã hết hiệu lực."),
                              action_taken=escalation.action_taken)
    escalation_service.acknowledge(escalation, body["action"], body["note"], user, now)
    db.session.commit()
    return _escalation_answer(escalation)


@bp.post("/escalations/<int:escalation_id>/lead")
@token_required
def designate_lead(escalation_id: int):
    """Designate the lead agency of an evaded case (binding: it may no longer return or
    transfer it): the head of the agency the evasion escalation is addressed to. Answers
    the case."""
    user, now, today = api_user(), clock.now(), clock.today()
    escalation = _escalation_addressed(escalation_id, user)
    if not can_designate_lead(user, escalation):
        raise NotAllowed(N_("Chỉ thủ trưởng cơ quan cấp trên được chỉ định cơ quan chủ trì "
                            "hồ sơ bị đùn đẩy."))
    body = s.shared(s.DesignateLeadSchema).load(_body())
    case = escalation.case
    try:
        escalation_service.designate_lead(case, body["agency_code"], user, now, today,
                                          note=body["note"])
    except states.InvalidTransition as exc:
        db.session.rollback()
        raise CaseConflict(exc.action, exc.status, allowed_actions(case, user)) from None
    return _case_response(case, user)


@bp.patch("/cases/<tracking_code>/petitioners/<int:petitioner_id>")
@token_required
def correct_person(tracking_code: str, petitioner_id: int):
    """Correct a signer's particulars (typed wrongly at intake, or learnt since), with why:
    the desk that received the case. Omitted particulars stay as they are."""
    user, now = api_user(), clock.now()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được sửa đơn của hồ sơ %(code)s.",
                            username=user.username, code=tracking_code))
    body = s.shared(s.CorrectPersonSchema).load(_body())
    # Only what was sent: the rest is read under the case's lock (QA round 42: read here,
    # a correction made meanwhile was written back over).
    changes = {name: body[name] for name in corrections.PERSON_FIELDS if name in body}
    corrections.correct_person(case, petitioner_id, changes, body["reason"], user, now,
                               clock.today())
    return _case_response(case, user)


@bp.post("/cases/<tracking_code>/split")
@token_required
def split_case(tracking_code: str):
    """Take one content of the case's letter out into a new case (tách đơn): the desk that
    received it, before handling it. Answers the new case, with its PIN once."""
    user, now, today = api_user(), clock.now(), clock.today()
    case = _visible_case(tracking_code, user)
    if not can_add_petition(user, case):
        raise NotAllowed(N_("Tài khoản %(username)s không được tách đơn của hồ sơ %(code)s.",
                            username=user.username, code=tracking_code))
    body = s.shared(s.SplitSchema).load(_body())
    data = splitting.SplitData(
        kind=body["kind"], field_code=body["field"], subject=body["subject"],
        content=body["content"], kept_content=body["kept_content"],
        kept_subject=body["kept_subject"], complaint_round=body["complaint_round"],
        parent_tracking_code=body["parent_tracking_code"], history=body["history"],
        is_complex=body["is_complex"],
        seen=(splitting.state_fingerprint(case, content=body["content_seen"])
              if body["content_seen"] is not None else None))
    try:
        new_case, pin = splitting.split_case(case, data, user, now, today)
    except ValidationFailed as exc:  # the form's hidden "seen" is the API's content_seen
        if "seen" in exc.errors:
            exc.errors["content_seen"] = exc.errors.pop("seen")
        raise
    return _case_response(new_case, user, 201, pin=pin)


@bp.post("/cases/<tracking_code>/<action>")
@token_required
def act(tracking_code: str, action: str):
    """Take a workflow action on the case: permission, then state, then the body."""
    spec = ACTION_SPECS.get(action)
    if spec is None:
        abort(404)
    user, now, today = api_user(), clock.now(), clock.today()
    case = _visible_case(tracking_code, user)
    if not can_act(user, case, action):
        raise NotAllowed(N_("Tài khoản %(username)s không được thực hiện thao tác này với hồ sơ "
                            "%(code)s.", username=user.username, code=tracking_code))
    seen = (case.status, case.agency_id)
    try:
        states.next_status(case.status, action)  # a refused transition: 409 before all else
        body = s.shared(spec.schema).load(_body())
        spec.call(case, body, user, now, today)
    except states.InvalidTransition as exc:
        db.session.rollback()  # the case as it stands, not as the refused action left it
        raise CaseConflict(exc.action, exc.status, allowed_actions(case, user)) from None
    except NotAllowed:
        db.session.rollback()
        if (case.status, case.agency_id) != seen:
            # Someone moved the case between our read and the lock (a return or transfer
            # won the race): a conflict with its state now, not a permission refused (QA
            # round 24: the loser got 403).
            raise CaseConflict(action, case.status, allowed_actions(case, user)) from None
        raise
    return _case_response(case, user)


# --- Reception sessions (tiếp công dân) --------------------------------------------------------

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database: larger ones name nothing


def _session_data(body: dict) -> sessions.SessionData:
    rows: list = []
    for raised in body["petitions"]:
        petition = intake.PetitionData(
            channel="reception_session", received_on=body["held_on"],
            petitioners=[intake.PetitionerData(**p) for p in raised["petitioners"]],
            history=raised["history"])
        if raised["join_code"]:
            rows.append(sessions.JoinedPetition(raised["join_code"], petition,
                                                note=raised["note"] or ""))
            continue
        kind = raised["kind"] or ""
        rows.append(intake.CaseData(
            kind=kind, field_code=raised["field"] or "", subject=raised["subject"] or "",
            content=raised["content"] or "", locality_code=raised["locality_code"],
            complaint_round=1 if kind == "complaint" else None, petition=petition,
            is_complex=raised["is_complex"], is_remote=raised["is_remote"]))
    case_id = None
    if body["case"]:
        case = db.session.scalar(select(Case).where(
            Case.tracking_code == normal_tracking_code(body["case"])))
        if case is None:  # the same answer as another agency's case: nothing is revealed
            raise ValidationFailed({"case": N_("Hồ sơ không do cơ quan của bạn giải quyết.")})
        case_id = case.id
    return sessions.SessionData(
        held_on=body["held_on"], kind=body["kind"], place=body["place"] or "",
        leader_name=body["leader_name"] or "", scheduled=body["scheduled"],
        is_dialogue=body["is_dialogue"], notes=body["notes"] or "",
        counts={name: body[name] or 0 for name in sessions.COUNTS}, petitions=rows,
        case_id=case_id)


def _session_rows(rows: list[ReceptionSession], user: User) -> list[dict]:
    petitions = sessions.petitions_of([r.id for r in rows], user)
    return [{**{name: getattr(r, name) for name in (
                "id", "agency", "held_on", "kind", "scheduled", "is_dialogue", "leader_name",
                "place", "notes", "case", *sessions.COUNTS)},
             "petitions": [{"tracking_code": code, "joined": joined}
                           for code, joined in petitions[r.id][0]],
             "denunciations_not_listed": petitions[r.id][1]}
            for r in rows]


@bp.get("/reception-sessions")
@token_required
def list_reception_sessions():
    """List the reception sessions you may see, newest first (held_from / held_to)."""
    user = api_user()
    args = s.shared(s.ReceptionSessionQuerySchema).load(_query())
    query = sessions.visible_sessions(user).options(selectinload(ReceptionSession.agency),
                                                    selectinload(ReceptionSession.case))
    if args["held_from"]:
        query = query.where(ReceptionSession.held_on >= args["held_from"])
    if args["held_to"]:
        query = query.where(ReceptionSession.held_on <= args["held_to"])
    result = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return jsonify({"items": s.shared(s.ReceptionSessionSchema, many=True).dump(
                        _session_rows(list(result.items), user)),
                    "page": result.page, "per_page": result.per_page,
                    "total": result.total, "pages": result.pages})


@bp.post("/reception-sessions")
@token_required
def create_reception_session():
    """Record a session of your agency with the petitions raised at it, all or nothing."""
    user, now, today = api_user(), clock.now(), clock.today()
    if not sessions.can_record(user):
        raise NotAllowed(N_("Chỉ cán bộ của cơ quan được ghi buổi tiếp công dân."))
    body = s.shared(s.ReceptionSessionInSchema).load(_body())
    session, opened = sessions.record_session_with_petitions(_session_data(body), user, now,
                                                             today)
    data = _session_rows([session], user)[0]
    data["opened"] = [{"tracking_code": case.tracking_code, "pin": pin}
                      for case, pin in opened]
    answer = s.shared(s.CreatedReceptionSessionSchema).dump(data)
    db.session.commit()
    response = jsonify(answer)
    response.headers["Location"] = url_for("api.get_reception_session", session_id=session.id)
    return response, 201


@bp.get("/reception-sessions/<int:session_id>")
@token_required
def get_reception_session(session_id: int):
    """Read one reception session (404 when you may not see it)."""
    user = api_user()
    session = None
    if session_id <= MAX_ID:
        session = db.session.scalar(sessions.visible_sessions(user).where(
            ReceptionSession.id == session_id))
    if session is None:
        raise NotFound(str(session_id), what="reception_session")
    return jsonify(s.shared(s.ReceptionSessionSchema).dump(_session_rows([session], user)[0]))


# --- OpenAPI -------------------------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi_document():
    """Serve the OpenAPI 3 description of this API."""
    from complaints.web.api.openapi import build_spec

    return jsonify(build_spec())
