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
(permissions.can_see_link): the audit events never name the other case, nor the files that
moved (their "attachment added" events leave the readers' timelines: case_view.moved_files).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from complaints.domain import states
from complaints.domain.confidentiality import SUBJECT_NAMES_DENOUNCER, names_denouncer
from complaints.domain.limits import CONTENT_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.text import blank, fold, has_control
from complaints.extensions import db
from complaints.models import Attachment, Case, Petition, PetitionSigner, User
from complaints.permissions import can_add_petition, can_see_link
from complaints.services import (
    audit,
    corrections,
    escalation_patterns,
    intake,
    reception_sessions,
)
from complaints.services.errors import NotAllowed, ValidationFailed

DENUNCIATION = "denunciation"
SPLIT = "split"  # the action's code (case_view.ACTION_LABELS names it), not a message
SUBJECT_MAX = 500  # as at intake (IntakeForm, the API's subject)


@dataclass
class SplitData:
    """One content of the letter, taken out into a new case, and what the case keeps."""

    kind: str
    field_code: str
    subject: str
    content: str  # the new case's content, in the desk's words
    kept_content: str  # what the case split from is about once this part is out
    kept_subject: str | None = None  # its subject, restated (None: unchanged)
    complaint_round: int | None = None
    parent_tracking_code: str | None = None
    history: str | None = None  # the new part's history of the matter (None: derived)
    is_complex: bool = False
    # corrections.fingerprint of the case's content the restatement was written from: a
    # split made meanwhile (two desks at once) is refused, not written over (QA round 42).
    seen: str | None = None


def letter_of(case: Case) -> Petition:
    """The letter that opened the case (the one a split divides): the first written, not
    the earliest dated (a copy joined later may be dated before it; QA round 38)."""
    return min(case.petitions, key=lambda p: p.id)


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
        errors["kept_content"] = CONTROL_CHARACTERS
    elif len(kept) > CONTENT_MAX:
        errors["kept_content"] = N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)
    elif letter_goes_to_new(case.kind, data.kind) and fold(kept) == fold(case.content):
        # Left as it was, the denunciation stays readable by everyone who reads this case.
        errors["kept_content"] = N_(
            "Nội dung tố cáo phải được tách khỏi hồ sơ này: ghi lại nội dung còn lại, không "
            "nêu nội dung tố cáo và người bị tố cáo.")
    subject = data.kept_subject
    if subject is None and letter_goes_to_new(case.kind, data.kind):
        # Written for the whole letter, the subject may state the denunciation: the desk
        # states it again for what stays (the page shows it filled in; QA round 38).
        errors["kept_subject"] = N_("Ghi lại trích yếu của hồ sơ này (trích yếu cũ viết cho "
                                    "cả đơn): không nêu nội dung tố cáo.")
    elif subject is not None:
        if blank(subject):
            errors["kept_subject"] = N_("Nhập trích yếu của hồ sơ này.")
        elif has_control(subject):
            errors["kept_subject"] = CONTROL_CHARACTERS
        elif len(subject.strip()) > SUBJECT_MAX:
            errors["kept_subject"] = N_("Tối đa %(max)s ký tự.", max=SUBJECT_MAX)
        elif case.kind == DENUNCIATION and names_denouncer(
                subject, [s.petitioner for p in case.petitions for s in p.signers]):
            errors["kept_subject"] = SUBJECT_NAMES_DENOUNCER
    return errors


