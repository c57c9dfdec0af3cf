"""Reception desk pages: the queue and the intake form (tiếp nhận đơn)."""

from __future__ import annotations

import re
import secrets

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from complaints import clock
from complaints.domain import catalog, states
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import Case, Field, Locality, Routing
from complaints.permissions import can_add_petition, roles_required
from complaints.services import attachments, case_view, duplicates, intake, queries
from complaints.services import search as search_service
from complaints.services.attachments import StorageError, StoredFile
from complaints.services.errors import NotFound, ValidationFailed
from complaints.web import sealed
from complaints.web.export import download
from complaints.web.forms import select_choices, with_service_errors
from complaints.web.i18n import error_text, translate, translate_errors
from complaints.web.pagination import ListPagination, page_arg
from complaints.web.reception import bp
from complaints.web.reception.forms import MAX_PETITIONER_ROWS, PETITIONER_ROWS, IntakeForm

UPLOAD_SESSION_KEY = "intake_uploads"  # sealed: files uploaded with a form not yet saved
DRAFT_SECONDS = 4 * 60 * 60  # how long those uploads wait for the form to be corrected
PIN_SESSION_KEY = "receipt_pin"


def _lang() -> str:
    return str(get_locale() or "vi")


@bp.route("/search")
@roles_required("reception")
def search():
    """Find a case this desk logged: by code, petitioner or words (it left the queue); a
    page at a time with the total, up to search.DESK_BOUND matches (the page says when
    more may match)."""
    q = request.args.get("q", "").strip()[:200]
    page = more = None
    if q:
        found = search_service.desk_matches(current_user, q)
        page = ListPagination(found.ids, page_arg(), current_app.config.get("PAGE_SIZE", 25),
                              load=search_service.cases_in_order)
        more = found.more
        if search_service.record_identity_hits(page.items, found, current_user, clock.now()):
            db.session.commit()
    return render_template("reception/search.html", q=q, page=page, more=more,
                           today=clock.today())


@bp.route("/")
@roles_required("reception")
def home():
    """Show what the reception desk needs to do today: the queue, paginated."""
    today = clock.today()
    page = page_arg()
    # The same rule as queries.reception_queue, paginated with a total.
    query = queries.reception_queue_query(current_user)
    fmt = request.args.get("export", "")
    if fmt in ("csv", "xlsx"):  # the whole queue, not the page
        return download(fmt, "ho-so-cho-phan-loai", _queue_columns(), _queue_rows(query))
    pagination = db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"],
                             error_out=False)
    returned_ids = [c.id for c in pagination.items if c.status == states.RETURNED]
    last_return = {}
    if returned_ids:
        rows = db.session.scalars(select(Routing).where(Routing.case_id.in_(returned_ids),
                                                        Routing.action == "return")
                                  .order_by(Routing.id))
        last_return = {row.case_id: row for row in rows}
    return render_template(
        "reception/home.html", pagination=pagination, last_return=last_return,
        intake_today=queries.intake_count(current_user, today), today=today,
    )


def _queue_columns() -> list[str]:
    return [_("Mã hồ sơ"), _("Loại"), _("Nội dung"), _("Ngày nhận"), _("Kênh tiếp nhận"),
            _("Tình trạng"), _("Hạn xử lý đơn"), _("Ngày bị trả lại"), _("Lý do trả lại"),
            _("Cơ quan được đề xuất")]


def _queue_rows(query):
    """The queue's rows for a file, a batch at a time; the subject only (the desk's file
    goes round the office: no petitioner's name, no content)."""
    lang = _lang()
    # Each batch brings its letters (the first one's channel) with it, not one per row.
    query = query.options(selectinload(Case.petitions)).execution_options(yield_per=500)
    for batch in db.session.scalars(query).partitions():
        back = {}
        returned = [c.id for c in batch if c.status == states.RETURNED]
        if returned:
            back = {r.case_id: r for r in db.session.scalars(
                select(Routing).where(Routing.case_id.in_(returned), Routing.action == "return")
                .order_by(Routing.id))}
        for case in batch:
            handling = case.deadline("handling")
            ret = back.get(case.id)
            channel = case.petitions[0].channel if case.petitions else None
            yield [case.tracking_code, catalog.label(catalog.KINDS, case.kind, lang),
                   case.subject, case.received_on,
                   catalog.label(catalog.CHANNELS, channel, lang) if channel else "",
                   case_view.text_label(case_view.STATUS_LABELS, case.status, lang),
                   handling.due_on if handling else None,
                   ret.decided_on if ret else None, (ret.reason or "") if ret else "",
                   case_view.agency_name(ret.suggested_agency, lang)
                   if ret and ret.suggested_agency
                   else ""]


