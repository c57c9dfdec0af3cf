"""The reception's case page: handling outcome, routing, receipt, and attachment downloads."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from complaints import clock
from complaints.domain import catalog, policies, states
from complaints.domain.history import HISTORY_BY_KIND
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import Agency, Attachment, AuditEvent, Case, Field, Petitioner
from complaints.permissions import (
    can_act,
    can_add_petition,
    can_see_identity,
    can_view,
    roles_required,
)
from complaints.services import (
    case_view,
    corrections,
    deadlines,
    forwarding,
    intake,
    routing,
    splitting,
    urging,
    workflow,
)
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web import documents, sealed, withdrawal_form
from complaints.web.agency.forms import DONE_MESSAGES, PARTLY_WITHDRAWN, WithdrawForm
from complaints.web.forms import attach_errors, history_choices, page_errors, select_choices
from complaints.web.i18n import error_text, translate
from complaints.web.reception import bp
from complaints.web.reception.forms import (
    CorrectEligibilityForm,
    CorrectHistoryForm,
    CorrectPersonForm,
    ExtendHandlingForm,
    FileForm,
    ForwardForm,
    GuideForm,
    ReissuePinForm,
    ReplyForm,
    RouteForm,
    SplitForm,
    UrgeHolderForm,
)
from complaints.web.reception.routes import PIN_SESSION_KEY

logger = logging.getLogger(__name__)

OUTCOME_FORMS = {"route": RouteForm, "forward": ForwardForm, "guide": GuideForm,
                 "file": FileForm}


def _case_or_404(code: str) -> Case:
    """Load a case this user may see; another desk's case is simply not found."""
    try:
        case = intake.get_case(code)
    except NotFound:
        abort(404)
    if not can_view(current_user, case):
        abort(404)
    return case


def _acceptance_hint(case: Case):
    """The acceptance rule the competent agency will run under, if the case is routed today."""
    try:
        rule, _id = deadlines.policy_for(case, "acceptance", clock.today())
    except LookupError:
        return None
    return rule


def _render_case(case: Case, forms: dict | None = None, errors: dict | None = None,
                 status: int = 200):
    if case.kind == "denunciation" and can_see_identity(current_user, case):
        # The desk sees the denouncer it logged, and like every showing of a denouncer's
        # identity (Law on Denunciations Art. 8) the view is recorded: on the page, and on
        # the page shown again after a refused action (QA round 16). Nothing else is
        # pending here: a refused action was rolled back first.
        case_view.reveal_identity(case, current_user, clock.now(), via="reception")
        db.session.commit()
    case_view.load_letters(case)  # the letters and their signers, not two queries a letter
    # The form that was sent and refused: only its section lists the errors (QA round 56).
    sent = next(iter(forms)) if forms and errors else None
    forms = forms or {}
    forms.setdefault("reply", ReplyForm(formdata=None, prefix="reply"))
    forms.setdefault("extend_handling",
                     ExtendHandlingForm(formdata=None, prefix="extend_handling"))
    for action, form_class in OUTCOME_FORMS.items():
        forms.setdefault(action, form_class(formdata=None, prefix=action))
    route_form = forms["route"]
    # No desk (this one or another): reception routes a case to an agency that resolves it.
    agencies = sorted(db.session.scalars(select(Agency).where(
        Agency.active.is_(True), Agency.is_reception_desk.is_(False),
        Agency.id != current_user.agency_id)),
        key=lambda a: name_order(a.name))
    lang = str(get_locale() or "vi")
    route_form.agency_code.choices = select_choices(
        ((a.code, case_view.agency_name(a, lang)) for a in agencies), _("— Chọn cơ quan —"))
    suggestion = routing.suggestion_for(case)
    returned = routing.last_return(case)
    acceptance = _acceptance_hint(case)
    if not route_form.agency_code.data:
        if returned is not None and returned.suggested_agency is not None:
            route_form.agency_code.data = returned.suggested_agency.code
        elif suggestion:
            route_form.agency_code.data = suggestion.agency.code
    allowed = states.allowed_actions(case.status)
    actions = case_view.available_actions(
        current_user, case, candidates=tuple(a for a in allowed if a in OUTCOME_FORMS))
    files = list(db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                    .order_by(Attachment.id)))
    parts = splitting.parts_of(case, current_user)
    return render_template(
        "reception/case.html", case=case, case_attachments=files, timeline=_timeline(case),
        forms=forms, errors=errors or {}, sent=sent,
        actions=actions, suggestion=suggestion,
        may_withdraw="withdraw" in allowed and can_act(current_user, case, "withdraw"),
        may_reissue_pin=can_add_petition(current_user, case),
        doc_form=(forms.get("document") or documents.document_form())
        if can_add_petition(current_user, case) else None,
        may_record_reply=forwarding.may_record_reply(current_user, case),
        may_correct_history=can_add_petition(current_user, case),
        may_correct_particulars=corrections.may_correct_particulars(current_user, case),
        may_split=splitting.may_split(current_user, case), may_urge=urging.may_urge,
        split_parts=parts[0], split_source=parts[1],
        reply_received_on=forwarding.reply_received_on(case),
        suggestion_reason=(routing.describe_suggestion(suggestion, lang)
                           if suggestion else None), acceptance_rule=acceptance,
        acceptance_source=policies.source_in(acceptance.source, lang) if acceptance else None,
        returned=returned,
        show_identity=can_see_identity(current_user, case), today=clock.today(),
        handling_extension=_handling_extension_hint(case, lang),
    ), status