def _case_data(case: Case, letter: Petition, data: SplitData) -> intake.CaseData:
    people = [intake.PetitionerData(
        full_name=s.petitioner.full_name, id_number=s.petitioner.id_number,
        phone=s.petitioner.phone, email=s.petitioner.email, address=s.petitioner.address,
        is_representative=s.is_representative) for s in letter.signers]
    # The letter's eligibility; an eligible one's is derived again, as it needs an address
    # since QA 109: one logged as eligible without it before splits into parts that are
    # not (QA 114: refused, for an address the split's page has no field for), except
    # that a denunciation part still needs each denouncer's (intake.denouncer_errors).
    petition = intake.PetitionData(channel=letter.channel, received_on=letter.received_on,
                                   petitioners=people,
                                   eligible=None if letter.eligible else False,
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


def _refusals(case: Case, data: SplitData, actor: User) -> None:
    """What refuses the split whatever was typed."""
    if not can_add_petition(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn được tách đơn."))
    if case.status != states.RECEIVED:  # a letter handled already is handled as a whole
        raise states.InvalidTransition(SPLIT, case.status)
    if data.seen is not None and data.seen != state_fingerprint(case):
        raise ValidationFailed({"seen": N_(
            "Nội dung hồ sơ vừa được thay đổi (có thể vừa có người tách đơn này): xem lại "
            "nội dung còn lại rồi tách.")})


def state_fingerprint(case: Case, content: str | None = None) -> str:
    """What a split form was written from (SplitData.seen): the case's content (or the
    `content` a client says it saw), its subject and the parts already split from its
    letter. A split made meanwhile may leave the content as it was (a recommendation taken
    out); the parts tell it apart (QA round 49: the same split was made twice)."""
    parts = db.session.scalars(select(Petition.id).where(
        Petition.split_from_id.in_([p.id for p in case.petitions])).order_by(Petition.id))
    return corrections.fingerprint(case.content if content is None else content, case.subject,
                                   ",".join(str(i) for i in parts))


def check_split(case: Case, data: SplitData, actor: User, today: date) -> None:
    """Refuse what split_case would refuse, writing nothing: the desk confirms a split (it
    cannot be undone) only once it would be done (ux.md; QA round 44)."""
    _refusals(case, data, actor)
    wanted = _case_data(case, letter_of(case), data)
    errors = _kept_errors(case, data)
    errors.update(_people_errors(intake.validate_case(wanted, today, actor=actor)))
    if errors:
        raise ValidationFailed(errors)


def split_case(case: Case, data: SplitData, actor: User, now: datetime,
               today: date) -> tuple[Case, str]:
    """Take one content of the case's letter out into a new case; return it and its PIN."""
    from complaints.services.workflow import hold  # workflow imports intake

    # The cases its signers sign, in id order, and not this one alone: the part is written
    # with them locked (intake.write_case), and holding this one first, then an older one,
    # deadlocks with a correction of a signer, which takes them in id order (QA round 78).
    # Before them the part's matter, whose mass check may write them: an intake holding it
    # and writing one of them deadlocked with the split (QA round 80).
    escalation_patterns.lock_matters(
        escalation_patterns.matter_typed(case.locality_code, data.field_code))
    intake.lock_signed_cases(select(PetitionSigner.petitioner_id).join(
        Petition, Petition.id == PetitionSigner.petition_id).where(Petition.case_id == case.id),
        [case.id])
    hold(case)  # two desks splitting at once, or a split beside a routing, take turns
    _refusals(case, data, actor)
    letter = letter_of(case)
    wanted = _case_data(case, letter, data)
    errors = _kept_errors(case, data)
    if errors:  # every problem in one round: the new part's checks too
        errors.update(_people_errors(intake.validate_case(wanted, today, actor=actor)))
        raise ValidationFailed(errors)
    signers = [(s.petitioner, s.is_representative) for s in letter.signers]
    try:
        opened = intake.write_case(wanted, actor, now, today, letter.reception_session_id,
                                   signers=signers, split_from=letter.id)
    except ValidationFailed as exc:
        raise ValidationFailed(_people_errors(exc.errors)) from exc
    new_case = db.session.get(Case, opened.case_id)
    part = letter_of(new_case)
    part.split_from_id = letter.id
    if letter.reception_session_id is not None:  # one more matter raised at the session
        reception_sessions.matter_split(letter.reception_session_id, part.history,
                                        len(signers))

    # The letter's words as written: kept beside it (letter_text) from its first split on;
    # once split, the case's content is the desk's restatement, never the letter (QA 38).
    split_before = part.id != db.session.scalar(select(func.min(Petition.id)).where(
        Petition.split_from_id == letter.id))
    as_written = letter.letter_text if split_before else (letter.letter_text or case.content)
    kept = data.kept_content.strip()
    if letter_goes_to_new(case.kind, new_case.kind):
        part.letter_text, letter.letter_text = as_written, None
        # A scan of the letter that names no letter (added after intake before the desk
        # linked later additions to the letter, QA round 103) is the letter's too.
        for row in db.session.scalars(select(Attachment).where(
                Attachment.case_id == case.id,
                or_(Attachment.petition_id == letter.id,
                    and_(Attachment.petition_id.is_(None), Attachment.purpose == "petition")))
                .order_by(Attachment.id)):
            row.case_id, row.petition_id = new_case.id, part.id
    elif letter.letter_text is None and not split_before and kept != case.content:
        letter.letter_text = as_written  # the letter's words, before the desk restated it
    changed = kept != case.content
    case.content = kept
    subject = (data.kept_subject or "").strip() or case.subject
    subject_changed = subject != case.subject
    case.subject = subject

    # The events say neither which case the other part is nor what moved: beside a
    # denunciation that link is for readers who may see the petitioners of both, and an
    # event that said it only for other kinds would say it by its silence (QA round 38).
    # The link is split_from_id, shown by parts_of to those readers.
    audit.record_case(case, "case_split", actor, now, {
        "petition": letter.id, "content_changed": changed, "subject_changed": subject_changed})
    audit.record_case(new_case, "split_from", actor, now, {})
    db.session.flush()
    return new_case, opened.pin


SPLIT_EVENTS = ("case_split", "split_from")


def hidden_split_events(case: Case, user: User) -> frozenset[str]:
    """The split events of this case's timeline that `user` may not read: "case split"
    when a part taken out of its letter is one whose link they may not see, "split from"
    when the case it came from is. Neither names the other case, but the two share their
    instant and officer: a reader of both would pair a complaint's named signers with the
    denunciation taken out of their letter (QA round 103)."""
    later, source = _split_relatives(case)
    hidden = set()
    if any(not can_see_link(user, case, other) for other in later):
        hidden.add("case_split")
    if source is not None and not can_see_link(user, case, source):
        hidden.add("split_from")
    return frozenset(hidden)


def _split_relatives(case: Case) -> tuple[list[Case], Case | None]:
    """The cases split from this case's letters, and the case its letter was split from."""
    ids = [p.id for p in case.petitions]
    later = list(db.session.scalars(
        select(Case).join(Petition, Petition.case_id == Case.id)
        .where(Petition.split_from_id.in_(ids), Case.id != case.id).order_by(Case.id)))
    source = None
    origin = next((p.split_from_id for p in case.petitions if p.split_from_id), None)
    if origin is not None:
        source = db.session.scalar(select(Case).join(
            Petition, Petition.case_id == Case.id).where(Petition.id == origin))
    return later, source


def parts_of(case: Case, user: User) -> tuple[list[Case], Case | None]:
    """The cases split from this case's letters, and the case its letter was split from,
    as far as `user` may see the link."""
    later, source = _split_relatives(case)
    return ([c for c in later if can_see_link(user, case, c)],
            source if source is not None and can_see_link(user, case, source) else None)
