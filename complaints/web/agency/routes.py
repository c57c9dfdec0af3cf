"""Agency heads' and officers' pages: inbox, lists, the case page and its actions."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from complaints import clock
from complaints.domain import catalog, policies, states
from complaints.domain import enforcement as enforcement_rules
from complaints.domain.states import InvalidTransition
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import Agency, Case, Routing, User
from complaints.permissions import (
    can_act,
    can_add_document,
    can_note,
    can_view,
    lead_refusal,
    roles_required,
)
from complaints.security import local_path
from complaints.services import case_view, deadlines, enforcement, notes, queries, workflow
from complaints.services import search as search_service
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.web import documents, withdrawal_form
from complaints.web.agency import bp
from complaints.web.agency.forms import (
    ACTION_FORMS,
    CONFIRM_ACTIONS,
    DONE_MESSAGES,
    FIGURES,
    PARTLY_WITHDRAWN,
    NoteForm,
    RevealForm,
)
from complaints.web.export import download
from complaints.web.forms import attach_errors, page_errors, select_choices
from complaints.web.i18n import error_text, translate
from complaints.web.pagination import page_arg

logger = logging.getLogger(__name__)
AGENCY_ROLES = ("agency_head", "agency_officer")

EXPORT_MAX = 100_000  # rows in one download of the case list
EXPORT_BATCH = 500  # cases loaded at a time while a download is written


def _lang() -> str:
    return str(get_locale() or "vi")


def _label(table: dict, code: str) -> str:
    return case_view.text_label(table, code, _lang())


@bp.app_context_processor
def _case_helpers():
    """Labels the shared case partials use (statuses, stages, events, actions)."""
    return {
        "status_label": lambda code: _label(case_view.STATUS_LABELS, code),
        "stage_label": lambda code: _label(case_view.STAGE_LABELS, code),
        "event_label": lambda code, data=None: _label(case_view.EVENT_LABELS,
                                                      case_view.event_key(code, data)),
        "action_label": lambda code: _label(case_view.ACTION_LABELS, code),
        "routing_label": lambda code: _label(case_view.ROUTING_ACTION_LABELS, code),
        "routing_reason": _routing_reason,
        "event_details": lambda e: case_view.event_details(e.action, e.data, _lang(),
                                                           _agency_names()),
        "next_escalation": _next_escalation,
        "case_complexity": case_view.complexity,
        "enforcement_details": lambda record: case_view.enforcement_details(record, _lang()),
    }


def _routing_reason(move) -> str | None:
    """A move's reason in the reader's language: a system-made one worded again, as the
    timeline words it (case_view.routing_reasons, read once per case and request); what
    an officer typed stays as typed."""
    lang = _lang()
    if not move.reason or lang.startswith("vi"):
        return move.reason
    cache = g.setdefault("routing_reasons", {})
    if (move.case_id, lang) not in cache:
        cache[(move.case_id, lang)] = case_view.routing_reasons(move.case_id, lang)
    to = move.to_agency.code if move.to_agency is not None else None
    return cache[(move.case_id, lang)].get((to, move.reason), move.reason)


def _agency_names() -> dict[str, str]:
    """Agency code → name for the timelines of this request (read once per request)."""
    lang = _lang()
    cached = g.get("agency_names")
    if cached is None or cached[0] != lang:
        cached = g.agency_names = (lang, case_view.agency_names(lang))
    return cached[1]


def _next_escalation(case: Case) -> dict | None:
    """What the sweep does next to the case if nobody acts, for case/_next_escalation.html."""
    found = deadlines.next_step(case, clock.today())
    if found is None:
        return None
    on, step = found
    return {"on": on, "level": step.level,
            "name": catalog.label(catalog.ESCALATION_REASONS, step.code, _lang()),
            "who": catalog.label(catalog.LADDER_AUDIENCES, step.level, _lang())}


HOME_ROWS = 20  # rows of each list on the home; the counts link to the whole lists


@bp.route("/")
@roles_required(*AGENCY_ROLES)
def home():
    """Show what needs the agency today: waiting, in progress, near or past a deadline."""
    today = clock.today()
    query = case_view.agency_cases_query
    counts = case_view.agency_counts(current_user, today)
    mine = None if current_user.role == "agency_head" else current_user.id
    return render_template(
        "agency/home.html",
        counts=counts,
        waiting=db.session.scalars(query(current_user, today, "routed").limit(HOME_ROWS)).all(),
        in_progress=db.session.scalars(
            query(current_user, today, "in_progress").limit(HOME_ROWS)).all(),
        urgent=db.session.scalars(
            query(current_user, today, "open", overdue=True, near=True).limit(HOME_ROWS)).all(),
        unassigned=(db.session.scalars(case_view.unassigned_query(current_user).limit(HOME_ROWS))
                    .all() if current_user.role == "agency_head" else []),
        unassigned_total=(db.session.scalar(select(func.count()).select_from(
            case_view.unassigned_query(current_user).order_by(None).subquery()))
            if current_user.role == "agency_head" else 0),
        # The head answers the agency's escalations; an officer sees those of the cases
        # assigned to them only, as every other list on their page (QA round 20).
        escalations=queries.open_escalations_for(current_user.agency_id, HOME_ROWS,
                                                 officer_id=mine),
        escalations_total=queries.open_escalation_count(current_user.agency_id, mine),
        overdue=counts["overdue"],
        today=today,
    )


@bp.route("/cases")
@roles_required(*AGENCY_ROLES)
def cases():
    """List the agency's cases filtered by status, overdue or near a deadline, sorted,
    paginated; `export=csv|xlsx` downloads exactly the filtered list."""
    today = clock.today()
    status = request.args.get("status", "open")
    if status not in case_view.LIST_STATUSES:
        status = "open"
    overdue = request.args.get("overdue") == "1"
    near = request.args.get("near") == "1"
    sort = request.args.get("sort", "due")
    if sort not in case_view.AGENCY_SORTS:
        sort = "due"
    query = case_view.agency_cases_query(current_user, today, status, overdue, near, sort)
    q = request.args.get("q", "").strip()[:200]
    if q:
        query = search_service.agency_match(query, q, current_user)
    fmt = request.args.get("export", "")
    if fmt in ("csv", "xlsx"):
        return _export_cases(fmt, query.limit(EXPORT_MAX), today)
    page = db.paginate(query, page=page_arg(),
                       per_page=current_app.config.get("PAGE_SIZE", 25), error_out=False)
    args = {"status": status, "overdue": "1" if overdue else None,
            "near": "1" if near else None, "sort": sort if sort != "due" else None,
            "q": q or None}
    return render_template("agency/cases.html", page=page, status=status, overdue=overdue,
                           q=q,
                           near=near, sort=sort, args=args, today=today,
                           statuses=[s for s in case_view.LIST_STATUSES
                                     if s != "unassigned" or current_user.role == "agency_head"])


def _export_cases(fmt: str, query, today):
    """The list as CSV or Excel: the page's columns, deadlines as stage and due date, and
    the nearest due date on its own (a date cell in Excel, to sort and filter by)."""
    lang = _lang()
    stopped = _("Tạm đình chỉ: dừng tính hạn")

    def running(case: Case) -> list:
        # A suspended case's clock is stopped: its old due date would read as overdue
        # (QA round 20), as the page's badge knows; one suspended late stays overdue.
        if case.clock_stopped:
            return []
        return sorted((d for d in case.deadlines if not d.met_on and d.due_on),
                      key=lambda d: d.due_on)

    def due_text(case: Case) -> str:
        if case.clock_stopped:
            return stopped
        return "; ".join(f"{_label(case_view.STAGE_LABELS, d.stage)}: "
                         f"{d.due_on.strftime('%d/%m/%Y')}" for d in running(case))

    # Read in batches: a list of 100 000 cases is never all in memory at once.
    cases = db.session.scalars(query.options(selectinload(Case.deadlines))
                               .execution_options(yield_per=EXPORT_BATCH))
    rows = ([c.tracking_code, catalog.label(catalog.KINDS, c.kind, lang), c.subject,
             c.received_on, _label(case_view.STATUS_LABELS, c.status), due_text(c),
             next((d.due_on for d in running(c)), None)]
            for c in cases)
    return download(fmt, "cases" if lang == "en" else "ho-so",
                    [_("Mã hồ sơ"), _("Loại"), _("Nội dung"), _("Ngày nhận"), _("Trạng thái"),
                     _("Thời hạn"), _("Hạn gần nhất")], rows)


def _case_or_404(code: str) -> Case:
    """Load a case the user may see; another agency's case is simply not found."""
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    if case is None or not can_view(current_user, case):
        abort(404)
    return case


