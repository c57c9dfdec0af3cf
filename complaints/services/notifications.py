"""Notifications: an in-app inbox per user and an e-mail outbox delivered over SMTP.

Every notification has a dedupe key (unique in the table): queuing the same one twice,
from a second sweep or a second instance, inserts nothing. The outbox is delivered by its
own job; a failed send is retried with exponential backoff and never sent twice.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import and_, delete, desc, func, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from complaints.domain import catalog, contacts
from complaints.extensions import db
from complaints.models import Case, Notification, NotificationRead, User

logger = logging.getLogger(__name__)

IN_APP, EMAIL = "in_app", "email"
BACKOFF_BASE = timedelta(minutes=1)  # 1, 2, 4, 8 … minutes between attempts
BACKOFF_CAP = timedelta(hours=6)
CLAIM_LEASE = timedelta(minutes=10)  # a claimed e-mail is no one else's for this long


def insert_ignoring_duplicates(table, rows: list[dict], returning=None):
    """INSERT rows, skipping those that collide with a unique key (ON CONFLICT DO NOTHING)."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing()
    if returning is not None:
        stmt = stmt.returning(*returning)
        return list(db.session.execute(stmt, rows))
    db.session.execute(stmt, rows)
    return []


def row(dedupe_key: str, channel: str, subject: str, body: str, now: datetime, *,
        user_id: int | None = None, email_to: str | None = None, case_id: int | None = None,
        escalation_id: int | None = None) -> dict:
    """Return a notification row for a bulk insert."""
    return {
        "dedupe_key": dedupe_key[:200], "channel": channel, "user_id": user_id,
        "agency_id": None, "email_to": email_to, "case_id": case_id, "escalation_id": escalation_id,
        "subject": subject[:255], "body": body, "status": "pending", "attempts": 0,
        "next_attempt_at": now if channel == EMAIL else None, "created_at": now,
    }


def queue(dedupe_key: str, subject: str, body: str, now: datetime, *, user: User | None = None,
          email_to: str | None = None, case_id: int | None = None,
          escalation_id: int | None = None, in_app: bool = True, email: bool = True) -> int:
    """Queue an in-app message for a user and/or an e-mail; return how many rows were new."""
    rows = []
    if user is not None and in_app:
        rows.append(row(f"{dedupe_key}:app", IN_APP, subject, body, now, user_id=user.id,
                        case_id=case_id, escalation_id=escalation_id))
    address = email_to or (user.email if user is not None else None)
    if address and email:
        rows.append(row(f"{dedupe_key}:mail", EMAIL, subject, body, now,
                        user_id=user.id if user else None, email_to=address, case_id=case_id,
                        escalation_id=escalation_id))
    return len(insert_ignoring_duplicates(Notification.__table__, rows,
                                          returning=[Notification.id]))


# Plain words for citizens (ux.md: no jargon without an explanation).
CITIZEN_STATUS = {
    "received": ("Đã tiếp nhận đơn", "Petition received"),
    "routed": ("Đã chuyển đến cơ quan có thẩm quyền", "Sent to the competent agency"),
    "returned": ("Đang được chuyển lại cơ quan có thẩm quyền", "Being re-routed"),
    "accepted": ("Thụ lý — cơ quan đã nhận giải quyết", "Accepted for resolution"),
    "suspended": ("Tạm đình chỉ giải quyết", "Resolution suspended"),
    "resolved": ("Đã có quyết định / kết luận giải quyết", "Decision issued"),
    "closed": ("Đã kết thúc", "Closed"),
    "filed": ("Đơn được lưu (không xử lý)", "Filed"),
    "guided": ("Đã hướng dẫn nơi gửi đơn", "Guided to the competent body"),
    "forwarded": ("Đã chuyển cơ quan khác ngoài hệ thống", "Forwarded outside the system"),
    "not_accepted": ("Không thụ lý (có văn bản nêu lý do)", "Not accepted"),
    "withdrawn": ("Đã rút đơn", "Withdrawn"),
}