def _handling_extension_hint(case: Case, lang: str) -> str | None:
    """What the policy lets the desk add to the handling deadline (None: it may not now)."""
    if not case_view.available_actions(current_user, case, candidates=("extend_handling",)):
        return None
    rule, _id = deadlines.policy_for(case, "handling", case.deadline("handling").start_on)
    unit = _("ngày làm việc") if rule.extension_unit == "working" else _("ngày")
    return _("Tối đa %(days)s %(unit)s mỗi lần, %(max)s lần; đã gia hạn %(done)s lần "
             "(%(source)s).", days=rule.extension_days, unit=unit, max=rule.max_extensions,
             done=deadlines.handling_extensions(case),
             source=policies.source_in(rule.source, lang))


def _timeline(case: Case) -> list[tuple[datetime, AuditEvent]]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.seq))
    timeline = []
    for event in events:
        at = event.created_at
        if at.tzinfo is None:  # SQLite returns naive UTC
            at = at.replace(tzinfo=timezone.utc)
        timeline.append((at.astimezone(clock.LOCAL_TZ), event))
    return timeline


CONFIRMED = frozenset({"file", "guide", "forward"})


@bp.route("/cases/<code>")
@roles_required("reception")
def case_page(code: str):
    """Show a case with the handling outcomes this officer may record."""
    return _render_case(_case_or_404(code))


def _desk_letter(code: str, petition_id: int):
    """The case, one of its letters and the case page's address, for the pages acting on a
    letter: the desk that received the case (permissions.can_add_petition), else 403."""
    case = _case_or_404(code)
    if not can_add_petition(current_user, case):
        abort(403)
    petition = next((p for p in case.petitions if p.id == petition_id), None)
    if petition is None:
        abort(404)
    return case, petition, url_for("reception.case_page", code=code)


def _refused(exc: Exception, back: str):
    """A service refused the act (not allowed, or not in this state): nothing written."""
    db.session.rollback()
    flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
    return redirect(back)


def _errors_of(form) -> dict[str, str]:
    return {field.id: str(field.errors[0]) for field in form if field.errors}