@bp.route("/localities")
@roles_required("reception")
def localities():
    """Return the communes and wards of a province (for the locality picker)."""
    province = request.args.get("province", "")
    rows = sorted(db.session.scalars(select(Locality).where(Locality.province_code == province)),
                  key=lambda loc: name_order(loc.name))
    return jsonify([{"code": loc.code, "name": loc.name} for loc in rows])


def _default_province() -> str:
    return f"{int(current_app.config.get('PROVINCE_CODE', 31)):02d}"


def _fill_choices(form: IntakeForm) -> None:
    lang = _lang()
    form.kind.choices = select_choices(
        (c, catalog.label(catalog.KINDS, c, lang)) for c in catalog.KINDS)
    form.channel.choices = select_choices(
        (c, catalog.label(catalog.CHANNELS, c, lang)) for c in catalog.CHANNELS)
    fill_matter_choices(form, lang, _default_province())


def fill_matter_choices(form, lang: str, province: str, field_id: int | None = None,
                        locality_code: str | None = None) -> None:
    """The field, province and commune selects of a form (intake, the particulars'
    correction): the active fields and `field_id` (a case's own, which may stay though
    stopped), the provinces (`province` unless one was chosen), the chosen province's
    communes and `locality_code`."""
    fields = sorted(db.session.scalars(select(Field).where(
        or_(Field.active.is_(True), Field.id == field_id))),
        key=lambda f: name_order(f.name(lang)))
    form.field.choices = select_choices(((f.code, f.name(lang)) for f in fields),
                                        _("— Chọn lĩnh vực —"))
    provinces = sorted(db.session.scalars(select(Locality).where(Locality.level == "province")),
                       key=lambda p: name_order(p.name))
    form.province.choices = select_choices((p.code, p.name) for p in provinces)
    if not form.province.data:
        form.province.data = province
    # As every list of names here (a code-point ORDER BY puts "Đ…" after "Z").
    communes = sorted(db.session.scalars(select(Locality).where(
        or_(Locality.province_code == form.province.data, Locality.code == locality_code))),
        key=lambda loc: name_order(loc.name))
    form.locality_code.choices = select_choices(((loc.code, loc.name) for loc in communes),
                                                _("— Chọn xã, phường —"))


def _store_new_files(form: IntakeForm) -> list[tuple[str, StoredFile]]:
    """Check and store the files of this submit; return (purpose, file) pairs."""
    stored = []
    for field, purpose in ((form.petition_scans, "petition"), (form.evidence, "evidence")):
        for upload in request.files.getlist(field.name):
            if not upload or not upload.filename:
                continue
            data = upload.read(attachments.MAX_FILE_BYTES + 1)
            stored.append((purpose, attachments.store_upload(data, upload.filename,
                                                             field=field.name)))
    return stored


def _petition_data(form: IntakeForm) -> tuple[intake.PetitionData, list[int]]:
    """Return the petition part and, for each petitioner, its row in the form."""
    rows, people = [], []
    for index, entry in enumerate(form.petitioners):
        sub = entry.form
        if sub.is_blank():
            continue
        rows.append(index)
        people.append(intake.PetitionerData(
            full_name=(sub.full_name.data or "").strip(), id_number=sub.id_number.data or None,
            phone=sub.phone.data or None, email=sub.email.data or None,
            address=sub.address.data or None, is_representative=bool(sub.is_representative.data),
        ))
    data = intake.PetitionData(channel=form.channel.data, received_on=form.received_on.data,
                               petitioners=people, eligible=bool(form.eligible.data),
                               history=form.history.data or None)
    return data, rows


def _case_data(form: IntakeForm, petition: intake.PetitionData) -> intake.CaseData:
    """The case part of the input, also from a form WTForms refused (to check it all)."""
    kind = form.kind.data
    round_ = form.complaint_round.data
    return intake.CaseData(
        kind=kind, field_code=form.field.data, subject=form.subject.data or "",
        content=form.content.data or "", locality_code=form.locality_code.data or None,
        petition=petition,
        complaint_round=(int(round_) if round_ in ("1", "2") else 1)
        if kind == "complaint" else None,
        parent_tracking_code=(form.parent_tracking_code.data or "").strip().upper() or None,
        is_complex=bool(form.is_complex.data), is_remote=bool(form.is_remote.data),
    )