def queue_status_change(case: Case, now: datetime,
                        petitioner_ids: Collection[int] | None = None) -> int:
    """E-mail the citizens of a case who gave an address: the new status only.

    Never an escalation's detail, never another petitioner's identity: each e-mail goes
    to one person and names only the tracking code and the status. `petitioner_ids`: the
    petitioners told (those whose withdrawal ended the case); default, those still standing.
    """
    status = catalog.label(CITIZEN_STATUS, case.status)
    status_en = catalog.label(CITIZEN_STATUS, case.status, "en")
    sent = 0
    people = {s.petitioner.id: s.petitioner for p in case.petitions for s in p.signers
              if s.petitioner.email and (s.withdrawn_on is None if petitioner_ids is None
                                         else s.petitioner_id in petitioner_ids)}
    for person in people.values():
        # No language is known for a citizen: Vietnamese first, then English (as the receipt).
        subject = (f"Hồ sơ {case.tracking_code}: cập nhật tình trạng / "
                   f"Case {case.tracking_code}: status update")
        body = (f"Hồ sơ {case.tracking_code} của ông/bà đã chuyển sang tình trạng: {status}.\n"
                "Tra cứu chi tiết bằng mã hồ sơ và mã PIN trên giấy biên nhận.\n\n"
                f"Your case {case.tracking_code} is now: {status_en}. Look it up with the "
                "tracking code and the PIN on your receipt.")
        key = _status_key(case, person.id)
        if key is not None:
            sent += queue(key, subject, body, now, email_to=person.email, case_id=case.id,
                          in_app=False)
    return sent


def _status_key(case: Case, person_id: int) -> str | None:
    """The key of the e-mail telling this person the case's status, or None when the last
    one they were sent told it already (a step that keeps the status: an extension, an
    assignment). A status reached again (accepted after a resumption, routed after a
    return) is told again under a numbered key (QA round 50: a resumption was never told).
    Keys stay "status:<case>:<status…>:<person>:mail" (personal_data finds them so)."""
    keys = list(db.session.scalars(select(Notification.dedupe_key).where(
        Notification.case_id == case.id, Notification.channel == EMAIL,
        Notification.dedupe_key.like(f"status:{case.id}:%:{person_id}:mail"))
        .order_by(Notification.id)))
    told = [k.split(":")[2].split(".")[0] for k in keys]
    told = [status for status in told if status in CITIZEN_STATUS]  # not a PIN notice
    if told and told[-1] == case.status:
        return None
    key = f"status:{case.id}:{case.status}:{person_id}"
    return key if f"{key}:mail" not in keys else \
        f"status:{case.id}:{case.status}.{len(keys)}:{person_id}"


def queue_pin_reissued(case: Case, now: datetime, event_id: int) -> int:
    """Tell the case's citizens who gave an e-mail that its PIN was reissued (QA round 53:
    one who did not ask learns at once that someone else did). Keyed as the status e-mails
    are, so that the personal-data export and anonymisation find it by the person."""
    sent = 0
    people = {s.petitioner.id: s.petitioner for p in case.petitions for s in p.signers
              if s.petitioner.email and s.withdrawn_on is None}
    for person in people.values():
        subject = (f"Hồ sơ {case.tracking_code}: mã PIN đã được cấp lại / "
                   f"Case {case.tracking_code}: PIN reissued")
        body = (f"Mã PIN tra cứu hồ sơ {case.tracking_code} vừa được cấp lại tại nơi tiếp "
                "nhận đơn; mã cũ không dùng được nữa. Nếu ông/bà không yêu cầu, hãy liên hệ "
                "ngay nơi đã nộp đơn.\n\n"
                f"The look-up PIN of case {case.tracking_code} was just reissued at the desk "
                "that received the petition; the old one no longer works. If you did not ask "
                "for it, contact that desk at once.")
        sent += queue(f"status:{case.id}:pin.{event_id}:{person.id}", subject, body, now,
                      email_to=person.email, case_id=case.id, in_app=False)
    return sent


