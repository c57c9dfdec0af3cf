"""Reception: log a petition, open or join a case (tiếp nhận đơn)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import Row, func, insert, or_, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.exc import IntegrityError

from complaints.domain import appeal, contacts, states
from complaints.domain import escalation as rules
from complaints.domain import history as histories
from complaints.domain.catalog import CHANNELS, KINDS
from complaints.domain.confidentiality import (
    REASON_NAMES_DENOUNCER,
    SUBJECT_NAMES_DENOUNCER,
    names_denouncer,
)
from complaints.domain.fields import FIELD_STOPPED
from complaints.domain.limits import CONTENT_MAX, REASON_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_, Named
from complaints.domain.text import (
    blank,
    fold,
    has_control,
    name_problem,
    nfc_fields,
    normal_tracking_code,
)
from complaints.extensions import db
from complaints.models import (
    Case,
    CaseDeadline,
    DeskSubmission,
    Petition,
    Petitioner,
    PetitionSigner,
    User,
)
from complaints.models.case import SECOND_COMPLAINT_INDEX
from complaints.permissions import can_add_petition, can_see_identity
from complaints.services import (
    audit,
    deadlines,
    escalation,
    escalation_patterns,
    notifications,
    personal_data,
    references,
    scorecard_summary,
)
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

# Letters and digits that cannot be misread on paper (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUP_SIZE = 5  # five or more signers make a group petition (Law on Citizen Reception Art. 29)


@dataclass
class PetitionerData:
    full_name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    is_representative: bool = False

    def __post_init__(self):
        nfc_fields(self)  # composed, whoever sends it (forms, the API): see CaseData
        if blank(self.address):  # spaces or invisible characters are no address (QA 114)
            self.address = None


@dataclass
class PetitionData:
    channel: str
    received_on: date
    petitioners: list[PetitionerData] = field(default_factory=list)
    # Đủ điều kiện xử lý (02/XLD column 5): named, clear content and an address (Circular
    # 05/2021/TT-TTCP). None: derived from the letter, for the channels with no box to
    # tick (reception sessions, the API when it does not say): eligible when someone signs
    # it and at least one signer gives an address. A derived denunciation is still held to
    # its own rule (each denouncer named with an address: denouncer_errors), as before:
    # only the desk's "not eligible" logs one that breaks it.
    eligible: bool | None = None
    # What a letter joined to an existing case says (add_petition); a new case's letter is
    # the case's content and leaves this empty.
    content: str | None = None
    # The history of the matter as the letter tells it (domain.history); None: derived.
    history: str | None = None

    # Set by __post_init__: whether `eligible` was derived rather than said.
    derived: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        nfc_fields(self)
        if self.eligible is None:
            self.derived = True
            self.eligible = bool(self.petitioners) and addressed(self.petitioners)

    @property
    def held_to_denouncer_rule(self) -> bool:
        """Is a denunciation in this letter held to the denouncer rule? Unless the desk
        logged it as not eligible (an anonymous letter, to be filed or passed on)."""
        return bool(self.eligible) or self.derived


def addressed(people) -> bool:
    """Whether a letter gives an address to answer it at: at least one signer's (anything
    with `address`). A letter without one is not eligible for handling."""
    return any(not blank(getattr(p, "address", None)) for p in people)


@dataclass
class CaseData:
    kind: str
    field_code: str
    subject: str
    content: str
    locality_code: str | None
    petition: PetitionData
    complaint_round: int | None = None
    parent_tracking_code: str | None = None
    is_complex: bool = False
    is_remote: bool = False

    def __post_init__(self):
        # Text composed (NFC) before it is checked or saved, whichever entry built it (the
        # desk's form, the API, Open311, a split): lengths count letters as they read, and
        # one text typed on two keyboards is one string (QA 97).
        nfc_fields(self)
        # The earlier case's code read as every look-up reads it (lower case, no hyphen):
        # the desk's form upper-cased it and the API did not (QA 117).
        if self.parent_tracking_code:
            self.parent_tracking_code = normal_tracking_code(self.parent_tracking_code)


def new_tracking_code(year: int) -> str:
    """Return a random, hard-to-guess tracking code such as 2026-7KQ4M2XH."""
    return f"{year}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


CODE_TRIES = 5  # codes drawn before giving up; one repeat in a year of 10⁶ cases is likely


def _unused_tracking_code(year: int) -> str:
    """A new tracking code no case holds yet. 31⁸ codes a year make a repeat rare, not
    impossible: drawn blind, one ended in the unique index's IntegrityError, a 500 that lost
    the letter being logged."""
    for _ in range(CODE_TRIES):
        code = new_tracking_code(year)
        if db.session.scalar(select(Case.id).where(Case.tracking_code == code)) is None:
            return code
    raise RuntimeError(f"no unused tracking code for {year} after {CODE_TRIES} draws")


def new_pin() -> str:
    """Return a 6-digit secret PIN for the citizen's look-up."""
    return f"{secrets.randbelow(10**6):06d}"


def hash_pin(tracking_code: str, pin: str) -> str:
    """Return a keyed hash of the PIN: fast to check, useless without the server's key.

    A 6-digit PIN is too small for a slow password hash to protect it offline; what
    protects it is the key and the look-up rate limit, so a keyed HMAC is enough.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{tracking_code}:{pin}".encode(), hashlib.sha256).hexdigest()


def check_pin(case: Case, pin: str) -> bool:
    """Compare a PIN with the case's in constant time."""
    if not case.pin_hash or not pin:
        return False
    return hmac.compare_digest(case.pin_hash, hash_pin(case.tracking_code, pin.strip()))


def pin_tag(case: Case) -> str | None:
    """A short mark of the case's current PIN: a citizen's page opened with an older one
    (before a reissue) is closed (see reissue_pin)."""
    return case.pin_hash[-12:] if case.pin_hash else None


