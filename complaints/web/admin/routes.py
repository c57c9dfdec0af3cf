"""Administrators' pages: agencies, users, routing rules, deadline policies, calendar."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from complaints import clock
from complaints.domain import catalog
from complaints.domain.escalation import LIMIT_RULES, RUNG_BOUNDS
from complaints.domain.policies import VARIANTS, ladder_source_in, source_in
from complaints.extensions import db
from complaints.models import (
    Agency,
    CalendarOverride,
    Case,
    DeadlinePolicy,
    Field,
    RoutingRule,
    User,
)
from complaints.permissions import roles_required
from complaints.services import (
    accounts,
    audit_seals,
    case_view,
    ladder,
    pattern_rules,
    references,
)
from complaints.services import admin as admin_service
from complaints.services import calendar as calendar_service
from complaints.services import deadlines as deadline_service
from complaints.services import escalation as escalation_service
from complaints.services.errors import ValidationFailed
from complaints.web.admin import bp
from complaints.web.admin.forms import (
    AccountReasonForm,
    AgencyForm,
    CalendarOverrideForm,
    ChangeReasonForm,
    ConfirmForm,
    FieldForm,
    PasswordResetForm,
    PatternRuleForm,
    PolicyForm,
    ReasonConfirmForm,
    ResetTwoFactorForm,
    RoutingRuleForm,
    RungForm,
    UserEditForm,
    UserForm,
)
from complaints.web.forms import select_choices
from complaints.web.i18n import translate_errors
from complaints.web.pagination import ListPagination, page_arg

STAGE_NAMES = {"handling": ("Xử lý đơn", "Handling"), "acceptance": ("Thụ lý", "Acceptance"),
               "resolution": ("Giải quyết", "Resolution")}
VARIANT_NAMES = catalog.POLICY_VARIANTS
UNIT_NAMES = {"working": ("Ngày làm việc", "Working days"), "calendar": ("Ngày", "Calendar days")}


def days_text(n: int, unit: str) -> str:
    """A number of days in its unit, singular or plural as the language wants."""
    if unit == "working":
        return ngettext("%(num)s ngày làm việc", "%(num)s ngày làm việc", n)
    return ngettext("%(num)s ngày", "%(num)s ngày", n)
OVERRIDE_NAMES = {"day_off": ("Ngày nghỉ thêm (hoán đổi)", "Extra day off"),
                  "working_day": ("Ngày làm bù", "Make-up working day")}


def _lang() -> str:
    return str(get_locale() or "vi")


def _agency_name(agency: Agency) -> str:
    """An agency's name in the page's language, as elsewhere (the English one if recorded);
    the Vietnamese official name stays in the agency's form, where it is edited."""
    return case_view.agency_name(agency, _lang())


def _choices(table: dict, empty: str | None = None) -> list[SelectChoice]:
    return select_choices(((code, catalog.label(table, code, _lang())) for code in table),
                          empty)


def _apply_errors(form, errors: dict[str, str]) -> dict[str, str]:
    """Put the service's messages next to the fields; return them for the summary."""
    errors = translate_errors(errors)
    for name, message in errors.items():
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + [message]
    return errors


def _form_errors(form) -> dict[str, str]:
    # The first message of a field: "abc" needs no "must be above 0" after "not a number".
    return {name: str(messages[0]) for name, messages in form.errors.items() if messages}


def _with_service_errors(form, problems: dict[str, str]) -> dict[str, str]:
    """The form refused the input: add the service's reasons for the fields it found no
    fault with, so that one round shows every problem (not the form's, then the rest)."""
    found = {name: message for name, message in problems.items()
             if name in form._fields and not form._fields[name].errors}
    return {**_form_errors(form), **_apply_errors(form, found)}


def _render_form(form, title: str, cancel: str, errors: dict | None = None,
                 hints: dict | None = None):
    errors = errors if errors is not None else _form_errors(form)
    status = 422 if errors else 200
    return render_template("admin/form.html", form=form, title=title, cancel=cancel,
                           errors=errors, hints=hints or {}), status


def _confirm_version(form, title: str, cancel: str, summary: list, impact: list[str],
                     note: str | None = None, submit: str | None = None):
    """The second step of adding a version of a rule (or a calendar day): what it is and
    what it does. `note` replaces the reminder that a saved version stays as it is."""
    return render_template("admin/version_confirm.html", form=form, title=title,
                           cancel=cancel, summary=summary, impact=impact, note=note,
                           submit=submit)


def _confirm(title: str, message: str, cancel: str, form=None, refused: dict | None = None):
    """The confirmation step; `refused`: the service's refusal of the confirmed act, shown
    in the summary with what was typed kept (QA round 56: it was flashed on another page
    and the reason lost)."""
    form = form or ConfirmForm()
    errors = {name: str(messages[0]) for name, messages in form.errors.items() if messages}
    for key, text in translate_errors(refused or {}).items():
        errors[key if key in form._fields else "__all__"] = text
    return render_template("admin/confirm.html", form=form, title=title, message=message,
                           cancel=cancel, errors=errors), (
        422 if errors and request.method == "POST" else 200)


def _carried_out(act) -> dict | None:
    """Carry out a confirmed act: None once done and committed, else the service's refusal
    (rolled back), for _confirm to show with what was typed."""
    try:
        act()
    except ValidationFailed as exc:
        db.session.rollback()
        return exc.errors
    db.session.commit()
    return None


