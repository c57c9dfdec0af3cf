"""Administrators' pages for petitioners' personal data: find, export, anonymise."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from complaints import clock
from complaints.extensions import db
from complaints.models import Petitioner
from complaints.permissions import roles_required
from complaints.services import personal_data
from complaints.services.errors import ValidationFailed
from complaints.web.admin import bp
from complaints.web.forms import Form, Visible, form_errors
from complaints.web.i18n import translate
from complaints.web.pagination import page_arg


class ExportForm(Form):
    """Only the CSRF token: an export is recorded in the audit trail, so it is a POST."""


class AnonymiseForm(Form):
    ground = SelectField(
        _l("Căn cứ ẩn danh"),
        choices=[SelectChoice("", _l("— Chọn —")),
                 SelectChoice("retention_expired", _l("Hết thời hạn lưu trữ")),
                 SelectChoice("petitioner_request", _l("Theo yêu cầu của người dân"))],
        validators=[InputRequired(_l("Chọn căn cứ ẩn danh."))],
    )


_GROUND = _l("Nêu căn cứ xem (ví dụ: số phiếu yêu cầu của người dân).")


class RevealForm(Form):
    ground = TextAreaField(
        _l("Căn cứ xem"),
        description=_l("Ví dụ: số phiếu yêu cầu của người dân, văn bản của cơ quan có thẩm "
                       "quyền. Được ghi vào nhật ký."),
        validators=[DataRequired(_GROUND), Visible(_GROUND), Length(max=500)])


def _retention_years() -> int:
    return int(current_app.config.get("RETENTION_YEARS", 5))


def _blocker_message(check: personal_data.Eligibility) -> str | None:
    """Say in words why the petitioner may not be anonymised yet (None: they may)."""
    if check.already:
        return _("Người này đã được ẩn danh.")
    if check.open_cases:
        return _("Không thể ẩn danh: còn vụ việc chưa kết thúc (%(codes)s).",
                 codes=", ".join(check.open_cases))
    if check.retained_until is not None:
        return _("Không thể ẩn danh: chưa hết thời hạn lưu trữ %(years)d năm "
                 "(đến ngày %(day)s).", years=_retention_years(),
                 day=check.retained_until.strftime("%d/%m/%Y"))
    return None


TAIL_DIGITS = 3


def _tail(number: str | None) -> str:
    """An ID number or phone shown by its last digits only (enough to tell namesakes
    apart); the whole of it is on the petitioner's page, opened on a recorded ground."""
    if not number:
        return "—"
    return "*" * max(len(number) - TAIL_DIGITS, 0) + number[-TAIL_DIGITS:]


@bp.route("/personal-data")
@roles_required("admin")
def personal_data_search():
    """Find petitioners by name, ID number or phone; each search is audited.

    Every row reads alike (a denouncer is found, for their own request must reach them,
    and not told apart from anyone else); every petitioner's page asks for a ground."""
    q = request.args.get("q", "").strip()[:200]
    page = None
    if q:
        page = db.paginate(personal_data.petitioners_matching(q), page=page_arg(),
                           per_page=current_app.config.get("PAGE_SIZE", 25), error_out=False)
        personal_data.record_search(q, page.total, current_user, clock.now())
        db.session.commit()
    return render_template("admin/personal_data.html", q=q, page=page, tail=_tail)


@bp.route("/personal-data/<int:petitioner_id>", methods=["GET", "POST"])
@roles_required("admin")
def personal_data_detail(petitioner_id: int):
    """Show what is held about one petitioner and whether it may be anonymised.

    Any petitioner is shown only after the administrator states a ground, recorded in the
    audit trail (as an agency reveals a denouncer on a case page): asking it of denouncers
    only would tell who denounced. The page is rendered, not redirected to, so a reload
    asks again."""
    person = db.session.get(Petitioner, petitioner_id) or abort(404)
    form = RevealForm()
    if not (request.method == "POST" and form.validate_on_submit()):
        errors = form_errors(form) if request.method == "POST" else {}
        return render_template("admin/personal_data_reveal.html", person=person,
                               form=form, errors=errors), 422 if errors else 200
    personal_data.record_view(person, form.ground.data, current_user, clock.now())
    db.session.commit()
    ground = form.ground.data.strip()  # carried to the export, recorded again
    cases = personal_data.cases_of(person)
    check = personal_data.eligibility(person, clock.today(), _retention_years())
    return render_template("admin/personal_data_detail.html", person=person,
                           cases=cases, form=ExportForm(), ground=ground,
                           blocker=_blocker_message(check))


@bp.route("/personal-data/<int:petitioner_id>/export", methods=["POST"])
@roles_required("admin")
def personal_data_export(petitioner_id: int):
    """Download everything held about the petitioner as JSON (the export is audited)."""
    person = db.session.get(Petitioner, petitioner_id) or abort(404)
    if not ExportForm().validate_on_submit():
        abort(400)
    try:
        data = personal_data.export_petitioner(person, current_user, clock.now(),
                                               ground=request.form.get("ground", "")[:500])
    except ValidationFailed:
        db.session.rollback()
        flash(_("Nêu căn cứ xem trước khi tải dữ liệu của người đứng đơn."), "error")
        return redirect(url_for("admin.personal_data_detail", petitioner_id=person.id))
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return current_app.response_class(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=petitioner-{person.id}.json",
        "Cache-Control": "no-store",
    })


@bp.route("/personal-data/<int:petitioner_id>/anonymise", methods=["GET", "POST"])
@roles_required("admin")
def personal_data_anonymise(petitioner_id: int):
    """Anonymise a petitioner after a confirmation step with the ground for it."""
    person = db.session.get(Petitioner, petitioner_id) or abort(404)
    detail = url_for("admin.personal_data_detail", petitioner_id=person.id)
    check = personal_data.eligibility(person, clock.today(), _retention_years())
    if not check.ok:
        # The reasons name the person's cases: they are on the petitioner's page, opened on
        # a recorded ground, not here (this page names the person by number only).
        flash(_("Người này đã được ẩn danh.") if check.already else
              _("Chưa thể ẩn danh người đứng đơn #%(id)d: xem lý do trên trang dữ liệu của "
                "người này.", id=person.id), "error")
        return redirect(detail)
    form = AnonymiseForm()
    errors = {}
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                personal_data.anonymise_petitioner(person, form.ground.data, current_user,
                                                   clock.now(), clock.today(),
                                                   _retention_years())
            except ValidationFailed as exc:
                db.session.rollback()
                flash(translate(next(iter(exc.errors.values()))), "error")
                return redirect(detail)
            db.session.commit()
            flash(_("Đã ẩn danh người đứng đơn #%(id)d. Số liệu thống kê được giữ nguyên.",
                    id=person.id), "success")
            return redirect(detail)
        errors = {name: "; ".join(str(m) for m in messages)
                  for name, messages in form.errors.items()}
    return render_template("admin/personal_data_confirm.html", person=person, form=form,
                           errors=errors, cancel=detail), 422 if errors else 200