def reissue_pin(case: Case, reason: str | None, actor: User, now: datetime) -> str:
    """Give the case a new PIN (the citizen lost the receipt, or it fell into other hands):
    the desk that received the case, after checking who asks, with why. The old PIN stops
    opening the case, and pages opened with it are closed; the trail records the reissue
    and its reason, never a PIN. Returns the new PIN (shown once, on the receipt)."""
    from complaints.services.workflow import hold  # workflow imports us

    hold(case)
    if not can_add_petition(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn được cấp lại mã PIN."))
    errors: dict[str, str] = {}
    text = trail_text(reason, "reason", errors, case, N_("Nêu lý do cấp lại mã PIN."))
    if errors:
        raise ValidationFailed(errors)
    pin = new_pin()
    case.pin_hash = hash_pin(case.tracking_code, pin)
    db.session.flush()
    event = audit.record_case(case, "pin_reissued", actor, now, {"reason": text})
    db.session.flush()
    notifications.queue_pin_reissued(case, now, event.id)
    return pin


NO_ADDRESS = N_("Đơn đủ điều kiện xử lý phải có địa chỉ của người đứng đơn (Thông tư "
                "05/2021/TT-TTCP): nhập địa chỉ, hoặc ghi đơn là không đủ điều kiện xử lý.")


def validate_petition(data: PetitionData, today: date, prefix: str = "") -> dict[str, str]:
    """Return field → message for everything wrong with a petition's part of the input."""
    errors: dict[str, str] = {}
    if data.channel not in CHANNELS:
        errors[prefix + "channel"] = N_("Kênh tiếp nhận không hợp lệ.")
    if data.received_on is None:
        errors[prefix + "received_on"] = N_("Nhập ngày nhận đơn.")
    elif data.received_on > today:
        errors[prefix + "received_on"] = N_("Ngày nhận đơn không được ở tương lai.")
    if not data.petitioners and data.eligible:
        # An anonymous letter is still logged, as not eligible (to be filed away or passed
        # on, and counted in the reports: Law on Denunciations Art. 25; Circular 05/2021).
        errors[prefix + "petitioners"] = N_(
            "Cần ít nhất một người đứng đơn. Đơn không ghi tên người gửi (nặc danh): bỏ chọn "
            "“Đủ điều kiện xử lý” để vào sổ rồi lưu đơn.")
    elif data.eligible and not addressed(data.petitioners):
        # Reported as eligible (02/XLD column 5) only with somewhere to send the answer
        # (QA 109: a desk or API letter with no address was counted).
        errors[prefix + "petitioners.0.address"] = NO_ADDRESS
    if len(data.content or "") > CONTENT_MAX:
        errors[prefix + "content"] = N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)
    _control_errors(errors, data, ("content",), prefix)
    for i, p in enumerate(data.petitioners):
        if problem := name_problem(p.full_name):
            errors[f"{prefix}petitioners.{i}.full_name"] = problem
        errors.update(contact_errors(p, f"{prefix}petitioners.{i}."))
        _control_errors(errors, p, ("full_name", "id_number", "phone", "email", "address"),
                        f"{prefix}petitioners.{i}.")
    # People, not form rows: one typed twice (one ID number) signs once (QA 107).
    people = rows_by_person(data.petitioners)
    if len(people) >= GROUP_SIZE:
        reps = sum(1 for rows in people if any(p.is_representative for p in rows))
        limit = 2 if len(people) <= 10 else 5
        if reps == 0:
            errors[prefix + "petitioners"] = N_(
                "Đơn có từ 5 người trở lên phải cử người đại diện (Luật Tiếp công dân Điều 29).")
        elif reps > limit:
            errors[prefix + "petitioners"] = N_("Chỉ được cử tối đa %(n)s người đại diện.",
                                                n=limit)
    return errors


def _control_errors(errors: dict[str, str], data, names: tuple[str, ...], prefix: str) -> None:
    """Refuse control characters (pasted from other software, or sent by a client): never
    meant, invisible on the page, and they break XML feeds. A message already set stays."""
    for name in names:
        if has_control(getattr(data, name, None)):
            errors.setdefault(prefix + name, CONTROL_CHARACTERS)


# Why a petitioner's contact field was refused; the normalisers refuse, they never strip.
_CONTACT_RULES = (
    ("id_number", contacts.id_number,
     N_("Số định danh gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND).")),
    ("phone", contacts.phone,
     N_("Số điện thoại gồm 10 chữ số bắt đầu bằng 0 (hoặc +84 và 9 chữ số); số cố định "
        "có thể gồm 11 chữ số bắt đầu bằng 02.")),
    ("email", contacts.email, N_("Địa chỉ thư điện tử không hợp lệ.")),
)


def contact_errors(person, prefix: str = "") -> dict[str, str]:
    """Return field → message for a petitioner's ID number, phone or e-mail that is wrong
    (`person`: anything with those three attributes; the online form's submission too)."""
    errors = {}
    for name, normalise, message in _CONTACT_RULES:
        try:
            normalise(getattr(person, name))
        except contacts.InvalidContact:
            errors[prefix + name] = message
    return errors


def _number(text: str | None) -> str | None:
    """The ID number as stored, or None when there is none or it is malformed (validation
    reports that; the known-person checks run beside it and must not fail first)."""
    return contacts.lenient(contacts.id_number, text)


def _id_numbers(petitioners: list[PetitionerData]) -> list[str]:
    return [n for n in (_number(p.id_number) for p in petitioners) if n]


def lock_signed_cases(people, case_ids: Iterable[int] = ()) -> None:
    """Lock the cases these people sign (`people`: petitioner ids, or a SELECT of them),
    and `case_ids`, in id order, before the people are locked: cases before people, the
    order a correction of a person takes them in (corrections.correct_person). The checks
    after a letter write the person's older cases of the matter when it becomes mass,
    final ones too; taken after the person, a correction through one of them deadlocked
    with the letter on PostgreSQL (QA round 78).

    FOR NO KEY UPDATE, the lock of audit.lock_case's no-op UPDATE, rows locked as sorted;
    SQLite leaves it out: its single writer makes no cycle."""
    signed = (select(Petition.case_id)
              .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
              .where(PetitionSigner.petitioner_id.in_(people)))
    c = Case.__table__.c
    case_ids = sorted(set(case_ids))
    which = or_(c.id.in_(case_ids), c.id.in_(signed)) if case_ids else c.id.in_(signed)
    db.session.execute(select(c.id).where(which).order_by(c.id)
                       .with_for_update(key_share=True, of=Case.__table__)).all()


def lock_letters_cases(petitions: Iterable[PetitionData], case_ids: Iterable[int] = ()
                       ) -> None:
    """For one transaction writing several letters (a reception session): every case their
    people on file sign, and `case_ids`, in one sorted pass before the first letter. Each
    letter locks its own people's cases in order, but the second letter's came after the
    first's cases and people were held, and a correction of its person deadlocked with the
    session on PostgreSQL (QA round 81); the letters' own calls then find them held."""
    numbers = sorted({n for petition in petitions for n in _id_numbers(petition.petitioners)})
    pt = Petitioner.__table__.c
    lock_signed_cases(select(pt.id).where(pt.id_number.in_(numbers)), case_ids)


def rows_by_person(petitioners: list[PetitionerData]) -> list[list[PetitionerData]]:
    """The form's rows of each person, in order: rows with one ID number are one person
    typed twice. The group rules (Law on Citizen Reception Art. 29) count these people,
    and each signs once (QA 107: counted by rows, 4 people on 5 rows had to name a
    representative and 10 on 11 rows could name 3)."""
    people: list[list[PetitionerData]] = []
    by_number: dict[str, int] = {}  # ID number → index in `people`
    for p in petitioners:
        number = _number(p.id_number)
        if number and number in by_number:
            people[by_number[number]].append(p)
            continue
        if number:
            by_number[number] = len(people)
        people.append([p])
    return people


