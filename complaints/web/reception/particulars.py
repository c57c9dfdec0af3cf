"""The desk corrects a case's particulars before routing: its field of law (lĩnh vực), its
locality (địa bàn) and its subject (trích yếu) (services/corrections.correct_particulars)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from complaints import clock
from complaints.domain import states
from complaints.extensions import db
from complaints.models import Case
from complaints.permissions import can_add_petition, can_view, roles_required
from complaints.services import corrections, intake
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.web.forms import attach_errors, page_errors
from complaints.web.i18n import error_text
from complaints.web.reception import bp
from complaints.web.reception.forms import CorrectParticularsForm
from complaints.web.reception.routes import fill_matter_choices


def _desk_case(code: str) -> Case:
    """The case, for the desk that received it (permissions.can_add_petition): one the user
    may not see is not found, as on the case page; one it may see but not correct, 403."""
    try:
        case = intake.get_case(code)
    except NotFound:
        abort(404)
    if not can_view(current_user, case):
        abort(404)
    if not can_add_petition(current_user, case):
        abort(403)
    return case


def _province_of(case: Case) -> str:
    """The province whose communes the form lists first: the case's, else the installation's."""
    locality = case.locality
    if locality is not None:
        return locality.province_code or locality.code
    return f"{int(current_app.config.get('PROVINCE_CODE', 31)):02d}"


def _fill_choices(form: CorrectParticularsForm, case: Case) -> None:
    """The selects: active fields (and the case's own, which may stay though stopped), the
    provinces, and the communes of the chosen province (with the case's own locality)."""
    fill_matter_choices(form, str(get_locale() or "vi"), _province_of(case),
                        field_id=case.field_id, locality_code=case.locality_code)


@bp.route("/cases/<code>/particulars", methods=["GET", "POST"])
@roles_required("reception")
def correct_particulars(code: str):
    """Correct the case's field, locality and subject chosen or typed wrongly at intake:
    the desk that received it, before routing, with a reason (audited)."""
    case = _desk_case(code)
    back = url_for("reception.case_page", code=code)
    if not corrections.may_correct_particulars(current_user, case):
        flash(_("Không thực hiện được: chỉ sửa được thông tin hồ sơ khi hồ sơ còn ở bộ phận "
                "tiếp nhận (chưa chuyển, hoặc đã bị trả lại). Hồ sơ đã chuyển thì cơ quan "
                "đang giữ hồ sơ chuyển cơ quan khác hoặc trả lại đơn."), "error")
        return redirect(back)
    form = CorrectParticularsForm(data={
        "field": case.field.code, "locality_code": case.locality_code or "",
        "subject": case.subject, "seen": corrections.particulars_fingerprint(case)})
    _fill_choices(form, case)
    errors: dict[str, str] = {}
    # "change_province": the commune list of another province, without JavaScript.
    if "change_province" not in request.form and form.validate_on_submit():
        # An empty commune keeps a case that has none as it is; for one that has a
        # locality it is refused ("Chọn xã, phường."), not taken as "no change".
        locality = form.locality_code.data or ("" if case.locality_code else None)
        try:
            corrections.correct_particulars(
                case, form.field.data, locality, form.subject.data, form.reason.data,
                current_user._get_current_object(), clock.now(), clock.today(),
                seen=form.seen.data or None)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = attach_errors(form, exc.errors)
            if "seen" in exc.errors:  # corrected by someone else meanwhile: show theirs
                case = db.session.get(Case, case.id)
                form.field.data, form.subject.data = case.field.code, case.subject
                form.locality_code.data = case.locality_code or ""
                form.province.data = _province_of(case)
                form.seen.data = corrections.particulars_fingerprint(case)
                _fill_choices(form, case)
        except (NotAllowed, states.InvalidTransition) as exc:
            db.session.rollback()
            flash(_("Không thực hiện được: %(reason)s", reason=error_text(exc)), "error")
            return redirect(back)
        else:
            db.session.commit()
            flash(_("Đã sửa thông tin hồ sơ."), "success")
            return redirect(back)
    errors = page_errors(form, errors)
    return render_template("reception/correct_particulars.html", case=case, form=form,
                           errors=errors, back_url=back), (422 if errors else 200)
