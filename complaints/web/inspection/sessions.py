"""Citizen reception (tiếp công dân): compliance, sessions with the petitions raised at them,
heated cases and the prompts for an unscheduled reception."""

from __future__ import annotations

import re
import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from complaints import clock
from complaints.domain import catalog
from complaints.domain.text import name_order, normal_tracking_code
from complaints.extensions import db
from complaints.models import Case, Field, Locality, ReceptionSession
from complaints.permissions import (
    can_hold_unscheduled_reception,
    can_mark_heated,
    can_view,
    roles_required,
)
from complaints.services import duplicates, intake
from complaints.services import reception_sessions as sessions
from complaints.services import unscheduled_reception as unscheduled
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.web import sealed
from complaints.web.forms import form_errors, select_choices
from complaints.web.i18n import error_text, translate_errors
from complaints.web.inspection import bp
from complaints.web.inspection.forms import HeatedForm, ReceptionSessionForm
from complaints.web.inspection.routes import (
    MONITOR_ROLES,
    PERIOD_FIELDS,
    period_input,
    period_url_args,
    period_values,
)
from complaints.web.pagination import page_arg

RECORDING_ROLES = ("agency_head", "agency_officer", "reception")

SESSION_PINS_KEY = "session_pins"  # the PINs of the cases a session opened, sealed


@bp.app_context_processor
def _reception_helpers():
    """The case pages' notice: is an unscheduled reception due, may this user act on it?"""
    return {"unscheduled_prompt": unscheduled.prompt_for,
            "unscheduled_prompts": lambda user: unscheduled.prompts(user, 1, 20),
            "can_mark_heated": can_mark_heated,
            "can_hold_unscheduled_reception": can_hold_unscheduled_reception,
            "case_page_url": case_url}


def case_url(case: Case) -> str | None:
    """The case page this user reads the case on, or None when they may not open it."""
    if not can_view(current_user, case):
        return None
    endpoint = {"reception": "reception.case_page", "agency_head": "agency.case_page",
                "agency_officer": "agency.case_page"}.get(current_user.role,
                                                          "inspection.case_page")
    return url_for(endpoint, code=case.tracking_code)


@bp.route("/reception")
@roles_required(*MONITOR_ROLES, *RECORDING_ROLES)
def reception():
    """Leaders' reception days against the required frequency, prompts, recent sessions.

    Staff who record sessions (a reception desk included) see their own agency's only:
    compliance, prompts and sessions are each scoped to the user's agency by the services.
    The period is asked for as on the reports and the scorecard (`period_input`): a bad one
    is refused (400) with the form as typed, never answered with another period.
    """
    today = clock.today()
    period, errors = period_input(request.args, today)
    common = {"values": period_values(request.args, period), "errors": errors,
              "can_record": sessions.can_record(current_user), "today": today}
    if errors:
        return render_template("inspection/reception.html", period=None, **common), 400
    page, held_page = page_arg(), page_arg("sessions_page")
    per_page = current_app.config.get("PAGE_SIZE", 25)
    prompts, total = unscheduled.prompts(current_user, page, per_page)
    # The page links keep the period asked for (none asked: none added), and each list's
    # links the other list's page.
    asked = any(request.args.get(name) for name in PERIOD_FIELDS)
    kept = period_url_args(period) if asked else {}
    held = db.paginate(sessions.sessions_held(current_user, period.start, period.end)
                       .options(selectinload(ReceptionSession.agency)),
                       page=held_page, per_page=per_page, error_out=False)
    return render_template("inspection/reception.html", period=period,
                           rows=sessions.compliance(current_user, period.start, period.end,
                                                   today),
                           sessions=held,
                           sessions_args={**kept, **({"page": page} if page > 1 else {})},
                           prompts=prompts, prompts_total=total, page=page, per_page=per_page,
                           page_args={**kept, **({"sessions_page": held_page}
                                                 if held_page > 1 else {})},
                           case_url=case_url, **common)


def _lang() -> str:
    return str(get_locale() or "vi")


def _fill_choices(form: ReceptionSessionForm) -> None:
    lang = _lang()
    fields = select_choices(
        ((f.code, f.name(lang)) for f in sorted(db.session.scalars(
            select(Field).where(Field.active.is_(True))), key=lambda f: name_order(f.name(lang)))),
        _("— Chọn lĩnh vực —"))
    province = f"{int(current_app.config.get('PROVINCE_CODE', 31)):02d}"
    localities = select_choices(
        ((loc.code, loc.name) for loc in sorted(db.session.scalars(
            select(Locality).where(Locality.province_code == province)),
            key=lambda loc: name_order(loc.name))),
        _("— Chọn xã, phường —"))
    kinds = select_choices((c, catalog.label(catalog.KINDS, c, lang)) for c in catalog.KINDS)
    for entry in form.petitions:
        entry.form.kind.choices = kinds
        entry.form.field.choices = fields
        entry.form.locality_code.choices = localities