def _signing_people(petitioners: list[PetitionerData], locality_code: str | None,
                    known: dict[str, Petitioner]) -> list[tuple[Petitioner, bool]]:
    """Each signer as a person and whether they represent the group: the person already
    known by their ID number (`known`), so their history stays linked, else a new one;
    the same person twice (one ID number) signs once, representing the group if either
    row says so (QA round 52: a tick on the repeated row was dropped, and the group saved
    with no representative)."""
    people: list[tuple[Petitioner, bool]] = []
    for rows in rows_by_person(petitioners):
        first, number = rows[0], _number(rows[0].id_number)
        person = (known.get(number) if number else None) or _new_petitioner(first,
                                                                              locality_code)
        people.append((person, any(p.is_representative for p in rows)))
    return people


def _known_person_errors(petitioners: list[PetitionerData], known: dict[str, Petitioner],
                         prefix: str = "") -> dict[str, str]:
    """A typed ID number that belongs to a person of another name is a typo or a mix-up:
    refused, rather than filing the petition under that person (found by a QA pass: the
    typed name, phone and address were silently replaced by the known person's). The
    message does not name the person the number belongs to."""
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}  # the same number twice in one petition: one person
    for i, p in enumerate(petitioners):
        number = _number(p.id_number)
        if not number:
            continue
        if number in known:
            if fold(known[number].full_name) != fold(p.full_name or ""):
                errors[f"{prefix}petitioners.{i}.id_number"] = N_(
                    "Số định danh này đã được ghi nhận cho một người có họ tên khác: kiểm tra "
                    "lại số định danh hoặc họ tên.")
        elif fold(typed.setdefault(number, p.full_name or "")) != fold(p.full_name or ""):
            errors[f"{prefix}petitioners.{i}.id_number"] = N_(
                "Hai người đứng đơn có cùng số định danh nhưng khác họ tên: kiểm tra lại.")
    return errors


def _public_matches(petitioners: list[PetitionerData],
                    known: dict[str, list[Petitioner]]) -> dict[str, Petitioner]:
    """The known people an anonymous submission may be filed under: only those it matches
    exactly (name and contact details). A citizen's form must neither learn that a number
    is on record (an error would tell) nor change a person's details; any difference makes
    a new record, which officers can link later. A detail on record the form left empty is
    a difference too: filed under that person, the new case would show it to its readers
    (a denouncer's phone and address, for a name and ID number typed in; found by a QA
    pass). `known`: the records of each ID number (`_known_people`)."""
    kept: dict[str, Petitioner] = {}
    for number, people in known.items():
        typed = [p for p in petitioners if _number(p.id_number) == number]
        match = next((person for person in people
                      if all(fold(person.full_name) == fold(p.full_name or "")
                             and _same_contacts(person, p) for p in typed)), None)
        if match is not None:
            kept[number] = match
    return kept


def _visible_people(known: dict[str, list[Petitioner]], actor: User) -> dict[str, Petitioner]:
    """The known people staff intake may file a petition under (and give the contact
    details typed anew): for each ID number, the first record (`known`: the records of each
    number, `_known_people`) whose identity the actor may see on every case it signs
    (`can_see_identity`; for a kind other than a denunciation, being allowed to open it).

    Anyone else is written as a new person, as the citizens' form does (`_public_matches`),
    and never refused: filing under a denouncer's record showed the officer the denouncer's
    phone and address and sent the denunciation's status mail to the contacts typed, and a
    refusal told that the number was on record (found by a QA pass). A person on record
    under no case is new too: nothing says who may see them.
    """
    ids = {person.id for people in known.values() for person in people}
    if not ids:
        return {}
    seen: dict[int, bool] = {}
    for petitioner_id, case in db.session.execute(
            select(PetitionSigner.petitioner_id, Case)
            .join(Petition, Petition.id == PetitionSigner.petition_id)
            .join(Case, Case.id == Petition.case_id)
            .where(PetitionSigner.petitioner_id.in_(ids))):
        seen[petitioner_id] = (seen.get(petitioner_id, True)
                               and can_see_identity(actor, case))
    kept = {number: next((person for person in people if seen.get(person.id)), None)
            for number, people in known.items()}
    return {number: person for number, person in kept.items() if person is not None}


def visible_people(petitioners: list[PetitionerData], actor: User) -> dict[str, Petitioner]:
    """The known people, by ID number, the actor may file under or correct (see
    `_visible_people`)."""
    return _visible_people(_known_people(petitioners), actor)


def _matches(petitioners: list[PetitionerData], known: dict[str, list[Petitioner]],
             actor: User | None) -> dict[str, Petitioner]:
    """The known person a petition may be filed under, by ID number: `_public_matches` for
    the citizens' form (no actor), `_visible_people` for staff."""
    if actor is None:
        return _public_matches(petitioners, known)
    return _visible_people(known, actor)


def _typed_contacts(data: PetitionerData) -> dict[str, str | None]:
    return {"address": (data.address or "").strip() or None,
            "phone": contacts.lenient(contacts.phone, data.phone),
            "email": contacts.lenient(contacts.email, data.email)}


def _fresher_contacts(person: Petitioner, data: PetitionerData) -> dict[str, str]:
    """The contact details a known person gave anew (typed and different): the latest ones
    are where the agency must reach them."""
    return {key: value for key, value in _typed_contacts(data).items()
            if value and value != getattr(person, key)}


def _same_contacts(person: Petitioner, data: PetitionerData) -> bool:
    """Are the typed address, phone and e-mail exactly the person's, empty ones included?"""
    return all(value == ((getattr(person, key) or "").strip() or None)
               for key, value in _typed_contacts(data).items())


def _refresh_known(petitioners: list[PetitionerData],
                   known: dict[str, Petitioner]) -> dict[str, dict[str, str]]:
    """Give the known people the contact details typed anew (on the objects in `known`);
    return them by ID number, for a writer that does not go through the ORM."""
    fresher: dict[str, dict[str, str]] = {}
    for p in petitioners:
        number = _number(p.id_number)
        if number in known and number not in fresher:
            fresher[number] = _fresher_contacts(known[number], p)
            for key, value in fresher[number].items():
                setattr(known[number], key, value)
    return fresher


def _new_petitioner(data: PetitionerData, locality_code: str | None) -> Petitioner:
    person = Petitioner(
        full_name=data.full_name.strip(), name_folded=fold(data.full_name),
        id_number=contacts.id_number(data.id_number), phone=contacts.phone(data.phone),
        email=contacts.email(data.email), address=data.address,
        locality_code=locality_code,
    )
    ref = _ref_on_file(person)
    if ref is not None:
        person.person_ref = ref
    return person


def _ref_on_file(person: Petitioner) -> str | None:
    """The token the records of this person share once one of them was anonymised
    (personal_data._keep_as_one_person), for a new record of the same person: without it
    the new record counted as someone else, and the person back after a decision was not
    "repeated" (QA 94)."""
    records = personal_data.records_of_person(person, Petitioner.person_ref.is_not(None))
    return records[0].person_ref if records else None


