"""The combined workbook of a period and an agency subtree: cases, escalations, scorecards.

One sheet each, written with openpyxl's write-only mode to a file, rows streamed from
keyset-paginated Core queries (no ORM objects kept), so that memory stays flat whatever
the number of cases. The reader's scope and the denouncers' masking are those of the
screens: the cases are `inspection.cases_query` with the agency and date filters (what
"Tra cứu hồ sơ" lists), and each first signer's name is masked unless
`permissions.can_list_identity` allows it (never a denouncer's: a list records no view).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from complaints.domain import catalog
from complaints.domain.confidentiality import MASK
from complaints.domain.escalation import ACK_ACTIONS, EVADED
from complaints.domain.messages import N_
from complaints.domain.reports import Period
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    Escalation,
    Field,
    Petition,
    Petitioner,
    PetitionSigner,
    Routing,
    User,
)
from complaints.permissions import can_list_identity
from complaints.services import case_view, queries, scorecard, scorecard_summary
from complaints.services import inspection as monitoring
from complaints.services.spreadsheet import xlsx_row

BATCH = 5000
SHEET_MAX_ROWS = 1_048_576  # Excel's limit: more cases continue on "Hồ sơ (2)", …
Progress = Callable[[int, str], None]  # (percent 0–100, short stage text)

SHEETS = {"cases": ("Hồ sơ", "Cases"), "escalations": ("Leo thang", "Escalations"),
          "scorecards": ("Bảng điểm", "Scorecards")}
CASE_HEADER = (
    ("Mã hồ sơ", "Tracking code"), ("Loại", "Kind"), ("Lĩnh vực", "Field"),
    ("Nội dung", "Subject"), ("Người gửi", "Petitioner"), ("Số người", "People"),
    ("Cơ quan giải quyết", "Handling agency"), ("Ngày nhận", "Received on"),
    ("Trạng thái", "Status"), ("Mức leo thang", "Escalation level"), ("Dấu hiệu", "Flags"),
)
ESCALATION_HEADER = (
    ("Mã hồ sơ", "Tracking code"), ("Nội dung", "Subject"), ("Lý do", "Reason"),
    ("Mức", "Level"), ("Cơ quan chịu trách nhiệm", "Answerable agency"),
    ("Gửi đến", "Sent to"), ("Ngày", "Date"),
    ("Biện pháp đã thực hiện", "Action taken"), ("Ghi chú", "Note"),
)
SCORE_HEADER = (
    ("Hạng", "Rank"), ("Cơ quan", "Agency"), ("Điểm", "Score"), ("Tiếp nhận", "Received"),
    ("Thụ lý", "Accepted"), ("Thụ lý đúng hạn", "Accepted on time"),
    ("Giải quyết", "Resolved"), ("Giải quyết đúng hạn", "Resolved on time"),
    ("Đang xử lý", "Open now"), ("Quá hạn hiện tại", "Overdue now"),
    ("Leo thang", "Escalations"), ("Né tránh", "Evasions"), ("Đơn lặp lại", "Repeated"),
    ("Đông người", "Mass"), ("Buổi tiếp đã tổ chức", "Reception days held"),
    ("Buổi tiếp phải tổ chức", "Reception days required"),
    ("Hài lòng (trung bình)", "Satisfaction (average)"), ("Số đánh giá", "Ratings"),
)
FLAG_LABELS = {"overdue": ("Quá hạn", "Overdue")}
UNCONFIRMED = ("Chưa xác nhận", "Not acknowledged")


def _t(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _agency_name(name: str | None, name_en: str | None, lang: str) -> str:
    """An agency's name from a Core row, in `lang` as the official forms word it."""
    if name is None:
        return ""
    return case_view.agency_name(SimpleNamespace(name=name, name_en=name_en), lang)


@dataclass
class WorkbookResult:
    rows: dict[str, int] = field(default_factory=dict)  # sheet kind → data rows written


def case_scope(user: User, root_code: str, period: Period):
    """The cases of the workbook: what the case list shows for this agency and period."""
    f = monitoring.CaseFilter(agency=root_code, date_from=period.start, date_to=period.end)
    return monitoring.cases_query(user, f).order_by(None)


