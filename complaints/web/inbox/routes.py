"""The inbox: in-app notifications, escalations to acknowledge, the lead-agency queue."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from complaints import clock
from complaints.domain import escalation as rules
from complaints.domain.confidentiality import MASK
from complaints.domain.escalation import NO_LONGER_MASS, SUPERSEDED
from complaints.domain.states import InvalidTransition
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import Case, Cluster, Escalation
from complaints.permissions import (
    ESCALATION_ROLES,
    can_acknowledge,
    can_designate_lead,
    can_list_identity,
    can_view,
    is_addressed_to,
    receives_escalations,
)
from complaints.services import case_view, escalation_notify, notifications, queries
from complaints.services import escalation as esc
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web.forms import select_choices
from complaints.web.i18n import error_text, translate_errors
from complaints.web.inbox import bp
from complaints.web.inbox.forms import AcknowledgeForm, LeadForm
from complaints.web.pagination import CountedPagination, page_arg

INBOX_PAGE = 100  # read notices per page (every unread one comes on the first)


@bp.app_context_processor
def _unread():
    """The unread count shown in the header on every page."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return {"inbox_unread": lambda: notifications.unread_count(current_user)}
    return {"inbox_unread": lambda: 0}


@bp.route("/inbox")
@login_required
def inbox():
    """List the signed-in user's notifications, unread first, then the read ones a page at
    a time with their number (QA round 25: past the newest 100, they were out of reach)."""
    number = page_arg()
    items = escalation_notify.localise(
        notifications.inbox(current_user, INBOX_PAGE, number), str(get_locale()))
    read_total = notifications.read_count(current_user)
    ids = {i.case_id for i in items if i.case_id is not None}
    # case_page_url → can_view reads a foreign case's escalations: loaded with the cases.
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids))
                                                 .options(selectinload(Case.escalations),
                                                    selectinload(Case.later_cases),
                                                          selectinload(Case.later_cases)))}
    page = CountedPagination(items, read_total, number, INBOX_PAGE)
    return render_template("inbox/inbox.html", items=items, cases=cases, page=page,
                           read_total=read_total)


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@bp.route("/inbox/read", methods=["POST"], defaults={"notification_id": None})
@login_required
def mark_read(notification_id):
    """Mark one notification (or all) as read."""
    notifications.mark_read(current_user, clock.now(), notification_id)
    db.session.commit()
    return redirect(url_for("inbox.inbox"))


def _lead_choices(escalation: Escalation) -> list[tuple[str, str]]:
    """The agencies the supervisor may designate (the same for every escalation addressed
    to one agency), as select choices."""
    return select_choices(
        sorted(((a.code, case_view.agency_name(a, str(get_locale() or "vi")))
                for a in esc.lead_candidates(escalation)), key=lambda p: name_order(p[1])),
        _("— Chọn cơ quan —"))


def _lead_form(escalation: Escalation, form: LeadForm | None = None,
               choices: list[tuple[str, str]] | None = None) -> LeadForm:
    form = form or LeadForm(prefix=f"lead{escalation.id}")
    form.agency_code.choices = choices if choices is not None else _lead_choices(escalation)
    return form


def _back_to_list():
    """The escalation page the user acted from (its page number kept)."""
    page = page_arg()
    return redirect(url_for("inbox.escalations", page=page if page > 1 else None))


def _render(errors_for: int | None = None, ack_form=None, lead_form=None, status=200):
    agency_id = current_user.agency_id
    pending = db.paginate(queries.pending_escalations(agency_id), page=page_arg(),
                          per_page=current_app.config.get("PAGE_SIZE", 25), error_out=False)
    done = queries.acknowledged_escalations(agency_id)
    lead_queue = [e for e in queries.lead_queue(agency_id)
                  if can_designate_lead(current_user, e)]
    choices = _lead_choices(lead_queue[0]) if lead_queue else []
    # An evasion owes a lead agency, not an acknowledgement (rules.awaits_lead): no form.
    ack_forms = {e.id: (ack_form if e.id == errors_for and ack_form else
                        AcknowledgeForm(prefix=f"ack{e.id}")) for e in pending.items
                 if not rules.awaits_lead(e.reason, e.case.lead_agency_id, e.case.status)}
    lead_forms = {e.id: (lead_form if e.id == errors_for and lead_form else
                         _lead_form(e, choices=choices)) for e in lead_queue}
    return render_template("inbox/escalations.html", pending=pending.items, page=pending,
                           done=done, lead_queue=lead_queue, ack_forms=ack_forms,
                           lead_forms=lead_forms, errors_for=errors_for,
                           errors_kind="ack" if ack_form else "lead",
                           form_errors=_errors(ack_form or lead_form),
                           today=clock.today()), status


