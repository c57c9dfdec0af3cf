"""Personal data of petitioners: export everything held, anonymise after retention.

Anonymising blanks the person's identity on the petitioner row and the addresses the
outbox kept for them, and takes it out of what they wrote that is kept beside the case (the
names of their files, their rating's comment: QA round 59); the content of their files is
erased (QA 115); petitions, cases and feedback figures stay, so the statistics do not
change.
Intake's audit events record counts and codes, no personal data, and anonymising rewrites
no event, so every chain stays valid; the act itself is recorded on the chain
"petitioner:<id>". What officials typed into an event (a reason, a note) may still name
the person: the trail is append-only, so that text stays, and the export lists it
(QA 115). So does what an administrator typed into the personal-data search, recorded as
typed on their own chain so that a review can tell who looked for whom.

Every petitioner's data is opened (and exported) on a stated ground, recorded: asking it of
denouncers only would tell who denounced (Law on Denunciations Art. 8). Opening or
exporting someone who signed a denunciation shows who denounced it, so it is also recorded
as an identity view on that denunciation's own trail (as a reveal on its case page is).

The texts of their cases (subject, content, each letter's own text) lose the person's
name, numbers and e-mail (QA 115: the desk's search still found them by the phone in their
letter); notes officials typed are not rewritten: they are the record of the case.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, text

from complaints import clock
from complaints.domain import contacts
from complaints.domain import escalation as rules
from complaints.domain.confidentiality import names_person
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.states import FINAL_STATUSES
from complaints.domain.text import blank, digits, fold, has_control
from complaints.extensions import db
from complaints.models import (
    Attachment,
    AuditEvent,
    Case,
    CitizenFeedback,
    Cluster,
    Notification,
    Petition,
    Petitioner,
    PetitionSigner,
    User,
)
from complaints.services import audit
from complaints.services.errors import ValidationFailed

logger = logging.getLogger(__name__)

ANONYMOUS_NAME = "Đã ẩn danh"
GROUNDS = ("retention_expired", "petitioner_request")


def chain(petitioner: Petitioner) -> str:
    return f"petitioner:{petitioner.id}"


def _numbers(q: str) -> set[str]:
    """The ID number or phone that `q` may be, read as intake stores them (contacts.py:
    "+84 988 333 444", "0988 333 444" and "098.833.3444" are all 0988333444)."""
    numbers = {digits(q)} | contacts.stored_forms(q)
    numbers.discard("")
    return numbers


def petitioners_matching(q: str):
    """A query of the petitioners whose folded name, ID number or phone matches `q`, in
    the order they were recorded; the page shows it a page at a time with the total (a
    cut at 50 hid the 51st namesake of a common name: QA round 14).

    Whether someone denounced is not looked at: the search answers alike for everyone
    (a denouncer is found by their own request, and not told apart from anyone else)."""
    q = (q or "").strip()
    conditions = [Petitioner.name_folded.contains(fold(q), autoescape=True)]
    numbers = _numbers(q)
    if numbers:
        conditions += [Petitioner.id_number.in_(numbers), Petitioner.phone.in_(numbers)]
    return select(Petitioner).where(or_(*conditions)).order_by(Petitioner.id)


def find_petitioners(q: str, limit: int = 50) -> list[Petitioner]:
    """The first `limit` petitioners matching `q` (petitioners_matching)."""
    if not (q or "").strip():
        return []
    return list(db.session.scalars(petitioners_matching(q).limit(limit)))


def record_search(q: str, found: int, actor: User, now: datetime) -> None:
    """Audit an administrator's search of petitioners: who, when, what they typed, and
    how many people it found (on the administrator's own chain, "user:<id>")."""
    audit.record(f"user:{actor.id}", "petitioners_searched", actor, now,
                 {"q": q, "found": found})


def cases_of(petitioner: Petitioner) -> list[Case]:
    """Return every case on which the petitioner signed a petition."""
    return list(db.session.scalars(
        select(Case).join(Petition, Petition.case_id == Case.id)
        .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
        .where(PetitionSigner.petitioner_id == petitioner.id)
        .distinct().order_by(Case.id)))


def _required_ground(ground: str | None) -> str:
    """The stated ground, trimmed; refused when blank.

    Asked of every petitioner alike: asking it only of denouncers (Law on Denunciations
    Art. 8) would itself tell who denounced."""
    ground = (ground or "").strip()
    # Zero-width characters only are no ground; a control character is refused: the ground
    # goes to the audit trail, as the admin's reasons do (QA round 91).
    if blank(ground):
        raise ValidationFailed({"ground": N_("Nêu căn cứ xem (ví dụ: số phiếu yêu cầu của "
                                             "người dân).")})
    if has_control(ground):
        raise ValidationFailed({"ground": CONTROL_CHARACTERS})
    return ground


def _record_denunciation_views(cases: list[Case], ground: str, actor: User,
                               now: datetime) -> None:
    """Record on each denunciation among `cases` that this administrator was shown its
    denouncer, with the ground they stated: its own trail then shows who looked."""
    for case in cases:
        if case.kind == "denunciation":
            audit.record_case(case, "identity_viewed", actor, now,
                              {"via": "personal_data", "ground": ground})


def record_view(petitioner: Petitioner, ground: str, actor: User, now: datetime) -> None:
    """Audit an administrator opening a petitioner's data on the ground they stated (and
    the identity view on every denunciation they signed)."""
    ground = _required_ground(ground)
    audit.record(chain(petitioner), "petitioner_viewed", actor, now, {"ground": ground})
    _record_denunciation_views(cases_of(petitioner), ground, actor, now)


# Events that record someone reading a case, not the case changing: they do not restart
# its retention (QA round 18: every view of a denouncer's data, itself recorded on the
# denunciation, pushed the end of retention forward, so a denouncer was never anonymised).
# Every read recorded on a case's trail: an identity view (the page, the API, this module's
# view and export) and a download of a file that reveals the denouncer (QA round 59).
READ_EVENTS = ("identity_viewed", "identity_revealed")


def _last_changes(case_ids: list[int]) -> dict[int, datetime]:
    """Each case's last audit event that is not a read, in one grouped query (QA round 36:
    one query per case of the petitioner)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(
        select(AuditEvent.case_id, func.max(AuditEvent.created_at))
        .where(AuditEvent.case_id.in_(case_ids), AuditEvent.action.not_in(READ_EVENTS))
        .group_by(AuditEvent.case_id)).all())


def _ended_on(case: Case, last: datetime | None) -> date:
    """The day a final case last changed: its closing date or its last audit event
    (`last`, from _last_changes)."""
    days = [d for d in (case.closed_on, case.resolved_on, case.received_on) if d]
    if last is not None:
        days.append(clock.local_day(last))
    return max(days)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Eligibility:
    """Whether a petitioner may be anonymised today, and if not, why."""

    already: bool = False
    open_cases: list[str] = field(default_factory=list)
    retained_until: date | None = None  # the last case's end + retention, if still ahead

    @property
    def ok(self) -> bool:
        return not self.already and not self.open_cases and self.retained_until is None


def eligibility(petitioner: Petitioner, today: date, retention_years: int) -> Eligibility:
    """Check that every case is final and ended more than `retention_years` ago."""
    result = Eligibility(already=petitioner.anonymised_at is not None)
    ends = []
    cases = cases_of(petitioner)
    last = _last_changes([c.id for c in cases if c.status in FINAL_STATUSES])
    for case in cases:
        if case.status not in FINAL_STATUSES:
            result.open_cases.append(case.tracking_code)
        else:
            ends.append(_ended_on(case, last.get(case.id)))
    if ends:
        until = _years_after(max(ends), retention_years)
        if until > today:
            result.retained_until = until
    return result


def _messages_to(petitioner: Petitioner, case_ids: list[int]) -> list[Notification]:
    """The e-mails about these cases addressed to the person: to their address now, or
    e-mails queued for them under an address corrected since, found by what ties them to
    the person: the status e-mails' key names the person (notifications.queue_status_change;
    QA round 48), a withdrawal's confirmation too ("withdraw:…:p<id>"), and the receipt of
    the online form ("receipt:<case>") goes to the one person who signed the case's first
    letter online (QA round 59: both kept an old address through anonymisation)."""
    if not case_ids:
        return []
    mine = [Notification.dedupe_key.like(f"status:%:%:{petitioner.id}:mail"),
            Notification.dedupe_key.like(f"withdraw:%:p{petitioner.id}:mail")]
    receipts = [f"receipt:{case_id}:mail" for case_id in _sent_online(petitioner, case_ids)]
    if receipts:
        mine.append(Notification.dedupe_key.in_(receipts))
    if petitioner.email:
        mine.append(Notification.email_to == petitioner.email)
    return list(db.session.scalars(select(Notification).where(
        Notification.case_id.in_(case_ids), Notification.email_to.is_not(None), or_(*mine))
        .order_by(Notification.id)))


def _sent_online(petitioner: Petitioner, case_ids: list[int]) -> list[int]:
    """The cases among `case_ids` whose first letter the person sent on the online form
    (public.submit_online: one signer, told by the receipt e-mail)."""
    first = select(func.min(Petition.id)).where(Petition.case_id.in_(case_ids)) \
        .group_by(Petition.case_id)
    return list(db.session.scalars(
        select(Petition.case_id).join(PetitionSigner,
                                      PetitionSigner.petition_id == Petition.id)
        .where(Petition.id.in_(first), Petition.channel == "online",
               PetitionSigner.petitioner_id == petitioner.id)))


def _messages_naming(name: str | None, case_ids: list[int]) -> list[Notification]:
    """The staff e-mails about these cases that name the person (a withdrawal, to the
    holding agency: QA round 27), which anonymising rewrites."""
    if not name or name == ANONYMOUS_NAME or not case_ids:
        return []
    return list(db.session.scalars(select(Notification).where(
        Notification.case_id.in_(case_ids), or_(
            Notification.body.contains(name, autoescape=True),
            Notification.subject.contains(name, autoescape=True)))
        .order_by(Notification.id)))


def _letter(petition: Petition, case: Case) -> str | None:
    """The text of a letter as held: its words as written before a split, a later letter's
    own text, or, for the letter that opened the case, the case's content."""
    if petition.letter_text or petition.content:
        return petition.letter_text or petition.content
    first = db.session.scalar(select(func.min(Petition.id))
                              .where(Petition.case_id == case.id))
    return case.content if petition.id == first else None