def _add_petition(case: Case, data: PetitionData, actor: User | None) -> Petition:
    petition = Petition(channel=data.channel, received_on=data.received_on,
                        received_by_id=actor.id if actor else None, eligible=data.eligible,
                        content=(data.content or "").strip() or None,
                        signers=[], attachments=[])
    numbers = _id_numbers(data.petitioners)
    if numbers:
        # The people on file under these numbers are taken before they are read: an
        # anonymisation (which takes the person first, personal_data) has either committed,
        # and they no longer match, or waits for this letter and finds their case open
        # (QA round 74: a letter joined meanwhile was signed by an erased record). Their
        # cases first, this one among them: cases before people, the order a correction of
        # a person takes them in (QA rounds 75 and 78: the other order deadlocked with it
        # on PostgreSQL).
        lock_letters_cases([data], [case.id])
        pt = Petitioner.__table__.c
        db.session.execute(update(Petitioner.__table__).where(pt.id_number.in_(numbers))
                           .values(id=pt.id))
    known = _matches(data.petitioners, _known_people(data.petitioners), actor)
    errors = _known_person_errors(data.petitioners, known)
    if errors:
        raise ValidationFailed(errors)
    _refresh_known(data.petitioners, known)
    for person, rep in _signing_people(data.petitioners, case.locality_code, known):
        if person.id is None:
            db.session.add(person)
        petition.signers.append(PetitionSigner(petitioner=person, is_representative=rep))
    case.petitions.append(petition)
    return petition


def identity_problems(petitioners: list[PetitionerData], actor: User,
                      prefix: str = "") -> dict[str, str]:
    """The ID numbers typed under a name other than the one on record for a person the
    actor may see (or than another signer's): for the desk to show beside its other
    problems, in the first round."""
    known = _visible_people(_known_people(petitioners), actor)
    return _known_person_errors(petitioners, known, prefix)


def _known_people(petitioners: list[PetitionerData]) -> dict[str, list[Petitioner]]:
    """The records already on file under each typed ID number, the first first (one number
    may have several: a petition staff may not link to a person is written as a new one)."""
    known: dict[str, list[Petitioner]] = {}
    numbers = _id_numbers(petitioners)
    if numbers:
        for person in db.session.scalars(select(Petitioner)
                                         .where(Petitioner.id_number.in_(numbers))
                                         .order_by(Petitioner.id)):
            known.setdefault(person.id_number, []).append(person)
    return known


@dataclass
class _References:
    """The rows a new case points to, read once for validation and for writing."""

    field: Row | None = None  # id, code, name_vi, name_en
    locality: Row | None = None  # code, name
    parent_id: int | None = None
    parent_missing: bool = False
    # The earlier case is in a remote area: a second complaint on it is the same matter.
    parent_remote: bool = False
    # A second complaint on a case that has one already: that one's tracking code.
    second_complaint: str | None = None
    # A second complaint on a case it may not follow (not a decided or overdue first round).
    no_second_round: bool = False


def _is_second_complaint(data: CaseData) -> bool:
    return data.kind == "complaint" and data.complaint_round == 2


def _second_complaint_clash(exc: IntegrityError) -> bool:
    """Did the INSERT of a case fail on the one-second-complaint index? (PostgreSQL names
    the index; SQLite names the column, which no other unique rule of cases has.)"""
    text = str(exc.orig)
    return SECOND_COMPLAINT_INDEX in text or "cases.parent_case_id" in text


def _references(data: CaseData, actor: User | None) -> _References:
    """Read what the new case points to. An earlier denunciation is one the actor may see
    the petitioners of (`can_see_identity`: for a desk, one it logged), else it is "not
    found": linking to it told whether a suspect had signed it (the Repeated flag) and
    named it beside the new petitioner (found by a QA pass). Any other earlier case may be
    linked by any desk: a second complaint is often lodged at another desk than the
    first. No actor: the citizen's own case (public.open_second_round, after the PIN)."""
    refs = _References(field=references.field(data.field_code),
                       locality=references.locality(data.locality_code))
    if data.parent_tracking_code:
        c = Case.__table__.c
        parent = db.session.scalar(
            select(Case).where(c.tracking_code == data.parent_tracking_code))
        if parent is not None and (actor is None or parent.kind != "denunciation"
                                   or can_see_identity(actor, parent)):
            refs.parent_id, refs.parent_remote = parent.id, bool(parent.is_remote)
        refs.parent_missing = refs.parent_id is None
        if refs.parent_id is not None and _is_second_complaint(data):
            refs.second_complaint = db.session.scalar(
                select(c.tracking_code).where(c.parent_case_id == refs.parent_id,
                                              c.complaint_round == 2).limit(1))
            refs.no_second_round = not _second_round_may_follow(refs.parent_id, data)
    return refs


def _earlier_case_has_field(refs) -> bool:
    """Does the case this petition follows (second complaint, follow-up) have its field?"""
    if refs.parent_id is None or refs.field is None:
        return False
    return db.session.scalar(select(Case.field_id).where(Case.id == refs.parent_id)) == \
        refs.field.id


def _second_round_may_follow(parent_id: int, data: CaseData) -> bool:
    """Is the parent a first-round complaint a second one may follow (decided, or its
    resolution deadline passed unanswered by the day this petition was received)?"""
    c, d = Case.__table__.c, CaseDeadline.__table__.c
    row = db.session.execute(
        select(c.kind, c.complaint_round, c.status, c.decision_on, c.outcome, c.suspended_on,
               d.due_on)
        .outerjoin(CaseDeadline.__table__, (d.case_id == c.id) & (d.stage == "resolution")
                   & d.met_on.is_(None))
        .where(c.id == parent_id)).first()
    on = data.petition.received_on
    return row is not None and on is not None and appeal.may_follow(
        row.kind, row.complaint_round, row.status, row.decision_on, row.outcome, row.due_on,
        on, row.suspended_on)