def _moved_away(case: Case | None) -> Routing | None:
    """The move by which the case left the user's agency, if it has left and not come back.

    Only the agency's own history is read: where the case went is not told.
    """
    agency_id = current_user.agency_id
    if case is None or agency_id is None or case.agency_id == agency_id:
        return None
    return next((move for move in reversed(case.routings)
                 if move.from_agency_id == agency_id), None)


def _moved_away_message(case: Case, move: Routing, acted: bool = True) -> str:
    values = {"code": case.tracking_code, "on": f"{move.decided_on:%d/%m/%Y}"}
    if move.action == "return":
        text = _("Hồ sơ %(code)s đã được trả lại bộ phận tiếp nhận ngày %(on)s, không còn "
                 "ở cơ quan của bạn.", **values)
    else:
        text = _("Hồ sơ %(code)s đã được chuyển sang cơ quan khác ngày %(on)s, không còn ở "
                 "cơ quan của bạn.", **values)
    # Its own literal, not inside the f-string: pybabel extracts only literals.
    refused = _("Thao tác không được thực hiện.")
    return f"{text} {refused}" if acted else text


def _download_url(attachment) -> str | None:
    """Link to the reception's download route; None while it does not exist."""
    for endpoint in ("reception.download_attachment", "reception.download"):
        try:
            return url_for(endpoint, attachment_id=attachment.id)
        except BuildError:
            continue
    return None