def _people(text: str, representative: bool) -> list[intake.PetitionerData]:
    """One person a line: "Họ tên, số điện thoại, địa chỉ" (phone and address optional; a
    denouncer gives the address, which may itself hold commas)."""
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, rest = line.partition(",")
        phone, _sep, address = rest.partition(",")
        out.append(intake.PetitionerData(full_name=name.strip(), phone=phone.strip() or None,
                                         address=address.strip() or None,
                                         is_representative=representative))
    return out


def _raised(form: ReceptionSessionForm
            ) -> tuple[list[intake.CaseData | sessions.JoinedPetition], list[tuple[int, list]]]:
    """The petitions typed in the form; for each, its row and each signer's source field."""
    rows, where = [], []
    for index, entry in enumerate(form.petitions):
        sub = entry.form
        if sub.is_blank():
            continue
        reps = _people(sub.representatives.data, True)
        members = _people(sub.members.data, False)
        main = intake.PetitionerData(
            full_name=(sub.full_name.data or "").strip(), id_number=sub.id_number.data or None,
            phone=sub.phone.data or None, address=sub.address.data or None)
        people = [main, *reps, *members]
        # A delegation (5+ people): the person named first speaks for it.
        main.is_representative = len(people) >= intake.GROUP_SIZE
        sources = ["full_name"] + ["representatives"] * len(reps) + ["members"] * len(members)
        kind = sub.kind.data
        petition = intake.PetitionData(channel="reception_session",
                                       received_on=form.held_on.data, petitioners=people,
                                       history=sub.history.data or None)
        where.append((index, sources))
        if (sub.join_code.data or "").strip():
            rows.append(sessions.JoinedPetition(sub.join_code.data, petition,
                                                note=sub.content.data or ""))
            continue
        rows.append(intake.CaseData(
            kind=kind, field_code=sub.field.data or "", subject=sub.subject.data or "",
            content=sub.content.data or "", locality_code=sub.locality_code.data or None,
            complaint_round=1 if kind == "complaint" else None, petition=petition,
            is_remote=bool(sub.is_remote.data), is_complex=bool(sub.is_complex.data)))
    return rows, where


def _row_errors(errors: dict, where: list[tuple[int, list]]) -> dict[str, str]:
    """Map the service's keys ("petitions.1.petitioners.0.full_name") onto the form's ids."""
    mapped = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] != "petitions" or len(parts) < 3:
            mapped[key] = message
            continue
        index, sources = where[int(parts[1])]
        name = parts[2]
        if name in ("received_on", "channel"):
            # The session's own date and channel: said on held_on (QA round 21: it was
            # dropped, and a refused form showed no reason at all).
            mapped.setdefault("held_on", message)
            continue
        if name == "petitioners" and len(parts) == 5:
            person = int(parts[3])
            # Only the person named first has an ID number and an address field.
            name = sources[person] if parts[4] == "full_name" or person > 0 else (
                parts[4] if parts[4] in ("id_number", "address") else sources[person])
        elif name == "petitioners":
            name = "representatives"
        mapped.setdefault(f"petitions-{index}-{name}", message)
    return mapped


_PETITION_ROW = re.compile(r"petitions-(\d+)-")


def _linked_case(code: str | None) -> Case | None:
    if not code:
        return None
    case = db.session.scalar(select(Case).where(Case.tracking_code == normal_tracking_code(code)))
    if case is None or not can_hold_unscheduled_reception(current_user, case):
        abort(404)
    return case