# --- the in-app inbox ---------------------------------------------------------------------

# Who reads an agency's notices: its heads (or, when it has no head account, all its staff).
LEADER_ROLES = ("agency_head", "inspector")
UNREAD_CAP = 1000  # the header shows "999+" beyond this; counting further costs for nothing


def notice_row(dedupe_key: str, subject: str, body: str, now: datetime, *, agency_id: int,
               case_id: int | None = None, escalation_id: int | None = None) -> dict:
    """Return an in-app notice addressed to an agency's leaders (one row, many readers)."""
    data = row(dedupe_key, IN_APP, subject, body, now, case_id=case_id,
               escalation_id=escalation_id)
    data["agency_id"] = agency_id
    return data


def notice_agencies(user: User) -> list[int]:
    """Return the agencies whose notices the user reads: their own, if they lead it."""
    if user.agency_id is None:
        return []
    if user.role in LEADER_ROLES:
        return [user.agency_id]
    head = db.session.scalar(select(User.id).where(
        User.agency_id == user.agency_id, User.role.in_(LEADER_ROLES),
        User.active.is_(True)).limit(1))
    return [] if head is not None else [user.agency_id]


@dataclass(frozen=True)
class InboxItem:
    id: int
    subject: str
    body: str
    created_at: datetime
    case_id: int | None
    escalation_id: int | None
    read_at: datetime | None
    dedupe_key: str | None = None  # what the notice is about (e.g. "lead:…"), for rewording


def _inbox_parts(user: User) -> tuple[list, list]:
    """The queries of the user's unread and read notification ids (mine and my agencies')."""
    agencies = notice_agencies(user)
    me = NotificationRead.user_id == user.id
    mine = and_(Notification.user_id == user.id, Notification.channel == IN_APP)
    notice = and_(Notification.agency_id.in_(agencies), Notification.user_id.is_(None),
                  Notification.channel == IN_APP)
    read_mark = (select(NotificationRead.notification_id)
                 .where(NotificationRead.notification_id == Notification.id, me).exists())
    unread = [select(Notification.id).where(mine, Notification.read_at.is_(None))]
    seen = [select(Notification.id).where(mine, Notification.read_at.is_not(None))]
    if agencies:
        unread.append(select(Notification.id).where(
            notice, Notification.id > user.notices_read_upto, ~read_mark))
        seen.append(select(Notification.id).where(
            notice, or_(Notification.id <= user.notices_read_upto, read_mark)))
    return unread, seen


def read_count(user: User) -> int:
    """How many notifications the user has read: the pages of the inbox after the unread."""
    seen = _inbox_parts(user)[1]
    query = union_all(*seen) if len(seen) > 1 else seen[0]
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def inbox(user: User, limit: int = 100, page: int = 1) -> list[InboxItem]:
    """Return the user's in-app notifications and their agency's notices, unread first.

    Every unread one the badge counts (up to UNREAD_CAP: QA round 20, the badge said 120
    and 100 were listed), then the newest read ones up to `limit`. Unread and read are two
    index-ordered reads (newest first), not one sort over every notice an agency ever had:
    an inspectorate's head may have 100k. `page`: the read ones are paged by `limit`
    (read_count gives their number); the unread come on the first page only.
    """
    me = NotificationRead.user_id == user.id
    unread, seen = _inbox_parts(user)
    ids: list[int] = []
    for parts, most, skip in ((unread, UNREAD_CAP if page == 1 else 0, 0),
                              (seen, limit, (page - 1) * limit)):
        if not most:
            continue
        query = union_all(*parts) if len(parts) > 1 else parts[0]
        ids += db.session.scalars(select(query.subquery().c.id)
                                  .order_by(desc("id")).offset(skip).limit(most)).all()
    if not ids:
        return []
    marks = dict(db.session.execute(select(NotificationRead.notification_id,
                                           NotificationRead.read_at)
                                    .where(me, NotificationRead.notification_id.in_(ids))).all())
    rows = {n.id: n for n in db.session.scalars(select(Notification)
                                                .where(Notification.id.in_(ids)))}
    out = []
    for i in ids:
        n = rows[i]
        if n.user_id == user.id:
            read_at = n.read_at
        else:
            read_at = marks.get(i) or (n.created_at if i <= user.notices_read_upto else None)
        out.append(InboxItem(n.id, n.subject, n.body, n.created_at, n.case_id,
                             n.escalation_id, read_at, n.dedupe_key))
    return out


