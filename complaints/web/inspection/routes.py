"""Inspectors' console: monitoring lists, exports, scorecards (the case page: cases.py).

Inspectors and admins see every agency; agency heads only their own (the same scoping
as every list: queries.cases_visible_to).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

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
from flask_login import current_user
from sqlalchemy import select

from complaints import clock
from complaints.domain import catalog
from complaints.domain import reports as periods
from complaints.domain.escalation import ACK_ACTIONS
from complaints.domain.scoring import COMPONENTS
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import Agency, Field
from complaints.permissions import (
    can_inspect,
    can_view_agency,
    roles_required,
)
from complaints.services import case_view, queries
from complaints.services import inspection as monitoring
from complaints.services import scorecard as cards
from complaints.services.errors import ValidationFailed
from complaints.web.export import download
from complaints.web.i18n import translate_errors
from complaints.web.inspection import bp, exports
from complaints.web.inspection.charts import bar_chart
from complaints.web.inspection.forms import (
    FindingForm,
    WeightsForm,
)

MONITOR_ROLES = ("inspector", "admin", "agency_head")
EXPORT_MAX = 100_000  # rows in one download of a queue or a cluster list


@bp.context_processor
def _agency_helpers():
    """Link to an agency's record only where it opens (ux.md: never a link to "forbidden")."""
    return {"can_view_agency": can_view_agency}


def _lang() -> str:
    return str(get_locale() or "vi")


def _filter_choices() -> dict:
    """Agencies and fields for the filter form (agency heads: their own agency only)."""
    agencies = select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)
    if current_user.role == "agency_head":
        agencies = agencies.where(Agency.id == current_user.agency_id)
    return {
        "agencies": sorted(db.session.scalars(agencies), key=lambda a: name_order(a.name)),
        "fields": sorted(db.session.scalars(select(Field)),
                         key=lambda f: name_order(f.name(str(get_locale() or "vi")))),
    }


def _list_page(kind: str):
    """Render (or export) the overdue list or the filtered case list."""
    f = monitoring.parse_filter(request.args)
    today = clock.today()
    fmt = request.args.get("export", "")
    if fmt in ("csv", "xlsx"):
        query = (monitoring.overdue_query(current_user, f, today) if kind == "overdue"
                 else monitoring.cases_query(current_user, f))
        rows = monitoring.iter_rows(current_user, query, with_deadline=kind == "overdue")
        name = "ho-so-qua-han" if kind == "overdue" else "ho-so"
        overdue = kind == "overdue"
        return download(fmt, name, exports.columns(overdue),
                        (exports.cells(r, overdue) for r in rows))
    page = (monitoring.overdue_page(current_user, f, today) if kind == "overdue"
            else monitoring.cases_page(current_user, f))
    endpoint = "inspection.overdue" if kind == "overdue" else "inspection.cases"
    return render_template("inspection/cases.html", page=page, f=f, kind=kind,
                           endpoint=endpoint, today=today, **_filter_choices())


@bp.route("/")
@roles_required(*MONITOR_ROLES)
def home():
    """What needs an inspector today: overdue cases by stage and level, pattern flags, the
    escalations nobody has acknowledged, and the agencies resolving least on time this
    reporting month."""
    today = clock.today()
    summary = monitoring.overdue_summary(current_user, today)
    month = periods.period_containing(today, "month")
    return render_template(
        "inspection/home.html",
        summary=summary,
        stages=("handling", "acceptance", "resolution"),
        levels=sorted({lvl for _s, lvl in summary} | {0, 1, 2, 3}),
        stage_totals={stage: sum(n for (s, _lvl), n in summary.items() if s == stage)
                      for stage in ("handling", "acceptance", "resolution")},
        flags=queries.flag_counts(current_user),
        overdue_total=queries.overdue_count(current_user, today),
        today=today,
        escalations=monitoring.escalation_queue(current_user, "open",
                                                monitoring.CaseFilter(per_page=HOME_ROWS)),
        month=month,
        laggards=cards.least_on_time(current_user, month.start, month.end, today, HOME_ROWS),
    )


HOME_ROWS = 5  # escalations and agencies listed on the home page; the full lists are linked


@bp.route("/overdue")
@roles_required(*MONITOR_ROLES)
def overdue():
    """List overdue cases (one line per overdue stage), filtered, sorted, paginated."""
    return _list_page("overdue")


@bp.route("/cases")
@roles_required(*MONITOR_ROLES)
def cases():
    """List and search cases with the monitoring filters."""
    return _list_page("cases")