def _messages_held(petitioner: Petitioner, case_ids: list[int]) -> list[Notification]:
    """The e-mails addressed to the person and those that name them, once each."""
    found = {n.id: n for n in _messages_to(petitioner, case_ids)}
    name = petitioner.full_name
    naming = _messages_naming(name, case_ids)
    if naming:
        # Whole names only, as anonymising rewrites them: not a co-signer's longer name.
        longer = _longer_names(name, case_ids)
        found.update({n.id: n for n in naming if (n.body, n.subject) != (
            _without_name(n.body, name, longer), _without_name(n.subject, name, longer))})
    return [found[i] for i in sorted(found)]


def export_petitioner(petitioner: Petitioner, actor: User, now: datetime,
                      ground: str | None = None) -> dict:
    """Return everything held about the petitioner as JSON-ready data; audit the export.
    Exported only on a stated ground (anyone's: see _required_ground), recorded with it."""
    ground = _required_ground(ground)
    signed = db.session.execute(
        select(PetitionSigner, Petition)
        .join(Petition, Petition.id == PetitionSigner.petition_id)
        .where(PetitionSigner.petitioner_id == petitioner.id)
        .order_by(Petition.received_on, Petition.id)
    ).all()
    cases = cases_of(petitioner)
    by_id = {c.id: c for c in cases}
    feedback = db.session.scalars(
        select(CitizenFeedback).where(CitizenFeedback.case_id.in_(list(by_id) or [-1]))
        .order_by(CitizenFeedback.id)).all()
    data = {
        "petitioner": {
            "id": petitioner.id, "full_name": petitioner.full_name,
            "id_number": petitioner.id_number, "phone": petitioner.phone,
            "email": petitioner.email, "address": petitioner.address,
            "locality_code": petitioner.locality_code,
            "created_at": _iso(petitioner.created_at),
            "anonymised_at": _iso(petitioner.anonymised_at),
        },
        "petitions": [
            {"id": p.id, "case": by_id[p.case_id].tracking_code, "channel": p.channel,
             "received_on": _iso(p.received_on), "handling_outcome": p.handling_outcome,
             "handled_on": _iso(p.handled_on), "is_representative": s.is_representative,
             "withdrawn_on": _iso(s.withdrawn_on),
             # What they wrote: the largest piece of their data (QA round 59).
             "letter": _letter(p, by_id[p.case_id])}
            for s, p in signed
        ],
        "cases": [
            {"tracking_code": c.tracking_code, "kind": c.kind, "status": c.status,
             "subject": c.subject, "received_on": _iso(c.received_on),
             "routed_on": _iso(c.routed_on), "accepted_on": _iso(c.accepted_on),
             "resolved_on": _iso(c.resolved_on), "closed_on": _iso(c.closed_on)}
            for c in cases
        ],
        # The files handed in with their letters (scans that show their hand or name), and
        # the scans of a letter the desk added later, which name no letter (QA round 55):
        # listed, to be fetched from the case, not copied into the export.
        "files": [
            {"case": by_id[a.case_id].tracking_code, "petition": a.petition_id,
             "filename": shown, "content_type": a.content_type, "size": a.size,
             "purpose": a.purpose, "sha256": a.sha256, "created_at": _iso(a.created_at),
             "erased_at": _iso(a.erased_at)}
            for a, shown in _exported_files(petitioner, list(by_id))
        ],
        "feedback": [
            {"case": by_id[f.case_id].tracking_code, "rating_result": f.rating_result,
             "rating_service": f.rating_service, "comment": f.comment,
             "created_at": _iso(f.created_at)}
            for f in feedback
        ],
        # The e-mails addressed to them about their cases (the status messages), as kept in
        # the outbox: what anonymising blanks (QA round 47: the export left them out), and
        # the staff e-mails that name them, which anonymising rewrites (QA round 59).
        "messages": [
            {"case": by_id[n.case_id].tracking_code, "channel": n.channel,
             "email_to": n.email_to, "subject": n.subject, "body": n.body,
             "status": n.status, "created_at": _iso(n.created_at),
             "sent_at": _iso(n.sent_at)}
            for n in _messages_held(petitioner, list(by_id))
        ],
        # Who has looked at their data, and on what ground: their record's views and
        # exports, and the views of their identity on the denunciations they signed
        # (QA round 67). This export is recorded after it is made, so it is not listed.
        "accesses": _accesses(petitioner, cases),
        # What officials typed on their cases' trails that names them (a reason, a note):
        # held about them as long as the trail is (QA 115: the export left it out).
        "trail": _trail_naming(petitioner, by_id),
        "exported_at": _iso(now),
    }
    audit.record(chain(petitioner), "petitioner_exported", actor, now,
                 {"petitions": len(signed), "cases": len(cases), "ground": ground})
    _record_denunciation_views(cases, ground, actor, now)
    return data


