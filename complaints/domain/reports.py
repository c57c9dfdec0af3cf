"""Official periodic reports: reporting periods and form layouts, held as data.

Periods follow Circular 01/2024/TT-TTCP: figures are cut off on the 14th, so a month runs
from the 15th of the previous month to the 14th, a quarter from the 15th of the last month
of the previous quarter to the 14th of its own last month, and 6 months, 9 months and the
year all start on 15/12 of the previous year.

A form is an ordered list of columns; each has a number (code), vi/en labels, and either a
count (a named measure, see services/reports.py) or a formula over other columns
("3=4+5"). A new circular is a new layout here, not new code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from complaints.domain.catalog import REPORT_CATEGORIES

# --- periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | half | nine_months | year | custom
    start: date
    end: date
    year: int
    number: int = 0  # month 1–12 or quarter 1–4

    def label(self, lang: str = "vi") -> str:
        names = {
            "month": ("Tháng {n}/{y}", "Month {n}/{y}"),
            "quarter": ("Quý {n}/{y}", "Quarter {n}/{y}"),
            "half": ("6 tháng năm {y}", "First half of {y}"),
            "nine_months": ("9 tháng năm {y}", "Nine months of {y}"),
            "year": ("Năm {y}", "Year {y}"),
            "custom": ("Từ {s} đến {e}", "From {s} to {e}"),
        }[self.kind]
        text = names[1] if lang == "en" else names[0]
        return text.format(n=self.number, y=self.year, s=self.start.strftime("%d/%m/%Y"),
                           e=self.end.strftime("%d/%m/%Y"))


def _cut(year: int, month: int) -> date:
    return date(year, month, 14)


def _start_after(year: int, month: int) -> date:
    """The 15th of the month before (year, month)."""
    return date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)


def month_period(year: int, month: int) -> Period:
    return Period("month", _start_after(year, month), _cut(year, month), year, month)


def quarter_period(year: int, quarter: int) -> Period:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    first_month = 3 * quarter - 2
    return Period("quarter", _start_after(year, first_month), _cut(year, 3 * quarter), year,
                  quarter)


def cumulative_period(year: int, kind: str) -> Period:
    """6 months, 9 months or the year: from 15/12 of the year before."""
    last = {"half": 6, "nine_months": 9, "year": 12}[kind]
    return Period(kind, date(year - 1, 12, 15), _cut(year, last), year)


def custom_period(start: date, end: date) -> Period:
    if end < start:
        raise ValueError("end before start")
    return Period("custom", start, end, end.year)


def period_containing(day: date, kind: str = "quarter") -> Period:
    """The reporting period of this kind in which the day falls (15th–14th rule).

    6 and 9 months cover only the start of a reporting year: a later day falls in none of
    them, and that is refused (ValueError) rather than answered with a period before it.
    """
    # Days from the 15th of December belong to the next year's reporting year.
    year, month = day.year, day.month
    if day.day >= 15:
        month += 1
        if month == 13:
            year, month = year + 1, 1
    if kind == "month":
        return month_period(year, month)
    if kind == "quarter":
        return quarter_period(year, (month - 1) // 3 + 1)
    if kind not in ("half", "nine_months", "year"):
        raise ValueError(f"unknown period kind {kind!r}")
    period = cumulative_period(year, kind)
    if day > period.end:
        raise ValueError(f"{day.isoformat()} is after the {kind} period of {year}")
    return period


def parse_period(kind: str, year: int, number: int = 0, start: date | None = None,
                 end: date | None = None) -> Period:
    """Build a period from form input; raises ValueError on bad input."""
    if kind == "month":
        if not 1 <= number <= 12:
            raise ValueError("month must be 1–12")
        return month_period(year, number)
    if kind == "quarter":
        return quarter_period(year, number)
    if kind in ("half", "nine_months", "year"):
        return cumulative_period(year, kind)
    if kind == "custom" and start and end:
        return custom_period(start, end)
    raise ValueError("unknown period")


# --- form layouts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    code: str  # the number printed in the numbered row ("1", "2", …)
    vi: str
    en: str
    measure: str | None = None  # a count defined in services/reports.py
    formula: str | None = None  # "3=4+5" style: this column = sum/difference of others
    group_vi: str = ""  # the header group it sits under
    group_en: str = ""

    def label(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Form:
    code: str  # "02/XLD"
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]
    source: str  # the circular that set the layout

    def title(self, lang: str = "vi") -> str:
        return self.title_en if lang == "en" else self.title_vi

    def column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)

    def groups(self, lang: str = "vi") -> list[tuple[str, int]]:
        """The header groups over the columns, left to right, as (label, columns spanned):
        the forms print a group once across its neighbouring columns ("" = none)."""
        out: list[tuple[str, int]] = []
        for column in self.columns:
            label = column.group_en if lang == "en" else column.group_vi
            if label and out and out[-1][0] == label:
                out[-1] = (label, out[-1][1] + 1)
            else:
                out.append((label, 1))
        return out


_TERM = re.compile(r"([+-]?)\s*(\w+)")


def parse_formula(formula: str) -> tuple[str, list[tuple[int, str]]]:
    """"3=4+5-6" → ("3", [(1, "4"), (1, "5"), (-1, "6")])."""
    target, _, expression = formula.partition("=")
    terms = [(-1 if sign == "-" else 1, code) for sign, code in _TERM.findall(expression)]
    if not target.strip() or not terms:
        raise ValueError(f"bad formula {formula!r}")
    return target.strip(), terms


def evaluate(form: Form, counts: dict[str, int | float]) -> dict[str, int | float]:
    """Fill every formula column from the counted ones (formulas may use formulas)."""
    values = dict(counts)
    pending = [c for c in form.columns if c.formula]
    for _round in range(len(pending) + 1):
        left = []
        for column in pending:
            _target, terms = parse_formula(column.formula)
            if all(code in values for _sign, code in terms):
                values[column.code] = _exact_sum(sign * _exact(values[code])
                                                 for sign, code in terms)
            else:
                left.append(column)
        if not left:
            return values
        pending = left
    raise ValueError(f"circular or unknown columns in {form.code}: "
                     f"{[c.code for c in pending]}")


def total_row(form: Form, rows: list[dict[str, int | float]],
              counted_once: dict[str, int | float] | None = None) -> dict[str, int | float]:
    """The total row: every counted column summed over the units, but those in
    `counted_once` (distinct counts: a matter two units saw is one matter), and the
    formulas evaluated on the totals (the same as their sums, the formulas being linear)."""
    counted_once = counted_once or {}
    totals = {c.code: counted_once[c.code] if c.code in counted_once
              else _exact_sum(_exact(r.get(c.code, 0)) for r in rows)
              for c in form.columns if not c.formula}
    return evaluate(form, totals)


def _exact(value: int | float | Decimal) -> Decimal:
    """A figure as the decimal it was written as (0.1, not 0.1000000000000000055…)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _exact_sum(values) -> int | float:
    """Sum decimals exactly, then hand back an int for counts and a float for money and
    land: summing floats showed 0.1 + 0.2 as 0.30000000000000004 in the total row."""
    total = sum(values, Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)