def validate_case(data: CaseData, today: date, prefix: str = "",
                  refs: _References | None = None,
                  actor: User | None = None) -> dict[str, str]:
    """Return field → message for everything wrong with a new case's input; `actor`: who
    logs it (None: the citizen), to whom the earlier case must be visible."""
    errors = validate_petition(data.petition, today, prefix)
    refs = refs or _references(data, actor)
    if data.kind not in KINDS:
        errors[prefix + "kind"] = N_("Chọn loại đơn.")
    if refs.field is None:
        errors[prefix + "field"] = N_("Chọn lĩnh vực.")
    elif not refs.field.active and not _earlier_case_has_field(refs):
        # A later round of a matter keeps its field even when stopped since (QA round 53:
        # the citizen's second complaint, which has no field to choose, was refused).
        errors[prefix + "field"] = FIELD_STOPPED
    if blank(data.subject):
        errors[prefix + "subject"] = N_("Nhập trích yếu nội dung.")
    if blank(data.content):
        errors[prefix + "content"] = N_("Nhập nội dung đơn.")
    _control_errors(errors, data, ("subject", "content"), prefix)
    if data.locality_code and refs.locality is None:
        errors[prefix + "locality_code"] = N_("Địa bàn không tồn tại.")
    if data.kind == "complaint" and (data.complaint_round or 1) not in (1, 2):
        errors[prefix + "complaint_round"] = N_("Lần khiếu nại là 1 hoặc 2.")
    if refs.parent_missing:
        errors[prefix + "parent_tracking_code"] = N_("Không tìm thấy hồ sơ trước.")
    elif refs.no_second_round:
        errors[prefix + "parent_tracking_code"] = N_(
            "Hồ sơ %(parent)s không phải khiếu nại lần đầu đã có quyết định giải quyết hoặc "
            "đã quá hạn giải quyết: không mở khiếu nại lần hai từ hồ sơ này.",
            parent=data.parent_tracking_code)
    elif refs.second_complaint:
        # One second complaint per first-round case (the cases' unique index holds it too):
        # a later petition on it joins that case (add_petition) rather than opening another.
        errors[prefix + "parent_tracking_code"] = N_(
            "Hồ sơ %(parent)s đã có khiếu nại lần hai (mã hồ sơ %(code)s): thêm đơn này vào "
            "hồ sơ đó, không mở hồ sơ mới.", parent=data.parent_tracking_code,
            code=refs.second_complaint)
    _denouncer_errors_into(errors, denouncer_errors(data.kind, data.petition.petitioners,
                                                    data.petition.held_to_denouncer_rule,
                                                    f"{prefix}petitioners."))
    if data.kind == "denunciation" and names_denouncer(data.subject,
                                                       data.petition.petitioners):
        errors.setdefault(prefix + "subject", SUBJECT_NAMES_DENOUNCER)
    errors.update(_policy_errors(data, prefix, errors))
    if data.kind in KINDS:
        round_ = (data.complaint_round or 1) if data.kind == "complaint" else None
        history_errors(errors, data.kind, round_, data.petition.history, prefix)
    return errors


_HISTORY_MESSAGES = {
    "kind": N_("Lịch sử vụ việc này không áp dụng cho loại đơn đã chọn."),
    "second_round": N_("Khiếu nại lần hai không phải gửi lần đầu: chọn “Đã được giải quyết lần "
                       "đầu” (hoặc “Gửi nhiều lần” nếu lần đầu quá hạn mà chưa được giải "
                       "quyết), hoặc để trống."),
}


def history_errors(errors: dict[str, str], kind: str, complaint_round: int | None,
                   history: str | None, prefix: str = "", joined: str | None = None) -> None:
    """The history stated does not fit the kind; `joined`: the code of the case the letter
    joins, whose kind it is checked against (not the kind typed on the form)."""
    problem = histories.history_error(kind, complaint_round, history)
    if problem == "kind" and joined:
        errors.setdefault(prefix + "history", N_(
            "Lịch sử vụ việc đã chọn không áp dụng cho hồ sơ %(code)s (%(kind)s) mà đơn được "
            "nhập vào.", code=joined, kind=Named(*KINDS[kind])))
    elif problem:
        errors.setdefault(prefix + "history", _HISTORY_MESSAGES[problem])


def _new_history(data: CaseData, refs: _References, complaint_round: int | None) -> str:
    """The derived history of a new case's first letter: from the earlier case it is
    linked to (parent), if any."""
    parent = db.session.get(Case, refs.parent_id) if refs.parent_id is not None else None
    received_on = data.petition.received_on
    return histories.derive(data.kind, received_on, complaint_round=complaint_round,
                            earlier=earlier_case(parent, received_on) if parent else None)


def earlier_case(case: Case, received_on: date) -> histories.Earlier:
    """What a letter of `received_on` about the matter of `case` finds in the system: its
    decision, its resolution's due day if the clock runs and it was not met by then, and
    what its first letter said of the matter's history."""
    row = case.deadline("resolution")
    # The clock on the letter's day: a suspension decided after it had not stopped it yet,
    # and the due date stands unmoved until the resumption (QA round 33).
    stopped = (case.clock_stopped and case.suspended_on is not None
               and case.suspended_on <= received_on)  # a late suspension stopped nothing
    running = (row is not None and not stopped
               and (row.met_on is None or row.met_on > received_on))
    first = min(case.petitions, key=lambda p: (p.received_on, p.id or 0), default=None)
    return histories.Earlier(
        kind=case.kind, complaint_round=case.complaint_round, decided_on=case.resolved_on,
        due_on=row.due_on if running else None,
        first_history=(first.history if first is not None else None) or histories.FIRST)


def joined_history(case: Case, data: PetitionData) -> str:
    """The history of a later letter joined to `case`: as stated, else derived from the
    case as it stands (decided by the letter's day, its resolution overdue, or what its
    first letter said). Read before the letter is added to the case."""
    if data.history:
        return data.history
    return histories.derive(case.kind, data.received_on,
                            earlier=earlier_case(case, data.received_on))


def denouncer_errors(kind: str, people: list, eligible: bool = True,
                     prefix: str = "petitioners.", indexed: bool = True) -> dict[str, str]:
    """Return field → message for each denouncer not named with an address.

    A denunciation gives each denouncer's full name and address (Law on Denunciations
    Art. 23(1): with several denouncers, each one's); an anonymous one is not handled as a
    denunciation (Art. 25). One rule for every channel (the desk, the API, reception
    sessions, the citizens' form, Open311 through it, petitions joined to a denunciation).
    A petition the desk logs as not eligible (`eligible` False) is exempt: an anonymous
    letter is still logged, to be filed away (lưu đơn) or passed on, and counted in the
    reports. `people`: anything with `full_name` and `address` (the online form's
    submission too); keys are `prefix` + "<i>." + field, or `prefix` + field when not
    `indexed` (a form with one person).
    """
    if kind != "denunciation" or not eligible:
        return {}
    errors = {}
    for i, person in enumerate(people):
        missing = [name for name in ("full_name", "address")
                   if blank(getattr(person, name, None))]
        if missing:
            where = f"{prefix}{i}." if indexed else prefix
            errors[where + missing[-1]] = N_("Đơn tố cáo phải có họ tên và địa chỉ người "
                                             "tố cáo.")
    return errors


def _denouncer_errors_into(errors: dict[str, str], found: dict[str, str]) -> None:
    """Add the denouncer rule's messages: "Nhập họ và tên." stays where it was said, but
    the denunciation's own rule says more than the general "an address" (NO_ADDRESS)."""
    for key, message in found.items():
        if errors.get(key, NO_ADDRESS) == NO_ADDRESS:
            errors[key] = message