def _list_came_from() -> str | None:
    """The agency's case list this page was opened from, with its filters, sort and page
    (QA 99: the way back led to the dashboard and dropped them), or None."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or parts.path != url_for("agency.cases"):
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _render_case(case: Case, reveal: bool = False, note_form: NoteForm | None = None,
                 note_errors: dict | None = None, doc_form=None, doc_errors: dict | None = None):
    page = case_view.build_case_page(case, current_user, reveal=reveal)
    if note_form is None and can_note(current_user, case):
        note_form = NoteForm(formdata=None)
    if doc_form is None and can_add_document(current_user, case):
        doc_form = documents.document_form()
    return render_template("agency/case.html", view=page, case=case, today=clock.today(),
                           back_to_list=_list_came_from(),
                           reveal_form=RevealForm(), download_url=_download_url,
                           note_form=note_form, note_errors=note_errors or {},
                           doc_form=doc_form, doc_errors=doc_errors or {}), (
        422 if note_errors or doc_errors else 200)


@bp.route("/cases/<code>")
@roles_required(*AGENCY_ROLES)
def case_page(code: str):
    """Show one case: summary, deadlines, actions, petitioners, content, timeline.

    A case that has left the agency (an old link, a stale tab) is not "not found": the
    reader is told it left, and when, as a stale action is; never where it went."""
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    if case is not None and not can_view(current_user, case):
        move = _moved_away(case)
        if move is not None:
            flash(_moved_away_message(case, move, acted=False), "info")
            return redirect(url_for("agency.cases"))
    return _render_case(_case_or_404(code))


@bp.route("/cases/<code>/note", methods=["POST"])
@roles_required(*AGENCY_ROLES)
def add_note(code: str):
    """Record a note of the work on the case (its head, its assigned officer); on a refusal
    the case page again, with what was typed and why."""
    case = _case_or_404(code)
    if not can_note(current_user, case):
        abort(403)
    form = NoteForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            notes.add_note(case, form.note.data, current_user, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        except NotAllowed as exc:  # the case moved on meanwhile
            db.session.rollback()
            flash(error_text(exc), "error")
            return redirect(url_for("agency.case_page", code=code))
        else:
            db.session.commit()
            flash(_("Đã lưu ghi chú vào quá trình xử lý hồ sơ."), "success")
            return redirect(url_for("agency.case_page", code=code, _anchor="timeline-heading"))
    errors = page_errors(form, errors)
    errors.pop("csrf_token", None)
    if not errors:  # a form without its token: nothing to keep
        abort(400)
    return _render_case(case, note_form=form, note_errors=errors)


@bp.route("/cases/<code>/documents", methods=["POST"])
@roles_required(*AGENCY_ROLES)
def add_document(code: str):
    """Add a file to the case (evidence gathered, the decision): its head or assigned
    officer; on a refusal the case page again, saying why."""
    case = _case_or_404(code)
    if not can_add_document(current_user, case):
        abort(403)
    form, errors = documents.add_from_request(case, current_user._get_current_object())
    if errors:
        return _render_case(case, doc_form=form, doc_errors=errors)
    db.session.commit()
    flash(_("Đã thêm tài liệu vào hồ sơ."), "success")
    return redirect(url_for("agency.case_page", code=code, _anchor="attachments-heading"))


@bp.route("/cases/<code>/identity", methods=["POST"])
@roles_required(*AGENCY_ROLES)
def reveal_identity(code: str):
    """Show a denouncer's identity to a reader allowed to see it; the view is audited."""
    case = _case_or_404(code)
    if not RevealForm().validate_on_submit():
        abort(400)
    try:
        case_view.reveal_identity(case, current_user, clock.now())
    except NotAllowed:
        abort(403)
    db.session.commit()
    # Rendered, not redirected: a reload must not show the identity without a new record.
    return _render_case(case, reveal=True)


