"""Citizens' use cases: online submission, look-up, satisfaction and second complaint.

Citizens have no account: the actor of every change here is None ("system"), the petition
enters the reception queue of the online desk agency, and a citizen proves who they are
with the tracking code and the PIN (or the phone number they gave).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from complaints import clock
from complaints.domain import appeal, contacts, states
from complaints.domain.catalog import KINDS
from complaints.domain.confidentiality import SUBJECT_NAMES_DENOUNCER, names_denouncer
from complaints.domain.escalation import open_superior
from complaints.domain.messages import CONTROL_CHARACTERS, N_, Named
from complaints.domain.policies import SOURCES, source_in_english
from complaints.domain.text import (
    blank,
    digits,
    has_control,
    name_problem,
    nfc_fields,
    normal_tracking_code,
)
from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    Case,
    CitizenFeedback,
    Field,
    Locality,
    Petition,
)
from complaints.services import attachments, audit, forwarding, intake, workflow
from complaints.services.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

SUBJECT_MAX = 300
CONTENT_MAX = 10_000
NAME_MAX = 200
ADDRESS_MAX = 500
COMMENT_MAX = 2_000
MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024  # per file; MAX_CONTENT_LENGTH caps the whole request

# Window for a second complaint after the first decision (khiếu nại lần hai).
# key: is the case in a remote, hard-to-reach area (vùng sâu, vùng xa)?
# The source names the article only: the page states the days and what they run from
# itself, so the source must not say it again. English: policies.source_in_english.
APPEAL_WINDOW = {
    False: {"days": 30, "source": SOURCES["complaint_33"][0]},
    True: {"days": 45, "source": SOURCES["complaint_33_remote"][0]},
}
RESOLVED_STATUSES = appeal.DECIDED_STATUSES


@dataclass
class OnlineSubmission:
    """What a citizen types into the online form (or an Open311 client posts)."""

    kind: str
    field_code: str
    subject: str
    content: str
    full_name: str
    locality_code: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    id_number: str | None = None
    # Text the system adds after the content (an Open311 post's location), outside the
    # content's length limit, which is the citizen's.
    content_note: str | None = None
    # What the citizen says of the matter's history (domain.history; 02/XLD); None: not
    # said, derived as at the desk.
    history: str | None = None

    def __post_init__(self):
        # Composed (NFC) before validate_submission measures it (intake.CaseData, QA 97).
        nfc_fields(self)


@dataclass
class PublicEvent:
    """One step of the public timeline: an event code, its date and public details only."""

    event: str
    on: date | None
    agency: str | None = None
    reason: str | None = None
    due_on: date | None = None


@dataclass
class PublicDeadline:
    stage: str
    due_on: date
    met_on: date | None
    days_left: int | None
    # How the due date was computed, in the page's language (ux.md: deadlines are shown
    # the same way everywhere; QA 110): the rule, the start, the days skipped.
    rule: str = ""


@dataclass
class PublicRecord:
    """What the citizen may see of a case: no personal data, no officers, no escalations."""

    tracking_code: str
    kind: str
    complaint_round: int | None
    field_name_vi: str
    field_name_en: str
    subject: str
    status: str
    received_on: date
    agency_name: str | None
    petitioner_initials: str
    deadlines: list[PublicDeadline] = field(default_factory=list)
    timeline: list[PublicEvent] = field(default_factory=list)
    outcome: str | None = None
    decision_number: str | None = None
    decision_on: date | None = None
    resolution_summary: str | None = None
    # Sent outside the system (forwarded): the body, as the desk typed it, and the day its
    # reply letter was recorded (None: not yet). The page names them and the next step.
    forwarded_to: str | None = None
    reply_received_on: date | None = None
    # The other parts of a letter split into several cases (tách đơn), by tracking code,
    # and the case this one's letter was split from: named to the citizen, who sent that
    # letter, so that each part can be followed (QA round 46). Never beside a denunciation:
    # its code goes to the denouncer from the desk, not on a page others may open.
    split_parts: list[str] = field(default_factory=list)
    split_from: str | None = None
    # Suspended after its resolution deadline had passed: no time was left to pause, the
    # case stays late (states.clock_stopped), and the page says so instead of "paused".
    late_suspension: bool = False


def _public_parts(case: Case, opened_by: Collection[int] = ()) -> tuple[list[str], str | None]:
    """The codes of the cases split from this one's letter, and of the case it was split
    from, leaving out every link beside a denunciation.

    `opened_by`: the petitioners whose phone opened the case (see `opened_by`; empty: its
    PIN, the whole case's). They are told only the splits of letters they signed: the
    signer of a later letter joined to the case did not send the split one (QA round 59)."""
    if case.kind == "denunciation":
        return [], None
    letters = [p for p in case.petitions
               if not opened_by or any(s.petitioner_id in opened_by for s in p.signers)]
    if not letters:
        return [], None
    ids = [p.id for p in letters]
    parts = list(db.session.scalars(
        select(Case.tracking_code).join(Petition, Petition.case_id == Case.id)
        .where(Petition.split_from_id.in_(ids), Case.id != case.id,
               Case.kind != "denunciation").distinct().order_by(Case.tracking_code)))
    origin = next((p.split_from_id for p in letters if p.split_from_id), None)
    source = None
    if origin is not None:
        source = db.session.scalar(select(Case.tracking_code).join(
            Petition, Petition.case_id == Case.id).where(
            Petition.id == origin, Case.kind != "denunciation"))
    return parts, source


def online_desk(agency_code: str) -> Agency:
    """Return the agency whose reception desk takes online petitions."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None or not agency.active:
        raise NotFound(f"online reception agency {agency_code!r}")
    return agency


def validate_submission(data: OnlineSubmission) -> dict[str, str]:
    """Return field → message for the citizen's part of the input (sizes and contacts)."""
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        errors["kind"] = N_("Chọn loại đơn.")
    if db.session.scalar(select(Field.id).where(Field.code == (data.field_code or ""),
                                                Field.active.is_(True))) is None:
        errors["field"] = N_("Chọn lĩnh vực.")
    if data.locality_code and db.session.get(Locality, data.locality_code) is None:
        errors["locality_code"] = N_("Địa bàn không tồn tại.")
    if blank(data.subject):
        errors["subject"] = N_("Nhập trích yếu nội dung.")
    if blank(data.content):
        errors["content"] = N_("Nhập nội dung đơn.")
    if len(data.subject or "") > SUBJECT_MAX:
        errors["subject"] = N_("Tối đa %(max)s ký tự.", max=SUBJECT_MAX)
    if len(data.content or "") > CONTENT_MAX:
        errors["content"] = N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)
    if len(data.full_name or "") > NAME_MAX:
        errors["full_name"] = N_("Tối đa %(max)s ký tự.", max=NAME_MAX)
    if len(data.address or "") > ADDRESS_MAX:
        errors["address"] = N_("Tối đa %(max)s ký tự.", max=ADDRESS_MAX)
    if problem := name_problem(data.full_name):
        errors["full_name"] = problem
    # Law on Denunciations Art. 23, 25: the rule of every intake (intake.denouncer_errors).
    for key, message in intake.denouncer_errors(data.kind, [data], prefix="",
                                                indexed=False).items():
        errors.setdefault(key, message)
    if data.kind == "denunciation" and names_denouncer(data.subject, [data]):
        errors.setdefault("subject", SUBJECT_NAMES_DENOUNCER)
    if data.kind in KINDS:  # a first complaint online: the second has its own form
        intake.history_errors(errors, data.kind, 1 if data.kind == "complaint" else None,
                              data.history or None)
    if all(blank(v) for v in (data.phone, data.email, data.address)):
        errors["phone"] = N_("Nhập ít nhất một cách liên lạc: điện thoại, thư điện tử "
                              "hoặc địa chỉ.")
    # The same rules as every intake (domain/contacts.py): refused, never cut down.
    errors.update(intake.contact_errors(data))
    return errors


