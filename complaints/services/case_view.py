"""What a case page shows: summary, deadlines, actions, petitioners (masked), timeline.

Read side only, shared by the agency's case page and the reception's. Masking is decided
here once, from permissions.can_see_identity, so no template decides it on its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from babel.numbers import format_decimal
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import selectinload

from complaints.clock import LOCAL_TZ
from complaints.domain import catalog, states
from complaints.domain import enforcement as enforcement_rules
from complaints.domain.confidentiality import (
    AUTHOR_TEXT_HIDDEN,
    MASK,
    hide_author_texts,
    mask_data,
)
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseDeadline,
    Field,
    Locality,
    Petition,
    Petitioner,
    PetitionSigner,
    User,
)
from complaints.permissions import can_act, can_read_content, can_see_identity, can_see_link
from complaints.services import attachments as attachments_service
from complaints.services import audit, queries
from complaints.services.calendar import get_calendar

logger = logging.getLogger(__name__)

# Case actions offered on an agency's case page, in the order a head thinks of them.
AGENCY_ACTIONS = ("accept", "refuse", "assign", "extend", "declare_complex", "suspend",
                  "resume", "resolve", "enforce", "close", "return", "transfer", "withdraw")

# Timeline labels (vi, en) of the audit actions written by the services.
EVENT_LABELS = {
    "received": ("Tiếp nhận đơn", "Petition received"),
    "petition_added": ("Nhập thêm đơn (đơn trùng, nhiều lần)", "Later petition joined"),
    "petition_history_corrected": ("Sửa lịch sử vụ việc của đơn",
                                   "A letter's history of the matter corrected"),
    "petitioner_corrected": ("Sửa thông tin người đứng đơn",
                             "A petitioner's particulars corrected"),
    "petition_eligibility_corrected": ("Sửa điều kiện xử lý của đơn",
                                       "A letter's eligibility for handling corrected"),
    "particulars_corrected": ("Sửa thông tin hồ sơ (lĩnh vực, địa bàn, trích yếu)",
                              "Case particulars corrected (field, locality, subject)"),
    "case_split": ("Tách đơn: một nội dung chuyển thành hồ sơ mới",
                   "Letter split: one content taken out into a new case"),
    "split_from": ("Hồ sơ tách từ đơn có nhiều nội dung",
                   "Case split from a letter with several contents"),
    "routed": ("Chuyển cơ quan có thẩm quyền", "Routed to the competent agency"),
    "accepted": ("Thụ lý", "Accepted for resolution"),
    "refused": ("Không thụ lý", "Not accepted"),
    "assigned": ("Giao cán bộ xử lý", "Assigned to an officer"),
    "extended": ("Gia hạn giải quyết", "Resolution deadline extended"),
    # The desk's extension is also an "extended" event, of the handling stage (event_key).
    "extended_handling": ("Gia hạn xử lý đơn", "Handling deadline extended"),
    "complexity_declared": ("Xác định vụ việc phức tạp", "Declared complex"),
    "returned": ("Trả lại đơn", "Returned to reception"),
    "transferred": ("Chuyển đơn sang cơ quan khác", "Transferred to another agency"),
    "suspended": ("Tạm đình chỉ", "Suspended"),
    "resumed": ("Tiếp tục giải quyết", "Resumed"),
    "resolved": ("Giải quyết / kết luận", "Resolved"),
    "enforcement_recorded": ("Ghi nhận kết quả thi hành quyết định / kết luận",
                             "Enforcement of the decision recorded"),
    "closed": ("Kết thúc", "Closed"),
    "withdrawn": ("Rút đơn", "Withdrawn"),
    "signers_withdrawn": ("Người đứng đơn rút đơn, hồ sơ tiếp tục",
                          "Petitioners withdrew, the case goes on"),
    "file": ("Lưu đơn", "Filed"),
    "guide": ("Hướng dẫn", "Guided"),
    "forward": ("Chuyển cơ quan ngoài hệ thống", "Forwarded outside the system"),
    "reply_received": ("Nhận văn bản phúc đáp", "Reply letter received"),
    "identity_viewed": ("Xem danh tính người đứng đơn", "Petitioners' identity viewed"),
    "deadline_recomputed": ("Tính lại thời hạn", "Deadline recomputed"),
    "escalated": ("Kiến nghị xử lý (cảnh báo)", "Escalated"),
    "escalation_acknowledged": ("Xác nhận kiến nghị xử lý", "Escalation acknowledged"),
    "escalations_superseded": ("Kiến nghị xử lý hết hiệu lực (hồ sơ đã chuyển, trả lại, "
                               "có hạn mới hoặc đã thực hiện trong hạn)",
                               "Escalations superseded (the case moved on, got a new due "
                               "date, or the step was taken in time)"),
    "reminders_closed": ("Đóng nhắc việc: việc đã được thực hiện",
                         "Reminders closed: the step was taken"),
    "mass_flag_cleared": ("Bỏ đánh dấu đơn đông người: không còn đủ số người đứng đơn sau "
                          "khi rút đơn",
                          "Mass-petition flag cleared: too few petitioners remain after "
                          "withdrawals"),
    # The same, after the desk corrected the case's particulars (event_key: its "cause").
    "mass_flag_cleared_matter": ("Bỏ đánh dấu đơn đông người: sau khi sửa thông tin hồ sơ, "
                                 "vụ việc không còn đủ số người đứng đơn",
                                 "Mass-petition flag cleared: too few petitioners on the "
                                 "matter after a case's particulars were corrected"),
    "attachment_added": ("Thêm tài liệu kèm theo", "Attachment added"),
    "identity_revealed": ("Xem tài liệu lộ danh tính", "Identifying document viewed"),
    "feedback": ("Công dân đánh giá kết quả", "Citizen's rating"),
    "inspector_urged": ("Thanh tra đôn đốc", "Urged by the inspectorate"),
    "note_added": ("Ghi chú quá trình xử lý", "Note on the work"),
    "pin_reissued": ("Cấp lại mã PIN tra cứu", "Look-up PIN reissued"),
    "holder_urged": ("Bộ phận tiếp công dân đôn đốc cơ quan đang giải quyết (đơn gửi sau)",
                     "The desk urged the agency resolving it (on a later letter)"),
    "reexamination_ordered": ("Thanh tra yêu cầu xem xét lại", "Re-examination ordered"),
    "lead_designated": ("Chỉ định cơ quan chủ trì", "Lead agency designated"),
    "lead_set_by_inspector": ("Thanh tra chỉ định cơ quan chủ trì",
                              "Lead agency set by the inspectorate"),
    "taken_up_by_inspectorate": ("Thanh tra trực tiếp xử lý", "Taken up by the inspectorate"),
    "marked_heated": ("Đánh dấu vụ việc gay gắt", "Marked heated"),
    "unscheduled_reception_held": ("Tiếp công dân đột xuất", "Unscheduled reception held"),
}
ACTION_LABELS = {
    # Reception's handling outcomes (xử lý đơn), named as on the reception case page.
    "route": ("Chuyển đơn", "Route"),
    "file": ("Lưu đơn", "File away"),
    "guide": ("Hướng dẫn", "Guide"),
    "forward": ("Chuyển ra ngoài", "Forward outside"),
    "designate_lead": ("Chỉ định cơ quan chủ trì", "Designate the lead agency"),
    "split": ("Tách đơn", "Split the letter"),
    "correct_particulars": ("Sửa thông tin hồ sơ", "Correct the case's particulars"),
    "urge_holder": ("Đôn đốc cơ quan đang giải quyết", "Urge the agency resolving it"),
    "accept": ("Thụ lý", "Accept"),
    "refuse": ("Không thụ lý", "Refuse"),
    "assign": ("Giao cán bộ", "Assign"),
    "extend": ("Gia hạn", "Extend"),
    "declare_complex": ("Xác định vụ việc phức tạp", "Declare complex"),
    "extend_handling": ("Gia hạn xử lý đơn", "Extend the handling deadline"),
    "suspend": ("Tạm đình chỉ", "Suspend"),
    "resume": ("Tiếp tục", "Resume"),
    "resolve": ("Ghi nhận kết quả giải quyết", "Record the resolution"),
    "enforce": ("Ghi nhận thi hành quyết định", "Record the enforcement"),
    "close": ("Kết thúc hồ sơ", "Close"),
    "return": ("Trả lại đơn", "Return"),
    "transfer": ("Chuyển cơ quan khác", "Transfer"),
    "withdraw": ("Ghi nhận rút đơn", "Record withdrawal"),
}
STATUS_LABELS = {
    states.RECEIVED: ("Mới tiếp nhận", "Received"),
    states.ROUTED: ("Chờ thụ lý", "Waiting for acceptance"),
    states.RETURNED: ("Bị trả lại, chờ chuyển lại", "Returned"),
    states.ACCEPTED: ("Đang giải quyết", "Accepted, in progress"),
    states.SUSPENDED: ("Tạm đình chỉ", "Suspended"),
    states.RESOLVED: ("Đã giải quyết", "Resolved"),
    states.CLOSED: ("Đã kết thúc", "Closed"),
    states.FILED: ("Đã lưu đơn", "Filed"),
    states.GUIDED: ("Đã hướng dẫn", "Guided"),
    states.FORWARDED: ("Đã chuyển ra ngoài", "Forwarded"),
    states.NOT_ACCEPTED: ("Không thụ lý", "Not accepted"),
    states.WITHDRAWN: ("Đã rút đơn", "Withdrawn"),
}
# The English keeps the legal term beside it, as the desk's case page does (QA 99).
STAGE_LABELS = {
    "handling": ("Xử lý đơn", "Handling (xử lý đơn)"),
    "acceptance": ("Thụ lý", "Acceptance (thụ lý)"),
    "resolution": ("Giải quyết", "Resolution (giải quyết)"),
}


ROUTING_ACTION_LABELS = {
    "route": ("Chuyển xử lý", "Routed"),
    "return": ("Trả lại đơn", "Returned"),
    "transfer": ("Chuyển cơ quan khác", "Transferred"),
    "designate_lead": ("Chỉ định cơ quan chủ trì", "Lead agency designated"),
    "second_round": ("Chuyển giải quyết khiếu nại lần hai",
                     "Sent for the second-round complaint (khiếu nại lần hai)"),
}
# The details an audit event carries, as the timeline names them.
DETAIL_LABELS = {
    "on": ("Ngày", "Date"), "reason": ("Lý do", "Reason"), "to": ("Đến", "To"),
    # The resolver's finding at acceptance (workflow.accept).
    "is_complex": ("Vụ việc phức tạp", "Complex matter"),
    "is_remote": ("Vùng sâu, vùng xa, đi lại khó khăn", "Remote area, hard to travel"),
    "channel": ("Kênh", "Channel"), "received_on": ("Ngày nhận", "Received on"),
    "signers": ("Số người đứng đơn", "Petitioners"), "kind": ("Loại đơn", "Kind"),
    "parent": ("Hồ sơ lần đầu", "First-round case"), "officer": ("Cán bộ", "Officer"),
    "decision": ("Quyết định", "Decision"), "on_time": ("Đúng hạn", "On time"),
    "outcome": ("Kết quả", "Outcome"), "escalation": ("Số kiến nghị", "Escalation no."),
    "level": ("Mức", "Level"), "stage": ("Giai đoạn", "Stage"),
    "due_on": ("Hạn", "Due"), "as_of": ("Tính đến", "As of"),
    "met_on": ("Ngày thực hiện", "Done on"), "left_on": ("Ngày chuyển đi", "Left on"),
    "suggested": ("Cơ quan đề xuất", "Suggested agency"),
    "agencies": ("Các cơ quan", "Agencies"), "why": ("Căn cứ", "Why"),
    "filing_reason": ("Lý do lưu đơn", "Reason for filing"),
    "refusal_ground": ("Căn cứ không thụ lý", "Ground for not accepting"),
    "days": ("Số ngày", "Days"), "from": ("Từ", "From"),
    "petition": ("Đơn", "Letter"), "forwarded_to": ("Chuyển đến", "Forwarded to"),
    "cluster": ("Nhóm đông người", "Mass cluster"), "session": ("Buổi tiếp", "Session"),
    "held_on": ("Ngày tiếp", "Held on"), "via": ("Qua", "Via"), "note": ("Ghi chú", "Note"),
    "ground": ("Căn cứ xem", "Ground stated"),
    "lead": ("Cơ quan chủ trì", "Lead agency"), "before": ("Trước đó", "Before"),
    "attachment": ("Tệp số", "File no."), "purpose": ("Loại tài liệu", "Document type"),
    "rating_result": ("Đánh giá kết quả", "Rating of the result"),
    "rating_service": ("Đánh giá thái độ phục vụ", "Rating of the service"),
    "action": ("Biện pháp", "Action"), "agency": ("Cơ quan", "Agency"),
    "variant": ("Trường hợp", "Case type"), "due_from": ("Hạn trước đó", "Due before"),
    "due_to": ("Hạn mới", "Due now"),
    "content_type": ("Loại tệp", "File type"), "size": ("Dung lượng (byte)", "Size (bytes)"),
    "sha256": ("Mã kiểm tra SHA-256", "SHA-256 checksum"),
    "petitioners": ("Người rút đơn", "Withdrawn by"),
    "remaining": ("Số người đứng đơn còn lại", "Petitioners remaining"),
    "history_before": ("Lịch sử vụ việc trước khi sửa", "History of the matter before"),
    "history": ("Lịch sử vụ việc", "History of the matter"),
    "fields": ("Thông tin được sửa", "Particulars corrected"),
    "eligible_before": ("Đủ điều kiện xử lý trước khi sửa", "Eligible before"),
    "eligible": ("Đủ điều kiện xử lý", "Eligible for handling"),
    "content_changed": ("Nội dung hồ sơ được ghi lại", "Case content restated"),
    "subject_changed": ("Trích yếu được ghi lại", "Subject restated"),
    # The case's particulars corrected by the desk (corrections.correct_particulars).
    "field_before": ("Lĩnh vực trước khi sửa", "Field before"),
    "field": ("Lĩnh vực", "Field"),
    "locality_before": ("Địa bàn trước khi sửa", "Locality before"),
    "locality": ("Địa bàn", "Locality"),
    "subject_before": ("Trích yếu trước khi sửa", "Subject before"),
    "subject": ("Trích yếu", "Subject"),
    "no_representative": ("Nhóm không còn người đại diện (có thể cần cử người mới)",
                          "No representative left (the group may choose a new one)"),
    # The enforcement of a decision (services/enforcement.py).
    "money_recovered": ("Tiền đã thu hồi cho Nhà nước (triệu đồng)",
                        "Money recovered for the State (million VND)"),
    "land_recovered": ("Đất đã thu hồi cho Nhà nước (m²)", "Land recovered for the State (m²)"),
    "money_returned": ("Tiền đã trả lại cho tổ chức, cá nhân (triệu đồng)",
                       "Money returned to organisations and individuals (million VND)"),
    "land_returned": ("Đất đã trả lại cho tổ chức, cá nhân (m²)",
                      "Land returned to organisations and individuals (m²)"),
    "people_disciplined": ("Số người đã bị xử lý kỷ luật", "People disciplined"),
    "officials_disciplined": ("Trong đó: cán bộ, công chức", "Of whom officials"),
    "cases_prosecuted": ("Số vụ đã khởi tố", "Cases prosecuted"),
    "people_prosecuted": ("Số đối tượng đã khởi tố", "People prosecuted"),
    "corrected": ("Sửa số liệu đã ghi nhận", "Correction of a record"),
}
# A petitioner's particulars (services/corrections.PERSON_FIELDS), as the forms name them.
_PERSON_FIELD_LABELS = {
    "full_name": ("Họ và tên", "Full name"),
    "id_number": ("Số định danh cá nhân / CCCD", "Personal ID number"),
    "phone": ("Số điện thoại", "Phone"), "email": ("Thư điện tử", "E-mail"),
    "address": ("Địa chỉ", "Address"),
}
# What an attached file is (services/attachments.PURPOSES), as the intake form names it.
_PURPOSE_LABELS = {
    "petition": ("Bản quét đơn", "Scan of the petition"),
    "evidence": ("Tài liệu, chứng cứ kèm theo", "Evidence and documents"),
    "decision": ("Quyết định, văn bản giải quyết", "Decision or answer"),
    "other": ("Tài liệu khác", "Other document"),
}
_CODED_DETAILS = {"kind": catalog.KINDS, "channel": catalog.CHANNELS,
                  "outcome": catalog.RESOLUTION_OUTCOMES,
                  "filing_reason": catalog.FILING_REASONS,
                  "refusal_ground": catalog.REFUSAL_GROUNDS,
                  "history": catalog.PETITION_HISTORY,
                  "history_before": catalog.PETITION_HISTORY}
_WHY_LABELS = {
    "returned_or_transferred_twice": ("Bị trả lại hoặc chuyển đi từ hai lần",
                                      "Returned or transferred twice or more"),
    "sent_back": ("Bị chuyển trả về cơ quan đã chuyển đi", "Sent back where it came from"),
}


MASK_EN = "*** (confidential)"
AUTHOR_TEXT_HIDDEN_EN = "(hidden: the reason for withdrawing may name the denouncer)"

# Events whose details read in a set order (the stored JSON's keys are sorted), figures
# left at 0 left out: the enforcement as its form asks it (QA round 44).
_DETAIL_ORDER = {
    "enforcement_recorded": ("on", *enforcement_rules.AMOUNTS, *enforcement_rules.COUNTS,
                             "note", "corrected"),
}

# Details that hold an agency's code: shown as its name when the caller knows it.
_AGENCY_DETAILS = {"to", "suggested", "lead", "agency", "agencies", "from", "before"}


def _detail_value(key: str, value, action: str, lang: str,
                  names: dict[str, str] | None = None) -> str:
    en = lang.startswith("en")
    if value is None or value == "":
        return "—"
    if key in enforcement_rules.AMOUNTS and isinstance(value, int | float | str | Decimal):
        # As the forms write amounts: "1.250,50" on a Vietnamese page (QA round 44).
        try:
            return format_decimal(Decimal(str(value)), format="#,##0.00",
                                  locale="en" if en else "vi")
        except ArithmeticError:
            return str(value)
    if value == MASK:  # a hidden identity (mask_data): the mask is a label, not data
        return MASK_EN if en else MASK
    if value == AUTHOR_TEXT_HIDDEN:  # a denouncer's own words, hidden (QA round 59)
        return AUTHOR_TEXT_HIDDEN_EN if en else AUTHOR_TEXT_HIDDEN
    if isinstance(value, bool):
        return ("yes" if value else "no") if en else ("có" if value else "không")
    if isinstance(value, list):
        return ", ".join(_detail_value(key, v, action, lang, names) for v in value)
    if names and key in _AGENCY_DETAILS and isinstance(value, str) and value in names:
        return names[value]
    if key == "petitioners" and isinstance(value, int):  # ids (a withdrawal): name them
        return _petitioner_name(value)
    if key == "petition" and isinstance(value, int) and not isinstance(value, bool):
        # A row id means nothing to a reader (QA round 44): the letter by its day.
        received = _letter_day(value)
        if received is not None:
            return (f"received on {received:%d/%m/%Y}" if en
                    else f"nhận ngày {received:%d/%m/%Y}")
    if key == "officer" and isinstance(value, str):  # stored as the username: name people
        full_name = db.session.scalar(select(User.full_name).where(User.username == value))
        return full_name or value
    if key in _CODED_DETAILS:
        return catalog.label(_CODED_DETAILS[key], str(value), "en" if en else "vi")
    if key == "purpose":
        return text_label(_PURPOSE_LABELS, str(value), lang)
    if key == "fields":
        return text_label(_PERSON_FIELD_LABELS, str(value), lang)
    if action == "particulars_corrected" and key in ("field", "field_before"):
        row = db.session.scalar(select(Field).where(Field.code == str(value)))
        return row.name(lang) if row is not None else str(value)
    if action == "particulars_corrected" and key in ("locality", "locality_before"):
        return db.session.scalar(select(Locality.name).where(
            Locality.code == str(value))) or str(value)
    if key == "kind" and action == "unscheduled_reception_held":  # the session's kind
        return catalog.label(catalog.RECEPTION_KINDS, str(value), "en" if en else "vi")
    if key == "variant" or (key == "from" and action == "complexity_declared"):
        return catalog.label(catalog.POLICY_VARIANTS, str(value), "en" if en else "vi")
    if key == "reason" and action in ("escalated", "escalation_acknowledged"):
        return catalog.label(catalog.ESCALATION_REASONS, str(value), "en" if en else "vi")
    if key == "stage":
        return text_label(STAGE_LABELS, str(value), lang) if value != "case" else (
            "the whole case" if en else "toàn bộ hồ sơ")
    if key == "why":
        return text_label(_WHY_LABELS, str(value), lang)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def _letter_day(petition_id: int) -> date | None:
    """The day a letter was received, read with its case's other letters once per session
    (a timeline names one per event: QA round 36's query count per letter)."""
    days = db.session.info.setdefault("letter_days", {})
    if petition_id not in days:
        case_of = select(Petition.case_id).where(Petition.id == petition_id).scalar_subquery()
        days.update(db.session.execute(select(Petition.id, Petition.received_on).where(
            Petition.case_id == case_of)).all())
    return days.get(petition_id)


def _petitioner_name(petitioner_id: int) -> str:
    """A petitioner's name for a timeline that may show it (a masked one never gets here)."""
    return db.session.scalar(select(Petitioner.full_name).where(
        Petitioner.id == petitioner_id)) or f"#{petitioner_id}"


def event_details(action: str, data: dict | str, lang: str = "vi",
                  names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The details of an audit event as (label, text) in the reader's language; `names`
    maps agency codes to the names shown (agency_names)."""
    if isinstance(data, str):  # an AuditEvent row's canonical JSON
        data = json.loads(data or "{}")
    basis = data.get("basis")
    if basis is not None:  # a routing's reason, worded again from its facts when it can be
        from complaints.services.routing import explain_basis

        worded = explain_basis(basis, data.get("to"), lang)
        data = {key: (worded if key == "reason" and worded else value)
                for key, value in data.items() if key != "basis"}
    if action in _DETAIL_ORDER:  # the stored JSON's keys are sorted: read in the form's order
        order = _DETAIL_ORDER[action]
        data = {key: data[key] for key in sorted(
            data, key=lambda k: order.index(k) if k in order else len(order))
            if not _zero(data[key])}
    # The escalation's row id means nothing to a reader ("Số kiến nghị: 99" read as a count).
    return [(text_label(DETAIL_LABELS, key, lang),
             _detail_value(key, value, action, lang, names))
            for key, value in data.items() if key not in ("status", "escalation", "cause")]


def routing_reasons(case_id: int, lang: str) -> dict[tuple[str | None, str], str]:
    """(agency routed to, stored reason) → the reason worded in `lang` from the basis its
    audit event keeps, as the timeline words it (event_details). QA round 52: the lists of
    moves printed the system's Vietnamese reason on English pages; a reason with no basis
    (or one the basis cannot word) is left out, shown as stored."""
    from complaints.services.routing import explain_basis

    worded: dict[tuple[str | None, str], str] = {}
    for raw in db.session.scalars(select(AuditEvent.data).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "routed")):
        data = json.loads(raw or "{}")
        basis, reason = data.get("basis"), data.get("reason")
        if basis is not None and reason:
            text = explain_basis(basis, data.get("to"), lang)
            if text:
                worded[(data.get("to"), reason)] = text
    return worded


def enforcement_details(record, lang: str = "vi") -> list[tuple[str, str]]:
    """What an enforcement record says, as its timeline event words it: the figures in the
    form's order, zeros left out, amounts as the reader's language writes them."""
    data = {name: getattr(record, name) for name in enforcement_rules.FIGURES}
    return event_details("enforcement_recorded", data, lang)


def _zero(value) -> bool:
    """A figure left at 0 (a count, or an amount stored as text): not worth a line."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return False
    try:
        return Decimal(str(value)) == 0
    except ArithmeticError:
        return False


def agency_name(agency, lang: str = "vi") -> str:
    """An agency's name in `lang`: its English name where one is recorded."""
    return agency.name_en if lang.startswith("en") and agency.name_en else agency.name


def agency_names(lang: str = "vi") -> dict[str, str]:
    """Every agency's code → its name in `lang` (English where one is recorded)."""
    from complaints.models import Agency

    english = lang.startswith("en")
    return {code: (name_en if english and name_en else name) for code, name, name_en in
            db.session.execute(select(Agency.code, Agency.name, Agency.name_en))}


def event_key(action: str, data: dict | str | None = None) -> str:
    """The EVENT_LABELS key of an audit event: its action, told apart by stage where one
    action serves two stages (the desk's handling and the agency's resolution extension),
    and by cause where a mass flag was cleared (a withdrawal, a corrected matter)."""
    if action not in ("extended", "mass_flag_cleared") or not data:
        return action
    if isinstance(data, str):  # an AuditEvent row's canonical JSON
        data = json.loads(data or "{}")
    if action == "mass_flag_cleared":  # after a withdrawal, or a correction of the matter
        return ("mass_flag_cleared_matter" if data.get("cause") == "particulars_corrected"
                else action)
    return "extended_handling" if data.get("stage") == "handling" else action


def purpose_choices(lang: str = "vi") -> list[tuple[str, str]]:
    """What a file added to a case may be (attachments.PURPOSES), named for a select."""
    return [(code, text_label(_PURPOSE_LABELS, code, lang)) for code in _PURPOSE_LABELS]


def text_label(table: dict[str, tuple[str, str]], code: str, lang: str = "vi") -> str:
    """Return the vi/en label of a code in one of the tables above, or the code."""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang.startswith("en") else pair[0]


@dataclass
class PersonView:
    full_name: str
    id_number: str | None
    phone: str | None
    email: str | None
    address: str | None
    is_representative: bool
    withdrawn_on: date | None


@dataclass
class EventView:
    seq: int
    action: str
    actor: str
    at: datetime
    data: dict


@dataclass
class CasePage:
    """Everything the case page renders, already masked for its reader."""

    case: Case
    deadlines: list[CaseDeadline]
    actions: list[str]
    petitioners: list[PersonView]
    identity_masked: bool
    can_reveal: bool
    attachments: list = field(default_factory=list)
    # A denunciation's content, hidden from readers who may not see its denouncer (the
    # letter may name them: permissions.can_read_content); its subject stays.
    content_hidden: bool = False
    hidden_attachments: int = 0
    timeline: list[EventView] = field(default_factory=list)
    routings: list = field(default_factory=list)
    parent: Case | None = None  # the earlier case, when the reader may see the link
    # A first-round complaint's second complaint (and what it decided), when the reader may
    # see the link: the first resolver learns its decision is disputed, or annulled.
    second_round: Case | None = None
    # Its decision to enforce and what enforcing it did (services/enforcement.state_of).
    enforcement: object | None = None


def available_actions(user: User, case: Case, candidates=AGENCY_ACTIONS,
                      events=None) -> list[str]:
    """Return the actions this user may take now: the role allows it and so does the status.
    `events`: the case's whole audit trail, when the caller holds it (not read again)."""
    possible = set(states.allowed_actions(case.status))
    actions = [a for a in candidates if a in possible and can_act(user, case, a)]
    if "extend" in actions and not extension_left(case):
        actions.remove("extend")
    if "declare_complex" in actions and not _complex_period_open(case):
        actions.remove("declare_complex")
    if "guide" in actions:
        from complaints.services import workflow  # workflow imports this module

        if workflow.guided_before(case) is not None:
            actions.remove("guide")  # guided once for the same content (QA 107)
    if "extend_handling" in actions and not _handling_extension_left(case, events):
        actions.remove("extend_handling")
    if "enforce" in actions and not _has_something_to_enforce(case):
        actions.remove("enforce")
    if "accept" in actions and _anonymous_denunciation(case):
        actions.remove("accept")  # the service refuses it (QA round 57)
    return actions


def _anonymous_denunciation(case: Case) -> bool:
    from complaints.services import workflow

    return workflow.anonymous_denunciation(case)


def _enforcement_state(case: Case):
    from complaints.services import enforcement

    return enforcement.state_of(case)


def _has_something_to_enforce(case: Case) -> bool:
    from complaints.services import enforcement

    return enforcement.has_something_to_enforce(case)


def _handling_extension_left(case: Case, events=None) -> bool:
    from complaints.services import deadlines

    return deadlines.handling_extension_left(case, events)


def _complex_period_open(case: Case) -> bool:
    """Has this complaint a longer period to take (workflow.check_declare_complex; a
    decision dated after its running period is refused there, one signed in time may be
    entered late)?"""
    from complaints.services import deadlines

    return deadlines.longer_variant(case) is not None


def extension_left(case: Case) -> bool:
    """Return True if the resolution policy still allows an extension (or a declaration)."""
    from complaints.services import deadlines

    row = case.deadline("resolution")
    if row is None or row.met_on is not None:
        return False
    if case.kind == "denunciation":
        # Declaring the case (very) complex opens extensions (Law on Denunciations Art. 30).
        return case.extension_count < 2
    try:
        rule, _ = deadlines.policy_for(case, "resolution", row.start_on)
    except LookupError:
        return False
    return case.extension_count < rule.max_extensions


def letters_loaded():
    """The loader option of a case's letters with their signers and each signer's
    petitioner: three queries for the whole case (or list of cases), where walking the
    relationships costs two per letter (QA round 36)."""
    return (selectinload(Case.petitions).selectinload(Petition.signers)
            .selectinload(PetitionSigner.petitioner))


def load_letters(case: Case) -> Case:
    """Load the case's letters, signers and petitioners at once (see letters_loaded), for
    the pages and answers that list them; the case is returned."""
    if case.id is not None:
        db.session.scalars(select(Case).where(Case.id == case.id)
                           .options(letters_loaded())).all()
    return case


def _signatures(case: Case) -> dict[int, list]:
    """Each petitioner's signatures on the case's petitions, in the order they signed."""
    rows: dict[int, list] = {}
    for petition in case.petitions:
        for signer in petition.signers:
            rows.setdefault(signer.petitioner_id, []).append(signer)
    return rows


def _withdrawn_on(signatures: list) -> date | None:
    """When the petitioner withdrew: None while any of their signatures stands."""
    days = [s.withdrawn_on for s in signatures]
    return None if any(day is None for day in days) else max(days, default=None)


def _people(case: Case, masked: bool) -> list[PersonView]:
    people = []
    for signatures in _signatures(case).values():
        first, person = signatures[0], signatures[0].petitioner
        withdrawn_on = _withdrawn_on(signatures)
        if masked:
            people.append(PersonView(MASK, MASK if person.id_number else None,
                                     MASK if person.phone else None,
                                     MASK if person.email else None,
                                     MASK if person.address else None,
                                     first.is_representative, withdrawn_on))
        else:
            people.append(PersonView(person.full_name, person.id_number, person.phone,
                                     person.email, person.address,
                                     first.is_representative, withdrawn_on))
    return people


@dataclass
class SignerChoice:
    """A petitioner who may still withdraw, as the withdrawal form lists them."""

    petitioner_id: int
    number: int  # their row in the case page's list of petitioners, from 1
    full_name: str  # MASK when the reader may not see it
    is_representative: bool


def _masked(user: User, case: Case, reveal: bool) -> bool:
    """Is the identity hidden from this reader? A denouncer's is until a recorded reveal."""
    return not can_see_identity(user, case) or (case.kind == "denunciation" and not reveal)


def withdrawal_choices(case: Case, user: User,
                       reveal: bool = False) -> tuple[list[SignerChoice], bool]:
    """The petitioners who remain (who may withdraw), numbered and named as the case page
    lists them, and whether their identity is masked for this reader (a denouncer's is,
    unless the caller recorded this showing: `reveal`)."""
    masked = _masked(user, case, reveal=reveal)
    choices = []
    for number, signatures in enumerate(_signatures(case).values(), start=1):
        if _withdrawn_on(signatures) is None:
            person = signatures[0].petitioner
            choices.append(SignerChoice(person.id, number, MASK if masked else person.full_name,
                                        signatures[0].is_representative))
    return choices, masked


def shown_parent(user: User, case: Case) -> Case | None:
    """The case's earlier case (hồ sơ trước), if this reader may see the link
    (permissions.can_see_link); pages and the API name it only then."""
    parent = case.parent_case
    return parent if parent is not None and can_see_link(user, case, parent) else None


def shown_second_round(user: User, case: Case) -> Case | None:
    """A first-round complaint's second complaint, if this reader may see the link (QA
    round 50: the agency whose decision was disputed, then annulled, was never told)."""
    if case.kind != "complaint" or case.complaint_round != 1:
        return None
    for later in case.later_cases:
        if later.kind == "complaint" and later.complaint_round == 2:
            return later if can_see_link(user, case, later) else None
    return None


def moved_files(case: Case, events: list[AuditEvent]) -> set[int]:
    """The files added to this case that have since moved with its letter to a case split
    from it (services/splitting.py: a denunciation keeps the letter). A reader's timeline
    leaves their "attachment added" out: its number, beside the other case's file list,
    would link the two cases, and the link beside a denunciation is not everyone's to see
    (QA round 38). The audit trail itself keeps them."""
    added = set()
    for event in events:
        if event.action == "attachment_added":
            number = json.loads(event.data or "{}").get("attachment")
            if isinstance(number, int):
                added.add(number)
    if not added:
        return set()
    return set(db.session.scalars(select(Attachment.id).where(
        Attachment.id.in_(added), Attachment.case_id != case.id)))


def shown_events(case: Case, events: list[AuditEvent], user: User) -> list[AuditEvent]:
    """The case's audit events as `user`'s timeline shows them: without the files that
    moved with a split (`moved_files`), nor a split whose link they may not see
    (splitting.hidden_split_events)."""
    from complaints.services.splitting import SPLIT_EVENTS, hidden_split_events

    if any(e.action in SPLIT_EVENTS for e in events):
        split = hidden_split_events(case, user)
        if split:
            events = [e for e in events if e.action not in split]
    gone = moved_files(case, events)
    if not gone:
        return events
    return [e for e in events if not (e.action == "attachment_added" and json.loads(
        e.data or "{}").get("attachment") in gone)]


def timeline(case: Case, masked: bool, user: User,
             hide_parent: bool = False) -> list[EventView]:
    """Return the case's audit events in order as `user` may read them (`shown_events`),
    identity keys masked when hidden, and the earlier case's code left out when
    `hide_parent` (see `shown_parent`)."""
    events = shown_events(case, list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"case:{case.id}")
        .order_by(AuditEvent.seq))), user)
    result = []
    for event in events:
        try:
            data = json.loads(event.data or "{}")
        except ValueError:
            data = {}
        actor = event.actor.full_name if event.actor is not None else event.actor_label
        at = event.created_at
        if at.tzinfo is None:  # SQLite hands back naive UTC
            at = at.replace(tzinfo=timezone.utc)
        if hide_parent:
            data.pop("parent", None)
        if masked:  # the denouncer's own words go with their identity (QA round 59)
            data = mask_data(hide_author_texts(case.kind, event.action, data))
        result.append(EventView(event.seq, event.action, actor or event.actor_label,
                                at.astimezone(LOCAL_TZ), data))
    return result