# --- Actions -------------------------------------------------------------------------


def _agency_choices(exclude: int | None) -> list[SelectChoice]:
    names = _agency_names()
    agencies = sorted(((a.code, names.get(a.code, a.name)) for a in db.session.scalars(
        select(Agency).where(Agency.active.is_(True), Agency.is_reception_desk.is_(False)))
        if a.id != exclude),
        key=lambda pair: name_order(pair[1]))
    return select_choices(agencies, _("— Chọn cơ quan —"))


def _prepare(form, action: str, case: Case) -> dict:
    """Fill the form's choices and defaults; return hints shown with the form."""
    hints: dict[str, str] = {}
    if hasattr(form, "decided_on") and form.decided_on.data is None and not form.is_submitted():
        form.decided_on.data = clock.today()
    if action == "assign":
        officers = db.session.scalars(
            select(User).where(User.agency_id == case.agency_id, User.active.is_(True),
                               User.role.in_(AGENCY_ROLES)).order_by(User.full_name))
        form.officer.choices = select_choices(
            ((u.username, f"{u.full_name} ({u.username})") for u in officers),
            _("— Chọn cán bộ —"))
        if not form.is_submitted() and case.officer is not None:
            form.officer.data = case.officer.username
    elif action == "accept":
        if case.kind != "complaint":
            del form.is_complex, form.is_remote
        else:
            if not form.is_submitted():
                form.is_complex.data, form.is_remote.data = case.is_complex, case.is_remote
            hints["is_complex"] = _("Thời hạn giải quyết dài hơn (Luật Khiếu nại Điều 28, "
                                    "37). Đã đánh dấu khi tiếp nhận thì giữ nguyên, trừ khi "
                                    "cơ quan giải quyết xác định khác.")
    elif action == "refuse":
        form.ground.choices = select_choices(
            ((code, catalog.label(catalog.REFUSAL_GROUNDS, code, _lang()))
             for code in catalog.refusal_grounds(case.kind)), _("— Chọn căn cứ —"))
        source = catalog.REFUSAL_GROUND_SOURCES.get(case.kind)
        hints["ground"] = (_("Căn cứ: %(source)s.", source=catalog.label(
            catalog.REFUSAL_GROUND_SOURCES, case.kind, _lang())) if source else
            _("Pháp luật không quy định căn cứ không thụ lý riêng cho loại đơn này: chọn "
              "“Lý do khác” và nêu lý do."))
    elif action in ("return", "transfer"):
        field = form.suggested_agency_code if action == "return" else form.to_agency_code
        field.choices = _agency_choices(case.agency_id)
    elif action == "resolve":
        allowed = catalog.OUTCOMES_BY_KIND.get((case.kind, case.complaint_round), ())
        form.outcome.choices = select_choices(
            ((code, catalog.label(catalog.RESOLUTION_OUTCOMES, code, _lang()))
             for code in allowed), _("— Chọn kết quả —"))
    elif action == "declare_complex":
        row, variant = case.deadline("resolution"), deadlines.longer_variant(case)
        if row is not None and variant is not None:
            rule, _id = deadlines.policy_for(case, "resolution", row.start_on, variant=variant)
            hints["reason"] = _(
                "Vụ việc phức tạp: thời hạn giải quyết %(days)s ngày kể từ ngày thụ lý "
                "(%(source)s), đến ngày %(due)s. Quyết định phải ký trước khi hết thời hạn "
                "hiện nay (ngày %(now)s).", days=rule.days, source=_source(rule.source),
                due=deadlines.extended_due(case, "resolution", 0, variant=variant)
                .strftime("%d/%m/%Y"), now=row.due_on.strftime("%d/%m/%Y"))
    elif action == "extend":
        hints["days"] = _extension_hint(case)
        if case.kind == "denunciation":
            form.complexity.choices = select_choices([
                ("", _("Giữ nguyên")),
                ("complex", _("Phức tạp: gia hạn 1 lần, tối đa 30 ngày")),
                ("very_complex", _("Đặc biệt phức tạp: gia hạn 2 lần, mỗi lần tối đa 30 ngày")),
            ])
            hints["complexity"] = _("Luật Tố cáo 2018, Điều 30: vụ việc phức tạp được gia hạn "
                                    "một lần, đặc biệt phức tạp hai lần.")
        else:
            del form.complexity
    elif action == "withdraw":
        hints.update(withdrawal_form.prepare(form, case, current_user))
    elif action == "enforce":
        hints.update(_prepare_enforcement(form, case))
    return hints