def anonymise_petitioner(petitioner: Petitioner, ground: str, actor: User, now: datetime,
                         today: date, retention_years: int) -> Petitioner:
    """Erase the petitioner's identity once every case is final past retention (ẩn danh)."""
    if ground not in GROUNDS:
        raise ValidationFailed({"ground": N_("Chọn căn cứ ẩn danh.")})
    # Lock the person before checking: the desk logging a new letter of theirs meanwhile
    # would be filed under a record erased the moment after (QA round 72). Intake takes the
    # same row, and looks the person up again if it was anonymised while it read
    # (intake.write_case).
    db.session.execute(text("UPDATE petitioners SET id = id WHERE id = :id"),
                       {"id": petitioner.id})
    db.session.refresh(petitioner)  # a second admin's anonymisation is seen: "already"
    check = eligibility(petitioner, today, retention_years)
    if check.already:
        raise ValidationFailed({"petitioner": N_("Người này đã được ẩn danh.")})
    if check.open_cases:
        raise ValidationFailed({"petitioner": N_("Còn vụ việc chưa kết thúc: %(codes)s",
                                                codes=", ".join(check.open_cases))})
    if check.retained_until is not None:
        raise ValidationFailed({"petitioner": N_(
            "Chưa hết thời hạn lưu trữ (đến ngày %(day)s).",
            day=f"{check.retained_until:%d/%m/%Y}")})
    email, name = petitioner.email, petitioner.full_name
    cases = cases_of(petitioner)
    case_ids = [c.id for c in cases]
    sent_to = _messages_to(petitioner, case_ids)  # read before the address is cleared
    who = _identity(petitioner, case_ids)  # read before the particulars are cleared
    # The files of their letters, and every file of their cases named after them: a scan
    # the desk added later as evidence ("CCCD <name>.png", no letter named) kept the name
    # too (QA round 67). A name is read as names_person reads it: a co-signer whose name
    # differs only in accents keeps their file's name (QA round 69).
    own = {a.id for a in _files_of(petitioner, case_ids)}
    files = [row for row in _case_files(case_ids)
             if row.id in own or names_person(_stem(row), [petitioner])]
    _keep_as_one_person(petitioner)
    petitioner.full_name = ANONYMOUS_NAME
    petitioner.name_folded = fold(ANONYMOUS_NAME)
    petitioner.id_number = petitioner.phone = petitioner.email = petitioner.address = None
    petitioner.anonymised_at = now
    # The outbox kept the addresses the status e-mails went to (an older one too).
    for note in sent_to:
        address = note.email_to or email or ""
        note.email_to = None
        if note.status == "pending":
            note.status, note.last_error = "failed", "recipient anonymised"
        elif address and note.last_error and address.lower() in note.last_error.lower():
            # A refusal quotes the address it refused (SMTPRecipientsRefused).
            note.last_error = "recipient refused; address anonymised"
    # Staff e-mails that named them (a withdrawal, to the holding agency) are kept in the
    # outbox: the name goes from their text too (QA round 27).
    longer = who.longer
    for note in _messages_naming(name, case_ids):
        note.body = _without_name(note.body, name, longer)
        note.subject = _without_name(note.subject, name, longer)
    # The citizen's own words kept beside the case: the names their files were sent under
    # ("CCCD <name>.png") and their rating's comment; the ratings stay for the statistics
    # (QA round 59). Neither is in an audit event, so every chain stays valid.
    renamed = 0
    for row in files:
        stem, ext = os.path.splitext(row.filename)
        kept = who.scrub(stem)
        if kept is None:
            kept = f"{ANONYMOUS_NAME}-{row.id}"
        if kept != stem:
            row.filename, renamed = f"{kept}{ext}"[:255], renamed + 1
        # Their content too: a scan of their letter or ID card names them in a way no
        # rename reaches (QA 115: it stayed downloadable). The row stays as the record of
        # what was handed in; the prune removes the stored file once no row names it.
        if row.erased_at is None:
            row.erased_at = now
    for feedback in db.session.scalars(select(CitizenFeedback).where(
            CitizenFeedback.case_id.in_(case_ids or [-1]), CitizenFeedback.comment.is_not(None))):
        feedback.comment = who.scrub(feedback.comment)
    scrubbed = _scrub_case_texts(cases, who)
    audit.record(chain(petitioner), "petitioner_anonymised", actor, now,
                 {"ground": ground, "cases": len(case_ids),
                  "retention_years": retention_years, "files_renamed": renamed,
                  "files_erased": len(files), "texts_scrubbed": scrubbed})
    db.session.flush()
    logger.info("petitioner %s anonymised by %s", petitioner.id, actor.username)
    return petitioner