def build_case_page(case: Case, user: User, reveal: bool = False,
                    actions=AGENCY_ACTIONS) -> CasePage:
    """Build the case page for a reader; `reveal` asks to show a denouncer's identity.

    A denouncer's identity is shown only when the reader may see it AND asked to (the
    request that asks records the audit event: see reveal_identity). Other kinds show it
    to whoever may see it.
    """
    load_letters(case)
    allowed = can_see_identity(user, case)
    secret = case.kind == "denunciation"
    masked = _masked(user, case, reveal)
    parent = shown_parent(user, case)
    attachments, hidden = [], 0
    for attachment in db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)):
        reveals = attachments_service.reveals_identity(attachment, case)
        if masked and reveals:
            hidden += 1
        else:
            attachments.append(attachment)
    return CasePage(
        case=case,
        deadlines=sorted(case.deadlines, key=lambda d: ("handling", "acceptance",
                                                        "resolution").index(d.stage)),
        actions=available_actions(user, case, actions),
        petitioners=_people(case, masked),
        identity_masked=masked,
        can_reveal=allowed and secret and masked,
        attachments=attachments,
        # The letter may name its author: read with the identity, after the recorded
        # reveal (QA round 27: it was printed before it, with no view recorded).
        content_hidden=not can_read_content(user, case) or (secret and masked),
        hidden_attachments=hidden,
        timeline=timeline(case, masked, user,
                          hide_parent=parent is None and case.parent_case_id is not None),
        routings=list(case.routings),
        parent=parent,
        second_round=shown_second_round(user, case),
        enforcement=_enforcement_state(case),
    )