@bp.route("/reception/new", methods=["GET", "POST"])
@roles_required(*RECORDING_ROLES)
def new_reception_session():
    """Record a reception session of one's own agency and the petitions raised at it."""
    form = ReceptionSessionForm()
    _fill_choices(form)
    errors: dict[str, str] = {}
    warnings: dict[int, list] = {}
    if request.method == "GET":
        form.case.data = request.args.get("case") or ""
        if form.case.data:
            form.scheduled.data, form.kind.data = False, "head"
    if not form.token.data:
        form.token.data = secrets.token_urlsafe(12)
    linked = _linked_case(form.case.data)
    if request.method == "POST" and (done := intake.submitted_session(form.token.data)):
        flash(_("Buổi tiếp này đã được ghi; không ghi thêm lần nữa."), "info")
        return redirect(url_for("inspection.reception_session", session_id=done))
    # The form keeps MAX_PETITIONS rows and would drop the rest unread (QA round 21: the
    # 101st petition was lost without a word): more are refused, as the API refuses them.
    too_many = len({m.group(1) for key in request.form
                    if (m := _PETITION_ROW.match(key))}) > sessions.MAX_PETITIONS
    limit_message = _("Tối đa %(n)s đơn mỗi buổi tiếp.", n=sessions.MAX_PETITIONS)
    if request.method == "POST" and "add_petition" in request.form:
        if len(form.petitions) < sessions.MAX_PETITIONS:
            form.petitions.append_entry()
        else:
            errors["petitions"] = limit_message
        _fill_choices(form)
    elif request.method == "POST":
        if not form.validate_on_submit():
            errors = form_errors(form)
        if too_many:
            errors["petitions"] = limit_message
        rows, where = _raised(form)
        data = sessions.SessionData(
            held_on=form.held_on.data, kind=form.kind.data, place=form.place.data or "",
            leader_name=form.leader_name.data or "", scheduled=form.scheduled.data,
            is_dialogue=form.is_dialogue.data, notes=form.notes.data or "",
            counts={name: getattr(form, name).data for name in sessions.COUNTS},
            petitions=rows, case_id=linked.id if linked else None)
        if not errors and not request.form.get("confirm_new"):
            warnings = _duplicates(rows, where)
        if not errors and not warnings:
            try:
                session, opened = sessions.record_session_with_petitions(
                    data, current_user, clock.now(), clock.today())
                intake.record_submission(form.token.data, None, clock.now(),
                                         session_id=session.id)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = _row_errors(translate_errors(exc.errors), where)
            except IntegrityError:
                db.session.rollback()  # the same form, sent at the same moment, won
                if done := intake.submitted_session(form.token.data):
                    flash(_("Buổi tiếp này đã được ghi; không ghi thêm lần nữa."), "info")
                    return redirect(url_for("inspection.reception_session",
                                            session_id=done))
                raise
            else:
                db.session.commit()
                joined = [normal_tracking_code(r.tracking_code) for r in rows
                          if isinstance(r, sessions.JoinedPetition)]
                if opened:  # the PINs go to the session page sealed, not in a flash
                    sealed.put(SESSION_PINS_KEY, {"session_id": session.id, "pins": [
                        [c.tracking_code, pin] for c, pin in opened]})
                flash(_("Đã ghi buổi tiếp công dân.") + (" " + _(
                    "Đã tiếp nhận %(n)s đơn: %(codes)s.", n=len(opened),
                    codes=", ".join(c.tracking_code for c, _pin in opened))
                    if opened else "") + (" " + _(
                    "Đơn nhập vào hồ sơ đã có (không mở hồ sơ mới): %(codes)s.",
                    codes=", ".join(joined)) if joined else ""), "success")
                return redirect(url_for("inspection.reception_session", session_id=session.id))
    status = 422 if errors else 200
    return render_template("inspection/reception_form.html", form=form, errors=errors,
                           warnings=warnings, linked=linked), status


def _duplicates(rows: list[intake.CaseData | sessions.JoinedPetition], where) -> dict[int, list]:
    """Earlier cases each raised petition may repeat, by the form row (as at intake)."""
    found = {}
    for data, (index, _sources) in zip(rows, where, strict=True):
        if isinstance(data, sessions.JoinedPetition):
            continue  # the officer already named the case it repeats
        matches = duplicates.find_similar(data.petition.petitioners, data.subject, data.content,
                                          data.locality_code, clock.today(),
                                          visible_to=current_user)
        if matches:
            found[index] = matches
    return found


@bp.route("/reception/<int:session_id>")
@roles_required(*MONITOR_ROLES, *RECORDING_ROLES)
def reception_session(session_id: int):
    """One reception session with the cases opened from the petitions raised at it."""
    session = db.session.get(ReceptionSession, session_id)
    if session is None or (current_user.role not in ("inspector", "admin")
                           and session.agency_id != current_user.agency_id):
        abort(404)
    pins = None
    held = sealed.peek(SESSION_PINS_KEY)
    if held and held.get("session_id") == session.id:
        # Shown once (again after the page's language link): only their hashes are stored.
        pins = (sealed.once(SESSION_PINS_KEY) or {}).get("pins")
    cases, hidden = sessions.session_cases(session, current_user)
    response = render_template("inspection/reception_session.html", session=session,
                               cases=cases, hidden=hidden, case_url=case_url, pins=pins)
    return response, 200, {"Cache-Control": "no-store"} if pins else {}


@bp.route("/reception/heated/<code>", methods=["GET", "POST"])
@roles_required("reception", "agency_head")
def mark_heated(code: str):
    """Mark a case heated (gay gắt): its agency's head must receive the citizens unscheduled."""
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    if case is None or not can_mark_heated(current_user, case):
        abort(404)
    form = HeatedForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                unscheduled.mark_heated(case, form.note.data, current_user, clock.now(),
                                        clock.today())
            except (ValidationFailed, NotAllowed) as exc:
                db.session.rollback()
                errors = (translate_errors(exc.errors) if isinstance(exc, ValidationFailed)
                          else {"note": error_text(exc)})
            else:
                db.session.commit()
                flash(_("Đã đánh dấu vụ việc gay gắt; thủ trưởng cơ quan được nhắc tổ chức "
                        "tiếp công dân đột xuất."), "success")
                return redirect(case_url(case) or url_for("inspection.reception"))
        else:
            errors = {name: str(messages[0]) for name, messages in form.errors.items()}
    return render_template("inspection/heated.html", form=form, case=case, errors=errors,
                           back=case_url(case)), (422 if errors else 200)