@bp.route("/cases/<code>/<action>", methods=["POST"])
@roles_required("reception")
def case_action(code: str, action: str):
    """Record a handling outcome: route, forward, guide, or file away (confirmed)."""
    if action not in OUTCOME_FORMS:
        abort(404)
    case = _case_or_404(code)
    form = OUTCOME_FORMS[action](prefix=action)
    if isinstance(form, RouteForm):
        form.agency_code.choices = select_choices((a.code, a.name) for a in db.session.scalars(
            select(Agency).where(Agency.active.is_(True))))
    if not form.validate():
        return _render_case(case, {action: form}, _errors_of(form), 422)
    # Filing away, guiding and forwarding end the case at the desk: confirmed first (ux.md;
    # QA round 16 found guiding and forwarding done in one click).
    if action in CONFIRMED and "edit" in request.form:  # back from the confirmation
        return _render_case(case, {action: form})
    if action in CONFIRMED and form.confirm.data != "yes":
        try:  # what the decision would refuse is refused before the confirmation
            workflow.check_close_at_desk(
                case, action, current_user, clock.today(), decided_on=form.decided_on.data,
                reason=getattr(form, "reason", None) and form.reason.data,
                forwarded_to=getattr(form, "forwarded_to", None) and form.forwarded_to.data,
                note=getattr(form, "note", None) and form.note.data)
        except ValidationFailed as exc:
            errors = {f"{action}-{key}": translate(message)
                      for key, message in exc.errors.items()}
            return _render_case(case, {action: form}, errors, 422)
        except (NotAllowed, states.InvalidTransition) as exc:
            flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
            return redirect(url_for("reception.case_page", code=code))
        if action == "file":
            return render_template("reception/confirm_file.html", case=case, form=form)
        return render_template("reception/confirm_close.html", case=case, form=form,
                               action=action)
    now, today = clock.now(), clock.today()
    try:
        if action == "route":
            routing.route_case(case, form.agency_code.data, current_user, now, today,
                               override_reason=form.override_reason.data,
                               decided_on=form.decided_on.data)
        elif action == "forward":
            workflow.forward(case, form.forwarded_to.data, current_user, now, today,
                             reason=form.reason.data, decided_on=form.decided_on.data)
        elif action == "guide":
            workflow.guide(case, form.reason.data, current_user, now, today,
                           decided_on=form.decided_on.data)
        else:
            workflow.file_away(case, form.filing_reason.data, current_user, now, today,
                               note=form.note.data, decided_on=form.decided_on.data)
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {f"{action}-{key}": translate(message) for key, message in exc.errors.items()}
        return _render_case(case, {action: form}, errors, 422)
    except (NotAllowed, states.InvalidTransition) as exc:
        db.session.rollback()
        flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
        return redirect(url_for("reception.case_page", code=code))
    except LookupError as exc:  # no deadline policy in force for the next stage
        db.session.rollback()
        logger.error("routing %s failed: %s", code, exc)
        flash(_("Không thực hiện được: chưa có chính sách thời hạn cho giai đoạn tiếp theo. "
                "Báo quản trị hệ thống."), "error")
        return redirect(url_for("reception.case_page", code=code))
    db.session.commit()
    flash(_("Đã ghi kết quả xử lý đơn: %(status)s.",
            status=_status_label(case.status)), "success")
    return redirect(url_for("reception.case_page", code=code))


@bp.route("/cases/<code>/extend-handling", methods=["POST"])
@roles_required("reception")
def extend_handling(code: str):
    """Extend the handling deadline of a petition at the desk (gia hạn xử lý đơn): a
    denunciation needing checks at several places; confirmed in a second step."""
    case = _case_or_404(code)
    form = ExtendHandlingForm(prefix="extend_handling")
    if not form.validate():
        return _render_case(case, {"extend_handling": form}, _errors_of(form), 422)
    if "edit" in request.form:  # back from the confirmation: as typed
        return _render_case(case, {"extend_handling": form})
    actor, now, today = current_user._get_current_object(), clock.now(), clock.today()
    try:
        if form.confirm.data != "yes":
            # Refused now rather than after Confirm (a date past the deadline, too many days).
            workflow.check_extend_handling(case, form.days.data, form.reason.data, actor,
                                           today, decided_on=form.decided_on.data)
            rule, _id = deadlines.policy_for(case, "handling",
                                             case.deadline("handling").start_on)
            return render_template(
                "reception/confirm_extend_handling.html", case=case, form=form,
                due_on=deadlines.extended_due(case, "handling", form.days.data),
                working=rule.extension_unit == "working")
        workflow.extend_handling(case, form.days.data, form.reason.data, actor, now, today,
                                 decided_on=form.decided_on.data)
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {f"extend_handling-{key}": translate(message)
                  for key, message in exc.errors.items()}
        return _render_case(case, {"extend_handling": form}, errors, 422)
    except (NotAllowed, states.InvalidTransition) as exc:
        db.session.rollback()
        flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
        return redirect(url_for("reception.case_page", code=code))
    db.session.commit()
    due_on = case.deadline("handling").due_on.strftime("%d/%m/%Y")
    flash(_("Đã gia hạn xử lý đơn đến ngày %(date)s.", date=due_on), "success")
    return redirect(url_for("reception.case_page", code=code))