def _trail_naming(petitioner: Petitioner, by_id: dict[int, Case]) -> list[dict]:
    """The events of their cases' audit trails with a text that names them (their name,
    an ID or phone number, their e-mail or address), each with its case, action and time."""
    if not by_id or petitioner.anonymised_at is not None:
        return []
    who = _identity(petitioner, list(by_id))
    chains = {f"case:{case_id}": case for case_id, case in by_id.items()}
    found = []
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.chain.in_(list(chains))).order_by(AuditEvent.chain, AuditEvent.seq)):
        texts = [v for v in json.loads(event.data or "{}").values() if isinstance(v, str)]
        if any(who.scrub(t) != t for t in texts):
            found.append({"case": chains[event.chain].tracking_code, "action": event.action,
                          "at": _iso(event.created_at), "data": json.loads(event.data)})
    return found


SCRUBBED_TEXT = "[Nội dung đã được ẩn danh]"  # a text the person's name could not be cut from
_SUBJECT_LENGTH = Case.__table__.c.subject.type.length


def _scrub_case_texts(cases: list[Case], who: _Identity) -> int:
    """Take the person's name, ID and phone numbers, e-mail and address out of the texts of
    their cases: the subject, the content, each letter's own text, their clusters' subject.
    A letter typed from an online form is their own words, and the desk's search found the
    case by the phone in it after they were anonymised (QA 115). The record of the matter
    stays; a text their name cannot be cut from (written without accents) is replaced
    whole. Returns the texts changed."""
    changed = 0
    for case in cases:
        for owner, attr, limit in ((case, "subject", _SUBJECT_LENGTH), (case, "content", None),
                                   *((p, name, None) for p in case.petitions
                                     for name in ("content", "letter_text"))):
            value = getattr(owner, attr)
            if not value:
                continue
            kept = who.scrub(value)
            kept = SCRUBBED_TEXT if kept is None else kept[:limit]
            if kept != value:
                setattr(owner, attr, kept)
                changed += 1
    # A mass cluster keeps the folded subject of the case that opened it: the inspectors'
    # list shows it and later letters are matched against it (QA 118).
    clusters = {c.cluster_id for c in cases if c.cluster_id}
    for cluster in db.session.scalars(select(Cluster).where(Cluster.id.in_(clusters or {-1}))):
        kept = who.scrub_folded(cluster.subject_folded)
        if kept != cluster.subject_folded:
            cluster.subject_folded, changed = kept[:500], changed + 1
    return changed