def _prepare_enforcement(form, case: Case) -> dict:
    """Fill the form with what was recorded before (a correction); hint what the decision
    ordered beside each amount (the most that can be recovered or returned)."""
    record = enforcement.record_of(case)
    if not form.is_submitted():
        if record is not None:
            for name in (*enforcement_rules.FIGURES, "note"):
                getattr(form, name).data = getattr(record, name)
            form.enforced_on.data = record.enforced_on
        else:
            form.enforced_on.data = clock.today()
    hints = {"enforced_on": _("Quyết định / kết luận số %(number)s ký ngày %(on)s.",
                              number=case.decision_number or "—",
                              on=f"{case.decision_on:%d/%m/%Y}" if case.decision_on else "—")}
    for name, ordered in enforcement_rules.AMOUNTS.items():
        hints[name] = _("Theo quyết định / kết luận: %(due)s.",
                        due=format_decimal(getattr(case, ordered) or 0, format="#,##0.00"))
    if case.people_disciplined:
        hints["people_disciplined"] = _("Quyết định / kết luận kiến nghị xử lý kỷ luật "
                                        "%(count)s người.", count=case.people_disciplined)
    return hints


def _confirm_notes(action: str, case: Case, form) -> dict | None:
    """What the confirmation says beyond the form's values (a withdrawal's: who, and
    whether the case ends; an extension's: the due date before and after)."""
    if action == "withdraw":
        return withdrawal_form.confirm_notes(case, form)
    if action == "extend":
        return _extension_notes(case, form)
    if action == "suspend":
        return _suspension_notes(case, form)
    if action == "declare_complex":
        row = case.deadline("resolution")
        return {"due_from": row.due_on, "due_to": deadlines.extended_due(
            case, "resolution", 0, variant=deadlines.longer_variant(case))}
    return None