def _policy_errors(data: CaseData, prefix: str, found: dict[str, str]) -> dict[str, str]:
    """A new case gets a handling deadline from the policy in force on the day the petition
    was received: refuse a day before the first policy (write_case could not set it)."""
    received_on = data.petition.received_on
    if data.kind not in KINDS or received_on is None or prefix + "received_on" in found:
        return {}
    first = deadlines.handling_policy_from(data.kind, data.petition.channel)
    if first is None:
        logger.error("no handling deadline policy for %s petitions", data.kind)
        return {prefix + "kind": N_("Chưa có quy định thời hạn xử lý cho loại đơn này; báo "
                                    "quản trị hệ thống.")}
    if received_on < first:
        return {prefix + "received_on": N_(
            "Ngày nhận đơn phải từ %(date)s trở đi: trước ngày đó chưa có quy định thời hạn "
            "xử lý đơn.", date=first.strftime("%d/%m/%Y"))}
    return {}


@dataclass
class Opened:
    """A case written by `write_case`.

    `copy` is a detached copy of what was written (the case with its petition, signers and
    deadline, never added to the session), to answer with without reading the case back,
    with the audit events and escalations written beside it; None when the case then went
    through the ORM (a possible repeat, a matter becoming mass), so that only the database
    holds the truth.
    """

    case_id: int
    pin: str
    copy: Case | None
    field_ref: Row  # id, code, name_vi, name_en
    locality_ref: Row | None  # code, name
    timeline: list = field(default_factory=list)  # AuditEvent-like: what was written
    escalations: list[escalation_patterns.EscalationCopy] = field(default_factory=list)


# A machine's one-time token (the API's Idempotency-Key, an Open311 post) has a namespace
# ("api:", "open311:"); a form's is random letters, digits, "-" and "_". A form sending a
# namespaced token read the code of the case an API client opened (QA round 64).
NAMESPACE_MARK = ":"


def _form_token(token: str | None, machine: bool) -> str | None:
    """The token as kept, or None: no token, or a form's carrying a machine's namespace."""
    if not token or (not machine and NAMESPACE_MARK in token):
        return None
    return token[:64]


def submitted_case(token: str | None, machine: bool = False) -> str | None:
    """The tracking code of the case a desk form carrying `token` already opened or
    joined (None: it saved nothing yet). `machine`: an Open311 post's token."""
    if not (token := _form_token(token, machine)):
        return None
    return db.session.scalar(select(Case.tracking_code).join(
        DeskSubmission, DeskSubmission.case_id == Case.id).where(DeskSubmission.token == token))


def record_submission(token: str | None, case_id: int | None, now: datetime,
                      session_id: int | None = None, machine: bool = False) -> None:
    """Keep the form's token with what it saved, in the same transaction: the same form
    sent again at the same moment collides here (IntegrityError) and saves nothing."""
    if token := _form_token(token, machine):
        db.session.add(DeskSubmission(token=token, case_id=case_id,
                                      reception_session_id=session_id, created_at=now))
        db.session.flush()


def submitted_session(token: str | None) -> int | None:
    """The reception session a session form carrying `token` already recorded."""
    if not (token := _form_token(token, False)):
        return None
    return db.session.scalar(select(DeskSubmission.reception_session_id).where(
        DeskSubmission.token == token, DeskSubmission.reception_session_id.is_not(None)))


def receive_case(data: CaseData, actor: User, now: datetime, today: date) -> tuple[Case, str]:
    """Log a new petition as a new case; return the case and the citizen's PIN."""
    return _loaded(receive(data, actor, now, today))


def receive(data: CaseData, actor: User | None, now: datetime, today: date) -> Opened:
    """Log a new petition as a new case (reception or the public); see `write_case`."""
    # Only a desk logs a case: it is the desk's queue that routes it on. A case logged by
    # anyone else (an admin through the API, found by a QA pass) sat in nobody's queue.
    if actor is not None and actor.role != "reception":
        raise NotAllowed(N_("Chỉ cán bộ tiếp công dân được ghi nhận đơn."))
    return write_case(data, actor, now, today)


def open_case(data: CaseData, actor: User | None, now: datetime, today: date,
              reception_session_id: int | None = None) -> tuple[Case, str]:
    """Validate and open a case with its first petition; the caller checked the actor.

    `reception_session_id` links the petition to the reception session it was raised at.
    """
    return _loaded(write_case(data, actor, now, today, reception_session_id))


def _loaded(opened: Opened) -> tuple[Case, str]:
    return db.session.get(Case, opened.case_id), opened.pin


def _values(obj) -> dict:
    """The column values set on a detached mapped object (unset columns take defaults)."""
    state = obj.__dict__
    return {c.key: state[c.key] for c in obj.__table__.columns if c.key in state}


@cache
def _insert(table, returning_id: bool):
    """The INSERT of a table, built once (every intake runs each of them)."""
    statement = insert(table)
    return statement.returning(table.c.id) if returning_id else statement


PERSON_ANONYMISED = N_(
    "Hồ sơ của một người đứng đơn vừa được ẩn danh (hết thời hạn lưu trữ) trong lúc ghi đơn "
    "này: kiểm tra lại người đứng đơn rồi gửi lại.")


class _SignerErased(Exception):
    """A person on file the letter was matched to was anonymised since they were read."""


def write_case(data: CaseData, actor: User | None, now: datetime, today: date,
               reception_session_id: int | None = None,
               signers: list[tuple[Petitioner, bool]] | None = None,
               split_from: int | None = None) -> Opened:
    """Validate and write a new case (_write_case). A person on file anonymised while the
    letter was read (QA round 72) is looked up again, once: their record no longer matches
    the typed ID number, so they are written as a new person. The people of a split letter
    are given, not looked up: that is refused. `split_from`: the letter a split part is of
    (Petition.split_from_id), known before the patterns are checked (QA 112)."""
    try:
        return _write_case(data, actor, now, today, reception_session_id, signers,
                           split_from)
    except _SignerErased:
        if signers is not None:
            raise ValidationFailed({"petitioners": PERSON_ANONYMISED}) from None
    try:  # read again: the erased record no longer matches
        return _write_case(data, actor, now, today, reception_session_id, signers,
                           split_from)
    except _SignerErased:
        raise ValidationFailed({"petitioners": PERSON_ANONYMISED}) from None


