"""Inspectors' console: monitoring lists, exports, scorecards (the case page: cases.py).

Inspectors and admins see every agency; agency heads only their own (the same scoping
as every list: queries.cases_visible_to).
"""

from __future__ import annotations

import json
from datetime import date

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


def _lang() -> str:
    return str(get_locale() or "vi")


def _filter_choices() -> dict:
    """Agencies and fields for the filter form (agency heads: their own agency only)."""
    agencies = select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)
    if current_user.role == "agency_head":
        agencies = agencies.where(Agency.id == current_user.agency_id)
    return {
        "agencies": sorted(db.session.scalars(agencies), key=lambda a: name_order(a.name)),
        "fields": list(db.session.scalars(select(Field).order_by(Field.code))),
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
        flags=queries.flag_counts(),
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
                 case_view.agency_name(e.to_agency, _lang()) if e.to_agency else "", e.as_of,
                 labels.get(e.action_taken, e.action_taken or "") if e.acknowledged_at
                 else _("Chưa xác nhận"), e.action_note or ""]
                for e in (row.extra["escalation"] for row in page.rows))
        return download(fmt, "leo-thang", [_("Mã hồ sơ"), _("Nội dung"), _("Lý do"), _("Mức"),
                                           _("Gửi đến"), _("Ngày"),
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
    if agency is None or (current_user.role == "agency_head"
                          and agency.id != current_user.agency_id):
        abort(404)
    form = FindingForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_inspect(current_user):
            abort(403)
        if form.validate_on_submit():
            monitoring.add_finding(agency, form.text.data, current_user, clock.now(),
                                   clock.today())
            db.session.commit()
            flash(_("Đã ghi nhận xét vào hồ sơ cơ quan."), "success")
            return redirect(url_for("inspection.agency_page", code=code))
        errors = {name: messages[0] for name, messages in form.errors.items()}
    return render_template("inspection/agency.html", agency=agency, form=form, errors=errors,
                           findings=[(e, json.loads(e.data).get("text", ""))
                                     for e in monitoring.findings(agency)]
                           ), (422 if errors else 200)


# --- scorecard ------------------------------------------------------------------------------


def _period_from_args(args, today):
    """The reporting period asked for (15th–14th rule), the current quarter by default."""
    kind = args.get("period", "quarter")
    try:
        year = int(args.get("year") or periods.period_containing(today, "year").year)
        # No number: the current month or quarter. A number given is checked (0 and 13 are
        # both refused; 0 used to show the current month without a word).
        raw_number = (args.get("number") or "").strip()
        start = date.fromisoformat(args["start"]) if args.get("start") else None
        end = date.fromisoformat(args["end"]) if args.get("end") else None
        if kind in ("month", "quarter") and not raw_number:
            return periods.period_containing(today, kind), None
        return periods.parse_period(kind, year, int(raw_number or 0), start, end), None
    except (ValueError, KeyError, OverflowError):  # a year past date()'s range too
        return periods.period_containing(today, "quarter"), _(
            "Kỳ báo cáo không hợp lệ; đang hiển thị quý hiện tại.")


@bp.route("/scorecard")
@roles_required(*MONITOR_ROLES)
def scorecard():
    """Agency scorecards for a period, ranked, with the score rules and weights shown."""
    today = clock.today()
    period, problem = _period_from_args(request.args, today)
    result = cards.scorecards(current_user, period.start, period.end, today)
    lang = _lang()
    ranked = [c for c in result if c.score is not None]  # the others: "no data", unranked
    chart = bar_chart([(case_view.agency_name(c.agency, lang), c.score) for c in ranked],
                      _("Điểm xếp hạng (0–100)")) if ranked else None
    rules = [(code, vi if lang == "vi" else en) for code, (vi, en, _d) in COMPONENTS.items()]
    return render_template("inspection/scorecard.html", cards=result, period=period,
                           problem=problem, chart=chart, rules=rules,
                           weights=cards.weights(), today=today,
                           no_data=not ranked)


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