def _c(code, vi, en, measure=None, formula=None, group=("", "")) -> Column:
    return Column(code, vi, en, measure, formula, group[0], group[1])


_RECV = ("Tiếp nhận", "Received")
_HANDLED = ("Kết quả xử lý", "Handling result")
_NOT_OURS = ("Không thuộc thẩm quyền", "Not within competence")
_RES = ("Kết quả giải quyết", "Resolution result")
_TIME = ("Thời hạn", "Timeliness")
_HISTORY = ("Lịch sử vụ việc (đơn tiếp nhận trong kỳ)",
            "History of the matter (petitions received in the period)")
_FIELDS = ("Theo lĩnh vực (đơn tiếp nhận trong kỳ)",
           "By field (petitions received in the period)")
_PETITIONS = ("Số đơn của các vụ việc", "Petitions of those matters")
_TO_ENFORCE = ("Quyết định phải thi hành", "Decisions to enforce")
_ENFORCED = ("Kết quả thi hành", "Enforcement result")
_STATE = ("Thu hồi cho Nhà nước", "Recovered for the State")
_RETURNED = ("Trả lại cho tổ chức, cá nhân", "Returned to organisations and individuals")
_DISCIPLINE = ("Xử lý kỷ luật", "Discipline")
_PROSECUTION = ("Xử lý hình sự", "Prosecution")
_LEADERS = ("Lãnh đạo tiếp", "By leaders")
_REGULAR = ("Tiếp thường xuyên", "Regular")
_PERIODIC = ("Lãnh đạo tiếp định kỳ", "Leaders' periodic reception")
_HEAD_UNSCHEDULED = ("Thủ trưởng tiếp đột xuất", "Unscheduled, by the head in person")
_DEPUTY_UNSCHEDULED = ("Ủy quyền tiếp đột xuất", "Unscheduled, by an authorised deputy")