def submit_online(data: OnlineSubmission, agency_code: str, now: datetime, today: date,
                  files: list[tuple[bytes, str | None]] | tuple = ()) -> tuple[Case, str]:
    """Receive an online petition into the online desk's reception queue; return case, PIN.

    `files` are (content, filename) pairs; every one is checked before anything is saved.
    """
    errors = validate_submission(data)
    files = [(content, name) for content, name in files if content]
    if len(files) > MAX_FILES:
        errors["attachments"] = N_("Tối đa %(n)s tệp.", n=MAX_FILES)
    else:
        for content, name in files:
            try:
                attachments.check_file(content, name, MAX_FILE_BYTES)
            except ValidationFailed as exc:
                errors.update(exc.errors)
                break
    if errors:
        raise ValidationFailed(errors)
    try:
        desk = online_desk(agency_code)
    except NotFound:
        logger.error("ONLINE_RECEPTION_AGENCY_CODE %r is not an active agency", agency_code)
        raise
    person = intake.PetitionerData(
        full_name=(data.full_name or "").strip(), id_number=data.id_number or None,
        phone=data.phone or None, email=data.email or None,
        # Nothing visible in it is no address (QA round 34: zero-width characters).
        address=None if blank(data.address) else data.address.strip(),
    )
    case_data = intake.CaseData(
        kind=data.kind, field_code=data.field_code, subject=data.subject,
        content="\n\n".join(p for p in (data.content, data.content_note) if p),
        locality_code=data.locality_code or None,
        # Eligible for handling needs the petitioner's address (reports.md, 02/XLD; Law on
        # Complaints Art. 8(2)): a letter with a phone or e-mail only is logged as not
        # eligible until the desk finds the address (QA round 33).
        petition=intake.PetitionData(channel="online", received_on=today, petitioners=[person],
                                     history=data.history or None,
                                     eligible=person.address is not None),
    )
    case, pin = intake.receive_case(case_data, None, now, today)
    case.reception_agency_id = desk.id
    case.reception_agency = desk
    db.session.flush()
    # A denouncer's own scan may show their hand or name: stored as the petition itself,
    # which marks it as revealing the identity (masked like the name).
    purpose = "petition" if case.kind == "denunciation" else "evidence"
    written: list[str] = []  # blobs this submission added to the store
    try:
        for content, name in files:
            sha256 = hashlib.sha256(content).hexdigest()
            existed = attachments.blob_path(sha256).exists()
            stored = attachments.store_upload(content, name, MAX_FILE_BYTES)
            if not existed:
                written.append(stored.sha256)
            attachments.attach(case, stored, purpose, None, now, petition=case.petitions[0])
    except attachments.StorageError as exc:
        # Disk full or unwritable: the caller rolls back the case; take back our files too,
        # so that a refused submission leaves nothing behind.
        for sha256 in written:
            attachments.blob_path(sha256).unlink(missing_ok=True)
        raise ValidationFailed({"attachments": str(exc)}) from exc
    return case, pin