def _first_signers(case_ids: list[int]) -> dict[int, tuple[str, int]]:
    """First signer's name and the number of distinct signers, as the lists compute them."""
    rows = db.session.execute(
        select(Petition.case_id, Petitioner.full_name)
        .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
        .join(Petitioner, Petitioner.id == PetitionSigner.petitioner_id)
        .where(Petition.case_id.in_(case_ids))
        .order_by(Petition.case_id, Petition.id, PetitionSigner.petitioner_id))
    out: dict[int, tuple[str, set]] = {}
    for case_id, name in rows:
        first, seen = out.setdefault(case_id, (name, set()))
        seen.add(name)  # the lists count distinct names
    return {k: (first, len(seen)) for k, (first, seen) in out.items()}


def _case_rows(user: User, root_code: str, period: Period, lang: str,
               on_batch: Callable[[int], None]):
    """Yield the cases sheet's rows, batch by batch (windows of case ids)."""
    scope = case_scope(user, root_code, period)
    agency = aliased(Agency)
    columns = (Case.id, Case.tracking_code, Case.kind, Case.subject, Case.agency_id,
               Case.reception_agency_id, Case.officer_id, Case.received_on, Case.status,
               Case.escalation_level, Case.flag_overdue, Case.flag_evaded, Case.flag_repeated,
               Case.flag_mass, agency.name.label("agency_name"),
               agency.name_en.label("agency_name_en"), Field.code.label("field_code"),
               Field.name_vi.label("field_vi"), Field.name_en.label("field_en"))
    fields_ = {"vi": "field_vi", "en": "field_en"}
    # Windows of BATCH ids, not LIMIT: a range on the primary key is what the planner
    # reads then (with a LIMIT, SQLite sorted the whole period's rows for every batch).
    low, high = db.session.execute(scope.with_only_columns(
        func.min(Case.id), func.max(Case.id))).one()
    if low is None:
        return
    for start in range(low - 1, high, BATCH):
        batch = db.session.execute(
            scope.with_only_columns(*columns)
            .outerjoin(agency, agency.id == Case.agency_id)
            .outerjoin(Field, Field.id == Case.field_id)
            .where(Case.id > start, Case.id <= start + BATCH).order_by(Case.id)).all()
        if not batch:
            continue
        signers = _first_signers([r.id for r in batch])
        for r in batch:
            first, people = signers.get(r.id, ("", 0))
            if first and not can_list_identity(user, r):  # a denouncer: always masked
                first = case_view.MASK_EN if lang == "en" else MASK
            flags = [name for name in ("overdue", "evaded", "repeated", "mass")
                     if getattr(r, f"flag_{name}")]
            yield [
                r.tracking_code, catalog.label(catalog.KINDS, r.kind, lang),
                getattr(r, fields_.get(lang, "field_vi")) or "", r.subject, first, people,
                _agency_name(r.agency_name, r.agency_name_en, lang),
                r.received_on.strftime("%d/%m/%Y"),
                case_view.text_label(case_view.STATUS_LABELS, r.status, lang),
                r.escalation_level,
                ", ".join(_t(FLAG_LABELS[f], lang) if f in FLAG_LABELS
                          else catalog.label(catalog.ESCALATION_REASONS, f, lang)
                          for f in flags),
            ]
        on_batch(len(batch))


def _escalation_rows(user: User, root_code: str, period: Period, lang: str):
    """Yield the escalations dated in the period counted against the workbook's agencies
    (wherever their cases are now, as its scorecard sheet counts them), among the cases
    the user may see.

    Exactly what the scorecard sheet counts (QA round 60: the sheets disagreed): by the
    answerable agency, not lapsed as overtaken. An evasion escalation is no agency's
    (the agencies that passed the case on carry it as evasions): listed, with no
    answerable agency, when one of them is the workbook's."""
    visible = queries.cases_visible_to(user).order_by(None).with_only_columns(Case.id)
    subtree = monitoring.agency_subtree(root_code) or [-1]
    passed_on = (select(Routing.id)
                 .where(Routing.case_id == Escalation.case_id,
                        Routing.action.in_(scorecard_summary.EVADING),
                        Routing.from_agency_id.in_(subtree))
                 .exists())
    counted = and_(scorecard_summary.not_overtaken(), or_(
        Escalation.agency_id.in_(subtree),
        and_(Escalation.agency_id.is_(None), Escalation.reason == EVADED, passed_on)))
    to_agency, answerable = aliased(Agency), aliased(Agency)
    last = 0
    while True:
        batch = db.session.execute(
            select(Escalation.id, Escalation.reason, Escalation.level, Escalation.as_of,
                   Escalation.acknowledged_at, Escalation.action_taken, Escalation.action_note,
                   Case.tracking_code, Case.subject, to_agency.name.label("to_name"),
                   to_agency.name_en.label("to_name_en"), answerable.name.label("by_name"),
                   answerable.name_en.label("by_name_en"))
            .join(Case, Case.id == Escalation.case_id)
            .outerjoin(to_agency, to_agency.id == Escalation.to_agency_id)
            .outerjoin(answerable, answerable.id == Escalation.agency_id)
            .where(Escalation.case_id.in_(visible), counted,
                   Escalation.as_of >= period.start,
                   Escalation.as_of <= period.end, Escalation.id > last)
            .order_by(Escalation.id).limit(BATCH)).all()
        if not batch:
            return
        for e in batch:
            action = (catalog.label(ACK_ACTIONS, e.action_taken, lang) if e.action_taken
                      else "") if e.acknowledged_at else _t(UNCONFIRMED, lang)
            yield [e.tracking_code, e.subject,
                   catalog.label(catalog.ESCALATION_REASONS, e.reason, lang), e.level,
                   _agency_name(e.by_name, e.by_name_en, lang),
                   _agency_name(e.to_name, e.to_name_en, lang), e.as_of.strftime("%d/%m/%Y"),
                   action, e.action_note or ""]
        last = batch[-1].id