@bp.route("/")
@roles_required("admin")
def home():
    """Show the size of the installation and links to the reference data."""
    counts = {
        "agencies": db.session.scalar(select(func.count(Agency.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "cases": db.session.scalar(select(func.count(Case.id))),
    }
    seal = audit_seals.latest()
    sealed_on = seal.sealed_at.astimezone(clock.LOCAL_TZ).date() if seal else None
    return render_template("admin/home.html", counts=counts, seal=seal, sealed_on=sealed_on)


# --- Agencies ----------------------------------------------------------------------


def _agency_form_choices(form: AgencyForm, agency: Agency | None = None) -> None:
    levels = [(code, catalog.label(catalog.AGENCY_LEVELS, code, _lang()))
              for code in catalog.AGENCY_LEVELS]
    if agency is not None and agency.level not in catalog.AGENCY_LEVELS:
        levels.append((agency.level, agency.level))  # older data: kept until changed
    form.level.choices = select_choices(levels, _("— Chọn cấp —"))
    form.parent_code.choices = select_choices(
        ((a.code, "· " * depth + _agency_name(a)) for a, depth in admin_service.agency_tree()
         if (agency is None or a.id != agency.id)
         # A desk supervises nobody (the service refuses it): offered only where it is already.
         and (not a.is_reception_desk or (agency is not None and a.id == agency.parent_id))),
        _("— Không có (cấp cao nhất) —"))


def _agency_data(form: AgencyForm) -> admin_service.AgencyData:
    codes = tuple(c for c in re.split(r"[\s,;]+", form.locality_codes.data or "") if c)
    return admin_service.AgencyData(
        code=form.code.data, name=form.name.data, level=form.level.data,
        parent_code=form.parent_code.data or None, is_inspectorate=form.is_inspectorate.data,
        is_reception_desk=form.is_reception_desk.data,
        name_en=form.name_en.data, locality_codes=codes, active=form.active.data,
        reason=form.reason.data if "reason" in form else None)


def _page_size() -> int:
    return current_app.config.get("PAGE_SIZE", 25)


def _listed_at(endpoint: str, ids: list[int], row_id: int) -> str:
    """The page of a paged list (its ids in list order) that shows this row: where a save
    returns, so the row just added or changed is in sight."""
    page = ids.index(row_id) // _page_size() + 1 if row_id in ids else 1
    return url_for(endpoint, page=page if page > 1 else None)


def _agencies_at(agency_id: int) -> str:
    return _listed_at("admin.agencies", [a.id for a, _depth in admin_service.agency_tree()],
                      agency_id)


@bp.route("/agencies")
@roles_required("admin")
def agencies():
    """List agencies as a hierarchy, a page at a time with the total (a province counts
    hundreds: departments, districts, communes); a parent comes before its children, so a
    page may open inside a branch: the template names the parent of its first row."""
    page = ListPagination(admin_service.agency_tree(), page_arg(), _page_size())
    counts = admin_service.locality_counts([agency.id for agency, _depth in page.items])
    return render_template("admin/agencies.html", page=page, tree=page.items,
                           locality_counts=counts)


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles_required("admin")
def agency_new():
    """Create an agency."""
    form = AgencyForm()
    del form.reason  # a new agency has no state to change
    del form.seen
    _agency_form_choices(form)
    hints = {"locality_codes": _localities_hint()}
    title = _("Thêm cơ quan")
    if request.method == "POST":
        # Every problem in one round: a taken code beside an empty name (QA86-06).
        problems = admin_service.agency_problems(_agency_data(form), None)
        if not form.validate_on_submit() or problems:
            return _render_form(form, title, url_for("admin.agencies"),
                                _with_service_errors(form, problems), hints)
        try:
            agency = admin_service.create_agency(_agency_data(form), current_user, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            _agency_form_choices(form)
            return _render_form(form, title, url_for("admin.agencies"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        flash(_("Đã thêm cơ quan %(name)s.", name=_agency_name(agency)), "success")
        return redirect(_agencies_at(agency.id))
    return _render_form(form, title, url_for("admin.agencies"), hints=hints)


def _yes_no(value: bool) -> str:
    return _("Có") if value else _("Không")


def _current_hints(form, hints: dict, current: dict[str, tuple[object, str]]) -> dict:
    """Under each field whose typed value differs from the record's now, the record's value
    (`current`: field → (value to compare, text to show)): a stale form refused keeps what
    was typed and shows what another admin saved meanwhile (QA86-03)."""
    hints = dict(hints)
    for name, (value, text) in current.items():
        typed = form._fields[name].data
        if isinstance(value, str):
            typed = (typed or "").strip()
        if typed != value:
            now = _("Hiện tại: %(value)s", value=text or "—")
            hints[name] = f"{hints[name]} {now}" if hints.get(name) else now
    return hints


def _current_where_gone(field, current: str) -> None:
    """A stale form shown again: a choice typed that is no longer offered (its agency was
    recoded meanwhile) takes the record's current value, so the select does not fall back
    to "none" and a second "Lưu" move the record out (QA round 87)."""
    if field.data not in {choice.value for choice in field.choices}:
        field.data = current


def _agency_now(agency: Agency) -> dict[str, tuple[object, str]]:
    codes = sorted(loc.code for loc in agency.localities)
    parent = agency.parent.code if agency.parent else ""
    return {"code": (agency.code, agency.code), "name": (agency.name, agency.name),
            "name_en": (agency.name_en or "", agency.name_en or ""),
            "level": (agency.level, catalog.label(catalog.AGENCY_LEVELS, agency.level,
                                                  _lang())),
            "parent_code": (parent, _agency_name(agency.parent) if agency.parent else ""),
            "is_inspectorate": (agency.is_inspectorate, _yes_no(agency.is_inspectorate)),
            "is_reception_desk": (agency.is_reception_desk, _yes_no(agency.is_reception_desk)),
            "active": (agency.active, _yes_no(agency.active)),
            "locality_codes": (", ".join(codes), ", ".join(codes))}


def _localities_hint() -> str:
    return _("Mã đơn vị hành chính, cách nhau bởi dấu phẩy hoặc xuống dòng.")


def _agency_hints(agency: Agency) -> dict[str, str]:
    hints = {"locality_codes": _localities_hint(),
             "reason": _("Chỉ khi đổi ô Đang hoạt động: căn cứ (văn bản, quyết định), được "
                         "ghi vào nhật ký.")}
    if agency.active and (rules := admin_service.rules_to(agency)):
        # A closed agency's rules route nothing (routing.suggest_agency skips them): said
        # at the close step, not found out later (QA86-05).
        hints["active"] = ngettext(
            "%(num)s quy tắc chuyển đơn chỉ đến cơ quan này; khi cơ quan ngừng hoạt động, các "
            "quy tắc đó không còn được dùng: sửa hoặc xóa chúng ở trang Quy tắc chuyển đơn.",
            "%(num)s quy tắc chuyển đơn chỉ đến cơ quan này; khi cơ quan ngừng hoạt động, các "
            "quy tắc đó không còn được dùng: sửa hoặc xóa chúng ở trang Quy tắc chuyển đơn.",
            rules)
    return hints


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def agency_edit(agency_id: int):
    """Edit an agency: name, level, parent, inspectorate, localities covered."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    form = AgencyForm(obj=agency if request.method == "GET" else None)
    if request.method == "GET":
        form.parent_code.data = agency.parent.code if agency.parent else ""
        form.locality_codes.data = ", ".join(sorted(loc.code for loc in agency.localities))
        form.seen.data = admin_service.agency_fingerprint(agency)
    _agency_form_choices(form, agency)
    hints = _agency_hints(agency)
    title = _("Sửa cơ quan %(name)s", name=_agency_name(agency))
    online_desk = current_app.config.get("ONLINE_RECEPTION_AGENCY_CODE")
    if request.method == "POST":
        if not form.validate_on_submit():
            problems = admin_service.agency_problems(_agency_data(form), agency, online_desk)
            return _render_form(form, title, url_for("admin.agencies"),
                                _with_service_errors(form, problems), hints)
        was_active = agency.active
        try:
            admin_service.update_agency(agency, _agency_data(form), current_user, clock.now(),
                                        online_desk_code=online_desk,
                                        seen=form.seen.data or None)
        except ValidationFailed as exc:
            db.session.rollback()
            agency = db.session.get(Agency, agency_id)
            _agency_form_choices(form, agency)
            if admin_service.STALE_AGENCY in exc.errors.values():
                form.seen.data = admin_service.agency_fingerprint(agency)
                _current_where_gone(form.parent_code,
                                    agency.parent.code if agency.parent else "")
                hints = _current_hints(form, _agency_hints(agency), _agency_now(agency))
            return _render_form(form, title, url_for("admin.agencies"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        flash(_("Đã lưu cơ quan %(name)s.", name=_agency_name(agency)), "success")
        if was_active and not agency.active and (rules := admin_service.rules_to(agency)):
            flash(ngettext(
                "%(num)s quy tắc chuyển đơn chỉ đến cơ quan này không còn được dùng: sửa hoặc "
                "xóa chúng ở trang Quy tắc chuyển đơn.",
                "%(num)s quy tắc chuyển đơn chỉ đến cơ quan này không còn được dùng: sửa hoặc "
                "xóa chúng ở trang Quy tắc chuyển đơn.", rules), "warning")
        return redirect(_agencies_at(agency.id))
    return _render_form(form, title, url_for("admin.agencies"), hints=hints)


# --- Users -------------------------------------------------------------------------


@bp.route("/users")
@roles_required("admin")
def users():
    """List staff accounts, a page at a time with the total (a province has thousands)."""
    page = db.paginate(select(User).options(selectinload(User.agency))
                       .order_by(User.active.desc(), User.username),
                       page=page_arg(), per_page=current_app.config.get("PAGE_SIZE", 25),
                       error_out=False)
    return render_template("admin/users.html", page=page, users=page.items)


def _agency_choices(empty: str, keep: Agency | None = None) -> list[SelectChoice]:
    """Active agencies; `keep`, an account's own agency, even when closed (marked so): else
    the form showed "no agency" and a name fix moved the account out (QA86-02)."""
    return select_choices(
        ((a.code, "· " * depth + _agency_name(a)
          + ("" if a.active else " " + _("(ngừng hoạt động)")))
         for a, depth in admin_service.agency_tree()
         if a.active or (keep is not None and a.id == keep.id)), empty)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    """Create a staff account with a role and an agency."""
    form = UserForm()
    form.role.choices = _choices(catalog.ROLES, _("— Chọn vai trò —"))
    form.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan —"))
    hints = {"agency_code": _("Bắt buộc với cán bộ tiếp nhận, thủ trưởng và cán bộ xử lý; "
                              "thanh tra viên thuộc cơ quan thanh tra.")}
    if request.method == "POST":
        problems = admin_service.user_problems(
            form.username.data, form.role.data, form.password.data,
            form.agency_code.data or None, form.email.data, form.full_name.data)
        if not form.validate_on_submit() or problems:
            return _render_form(form, _("Thêm người dùng"), url_for("admin.users"),
                                _with_service_errors(form, problems), hints)
        try:
            user = admin_service.create_user(
                form.username.data, form.role.data, form.password.data, current_user,
                clock.now(), agency_code=form.agency_code.data or None,
                full_name=form.full_name.data, email=form.email.data)
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(form, _("Thêm người dùng"), url_for("admin.users"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
        return redirect(url_for("admin.users"))
    return _render_form(form, _("Thêm người dùng"), url_for("admin.users"), hints=hints)


def _user_now(user: User) -> dict[str, tuple[object, str]]:
    return {"full_name": (user.full_name or "", user.full_name or ""),
            "email": (user.email or "", user.email or ""),
            "role": (user.role, catalog.label(catalog.ROLES, user.role, _lang())),
            "agency_code": (user.agency.code if user.agency else "",
                            _agency_name(user.agency) if user.agency else "")}


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    """Change an account's name, e-mail, role or agency (a new role or agency signs it
    out everywhere)."""
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.agency_code.data = user.agency.code if user.agency else ""
        form.seen.data = admin_service.user_fingerprint(user)
    form.role.choices = _choices(catalog.ROLES, _("— Chọn vai trò —"))
    form.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan —"), keep=user.agency)
    title = _("Sửa tài khoản %(username)s", username=user.username)
    hints = {"role": _("Đổi vai trò hoặc cơ quan sẽ đăng xuất tài khoản khỏi mọi phiên và "
                       "thu hồi mã truy cập API.")}
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_form(form, title, url_for("admin.users"), hints=hints)
        try:
            admin_service.update_user(user, admin_service.UserChanges(
                form.full_name.data, form.email.data or None, form.role.data,
                form.agency_code.data or None), current_user, clock.now(),
                seen=form.seen.data or None)
        except ValidationFailed as exc:
            db.session.rollback()
            if admin_service.STALE_USER in exc.errors.values():
                user = db.session.get(User, user_id)
                form.seen.data = admin_service.user_fingerprint(user)
                form.agency_code.choices = _agency_choices(_("— Không thuộc cơ quan —"),
                                                           keep=user.agency)
                _current_where_gone(form.agency_code, user.agency.code if user.agency else "")
                hints = _current_hints(form, hints, _user_now(user))
            return _render_form(form, title, url_for("admin.users"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
        return redirect(url_for("admin.users"))
    return _render_form(form, title, url_for("admin.users"), hints=hints)


@bp.route("/users/<int:user_id>/activate", methods=["GET", "POST"])
@roles_required("admin")
def user_activate(user_id: int):
    """Let a locked account sign in again, after a confirmation step."""
    user = db.session.get(User, user_id) or abort(404)
    form = AccountReasonForm()
    refused = None
    if request.method == "POST" and form.validate_on_submit():
        refused = _carried_out(lambda: admin_service.reactivate_user(
            user, current_user, clock.now(), reason=form.reason.data))
        if refused is None:
            flash(_("Đã mở lại tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    return _confirm(_("Mở lại tài khoản"),
                    _("Mở lại tài khoản %(username)s (%(name)s)? Người dùng đăng nhập lại được "
                      "với mật khẩu hiện có.", username=user.username, name=user.full_name),
                    url_for("admin.users"), form, refused)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required("admin")
def user_password(user_id: int):
    """Set a new password for a user who lost theirs; the lockout is lifted, sessions end."""
    user = db.session.get(User, user_id) or abort(404)
    form = PasswordResetForm()
    title = _("Đặt mật khẩu mới cho %(username)s", username=user.username)
    hints = {"password": _("Báo mật khẩu trực tiếp cho người dùng; lần đăng nhập tới họ phải "
                           "đặt mật khẩu của riêng mình. Mọi phiên đăng nhập và mã truy cập "
                           "API của tài khoản sẽ chấm dứt.")}
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_form(form, title, url_for("admin.users"), hints=hints)
        try:
            revoked = admin_service.reset_password(user, form.password.data, current_user,
                                                   clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(form, title, url_for("admin.users"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        flash(_("Đã đặt mật khẩu mới cho %(username)s; đã đăng xuất mọi phiên và thu hồi "
                "%(count)s mã truy cập API.", username=user.username, count=revoked), "success")
        return redirect(url_for("admin.users"))
    return _render_form(form, title, url_for("admin.users"), hints=hints)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@roles_required("admin")
def user_deactivate(user_id: int):
    """Deactivate an account after a confirmation step."""
    user = db.session.get(User, user_id) or abort(404)
    form = AccountReasonForm()
    refused = None
    if request.method == "POST" and form.validate_on_submit():
        refused = _carried_out(lambda: admin_service.deactivate_user(
            user, current_user, clock.now(), reason=form.reason.data))
        if refused is None:
            flash(_("Đã khóa tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    message = _("Khóa tài khoản %(username)s (%(name)s)? Người dùng sẽ bị đăng xuất và không "
                "đăng nhập được nữa; lịch sử vẫn được giữ.", username=user.username,
                name=user.full_name)
    held = admin_service.open_cases_of(user)
    if held:  # locking is never refused (a stolen account), but the cases must move on
        message += " " + _("Tài khoản đang được giao %(n)s hồ sơ chưa kết thúc: %(codes)s. "
                           "Báo thủ trưởng cơ quan giao lại các hồ sơ này.", n=len(held),
                           codes=", ".join(held))
    if refused is None and request.method == "GET":
        # Said on the first step when the service will refuse (the desk's last officer).
        refused = admin_service.deactivation_problems(user, current_user) or None
    return _confirm(_("Khóa tài khoản"), message, url_for("admin.users"), form, refused)


@bp.route("/users/<int:user_id>/reset-2fa", methods=["GET", "POST"])
@roles_required("admin")
def user_reset_2fa(user_id: int):
    """Reset a user's two-factor sign-in (lost phone), with a reason, after confirmation."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("Không thể tự đặt lại xác thực hai bước của mình."), "error")
        return redirect(url_for("admin.users"))
    form = ResetTwoFactorForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            revoked = accounts.reset_two_factor(user, current_user, form.reason.data,
                                                clock.now())
        except accounts.AccountError:
            db.session.rollback()
            errors["reason"] = _("Lý do từ 10 đến 500 ký tự.")
        else:
            db.session.commit()
            flash(_("Đã đặt lại xác thực hai bước của %(username)s; đã đăng xuất mọi phiên "
                    "và thu hồi %(count)s mã truy cập API.", username=user.username,
                    count=revoked), "success")
            return redirect(url_for("admin.users"))
    errors = _form_errors(form) | errors
    errors.pop("csrf_token", None)
    return render_template("admin/reset_2fa.html", form=form, user=user, errors=errors), (
        422 if errors else 200)


# --- Fields (lĩnh vực) --------------------------------------------------------------


@bp.route("/fields")
@roles_required("admin")
def fields():
    """List the fields of law with their report category and how many cases each has, a
    page at a time with the total."""
    page = db.paginate(select(Field).order_by(Field.active.desc(), Field.code),
                       page=page_arg(), per_page=_page_size(), error_out=False)
    return render_template("admin/fields.html", page=page, rows=page.items,
                           case_counts=admin_service.field_case_counts())


def _field_form(form: FieldForm) -> FieldForm:
    form.report_category.choices = _choices(catalog.REPORT_CATEGORIES,
                                            _("— Chọn nhóm lĩnh vực —"))
    return form


def _field_hints() -> dict[str, str]:
    return {"code": _("Chữ cái không dấu, chữ số, dấu chấm hoặc gạch; không đổi được sau khi "
                      "tạo (quy tắc chuyển đơn và ứng dụng kết nối dùng mã này)."),
            "report_category": _("Nhóm mà các biểu mẫu báo cáo (02/XLD, 03/GQKN, 04/GQTC) đếm "
                                 "hồ sơ của lĩnh vực này. Không đổi được khi lĩnh vực đã có "
                                 "hồ sơ.")}


def _field_data(form: FieldForm, code: str | None = None) -> admin_service.FieldData:
    return admin_service.FieldData(code=code if code is not None else form.code.data,
                                   name_vi=form.name_vi.data, name_en=form.name_en.data,
                                   report_category=form.report_category.data)


@bp.route("/fields/new", methods=["GET", "POST"])
@roles_required("admin")
def field_new():
    """Add a field of law, counted under the report category chosen."""
    form = _field_form(FieldForm())
    title = _("Thêm lĩnh vực")
    if request.method == "POST":
        problems = admin_service.field_problems(_field_data(form))
        if not form.validate_on_submit() or problems:
            return _render_form(form, title, url_for("admin.fields"),
                                _with_service_errors(form, problems), _field_hints())
        row = admin_service.create_field(_field_data(form), current_user, clock.now())
        db.session.commit()
        references.invalidate()
        flash(_("Đã thêm lĩnh vực %(name)s.", name=row.name(_lang())), "success")
        return redirect(url_for("admin.fields"))
    return _render_form(form, title, url_for("admin.fields"), hints=_field_hints())


@bp.route("/fields/<int:field_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def field_edit(field_id: int):
    """Rename a field (its code stays), or move one without cases to another category."""
    row = db.session.get(Field, field_id) or abort(404)
    form = _field_form(FieldForm(obj=row if request.method == "GET" else None))
    del form.code
    title = _("Sửa lĩnh vực %(code)s", code=row.code)
    if form.validate_on_submit():
        try:
            admin_service.update_field(row, _field_data(form, row.code), current_user,
                                       clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(form, title, url_for("admin.fields"),
                                _apply_errors(form, exc.errors), _field_hints())
        db.session.commit()
        references.invalidate()
        flash(_("Đã lưu lĩnh vực %(name)s.", name=row.name(_lang())), "success")
        return redirect(url_for("admin.fields"))
    return _render_form(form, title, url_for("admin.fields"), hints=_field_hints())


def _field_state(field_id: int, active: bool):
    row = db.session.get(Field, field_id) or abort(404)
    form = ChangeReasonForm()
    refused = None
    if request.method == "POST" and form.validate_on_submit():
        refused = _carried_out(lambda: admin_service.set_field_active(
            row, active, current_user, clock.now(), reason=form.reason.data))
        if refused is None:
            references.invalidate()
            flash(_("Đã mở lại lĩnh vực %(name)s.", name=row.name(_lang())) if active else
                  _("Đã ngừng dùng lĩnh vực %(name)s.", name=row.name(_lang())), "success")
            return redirect(url_for("admin.fields"))
    if active:
        return _confirm(_("Mở lại lĩnh vực"),
                        _("Mở lại lĩnh vực %(name)s? Lĩnh vực lại được chọn cho đơn mới.",
                          name=row.name(_lang())), url_for("admin.fields"), form, refused)
    return _confirm(_("Ngừng dùng lĩnh vực"),
                    _("Ngừng dùng lĩnh vực %(name)s cho đơn mới? Hồ sơ, quy tắc chuyển đơn "
                      "và báo cáo đã có vẫn giữ lĩnh vực này; đơn mới phải chọn lĩnh vực "
                      "khác.", name=row.name(_lang())), url_for("admin.fields"), form, refused)


@bp.route("/fields/<int:field_id>/deactivate", methods=["GET", "POST"])
@roles_required("admin")
def field_deactivate(field_id: int):
    """Stop offering a field for new petitions, with a reason, after confirmation."""
    return _field_state(field_id, False)


@bp.route("/fields/<int:field_id>/activate", methods=["GET", "POST"])
@roles_required("admin")
def field_activate(field_id: int):
    """Offer a stopped field again, with a reason, after confirmation."""
    return _field_state(field_id, True)


# --- Routing rules -----------------------------------------------------------------


@bp.route("/routing-rules")
@roles_required("admin")
def routing_rules():
    """List routing rules (field × locality × kind → agency), highest priority first, a page
    at a time with the total (a rule per field and commune runs into thousands)."""
    page = db.paginate(select(RoutingRule).order_by(RoutingRule.priority.desc(),
                                                    RoutingRule.id),
                       page=page_arg(), per_page=current_app.config.get("PAGE_SIZE", 25),
                       error_out=False)
    return render_template("admin/routing_rules.html", page=page, rules=page.items)


@bp.route("/routing-rules/new", methods=["GET", "POST"])
@roles_required("admin")
def routing_rule_new():
    """Add a routing rule."""
    form = RoutingRuleForm()
    fields = db.session.scalars(select(Field).where(Field.active.is_(True)).order_by(Field.code))
    form.field_code.choices = select_choices(((f.code, f.name(_lang())) for f in fields),
                                             _("— Mọi lĩnh vực —"))
    form.kind.choices = _choices(catalog.KINDS, _("— Mọi loại đơn —"))
    form.agency_code.choices = _agency_choices(_("— Chọn cơ quan —"))
    hints = {"priority": _("Quy tắc có ưu tiên cao hơn được dùng trước khi nhiều quy tắc "
                           "cùng khớp.")}
    if form.validate_on_submit():
        data = admin_service.RoutingRuleData(
            agency_code=form.agency_code.data, field_code=form.field_code.data or None,
            locality_code=(form.locality_code.data or "").strip() or None,
            kind=form.kind.data or None, priority=form.priority.data or 0, note=form.note.data)
        try:
            admin_service.create_routing_rule(data, current_user, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(form, _("Thêm quy tắc chuyển đơn"),
                                url_for("admin.routing_rules"), _apply_errors(form, exc.errors),
                                hints)
        db.session.commit()
        flash(_("Đã thêm quy tắc chuyển đơn."), "success")
        return redirect(url_for("admin.routing_rules"))
    return _render_form(form, _("Thêm quy tắc chuyển đơn"), url_for("admin.routing_rules"),
                        hints=hints)


@bp.route("/routing-rules/<int:rule_id>/delete", methods=["GET", "POST"])
@roles_required("admin")
def routing_rule_delete(rule_id: int):
    """Delete a routing rule after a confirmation step."""
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    form = ReasonConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        admin_service.delete_routing_rule(rule, current_user, clock.now(),
                                          reason=form.reason.data.strip())
        db.session.commit()
        flash(_("Đã xóa quy tắc chuyển đơn."), "success")
        return redirect(url_for("admin.routing_rules"))
    return _confirm(_("Xóa quy tắc chuyển đơn"),
                    _("Xóa quy tắc chuyển đơn đến %(agency)s?", agency=_agency_name(rule.agency)),
                    url_for("admin.routing_rules"), form)


# --- Deadline policies -------------------------------------------------------------


# One version per key (a unique constraint): a total order, stable from page to page.
POLICY_ORDER = (DeadlinePolicy.stage, DeadlinePolicy.kind, DeadlinePolicy.round,
                DeadlinePolicy.variant, DeadlinePolicy.effective_from)


@bp.route("/policies")
@roles_required("admin")
def policies():
    """List every version of every deadline policy (history is kept, never edited), a page
    at a time with the total: versions only accumulate."""
    page = db.paginate(select(DeadlinePolicy).order_by(*POLICY_ORDER),
                       page=page_arg(), per_page=_page_size(), error_out=False)
    return render_template("admin/policies.html", page=page, policies=page.items,
                           source_text=lambda source: source_in(source, _lang()),
                           stage_name=lambda c: catalog.label(STAGE_NAMES, c, _lang()),
                           variant_name=lambda c: catalog.label(VARIANT_NAMES, c, _lang()),
                           unit_name=lambda c: catalog.label(UNIT_NAMES, c, _lang()),
                           days_text=days_text)


def _round_names() -> list[tuple[int, str]]:
    return [(0, _("Mọi lần / không áp dụng")), (1, _("Lần đầu")), (2, _("Lần hai"))]


@bp.route("/policies/new", methods=["GET", "POST"])
@roles_required("admin")
def policy_new():
    """Add a new version of a policy from a date; open cases' deadlines are recomputed."""
    form = PolicyForm()
    form.stage.choices = _choices(STAGE_NAMES)
    form.kind.choices = _choices(catalog.KINDS)
    form.round.choices = select_choices(_round_names())
    form.variant.choices = select_choices(
        (v, catalog.label(VARIANT_NAMES, v, _lang())) for v in VARIANTS)
    form.unit.choices = _choices(UNIT_NAMES)
    base = request.args.get("from", type=int)
    if request.method == "GET" and base:
        # Past the largest id a column holds: no such version (QA 47: a 500 on SQLite).
        row = (db.session.get(DeadlinePolicy, base) if 0 < base < 2**31 else None) or abort(404)
        for name in ("stage", "kind", "round", "variant", "days", "unit", "extension_days",
                     "max_extensions", "source"):
            getattr(form, name).data = getattr(row, name)
    hints = {"effective_from": _("Phiên bản mới áp dụng cho giai đoạn bắt đầu từ ngày này; "
                                 "thời hạn của hồ sơ đang mở được tính lại.")}
    title = _("Thêm phiên bản chính sách thời hạn")
    if request.method == "POST":
        data = admin_service.PolicyData(**{name: form[name].data for name in (
            "stage", "kind", "round", "variant", "days", "unit", "extension_days",
            "max_extensions", "effective_from", "source")})
        cancel = url_for("admin.policies")
        if not form.validate_on_submit():
            return _render_form(form, title, cancel, _with_service_errors(
                form, admin_service.policy_problems(data)), hints)
        problems = admin_service.policy_problems(data)
        if problems:
            return _render_form(form, title, cancel, _apply_errors(form, problems), hints)
        if "edit" in request.form:  # back from the confirmation, with what was typed
            return _render_form(form, title, cancel, hints=hints)
        if request.form.get("confirmed") != "1":
            # A version is never edited or removed: show what it does before it is saved.
            moved, one_by_one = admin_service.policy_impact(data)
            impact = [_("%(n)s thời hạn đang chạy sẽ đổi ngày đến hạn.", n=moved)]
            if one_by_one:
                impact.append(_("%(n)s hồ sơ từng tạm đình chỉ được tính lại riêng khi lưu.",
                                n=one_by_one))
            return _confirm_version(form, _("Xác nhận phiên bản chính sách thời hạn"), cancel, [
                (_("Giai đoạn"), catalog.label(STAGE_NAMES, data.stage, _lang())),
                (_("Loại đơn"), catalog.label(catalog.KINDS, data.kind, _lang())),
                (_("Lần khiếu nại"), dict(_round_names())[data.round]),
                (_("Trường hợp áp dụng"), catalog.label(VARIANT_NAMES, data.variant, _lang())),
                (_("Số ngày"), f"{data.days} "
                 f"{catalog.label(UNIT_NAMES, data.unit, _lang()).lower()}"),
                (_("Áp dụng từ"), data.effective_from.strftime("%d/%m/%Y")),
                (_("Căn cứ"), data.source)], impact)
        try:
            row, changed = admin_service.add_policy_version(data, current_user, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            deadline_service.invalidate()
            return _render_form(form, title, url_for("admin.policies"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        deadline_service.invalidate()  # other requests must read the committed versions
        flash(_("Đã thêm phiên bản chính sách; %(n)s thời hạn của hồ sơ đang mở đã được "
                "tính lại.", n=changed), "success")
        return redirect(_listed_at("admin.policies", list(db.session.scalars(
            select(DeadlinePolicy.id).order_by(*POLICY_ORDER))), row.id))
    return _render_form(form, title, url_for("admin.policies"), hints=hints)


# --- Pattern thresholds (evasion, repeated and mass petitions) --------------------------------

LIMIT_NAMES = {
    "mass_petitioners": ("Số người tối thiểu của đơn đông người",
                         "Minimum people for a mass petition"),
    "mass_window_days": ("Khoảng ngày gom đơn cùng vụ việc (đông người)",
                         "Days within which petitions form one mass matter"),
    "repeat_petitions": ("Số đơn cùng vụ việc để coi là kéo dài",
                         "Petitions on one matter that make it repeated"),
    "repeat_window_months": ("Trong số tháng (kéo dài)", "Within months (repeated)"),
    "similar_subject": ("Độ giống trích yếu tối thiểu (0–100)",
                        "Minimum subject similarity (0–100)"),
    "evasion_moves": ("Số lần trả lại hoặc chuyển đi để coi là đùn đẩy",
                      "Returns or transfers of one case that make it evaded"),
}


@bp.route("/patterns")
@roles_required("admin")
def patterns():
    """The repeated / mass thresholds in force today and every version (never edited)."""
    today = clock.today()
    versions = pattern_rules.versions()  # newest first within each threshold
    english = _lang() == "en"

    def basis_of(code: str, source: str | None) -> str:
        """A version's basis as its admin typed it; the seeded default's in English when
        the page is."""
        rule = LIMIT_RULES.get(code)
        if rule is not None and (not source or source == rule.source):
            return rule.source_en if english else rule.source
        return source or ""

    in_force = {code: basis_of(code, next((v.source for v in versions
                                           if v.code == code and v.effective_from <= today),
                                          None))
                for code in LIMIT_RULES}
    return render_template("admin/patterns.html", current=pattern_rules.limits(today),
                           versions=versions, today=today, basis=in_force, basis_of=basis_of,
                           codes=list(LIMIT_RULES),
                           limit_name=lambda c: catalog.label(LIMIT_NAMES, c, _lang()))


@bp.route("/patterns/new", methods=["GET", "POST"])
@roles_required("admin")
def pattern_new():
    """Add a version of a threshold from a date (petitions received from then on)."""
    form = PatternRuleForm()
    form.code.choices = _choices(LIMIT_NAMES, _("— Chọn ngưỡng —"))
    today = clock.today()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")
        if form.code.data in LIMIT_RULES:
            form.value.data = getattr(pattern_rules.limits(today), form.code.data)
        form.effective_from.data = today
    hints = {"effective_from": _("Áp dụng cho đơn nhận từ ngày này (ngưỡng đùn đẩy: cho lần "
                                 "trả lại, chuyển đi từ ngày này); các vụ việc đã đánh dấu "
                                 "(hoặc chưa) trước đó giữ nguyên."),
             "value": "; ".join(_("%(name)s: %(low)s–%(high)s", name=catalog.label(
                 LIMIT_NAMES, code, _lang()), low=rule.low, high=rule.high)
                 for code, rule in LIMIT_RULES.items())}
    title = _("Thêm phiên bản ngưỡng đùn đẩy, đơn đông người, kéo dài")
    if request.method == "POST":
        data = pattern_rules.LimitData(code=form.code.data, value=form.value.data,
                                       effective_from=form.effective_from.data,
                                       source=form.source.data)
        if not form.validate_on_submit():
            return _render_form(form, title, url_for("admin.patterns"), _with_service_errors(
                form, pattern_rules.problems(data, today)), hints)
        try:
            pattern_rules.add_version(data, current_user, today, clock.now())
        except ValidationFailed as exc:  # refused before anything was written
            db.session.rollback()
            return _render_form(form, title, url_for("admin.patterns"),
                                _apply_errors(form, exc.errors), hints)
        db.session.commit()
        pattern_rules.invalidate()  # other requests of this process read the committed row
        flash(_("Đã thêm phiên bản ngưỡng."), "success")
        return redirect(url_for("admin.patterns"))
    return _render_form(form, title, url_for("admin.patterns"), hints=hints)


# --- Escalation ladder ---------------------------------------------------------------


def _level_name(rung) -> str:
    return _("Bậc %(level)s — %(name)s", level=rung.level,
             name=catalog.label(catalog.ESCALATION_REASONS, rung.code, _lang()))


@bp.route("/ladder")
@roles_required("admin")
def ladder_rungs():
    """The escalation ladder in force today, versions to come, and every version."""
    today = clock.today()
    steps = deadline_service.ladder()
    return render_template(
        "admin/ladder.html", current=steps.on(today), versions=ladder.versions(), today=today,
        pending=escalation_service.attention_outdated(), level_name=_level_name,
        level_hint=lambda level: catalog.label(catalog.LADDER_AUDIENCES, level, _lang()),
        unit_name=lambda c: catalog.label(UNIT_NAMES, c, _lang()), days_text=days_text,
        source_text=lambda source: ladder_source_in(source, _lang()))


@bp.route("/ladder/new", methods=["GET", "POST"])
@roles_required("admin")
def rung_new():
    """Add a version of a rung from a date (sweeps from that day on apply it)."""
    form = RungForm()
    steps = deadline_service.ladder()
    if not steps:  # nothing seeded: the list page says how to load the defaults
        return redirect(url_for("admin.ladder_rungs"))
    form.level.choices = select_choices((r.level, _level_name(r)) for r in steps)
    form.unit.choices = _choices(UNIT_NAMES)
    today = clock.today()
    if request.method == "GET":
        chosen = request.args.get("level", type=int)
        rung = next((r for r in steps.on(today) if r.level == chosen), None) or steps[0]
        form.level.data, form.offset_days.data, form.unit.data = (rung.level, rung.offset_days,
                                                                  rung.unit)
        form.effective_from.data = today
    hints = {"offset_days": " ".join([_("Số âm: trước hạn; số dương: sau hạn.")] + [
                 _("Bậc %(level)s: %(low)s đến %(high)s, %(what)s.", level=level, low=low,
                   high=high, what=catalog.label(catalog.LADDER_AUDIENCES, level, _lang()))
                 for level, (low, high) in RUNG_BOUNDS.items()]),
             "effective_from": _("Các lượt quét từ ngày này áp dụng phiên bản mới; hạn xem "
                                 "xét của hồ sơ đang mở được tính lại ở lượt quét kế tiếp.")}
    title = _("Thêm phiên bản bậc leo thang")
    cancel = url_for("admin.ladder_rungs")
    if request.method == "POST":
        valid = form.validate_on_submit()
        data = ladder.RungData(level=form.level.data, offset_days=form.offset_days.data,
                               unit=form.unit.data, effective_from=form.effective_from.data,
                               source=form.source.data)
        if not valid:
            return _render_form(form, title, cancel,
                                _with_service_errors(form, ladder.problems(data, today)), hints)
        problems = ladder.problems(data, today)
        if problems:
            return _render_form(form, title, cancel, _apply_errors(form, problems), hints)
        if "edit" in request.form:  # back from the confirmation, with what was typed
            return _render_form(form, title, cancel, hints=hints)
        if request.form.get("confirmed") != "1":
            # A version is never edited or removed: show what it does before it is saved.
            rung = next(r for r in steps if r.level == data.level)
            impact = ladder.impact(data, today)
            return _confirm_version(form, _("Xác nhận phiên bản bậc leo thang"), cancel, [
                (_("Bậc"), _level_name(rung)),
                (_("Số ngày so với hạn"), f"{data.offset_days} "
                 f"{catalog.label(UNIT_NAMES, data.unit, _lang()).lower()}"),
                (_("Áp dụng từ"), data.effective_from.strftime("%d/%m/%Y")),
                (_("Căn cứ"), data.source)], [
                _("%(n)s hồ sơ leo thang sớm hơn dự kiến, trong đó %(m)s hồ sơ đã đến hạn và "
                  "sẽ leo thang ở lượt quét kế tiếp;", n=impact.earlier, m=impact.due_now),
                _("%(n)s hồ sơ leo thang muộn hơn dự kiến.", n=impact.later)])
        try:
            ladder.add_version(data, current_user, today, clock.now())
        except ValidationFailed as exc:  # refused before anything was written
            db.session.rollback()
            return _render_form(form, title, cancel, _apply_errors(form, exc.errors), hints)
        db.session.commit()
        deadline_service.invalidate()  # other requests of this process read the committed row
        flash(_("Đã thêm phiên bản bậc leo thang; hạn xem xét của hồ sơ đang mở sẽ được tính "
                "lại ở lượt quét kế tiếp."), "success")
        return redirect(cancel)
    return _render_form(form, title, cancel, hints=hints)


# --- Calendar overrides ------------------------------------------------------------


@bp.route("/calendar")
@roles_required("admin")
def calendar():
    """List the government's day swaps entered by administrators, a page at a time with
    the total (QA86-04)."""
    page = db.paginate(select(CalendarOverride).order_by(CalendarOverride.day.desc(),
                                                         CalendarOverride.id),
                       page=page_arg(), per_page=_page_size(), error_out=False)
    return render_template("admin/calendar.html", page=page, overrides=page.items,
                           kind_name=lambda c: catalog.label(OVERRIDE_NAMES, c, _lang()))


@bp.route("/calendar/new", methods=["GET", "POST"])
@roles_required("admin")
def calendar_new():
    """Add an extra day off or a make-up working day; open deadlines are recomputed.

    Confirmed in a second step that says how many running deadlines the day moves: a day
    off added in a large province moves tens of thousands of due dates at once."""
    form = CalendarOverrideForm()
    form.kind.choices = _choices(OVERRIDE_NAMES)
    title = _("Thêm ngày nghỉ hoặc ngày làm bù")
    cancel = url_for("admin.calendar")
    if request.method != "POST":
        return _render_form(form, title, cancel)
    problems = admin_service.calendar_problems(form.day.data, form.kind.data,
                                               form.description.data)
    if not form.validate_on_submit():
        return _render_form(form, title, cancel, _with_service_errors(form, problems))
    if problems:
        return _render_form(form, title, cancel, _apply_errors(form, problems))
    if "edit" in request.form:  # back from the confirmation, with what was typed
        return _render_form(form, title, cancel)
    if request.form.get("confirmed") != "1":
        moved, one_by_one = admin_service.calendar_impact(form.day.data, form.kind.data,
                                                          form.description.data)
        return _confirm_version(form, _("Xác nhận điều chỉnh lịch"), cancel, [
            (_("Ngày"), form.day.data.strftime("%d/%m/%Y")),
            (_("Loại điều chỉnh"), catalog.label(OVERRIDE_NAMES, form.kind.data, _lang())),
            (_("Căn cứ, mô tả"), form.description.data)],
            _calendar_impact_lines(moved, one_by_one),
            note=_("Điều chỉnh đã lưu có thể xóa; khi xóa, thời hạn được tính lại."),
            submit=_("Xác nhận thêm điều chỉnh"))
    try:
        _row, changed = admin_service.add_calendar_override(
            form.day.data, form.kind.data, form.description.data, current_user, clock.now())
    except ValidationFailed as exc:
        db.session.rollback()
        calendar_service.invalidate()
        return _render_form(form, title, cancel, _apply_errors(form, exc.errors))
    db.session.commit()
    calendar_service.invalidate()  # other requests must read the committed calendar
    flash(_("Đã thêm điều chỉnh lịch; %(n)s thời hạn của hồ sơ đang mở đã được tính lại.",
            n=changed), "success")
    return redirect(cancel)


def _calendar_impact_lines(moved: int, one_by_one: int) -> list[str]:
    lines = [_("%(n)s thời hạn đang chạy sẽ đổi ngày đến hạn.", n=moved)]
    if one_by_one:
        lines.append(_("%(n)s hồ sơ từng tạm đình chỉ được tính lại riêng khi lưu.",
                       n=one_by_one))
    return lines


@bp.route("/calendar/<int:override_id>/delete", methods=["GET", "POST"])
@roles_required("admin")
def calendar_delete(override_id: int):
    """Delete a calendar override after a confirmation step."""
    override = db.session.get(CalendarOverride, override_id) or abort(404)
    form = ReasonConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        changed = admin_service.delete_calendar_override(override, current_user, clock.now(),
                                                         reason=form.reason.data.strip())
        db.session.commit()
        calendar_service.invalidate()
        flash(_("Đã xóa điều chỉnh lịch; %(n)s thời hạn của hồ sơ đang mở đã được tính lại.",
                n=changed), "success")
        return redirect(url_for("admin.calendar"))
    moved, one_by_one = admin_service.calendar_impact(override.day)
    return _confirm(_("Xóa điều chỉnh lịch"),
                    " ".join([_("Xóa điều chỉnh ngày %(day)s (%(description)s)?",
                                day=override.day.strftime("%d/%m/%Y"),
                                description=override.description),
                              *_calendar_impact_lines(moved, one_by_one)]),
                    url_for("admin.calendar"), form)