def _suspension_notes(case: Case, form) -> dict | None:
    """A suspension decided after the resolution due date stops no clock (states.
    clock_stopped): the confirmation says the case stays late, not that time is paused."""
    row = case.deadline("resolution")
    on = form.decided_on.data or clock.today()
    if row is None or row.met_on is not None or states.clock_stopped(states.SUSPENDED, on,
                                                                      row.due_on):
        return None
    return {"late_due": row.due_on}


def _extension_notes(case: Case, form) -> dict:
    """The resolution deadline's due date now and once extended, computed as the service
    will (the complexity declared with it, the suspensions it went through); nothing is
    written."""
    row = case.deadline("resolution")
    complexity = form.data.get("complexity") or None  # a denunciation's field only
    rule, _id = deadlines.policy_for(case, "resolution", row.start_on, variant=complexity)
    return {"due_from": row.due_on,
            "due_to": deadlines.extended_due(case, "resolution", form.days.data,
                                             variant=complexity),
            # The template words the days with ngettext ("1 working day", QA round 82).
            "working": rule.extension_unit == "working"}


def _source(source: str) -> str:
    """A policy's legal basis in the page's language (stored in Vietnamese)."""
    return policies.source_in(source, _lang())


def _extension_hint(case: Case) -> str:
    """The policy's limit for one extension and how many remain (deadlines.policy_for)."""
    row = case.deadline("resolution")
    if row is None:
        return ""
    try:
        rule, _id = deadlines.policy_for(case, "resolution", row.start_on)
    except LookupError:
        return ""
    unit = _("ngày làm việc") if rule.extension_unit == "working" else _("ngày")
    if rule.max_extensions == 0 and case.kind == "denunciation":
        return _("Tố cáo chỉ được gia hạn khi vụ việc phức tạp hoặc đặc biệt phức tạp: chọn "
                 "mức độ bên dưới (%(source)s).", source=_source(rule.source))
    if rule.max_extensions == 0:
        return _("Quy định hiện hành không cho phép gia hạn (%(source)s).",
                 source=_source(rule.source))
    return _("Tối đa %(days)s %(unit)s mỗi lần, %(max)s lần; đã gia hạn %(done)s lần "
             "(%(source)s).", days=rule.extension_days, unit=unit, max=rule.max_extensions,
             done=case.extension_count, source=_source(rule.source))


def _figures(data: dict) -> dict:
    """The resolution's outcome figures as the form gives them."""
    figures = {name: data.get(name) for name in FIGURES}
    # An unticked box says nothing (a browser sends no value): people sent to the
    # investigating body then tick it, as they do through the API.
    figures["sent_to_investigation"] = figures.get("sent_to_investigation") or None
    return figures


def _enforcement_figures(data: dict) -> dict:
    """The enforcement's figures as the form gives them (empty: none, i.e. 0)."""
    return {name: data.get(name) for name in enforcement_rules.FIGURES}


# Confirmed actions whose decision date the service checks: refused before the confirmation
# page, not after Confirm (resolve, suspend, return and transfer are checked whole, above).
DATE_CHECKED = frozenset({"refuse", "withdraw"})