def _files_of(petitioner: Petitioner, case_ids: list[int]) -> list[Attachment]:
    """The files handed in with the person's letters, and the scans of a letter the desk
    added later, which name no letter (QA round 55)."""
    if not case_ids:
        return []
    letters = select(PetitionSigner.petition_id).where(
        PetitionSigner.petitioner_id == petitioner.id)
    return list(db.session.scalars(select(Attachment).where(
        Attachment.case_id.in_(case_ids), or_(
            Attachment.petition_id.in_(letters),
            and_(Attachment.petition_id.is_(None), Attachment.purpose == "petition")))
        .order_by(Attachment.id)))


def _accesses(petitioner: Petitioner, cases: list[Case]) -> list[dict]:
    codes = {c.id: c.tracking_code for c in cases}
    denunciations = [c.id for c in cases if c.kind == "denunciation"]
    rows = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.chain == chain(petitioner),
        and_(AuditEvent.case_id.in_(denunciations or [-1]),
             AuditEvent.action.in_(READ_EVENTS)))).order_by(AuditEvent.created_at,
                                                            AuditEvent.id))
    out = []
    for event in rows:
        # The ground given for a view of a denunciation is another's business when the view
        # was of a fellow denouncer's record (it may name them, QA round 69): their own
        # record's views and exports keep theirs, the case's views say only when and who.
        own = event.case_id is None
        data = json.loads(event.data or "{}") if own else {}
        out.append({"at": _iso(event.created_at), "action": event.action,
                    "by": event.actor_label, "case": codes.get(event.case_id),
                    "ground": data.get("ground")})
    return out