@bp.route("/escalations")
@roles_required(*MONITOR_ROLES)
def escalations():
    """The escalation queue: open, acknowledged, acted on (with the action taken)."""
    f = monitoring.parse_filter(request.args)
    state = request.args.get("state", "open")
    if state not in ("open", "acknowledged", "acted", "all"):
        state = "open"
    fmt = request.args.get("export", "")
    if fmt in ("csv", "xlsx"):
        f.page, f.per_page = 1, EXPORT_MAX
    page = monitoring.escalation_queue(current_user, state, f)
    if fmt in ("csv", "xlsx"):
        labels = _ack_labels()
        rows = ([e.case.tracking_code, e.case.subject,
                 catalog.label(catalog.ESCALATION_REASONS, e.reason, _lang()), e.level,
                 case_view.agency_name(e.agency, _lang()) if e.agency else "",
                 case_view.agency_name(e.to_agency, _lang()) if e.to_agency else "", e.as_of,
                 labels.get(e.action_taken, e.action_taken or "") if e.acknowledged_at
                 else _("Chưa xác nhận"), e.action_note or ""]
                for e in (row.extra["escalation"] for row in page.rows))
        return download(fmt, "leo-thang", [_("Mã hồ sơ"), _("Nội dung"), _("Lý do"), _("Mức"),
                                           _("Cơ quan chịu trách nhiệm"), _("Gửi đến"),
                                           _("Ngày"),
                                           _("Biện pháp đã thực hiện"), _("Ghi chú")], rows)
    return render_template("inspection/escalations.html", page=page, f=f, state=state,
                           ack_actions=_ack_labels(), **_filter_choices())


def _ack_labels() -> dict[str, str]:
    return {code: catalog.label(ACK_ACTIONS, code, _lang()) for code in ACK_ACTIONS}


@bp.route("/clusters")
@roles_required(*MONITOR_ROLES)
def clusters():
    """Mass-petition clusters: locality, field, petitioners, cases, first and last dates."""
    f = monitoring.parse_filter(request.args)
    fmt = request.args.get("export", "")
    if fmt in ("csv", "xlsx"):
        f.page, f.per_page = 1, EXPORT_MAX
    page = monitoring.clusters(current_user, f)
    if fmt in ("csv", "xlsx"):
        rows = ([x["subject"], x["locality"],
                 x["field"].name(_lang()) if x["field"] else "", x["people"], x["cases"],
                 x["first_on"], x["last_on"]]
                for x in (row.extra for row in page.rows))
        return download(fmt, "don-dong-nguoi", [_("Nội dung"), _("Địa bàn"), _("Lĩnh vực"),
                                                _("Số người"), _("Số vụ việc"), _("Ngày đầu"),
                                                _("Ngày gần nhất")], rows)
    return render_template("inspection/clusters.html", page=page, f=f, **_filter_choices())


@bp.route("/agencies/<code>", methods=["GET", "POST"])
@roles_required(*MONITOR_ROLES)
def agency_page(code: str):
    """An agency's record: the inspectors' findings; inspectors add new ones."""
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None or not can_view_agency(current_user, agency):
        abort(404)
    form = FindingForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_inspect(current_user):
            abort(403)
        if form.validate_on_submit():
            try:
                monitoring.add_finding(agency, form.text.data, current_user, clock.now(),
                                       clock.today())
            except ValidationFailed as exc:
                # Spaces only, or a control character: the service's refusal, next to the
                # text kept (QA round 70: it was a 500 and the text was lost).
                db.session.rollback()
                errors = translate_errors(exc.errors)
            else:
                db.session.commit()
                flash(_("Đã ghi nhận xét vào hồ sơ cơ quan."), "success")
                return redirect(url_for("inspection.agency_page", code=code))
        else:
            errors = {name: messages[0] for name, messages in form.errors.items()}
    return render_template("inspection/agency.html", agency=agency, form=form, errors=errors,
                           findings=[(e, json.loads(e.data).get("text", ""))
                                     for e in monitoring.findings(agency)]
                           ), (422 if errors else 200)


# --- scorecard ------------------------------------------------------------------------------