def queue_receipt_email(case: Case, email: str | None, now: datetime) -> bool:
    """Queue an e-mail receipt with the tracking code (not the PIN) to the citizen.

    The PIN is shown on screen only: in an e-mail it would also sit in clear in the
    outbox table, while the case keeps only its keyed hash.
    """
    from complaints.services import notifications

    if not email:
        return False
    subject = f"Đã nhận đơn — mã hồ sơ {case.tracking_code}"
    # A denunciation opens with its PIN only (lookup): the e-mail offers no phone to it.
    by_phone_vi, by_phone_en = (("", "") if case.kind == "denunciation" else
                                (", hoặc bằng số điện thoại đã khai trong đơn",
                                 ", or with the phone number given"))
    body = (f"Cơ quan đã nhận đơn của ông/bà ngày {case.received_on:%d/%m/%Y}.\n"
            f"Mã hồ sơ: {case.tracking_code}\n"
            "Tra cứu tại trang Tra cứu hồ sơ bằng mã hồ sơ và mã PIN hiện trên màn hình "
            f"khi gửi đơn{by_phone_vi}.\n\n"
            f"We received your petition. Tracking code: {case.tracking_code}. Look it up "
            f"with the PIN shown on screen when you sent it{by_phone_en}.")
    return notifications.queue(f"receipt:{case.id}", subject, body, now, email_to=email,
                               case_id=case.id, in_app=False) > 0


def _find(typed: str) -> Case | None:
    """The case of a tracking code as a citizen types it (domain.text.normal_tracking_code: no
    hyphen, spaces, a dash, lower case), else None."""
    code = normal_tracking_code(typed)
    if not code or len(code) > 20:
        return None
    return db.session.scalar(select(Case).where(Case.tracking_code == code))


def _phones(case: Case) -> set[str]:
    """The phones given on the case, as intake stores them (an older row as its digits)."""
    return {_phone(s.petitioner.phone) or digits(s.petitioner.phone)
            for p in case.petitions for s in p.signers
            if s.petitioner is not None and s.petitioner.phone}


def lookup(tracking_code: str, secret: str) -> Case | None:
    """Return the case if `secret` is its PIN or a phone number given on it, else None.

    Unknown code and wrong secret both give None, with the same work done, so that the
    answer reveals nothing about which tracking codes exist. A denunciation opens with its
    PIN only: its code is seen by staff who may not know the denouncer, and a phone that
    opened it would confirm who denounced (QA round 10).
    """
    secret = (secret or "").strip()
    case = _find(tracking_code)
    if case is None:
        intake.hash_pin("0000-00000000", secret)  # same work as a real check
        return None
    if intake.check_pin(case, secret):
        return case
    if case.kind == "denunciation":
        return None
    phone = _phone(secret)
    if phone and any(hmac.compare_digest(phone, p) for p in _phones(case)):
        return case
    return None