def _write_case(data: CaseData, actor: User | None, now: datetime, today: date,
                reception_session_id: int | None = None,
                signers: list[tuple[Petitioner, bool]] | None = None,
                split_from: int | None = None) -> Opened:
    """Validate and write a new case with its first petition; the caller checked the actor.

    Intake is the busiest write, so the case is built as a detached object graph, computed
    by the same services as any case (deadline, next attention), and written with one
    INSERT per table, without the ORM's unit of work. Everything is computed before the
    first INSERT, so on SQLite the write lock is held for the statements only. The derived
    columns the flush listeners keep for ORM writes (running_due_on, the scorecard's built
    days) are set here. Repeated petitions, and a matter becoming mass, change other rows
    too and go on through the ORM as before.

    `signers`: the people as recorded, with whether each represents the group, when the
    case shares another letter's signers (services/splitting.py); `data.petition` then
    describes them for the checks, and no person is looked up, made or updated.
    """
    refs = _references(data, actor)
    # The people: one read for those with an ID number, as plain rows for the copy.
    numbers = _id_numbers(data.petition.petitioners) if signers is None else []
    records: dict[str, list[Petitioner]] = {}
    if numbers:
        pt = Petitioner.__table__.c
        for row in db.session.execute(
                select(pt.id, pt.full_name, pt.id_number, pt.phone, pt.email, pt.address)
                .where(pt.id_number.in_(numbers)).order_by(pt.id)):
            records.setdefault(row.id_number, []).append(Petitioner(**row._asdict()))
    known = _matches(data.petition.petitioners, records, actor)
    errors = validate_case(data, today, refs=refs)
    errors.update(_known_person_errors(data.petition.petitioners, known))
    if errors:
        raise ValidationFailed(errors)
    fresher = _refresh_known(data.petition.petitioners, known)  # the copy answers with them
    round_ = (data.complaint_round or 1) if data.kind == "complaint" else None
    locality_code = data.locality_code or None
    # A second complaint of a remote-area first round has the remote period too (Law on
    # Complaints Art. 37): the desk's form did not carry it over (QA round 77).
    is_remote = data.is_remote or (round_ == 2 and refs.parent_remote)

    pin = new_pin()
    tracking_code = _unused_tracking_code(data.petition.received_on.year)
    case = Case(
        tracking_code=tracking_code, pin_hash=hash_pin(tracking_code, pin), kind=data.kind,
        complaint_round=round_, is_complex=data.is_complex, is_remote=is_remote,
        complex_on=data.petition.received_on if data.is_complex else None,
        field_id=refs.field.id, subject=data.subject.strip(), content=data.content.strip(),
        locality_code=locality_code, status=states.RECEIVED,
        reception_agency_id=actor.agency_id if actor else None,
        received_on=data.petition.received_on, parent_case_id=refs.parent_id,
        created_by_id=actor.id if actor else None, extension_count=0,
        escalation_level=0, flag_overdue=False, flag_evaded=False, flag_repeated=False,
        flag_mass=False, sent_to_investigation=False, petitions=[], deadlines=[], routings=[],
    )
    petition = Petition(channel=data.petition.channel, received_on=data.petition.received_on,
                        received_by_id=actor.id if actor else None,
                        reception_session_id=reception_session_id, split_from_id=split_from,
                        eligible=data.petition.eligible, is_duplicate=False, signers=[],
                        history=data.petition.history or _new_history(data, refs, round_))
    case.petitions.append(petition)
    deadlines.set_deadline(case, "handling", case.received_on)
    deadlines.refresh_attention(case, new=True)
    case.running_due_on = deadlines.active_deadline(case).due_on
    case.last_petition_on = case.received_on

    people = (_signing_people(data.petition.petitioners, locality_code, known)
              if signers is None else list(signers))

    # Everything the writes need, made before the first of them.
    new_people = [(person, _values(person)) for person, _rep in people if person.id is None]
    case_row, petition_row = _values(case), _values(petition)
    deadline_rows = [_values(row) for row in case.deadlines]
    received = audit.prepare("received", actor, now, {
        "kind": case.kind, "channel": data.petition.channel,
        "received_on": case.received_on, "signers": len(people),
        "parent": data.parent_tracking_code,
    })
    folded = rules.fold_subject(case.subject)
    petition.signers.extend(PetitionSigner(petitioner=person, is_representative=rep)
                            for person, rep in people)  # the copy's; ids come with the writes
    connection = db.session.connection()

    # The writes, back to back: from here to the caller's commit SQLite is locked.
    # First the people on file it signs as, locked and still whole: an anonymisation that
    # committed since they were read would leave an open case with an erased petitioner
    # (QA round 72); the anonymisation locks the same row before it checks.
    on_file = sorted({person.id for person, _rep in people if person.id is not None})
    if on_file:
        # The matter, then their cases, then them: the mass check below may write the
        # older ones, and takes the matter (QA round 80; matter_group then asks nothing).
        escalation_patterns.lock_matters((locality_code, refs.field.id))
        lock_signed_cases(on_file)
        pt = Petitioner.__table__.c
        kept = connection.execute(update(Petitioner.__table__)
                                  .where(pt.id.in_(on_file), pt.anonymised_at.is_(None))
                                  .values(id=pt.id)).rowcount
        if kept != len(on_file):
            raise _SignerErased
    for person, row in new_people:
        person.id = connection.execute(_insert(Petitioner.__table__, True), row).scalar_one()
    for number, changes in fresher.items():
        if changes:
            connection.execute(update(Petitioner.__table__)
                               .where(Petitioner.__table__.c.id == known[number].id)
                               .values(**changes))
    try:
        case.id = connection.execute(_insert(Case.__table__, True), case_row).scalar_one()
    except IntegrityError as exc:
        if not (refs.parent_id is not None and _is_second_complaint(data)
                and _second_complaint_clash(exc)):
            raise
        # Another request opened the second complaint between our check and this write (a
        # double tap, two desks at once): the index let that one in. The caller rolls back.
        raise ValidationFailed({"parent_tracking_code": N_(
            "Hồ sơ %(parent)s vừa có khiếu nại lần hai: thêm đơn này vào hồ sơ đó, không mở "
            "hồ sơ mới.", parent=data.parent_tracking_code)}) from exc
    petition_row["case_id"] = petition.case_id = case.id
    petition.id = connection.execute(_insert(Petition.__table__, True),
                                     petition_row).scalar_one()
    if people:  # an anonymous letter has none (an empty executemany would insert a blank row)
        connection.execute(_insert(PetitionSigner.__table__, False), [
            {"petition_id": petition.id, "petitioner_id": person.id, "is_representative": rep}
            for person, rep in people])
    for row in deadline_rows:
        row["case_id"] = case.id
    connection.execute(_insert(CaseDeadline.__table__, False), deadline_rows)
    audit.begin_case_chain(case)  # born in this transaction: its chain is empty
    event = audit.write_prepared(f"case:{case.id}", case.id, [received])[0]
    scorecard_summary.unlist([case.received_on])  # the flush listener sees ORM writes only
    group = escalation_patterns.matter_group(case, folded)

    for signer in petition.signers:  # the copy's ids, read by the pattern checks below
        signer.petition_id, signer.petitioner_id = petition.id, signer.petitioner.id
    opened = Opened(case.id, pin, case, refs.field, refs.locality, [SimpleNamespace(**event)])
    own = [(petition.received_on, escalation_patterns.people_of(
        ((person, None) for person, _rep in people), case.kind))]
    if not escalation_patterns.may_be_repeated(case):
        members = escalation_patterns.mass_cases(case, group, own)
        if not members:
            return opened  # neither repeated nor mass: the common case
        cluster_id = escalation_patterns.joinable(case, members)
        if cluster_id is not None:  # a matter already escalated as mass: this case joins
            raised = escalation_patterns.join_detached(case, cluster_id, actor, now, today,
                                                       opened.timeline)
            opened.escalations += [raised] if raised is not None else []
            return opened
    # Repeated (a parent decided), or a matter becoming mass: through the ORM.
    escalation.check_patterns(db.session.get(Case, case.id), actor, now, today, group=group)
    opened.copy = None
    return opened


