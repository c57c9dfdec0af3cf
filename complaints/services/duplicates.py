"""Duplicate warning at intake (đơn trùng / nhiều lần): earlier cases like the new petition.

Within the last 12 months: a case signed by the same ID-card number, or by the same
person (accent-insensitive name and the same phone digits), or with very similar subject
or content in the same locality. Candidates are narrowed in SQL (locality, dates) before
the fuzzy comparison with rapidfuzz on folded text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from rapidfuzz import fuzz
from sqlalchemy import and_, or_, select

from complaints.domain import contacts
from complaints.domain.text import digits, fold
from complaints.extensions import db
from complaints.models import Case, Petition, Petitioner, PetitionSigner, User
from complaints.permissions import can_find_by_identity, can_read_content
from complaints.services.queries import cases_visible_to

logger = logging.getLogger(__name__)

WINDOW_DAYS = 365  # 12 months
SUBJECT_THRESHOLD = 90
CONTENT_THRESHOLD = 88
SUBJECT_WITH_CONTENT = (80, 70)  # a close subject with a fairly close content
MAX_CANDIDATES = 300  # same-locality cases compared by text
MAX_RESULTS = 10


@dataclass
class SimilarCase:
    case: Case
    reasons: list[str] = field(default_factory=list)  # "id_number", "name_phone", "content"
    score: int = 0  # text similarity, 0–100

    @property
    def same_person(self) -> bool:
        return "id_number" in self.reasons or "name_phone" in self.reasons


def _stored(normalise, text: str | None) -> str | None:
    """A typed number as intake stores it ("+84 912 …" is the stored "0912…"); one the
    normaliser refuses is compared by its digits (validation reports it beside this)."""
    return contacts.lenient(normalise, text) or digits(text) or None


def text_score(subject_a: str, content_a: str, subject_b: str, content_b: str) -> int:
    """Return 0–100: how alike two petitions read, or 0 when they are not "very similar"."""
    def ratio(a: str, b: str) -> float:
        a, b = fold(a), fold(b)
        return fuzz.token_sort_ratio(a, b) if a and b else 0.0  # two blanks are not alike

    subject = ratio(subject_a, subject_b)
    content = ratio(content_a, content_b)
    if subject >= SUBJECT_THRESHOLD or content >= CONTENT_THRESHOLD:
        return round(max(subject, content))
    if subject >= SUBJECT_WITH_CONTENT[0] and content >= SUBJECT_WITH_CONTENT[1]:
        return round((subject + content) / 2)
    return 0


def _scoped(query, visible_to: User | None):
    if visible_to is None:
        return query
    allowed = cases_visible_to(visible_to).with_only_columns(Case.id)
    return query.where(Case.id.in_(allowed))


def find_similar(petitioners, subject: str, content: str, locality_code: str | None,
                 as_of: date, visible_to: User | None = None) -> list[SimilarCase]:
    """Return earlier cases that may be the same matter, the same person's first.

    `petitioners` are intake.PetitionerData (or anything with full_name, id_number, phone);
    `visible_to` limits the search to the cases that user may see, and a denunciation is
    matched by its signers only for the desk that logged it (permissions.can_find_by_identity);
    a similar subject still finds it, and a similar content where the reader may read it
    (a denouncer's letter may name them: permissions.can_read_content).
    """
    since = as_of - timedelta(days=WINDOW_DAYS)
    found: dict[int, SimilarCase] = {}

    def note(case: Case, reason: str, score: int = 0) -> None:
        item = found.setdefault(case.id, SimilarCase(case=case))
        if reason not in item.reasons:
            item.reasons.append(reason)
        item.score = max(item.score, score)

    ids = {_stored(contacts.id_number, p.id_number) for p in petitioners} - {None}
    pairs = {(fold(p.full_name), phone) for p in petitioners
             if fold(p.full_name) and (phone := _stored(contacts.phone, p.phone))}
    if ids or pairs:
        person_match = []
        if ids:
            person_match.append(Petitioner.id_number.in_(ids))
        person_match += [and_(Petitioner.name_folded == name, Petitioner.phone == phone)
                         for name, phone in pairs]
        query = (
            select(Case, Petitioner.id_number, Petitioner.name_folded, Petitioner.phone)
            .join(Petition, Petition.case_id == Case.id)
            .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
            .join(Petitioner, Petitioner.id == PetitionSigner.petitioner_id)
            .where(or_(*person_match), Petition.received_on >= since,
                   Petition.received_on <= as_of)
        )
        for case, id_number, name_folded, phone in db.session.execute(_scoped(query,
                                                                              visible_to)):
            if visible_to is not None and not can_find_by_identity(visible_to, case):
                continue  # "same person as in that denunciation" would name its denouncer
            if id_number and id_number in ids:
                note(case, "id_number")
            if (name_folded, phone) in pairs:
                note(case, "name_phone")

    if locality_code and (fold(subject) or fold(content)):
        query = (
            select(Case)
            .where(Case.locality_code == locality_code, Case.received_on >= since,
                   Case.received_on <= as_of)
            .order_by(Case.received_on.desc(), Case.id.desc())
            .limit(MAX_CANDIDATES)
        )
        for case in db.session.scalars(_scoped(query, visible_to)):
            readable = visible_to is None or can_read_content(visible_to, case)
            score = text_score(subject or "", content or "", case.subject,
                               case.content if readable else "")
            if score:
                note(case, "content", score)

    results = sorted(found.values(),
                     key=lambda s: (not s.same_person, -s.score, -s.case.received_on.toordinal()))
    return results[:MAX_RESULTS]
