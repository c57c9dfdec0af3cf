"""Splitting a letter with several kinds of content into several cases (tách đơn).

domain.md: "A petition with several kinds of content may be split into several cases that
share the petitioners." The desk that received the letter, before it handles it, takes one
content out into a new case of its own kind: the new case shares the letter's signers,
channel, day and reception session, gets its own tracking code and PIN, its own deadlines,
and goes through the same checks as any new case (intake.write_case). Each part is then
handled on its own, so each is a petition (đơn) in the reports: handling is recorded per
petition, and a part is handled apart from the other (docs/splitting.md).

Confidentiality decides where the letter itself goes. A letter that both complains and
denounces names its author beside the denunciation, and a denouncer's identity is shown
only to those the Law on Denunciations allows (Art. 8): the letter as written and its
files go with the denunciation, and the other case keeps only what the desk writes for it.
Between two cases of the same regime the letter stays where it was. The link between the
two cases is shown only to readers who may see the petitioners of both
(permissions.can_see_link), so the audit events name the other case only when neither is
a denunciation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain import states
from complaints.domain.limits import CONTENT_MAX
from complaints.domain.messages import N_
from complaints.domain.text import blank, fold, has_control
from complaints.extensions import db
from complaints.models import Attachment, Case, Petition, User
from complaints.permissions import can_add_petition, can_see_link
from complaints.services import audit, intake
from complaints.services.errors import NotAllowed, ValidationFailed

DENUNCIATION = "denunciation"


@dataclass
class SplitData:
    """One content of the letter, taken out into a new case, and what the case keeps."""

    kind: str
    field_code: str
    subject: str
    content: str  # the new case's content, in the desk's words
    kept_content: str  # what the case split from is about once this part is out
    complaint_round: int | None = None
    parent_tracking_code: str | None = None
    history: str | None = None  # the new part's history of the matter (None: derived)
    is_complex: bool = False


def letter_of(case: Case) -> Petition:
    """The letter that opened the case (the one a split divides)."""
    return min(case.petitions, key=lambda p: (p.received_on, p.id))


def may_split(user: User, case: Case) -> bool:
    """The desk that received the letter, while nothing has been done with it."""
    return can_add_petition(user, case) and case.status == states.RECEIVED


def letter_goes_to_new(old_kind: str, new_kind: str) -> bool:
    """Does the letter as written (its text and files) go with the new part? Only when the
    new part is a denunciation and the case it leaves is not: the stricter confidentiality
    keeps the letter."""
    return new_kind == DENUNCIATION and old_kind != DENUNCIATION


def _kept_errors(case: Case, data: SplitData) -> dict[str, str]:
    errors: dict[str, str] = {}
    kept = data.kept_content
    if blank(kept):
        errors["kept_content"] = N_("Nhập nội dung còn lại của hồ sơ này.")
    elif has_control(kept):
        errors["kept_content"] = N_("Có ký tự điều khiển không hợp lệ; hãy gõ lại nội dung "
                                    "này.")
    elif len(kept) > CONTENT_MAX:
        errors["kept_content"] = N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)
    elif letter_goes_to_new(case.kind, data.kind) and fold(kept) == fold(case.content):
        # Left as it was, the denunciation stays readable by everyone who reads this case.
        errors["kept_content"] = N_(
            "Nội dung tố cáo phải được tách khỏi hồ sơ này: ghi lại nội dung còn lại, không "
            "nêu nội dung tố cáo và người bị tố cáo.")
    return errors


def _case_data(case: Case, letter: Petition, data: SplitData) -> intake.CaseData:
    people = [intake.PetitionerData(
        full_name=s.petitioner.full_name, id_number=s.petitioner.id_number,
        phone=s.petitioner.phone, email=s.petitioner.email, address=s.petitioner.address,
        is_representative=s.is_representative) for s in letter.signers]
    petition = intake.PetitionData(channel=letter.channel, received_on=letter.received_on,
                                   petitioners=people, eligible=letter.eligible,
                                   history=data.history or None)
    return intake.CaseData(
        kind=data.kind, field_code=data.field_code, subject=data.subject,
        content=data.content, locality_code=case.locality_code, petition=petition,
        complaint_round=data.complaint_round, is_complex=data.is_complex,
        is_remote=case.is_remote, parent_tracking_code=data.parent_tracking_code or None)


def _people_errors(errors: dict[str, str]) -> dict[str, str]:
    """The checks of the shared signers (a denunciation needs each one's name and address)
    concern no field of the split form: said once, for the signers."""
    said = {key: message for key, message in errors.items()
            if not key.startswith("petitioners")}
    people = [message for key, message in errors.items() if key.startswith("petitioners")]
    if people:
        said["petitioners"] = people[0]
    return said


def split_case(case: Case, data: SplitData, actor: User, now: datetime,
               today: date) -> tuple[Case, str]:
    """Take one content of the case's letter out into a new case; return it and its PIN."""
    from complaints.services.workflow import hold  # workflow imports intake

    hold(case)  # two desks splitting at once, or a split beside a routing, take turns
    if not can_add_petition(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn được tách đơn."))
    if case.status != states.RECEIVED:  # a letter handled already is handled as a whole
        raise states.InvalidTransition("split", case.status)
    letter = letter_of(case)
    wanted = _case_data(case, letter, data)
    errors = _kept_errors(case, data)
    if errors:  # every problem in one round: the new part's checks too
        errors.update(_people_errors(intake.validate_case(wanted, today, actor=actor)))
        raise ValidationFailed(errors)
    signers = [(s.petitioner, s.is_representative) for s in letter.signers]
    try:
        opened = intake.write_case(wanted, actor, now, today, letter.reception_session_id,
                                   signers=signers)
    except ValidationFailed as exc:
        raise ValidationFailed(_people_errors(exc.errors)) from exc
    new_case = db.session.get(Case, opened.case_id)
    part = letter_of(new_case)
    part.split_from_id = letter.id

    as_written = letter.letter_text or case.content
    moved: list[int] = []
    if letter_goes_to_new(case.kind, new_case.kind):
        part.letter_text, letter.letter_text = as_written, None
        for row in db.session.scalars(select(Attachment).where(
                Attachment.petition_id == letter.id).order_by(Attachment.id)):
            row.case_id, row.petition_id = new_case.id, part.id
            moved.append(row.id)
    elif letter.letter_text is None and data.kept_content.strip() != case.content:
        letter.letter_text = as_written  # the letter's words, before the desk restated it
    changed = data.kept_content.strip() != case.content
    case.content = data.kept_content.strip()

    linked = DENUNCIATION not in (case.kind, new_case.kind)
    audit.record_case(case, "case_split", actor, now, {
        "petition": letter.id, "content_changed": changed,
        "letter_moved": letter_goes_to_new(case.kind, new_case.kind),
        **({"new_case": new_case.tracking_code, "kind": new_case.kind} if linked else {}),
    })
    audit.record_case(new_case, "split_from", actor, now, {
        "petition": letter.id, "attachments": moved,
        **({"case": case.tracking_code} if linked else {}),
    })
    db.session.flush()
    return new_case, opened.pin


def parts_of(case: Case, user: User) -> tuple[list[Case], Case | None]:
    """The cases split from this case's letters, and the case its letter was split from,
    as far as `user` may see the link."""
    ids = [p.id for p in case.petitions]
    later = list(db.session.scalars(
        select(Case).join(Petition, Petition.case_id == Case.id)
        .where(Petition.split_from_id.in_(ids), Case.id != case.id).order_by(Case.id)))
    source = None
    origin = next((p.split_from_id for p in case.petitions if p.split_from_id), None)
    if origin is not None:
        source = db.session.scalar(select(Case).join(
            Petition, Petition.case_id == Case.id).where(Petition.id == origin))
    return ([c for c in later if can_see_link(user, case, c)],
            source if source is not None and can_see_link(user, case, source) else None)