@bp.route("/escalations")
@login_required
def escalations():
    """Escalations addressed to the user's agency, and the assign-lead-agency queue."""
    if not receives_escalations(current_user):
        abort(403)
    return _render()


def _escalation_or_404(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None or not is_addressed_to(current_user, escalation):
        abort(404)
    return escalation


def _errors(form) -> dict[str, str]:
    return {f.id: str(f.errors[0]) for f in form if f.errors} if form is not None else {}


@bp.route("/escalations/<int:escalation_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(escalation_id: int):
    """Record that the escalation was seen and what was done."""
    escalation = _escalation_or_404(escalation_id)
    if not can_acknowledge(current_user, escalation):
        abort(403)
    if escalation.action_taken == SUPERSEDED:
        # Closed by the system when the stage started again elsewhere, or a new due date
        # took the overdue back: nothing to confirm.
        flash(_("Kiến nghị của hồ sơ %(code)s đã hết hiệu lực: hồ sơ đã chuyển, trả lại "
                "hoặc có hạn mới.", code=escalation.case.tracking_code), "info")
        return _back_to_list()
    if escalation.action_taken == NO_LONGER_MASS:
        flash(_("Kiến nghị của hồ sơ %(code)s đã hết hiệu lực: người đứng đơn đã rút đơn, "
                "không còn đủ số người của đơn đông người.",
                code=escalation.case.tracking_code), "info")
        return _back_to_list()
    if escalation.acknowledged_at is not None:
        # A second tab or a double click: say so rather than answer 422 with no message.
        flash(_("Kiến nghị của hồ sơ %(code)s đã được xác nhận trước đó.",
                code=escalation.case.tracking_code), "info")
        return _back_to_list()
    form = AcknowledgeForm(prefix=f"ack{escalation.id}")
    if form.validate_on_submit():
        try:
            esc.acknowledge(escalation, form.action.data, form.note.data, current_user,
                            clock.now())
        except ValidationFailed as exc:
            for name, message in translate_errors(exc.errors).items():
                getattr(form, name, form.note).errors = [message]
        else:
            db.session.commit()
            flash(_("Đã xác nhận kiến nghị của hồ sơ %(code)s.",
                    code=escalation.case.tracking_code), "success")
            return _back_to_list()
    db.session.rollback()
    return _render(escalation.id, ack_form=form, status=422)


@bp.route("/escalations/<int:escalation_id>/lead", methods=["POST"])
@login_required
def designate_lead(escalation_id: int):
    """Designate the lead agency of an evaded case (binding)."""
    escalation = _escalation_or_404(escalation_id)
    if not can_designate_lead(current_user, escalation):
        abort(403)
    form = _lead_form(escalation, LeadForm(prefix=f"lead{escalation.id}"))
    if form.validate_on_submit():
        try:
            esc.designate_lead(escalation.case, form.agency_code.data, current_user,
                               clock.now(), clock.today(), note=form.note.data or None)
        except ValidationFailed as exc:
            form.agency_code.errors = list(translate_errors(exc.errors).values())
        except (NotAllowed, NotFound, InvalidTransition) as exc:
            form.agency_code.errors = [error_text(exc)]
        else:
            db.session.commit()
            flash(_("Đã chỉ định cơ quan chủ trì cho hồ sơ %(code)s.",
                    code=escalation.case.tracking_code), "success")
            return _back_to_list()
    db.session.rollback()
    return _render(escalation.id, lead_form=form, status=422)


def _signers(case: Case) -> str:
    """The case's signers, petition by petition; a denunciation's always masked (a list
    records no view: the case page reveals a denouncer, and records it)."""
    if not can_list_identity(current_user, case):
        return MASK
    return "; ".join(", ".join(s.petitioner.full_name for s in p.signers)
                     for p in case.petitions)


@bp.route("/clusters/<int:cluster_id>")
@login_required
def cluster(cluster_id: int):
    """A mass-petition cluster: its cases and their signers (never a denouncer)."""
    if current_user.role not in ESCALATION_ROLES + ("admin",):
        abort(403)
    group = db.session.get(Cluster, cluster_id)
    if group is None:
        abort(404)
    # can_view reads a foreign case's escalations, and the list its signers: loaded with
    # the cases, not one by one.
    cases = [c for c in db.session.scalars(select(Case).where(Case.cluster_id == cluster_id)
                                           .options(selectinload(Case.escalations),
                                                    case_view.letters_loaded())
                                           .order_by(Case.received_on, Case.id))
             if can_view(current_user, c)]
    if not cases:
        abort(404)
    return render_template("inbox/cluster.html", cluster=group, cases=cases,
                           signers={c.id: _signers(c) for c in cases})