def _case_files(case_ids: list[int]) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(
        Attachment.case_id.in_(case_ids or [-1])).order_by(Attachment.id)))


def _identity(petitioner: Petitioner, case_ids: list[int]) -> _Identity:
    """What names the person in a text: their particulars as held now."""
    name = petitioner.full_name
    return _Identity(name or "", _longer_names(name, case_ids) if name and case_ids else [],
                     {n for n in (petitioner.id_number, petitioner.phone) if n},
                     petitioner.email, _address_phrases(petitioner.address))


def _address_phrases(address: str | None) -> list[str]:
    """The address as written and, when it holds a house number, its first part ("Số 1
    Lạch Tray" of "Số 1 Lạch Tray, Hải Phòng"): a text giving the home with the ward spelt
    otherwise still says where they live (QA 118). A first part without a number (a
    village, a ward) is the place of many people and stays in the record."""
    whole = " ".join((address or "").split())
    if not whole:
        return []
    first = whole.split(",")[0].strip()
    if first != whole and len(first) >= 5 and any(ch.isdigit() for ch in first):
        return [whole, first]
    return [whole]


def _phrase(words: str) -> re.Pattern:
    """`words` as whole words, any spacing, any case."""
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words.split())) + r"(?!\w)",
                      re.IGNORECASE)