@bp.route("/cases/<code>/reply", methods=["POST"])
@roles_required("reception")
def record_reply(code: str):
    """Record the reply letter of the body a case was forwarded to (form 02/XLD counts it)."""
    case = _case_or_404(code)
    form = ReplyForm(prefix="reply")
    if not form.validate():
        return _render_case(case, {"reply": form}, _errors_of(form), 422)
    try:
        forwarding.record_reply(case, form.received_on.data, form.note.data,
                                current_user._get_current_object(), clock.now(), clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {f"reply-{key}": translate(message) for key, message in exc.errors.items()}
        return _render_case(case, {"reply": form}, errors, 422)
    except NotAllowed as exc:
        db.session.rollback()
        flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
        return redirect(url_for("reception.case_page", code=code))
    db.session.commit()
    flash(_("Đã ghi nhận văn bản phúc đáp."), "success")
    return redirect(url_for("reception.case_page", code=code))


@bp.route("/cases/<code>/withdraw", methods=["GET", "POST"])
@roles_required("reception")
def withdraw(code: str):
    """Record a withdrawal handed in at the desk (rút đơn), confirmed first, as the agency's
    page does: the desk that logged the case may record it while the case is unresolved."""
    case = _case_or_404(code)
    back = url_for("reception.case_page", code=code)
    if not can_act(current_user, case, "withdraw"):
        abort(403)
    if "withdraw" not in states.allowed_actions(case.status):
        flash(_("Không thực hiện được: hồ sơ đang ở trạng thái “%(status)s”. Hồ sơ không "
                "thay đổi.", status=_status_text(case.status)), "error")
        return redirect(back)
    # The desk sees the denouncers it logged, named as on its case page; like that page, each
    # showing is recorded (Law on Denunciations Art. 8), before anything else can roll back.
    reveal = case.kind == "denunciation" and can_see_identity(current_user, case)
    if reveal:
        case_view.reveal_identity(case, current_user, clock.now(), via="reception")
        db.session.commit()
    form = WithdrawForm()
    if form.decided_on.data is None and not form.is_submitted():
        form.decided_on.data = clock.today()
    hints = withdrawal_form.prepare(form, case, current_user, reveal)
    errors: dict[str, str] = {}
    page = {"case": case, "action": "withdraw", "today": clock.today(), "back_url": back}
    if form.validate_on_submit() and "edit" not in request.form:
        actor = current_user._get_current_object()
        try:
            if form.confirmed.data != "1":
                workflow.check_reason("withdraw", form.reason.data)
                workflow.check_decision(case, "withdraw", actor, clock.today(),
                                        decided_on=form.decided_on.data)
                notes = withdrawal_form.confirm_notes(case, form)
                form.confirmed.data = "1"
                return render_template("agency/confirm.html", form=form, notes=notes, **page)
            workflow.withdraw(case, form.reason.data, actor, clock.now(), clock.today(),
                              decided_on=form.decided_on.data,
                              petitioner_ids=withdrawal_form.named_signers(form))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        except (NotAllowed, states.InvalidTransition) as exc:
            return _refused(exc, back)
        else:
            db.session.commit()
            flash(str(DONE_MESSAGES["withdraw"] if case.status == states.WITHDRAWN
                      else PARTLY_WITHDRAWN), "success")
            return redirect(back)
    form.confirmed.data = ""  # shown again (back, or corrected): confirmed again
    errors = page_errors(form, errors)
    return render_template("agency/action.html", form=form, hints=hints, errors=errors,
                           confirm_first=True, **page), (422 if errors else 200)


@bp.route("/cases/<code>/petitions/<int:petition_id>/history", methods=["GET", "POST"])
@roles_required("reception")
def correct_history(code: str, petition_id: int):
    """Correct what one letter says of the matter's history (02/XLD counts it), typed or
    derived wrongly at intake: the desk that received the case, with a reason (audited)."""
    case, petition, back = _desk_letter(code, petition_id)
    form = CorrectHistoryForm(data={"history": petition.history})
    form.history.choices = [c for c in history_choices()
                            if c.value in HISTORY_BY_KIND.get(case.kind, ())]
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            intake.correct_history(case, petition.id, form.history.data, form.reason.data,
                                   current_user._get_current_object(), clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Đã sửa lịch sử vụ việc của đơn nhận ngày %(date)s.",
                    date=petition.received_on.strftime("%d/%m/%Y")), "success")
            return redirect(back)
    errors = page_errors(form, errors)
    return render_template("reception/correct_history.html", case=case, petition=petition,
                           form=form, errors=errors, back_url=back), (422 if errors else 200)