def reveal_identity(case: Case, user: User, now: datetime, via: str = "page") -> None:
    """Record that this user is shown a denouncer's identity (each reveal is audited)."""
    from complaints.services.errors import NotAllowed

    if not can_see_identity(user, case):
        raise NotAllowed(N_("Không được xem danh tính người đứng đơn."))
    audit.record_case(case, "identity_viewed", user, now, {"via": via})


# --- The agency's lists: inbox counts and filtered, paginated lists. ---

LIST_STATUSES = {
    "routed": (states.ROUTED,),
    "accepted": (states.ACCEPTED,),
    "suspended": (states.SUSPENDED,),
    "in_progress": (states.ACCEPTED, states.SUSPENDED),
    "unassigned": (states.ACCEPTED, states.SUSPENDED),  # and no officer yet (the head's list)
    "resolved": (states.RESOLVED,),
    "open": states.OPEN_STATUSES,
    "closed": tuple(states.FINAL_STATUSES),
}
NEAR_DAYS = 3  # amber from 3 working days left (ux.md)


def _next_due():
    """A subquery: each case's earliest running due date."""
    return (select(CaseDeadline.case_id, func.min(CaseDeadline.due_on).label("due_on"))
            .where(CaseDeadline.met_on.is_(None))
            .group_by(CaseDeadline.case_id).subquery())