def _stem(row: Attachment) -> str:
    return os.path.splitext(row.filename)[0]


def _exported_files(petitioner: Petitioner,
                    case_ids: list[int]) -> list[tuple[Attachment, str]]:
    """The files an export lists, each with the name it is listed under: those handed in
    with the person's letters (_files_of) and any other file of their cases whose name
    names them (evidence the desk added later, "CCCD <name>.png"); not a file naming only
    someone else who signed (a co-signer's ID card on a shared letter, QA round 67, even
    when the two names differ only in accents, QA round 69). A file naming them and another
    signer is listed with the other's name and numbers taken out (a meeting record naming
    two denouncers told one of them the other denounced, QA round 69)."""
    if not case_ids:
        return []
    own = {a.id for a in _files_of(petitioner, case_ids)}
    others = list(db.session.scalars(
        select(Petitioner).distinct()
        .join(PetitionSigner, PetitionSigner.petitioner_id == Petitioner.id)
        .join(Petition, Petition.id == PetitionSigner.petition_id)
        .where(Petition.case_id.in_(case_ids), Petitioner.id != petitioner.id)))
    out = []
    for row in _case_files(case_ids):
        stem, ext = os.path.splitext(row.filename)
        mine = names_person(stem, [petitioner])
        named = [o for o in others if names_person(stem, [o])]
        if not (mine or (row.id in own and not named)):
            continue
        for other in named:
            stem = _identity(other, case_ids).scrub(stem) or ANONYMOUS_NAME
        out.append((row, f"{stem}{ext}"))
    return out


_NUMBER = re.compile(r"\+?\d(?:[ .\-]?\d)*")
_SEPARATORS = re.compile(r"[\W_]+")