def _check(action: str, case: Case, form, today) -> None:
    """Refuse, before the confirmation step, what the service would refuse once confirmed:
    a head must not confirm a resolution only to be told its date is in the future."""
    data = form.data
    actor = current_user._get_current_object()
    if action == "resolve":
        workflow.check_resolve(case, data["outcome"], data["decision_number"], data["summary"],
                               actor, today, decided_on=data.get("decided_on"),
                               figures=_figures(data))
    elif action == "suspend":
        workflow.check_suspend(case, data["reason"], actor, today,
                               decided_on=data.get("decided_on"))
    elif action == "return":
        workflow.check_return(case, data["reason"], data["suggested_agency_code"], actor, today,
                              decided_on=data.get("decided_on"))
    elif action == "transfer":
        workflow.check_transfer(case, data["to_agency_code"], data["reason"], actor, today,
                                decided_on=data.get("decided_on"))
    elif action == "close":
        workflow.check_close(case, data.get("reason"))
    elif action == "declare_complex":
        workflow.check_declare_complex(case, data["reason"], actor, today,
                                       decided_on=data.get("decided_on"))
    elif action == "extend":
        workflow.check_extend(case, data["days"], data["reason"], actor, today,
                              decided_on=data.get("decided_on"),
                              complexity=data.get("complexity") or None)
    elif action == "enforce":
        enforcement.check_enforce(case, data.get("enforced_on"), _enforcement_figures(data),
                                  data.get("note"), actor, today)
    elif action in DATE_CHECKED:
        if action in workflow.REASON_REQUIRED:  # an invisible reason, refused only once
            workflow.check_reason(action, data.get("reason"), case)  # confirmed (QA 13)
        if action == "refuse":
            workflow.check_refusal_ground(case, data.get("ground"))
        workflow.check_decision(case, action, actor, today, decided_on=data.get("decided_on"))


def _call(action: str, case: Case, form, now, today):
    """Call the workflow service of an action with the form's values."""
    data = form.data
    actor = current_user._get_current_object()
    decided_on = data.get("decided_on")
    if action == "accept":
        return workflow.accept(case, actor, now, today, decided_on=decided_on,
                               is_complex=data.get("is_complex"),
                               is_remote=data.get("is_remote"))
    if action == "refuse":
        return workflow.refuse(case, data["reason"], actor, now, today, decided_on=decided_on,
                               ground=data.get("ground"))
    if action == "assign":
        return workflow.assign(case, data["officer"], actor, now)
    if action == "extend":
        return workflow.extend(case, data["days"], data["reason"], actor, now, today,
                               decided_on=decided_on, complexity=data.get("complexity") or None)
    if action == "declare_complex":
        return workflow.declare_complex(case, data["reason"], actor, now, today,
                                        decided_on=decided_on)
    if action == "return":
        return workflow.return_case(case, data["reason"], data["suggested_agency_code"], actor,
                                    now, today, decided_on=decided_on)
    if action == "transfer":
        return workflow.transfer(case, data["to_agency_code"], data["reason"], actor, now,
                                 today, decided_on=decided_on)
    if action == "suspend":
        return workflow.suspend(case, data["reason"], actor, now, today, decided_on=decided_on)
    if action == "resume":
        return workflow.resume(case, actor, now, today, decided_on=decided_on)
    if action == "resolve":
        return workflow.resolve(case, data["outcome"], data["decision_number"],
                                data["summary"], actor, now, today, decided_on=decided_on,
                                figures=_figures(data))
    if action == "close":
        return workflow.close(case, actor, now, today, reason=data["reason"])
    if action == "enforce":
        return enforcement.enforce(case, data.get("enforced_on"), _enforcement_figures(data),
                                   data.get("note"), actor, now, today)
    if action == "withdraw":
        return workflow.withdraw(case, data["reason"], actor, now, today,
                                 decided_on=decided_on,
                                 petitioner_ids=withdrawal_form.named_signers(form))
    raise KeyError(action)


def _refusal_message(action: str, case: Case) -> str:
    return _("Không thể thực hiện “%(action)s”: hồ sơ đang ở trạng thái “%(status)s”. "
             "Hồ sơ không thay đổi.", action=_label(case_view.ACTION_LABELS, action),
             status=_label(case_view.STATUS_LABELS, case.status))


def _unavailable(action: str, case: Case) -> str | None:
    """Why an action the status allows is still not offered for this case, or None."""
    if action == "extend" and not case_view.extension_left(case):
        return _("Thời hạn giải quyết của hồ sơ này không thể gia hạn thêm: quy định áp dụng "
                 "không cho phép hoặc đã gia hạn đủ số lần. Hồ sơ không thay đổi.")
    if action == "enforce" and not enforcement.has_something_to_enforce(case):
        return _("Quyết định / kết luận của hồ sơ này không có nội dung phải thi hành. "
                 "Hồ sơ không thay đổi.")
    if action == "accept" and workflow.anonymous_denunciation(case):
        return translate(workflow.ANONYMOUS_DENUNCIATION)
    return None