def _with_list_columns(query: Select) -> Select:
    """Load what the agency's lists print of each case (its deadlines, its officer) with
    the page, not one query per row."""
    return query.options(selectinload(Case.deadlines), selectinload(Case.officer))


AGENCY_SORTS = ("due", "received", "-received")  # most urgent first (default), oldest, newest


def agency_cases_query(user: User, today: date, status: str | None = None,
                       overdue: bool = False, near: bool = False, sort: str = "due") -> Select:
    """The agency's cases (an officer: those assigned to them), most urgent first unless
    `sort` asks for the received date (oldest or newest first)."""
    due = _next_due()
    query = _with_list_columns(select(Case).outerjoin(due, due.c.case_id == Case.id)
                               .where(Case.agency_id == user.agency_id))
    if user.role == "agency_officer":
        query = query.where(Case.officer_id == user.id)
    if status in LIST_STATUSES:
        query = query.where(Case.status.in_(LIST_STATUSES[status]))
    if status == "unassigned":
        query = query.where(Case.officer_id.is_(None))
    if overdue or near:
        query = query.where(queries.clock_counts(due.c.due_on))
    if overdue and near:
        query = query.where(due.c.due_on <= near_date(today))
    elif overdue:
        query = query.where(due.c.due_on < today)
    elif near:
        query = query.where(and_(due.c.due_on >= today, due.c.due_on <= near_date(today)))
    if sort == "received":
        return query.order_by(Case.received_on, Case.id)
    if sort == "-received":
        return query.order_by(Case.received_on.desc(), Case.id.desc())
    return query.order_by(due.c.due_on.is_(None), due.c.due_on, Case.received_on, Case.id)