def _score_rows(user: User, root_code: str, period: Period, today: date, lang: str):
    ids = set(monitoring.agency_subtree(root_code))
    for card in scorecard.scorecards(user, period.start, period.end, today):
        if card.agency.id not in ids:
            continue
        m = card.metrics
        yield [card.rank, case_view.agency_name(card.agency, lang),
               round(card.score, 1) if card.score is not None else "", m.received,
               m.accepted, m.accepted_on_time, m.resolved, m.resolved_on_time, m.open_now,
               m.overdue_now, sum(m.escalations.values()), m.evasions, m.repeated, m.mass,
               m.reception_held, m.reception_required,
               round(m.satisfaction_avg, 2) if m.satisfaction_avg is not None else "",
               m.satisfaction_count]


def count_cases(user: User, root_code: str, period: Period) -> int:
    scope = case_scope(user, root_code, period)
    return db.session.scalar(select(func.count()).select_from(scope.subquery())) or 0


def _sheet(book: Workbook, title: str, header: list[str], rows) -> int:
    """Write one sheet (header, then the rows as they stream); return the rows written."""
    sheet = book.create_sheet(title)
    sheet.append(xlsx_row(sheet, header))
    written = 0
    for row in rows:
        sheet.append(xlsx_row(sheet, row))  # subjects and notes are citizens' text
        written += 1
    return written


def write_workbook(user: User, root_code: str, period: Period, today: date, path: Path,
                   lang: str = "vi", progress: Progress | None = None) -> WorkbookResult:
    """Write the three sheets to `path`; report progress (cases take 0–85 %)."""
    report = progress or (lambda _pct, _stage: None)
    result = WorkbookResult()
    book = Workbook(write_only=True)
    total = count_cases(user, root_code, period)
    report(1, N_("Hồ sơ: %(done)s/%(total)s", done=0, total=total))
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        report(1 + int(84 * done / max(total, 1)),
               N_("Hồ sơ: %(done)s/%(total)s", done=done, total=total))

    header = [_t(h, lang) for h in CASE_HEADER]
    title, part, in_sheet = _t(SHEETS["cases"], lang), 1, 0
    sheet = book.create_sheet(title)
    sheet.append(xlsx_row(sheet, header))
    written = 0
    for row in _case_rows(user, root_code, period, lang, on_batch):
        if in_sheet == SHEET_MAX_ROWS - 1:
            part += 1
            sheet = book.create_sheet(f"{title} ({part})")
            sheet.append(xlsx_row(sheet, header))
            in_sheet = 0
        sheet.append(xlsx_row(sheet, row))  # a subject may read "=HYPERLINK(…)"
        in_sheet += 1
        written += 1
    result.rows["cases"] = written

    report(85, N_("Leo thang"))
    result.rows["escalations"] = _sheet(book, _t(SHEETS["escalations"], lang),
                                        [_t(h, lang) for h in ESCALATION_HEADER],
                                        _escalation_rows(user, root_code, period, lang))
    report(92, N_("Bảng điểm"))
    result.rows["scorecards"] = _sheet(book, _t(SHEETS["scorecards"], lang),
                                       [_t(h, lang) for h in SCORE_HEADER],
                                       _score_rows(user, root_code, period, today, lang))

    report(97, N_("Ghi tệp"))
    book.save(path)
    return result