def unread_count(user: User) -> int:
    """Unread personal messages plus unread agency notices (capped at UNREAD_CAP)."""
    personal = db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id,
                                   Notification.channel == IN_APP,
                                   Notification.read_at.is_(None))) or 0
    agencies = notice_agencies(user)
    if not agencies or personal >= UNREAD_CAP:
        return min(personal, UNREAD_CAP)
    read = select(NotificationRead.notification_id).where(
        NotificationRead.notification_id == Notification.id,
        NotificationRead.user_id == user.id)
    unread = (select(Notification.id)
              .where(Notification.agency_id.in_(agencies), Notification.user_id.is_(None),
                     Notification.channel == IN_APP,
                     Notification.id > user.notices_read_upto, ~read.exists())
              .limit(UNREAD_CAP - personal).subquery())
    return personal + (db.session.scalar(select(func.count()).select_from(unread)) or 0)


def mark_read(user: User, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; return how many."""
    personal = (update(Notification)
                .where(Notification.user_id == user.id, Notification.channel == IN_APP,
                       Notification.read_at.is_(None))
                .values(read_at=now, status="read"))
    agencies = notice_agencies(user)
    if notification_id is not None:
        done = db.session.execute(personal.where(Notification.id == notification_id),
                                  execution_options={"synchronize_session": "fetch"}).rowcount
        if done or not agencies:
            return done
        notice = db.session.scalar(select(Notification.id).where(
            Notification.id == notification_id, Notification.id > user.notices_read_upto,
            Notification.agency_id.in_(agencies), Notification.user_id.is_(None)))
        if notice is None:
            return 0
        return len(insert_ignoring_duplicates(NotificationRead.__table__, [{
            "notification_id": notice, "user_id": user.id, "read_at": now}],
            returning=[NotificationRead.notification_id]))
    before = unread_count(user)
    db.session.execute(personal, execution_options={"synchronize_session": "fetch"})
    if agencies:
        # "All read" moves the reader's watermark: no row per notice, however many.
        last = db.session.scalar(select(func.max(Notification.id)).where(
            Notification.agency_id.in_(agencies), Notification.user_id.is_(None)))
        if last and last > user.notices_read_upto:
            user.notices_read_upto = last
            db.session.execute(delete(NotificationRead).where(
                NotificationRead.user_id == user.id,
                NotificationRead.notification_id <= last))
    db.session.flush()
    return before


# --- the e-mail outbox --------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def default_smtp_factory():
    """Open an SMTP connection with the configured host and port."""
    config = current_app.config
    return smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10)


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failures."""
    # The doubling stops at the cap: unbounded, a relay down for about ten days made it
    # overflow timedelta, and every outbox run failed (found by QA 98's reproducer).
    doublings = max(attempts - 1, 0)
    if doublings >= 32:
        return BACKOFF_CAP
    return min(BACKOFF_BASE * (2 ** doublings), BACKOFF_CAP)


def _claim_next(now: datetime, after_id: int) -> Notification | None:
    """Take the next due e-mail for this instance; None when none is left.

    The claim is a conditional UPDATE that moves the e-mail's next attempt a lease ahead
    of `now`, the moment of the claim:
    only the instance whose UPDATE matched it sends it, and others, which read the outbox
    at the same time, find it taken or no longer due. PostgreSQL first skips the rows
    another instance holds (FOR UPDATE SKIP LOCKED); SQLite, one writer at a time, needs
    the UPDATE alone. An instance that dies after its claim leaves the e-mail to be sent
    again once the lease has passed (its stable Message-ID lets a server drop the resend).
    """
    due = (Notification.channel == EMAIL, Notification.status == "pending",
           Notification.next_attempt_at <= now)
    skip_locked = db.session.get_bind().dialect.name == "postgresql"
    while True:
        query = (select(Notification.id).where(*due, Notification.id > after_id)
                 .order_by(Notification.id).limit(1))
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        note_id = db.session.scalar(query)
        if note_id is None:
            return None
        taken = db.session.execute(
            update(Notification).where(Notification.id == note_id, *due)
            .values(attempts=Notification.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            return db.session.get(Notification, note_id, populate_existing=True)
        after_id = note_id  # another instance took it between our SELECT and UPDATE


MESSAGE_ID_DOMAIN = "complaints.local"


def _aware(moment: datetime | None) -> datetime:
    """A stored time as UTC-aware (SQLite gives naive UTC); now, for a row not stored."""
    if moment is None:
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def message_id(note: Notification) -> str:
    """The e-mail's Message-ID: the notification's id and the day it was made, so that two
    databases (a restore, a second installation) seldom give one id to two e-mails."""
    return f"<n{note.id}.{_aware(note.created_at):%Y%m%d%H%M%S}@{MESSAGE_ID_DOMAIN}>"


def _message(note: Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"] = contacts.transport_address(current_app.config["MAIL_FROM"])
    message["To"] = contacts.transport_address(note.email_to)
    message["Subject"] = note.subject
    # A stable Message-ID lets a receiving server (or the reader's client) drop a resend
    # after a crash: the notification's own, the same on every attempt (make_msgid adds the
    # time, the process and random bits: a resend had another; QA round 88).
    message["Message-ID"] = message_id(note)
    message["Date"] = format_datetime(_aware(note.created_at))  # RFC 5322: required
    message.set_content(note.body)
    return message


# SMTP answers the outbox reads (RFC 5321): 421, the server closes the channel (smtplib
# closes its end too); 552 to MAIL FROM with SIZE (RFC 1870), this message is larger than
# the server takes.
CLOSING, TOO_LARGE = 421, 552


def _codes(exc: BaseException) -> list[int]:
    """The SMTP reply codes an exception carries (one per refused address, or one)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [code for code, _text in exc.recipients.values()]
    if isinstance(exc, smtplib.SMTPResponseException):
        return [exc.smtp_code]
    return []


def permanent(exc: BaseException, to: str | None = None) -> bool:
    """Will sending this message fail the same way next time? A refused address, or a 5xx
    answer to the message itself (552 too large, 554 refused as spam): retried every six
    hours for ever, such a message kept the health check "degraded" (QA round 58). A 4xx
    asks to try later; a refused connection, sign-in or sender is the server's, not the
    message's: every message goes from the one MAIL_FROM, so a 530 or 553 to it (the
    account's password expired, relay denied) failed the whole outbox for good
    (QA round 64). But a 552 to MAIL FROM is this message's size, and an address with
    accented letters on a server without SMTPUTF8 is refused before any command: both fail
    the same way every time (QA round 65) — when it is the recipient's address, in its
    local part (an accented domain is sent in ASCII: QA round 71); a sender (MAIL_FROM)
    with accented letters is the server's setting, and failed every message for good
    (QA round 69). `to`: the message's recipient."""
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return not contacts.transport_address(to or "").isascii()
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code == TOO_LARGE
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # 450/452 (mailbox busy, full for now) pass: only 5xx for every address is final.
        return all(code >= 500 for code in _codes(exc))
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def about_the_message(exc: BaseException, to: str | None = None) -> bool:
    """Did the server refuse this message (its addresses, size or content) rather than fail
    itself? The connection still serves the next message (smtplib resets it), so one busy
    mailbox does not hold back the rest of the run (QA round 64). Not after a 421: the
    server closed the channel, and the next message would be charged for it (QA round 65)."""
    if CLOSING in _codes(exc):
        return False
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code == TOO_LARGE
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return permanent(exc, to)
    return isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)


def deliver_outbox(now: datetime | Callable[[], datetime],
                   smtp_factory: Callable | None = None, limit: int = 200,
                   commit: Callable[[], None] | None = None,
                   give_up_after: timedelta | None = None) -> DeliveryReport:
    """Send the due e-mails of the outbox, one at a time; retry failures with backoff.

    `now` is a clock (the job passes clock.now) or a fixed time. The clock is read at each
    claim: a lease counted from the run's start is already over once the run has lasted
    longer than CLAIM_LEASE (a slow relay, a backlog), and the next run would send the
    e-mails this one still sends (QA round 72).
    `commit`, given by the job, is called after each claim (so that no lock is held while
    the SMTP server answers) and after each message, so that a sent e-mail is recorded as
    sent before the next one goes (and a crash cannot resend a batch).
    `give_up_after`: how old a message the server still refuses for now (4xx) may be
    before it is failed; by default the OUTBOX_GIVE_UP_HOURS setting.
    """
    clock = now if callable(now) else (lambda: now)
    if give_up_after is None:
        give_up_after = timedelta(hours=current_app.config["OUTBOX_GIVE_UP_HOURS"])
    factory = smtp_factory or default_smtp_factory
    report = DeliveryReport()
    connection = None
    last_id = 0
    try:
        for _ in range(limit):
            note = _claim_next(clock(), last_id)
            if note is None:
                break
            last_id = note.id
            if commit:
                commit()  # the claim, before sending: another instance now skips this one
            try:
                if connection is None:
                    connection = factory()
                connection.send_message(_message(note))
            except (OSError, smtplib.SMTPException) as exc:
                if permanent(exc, note.email_to):
                    note.status, note.last_error = "failed", str(exc)[:2000]
                    report.failed += 1
                    db.session.flush()
                    if commit:
                        commit()
                    continue
                if _give_up(note, exc, clock(), give_up_after):
                    report.failed += 1
                else:
                    note.next_attempt_at = clock() + backoff(note.attempts)
                    note.last_error = str(exc)[:2000] or type(exc).__name__
                    report.deferred += 1
                    report.errors.append(note.last_error)
                    logger.warning("e-mail %s deferred: %s", note.id, note.last_error)
                db.session.flush()
                if commit:
                    commit()
                if about_the_message(exc, note.email_to):
                    continue
                _quit(connection)
                connection = None  # the server is down: stop hammering it this run
                break
            else:
                note.status, note.sent_at, note.last_error = "sent", clock(), None
                report.sent += 1
            db.session.flush()
            if commit:
                commit()
    finally:
        _quit(connection)
    return report


def _give_up(note: Notification, exc: BaseException, now: datetime,
             give_up_after: timedelta) -> bool:
    """Fail a message the server has refused for now (4xx) for longer than `give_up_after`
    since its first such refusal (`first_refused_at`, set here); return whether it did.

    A mailbox full for days was retried every six hours for ever, and kept /health
    "degraded", hiding a real outage behind it (QA round 96); RFC 5321 4.5.4.1 gives up
    after 4-5 days. Only a refusal of this message counts: when the server itself is down
    or closes the channel, the whole outbox waits for it and is sent once it is back.
    """
    if not about_the_message(exc, note.email_to):
        return False
    if note.first_refused_at is None:
        note.first_refused_at = now
    # From the first refusal, not the queueing: a backlog an outage held for days is not
    # failed at its first greylisting once the relay is back (QA round 98).
    waited = now - _aware(note.first_refused_at)
    if waited < give_up_after:
        return False
    note.status = "failed"
    hours = int(waited.total_seconds() // 3600)
    note.last_error = (f"given up after {hours} hours refused for now: "
                       f"{str(exc) or type(exc).__name__}")[:2000]
    logger.warning("e-mail %s given up after %s attempts: %s", note.id, note.attempts,
                   note.last_error)
    return True


def _quit(connection) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        logger.debug("SMTP quit failed", exc_info=True)

