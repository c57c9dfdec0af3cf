"""The inspector's case page: what the case is (petitions, content, files, history, masked
as permissions decide), how it moved, what repeats it, its escalations, and the inspector
actions (urge, re-examine, set the lead agency, take it up)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from complaints import clock
from complaints.domain import states
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.permissions import can_view, roles_required
from complaints.services import case_view
from complaints.services import inspection as monitoring
from complaints.services import inspection_case as case_file
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.services.inspector_actions import lead_candidates
from complaints.web.forms import select_choices
from complaints.web.i18n import translate
from complaints.web.inspection import bp
from complaints.web.inspection.forms import InspectorActionForm, RevealForm
from complaints.web.inspection.routes import MONITOR_ROLES, _ack_labels, _lang


def _case_or_404(code: str) -> Case:
    """A case this user may open; another agency's case is simply not found."""
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    if case is None or not can_view(current_user, case):
        abort(404)
    return case


def _download_url(attachment) -> str:
    """The reception's download route (it checks the identity right and records a reveal)."""
    return url_for("reception.download", attachment_id=attachment.id)


@bp.route("/cases/<code>")
@roles_required(*MONITOR_ROLES)
def case_page(code: str):
    """One case for the inspector: the petitions, bounce path, repeat chain, escalations,
    actions and history."""
    return _render_case(_case_or_404(code))


@bp.route("/cases/<code>/identity", methods=["POST"])
@roles_required(*MONITOR_ROLES)
def reveal_identity(code: str):
    """Show a denouncer's identity to a reader allowed to see it; the view is audited."""
    case = _case_or_404(code)
    if not RevealForm().validate_on_submit():
        abort(400)
    try:
        case_view.reveal_identity(case, current_user, clock.now(), via="inspection")
    except NotAllowed:
        abort(403)
    db.session.commit()
    # Rendered, not redirected: a reload must not show the identity without a new record.
    body, status = _render_case(case, reveal=True)
    return body, status, {"Cache-Control": "private, no-store"}


def _render_case(case: Case, reveal: bool = False, forms: dict | None = None,
                 errors: dict | None = None, errors_for: str | None = None):
    view = case_view.build_case_page(case, current_user, reveal=reveal, actions=())
    petitions = case_file.petitions(case, view.identity_masked)
    path = monitoring.bounce_path(case)
    escalations_ = list(db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id)))
    chain = case_file.repeat_chain(case, petitions, current_user)
    return render_template(
        "inspection/case.html", case=case, view=view, petitions=petitions,
        reveal_form=RevealForm(), download_url=_download_url, path=path,
        visited=monitoring.bounce_agencies(path),
        chain=chain,
        # Named under can_see_link, opened under can_view: a case the reader may not open
        # is named without a link (QA round 41: the link answered 404).
        openable={c.id for c in chain.cases if can_view(current_user, c)},
        escalations=escalations_, ack_actions=_ack_labels(), today=clock.today(),
        offered=_offered(case),
        forms=forms or _action_forms(), errors=errors or {}, errors_for=errors_for,
        history=_inspector_history(case), action_titles_by_code={
            "urge": _("Đôn đốc cơ quan giải quyết"), "reexamine": _("Yêu cầu xem xét lại"),
            "set_lead": _("Chỉ định / thay đổi cơ quan chủ trì"),
            "take_up": _("Thanh tra trực tiếp thụ lý")},
        action_titles={"inspector_urged": _("Đôn đốc"),
                       "reexamination_ordered": _("Yêu cầu xem xét lại"),
                       "lead_set_by_inspector": _("Chỉ định cơ quan chủ trì"),
                       "taken_up_by_inspectorate": _("Thanh tra trực tiếp thụ lý")},
        ), (422 if errors else 200)