PERIOD_KINDS = ("month", "quarter", "half", "nine_months", "year", "custom")
PERIOD_FIELDS = ("period", "year", "number", "start", "end")
# A typo ("226", "20266", "0") is refused rather than read as a real year; no record of
# this system is older than 2000, and date() itself stops at 9999.
YEAR_MIN, YEAR_MAX = 2000, 2100
_WHOLE = re.compile(r"[0-9]{1,6}")  # ASCII digits only: int() also takes "1_0" and "٣"
_DAY_FORMATS = ((re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "%Y-%m-%d"),  # <input type=date>
                (re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"), "%d/%m/%Y"))  # typed by hand


def _whole(text: str) -> int | None:
    return int(text) if _WHOLE.fullmatch(text) else None


def _day(text: str) -> date | None:
    for pattern, fmt in _DAY_FORMATS:
        if pattern.fullmatch(text):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:  # 30/02: the right shape, no such day
                return None
    return None


def _custom_day(text: str, which: str, errors: dict[str, str]) -> date | None:
    messages = {
        "start": (_("Nhập ngày bắt đầu."),
                  _("Ngày bắt đầu không hợp lệ: nhập một ngày có thật, ví dụ 15/09/2026."),
                  _("Ngày bắt đầu phải trong các năm từ %(min)s đến %(max)s.",
                    min=YEAR_MIN, max=YEAR_MAX)),
        "end": (_("Nhập ngày kết thúc."),
                _("Ngày kết thúc không hợp lệ: nhập một ngày có thật, ví dụ 14/12/2026."),
                _("Ngày kết thúc phải trong các năm từ %(min)s đến %(max)s.",
                  min=YEAR_MIN, max=YEAR_MAX)),
    }[which]
    day = _day(text) if text else None
    if not text:
        errors[which] = messages[0]
    elif day is None:
        errors[which] = messages[1]
    elif not YEAR_MIN <= day.year <= YEAR_MAX:
        errors[which], day = messages[2], None
    return day


def period_input(args, today: date) -> tuple[periods.Period | None, dict[str, str]]:
    """The reporting period asked for (15th–14th rule), or a message for each field at fault.

    Never another period instead: a page or a file for a period nobody asked for is worse
    than a refusal. No period field at all (a first visit): the current quarter. A kind
    alone ("period=month"): the current period of that kind. A month or quarter number
    without a year: in the current reporting year. A year without a number for a month or
    quarter is refused (which month?). A year given is checked for every kind but custom; the
    number is ignored for 6 months, 9 months, the year and custom, the dates for every kind
    but custom (the forms send every field); dates without a kind mean custom. Errors are
    keyed by the form's field ids.
    """
    raw = {name: (args.get(name) or "").strip() for name in PERIOD_FIELDS}
    if not any(raw.values()):
        return periods.period_containing(today, "quarter"), {}
    kind = raw["period"] or ("custom" if raw["start"] or raw["end"] else "quarter")
    if kind not in PERIOD_KINDS:
        return None, {"period": _("Chọn kỳ báo cáo trong danh sách.")}
    errors: dict[str, str] = {}
    year = _whole(raw["year"]) if raw["year"] else periods.period_containing(today, "year").year
    if kind != "custom" and (year is None or not YEAR_MIN <= year <= YEAR_MAX):
        # A custom period is its two dates: the year beside them is ignored, not judged.
        errors["year"] = _("Năm phải là số từ %(min)s đến %(max)s.", min=YEAR_MIN, max=YEAR_MAX)
    if kind == "custom":
        start = _custom_day(raw["start"], "start", errors)
        end = _custom_day(raw["end"], "end", errors)
        if start and end and end < start:
            errors["end"] = _("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu.")
        if errors:
            return None, errors
        return periods.custom_period(start, end), {}
    number = 0
    if kind in ("month", "quarter"):
        if not raw["number"] and not raw["year"]:
            return periods.period_containing(today, kind), {}
        top = 12 if kind == "month" else 4
        number = _whole(raw["number"]) or 0
        if not raw["number"]:
            errors["number"] = (_("Nhập tháng (từ 1 đến 12) của năm đã chọn.") if kind == "month"
                                else _("Nhập quý (từ 1 đến 4) của năm đã chọn."))
        elif not 1 <= number <= top:
            errors["number"] = (_("Tháng phải là số từ 1 đến 12.") if kind == "month"
                                else _("Quý phải là số từ 1 đến 4."))
    if errors:
        return None, errors
    period = periods.parse_period(kind, year, number)
    if not raw["year"] and period.start > today:
        # No year typed: the latest such period that has begun, not one to come (QA 102:
        # on 20/12 "month 12" of the reporting year just begun was November next year).
        period = periods.parse_period(kind, year - 1, number)
    return period, {}


def period_values(args, period: periods.Period | None) -> dict[str, str]:
    """What the period fields show: the period's own values, or on an error as typed."""
    if period is None:
        return {name: args.get(name) or "" for name in PERIOD_FIELDS}
    custom = period.kind == "custom"
    return {"period": period.kind, "year": str(period.year),
            "number": str(period.number or ""),
            "start": period.start.isoformat() if custom else "",
            "end": period.end.isoformat() if custom else ""}


def period_url_args(period: periods.Period) -> dict[str, str | int]:
    """The query arguments that ask for this very period (links, the job form)."""
    if period.kind == "custom":
        return {"period": "custom", "start": period.start.isoformat(),
                "end": period.end.isoformat()}
    return {"period": period.kind, "year": period.year,
            **({"number": period.number} if period.number else {})}


@bp.route("/scorecard")
@roles_required(*MONITOR_ROLES)
def scorecard():
    """Agency scorecards for a period, ranked, with the score rules and weights shown."""
    today = clock.today()
    period, errors = period_input(request.args, today)
    lang = _lang()
    rules = [(code, vi if lang == "vi" else en) for code, (vi, en, _d) in COMPONENTS.items()]
    values = period_values(request.args, period)
    if errors:  # the form again, as typed, and no scorecard for a period not asked for
        return render_template("inspection/scorecard.html", cards=None, period=None,
                               errors=errors, values=values, chart=None, rules=rules,
                               weights=cards.weights(), today=today, no_data=False), 400
    result = cards.scorecards(current_user, period.start, period.end, today)
    if (fmt := request.args.get("export", "")) in ("csv", "xlsx"):
        return _scorecard_download(fmt, result, lang)
    ranked = [c for c in result if c.score is not None]  # the others: "no data", unranked
    chart = bar_chart([(case_view.agency_name(c.agency, lang), c.score) for c in ranked],
                      _("Điểm xếp hạng (0–100)")) if ranked else None
    return render_template("inspection/scorecard.html", cards=result, period=period,
                           errors={}, values=values, chart=chart, rules=rules,
                           weights=cards.weights(), today=today,
                           no_data=not ranked, period_args=period_url_args(period))


def _scorecard_download(fmt: str, result, lang: str):
    """The scorecard's table as shown, one row per agency in its order (ux.md: "export of
    exactly what is shown"; QA 111)."""
    stages = ("handling", "acceptance", "resolution")

    def days(m, stage):
        value = m.working_days.get(stage)
        return round(value, 1) if value is not None else ""

    rows = ([c.rank or "", case_view.agency_name(c.agency, lang),
             round(c.score, 1) if c.score is not None else _("Không có số liệu"),
             m.received, m.accepted_on_time, m.accepted, m.resolved_on_time, m.resolved,
             *(days(m, stage) for stage in stages), m.overdue_now, m.open_now,
             "; ".join(f"{level}: {n}" for level, n in sorted(m.escalations.items())) or 0,
             m.evasions, m.repeated, m.mass, m.reception_held, m.reception_required,
             round(m.satisfaction_avg, 2) if m.satisfaction_avg is not None else "",
             m.satisfaction_count]
            for c in result for m in (c.metrics,))
    header = [_("Hạng"), _("Cơ quan"), _("Điểm"), _("Nhận"), _("Thụ lý đúng hạn"),
              _("Thụ lý"), _("Giải quyết đúng hạn"), _("Giải quyết"),
              _("Ngày làm việc TB: xử lý"), _("Ngày làm việc TB: thụ lý"),
              _("Ngày làm việc TB: giải quyết"), _("Quá hạn hiện tại"), _("Đang mở"),
              _("Leo thang theo mức"), _("Đùn đẩy"), _("Kéo dài"), _("Đông người"),
              _("Ngày tiếp dân của lãnh đạo"), _("Ngày phải tiếp"), _("Hài lòng (TB)"),
              _("Số phiếu đánh giá")]
    return download(fmt, "bang-diem", header, rows)


@bp.route("/scorecard/weights", methods=["GET", "POST"])
@roles_required("admin")
def score_weights():
    """Let an administrator change the score weights (the province's yearly criteria)."""
    form = WeightsForm(data=cards.weights())
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.validate_on_submit():
            values = {code: getattr(form, code).data for code in COMPONENTS}
            try:
                cards.set_weights(values, current_user, clock.now())
            except ValidationFailed as exc:
                errors = translate_errors(exc.errors)
            else:
                db.session.commit()
                flash(_("Đã lưu trọng số chấm điểm."), "success")
                return redirect(url_for("inspection.scorecard"))
        else:
            errors = {name: messages[0] for name, messages in form.errors.items()}
    lang = _lang()
    labels = {code: (vi if lang == "vi" else en) for code, (vi, en, _d) in COMPONENTS.items()}
    return render_template("inspection/weights.html", form=form, errors=errors,
                           labels=labels), (422 if errors else 200)


# --- official reports ------------------------------------------------------------------------