def near_date(today: date) -> date:
    """The last due date that counts as near: NEAR_DAYS working days from today."""
    return get_calendar().add_working_days(today, NEAR_DAYS)


def agency_counts(user: User, today: date) -> dict[str, int]:
    """Counts for the inbox tiles; each links to the same filtered list."""
    def count(**kwargs) -> int:
        query = agency_cases_query(user, today, **kwargs).order_by(None)
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return {
        "routed": count(status="routed"),
        "in_progress": count(status="in_progress"),
        "near": count(status="open", near=True),
        "overdue": count(status="open", overdue=True),
        "urgent": count(status="open", overdue=True, near=True),  # the home's first list
    }


def unassigned_query(user: User) -> Select:
    """Accepted cases with no officer yet (the head must assign them)."""
    return (_with_list_columns(select(Case))
            .where(Case.agency_id == user.agency_id,
                   Case.status.in_((states.ACCEPTED, states.SUSPENDED)),
                   Case.officer_id.is_(None))
            .order_by(Case.accepted_on, Case.id))


def complexity(case: Case) -> str | None:
    """How complex the case is, as a policy variant code (catalog.POLICY_VARIANTS): the one
    an extension decision declared on its resolution deadline, else "complex" for a case
    flagged complex (a mass petition, or as received), else None."""
    from complaints.services.deadlines import declared_variant

    if not case.is_complex:
        return None
    return declared_variant(case, "resolution") or "complex"