@dataclass
class _Identity:
    """What names the person in a text they wrote: name, ID number, phone, e-mail, address."""

    name: str
    longer: list[str]  # co-signers' names that hold `name` (_longer_names)
    numbers: set[str]
    email: str | None
    addresses: list[str] = field(default_factory=list)  # _address_phrases, longest first

    def scrub(self, text: str) -> str | None:
        """`text` without the person's name, numbers and address; None when the name is
        still there unaccented or spelt with other separators ("tran-thi-b"), which cannot
        be cut out without knowing its spelling."""
        if self.name and self.name != ANONYMOUS_NAME:
            text = _without_name(text, self.name, self.longer)
        if self.email:
            text = re.sub(re.escape(self.email), ANONYMOUS_NAME, text, flags=re.IGNORECASE)
        for address in self.addresses:
            text = _phrase(address).sub(ANONYMOUS_NAME, text)
        if self.numbers:
            text = _NUMBER.sub(lambda m: ANONYMOUS_NAME if _numbers(m.group()) & self.numbers
                               else m.group(), text)
        if self.name and self.name != ANONYMOUS_NAME:
            rest = text
            for other in self.longer:
                rest = rest.replace(other, " ")
            words = f" {fold(_SEPARATORS.sub(' ', rest))} "
            if f" {fold(_SEPARATORS.sub(' ', self.name))} " in words:
                return None
        return text

    def scrub_folded(self, text: str) -> str:
        """A folded text (no accents, lower case: a cluster's subject) without the person's
        name, numbers, e-mail and address, each folded alike."""
        kept = {f"\x00{i}\x00": fold(other) for i, other in enumerate(self.longer)}
        for mark, other in kept.items():
            text = _phrase(other).sub(mark, text)
        anonymous = fold(ANONYMOUS_NAME)
        for words in ([fold(self.name)] if self.name and self.name != ANONYMOUS_NAME else []) \
                + [fold(self.email or "")] + [fold(a) for a in self.addresses]:
            if words:
                text = _phrase(words).sub(anonymous, text)
        for mark, other in kept.items():
            text = text.replace(mark, other)
        if self.numbers:
            text = _NUMBER.sub(lambda m: anonymous if _numbers(m.group()) & self.numbers
                               else m.group(), text)
        return text


def _longer_names(name: str, case_ids: list[int]) -> list[str]:
    """The co-signers' names on these cases that hold `name` ("Trần Văn Minh Anh" holds
    "Trần Văn Minh"), longest first: a text naming them keeps them whole."""
    names = db.session.scalars(
        select(Petitioner.full_name).distinct()
        .join(PetitionSigner, PetitionSigner.petitioner_id == Petitioner.id)
        .join(Petition, Petition.id == PetitionSigner.petition_id)
        .where(Petition.case_id.in_(case_ids)))
    return sorted({n for n in names if n and n != name and name in n}, key=len, reverse=True)


def _without_name(text: str, name: str, longer: list[str]) -> str:
    """`text` with every whole `name` replaced by ANONYMOUS_NAME, the `longer` names that
    hold it left as they are (QA round 29: a co-signer's name was cut)."""
    kept = {f"\x00{i}\x00": other for i, other in enumerate(longer)}
    for mark, other in kept.items():
        text = text.replace(other, mark)
    text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", ANONYMOUS_NAME, text)
    for mark, other in kept.items():
        text = text.replace(mark, other)
    return text


def _keep_as_one_person(petitioner: Petitioner) -> None:
    """Give the person's records one opaque token before one of them loses its name and
    numbers, so that counting people (escalation.person_key: the same ID number, or name
    with phone or e-mail) still finds one person, not one per record (QA round 18)."""
    if petitioner.person_ref:
        return  # kept together already
    # Exactly the records counted as this person today (the same key), no more: a record
    # that only shares a phone is another person for the count, and stays one.
    records = records_of_person(petitioner, Petitioner.id != petitioner.id,
                                Petitioner.person_ref.is_(None))
    if records is None:
        return  # counted by its own record already: nothing to keep together
    ref = secrets.token_hex(8)
    for record in [petitioner, *records]:
        record.person_ref = ref


def records_of_person(person: Petitioner, *where) -> list[Petitioner] | None:
    """The records on file (meeting `where`) that count as the same person as `person`
    (`rules.person_key`: the same ID number, else the same name with phone or e-mail),
    oldest first; None when nothing tells this person apart from others. Anonymisation
    keeps them together by it, and intake gives a new record their token by it."""
    key = _person_key(person)
    if key[0] == "record":
        return None
    loose = (Petitioner.id_number == person.id_number if person.id_number
             else Petitioner.name_folded == person.name_folded)
    return [r for r in db.session.scalars(
        select(Petitioner).where(loose, *where).order_by(Petitioner.id))
        if _person_key(r) == key]


def _person_key(p: Petitioner) -> tuple:
    return rules.person_key(p.id, p.id_number, p.name_folded, p.phone, p.email)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