def opened_by(case: Case, secret: str) -> list[int]:
    """The petitioners whose phone opened the case ([]: it was opened with its PIN, which
    is the whole case's). The page remembers them: see `withdrew`."""
    secret = (secret or "").strip()
    if intake.check_pin(case, secret):
        return []
    phone = _phone(secret)
    if not phone:
        return []
    return sorted({s.petitioner_id for p in case.petitions for s in p.signers
                   if s.petitioner is not None and s.petitioner.phone
                   and (_phone(s.petitioner.phone) or digits(s.petitioner.phone)) == phone})


def withdrew(case: Case, people: list[int]) -> bool:
    """Have the petitioners who opened the case by phone (`opened_by`) all withdrawn from it
    — now, not when they opened it? The case goes on for the others; the one who withdrew
    follows it, but neither rates it nor complains a second time in the others' names (QA
    rounds 46, 48)."""
    if not people:
        return False
    theirs = [s for p in case.petitions for s in p.signers if s.petitioner_id in people]
    return bool(theirs) and all(s.withdrawn_on is not None for s in theirs)


def _phone(text: str) -> str | None:
    """The phone number `text` may be, read as intake stores it (contacts.phone:
    "+84 988 333 444", "0988 333 444" and "098.833.3444" are all 0988333444)."""
    return contacts.lenient(contacts.phone, text)


def initials(full_name: str | None) -> str:
    """Return "N.V.A." for "Nguyễn Văn A"."""
    return "".join(f"{part[0].upper()}." for part in (full_name or "").split() if part)


def _data(event: AuditEvent) -> dict:
    try:
        return json.loads(event.data or "{}")
    except ValueError:
        return {}


