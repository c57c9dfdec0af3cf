"""The inspectors' periodic reports: the official forms on a page and in Excel, and the
reports built in the background ("Báo cáo của tôi") with their progress and downloads."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from complaints import clock
from complaints.domain.reports import FORMS
from complaints.extensions import db
from complaints.models import Agency, ReportJob
from complaints.permissions import (
    can_download_report,
    roles_required,
)
from complaints.services import report_jobs
from complaints.services import reports as report_service
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.web.i18n import translate, translate_errors
from complaints.web.inspection import bp
from complaints.web.inspection.forms import (
    ReportJobForm,
)
from complaints.web.inspection.routes import (
    MONITOR_ROLES,
    PERIOD_FIELDS,
    _filter_choices,
    _lang,
    period_input,
    period_url_args,
    period_values,
)
from complaints.web.pagination import page_arg


def _report_root() -> Agency | None:
    """The agency whose subtree the report covers: chosen (inspectors) or one's own."""
    if current_user.role == "agency_head":
        return db.session.get(Agency, current_user.agency_id)
    code = request.args.get("agency", "")
    query = select(Agency).where(Agency.code == code) if code else (
        select(Agency).where(Agency.parent_id.is_(None), Agency.is_inspectorate.is_(False))
        .order_by(Agency.id))
    return db.session.scalars(query).first()


@bp.route("/reports")
@roles_required(*MONITOR_ROLES)
def reports():
    """An official form for a period and an agency subtree: printable page or Excel.

    One form is built synchronously on request (one row per unit, grouped counts); the
    four-form pack and the combined workbook are asked for here and built in the
    background (report_jobs).
    """
    today = clock.today()
    root = _report_root()
    if root is None:
        abort(404)
    period, errors = period_input(request.args, today)
    form_code = request.args.get("form") or DEFAULT_FORM
    if form_code not in FORMS:
        errors["form"] = _("Chọn một biểu mẫu trong danh sách.")  # the list is on the page
    fmt = request.args.get("export", "")
    if fmt and fmt not in EXPORTS:
        errors["__all__"] = _("Chỉ tải về được dạng Excel (xlsx).")
    common = {"forms": FORMS, "root": root, "job_form": ReportJobForm(),
              "values": {**period_values(request.args, period), "form": form_code},
              **_filter_choices()}
    if errors:
        # Refused whole, an export too: the form as typed, never a report or a file for
        # another period or form than the one asked for.
        return render_template("inspection/report.html", report=None, period=None,
                               errors=errors, **common), 400
    report = report_service.build_report(form_code, root.code, period)
    if fmt == "xlsx":
        name = (f"{form_code.replace('/', '-')}_{root.code}_"
                f"{period.start:%Y%m%d}-{period.end:%Y%m%d}")
        return Response(
            report_service.workbook_bytes(report, _lang()),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return render_template("inspection/report.html", report=report, period=period,
                           errors={}, period_args=period_url_args(period),
                           header=report_service.header_range(period, _lang()), **common)


DEFAULT_FORM = "02/XLD"
EXPORTS = ("xlsx",)  # the formats this page downloads; any other is refused, not ignored


REPORT_KIND_LABELS = {"official": _l("Bộ biểu mẫu báo cáo (5 biểu)"),
                      "workbook": _l("Sổ tổng hợp: hồ sơ, leo thang, bảng điểm")}
REPORT_STATUS_LABELS = {"queued": _l("Đang chờ"), "running": _l("Đang tạo"),
                        "done": _l("Hoàn thành"), "failed": _l("Lỗi")}


@bp.route("/reports/jobs", methods=["POST"])
@roles_required(*MONITOR_ROLES)
def request_report():
    """Queue a background report for the period and agency chosen on the reports page."""
    form = ReportJobForm()
    # Back to the page with the values as typed (start/end too): the page then marks the
    # fields at fault, so nothing has to be typed again.
    back = url_for("inspection.reports", **{k: v for k, v in request.form.items()
                                            if k in ("form", "agency", *PERIOD_FIELDS)})
    if not form.validate_on_submit():
        for messages in form.errors.values():
            flash(str(messages[0]), "danger")
        return redirect(back)
    period, errors = period_input(request.form, clock.today())
    if errors:
        flash(_("Chưa tạo báo cáo trong nền: kỳ báo cáo chưa hợp lệ, xem các mục được đánh "
                "dấu bên dưới."), "danger")
        return redirect(back)
    root = (db.session.get(Agency, current_user.agency_id)
            if current_user.role == "agency_head" else
            db.session.scalar(select(Agency).where(Agency.code == request.form.get("agency",
                                                                                    ""))))
    if root is None:
        flash(_("Chọn đơn vị báo cáo."), "danger")
        return redirect(back)
    try:
        report_jobs.enqueue(current_user, form.kind.data, root.code, period, clock.now(),
                            _lang())
    except NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        for message in translate_errors(exc.errors).values():
            flash(message, "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Đã ghi nhận yêu cầu. Báo cáo đang được tạo; tải về khi hoàn thành."), "success")
    return redirect(url_for("inspection.my_reports"))


@bp.route("/reports/mine")
@roles_required(*MONITOR_ROLES)
def my_reports():
    """The user's background reports with their progress and, when done, the download."""
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    jobs, total = report_jobs.jobs_of(current_user, page, per_page)
    folder = current_app.config["REPORT_DIR"]
    return render_template(
        "inspection/report_jobs.html", jobs=jobs, total=total, page=page,
        pages=max(1, -(-total // per_page)), kinds=REPORT_KIND_LABELS,
        statuses=REPORT_STATUS_LABELS, period_of=report_jobs.period_of,
        stage_of=lambda job: translate(report_jobs.stage_message(job.stage)),
        available={j.id: report_jobs.file_path(j, folder) is not None for j in jobs})


def _job_or_404(job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    if job is None or not can_download_report(current_user, job):
        abort(404)
    return job


@bp.route("/reports/jobs/<int:job_id>/status")
@roles_required(*MONITOR_ROLES)
def report_status(job_id: int):
    """A job's status as JSON, polled by report_jobs.js on the "my reports" page."""
    job = _job_or_404(job_id)
    ready = report_jobs.file_path(job, current_app.config["REPORT_DIR"]) is not None
    return jsonify(id=job.id, status=job.status, status_label=str(
        REPORT_STATUS_LABELS.get(job.status, job.status)), progress=job.progress,
        stage=translate(report_jobs.stage_message(job.stage)),
        error=job.error if job.status == "failed" else None,
        download_url=url_for("inspection.report_download", job_id=job.id) if ready else None)


@bp.route("/reports/jobs/<int:job_id>/download")
@roles_required(*MONITOR_ROLES)
def report_download(job_id: int):
    """The finished report's file (its requester, or who may see the same; see permissions)."""
    job = _job_or_404(job_id)
    path = report_jobs.file_path(job, current_app.config["REPORT_DIR"])
    if path is None:
        abort(404)
    response = send_file(
        path, as_attachment=True, download_name=report_jobs.download_name(job),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        conditional=False, etag=False)
    # The workbook carries personal data: no shared or browser cache keeps a copy, as for
    # every export (web/export.download; send_file said "no-cache": QA round 95).
    response.headers["Cache-Control"] = "private, no-store"
    return response