def add_petition(case: Case, data: PetitionData, actor: User, now: datetime,
                 today: date, reception_session_id: int | None = None) -> Petition:
    """Attach a later petition on the same matter to an existing case (đơn trùng / nhiều lần).

    `reception_session_id` links it to the reception session it was raised at.
    """
    errors = validate_petition(data, today)
    # A new denouncer on a denunciation too.
    _denouncer_errors_into(errors, denouncer_errors(case.kind, data.petitioners,
                                                    data.held_to_denouncer_rule))
    history_errors(errors, case.kind, case.complaint_round, data.history,
                   joined=case.tracking_code)
    if case.kind == "denunciation":
        # The case's subject is shown to readers who may not know who denounced: a later
        # denouncer it names would be exposed there (QA round 27), as at intake.
        for i, person in enumerate(data.petitioners):
            if names_denouncer(case.subject, [person]):
                errors.setdefault(f"petitioners.{i}.full_name", N_(
                    "Người này có tên trong trích yếu của hồ sơ %(code)s, mà trích yếu được "
                    "hiện cho cả người không được biết ai tố cáo: không nhập đơn của họ vào "
                    "hồ sơ này. Tiếp nhận thành hồ sơ mới với trích yếu không nêu tên người "
                    "tố cáo.", code=case.tracking_code))
    if errors:
        raise ValidationFailed(errors)
    history = joined_history(case, data)  # from the case before this letter joins it
    # The matter before the case: the mass check below may wait for it, and an intake
    # holding it may be writing this case (a deadlock on PostgreSQL: QA round 80).
    escalation_patterns.lock_matters(escalation_patterns.matter_of(case))
    petition = _add_petition(case, data, actor)
    # The mass-petition check finds the case by its latest letter (a letter may be logged
    # after one received later).
    # In SQL, from the row as locked: the case was read before any lock, and two letters
    # joined at once each wrote its own date over the other's (a later one lost).
    latest = func.coalesce(Case.last_petition_on, Case.received_on)
    case.last_petition_on = sa_case((latest < data.received_on, data.received_on),
                                    else_=latest)
    petition.reception_session_id = reception_session_id
    petition.is_duplicate = True
    petition.history = history
    petition.handling_outcome = "joined"
    petition.handled_on = data.received_on
    db.session.flush()
    audit.record_case(case, "petition_added", actor, now, {
        "petition": petition.id, "channel": data.channel, "received_on": data.received_on,
        "signers": len(rows_by_person(data.petitioners)),
    })
    escalation.check_patterns(case, actor, now, today)
    return petition


def reason_names_denouncer(case: Case, reason: str | None, people=()) -> bool:
    """Does a correction's reason on a denunciation name one of its denouncers (as signed,
    or `people`: particulars about to replace them)? The reason is shown in the timeline to
    readers who may not see the denouncer (QA round 44), as the subject is."""
    if case.kind != "denunciation":
        return False
    signed = [s.petitioner for p in case.petitions for s in p.signers]
    return names_denouncer(reason, [*signed, *people])


TEXT_TOO_LONG = N_("Nội dung quá dài (tối đa %(n)s ký tự).", n=REASON_MAX)


def trail_text(value: str | None, field: str, errors: dict, case: Case, missing,
               too_long=TEXT_TOO_LONG, people=(), limit: int = REASON_MAX) -> str | None:
    """A text kept in the case's trail (a correction's reason, an urging's note, a routing's
    override), cleaned; or None with the message in `errors[field]`: blank (`missing`; with
    `missing=None` the text is optional and blank is None without an error), control
    characters, longer than `limit` (`too_long`), or naming a denouncer of the case
    (reason_names_denouncer: the trail is read by people who may not know who denounced)."""
    if blank(value):
        if missing is not None:
            errors[field] = missing
    elif has_control(value):
        errors[field] = CONTROL_CHARACTERS
    elif len(value.strip()) > limit:
        errors[field] = too_long
    elif reason_names_denouncer(case, value, people):
        errors[field] = REASON_NAMES_DENOUNCER
    else:
        return value.strip()
    return None


def checked_trail_text(value: str | None, field: str, case: Case, missing) -> str | None:
    """trail_text for a service refusing at the first problem: raises ValidationFailed."""
    errors: dict[str, str] = {}
    text = trail_text(value, field, errors, case, missing)
    if errors:
        raise ValidationFailed(errors)
    return text


def correct_history(case: Case, petition_id: int, history: str | None, reason: str | None,
                    actor: User, now: datetime) -> Petition:
    """Correct what a letter says of the matter's history (02/XLD columns 18–24), typed or
    derived wrongly at intake. An entry correction, not a new fact: the reports count the
    corrected value for every period; the audit trail keeps the old one and the reason.
    Permission is the caller's (permissions.can_add_petition: the desk that received it)."""
    from complaints.services.workflow import hold  # workflow imports us

    hold(case)
    petition = next((p for p in case.petitions if p.id == petition_id), None)
    if petition is None:
        raise NotFound(str(petition_id), what="petition")
    errors: dict[str, str] = {}
    problem = histories.history_error(case.kind, case.complaint_round, history or None)
    if not history:
        errors["history"] = N_("Chọn lịch sử vụ việc.")
    elif problem == "second_round":
        errors["history"] = N_("Khiếu nại lần hai không phải gửi lần đầu: chọn “Đã được giải "
                               "quyết lần đầu” hoặc “Gửi nhiều lần, chưa được giải quyết”.")
    elif problem:
        history_errors(errors, case.kind, case.complaint_round, history,
                       joined=case.tracking_code)
    elif history == petition.history:
        errors["history"] = N_("Lịch sử vụ việc của đơn này đã là giá trị đã chọn.")
    reason = trail_text(reason, "reason", errors, case,
                        N_("Nêu lý do sửa (căn cứ trong đơn hoặc hồ sơ)."),
                        N_("Lý do quá dài (tối đa %(n)s ký tự).", n=REASON_MAX))
    if errors:
        raise ValidationFailed(errors)
    before, petition.history = petition.history, history
    if petition.reception_session_id is not None and not petition.is_duplicate:
        from complaints.services import reception_sessions  # it imports this module

        reception_sessions.history_corrected(petition.reception_session_id, before, history)
    db.session.flush()
    audit.record_case(case, "petition_history_corrected", actor, now, {
        "petition": petition.id, "history_before": before, "history": history,
        "reason": reason})
    return petition


def get_case(tracking_code: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.tracking_code == tracking_code))
    if case is None:
        raise NotFound(tracking_code)
    return case