def _service_errors(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """Map the service's keys ("petitioners.2.full_name") onto the form's html ids."""
    mapped = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "petitioners" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            row = rows[index] if index < len(rows) else index
            mapped[f"petitioners-{row}-{parts[2]}"] = translate(message)
        elif key == "attachments":
            mapped["petition_scans"] = translate(message)
        else:
            mapped[key] = translate(message)
    return mapped


def _attach_files(case: Case, petition, files: list[tuple[str, StoredFile]]) -> None:
    for purpose, stored in files:
        attachments.attach(case, stored, purpose, current_user, clock.now(), petition=petition)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("reception")
def new_case():
    """Log a received petition: check, warn of duplicates, then open or join a case."""
    form = IntakeForm()
    today = clock.today()
    if request.method == "GET":
        form.received_on.data = today
        form.draft.data = secrets.token_urlsafe(12)
    if not form.draft.data:
        form.draft.data = secrets.token_urlsafe(12)
    _fill_choices(form)
    draft = form.draft.data
    pending = _stored_with_purpose(draft)
    errors: dict[str, str] = {}
    matches: list[duplicates.SimilarCase] = []

    too_many = _posted_rows() > MAX_PETITIONER_ROWS
    if request.method == "POST" and "add_rows" in request.form:
        # QA round 52: without the page's script these buttons submit the files chosen
        # too, which a browser never sends again: kept as a refused save keeps them.
        pending = _keep_new_files(form, draft, pending, errors)
        room = MAX_PETITIONER_ROWS - len(form.petitioners)
        for _i in range(min(PETITIONER_ROWS, room)):
            form.petitioners.append_entry()
        if room <= 0 or too_many:
            errors["petitioners"] = _rows_message()
        return _render_intake(form, errors, matches, pending), 422 if errors else 200
    if request.method == "POST" and "change_province" in request.form:
        pending = _keep_new_files(form, draft, pending, errors)
        return _render_intake(form, errors, matches, pending), 422 if errors else 200

    if request.method == "POST" and (done := intake.submitted_case(draft)):
        return _saved_already(done)
    if request.method == "POST":
        form.validate()
        pending = _keep_new_files(form, draft, pending, errors)
        petition, rows = _petition_data(form)
        target = request.form.get("attach_to")
        if target:  # a later letter keeps what it says beside the case's first one
            petition.content = form.content.data or None
        # The service's checks run on a refused form too: every problem in one round.
        problems = (intake.validate_petition(petition, today) if target
                    else intake.validate_case(_case_data(form, petition), today,
                                              actor=current_user))
        # Before any duplicate warning: a number under another name joins nothing.
        problems = {**intake.identity_problems(petition.petitioners, current_user),
                    **problems}
        errors = {**with_service_errors(form, _service_errors(problems, rows)), **errors}
        if too_many:  # the rows past the limit were not read: say so, save nothing
            errors["petitioners"] = _rows_message()
        if not errors:
            if target:
                return _join_case(target, petition, pending, rows, form, matches)
            if not request.form.get("confirm_new"):
                matches = duplicates.find_similar(
                    petition.petitioners, form.subject.data, form.content.data,
                    form.locality_code.data or None, today, visible_to=current_user)
            if not matches:
                try:
                    case, pin = intake.receive_case(_case_data(form, petition), current_user,
                                                    clock.now(), today)
                    _attach_files(case, case.petitions[0], pending)
                    intake.record_submission(draft, case.id, clock.now())
                except ValidationFailed as exc:
                    db.session.rollback()
                    errors.update(_service_errors(exc.errors, rows))
                except IntegrityError:
                    db.session.rollback()  # the same form, sent at the same moment, won
                    if done := intake.submitted_case(draft):
                        return _saved_already(done)
                    raise
                else:
                    db.session.commit()
                    session.pop(UPLOAD_SESSION_KEY, None)
                    sealed.put(PIN_SESSION_KEY, {"code": case.tracking_code, "pin": pin})
                    flash(_("Đã tiếp nhận đơn, mã hồ sơ %(code)s.", code=case.tracking_code),
                          "success")
                    return redirect(url_for("reception.receipt", code=case.tracking_code))
    status = 422 if errors else 200
    return _render_intake(form, errors, matches, pending), status


def _keep_new_files(form: IntakeForm, draft: str, pending: list[tuple[str, StoredFile]],
                    errors: dict[str, str]) -> list[tuple[str, StoredFile]]:
    """Store this submit's files and keep them with the draft's (listed on the page,
    attached when it is saved); a refused file's message goes into `errors`."""
    try:
        new_files = _store_new_files(form)
    except (ValidationFailed, StorageError) as exc:
        errors.update(translate_errors(exc.errors) if isinstance(exc, ValidationFailed)
                      else {"petition_scans": error_text(exc)})
        return pending
    if new_files:
        pending = pending + new_files
        _remember_purposes(draft, pending)
    return pending


def _stored_with_purpose(draft: str | None) -> list[tuple[str, StoredFile]]:
    saved = sealed.peek(UPLOAD_SESSION_KEY, DRAFT_SECONDS) or {}
    if not draft or saved.get("draft") != draft:
        return []
    return [(item.pop("purpose", "evidence"), StoredFile(**item))
            for item in (dict(i) for i in saved.get("files", []))]


def _remember_purposes(draft: str, files: list[tuple[str, StoredFile]]) -> None:
    # Sealed: a hash cannot be swapped for someone else's file, and the file names (which
    # often name the petitioner) are not readable in the cookie.
    sealed.put(UPLOAD_SESSION_KEY, {
        "draft": draft, "files": [{"purpose": p, **f.as_dict()} for p, f in files]})


def _join_case(code: str, petition: intake.PetitionData, pending, rows, form, matches):
    """Attach the petition to an earlier case (đơn trùng / nhiều lần): no new case."""
    try:
        case = intake.get_case(code)
    except NotFound:
        abort(404)
    if not can_add_petition(current_user, case):
        abort(403)
    try:
        added = intake.add_petition(case, petition, current_user, clock.now(), clock.today())
        _attach_files(case, added, pending)
        intake.record_submission(form.draft.data, case.id, clock.now())
    except ValidationFailed as exc:
        db.session.rollback()
        # The similar cases again, to join another one (QA round 22: they were gone).
        matches = matches or duplicates.find_similar(
            petition.petitioners, form.subject.data, form.content.data,
            form.locality_code.data or None, clock.today(), visible_to=current_user)
        return _render_intake(form, _service_errors(exc.errors, rows), matches, pending), 422
    except IntegrityError:
        db.session.rollback()  # the same form, sent at the same moment, joined it first
        if done := intake.submitted_case(form.draft.data):
            return _saved_already(done)
        raise
    db.session.commit()
    session.pop(UPLOAD_SESSION_KEY, None)
    flash(_("Đã nhập đơn vào hồ sơ %(code)s (đơn trùng, nhiều lần); không mở hồ sơ mới.",
            code=case.tracking_code), "success")
    return redirect(url_for("reception.case_page", code=case.tracking_code))


_ROW = re.compile(r"petitioners-(\d+)-")


def _posted_rows() -> int:
    """How many petitioner rows the form sent (the page's script adds rows freely)."""
    return len({m.group(1) for key in request.form if (m := _ROW.match(key))})


def _rows_message() -> str:
    return _("Tối đa %(n)s người đứng đơn trong một lần nhập. Lưu đơn với những người này, "
             "rồi nhập những người còn lại bằng “Nhập vào hồ sơ này” trên cùng hồ sơ.",
             n=MAX_PETITIONER_ROWS)


def _saved_already(code: str):
    """The same intake form sent again: nothing more is saved; show what the first did."""
    session.pop(UPLOAD_SESSION_KEY, None)
    flash(_("Đơn này đã được lưu vào hồ sơ %(code)s; không lưu thêm lần nữa.", code=code),
          "info")
    return redirect(url_for("reception.case_page", code=code))


def _render_intake(form, errors, matches, pending):
    return render_template("reception/new.html", form=form, errors=errors, matches=matches,
                           pending=pending, today=clock.today(), max_rows=MAX_PETITIONER_ROWS,
                           max_file_mb=attachments.MAX_FILE_BYTES // (1024 * 1024))
