"""Who hears of a withdrawal (rút đơn), and what they read.

A withdrawal is mailed alike whether it ends the case or leaves other petitioners: the
agency's form, the desk's form and the API all record it through workflow.withdraw, which
calls `queue_withdrawal`.

- The agency holding the case: its leaders (all its staff when it has no head account, as
  for its notices) and the officer assigned, but not whoever recorded it; each in their own
  language, told who withdrew, on what day, and whether the case ends or goes on for how
  many. Names only to a reader who may see them outside the audited case page
  (permissions.can_list_identity): never a denouncer's (Law on Denunciations Art. 8, 56),
  whose withdrawal is told as a number of people. A case still at the desk has no holding
  agency to tell: the desk recorded the withdrawal itself.
- The petitioners who withdrew and gave an e-mail address: the case's new status when it
  ends (notifications.queue_status_change), else that their withdrawal is recorded and the
  case goes on for the others. Each e-mail goes to one person and names nobody.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from complaints.domain.withdrawal import Withdrawal
from complaints.extensions import db
from complaints.models import Case, Petitioner, User
from complaints.permissions import can_list_identity
from complaints.services import notifications
from complaints.services.escalation_notify import Directory

# What the holding agency's staff read, in their language.
TEXTS = {
    "vi": {
        "subject": "[Rút đơn] Hồ sơ {code}",
        "named": "Ngày {on}, {who} đã rút đơn đối với hồ sơ {code}.",
        "counted": "Ngày {on}, {n} người đứng đơn đã rút đơn đối với hồ sơ {code}.",
        "goes_on": "Hồ sơ tiếp tục được giải quyết cho {left} người đứng đơn còn lại.",
        "ends": "Không còn người đứng đơn nào: hồ sơ kết thúc do rút đơn.",
        "no_representative": "Những người còn lại không có ai là người đại diện; nhóm có thể "
                             "cần cử người đại diện mới (Luật Tiếp công dân, Điều 29).",
    },
    "en": {
        "subject": "[Withdrawal] Case {code}",
        "named": "On {on}, {who} withdrew from case {code}.",
        "counted": "On {on}, {n} petitioner(s) withdrew from case {code}.",
        "goes_on": "The case continues for the {left} remaining petitioner(s).",
        "ends": "No petitioner remains: the case ends as withdrawn.",
        "no_representative": "None of those who remain is a representative; the group may "
                             "need to choose a new one (Law on Citizen Reception, Art. 29).",
    },
}
# What a petitioner who withdrew reads while others remain: no language is known for a
# citizen, so Vietnamese first, then English (as the status e-mails).
CITIZEN_SUBJECT = "Hồ sơ {code}: đã ghi nhận việc rút đơn / Case {code}: withdrawal recorded"
CITIZEN_BODY = ("Việc rút đơn của ông/bà đối với hồ sơ {code} đã được ghi nhận ngày {on}. "
                "Hồ sơ tiếp tục được giải quyết cho những người đứng đơn còn lại.\n\n"
                "Your withdrawal from case {code} was recorded on {on}. The case continues "
                "for the other petitioners.")


def queue_withdrawal(case: Case, decided: Withdrawal, on: date, actor: User | None,
                     now: datetime, key: str) -> int:
    """Queue the e-mails of a withdrawal recorded on `on`; return how many were new.

    `key` names this withdrawal (its audit event) in the e-mails' dedupe keys: a petitioner
    who comes back may withdraw again, and is told again.
    """
    sent = _to_agency(case, decided, on, actor, now, key)
    if decided.ends_case:
        return sent + notifications.queue_status_change(case, now, decided.withdrawing)
    code, day = case.tracking_code, f"{on:%d/%m/%Y}"
    for person in db.session.scalars(select(Petitioner).where(
            Petitioner.id.in_(decided.withdrawing), Petitioner.email.is_not(None))):
        sent += notifications.queue(
            f"withdraw:{key}:p{person.id}", CITIZEN_SUBJECT.format(code=code),
            CITIZEN_BODY.format(code=code, on=day), now, email_to=person.email,
            case_id=case.id, in_app=False)
    return sent


def recipients(case: Case, actor: User | None) -> list[User]:
    """The holding agency's leaders (all its staff when it has no head account) and the
    officer assigned, but not the one who recorded the withdrawal."""
    if case.agency_id is None:
        return []
    # Who leads an agency is the escalation notices' rule (Directory.leaders); the users
    # themselves are read for what the e-mail may say to each (can_list_identity).
    ids = [p.user_id for p in Directory(everyone=False).leaders(case.agency_id)]
    people = list(db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []
    officer = case.officer
    if officer is not None and officer.active and officer not in people:
        people.append(officer)
    return [u for u in people if actor is None or u.id != actor.id]


def _to_agency(case: Case, decided: Withdrawal, on: date, actor: User | None,
               now: datetime, key: str) -> int:
    people = [u for u in recipients(case, actor) if u.email]
    names: list[str] | None = None
    sent = 0
    for user in people:
        words = TEXTS["en" if (user.locale or "vi").startswith("en") else "vi"]
        facts = {"code": case.tracking_code, "on": f"{on:%d/%m/%Y}"}
        if can_list_identity(user, case):
            if names is None:
                names = _names(decided.withdrawing)
            lines = [words["named"].format(who=", ".join(names), **facts)]
        else:
            lines = [words["counted"].format(n=len(decided.withdrawing), **facts)]
        lines.append(words["ends"] if decided.ends_case
                     else words["goes_on"].format(left=len(decided.remaining)))
        if decided.no_representative_left:
            lines.append(words["no_representative"])
        sent += notifications.queue(f"withdraw:{key}:u{user.id}",
                                    words["subject"].format(**facts), " ".join(lines), now,
                                    user=user, case_id=case.id, in_app=False)
    return sent


def _names(petitioner_ids: tuple[int, ...]) -> list[str]:
    """The petitioners' names in the order given (the order they signed)."""
    found = dict(db.session.execute(select(Petitioner.id, Petitioner.full_name)
                                    .where(Petitioner.id.in_(petitioner_ids))).all())
    return [found[pid] for pid in petitioner_ids if pid in found]