def _petition_columns(first: int, prefix: str) -> tuple[Column, ...]:
    """The petitions (số đơn) of a resolution form's matters, five columns numbered from
    `first`, measured under `prefix` (kn_ complaints, tc_ denunciations).

    reports.md: every form counts both số đơn and số vụ việc. These are the letters of the
    matters carried over, accepted, resolved and pending, each matter's letters received by
    the period's end: several letters can concern one matter. A letter belongs to the
    period it was received in: carried over are the letters received before the period;
    one received in it on a matter carried over is new in the period, beside the accepted
    matters' letters, so that total = carried + new and pending = total − resolved hold
    without a column of its own (QA round 95)."""
    total, carried, accepted, resolved, pending = (str(first + i) for i in range(5))
    return (
        _c(total, "Tổng số đơn của vụ việc thuộc thẩm quyền",
           "Petitions of the matters within competence, total",
           formula=f"{total}={carried}+{accepted}", group=_PETITIONS),
        _c(carried, "Số đơn của vụ việc kỳ trước chuyển sang",
           "Petitions of the matters carried over", measure=f"{prefix}_petitions_carried",
           group=_PETITIONS),
        _c(accepted, "Số đơn của vụ việc thụ lý trong kỳ và đơn mới của vụ việc kỳ trước",
           "Petitions of the matters accepted in the period, and new petitions on matters "
           "carried over",
           measure=f"{prefix}_petitions_accepted", group=_PETITIONS),
        _c(resolved, "Số đơn của vụ việc đã giải quyết", "Petitions of the matters resolved",
           measure=f"{prefix}_petitions_resolved", group=_PETITIONS),
        _c(pending, "Số đơn của vụ việc chưa giải quyết (tồn cuối kỳ)",
           "Petitions of the matters pending at the cut-off",
           formula=f"{pending}={total}-{resolved}", group=_PETITIONS),
    )


