"""Who hears of an escalation, and what they read: agency notices, e-mail digests, reminders.

A sweep may raise tens of thousands of escalations at once (the first run on imported
data, a server down for a week). A message per person per case would bury the people it
is meant to alert and cost the sweep six rows per escalation. Instead:

- in the app, one notice per escalation and notified agency, read by that agency's
  leaders, each with their own read mark (services/notifications.py);
- by e-mail, one digest per person per sweep chunk listing their new escalations;
- unacknowledged escalations are reminded once a day by one message per person.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select, update

from complaints.domain import catalog
from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import Agency, Case, Escalation, User
from complaints.services import notifications
from complaints.services.calendar import get_calendar

# The English keeps the legal term beside it, as the pages do (QA 99, QA 101).
STAGE_LABELS = {
    "handling": ("xử lý đơn", "petition handling (xử lý đơn)"),
    "acceptance": ("thụ lý", "acceptance (thụ lý)"),
    "resolution": ("giải quyết", "resolution (giải quyết)"),
    "case": ("vụ việc", "case"),
}
# What the addressee is asked to do, by pattern (Law on Citizen Reception Art. 18(3) for mass).
ASKS = {
    rules.EVADED: ("Cần chỉ định cơ quan chủ trì giải quyết.",
                   "A lead agency must be designated."),
    rules.MASS: ("Đề nghị lãnh đạo tổ chức tiếp công dân đột xuất (Luật Tiếp công dân "
                 "Điều 18 khoản 3).",
                 "The leaders should hold an unscheduled citizen reception "
                 "(Law on Citizen Reception, Art. 18(3))."),
}
DIGEST_LINES = 100  # an e-mail lists this many cases, then says how many more
REMIND_LINES = 50


@dataclass
class Recipient:
    user_id: int
    email: str | None
    lang: str


class Directory:
    """Agencies and staff, loaded once per sweep (lazily: an idle sweep loads nothing).

    `everyone=False` (one case's pattern escalation at intake) reads the staff of an agency
    only when its leaders are asked for: a province has thousands of accounts, and an
    intake that joins a mass petition needs the heads of two agencies.
    """

    def __init__(self, everyone: bool = True) -> None:
        # Shared row locks (PostgreSQL; nothing on SQLite, whose writers queue anyway) until
        # the escalations addressed from this read are committed: an administrator closing
        # an agency meanwhile waits, then counts them and refuses (QA round 49: the urging
        # went to an agency closed after this read).
        rows = db.session.execute(select(Agency.id, Agency.parent_id, Agency.code, Agency.name,
                                         Agency.name_en, Agency.is_inspectorate,
                                         Agency.active).with_for_update(read=True)).all()
        # Supervisors are the nearest *open* agencies above: a closed level (no account can
        # sign in to it) is passed over, as a second complaint passes it (QA round 23: an
        # escalation, an evasion or an inspection went to a closed agency and was lost).
        active = {r.id for r in rows if r.active}
        parent_of = {r.id: r.parent_id for r in rows}
        self.parent_of = {r.id: rules.open_superior(r.id, parent_of, active) for r in rows}
        self.code = {r.id: r.code for r in rows}
        self.name = {r.id: r.name for r in rows}
        self.name_en = {r.id: r.name_en for r in rows}
        self.inspectorates = [r.id for r in rows if r.is_inspectorate and r.active]
        self.roots = [r.id for r in rows if self.parent_of[r.id] is None
                      and not r.is_inspectorate and r.active]
        self.staff: dict[int, list[Recipient]] = defaultdict(list)
        self.heads: dict[int, list[Recipient]] = defaultdict(list)
        self.user: dict[int, Recipient] = {}
        self._people: dict[tuple, list[Recipient]] = {}
        self._targets: dict[tuple, tuple] = {}
        self._staff_read: set[int] | None = None if everyone else set()
        if everyone:
            self._read_staff(None)

    def _read_staff(self, agency_id: int | None) -> None:
        query = select(User.id, User.agency_id, User.role, User.email,
                       User.locale).where(User.active.is_(True))
        if agency_id is not None:
            query = query.where(User.agency_id == agency_id)
        for u in db.session.execute(query):
            person = Recipient(u.id, u.email, u.locale or "vi")
            self.user[u.id] = person
            if u.agency_id is not None:
                self.staff[u.agency_id].append(person)
                if u.role in notifications.LEADER_ROLES:
                    self.heads[u.agency_id].append(person)

    def leaders(self, agency_id: int | None) -> list[Recipient]:
        """The heads of an agency (all its staff when it has no head account)."""
        if agency_id is None:
            return []
        if self._staff_read is not None and agency_id not in self._staff_read:
            self._staff_read.add(agency_id)
            self._read_staff(agency_id)
        return self.heads.get(agency_id) or self.staff.get(agency_id, [])

    def people(self, level: int, holder: int | None, officer_id: int | None) -> list[Recipient]:
        """Everyone told of a ladder escalation (cached: few distinct combinations)."""
        key = (level, holder, officer_id if level == 0 else None)
        found = self._people.get(key)
        if found is None:
            found = self._people[key] = self.audience(level, self.notified(level, holder),
                                                      key[2])
        return found

    def audience(self, level: int, agencies: list[int], officer_id: int | None
                 ) -> list[Recipient]:
        """The leaders of the notified agencies, and the handling officer for a reminder."""
        people = {p.user_id: p for a in agencies for p in self.leaders(a)}
        if level == 0 and officer_id in self.user:
            people = {officer_id: self.user[officer_id], **people}
        return list(people.values())

    def root(self, agency_id: int | None) -> int | None:
        if agency_id is None:
            return self.roots[0] if self.roots else None
        return rules.root_of(agency_id, self.parent_of)

    def inspectorate(self, agency_id: int | None) -> int | None:
        return rules.nearest_inspectorate(agency_id, self.parent_of, self.inspectorates)

    def target(self, level: int, holder: int | None) -> tuple[int | None, list[int | None]]:
        """Return the agency an escalation is addressed to, and every agency to notify."""
        found = self._targets.get((level, holder))
        if found is None:  # a sweep asks for the same few (level, holder) pairs again and again
            found = self._targets[(level, holder)] = self._target(level, holder)
        return found

    def _target(self, level: int, holder: int | None) -> tuple[int | None, list[int | None]]:
        if level <= 1:
            return holder, [holder]
        if level == 2:
            parent = self.parent_of.get(holder) if holder else None
            to = parent or holder
            return to, [to]
        to = self.inspectorate(holder) or self.root(holder)
        return to, [to, self.root(holder)]

    def notified(self, level: int, holder: int | None) -> list[int]:
        """The distinct agencies whose leaders hear of a ladder escalation."""
        return [a for a in dict.fromkeys(self.target(level, holder)[1]) if a is not None]


# --- texts ----------------------------------------------------------------------------------


def message(reason: str, stage: str, level: int, tracking_code: str, lang: str,
            due_on: date | None = None) -> tuple[str, str]:
    """Subject and body of a staff notification, in the reader's language."""
    subject, body, due, ask = _wording(reason, stage, level, lang)
    body = body.replace(_CODE, tracking_code)
    if due_on:
        body += due.replace(_CODE, f"{due_on:%d/%m/%Y}")
    return subject.replace(_CODE, tracking_code), body + ask


_CODE = "\x00"  # where the tracking code (or the date) goes in a cached wording


@lru_cache(maxsize=512)
def _wording(reason: str, stage: str, level: int, lang: str) -> tuple[str, str, str, str]:
    # The sweep words a message per escalation; the words depend on these four only.
    en = lang == "en"
    what = catalog.label(catalog.ESCALATION_REASONS, reason, lang)
    stage_label = STAGE_LABELS.get(stage, (stage, stage))[1 if en else 0]
    subject = f"[{what}] {'Case' if en else 'Hồ sơ'} {_CODE}"
    # A pattern (evaded, repeated, mass) concerns the whole case, not one of its stages.
    if en:
        stage_part = "" if stage == "case" else f", stage {stage_label}"
        body = f"Case {_CODE}{stage_part}: escalation level {level} ({what})."
        due = f" Due date: {_CODE}."
    else:
        stage_part = "" if stage == "case" else f", giai đoạn {stage_label}"
        body = f"Hồ sơ {_CODE}{stage_part}: leo thang mức {level} ({what})."
        due = f" Hạn: {_CODE}."
    ask = ASKS.get(reason)
    return subject, body, due, (f" {ask[1 if en else 0]}" if ask else "")


def _line(reason: str, stage: str, level: int, tracking_code: str, lang: str,
          due_on: date | None) -> str:
    return "- " + message(reason, stage, level, tracking_code, lang, due_on)[1]


def _more(lines: list[str], total: int, lang: str) -> str:
    text = "\n".join(lines)
    if total > len(lines):
        extra = total - len(lines)
        text += (f"\n… and {extra} more: see Escalations in the app." if lang == "en" else
                 f"\n… và {extra} hồ sơ khác: xem mục Kiến nghị leo thang trong hệ thống.")
    return text


class Digest:
    """Collects, per person, the escalations of one sweep chunk; then one e-mail each."""

    def __init__(self) -> None:
        self.lines: dict[int, list[str]] = defaultdict(list)
        self.total: dict[int, int] = defaultdict(int)
        self.person: dict[int, Recipient] = {}

    def add(self, people: list[Recipient], reason: str, stage: str, level: int,
            tracking_code: str, due_on: date | None) -> None:
        texts: dict[str, str] = {}
        for person in people:
            if not person.email:
                continue
            self.person[person.user_id] = person
            self.total[person.user_id] += 1
            lines = self.lines[person.user_id]
            if len(lines) < DIGEST_LINES:
                if person.lang not in texts:
                    texts[person.lang] = _line(reason, stage, level, tracking_code,
                                               person.lang, due_on)
                lines.append(texts[person.lang])

    def rows(self, key: str, now: datetime) -> list[dict]:
        """One e-mail per person; `key` names the chunk (the first escalation's id)."""
        rows = []
        for user_id, person in self.person.items():
            total = self.total[user_id]
            en = person.lang == "en"
            subject = (f"[Escalation] {total} case(s) need your attention" if en else
                       f"[Leo thang] {total} hồ sơ cần đồng chí chú ý")
            rows.append(notifications.row(
                f"digest:{key}:u{user_id}", notifications.EMAIL, subject,
                _more(self.lines[user_id], total, person.lang), now, user_id=user_id,
                email_to=person.email))
        return rows


# --- notices ---------------------------------------------------------------------------------


def notice_rows(escalation_id: int, case_id: int, agencies: list[int], reason: str,
                stage: str, level: int, tracking_code: str, now: datetime,
                due_on: date | None = None) -> list[dict]:
    """One in-app notice per notified agency (stored in Vietnamese; shown in each reader's)."""
    subject, body = message(reason, stage, level, tracking_code, "vi", due_on)
    return [notifications.notice_row(f"esc:{escalation_id}:a{agency}", subject, body, now,
                                     agency_id=agency, case_id=case_id,
                                     escalation_id=escalation_id)
            for agency in dict.fromkeys(agencies) if agency is not None]


def mail_rows(escalation_id: int, case_id: int, people: list[Recipient], reason: str,
              stage: str, level: int, tracking_code: str, now: datetime) -> list[dict]:
    """One e-mail per person for an escalation raised on its own (not by the sweep)."""
    rows = []
    for person in people:
        if person.email:
            subject, body = message(reason, stage, level, tracking_code, person.lang)
            rows.append(notifications.row(
                f"esc:{escalation_id}:u{person.user_id}:mail", notifications.EMAIL, subject,
                body, now, user_id=person.user_id, email_to=person.email, case_id=case_id,
                escalation_id=escalation_id))
    return rows


# What the designated lead agency reads (domain.md, evasion: the designation is binding).
LEAD_TEXTS = {
    "vi": ("[Cơ quan chủ trì] Hồ sơ {code}",
           "Cơ quan đã được cấp trên chỉ định là cơ quan chủ trì giải quyết hồ sơ {code} "
           "(quyết định bắt buộc): cơ quan thụ lý, giải quyết và không được trả lại hoặc "
           "chuyển đơn."),
    "en": ("[Lead agency] Case {code}",
           "Your agency has been designated by its supervisor as the lead agency for case "
           "{code} (a binding decision): it accepts and resolves the case and may not return "
           "or transfer it."),
}
LEAD_KEY = "lead:"


def lead_message(tracking_code: str, lang: str) -> tuple[str, str]:
    """Subject and body of the notice to a designated lead agency, in the reader's language."""
    subject, body = LEAD_TEXTS["en" if lang == "en" else "vi"]
    return subject.format(code=tracking_code), body.format(code=tracking_code)


def lead_notice_row(case: Case, lead_id: int, now: datetime, today: date) -> dict:
    """The in-app notice telling the lead agency's leaders it was designated (Vietnamese;
    `localise` re-words it for an English reader). Once per case, agency and day."""
    subject, body = lead_message(case.tracking_code, "vi")
    return notifications.notice_row(f"{LEAD_KEY}{case.id}:a{lead_id}:{today.isoformat()}",
                                    subject, body, now, agency_id=lead_id, case_id=case.id)


# The due date as `_wording` writes it into the Vietnamese body (" Hạn: dd/mm/yyyy."): the
# escalation row keeps no due date, the stored notice is the record of the one it named.
_DUE = re.compile(r" Hạn: (\d{2}/\d{2}/\d{4})\.")


def _due_in(body: str) -> date | None:
    """The due date a stored (Vietnamese) escalation notice states, if any."""
    found = _DUE.search(body or "")
    return datetime.strptime(found.group(1), "%d/%m/%Y").date() if found else None


def localise(items: list[notifications.InboxItem], lang: str) -> list[notifications.InboxItem]:
    """Re-word agency notices about escalations (and lead designations) in the reader's
    language, with the same facts as the stored text (the due date included)."""
    ids = {i.escalation_id for i in items if i.escalation_id is not None}
    leads = {i.case_id for i in items if i.escalation_id is None and i.case_id is not None
             and (i.dedupe_key or "").startswith(LEAD_KEY)}
    if lang == "vi" or not (ids or leads):
        return items
    facts = {r.id: r for r in db.session.execute(
        select(Escalation.id, Escalation.reason, Escalation.stage, Escalation.level,
               Case.tracking_code).join(Case, Case.id == Escalation.case_id)
        .where(Escalation.id.in_(ids)))} if ids else {}
    codes = dict(db.session.execute(select(Case.id, Case.tracking_code)
                                    .where(Case.id.in_(leads))).all()) if leads else {}
    out = []
    for item in items:
        fact = facts.get(item.escalation_id)
        words = None
        if fact is not None:
            words = message(fact.reason, fact.stage, fact.level, fact.tracking_code, lang,
                            _due_in(item.body))
        elif item.escalation_id is None and item.case_id in codes and \
                (item.dedupe_key or "").startswith(LEAD_KEY):
            words = lead_message(codes[item.case_id], lang)
        if words is not None:
            item = dataclasses.replace(item, subject=words[0], body=words[1])
        out.append(item)
    return out


# --- daily reminders -------------------------------------------------------------------------


def remind_unacknowledged(today: date, now: datetime) -> int:
    """Remind the leaders of agencies with escalations still unacknowledged, once a
    working day.

    One in-app message per person (no e-mail: each escalation was e-mailed when raised)
    listing their agency's open escalations, however many there are; returns how many
    messages were queued.
    """
    if not get_calendar().is_working_day(today):
        # Nobody is at their desk on a weekend or through Tết: the next working day's
        # message lists the same escalations, rather than one more message per day off
        # (QA round 90). Escalations themselves are still raised on their day.
        return 0
    e = Escalation.__table__.c
    due = and_open = (e.acknowledged_at.is_(None), e.as_of < today,
                      (e.last_reminded_on.is_(None)) | (e.last_reminded_on < today))
    rows = db.session.execute(
        select(e.id, e.to_agency_id, e.reason, e.stage, e.level, Case.tracking_code)
        .join(Case, Case.id == e.case_id)
        .where(*due, Case.status.not_in(sorted(rules.LADDER_ENDS)))
        .order_by(e.to_agency_id, e.id))
    pending: dict[int | None, list] = defaultdict(list)
    for r in rows:
        pending[r.to_agency_id].append(r)
    if not pending:
        return 0
    directory = Directory()
    queued = 0
    for agency_id, items in pending.items():
        for person in directory.leaders(agency_id):
            en = person.lang == "en"
            subject = (f"[Reminder] {len(items)} escalation(s) not yet acknowledged" if en else
                       f"[Nhắc việc] {len(items)} kiến nghị leo thang chưa xác nhận")
            lines = [_line(i.reason, i.stage, i.level, i.tracking_code, person.lang, None)
                     for i in items[:REMIND_LINES]]
            body = _more(lines, len(items), person.lang)
            queued += notifications.queue(f"remind:{today.isoformat()}:a{agency_id}:"
                                          f"u{person.user_id}", subject, body, now,
                                          user=_user(person.user_id), email=False)
    db.session.execute(update(Escalation).where(*and_open).values(last_reminded_on=today),
                       execution_options={"synchronize_session": False})
    db.session.flush()
    return queued


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)