def _offered(case: Case) -> set[str]:
    """The inspector actions whose form the case page shows: the page and `act` read this
    one answer (an action posted from a stale tab is not linked to a form not shown)."""
    lead_open = "designate_lead" in states.allowed_actions(case.status)
    offered = set()
    if case.status in (states.RESOLVED, states.CLOSED):
        offered.add("reexamine")
    # Naming the lead agency, or the inspectorate taking the case up, is a move of the
    # state machine's "designate_lead": offered only where it may succeed (QA round 25).
    if lead_open:
        offered.add("take_up")
    # A suspended case stays with its holder, who may be named lead (QA round 37).
    if lead_open or case.status == states.SUSPENDED:
        offered.add("set_lead")
    if case.status not in states.FINAL_STATUSES:
        offered.add("urge")
    return offered


ACTION_MESSAGES = {
    "urge": _l("Đã đôn đốc cơ quan giải quyết."),
    "reexamine": _l("Đã yêu cầu xem xét lại."),
    "set_lead": _l("Đã chỉ định cơ quan chủ trì."),
    "take_up": _l("Thanh tra đã trực tiếp thụ lý hồ sơ."),
}
INSPECTOR_EVENTS = ("inspector_urged", "reexamination_ordered", "lead_set_by_inspector",
                    "taken_up_by_inspectorate")


def _action_forms() -> dict:
    # No agency preselected (the first by name was a reception desk, designated as the
    # binding lead by a click on the button); never a desk, which resolves nothing.
    lang = _lang()
    agencies = select_choices(sorted(
        ((a.code, case_view.agency_name(a, lang)) for a in lead_candidates()),
        key=lambda p: name_order(p[1])), _("— Chọn cơ quan —"))
    out = {}
    for action in monitoring.INSPECTOR_ACTIONS:
        form = InspectorActionForm(prefix=action)
        form.agency_code.choices = agencies
        out[action] = form
    return out


def _in_form_order(errors: dict[str, str], action: str) -> dict[str, str]:
    """The messages in the order of the fields on the page (the error summary's order)."""
    order = [f"{action}-{name}" for name in ("agency_code", "note", "confirm")]
    return dict(sorted(errors.items(),
                       key=lambda item: order.index(item[0]) if item[0] in order else -1))


def _inspector_history(case: Case) -> list:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action.in_(INSPECTOR_EVENTS))
        .order_by(AuditEvent.seq)))


@bp.route("/cases/<code>/act/<action>", methods=["POST"])
@roles_required("inspector")
def act(code: str, action: str):
    """Take an inspector action on a case; re-show the page with errors if it fails."""
    if action not in monitoring.INSPECTOR_ACTIONS:
        abort(404)
    case = _case_or_404(code)
    forms = _action_forms()
    form = forms[action]
    errors: dict[str, str] = {}
    if not form.validate_on_submit():
        errors = {f"{action}-{name}": messages[0] for name, messages in form.errors.items()}
    if action == "set_lead" and not (form.agency_code.data or "").strip():
        # Said with the other problems; the service refuses it too.
        errors[f"{action}-agency_code"] = _("Chọn cơ quan chủ trì.")
    if action in ("set_lead", "take_up") and not form.confirm.data:
        errors[f"{action}-confirm"] = _("Đánh dấu xác nhận để thực hiện.")
    errors = _in_form_order(errors, action)
    if not errors:
        now, today = clock.now(), clock.today()
        try:
            if action == "urge":
                monitoring.urge(case, form.note.data, current_user, now, today)
            elif action == "reexamine":
                monitoring.order_reexamination(case, form.note.data, current_user, now, today)
            elif action == "set_lead":
                monitoring.set_lead(case, form.agency_code.data, form.note.data, current_user,
                                    now, today)
            else:
                monitoring.take_up(case, form.note.data, current_user, now, today)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = _in_form_order({f"{action}-{k if k != 'reason' else 'note'}": translate(v)
                                     for k, v in exc.errors.items()}, action)
        else:
            db.session.commit()
            flash(str(ACTION_MESSAGES[action]), "success")
            return redirect(url_for("inspection.case_page", code=code))
    if action not in _offered(case):
        # Its form is not on the page (a stale tab): the reasons go in the summary, unlinked
        # (QA round 70).
        errors = {"__all__": " ".join(dict.fromkeys(errors.values()))}
    return _render_case(case, forms=forms, errors=errors, errors_for=action)