FORMS: dict[str, Form] = {
    "02/XLD": Form(
        "02/XLD", "Tổng hợp kết quả xử lý đơn", "Petition handling summary", (
            _c("1", "Tổng số đơn", "Petitions, total", formula="1=2+3", group=_RECV),
            _c("2", "Đơn kỳ trước chuyển sang", "Petitions carried over",
               measure="petitions_carried", group=_RECV),
            _c("3", "Đơn tiếp nhận trong kỳ", "Petitions received in the period",
               measure="petitions_received", group=_RECV),
            _c("4", "Số vụ việc", "Matters", measure="matters_received", group=_RECV),
            _c("5", "Đơn đủ điều kiện xử lý", "Petitions eligible for handling",
               measure="petitions_eligible", group=_RECV),
            _c("6", "Đơn đã xử lý", "Petitions handled", formula="6=7+8+9+10",
               group=_HANDLED),
            _c("7", "Khiếu nại thuộc thẩm quyền", "Complaints within competence",
               measure="handled_complaint_ours", group=_HANDLED),
            _c("8", "Tố cáo thuộc thẩm quyền", "Denunciations within competence",
               measure="handled_denunciation_ours", group=_HANDLED),
            _c("9", "Kiến nghị, phản ánh thuộc thẩm quyền",
               "Recommendations and feedback within competence",
               measure="handled_other_ours", group=_HANDLED),
            _c("10", "Không thuộc thẩm quyền", "Not within competence",
               formula="10=11+12+13+33", group=_HANDLED),
            _c("11", "Hướng dẫn", "Guided", measure="handled_guided", group=_NOT_OURS),
            _c("12", "Chuyển đơn", "Transferred", measure="handled_forwarded",
               group=_NOT_OURS),
            _c("13", "Lưu đơn", "Filed", measure="handled_filed", group=_NOT_OURS),
            _c("14", "Văn bản phúc đáp nhận được", "Reply letters received",
               measure="replies_received", group=_NOT_OURS),
            _c("15", "Đơn chưa xử lý (tồn cuối kỳ)", "Petitions pending at the cut-off",
               formula="15=1-6"),
            # Columns 16– were appended after QA: earlier numbers stay as tools know them.
            # Column 7 by round; every complaint is of round 1 or 2 (a CHECK), so 17=7-16.
            _c("16", "Khiếu nại lần đầu thuộc thẩm quyền",
               "Complaints within competence, first round",
               measure="handled_complaint_ours_round1", group=_HANDLED),
            _c("17", "Khiếu nại lần hai thuộc thẩm quyền",
               "Complaints within competence, second round", formula="17=7-16",
               group=_HANDLED),
            # The history of the matter (domain.history) of the petitions of column 3.
            _c("18", "Đơn gửi lần đầu", "Petitions sent for the first time",
               measure="petitions_first", group=_HISTORY),
            _c("19", "Đơn gửi nhiều lần", "Petitions sent before", formula="19=3-18",
               group=_HISTORY),
            _c("20", "Khiếu nại đã được giải quyết lần đầu",
               "Complaints already decided in round 1", measure="petitions_decided_round1",
               group=_HISTORY),
            _c("21", "Khiếu nại đã được giải quyết lần hai",
               "Complaints already decided in round 2", measure="petitions_decided_round2",
               group=_HISTORY),
            _c("22", "Khiếu nại đã có bản án của Tòa án",
               "Complaints already decided by a court judgment", measure="petitions_court",
               group=_HISTORY),
            _c("23", "Tố cáo tiếp", "Follow-up denunciations", measure="petitions_follow_up",
               group=_HISTORY),
            _c("24", "Trong đó: tố cáo tiếp do quá hạn",
               "Of which: after an overdue resolution",
               measure="petitions_follow_up_overdue", group=_HISTORY),
            # The petitions of column 3 by the forms' field categories (reports.md "Field";
            # each field of the system maps to one, Field.report_category): 3=25+…+32.
            *(_c(str(25 + i), vi, en, measure=f"petitions_category_{code}", group=_FIELDS)
              for i, (code, (vi, en)) in enumerate(REPORT_CATEGORIES.items())),
            # Appended: the later letters on which the desk urged the agency resolving the
            # matter (services/urging.py), part of column 10 (reports.md "… if not: guided,
            # transferred, urged").
            _c("33", "Đôn đốc giải quyết", "Urged (đôn đốc)", measure="handled_urged",
               group=_NOT_OURS),
        ), "Thông tư 01/2024/TT-TTCP"),
    "03/GQKN": Form(
        "03/GQKN", "Tổng hợp kết quả giải quyết khiếu nại",
        "Complaint resolution summary", (
            _c("1", "Tổng số vụ việc thuộc thẩm quyền", "Matters within competence, total",
               formula="1=2+3", group=_RECV),
            _c("2", "Kỳ trước chuyển sang", "Carried over", measure="kn_carried",
               group=_RECV),
            _c("3", "Thụ lý trong kỳ", "Accepted in the period", measure="kn_accepted",
               group=_RECV),
            _c("4", "Đã giải quyết", "Resolved", formula="4=5+6+7+8", group=_RES),
            _c("5", "Khiếu nại đúng", "Right", measure="kn_right", group=_RES),
            _c("6", "Khiếu nại sai", "Wrong", measure="kn_wrong", group=_RES),
            _c("7", "Đúng một phần", "Partly right", measure="kn_partly", group=_RES),
            _c("8", "Rút đơn, công nhận / hủy QĐ lần 1",
               "Withdrawn, or second-round decisions", measure="kn_other", group=_RES),
            _c("9", "Đúng hạn", "On time", measure="kn_on_time", group=_TIME),
            _c("10", "Quá hạn", "Late", formula="10=4-9", group=_TIME),
            _c("11", "Tiền phải thu hồi (triệu đồng)", "Money to recover (million VND)",
               measure="kn_money_recover"),
            _c("12", "Đất phải thu hồi (m²)", "Land to recover (m²)",
               measure="kn_land_recover"),
            _c("13", "Số người được khôi phục quyền lợi", "People whose rights were restored",
               measure="kn_people_restored"),
            _c("14", "Chuyển cơ quan điều tra (vụ)", "Matters sent to investigation",
               measure="kn_investigation"),
            _c("15", "Chưa giải quyết (tồn cuối kỳ)", "Pending at the cut-off",
               formula="15=1-4"),
            # Columns 16– were appended after QA: earlier numbers stay as tools know them.
            # Column 8 split: a complaint's outcome is validated per round (catalog), so
            # what is neither upheld nor annulled there is a withdrawal: 18=8-16-17.
            _c("16", "Lần 2: công nhận QĐ lần đầu", "Second round: first decision upheld",
               measure="kn_upheld", group=_RES),
            _c("17", "Lần 2: hủy, sửa QĐ lần đầu",
               "Second round: first decision annulled or amended", measure="kn_annulled",
               group=_RES),
            _c("18", "Rút khiếu nại", "Withdrawn", formula="18=8-16-17", group=_RES),
            _c("19", "Tiền phải trả lại (triệu đồng)", "Money to return (million VND)",
               measure="kn_money_return"),
            _c("20", "Đất phải trả lại (m²)", "Land to return (m²)", measure="kn_land_return"),
            _c("21", "Số tổ chức được khôi phục quyền lợi",
               "Organisations whose rights were restored", measure="kn_orgs_restored"),
            _c("22", "Người bị kiến nghị xử lý kỷ luật", "People recommended for discipline",
               measure="kn_disciplined"),
            _c("23", "Trong đó cán bộ, công chức", "Of whom officials",
               measure="kn_officials_disciplined"),
            _c("24", "Chuyển cơ quan điều tra (người)", "People sent to investigation",
               measure="kn_people_investigation"),
            # Columns 25– were appended after QA 35: earlier numbers stay as tools know them.
            *_petition_columns(25, "kn"),
        ), "Thông tư 01/2024/TT-TTCP"),
    "04/GQTC": Form(
        "04/GQTC", "Tổng hợp kết quả giải quyết tố cáo", "Denunciation resolution summary", (
            _c("1", "Tổng số vụ việc thuộc thẩm quyền", "Matters within competence, total",
               formula="1=2+3", group=_RECV),
            _c("2", "Kỳ trước chuyển sang", "Carried over", measure="tc_carried",
               group=_RECV),
            _c("3", "Thụ lý trong kỳ", "Accepted in the period", measure="tc_accepted",
               group=_RECV),
            _c("4", "Đã giải quyết", "Resolved", formula="4=5+6+7+8", group=_RES),
            _c("5", "Tố cáo đúng", "Right", measure="tc_right", group=_RES),
            _c("6", "Tố cáo sai", "Wrong", measure="tc_wrong", group=_RES),
            _c("7", "Đúng một phần", "Partly right", measure="tc_partly", group=_RES),
            _c("8", "Rút tố cáo", "Withdrawn", measure="tc_withdrawn", group=_RES),
            _c("9", "Đúng hạn", "On time", measure="tc_on_time", group=_TIME),
            _c("10", "Quá hạn", "Late", formula="10=4-9", group=_TIME),
            _c("11", "Tiền phải thu hồi (triệu đồng)", "Money to recover (million VND)",
               measure="tc_money_recover"),
            _c("12", "Người bị kiến nghị xử lý kỷ luật", "People recommended for discipline",
               measure="tc_disciplined"),
            _c("13", "Chuyển cơ quan điều tra (vụ)", "Matters sent to investigation",
               measure="tc_investigation"),
            _c("14", "Chưa giải quyết (tồn cuối kỳ)", "Pending at the cut-off",
               formula="14=1-4"),
            # Columns 15– were appended after QA: earlier numbers stay as tools know them.
            _c("15", "Đất phải thu hồi (m²)", "Land to recover (m²)",
               measure="tc_land_recover"),
            _c("16", "Tiền phải trả lại (triệu đồng)", "Money to return (million VND)",
               measure="tc_money_return"),
            _c("17", "Đất phải trả lại (m²)", "Land to return (m²)", measure="tc_land_return"),
            _c("18", "Số người được khôi phục quyền lợi", "People whose rights were restored",
               measure="tc_people_restored"),
            _c("19", "Số tổ chức được khôi phục quyền lợi",
               "Organisations whose rights were restored", measure="tc_orgs_restored"),
            # Printed after column 19, "of whom" would read as "of the organisations":
            # named in full (a part of column 12, people recommended for discipline).
            _c("20", "Cán bộ, công chức bị kiến nghị xử lý kỷ luật",
               "Officials recommended for discipline", measure="tc_officials_disciplined"),
            _c("21", "Chuyển cơ quan điều tra (người)", "People sent to investigation",
               measure="tc_people_investigation"),
            # Columns 22– were appended after QA 35: earlier numbers stay as tools know them.
            *_petition_columns(22, "tc"),
        ), "Thông tư 01/2024/TT-TTCP"),
    # Enforcement of decisions (reports.md): the decisions on complaints and conclusions on
    # denunciations that order something (domain/enforcement.to_enforce), by the unit that
    # decided; carried over = decided before the period and not enforced before it; new =
    # decided in it; enforced = enforced (services/enforcement.py) in it. What was due is
    # that of the decisions of column 1; what was done, that of the decisions of column 4.
    "05/KQTH": Form(
        "05/KQTH", "Tổng hợp kết quả thi hành quyết định giải quyết khiếu nại, kết luận "
        "nội dung tố cáo", "Enforcement of complaint decisions and denunciation "
        "conclusions summary", (
            _c("1", "Tổng số quyết định phải thi hành", "Decisions to enforce, total",
               formula="1=2+3", group=_TO_ENFORCE),
            _c("2", "Kỳ trước chuyển sang", "Carried over", measure="kqth_carried",
               group=_TO_ENFORCE),
            _c("3", "Ban hành trong kỳ", "Issued in the period", measure="kqth_issued",
               group=_TO_ENFORCE),
            _c("4", "Đã thi hành xong", "Enforced", measure="kqth_enforced", group=_ENFORCED),
            _c("5", "Chưa thi hành xong (tồn cuối kỳ)", "Not yet enforced at the cut-off",
               formula="5=1-4", group=_ENFORCED),
            _c("6", "Tiền phải thu hồi (triệu đồng)", "Money to recover (million VND)",
               measure="kqth_money_recover", group=_STATE),
            _c("7", "Tiền đã thu hồi (triệu đồng)", "Money recovered (million VND)",
               measure="kqth_money_recovered", group=_STATE),
            _c("8", "Đất phải thu hồi (m²)", "Land to recover (m²)",
               measure="kqth_land_recover", group=_STATE),
            _c("9", "Đất đã thu hồi (m²)", "Land recovered (m²)",
               measure="kqth_land_recovered", group=_STATE),
            _c("10", "Tiền phải trả lại (triệu đồng)", "Money to return (million VND)",
               measure="kqth_money_return", group=_RETURNED),
            _c("11", "Tiền đã trả lại (triệu đồng)", "Money returned (million VND)",
               measure="kqth_money_returned", group=_RETURNED),
            _c("12", "Đất phải trả lại (m²)", "Land to return (m²)",
               measure="kqth_land_return", group=_RETURNED),
            _c("13", "Đất đã trả lại (m²)", "Land returned (m²)",
               measure="kqth_land_returned", group=_RETURNED),
            _c("14", "Người bị kiến nghị xử lý kỷ luật", "People recommended for discipline",
               measure="kqth_discipline_due", group=_DISCIPLINE),
            _c("15", "Người đã bị xử lý kỷ luật", "People disciplined",
               measure="kqth_disciplined", group=_DISCIPLINE),
            _c("16", "Trong đó cán bộ, công chức", "Of whom officials",
               measure="kqth_officials_disciplined", group=_DISCIPLINE),
            _c("17", "Vụ việc chuyển cơ quan điều tra", "Matters sent to investigation",
               measure="kqth_investigation_due", group=_PROSECUTION),
            _c("18", "Số vụ đã khởi tố", "Cases prosecuted", measure="kqth_cases_prosecuted",
               group=_PROSECUTION),
            _c("19", "Số đối tượng đã khởi tố", "People prosecuted",
               measure="kqth_people_prosecuted", group=_PROSECUTION),
        ), "Thông tư 06/2025/TT-TTCP"),
    "01/TCD": Form(
        "01/TCD", "Tổng hợp kết quả tiếp công dân", "Citizen reception summary", (
            _c("1", "Tổng lượt tiếp", "Turns, total", formula="1=2+5", group=_RECV),
            _c("2", "Lượt tiếp thường xuyên", "Regular reception: turns",
               measure="tcd_regular_turns", group=("Tiếp thường xuyên", "Regular")),
            _c("3", "Số người (thường xuyên)", "Regular reception: people",
               measure="tcd_regular_people", group=("Tiếp thường xuyên", "Regular")),
            _c("4", "Vụ việc (thường xuyên)", "Regular reception: matters",
               measure="tcd_regular_matters", group=("Tiếp thường xuyên", "Regular")),
            _c("5", "Lượt lãnh đạo tiếp", "Leaders' reception: turns", formula="5=6+7",
               group=("Lãnh đạo tiếp", "By leaders")),
            _c("6", "Thủ trưởng trực tiếp tiếp", "By the head in person: turns",
               measure="tcd_head_turns", group=("Lãnh đạo tiếp", "By leaders")),
            _c("7", "Người được ủy quyền tiếp", "By an authorised deputy: turns",
               measure="tcd_deputy_turns", group=("Lãnh đạo tiếp", "By leaders")),
            _c("8", "Số kỳ tiếp của lãnh đạo", "Leaders' reception sessions held",
               measure="tcd_leader_sessions", group=("Lãnh đạo tiếp", "By leaders")),
            _c("9", "Vụ việc tiếp lần đầu", "Matters, first time", measure="tcd_first",
               group=("Vụ việc", "Matters")),
            _c("10", "Vụ việc tiếp nhiều lần", "Matters, repeated", measure="tcd_repeated",
               group=("Vụ việc", "Matters")),
            _c("11", "Số đoàn đông người", "Group delegations", measure="tcd_delegations",
               group=("Đoàn đông người", "Group delegations")),
            _c("12", "Số người trong đoàn", "People in delegations",
               measure="tcd_delegation_people",
               group=("Đoàn đông người", "Group delegations")),
            # Columns 13– were appended after QA: earlier numbers stay as tools know them.
            # A leaders' session is periodic or unscheduled (`scheduled` is NOT NULL), so
            # the unscheduled figures are the rest of columns 5 and 8.
            _c("13", "Lượt tiếp định kỳ của lãnh đạo", "Leaders' periodic reception: turns",
               measure="tcd_periodic_turns", group=_LEADERS),
            _c("14", "Lượt tiếp đột xuất của lãnh đạo",
               "Leaders' unscheduled reception: turns", formula="14=5-13", group=_LEADERS),
            _c("15", "Số kỳ tiếp định kỳ của lãnh đạo", "Leaders' periodic sessions held",
               measure="tcd_periodic_sessions", group=_LEADERS),
            _c("16", "Số kỳ tiếp đột xuất của lãnh đạo", "Leaders' unscheduled sessions held",
               formula="16=8-15", group=_LEADERS),
            _c("17", "Số người (thủ trưởng trực tiếp tiếp)", "By the head in person: people",
               measure="tcd_head_people", group=_LEADERS),
            _c("18", "Số người (người được ủy quyền tiếp)", "By an authorised deputy: people",
               measure="tcd_deputy_people", group=_LEADERS),
            _c("19", "Số vụ việc của đoàn đông người", "Matters of delegations",
               measure="tcd_delegation_matters",
               group=("Đoàn đông người", "Group delegations")),
            # Columns 20– were appended so that every cell of the reception grid is printed
            # (reports.md): for regular reception, the leaders' periodic reception and the
            # unscheduled one by the head in person or by an authorised deputy, the
            # sessions, turns, people, matters first-time and repeated, and the group
            # delegations (delegations, people, matters). Those four kinds split every
            # session (kind is regular, head or deputy; `scheduled` is NOT NULL), so the
            # deputy's unscheduled figures are what the totals leave (columns 40–47).
            _c("20", "Số buổi tiếp thường xuyên", "Regular reception: sessions held",
               measure="tcd_regular_sessions", group=_REGULAR),
            _c("21", "Vụ việc tiếp lần đầu (thường xuyên)",
               "Regular reception: matters, first time",
               measure="tcd_regular_first", group=_REGULAR),
            _c("22", "Vụ việc tiếp nhiều lần (thường xuyên)",
               "Regular reception: matters, repeated",
               formula="22=4-21", group=_REGULAR),
            _c("23", "Số đoàn đông người (thường xuyên)", "Regular reception: group delegations",
               measure="tcd_regular_delegations", group=_REGULAR),
            _c("24", "Số người trong đoàn (thường xuyên)",
               "Regular reception: people in delegations",
               measure="tcd_regular_delegation_people", group=_REGULAR),
            _c("25", "Số vụ việc của đoàn (thường xuyên)",
               "Regular reception: matters of delegations",
               measure="tcd_regular_delegation_matters", group=_REGULAR),
            _c("26", "Số người (lãnh đạo tiếp định kỳ)", "Leaders' periodic reception: people",
               measure="tcd_periodic_people", group=_PERIODIC),
            _c("27", "Vụ việc tiếp lần đầu (định kỳ)",
               "Leaders' periodic reception: matters, first time",
               measure="tcd_periodic_first", group=_PERIODIC),
            _c("28", "Vụ việc tiếp nhiều lần (định kỳ)",
               "Leaders' periodic reception: matters, repeated",
               measure="tcd_periodic_repeated", group=_PERIODIC),
            _c("29", "Số đoàn đông người (định kỳ)",
               "Leaders' periodic reception: group delegations",
               measure="tcd_periodic_delegations", group=_PERIODIC),
            _c("30", "Số người trong đoàn (định kỳ)",
               "Leaders' periodic reception: people in delegations",
               measure="tcd_periodic_delegation_people", group=_PERIODIC),
            _c("31", "Số vụ việc của đoàn (định kỳ)",
               "Leaders' periodic reception: matters of delegations",
               measure="tcd_periodic_delegation_matters", group=_PERIODIC),
            _c("32", "Số kỳ thủ trưởng trực tiếp tiếp đột xuất",
               "Unscheduled, by the head in person: sessions held",
               measure="tcd_unscheduled_head_sessions", group=_HEAD_UNSCHEDULED),
            _c("33", "Lượt thủ trưởng trực tiếp tiếp đột xuất",
               "Unscheduled, by the head in person: turns",
               measure="tcd_unscheduled_head_turns", group=_HEAD_UNSCHEDULED),
            _c("34", "Số người (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: people",
               measure="tcd_unscheduled_head_people", group=_HEAD_UNSCHEDULED),
            _c("35", "Vụ việc tiếp lần đầu (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: matters, first time",
               measure="tcd_unscheduled_head_first", group=_HEAD_UNSCHEDULED),
            _c("36", "Vụ việc tiếp nhiều lần (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: matters, repeated",
               measure="tcd_unscheduled_head_repeated", group=_HEAD_UNSCHEDULED),
            _c("37", "Số đoàn đông người (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: group delegations",
               measure="tcd_unscheduled_head_delegations", group=_HEAD_UNSCHEDULED),
            _c("38", "Số người trong đoàn (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: people in delegations",
               measure="tcd_unscheduled_head_delegation_people", group=_HEAD_UNSCHEDULED),
            _c("39", "Số vụ việc của đoàn (thủ trưởng tiếp đột xuất)",
               "Unscheduled, by the head in person: matters of delegations",
               measure="tcd_unscheduled_head_delegation_matters", group=_HEAD_UNSCHEDULED),
            _c("40", "Số kỳ người được ủy quyền tiếp đột xuất",
               "Unscheduled, by an authorised deputy: sessions held",
               formula="40=16-32", group=_DEPUTY_UNSCHEDULED),
            _c("41", "Lượt người được ủy quyền tiếp đột xuất",
               "Unscheduled, by an authorised deputy: turns",
               formula="41=14-33", group=_DEPUTY_UNSCHEDULED),
            _c("42", "Số người (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: people",
               formula="42=17+18-26-34", group=_DEPUTY_UNSCHEDULED),
            _c("43", "Vụ việc tiếp lần đầu (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: matters, first time",
               formula="43=9-21-27-35", group=_DEPUTY_UNSCHEDULED),
            _c("44", "Vụ việc tiếp nhiều lần (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: matters, repeated",
               formula="44=10-22-28-36", group=_DEPUTY_UNSCHEDULED),
            _c("45", "Số đoàn đông người (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: group delegations",
               formula="45=11-23-29-37", group=_DEPUTY_UNSCHEDULED),
            _c("46", "Số người trong đoàn (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: people in delegations",
               formula="46=12-24-30-38", group=_DEPUTY_UNSCHEDULED),
            _c("47", "Số vụ việc của đoàn (ủy quyền tiếp đột xuất)",
               "Unscheduled, by an authorised deputy: matters of delegations",
               formula="47=19-25-31-39", group=_DEPUTY_UNSCHEDULED),
        ), "Thông tư 01/2024/TT-TTCP"),
}
