"""Entry corrections by the desk that received a case: a petitioner's particulars, a
letter's eligibility for handling (a letter's history of the matter: intake.correct_history)
and the case's own particulars — its field of law, locality and subject — before routing.

Typing mistakes happen at intake, and an address learnt later makes a letter eligible for
handling (reports.md: "named, clear content and address"). Each correction is the desk's,
needs a reason and is an audit event. A person's event names the fields changed, never their
old or new values: the audit trail is append-only, and personal data kept there could never
be erased or anonymised (complaints/services/personal_data.py). A case's particulars are the
officials' words and codes, not a person's identity: their event keeps both values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from complaints import clock
from complaints.domain import contacts, states
from complaints.domain.catalog import INELIGIBLE_FILINGS
from complaints.domain.confidentiality import SUBJECT_NAMES_DENOUNCER, names_denouncer
from complaints.domain.fields import FIELD_STOPPED
from complaints.domain.limits import REASON_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.states import FINAL_STATUSES
from complaints.domain.text import blank, fold, has_control, name_problem, nfc, nfc_fields
from complaints.extensions import db
from complaints.models import Case, Petition, Petitioner, PetitionSigner, User
from complaints.permissions import can_add_petition, can_see_identity
from complaints.services import audit, intake, references
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

PERSON_FIELDS = ("full_name", "id_number", "phone", "email", "address")
_LENGTHS = {"full_name": 200, "id_number": 20, "phone": 20, "email": 255, "address": 500}


@dataclass
class PersonData:
    full_name: str | None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def __post_init__(self):
        nfc_fields(self)  # as intake composes what it files (QA 97 D4, QA 98)


def fingerprint(*values: str | None) -> str:
    """A short digest of what a form showed (a person's particulars, a case's content): the
    form sends it back, and a write finds whether someone changed them meanwhile (two desks
    at once: the second would write the first one's change back; QA round 42)."""
    joined = "\x1f".join(value or "" for value in values)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def person_fingerprint(person: Petitioner) -> str:
    return fingerprint(*(getattr(person, name) for name in PERSON_FIELDS))


def _reason(reason: str | None, errors: dict[str, str], case: Case,
            people=()) -> str | None:
    return intake.trail_text(reason, "reason", errors, case,
                             N_("Nêu lý do sửa (căn cứ trong đơn hoặc hồ sơ)."),
                             N_("Lý do quá dài (tối đa %(n)s ký tự).", n=REASON_MAX), people)


def _hold(case: Case) -> None:
    from complaints.services.workflow import hold  # workflow imports intake, which we use

    hold(case)


def _typed(data: PersonData) -> dict[str, str | None]:
    """The particulars as they would be stored (contacts normalised); call after the
    contact checks passed."""
    return {"full_name": (data.full_name or "").strip(),
            "id_number": contacts.id_number(data.id_number),
            "phone": contacts.phone(data.phone), "email": contacts.email(data.email),
            # Spaces or invisible characters are no address (QA 114: one kept a letter
            # eligible with nothing to write to).
            "address": None if blank(data.address) else data.address.strip()}


def _cases_signed(petitioner_id: int) -> list[Case]:
    return list(db.session.scalars(
        select(Case).join(Petition, Petition.case_id == Case.id)
        .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
        .where(PetitionSigner.petitioner_id == petitioner_id).distinct().order_by(Case.id)))


def _person_errors(person: Petitioner, data: PersonData, affected: list[Case],
                   actor: User) -> dict[str, str]:
    """What is wrong with the typed particulars, judged on what the desk may see only:
    `affected`, the cases whose signer changes, all of which it may see; an ID number on
    record for someone it may not see is no error (as at intake: a refusal would tell that
    the number is on record; QA rounds 39 and 40)."""
    errors: dict[str, str] = {}
    if problem := name_problem(data.full_name):
        errors["full_name"] = problem
    errors.update(intake.contact_errors(data))
    for name in PERSON_FIELDS:
        value = getattr(data, name)
        if value and has_control(value):
            errors.setdefault(name, CONTROL_CHARACTERS)
        elif value and len(value.strip()) > _LENGTHS[name]:
            errors.setdefault(name, N_("Tối đa %(max)s ký tự.", max=_LENGTHS[name]))
    if errors:
        return errors
    typed = _typed(data)
    number = typed["id_number"]
    if number and number != person.id_number:
        known = intake.visible_people([intake.PetitionerData(full_name=typed["full_name"],
                                                             id_number=number)], actor)
        other = known.get(number)
        if other is not None and other.id != person.id and (
                fold(other.full_name) != fold(typed["full_name"])):
            errors["id_number"] = N_("Số định danh này đã được ghi nhận cho một người có họ "
                                     "tên khác: kiểm tra lại số định danh hoặc họ tên.")
    denounced = [c for c in affected if c.kind == "denunciation"]
    # A subject is shown to readers who may not know who denounced: a denouncer it would
    # name after the correction would be exposed there (as at intake).
    if any(names_denouncer(c.subject, [data]) for c in denounced):
        errors.setdefault("full_name", N_(
            "Trích yếu của một đơn tố cáo người này đứng tên có nêu thông tin vừa nhập, mà "
            "trích yếu được hiện cho cả người không được biết ai tố cáo: không sửa như vậy."))
    if not typed["address"] and any(p.eligible for c in denounced for p in c.petitions
                                    if any(s.petitioner_id == person.id for s in p.signers)):
        errors.setdefault("address", N_("Đơn tố cáo phải có họ tên và địa chỉ người tố cáo."))
    elif not typed["address"] and any(
            p.eligible_now and not intake.addressed(
                [s.petitioner for s in p.signers if s.petitioner_id != person.id])
            for c in affected for p in c.petitions
            if any(s.petitioner_id == person.id for s in p.signers)):
        # The letter's only address: without it the letter is no longer eligible, which
        # is its own correction (with its reason), not a side effect of this one.
        errors.setdefault("address", N_(
            "Đây là địa chỉ duy nhất của một đơn đủ điều kiện xử lý: sửa “Đủ điều kiện xử "
            "lý” của đơn đó trước, rồi mới xóa địa chỉ."))
    return errors


def correct_person(case: Case, petitioner_id: int, data: PersonData | dict[str, str | None],
                   reason: str | None, actor: User, now: datetime, today: date | None = None,
                   seen: str | None = None) -> list[str]:
    """Correct a signer's particulars (name, ID number, phone, e-mail, address) typed wrongly
    at intake, or learnt since. Returns the fields changed.

    The person's record is one for all their cases, and every case of theirs reads the
    corrected particulars — when the desk may see them all (intake's rule for filing under
    a known person). A record that also signs a case the desk may not see (another desk's,
    a denunciation it may not know of) is left as it is, and the signatures of this case
    move to a new record with the corrected particulars: nothing tells the desk that the
    person has other cases, and it cannot change where another case's news goes (QA round
    40). The mass check runs again on the cases whose people changed (QA round 39).
    `data`: every particular (a form), or only those to change (a dict: the API; the others
    are read under the case's lock, not before it). `seen`: the person_fingerprint of what
    the form showed; someone else's correction since is refused, not written over.
    Permission is the caller's (permissions.can_add_petition: the desk that received it)."""
    from complaints.services import escalation, escalation_patterns

    if isinstance(data, dict):
        data = {key: nfc(value) for key, value in data.items()}
    # Every case the person signs is locked, in id order, before anything is read: each may
    # get an event, and two desks correcting her through two of them locked them in
    # opposite orders (a deadlock on PostgreSQL: QA round 49). The matters of those still
    # open before them: the mass check runs on each, and an intake holding its matter
    # may be writing it (QA round 80).
    cases = {case, *_cases_signed(petitioner_id)}
    escalation_patterns.lock_matters(*(escalation_patterns.matter_of(c) for c in cases
                                       if c.status not in FINAL_STATUSES))
    for case_id in sorted(c.id for c in cases):
        audit.lock_case(case_id)
    _hold(case)
    signatures = [s for p in case.petitions for s in p.signers
                  if s.petitioner_id == petitioner_id]
    if not signatures:
        raise NotFound(str(petitioner_id), what="petitioner")
    person = db.session.get(Petitioner, petitioner_id)
    if person.anonymised_at is not None:
        raise NotAllowed(N_("Thông tin của người này đã được xóa theo thời hạn lưu trữ: không "
                            "sửa được."))
    if seen is not None and seen != person_fingerprint(person):
        raise ValidationFailed({"seen": N_(
            "Thông tin của người này vừa được người khác sửa: xem lại thông tin hiện tại "
            "rồi sửa.")})
    # The particulars given (all on a form; those sent, from the API): a refusal is keyed
    # to one of them (QA round 68).
    given = [name for name in PERSON_FIELDS if not isinstance(data, dict) or name in data]
    if isinstance(data, dict):
        data = PersonData(**{name: data[name] if name in data else getattr(person, name)
                             for name in PERSON_FIELDS})
    signed = _cases_signed(person.id)
    # A record that also signs a denunciation beside other cases is not changed either: the
    # event each case's trail would get, at one moment by one officer, links the denouncer
    # to the other cases for readers who may open both but not see who denounced (QA 48).
    shared = any(not can_see_identity(actor, c) for c in signed) or (
        len(signed) > 1 and any(c.kind == "denunciation" for c in signed))
    affected = [case] if shared else signed
    errors = _person_errors(person, data, affected, actor)
    reason = _reason(reason, errors, case, [data])
    changed: list[str] = []
    if not errors:
        typed = _typed(data)
        changed = [name for name in PERSON_FIELDS if typed[name] != getattr(person, name)]
        if not changed:
            errors[(given or ["full_name"])[0]] = N_(
                "Thông tin đã nhập giống thông tin đang lưu: không có gì để sửa.")
    if errors:
        raise ValidationFailed(errors)
    if shared:
        record = Petitioner(full_name=typed["full_name"], name_folded=fold(typed["full_name"]),
                            id_number=typed["id_number"], phone=typed["phone"],
                            email=typed["email"], address=typed["address"],
                            locality_code=person.locality_code, created_at=now)
        db.session.add(record)
        db.session.flush()
        for signature in signatures:
            signature.petitioner_id = record.id
    else:
        for name in changed:
            setattr(person, name, typed[name])
        person.name_folded = fold(person.full_name)
    db.session.flush()
    audit.record_case(case, "petitioner_corrected", actor, now,
                      {"fields": changed, "reason": reason})
    for other in affected:
        # The person's other cases read the new particulars too: each trail says so. The
        # reason stays with the case it was given for (it was checked against that case's
        # denouncers only), and nothing names the case corrected through.
        if other.id != case.id:
            audit.record_case(other, "petitioner_corrected", actor, now, {"fields": changed})
    today = today or clock.local_day(now)
    for other in affected:  # the people behind a matter may have changed
        if other.status not in FINAL_STATUSES:
            escalation.check_patterns(other, actor, now, today)
            escalation_patterns.recheck_mass(other, now, today)
    return changed


def correct_eligibility(case: Case, petition_id: int, eligible: bool | None,
                        reason: str | None, actor: User, now: datetime) -> Petition:
    """Correct whether a letter is eligible for handling (đủ điều kiện xử lý: named, clear
    content and address, not a duplicate), as ticked at intake or derived for an online
    letter without an address. 02/XLD column 5 counts the corrected value for every period;
    the audit trail keeps the old one and the reason."""
    _hold(case)
    petition = next((p for p in case.petitions if p.id == petition_id), None)
    if petition is None:
        raise NotFound(str(petition_id), what="petition")
    errors: dict[str, str] = {}
    if eligible is None:
        errors["eligible"] = N_("Chọn đơn có đủ điều kiện xử lý hay không.")
    elif eligible == petition.eligible_now:  # as the reports and the API read it
        errors["eligible"] = N_("Đơn này đã được ghi như vậy.")
    elif eligible and petition.filing_reason in INELIGIBLE_FILINGS:  # filed for a reason
        errors["eligible"] = N_("Đơn đã được lưu vì lý do không đủ điều kiện xử lý (nặc "
                                "danh, trùng, không đọc được…): không sửa được ở đây.")
    elif eligible:
        people = [s.petitioner for s in petition.signers]
        if not people:
            errors["eligible"] = N_("Đơn không ghi tên người gửi (nặc danh) không đủ điều kiện "
                                    "xử lý.")
        elif intake.denouncer_errors(case.kind, people):
            # As at intake: an eligible denunciation names each denouncer with an address.
            errors["eligible"] = N_("Đơn tố cáo phải có họ tên và địa chỉ người tố cáo: sửa "
                                    "thông tin người đứng đơn trước.")
        elif not intake.addressed(people):  # as at intake (QA 109)
            errors["eligible"] = N_("Đơn đủ điều kiện xử lý phải có địa chỉ của người đứng "
                                    "đơn: sửa thông tin người đứng đơn trước.")
    reason = _reason(reason, errors, case)
    if errors:
        raise ValidationFailed(errors)
    before, petition.eligible = petition.eligible_now, eligible
    db.session.flush()
    audit.record_case(case, "petition_eligibility_corrected", actor, now, {
        "petition": petition.id, "eligible_before": before, "eligible": eligible,
        "reason": reason})
    return petition


# --- the case's particulars: field of law, locality, subject --------------------------------

PARTICULARS = "correct_particulars"  # the action's code (case_view.ACTION_LABELS names it)
SUBJECT_MAX = 500  # as at intake (IntakeForm, the API's subject, the column)
# Once an agency holds the case, the competent agency is the question, and it is the
# holder's: it transfers the case or returns it (the desk then corrects and routes again).
HELD_BY_AGENCY = N_("Hồ sơ đang ở cơ quan giải quyết: nếu lĩnh vực hoặc địa bàn không đúng, "
                    "cơ quan đang giữ hồ sơ chuyển cơ quan khác hoặc trả lại đơn; hồ sơ trả "
                    "lại thì bộ phận tiếp nhận sửa rồi chuyển lại.")
_HELD = frozenset({states.ROUTED, states.ACCEPTED, states.SUSPENDED})


@dataclass
class NotAtDesk(states.InvalidTransition):
    """The case is not at the desk (domain.states.AT_RECEPTION): its particulars stay; `hint`
    says who may act instead (web.i18n.transition_text adds it to the message)."""

    hint: str | None = None


def may_correct_particulars(user: User, case: Case) -> bool:
    """The desk that received the case, while no agency holds it (it routes on them)."""
    return can_add_petition(user, case) and case.status in states.AT_RECEPTION


def particulars_fingerprint(case: Case) -> str:
    """What a particulars form showed (see `fingerprint`)."""
    return fingerprint(case.field.code if case.field else None, case.locality_code,
                       case.subject)


def _particulars_errors(case: Case, field_code: str | None, locality_code: str | None,
                        subject: str | None) -> tuple[dict[str, str], dict]:
    """Field → message for what is wrong (intake's rules), and the values that would be
    stored ({} for what stays as it is). None leaves a particular as it is."""
    errors: dict[str, str] = {}
    wanted: dict = {}
    if field_code is not None:
        ref = references.field(field_code.strip())
        if ref is None:
            errors["field"] = N_("Chọn lĩnh vực.")
        elif ref.id != case.field_id:
            if not ref.active:  # as at intake; the case's own stopped field may stay
                errors["field"] = FIELD_STOPPED
            wanted["field"] = ref
    if locality_code is not None:
        ref = references.locality(locality_code.strip())
        if ref is None:
            errors["locality_code"] = (N_("Chọn xã, phường.") if blank(locality_code)
                                       else N_("Địa bàn không tồn tại."))
        elif ref.code != case.locality_code:
            wanted["locality_code"] = ref.code
    if subject is not None:
        if blank(subject):
            errors["subject"] = N_("Nhập trích yếu nội dung.")
        elif has_control(subject):
            errors["subject"] = CONTROL_CHARACTERS
        elif len(subject.strip()) > SUBJECT_MAX:
            errors["subject"] = N_("Tối đa %(max)s ký tự.", max=SUBJECT_MAX)
        elif case.kind == "denunciation" and names_denouncer(
                subject, [s.petitioner for p in case.petitions for s in p.signers]):
            errors["subject"] = SUBJECT_NAMES_DENOUNCER  # as at intake
        elif subject.strip() != case.subject:
            wanted["subject"] = subject.strip()
    return errors, wanted


def correct_particulars(case: Case, field_code: str | None, locality_code: str | None,
                        subject: str | None, reason: str | None, actor: User, now: datetime,
                        today: date | None = None, seen: str | None = None) -> list[str]:
    """Correct the case's field of law (lĩnh vực), locality (địa bàn) or subject (trích yếu)
    chosen or typed wrongly at intake, while the desk that received it still holds it (it
    routes on them). None leaves a particular as it is; at least one must change. Returns
    the particulars changed ("field", "locality_code", "subject").

    Everything read from them follows: the routing suggestion and the reports read the case
    at query time, the search index is kept by the database, and deadlines do not depend
    on them. The matter (same locality, field, similar subject) may change, so the mass
    check runs again, as after a withdrawal for the matter the case leaves
    (escalation_patterns.recheck_mass) and as at intake for the one it joins
    (escalation.check_patterns). `seen`: the particulars_fingerprint of what the form
    showed; someone else's correction since is refused, not written over."""
    from complaints.services import escalation, escalation_patterns

    subject = nfc(subject)  # as intake composes what it files (QA 98)
    # The matter it leaves and the one it joins, before the case: the mass checks below
    # run on both, and an intake holding either may be writing it (QA round 80).
    typed_locality, typed_field = escalation_patterns.matter_typed(locality_code, field_code)
    escalation_patterns.lock_matters(escalation_patterns.matter_of(case), (
        typed_locality or case.locality_code, typed_field or case.field_id))
    _hold(case)
    if not can_add_petition(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn được sửa thông tin hồ sơ."))
    if case.status not in states.AT_RECEPTION:
        raise NotAtDesk(PARTICULARS, case.status,
                        HELD_BY_AGENCY if case.status in _HELD else None)
    if seen is not None and seen != particulars_fingerprint(case):
        raise ValidationFailed({"seen": N_(
            "Thông tin hồ sơ vừa được người khác sửa: xem lại thông tin hiện tại rồi sửa.")})
    errors, wanted = _particulars_errors(case, field_code, locality_code, subject)
    reason = _reason(reason, errors, case)
    if not errors and not wanted:
        # Under a particular that was given: an API client sending only the subject again
        # read an error under "field" (QA round 68).
        given = [name for name, value in (("field", field_code),
                                          ("locality_code", locality_code),
                                          ("subject", subject)) if value is not None]
        errors[(given or ["field"])[0]] = N_(
            "Lĩnh vực, địa bàn và trích yếu đã nhập giống thông tin đang lưu: không có gì để "
            "sửa.")
    if errors:
        raise ValidationFailed(errors)
    details: dict = {"reason": reason}
    if "field" in wanted:
        details.update(field_before=case.field.code, field=wanted["field"].code)
        case.field_id = wanted["field"].id
    if "locality_code" in wanted:
        details.update(locality_before=case.locality_code, locality=wanted["locality_code"])
        case.locality_code = wanted["locality_code"]
    if "subject" in wanted:
        details.update(subject_before=case.subject, subject=wanted["subject"])
        case.subject = wanted["subject"]
    db.session.flush()
    db.session.expire(case, ["field", "locality"])  # the relationships read the new keys
    audit.record_case(case, "particulars_corrected", actor, now, details)
    today = today or clock.local_day(now)
    # The matter it leaves: this case no longer counts there. Its own flag goes if it is
    # no mass petition on its new matter, and so does that of each case of its cluster
    # left below the threshold without it (the rules a withdrawal follows).
    escalation_patterns.recheck_mass(case, now, today, cause="particulars_corrected")
    if case.cluster_id is not None and not _on_cluster_matter(case):
        case.cluster_id = None  # else the matter it joins would be clustered into the old one
    # The matter it joins: mass (and repeated) as at intake.
    escalation.check_patterns(case, actor, now, today)
    db.session.flush()
    return [name for name in ("field", "locality_code", "subject") if name in wanted]


def _on_cluster_matter(case: Case) -> bool:
    """Is the case still on the matter of its mass cluster (same locality and field, a
    similar subject)?"""
    from complaints.domain import escalation as rules
    from complaints.models import Cluster
    from complaints.services import pattern_rules

    cluster = db.session.get(Cluster, case.cluster_id)
    limits = pattern_rules.limits(case.last_petition_on or case.received_on)
    return (cluster is not None and cluster.locality_code == case.locality_code
            and cluster.field_id == case.field_id
            and rules.similar_subjects(rules.fold_subject(case.subject),
                                       cluster.subject_folded, limits.similar_subject))