@bp.route("/cases/<code>/petitioners/<int:petitioner_id>", methods=["GET", "POST"])
@roles_required("reception")
def correct_person(code: str, petitioner_id: int):
    """Correct a signer's particulars (typed wrongly at intake, or learnt since): the desk
    that received the case, with a reason (audited: the fields, never their values)."""
    case = _case_or_404(code)
    back = url_for("reception.case_page", code=code)
    if not can_add_petition(current_user, case):
        abort(403)
    signer = next((s for p in case.petitions for s in p.signers
                   if s.petitioner_id == petitioner_id), None)
    if signer is None:
        abort(404)
    person = signer.petitioner
    if person.anonymised_at is not None:
        flash(_("Không thực hiện được: thông tin của người này đã được xóa theo thời hạn lưu "
                "trữ."), "error")
        return redirect(back)
    if case.kind == "denunciation":
        # A denouncer's particulars shown again: recorded like every showing (Art. 8).
        case_view.reveal_identity(case, current_user, clock.now(), via="reception")
        db.session.commit()
    shown = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    form = CorrectPersonForm(data={**shown, "seen": corrections.person_fingerprint(person)})
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        data = corrections.PersonData(**{name: form[name].data
                                         for name in corrections.PERSON_FIELDS})
        try:
            corrections.correct_person(case, person.id, data, form.reason.data,
                                       current_user._get_current_object(), clock.now(),
                                       clock.today(), seen=form.seen.data or None)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
            if "seen" in exc.errors:  # corrected by someone else meanwhile: show theirs
                person = db.session.get(Petitioner, person.id)
                for name in corrections.PERSON_FIELDS:
                    form[name].data = getattr(person, name)
                form.seen.data = corrections.person_fingerprint(person)
        except NotAllowed as exc:
            return _refused(exc, back)
        else:
            db.session.commit()
            flash(_("Đã sửa thông tin người đứng đơn."), "success")
            return redirect(back)
    errors = page_errors(form, errors)
    return render_template("reception/correct_person.html", case=case, form=form,
                           errors=errors, back_url=back), (422 if errors else 200)


@bp.route("/cases/<code>/petitions/<int:petition_id>/eligibility", methods=["GET", "POST"])
@roles_required("reception")
def correct_eligibility(code: str, petition_id: int):
    """Correct whether a letter is eligible for handling (02/XLD column 5): the desk that
    received the case, with a reason (audited)."""
    case, petition, back = _desk_letter(code, petition_id)
    # The change from the value as the reports read it (QA 114: `eligible` ignored a filing).
    form = CorrectEligibilityForm(data={"eligible": "no" if petition.eligible_now else "yes"})
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            corrections.correct_eligibility(case, petition.id, form.eligible.data == "yes",
                                            form.reason.data,
                                            current_user._get_current_object(), clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Đã sửa điều kiện xử lý của đơn nhận ngày %(date)s.",
                    date=petition.received_on.strftime("%d/%m/%Y")), "success")
            return redirect(back)
    errors = page_errors(form, errors)
    return render_template("reception/correct_eligibility.html", case=case,
                           petition=petition, form=form, errors=errors,
                           back_url=back), (422 if errors else 200)


@bp.route("/cases/<code>/petitions/<int:petition_id>/urge", methods=["GET", "POST"])
@roles_required("reception")
def urge_holder(code: str, petition_id: int):
    """Urge the agency resolving the case (đôn đốc giải quyết) on a later letter about it:
    the desk that received the case."""
    case, petition, back = _desk_letter(code, petition_id)
    if not urging.may_urge(case, petition):
        flash(_("Không thực hiện được: chỉ đôn đốc được trên đơn gửi sau khi hồ sơ đang ở cơ "
                "quan giải quyết (chưa có quyết định, kết luận)."), "error")
        return redirect(back)
    form = UrgeHolderForm()
    if not form.is_submitted():
        form.decided_on.data = clock.today()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            urging.urge_holder(case, petition.id, form.note.data,
                               current_user._get_current_object(), clock.now(), clock.today(),
                               decided_on=form.decided_on.data)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        except (NotAllowed, states.InvalidTransition) as exc:
            return _refused(exc, back)
        else:
            db.session.commit()
            flash(_("Đã đôn đốc %(agency)s giải quyết hồ sơ.",
                    agency=case_view.agency_name(case.agency, str(get_locale() or "vi"))),
                  "success")
            return redirect(back)
    errors = page_errors(form, errors)
    return render_template("reception/urge_holder.html", case=case, petition=petition,
                           form=form, errors=errors, back_url=back), (422 if errors else 200)