@bp.route("/cases/<code>/<action>", methods=["GET", "POST"])
@roles_required(*AGENCY_ROLES)
def act(code: str, action: str):
    """Show an action's form and carry it out through the workflow service."""
    if action not in ACTION_FORMS:
        abort(404)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    moved = _moved_away(case)
    if moved is not None:  # e.g. a confirmation left open in another tab
        flash(_moved_away_message(case, moved), "warning")
        return redirect(url_for("agency.cases"))
    if case is None or not can_view(current_user, case):
        abort(404)  # as _case_or_404: another agency's case is simply not found
    if not can_act(current_user, case, action):
        refusal = lead_refusal(case, action)
        if refusal is None or current_user.role != "agency_head":
            abort(403)
        # A form left open from before the designation: say why, as the service would.
        flash(translate(refusal), "error")
        return redirect(url_for("agency.case_page", code=code))
    if action not in states.allowed_actions(case.status):
        flash(_refusal_message(action, case), "error")
        return redirect(url_for("agency.case_page", code=code))
    reason = _unavailable(action, case)
    if reason:
        flash(reason, "error")
        return redirect(url_for("agency.case_page", code=code))
    form = ACTION_FORMS[action]()
    hints = _prepare(form, action, case)
    errors: dict[str, str] = {}
    seen = (case.status, case.agency_id)  # as read before the service locks the case
    if form.validate_on_submit():
        confirm = action in CONFIRM_ACTIONS
        if confirm and "edit" in request.form:  # back from the confirmation, as typed
            form.confirmed.data = ""
            return _render_form(form, case, action, hints, errors)
        try:
            if confirm and form.confirmed.data != "1":
                _check(action, case, form, clock.today())  # the service's refusals first
                notes = _confirm_notes(action, case, form)  # refused input: no confirmation
                form.confirmed.data = "1"
                return render_template("agency/confirm.html", form=form, case=case,
                                       action=action, today=clock.today(), notes=notes)
            _call(action, case, form, clock.now(), clock.today())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        except (InvalidTransition, NotAllowed) as exc:
            db.session.rollback()
            logger.info("refused %s on %s: %s", action, code, exc)
            moved = _moved_away(case) if (case.status, case.agency_id) != seen else None
            if moved is not None:  # a colleague returned or transferred it meanwhile
                flash(_moved_away_message(case, moved), "warning")
                return redirect(url_for("agency.cases"))
            if (case.status, case.agency_id) != seen:  # decided on meanwhile (QA round 24)
                flash(_refusal_message(action, case), "error")
            elif isinstance(exc, NotAllowed) and exc.args and exc.args[0]:
                flash(error_text(exc), "error")  # the service's own reason
            elif isinstance(exc, NotAllowed):
                flash(_("Bạn không được thực hiện thao tác này trên hồ sơ. "
                        "Hồ sơ không thay đổi."), "error")
            else:
                flash(_refusal_message(action, case), "error")
            return redirect(url_for("agency.case_page", code=code))
        else:
            db.session.commit()
            flash(str(_done_message(action, case)), "success")
            if case.agency_id != current_user.agency_id or not can_view(current_user, case):
                # Returned or transferred: the case has left this agency.
                return redirect(url_for("agency.home"))
            return redirect(url_for("agency.case_page", code=code))
    errors = page_errors(form, errors)
    if errors and hasattr(form, "confirmed"):
        form.confirmed.data = ""  # corrected input is confirmed again
    return _render_form(form, case, action, hints, errors)


def _done_message(action: str, case: Case):
    if action == "withdraw" and case.status != states.WITHDRAWN:  # others still stand
        return PARTLY_WITHDRAWN
    return DONE_MESSAGES[action]


def _render_form(form, case: Case, action: str, hints: dict, errors: dict):
    return render_template("agency/action.html", form=form, case=case, action=action,
                           hints=hints, errors=errors, today=clock.today(),
                           confirm_first=action in CONFIRM_ACTIONS), (422 if errors else 200)