def _day(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _agency_name(agency: Agency | None, lang: str) -> str | None:
    """The agency's name in the reader's language (case_view.agency_name), None if none."""
    from complaints.services.case_view import agency_name

    return agency_name(agency, lang) if agency is not None else None


def _agencies_by_code(codes: set[str]) -> dict[str, Agency]:
    """The agencies of these codes, in one query (a timeline names one per routing)."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}


# A lead agency designated (by the supervisor, or by the inspectorate, which may take the
# case up itself): the case may have moved there, its acceptance clock restarted (QA 46).
LEAD_EVENTS = ("lead_designated", "lead_set_by_inspector", "taken_up_by_inspectorate")

# Audit actions the public timeline shows; everything else (assignments, escalations,
# identity reveals, notes) stays internal. The reception's closing steps are recorded under
# the workflow's action names (workflow.file_away, guide, forward); the timeline (and its
# template) names them by the status they lead to.
PUBLIC_ACTIONS = ("received", "routed", "transferred", "returned", "accepted", "refused",
                  "extended", "suspended", "resumed", "resolved", "closed", "file", "guide",
                  "forward", "reply_received", "withdrawn", "signers_withdrawn",
                  "complexity_declared", *LEAD_EVENTS)
RECEPTION_EVENTS = {"file": "filed", "guide": "guided", "forward": "forwarded",
                    **dict.fromkeys(LEAD_EVENTS, "lead")}


def public_timeline(case: Case, lang: str = "vi") -> list[PublicEvent]:
    """Return the public steps of the case, oldest first, with public details only;
    agencies are named in `lang`."""
    rows = [(row, _data(row)) for row in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action.in_(PUBLIC_ACTIONS))
        .order_by(AuditEvent.seq)
    )]
    # The agencies the routings name, read once (QA round 36: one query per routing).
    agencies = _agencies_by_code({data.get("to") for row, data in rows
                                  if row.action in ("routed", "transferred")}
                                 | {data.get("lead") for row, data in rows
                                    if row.action in LEAD_EVENTS})
    # A denunciation's declaration comes with its extension, which tells the new date; a
    # complaint's (workflow.declare_complex, with its reason) is a step of its own.
    rows = [(row, data) for row, data in rows
            if row.action != "complexity_declared" or data.get("reason")]
    events = []
    for row, data in rows:
        on = (_day(data.get("on")) or _day(data.get("received_on"))
              or clock.local_day(row.created_at))
        item = PublicEvent(event=RECEPTION_EVENTS.get(row.action, row.action), on=on)
        if row.action in ("routed", "transferred"):
            item.agency = _agency_name(agencies.get(data.get("to") or ""), lang)
        elif row.action == "extended":
            item.reason, item.due_on = data.get("reason"), _day(data.get("to"))
            if data.get("stage") == "handling":  # the desk's, not the agency's resolution
                item.event = "handling_extended"
        elif row.action == "complexity_declared":
            item.reason, item.due_on = data.get("reason"), _day(data.get("due_to"))
        elif row.action in LEAD_EVENTS:  # the agency, never the designation's note
            item.agency = _agency_name(agencies.get(data.get("lead") or ""), lang)
        elif row.action in ("refused", "suspended"):
            # The written reasons owed to the citizen: why it was refused, or why its clock
            # stopped (QA round 46: a suspension said neither why nor until when).
            item.reason = data.get("reason")
        # The reception's steps carry an officer's note ("reason" of file and forward) that
        # is not the citizen's: only what the citizen is told is shown, as it was recorded.
        elif row.action == "file":
            item.reason = data.get("filing_reason")  # a code of FILING_REASONS, never the note
        elif row.action == "guide":
            item.reason = data.get("reason")  # the guidance itself: where to take the petition
        elif row.action == "forward":
            item.agency = data.get("forwarded_to")  # the outside body, as typed; not the note
        elif row.action == "reply_received":
            item.agency = data.get("forwarded_to")  # who answered; the officer's note stays
        elif row.action == "resolved":
            item.agency = _agency_name(case.agency, lang)
        events.append(item)
    return events


def public_record(case: Case, today: date, lang: str = "vi",
                  opened_by: Collection[int] = ()) -> PublicRecord:
    """Return the citizen's view of a case, agencies named in `lang`; `opened_by`: the
    petitioners whose phone opened it (empty: its PIN), for the split letters' codes."""
    from complaints.domain.deadlines import days_left
    from complaints.services.calendar import get_calendar
    from complaints.services.deadlines import explain

    cal = get_calendar()
    first = case.petitions[0] if case.petitions else None
    # The sender shown is one who still stands behind the petition (QA: a petitioner who had
    # withdrawn stayed "the sender"); when everyone withdrew, the first as before.
    signers = list(first.signers) if first else []
    standing = [s for s in signers if s.withdrawn_on is None] or signers
    names = [s.petitioner.full_name for s in standing]
    # A denouncer's identity is secret even in initials (Law on Denunciations Art. 8).
    shown = "" if case.kind == "denunciation" or not names else initials(names[0])
    # A suspended case's clock is stopped: nothing counts down and no date is promised
    # (unless suspended after its due date: it stays late, QA 104).
    is_open = case.clock_counts
    deadlines = [
        PublicDeadline(stage=d.stage, due_on=d.due_on, met_on=d.met_on,
                       days_left=days_left(cal, d.due_on, today)
                       if is_open and d.met_on is None else None,
                       rule=explain(d, lang) if is_open and d.met_on is None else "")
        for d in case.deadlines
    ]
    resolved = case.status in RESOLVED_STATUSES
    parts, split_from = _public_parts(case, opened_by)
    return PublicRecord(
        tracking_code=case.tracking_code, kind=case.kind,
        complaint_round=case.complaint_round, field_name_vi=case.field.name_vi,
        field_name_en=case.field.name_en, subject=case.subject, status=case.status,
        received_on=case.received_on, agency_name=_agency_name(case.agency, lang),
        petitioner_initials=shown, deadlines=deadlines, timeline=public_timeline(case, lang),
        outcome=case.outcome if resolved else None,
        decision_number=case.decision_number if resolved else None,
        decision_on=case.decision_on if resolved else None,
        resolution_summary=case.resolution_summary if resolved else None,
        forwarded_to=next((p.forwarded_to for p in forwarding.forwarded_petitions(case)
                           if p.forwarded_to), None),
        reply_received_on=forwarding.reply_received_on(case),
        late_suspension=case.status == states.SUSPENDED and is_open,
        split_parts=parts, split_from=split_from,
    )


def feedback_of(case: Case) -> CitizenFeedback | None:
    return db.session.scalar(select(CitizenFeedback).where(CitizenFeedback.case_id == case.id))


def rating_refusal(case: Case) -> str | None:
    """Why the case cannot be rated (no result yet), or None."""
    if case.status not in RESOLVED_STATUSES:
        return N_("Chỉ đánh giá được sau khi có kết quả giải quyết.")
    return None


def record_feedback(case: Case, rating_result: int, rating_service: int,
                    comment: str | None, now: datetime) -> CitizenFeedback:
    """Record the citizen's satisfaction (SIPAS factors), once per case, after resolution."""
    refusal = rating_refusal(case)
    if refusal:
        raise ValidationFailed({"rating_result": refusal})
    if feedback_of(case) is not None:
        raise ValidationFailed({"rating_result": N_("Hồ sơ này đã được đánh giá.")})
    errors = {}
    for name, value in (("rating_result", rating_result), ("rating_service", rating_service)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            errors[name] = N_("Chọn mức từ 1 đến 5.")
    if comment and len(comment) > COMMENT_MAX:
        errors["comment"] = N_("Tối đa %(max)s ký tự.", max=COMMENT_MAX)
    elif has_control(comment):  # as every other text a citizen types
        errors["comment"] = CONTROL_CHARACTERS
    if errors:
        raise ValidationFailed(errors)
    # A comment that shows nothing (zero-width characters) is no comment (QA 97).
    row = CitizenFeedback(case_id=case.id, rating_result=rating_result,
                          rating_service=rating_service,
                          comment=None if blank(comment) else comment.strip(), created_at=now)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "case_id" not in str(exc.orig):
            raise
        # Two taps at once: the other request's rating was written first (one per case,
        # a unique key). The same refusal as above; the caller rolls back.
        raise ValidationFailed({"rating_result": N_("Hồ sơ này đã được đánh giá.")}) from exc
    audit.record_case(case, "feedback", None, now, {"rating_result": rating_result,
                                                    "rating_service": rating_service})
    return row


# The two grounds of a second complaint (domain/appeal.py): the window runs from the
# decision, or from the day the first round's resolution deadline expired.
DECISION, UNANSWERED = appeal.DECISION, appeal.UNANSWERED
GROUNDS = (DECISION, UNANSWERED)  # what a page offering the second complaint was shown for


@dataclass
class AppealWindow:
    days: int
    source: str  # the legal source in Vietnamese
    source_en: str  # and in English
    last_day: date
    next_agency: Agency | None
    ground: str = DECISION
    # UNANSWERED: the first round's resolution deadline (the right opens the day after)
    first_due: date | None = None

    def source_in(self, lang: str) -> str:
        """The legal source in `lang` (Vietnamese when no English is known)."""
        return self.source_en if lang.startswith("en") and self.source_en else self.source

    def open_on(self, today: date) -> bool:
        """Whether a second complaint may be filed on `today` (not before the first round's
        deadline has passed, not after the window's last day)."""
        if self.first_due is not None and today <= self.first_due:
            return False
        return today <= self.last_day


def _unanswered_due(case: Case) -> date | None:
    """The first round's resolution deadline while it runs unmet, else None."""
    from complaints.domain.deadlines import RESOLUTION

    deadline = case.deadline(RESOLUTION)
    return deadline.due_on if deadline is not None and deadline.met_on is None else None


def appeal_window(case: Case) -> AppealWindow | None:
    """Return the window for a second complaint on a first-round complaint, else None.

    After a first decision: counted from the decision. While accepted and unresolved: from
    the day its resolution deadline expires (the window is returned before that day too,
    so that the citizen can be told; `AppealWindow.open_on` says when it is open). None
    when the first round ended without a decision to disagree with (the complainant
    withdrew after an explanation), or is not being resolved (domain/appeal.py).
    """
    ground = appeal.ground(case.kind, case.complaint_round, case.status, case.decision_on,
                           case.outcome, case.suspended_on, _unanswered_due(case))
    if ground is None:
        return None
    start, first_due = case.decision_on, None
    if ground == UNANSWERED:
        first_due = start = _unanswered_due(case)
        if first_due is None:
            return None
    rule = APPEAL_WINDOW[bool(case.is_remote)]
    # Counted from the decision's date: the system does not know when it was received,
    # which can only be later, so the citizen is never told a date later than the law's.
    # Calendar days, and one ending on a day off runs to the next working day (Civil Code
    # Art. 148(5)), like every period here: the one calendar counts it.
    from complaints.domain.deadlines import CALENDAR, compute_due
    from complaints.services.calendar import get_calendar

    last_day = compute_due(get_calendar(), start, rule["days"], CALENDAR)
    resolver = case.agency
    return AppealWindow(days=rule["days"], source=rule["source"],
                        source_en=source_in_english(rule["source"]), last_day=last_day,
                        next_agency=_active_superior(resolver), ground=ground,
                        first_due=first_due)


def _active_superior(agency: Agency | None) -> Agency | None:
    """The agency above `agency` that still works, by the rule escalations follow: a closed
    level (the districts merged away in 2025) passes the second complaint to the next one
    up; None when none is left (QA round 17: a closed agency was offered and the form then
    failed)."""
    if agency is None or agency.id is None:
        return None
    rows = db.session.execute(select(Agency.id, Agency.parent_id, Agency.active)).all()
    above = open_superior(agency.id, {r.id: r.parent_id for r in rows},
                          {r.id for r in rows if r.active})
    return db.session.get(Agency, above) if above is not None else None


def second_complaint_of(case: Case) -> Case | None:
    """The second complaint (khiếu nại lần hai) opened from this first-round decision."""
    if case.id is None or case.kind != "complaint" or case.complaint_round != 1:
        return None
    return db.session.scalar(select(Case).where(Case.parent_case_id == case.id,
                                                Case.complaint_round == 2).limit(1))


def signed_by_them(second: Case, first: Case) -> bool:
    """Does someone who signed the first complaint stand behind its second one? The desk
    may log a second complaint lodged by another person and link it: the first one's page
    then must not tell its reader "you filed it" nor give that person's code (QA 117)."""
    from complaints.services.escalation_patterns import people_of

    def people(case: Case) -> set[tuple]:
        return {key for p in case.petitions
                for key in people_of(((s.petitioner, None) for s in p.signers), case.kind)}

    return bool(people(first) & people(second))


def second_complaint_offered(case: Case, today: date) -> AppealWindow | None:
    """Return the appeal window if a second complaint can be filed online now, else None.

    The law lets a complainant who disagrees with the first decision, or whose complaint
    was not resolved in time, complain a second time within the window (Law on Complaints
    Art. 7(1), 33): the satisfaction rating is feedback on the service and plays no part
    here, before or after it is given.
    """
    window = appeal_window(case)
    if window is None or not window.open_on(today) or window.next_agency is None:
        return None
    if db.session.scalar(select(Case.id).where(Case.parent_case_id == case.id,
                                               Case.complaint_round == 2)):
        return None
    return window


def _still_standing(case: Case) -> list[intake.PetitionerData]:
    """The complainants of a second complaint: everyone who signed any letter of the first
    one (later letters too) and did not withdraw, once each, in the order they signed
    (QA round 17: only the first letter's signers were copied, withdrawn ones included)."""
    people: list[intake.PetitionerData] = []
    seen: set[int] = set()
    for petition in case.petitions:
        for signer in petition.signers:
            if signer.withdrawn_on is not None or signer.petitioner_id in seen:
                continue
            seen.add(signer.petitioner_id)
            p = signer.petitioner
            people.append(intake.PetitionerData(
                full_name=p.full_name, id_number=p.id_number, phone=p.phone, email=p.email,
                address=p.address, is_representative=signer.is_representative))
    if len(people) >= intake.GROUP_SIZE:
        # A group names its representatives (intake's rule): those named before, within
        # the limit for its size, else the first person, who speaks for it.
        limit = 2 if len(people) <= 10 else 5
        reps = [p for p in people if p.is_representative]
        for p in reps[limit:]:
            p.is_representative = False
        if not reps:
            people[0].is_representative = True
    return people


def second_complaint_refusal(case: Case, today: date) -> str:
    """Why a second complaint is not offered (second_complaint_offered is None), with its
    date: a page shown earlier may still offer it (the window ended at midnight, the
    resolution was suspended or the complaint withdrawn since, a resumption or extension
    moved the first round's deadline later; QA rounds 76, 82)."""
    window = appeal_window(case)
    if window is None:
        return _no_ground_refusal(case)
    source = window.source
    if today > window.last_day:
        date_text = f"{window.last_day:%d/%m/%Y}"
        if window.ground == UNANSWERED:
            return N_("Thời hạn khiếu nại lần hai, tính từ ngày hết thời hạn giải quyết lần "
                      "đầu, đã hết ngày %(date)s (%(source)s).", date=date_text, source=source)
        return N_("Thời hạn khiếu nại lần hai, tính từ ngày ra quyết định, đã hết ngày "
                  "%(date)s (%(source)s).", date=date_text, source=source)
    if not window.open_on(today) and window.first_due is not None:
        return N_("Thời hạn giải quyết khiếu nại lần đầu nay kéo dài đến hết ngày %(due)s, "
                  "nên khiếu nại chưa quá hạn. Nếu đến hết ngày đó khiếu nại chưa được giải "
                  "quyết, bạn có quyền khiếu nại lần hai từ ngày %(start)s đến hết ngày "
                  "%(date)s (%(source)s).", due=f"{window.first_due:%d/%m/%Y}",
                  start=f"{window.first_due + timedelta(days=1):%d/%m/%Y}",
                  date=f"{window.last_day:%d/%m/%Y}", source=source)
    if window.next_agency is None and case.agency is not None:
        return N_("Hệ thống chưa có cơ quan cấp trên trực tiếp của %(agency)s để nhận khiếu "
                  "nại lần hai trực tuyến. Bạn vẫn có thể gửi đơn khiếu nại lần hai bằng văn "
                  "bản đến cơ quan cấp trên trước hết ngày %(date)s (%(source)s).",
                  agency=Named(case.agency.name, case.agency.name_en),
                  date=f"{window.last_day:%d/%m/%Y}", source=source)
    return N_("Không thể khiếu nại lần hai cho hồ sơ này.")


def _no_ground_refusal(case: Case) -> str:
    """Why a first-round complaint gives no ground for a second one (appeal.ground)."""
    if case.kind != "complaint" or (case.complaint_round or 1) != 1:
        return N_("Không thể khiếu nại lần hai cho hồ sơ này.")
    if case.status == states.SUSPENDED and case.suspended_on is not None:
        # Its clock stands still: the first round is not late (domain/appeal.py).
        return N_("Việc giải quyết khiếu nại lần đầu đang tạm đình chỉ từ ngày %(date)s: thời "
                  "hạn giải quyết ngừng tính trong thời gian này, nên khiếu nại chưa quá hạn "
                  "và chưa thể khiếu nại lần hai. Khi việc giải quyết được tiếp tục, trang "
                  "này sẽ cho biết thời hạn mới.", date=f"{case.suspended_on:%d/%m/%Y}")
    if case.status == states.WITHDRAWN and case.closed_on is not None:
        return N_("Khiếu nại lần đầu đã được rút ngày %(date)s: không còn khiếu nại để giải "
                  "quyết, nên không thể khiếu nại lần hai.", date=f"{case.closed_on:%d/%m/%Y}")
    if case.outcome in appeal.NO_APPEAL_OUTCOMES and case.decision_on is not None:
        return N_("Người khiếu nại đã rút khiếu nại sau khi được giải thích (ngày %(date)s): "
                  "không có quyết định giải quyết để khiếu nại lần hai.",
                  date=f"{case.decision_on:%d/%m/%Y}")
    return N_("Không thể khiếu nại lần hai cho hồ sơ này.")


def open_second_complaint(case: Case, reason: str, agency_code: str, now: datetime,
                          today: date) -> tuple[Case, str]:
    """Open the linked second complaint (khiếu nại lần hai) and route it one level up."""
    window = second_complaint_offered(case, today)
    if window is None:
        raise ValidationFailed({"reason": second_complaint_refusal(case, today)})
    # Invisible text is no reason, refused in this form's words, not intake's (QA 97).
    if blank(reason):
        raise ValidationFailed({"reason": N_("Nêu lý do không đồng ý với quyết định.")
                                if window.ground == DECISION
                                else N_("Nêu nội dung khiếu nại lần hai.")})
    reason = reason.strip()
    if len(reason) > CONTENT_MAX:
        raise ValidationFailed({"reason": N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)})
    desk = online_desk(agency_code)
    people = _still_standing(case)
    if not people:
        raise ValidationFailed({"reason": N_("Không thể khiếu nại lần hai cho hồ sơ này.")})
    data = intake.CaseData(
        kind="complaint", field_code=case.field.code,
        subject=f"Khiếu nại lần hai: {case.subject}"[:SUBJECT_MAX], content=reason,
        locality_code=case.locality_code, complaint_round=2,
        parent_tracking_code=case.tracking_code, is_remote=case.is_remote,
        petition=intake.PetitionData(channel="online", received_on=today, petitioners=people),
    )
    second, pin = intake.receive_case(data, None, now, today)
    second.reception_agency_id = desk.id
    second.reception_agency = desk
    db.session.flush()
    # The basis lets an English timeline word the reason again (routing.explain_basis).
    basis = {"how": "second_complaint", "ground": window.ground, "agency": case.agency.code}
    if window.ground == UNANSWERED:
        reason = (f"Khiếu nại lần hai: {case.agency.name} chưa giải quyết khiếu nại lần đầu "
                  f"trong thời hạn (hết ngày {window.first_due:%d/%m/%Y})")
        basis["due"] = window.first_due.isoformat()
    else:
        reason = (f"Khiếu nại lần hai đối với quyết định {case.decision_number} "
                  f"của {case.agency.name}")
        basis["decision"] = case.decision_number
    workflow.route(second, window.next_agency.code, None, now, today, reason=reason,
                   basis=basis)
    return second, pin