@bp.route("/cases/<code>/documents", methods=["POST"])
@roles_required("reception")
def add_document(code: str):
    """Add a file to the case after intake (a scan brought later): the desk that received
    it; on a refusal the case page again, saying why."""
    case = _case_or_404(code)
    if not can_add_petition(current_user, case):
        abort(403)
    form, errors = documents.add_from_request(case, current_user._get_current_object())
    if errors:
        return _render_case(case, forms={"document": form}, errors=errors, status=422)
    db.session.commit()
    flash(_("Đã thêm tài liệu vào hồ sơ."), "success")
    return redirect(url_for("reception.case_page", code=code))


@bp.route("/cases/<code>/pin", methods=["GET", "POST"])
@roles_required("reception")
def reissue_pin(code: str):
    """Give the case a new PIN (the citizen lost the receipt): the desk that received it,
    with why; the new receipt shows it once, and the old PIN stops working."""
    case = _case_or_404(code)
    back = url_for("reception.case_page", code=code)
    if not can_add_petition(current_user, case):
        abort(403)
    form = ReissuePinForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            pin = intake.reissue_pin(case, form.reason.data,
                                     current_user._get_current_object(), clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
        except NotAllowed as exc:
            return _refused(exc, back)
        else:
            db.session.commit()
            sealed.put(PIN_SESSION_KEY, {"code": case.tracking_code, "pin": pin})
            flash(_("Đã cấp lại mã PIN; mã cũ không dùng được nữa. In giấy biên nhận mới cho "
                    "công dân."), "success")
            return redirect(url_for("reception.receipt", code=case.tracking_code))
    errors = page_errors(form, errors)
    return render_template("reception/reissue_pin.html", case=case, form=form, errors=errors,
                           back_url=back), (422 if errors else 200)


@bp.route("/cases/<code>/split", methods=["GET", "POST"])
@roles_required("reception")
def split(code: str):
    """Take one content of the case's letter out into a new case (tách đơn): the desk that
    received it, before handling it. The new case's receipt (and PIN) follows."""
    case = _case_or_404(code)
    back = url_for("reception.case_page", code=code)
    if not can_add_petition(current_user, case):
        abort(403)
    if not splitting.may_split(current_user, case):
        flash(_("Không thực hiện được: chỉ tách được đơn chưa xử lý (hồ sơ còn ở bộ phận "
                "tiếp nhận)."), "error")
        return redirect(back)
    form = SplitForm()
    if request.method == "GET":
        form.kept_content.data = case.content
        form.kept_subject.data = case.subject
        form.seen.data = splitting.state_fingerprint(case)
        form.token.data = secrets.token_urlsafe(12)
    lang = str(get_locale() or "vi")
    form.kind.choices = select_choices(
        ((c, catalog.label(catalog.KINDS, c, lang)) for c in catalog.KINDS), _("— Chọn —"))
    fields = sorted(db.session.scalars(select(Field).where(Field.active.is_(True))),
                    key=lambda f: name_order(f.name(lang)))
    form.field.choices = select_choices(((f.code, f.name(lang)) for f in fields),
                                        _("— Chọn lĩnh vực —"))
    errors: dict[str, str] = {}
    if form.is_submitted() and (done := intake.submitted_case(form.token.data)):
        flash(_("Đơn đã được tách, mã hồ sơ mới %(code)s.", code=done), "info")
        return redirect(url_for("reception.case_page", code=done))
    # "edit": back from the confirmation to the form, with what was typed.
    if "edit" not in request.form and form.validate_on_submit():
        kind = form.kind.data
        round_ = form.complaint_round.data
        data = splitting.SplitData(
            kind=kind, field_code=form.field.data, subject=form.subject.data,
            content=form.content.data, kept_content=form.kept_content.data,
            kept_subject=form.kept_subject.data,
            complaint_round=(int(round_) if round_ in ("1", "2") else 1)
            if kind == "complaint" else None,
            parent_tracking_code=(form.parent_tracking_code.data or "").strip().upper()
            or None, history=form.history.data or None, seen=form.seen.data or None)
        actor = current_user._get_current_object()
        try:
            if form.confirm.data != "yes":  # it cannot be undone: confirmed first (ux.md)
                splitting.check_split(case, data, actor, clock.today())
                _letter_shown(case)
                return render_template(
                    "reception/confirm_split.html", case=case, form=form, back_url=back,
                    moves=splitting.letter_goes_to_new(case.kind, kind),
                    field_name=next((c.label for c in form.field.choices
                                     if c.value == form.field.data), ""),
                    files=len(splitting.letter_of(case).attachments))
            new_case, pin = splitting.split_case(case, data, actor, clock.now(),
                                                 clock.today())
            intake.record_submission(form.token.data, new_case.id, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            if "seen" in exc.errors and (done := intake.submitted_case(form.token.data)):
                # This very form, sent twice at once: the other request split it (QA 49).
                flash(_("Đơn đã được tách, mã hồ sơ mới %(code)s.", code=done), "info")
                return redirect(url_for("reception.case_page", code=done))
            errors = attach_errors(form, exc.errors)
            if "seen" in exc.errors:  # split by someone else meanwhile: show what is left
                case = _case_or_404(code)
                form.kept_content.data = case.content
                form.seen.data = splitting.state_fingerprint(case)
        except (NotAllowed, states.InvalidTransition) as exc:
            return _refused(exc, back)
        except IntegrityError:
            db.session.rollback()  # the same form, sent at the same moment, won
            if done := intake.submitted_case(form.token.data):
                return redirect(url_for("reception.case_page", code=done))
            raise
        else:
            db.session.commit()
            sealed.put(PIN_SESSION_KEY, {"code": new_case.tracking_code, "pin": pin})
            flash(_("Đã tách đơn thành hồ sơ mới %(code)s.", code=new_case.tracking_code),
                  "success")
            return redirect(url_for("reception.receipt", code=new_case.tracking_code))
    errors = page_errors(form, errors)
    _letter_shown(case)
    return render_template(
        "reception/split.html", case=case, form=form, errors=errors, back_url=back,
    ), (422 if errors else 200)


def _letter_shown(case: Case) -> None:
    """The split pages show the letter's content, a denunciation's identity data
    (can_read_content): recorded as the case page records it (QA round 52: it was not).
    Called just before rendering, after any refused step was rolled back."""
    if case.kind == "denunciation" and can_see_identity(current_user, case):
        case_view.reveal_identity(case, current_user, clock.now(), via="reception")
        db.session.commit()


def _status_text(status: str) -> str:
    return case_view.text_label(case_view.STATUS_LABELS, status, str(get_locale() or "vi"))


def _status_label(status: str) -> str:
    labels = {
        states.ROUTED: _("đã chuyển cơ quan có thẩm quyền"),
        states.FORWARDED: _("đã chuyển cơ quan ngoài hệ thống"),
        states.GUIDED: _("đã hướng dẫn"),
        states.FILED: _("đã lưu đơn"),
    }
    return labels.get(status, status)


@bp.route("/cases/<code>/receipt")
@roles_required("reception")
def receipt(code: str):
    """Printable receipt (giấy biên nhận); the PIN shows once, right after intake."""
    case = _case_or_404(code)
    pin = None
    held = sealed.peek(PIN_SESSION_KEY)
    if held and held.get("code") == case.tracking_code:
        # Only its hash is stored: shown once (again after the page's language link).
        pin = (sealed.once(PIN_SESSION_KEY) or {}).get("pin")
    response = render_template("reception/receipt.html", case=case, pin=pin,
                               today=clock.today())
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """Serve an attachment to those who may see the case (and, if it reveals, the identity)."""
    row = db.session.get(Attachment, attachment_id)
    if row is None:
        abort(404)
    case = db.session.get(Case, row.case_id)
    if case is None or not can_view(current_user, case):
        abort(404)
    return documents.send_attachment(row, case, current_user._get_current_object())
