"""The rows of the inspectors' case files (CSV / Excel): the overdue list's and the case
list's, in the reader's language, a denouncer always masked (services/inspection)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from complaints.domain import catalog
from complaints.domain.confidentiality import MASK
from complaints.services import case_view
from complaints.services import inspection as monitoring

# The overdue list's stage and due date: the case list has no one stage (its rows are
# cases, not overdue stages), so its file does not carry two always-empty columns.
_STAGE_COLUMNS = (8, 9)


def columns(overdue: bool) -> list[str]:
    """The header of the overdue list's file, or of the case list's."""
    names = [_("Mã hồ sơ"), _("Loại"), _("Nội dung"), _("Người gửi"), _("Số người"),
             _("Cơ quan giải quyết"), _("Ngày nhận"), _("Trạng thái"), _("Giai đoạn"),
             _("Hạn"), _("Mức leo thang"), _("Dấu hiệu")]
    return names if overdue else [n for i, n in enumerate(names) if i not in _STAGE_COLUMNS]


def cells(row: monitoring.Row, overdue: bool) -> list:
    """One row of the file, matching `columns(overdue)`."""
    case, lang = row.case, str(get_locale() or "vi")
    values = [
        case.tracking_code, catalog.label(catalog.KINDS, case.kind, lang), case.subject,
        case_view.MASK_EN if lang == "en" and row.petitioner == MASK else row.petitioner,
        row.petitioners, case_view.agency_name(case.agency, lang) if case.agency else "",
        case.received_on,
        case_view.text_label(case_view.STATUS_LABELS, case.status, lang),
        case_view.text_label(case_view.STAGE_LABELS, row.stage, lang) if row.stage else "",
        row.due_on, case.escalation_level,
        ", ".join(catalog.label(catalog.ESCALATION_REASONS, f, lang) if f != "overdue"
                  else _("Quá hạn") for f in case.flags),
    ]
    return values if overdue else [v for i, v in enumerate(values) if i not in _STAGE_COLUMNS]
