"""The append-only, hash-chained audit trail.

Each event's hash covers the previous event's hash and the event's own content, so a
changed, deleted or reordered event breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cache

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from complaints.extensions import db
from complaints.models import AuditEvent, User

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(data: dict) -> str:
    """Return JSON with sorted keys and no spaces, the form that is hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default)


def _timestamp(moment: datetime) -> str:
    # SQLite hands datetimes back without a zone; normalise both sides to naive UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def event_hash(prev_hash: str, chain: str, seq: int, actor_label: str, action: str,
               data: str, created_at: datetime | str) -> str:
    """Return the SHA-256 that seals one event onto its predecessor.

    `created_at` may be given already as `stamp(created_at)` by bulk writers.
    """
    moment = created_at if isinstance(created_at, str) else _timestamp(created_at)
    payload = "\x1f".join([prev_hash, chain, str(seq), actor_label, action, data, moment])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


stamp = _timestamp  # the form of a time that is hashed


def actor_label(actor: User | None) -> str:
    return "system" if actor is None else f"{actor.username}#{actor.id}"


def case_trail(case, actions: tuple[str, ...], events=None) -> list[tuple[str, dict]]:
    """The case's audit events of these kinds, oldest first, as (action, data).

    The trail is where dated decisions (suspensions, extensions, returns) are kept with
    the dates entered; deadlines and decision-date checks read them here alike.
    `events`: the case's whole trail when the caller holds it already (intake's answer
    holds what it just wrote), so that it is not read again."""
    if case.id is None:
        return []
    chain = f"case:{case.id}"
    if events is None:
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.chain == chain, AuditEvent.action.in_(actions))
            .order_by(AuditEvent.seq)).all()
    else:
        rows = [(e.action, e.data) for e in sorted(events, key=lambda e: e.seq)
                if e.chain == chain and e.action in actions]
    return [(action, json.loads(data or "{}")) for action, data in rows]


def trail_day(data: dict) -> date | None:
    """The date a trail event's decision was entered for ("on"), if it has one."""
    on = data.get("on")
    return date.fromisoformat(on[:10]) if on else None


def lock_case(case_id: int) -> None:
    """Take the write lock on the case before reading its chain head.

    Two requests appending to one case's chain at once (an audited identity view beside
    an accept, say) would otherwise both read seq N and both write N+1; the unique
    (chain, seq) stops the fork but fails the request. A no-op UPDATE row-locks the case on
    PostgreSQL and takes SQLite's write lock, so the second writer waits and then reads
    the head the first one committed.
    """
    db.session.execute(text("UPDATE cases SET id = id WHERE id = :id"), {"id": case_id})


def lock_chain(chain: str) -> None:
    """Take a chain's write lock before reading its head, for chains of no case (a
    petitioner's, a user's, an agency's, the calendar's…). Two requests appending at once
    (two admins opening one person's record, two token requests of one account) both read
    seq N and the second failed on the unique (chain, seq): a 500 that lost its audited act
    (QA round 72). PostgreSQL: a transaction advisory lock on the chain's name, released at
    commit; SQLite: a write statement that changes nothing takes the one write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"audit-chain:{chain}".encode(), digest_size=8)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": int.from_bytes(digest.digest(), "big", signed=True)})
    else:
        db.session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


# The head (seq, hash) of each case chain this transaction holds the lock of: once a case
# is locked (or was created in this transaction) no other writer can append to its chain
# until we commit, so later events of the same request need neither the lock nor the
# look-up again. Forgotten whenever a transaction (or savepoint) ends.
_HEADS = "audit_heads"


def _heads() -> dict[str, tuple[int, str]]:
    return db.session.info.setdefault(_HEADS, {})


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction) -> None:
    # A flush runs in a subtransaction of its own; only the real transaction or a savepoint
    # ending (committed or rolled back) can make a known head wrong.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HEADS, None)


def forget_heads() -> None:
    """Forget the known chain heads: call after writing audit rows without record()."""
    db.session.info.pop(_HEADS, None)


def begin_case_chain(case) -> None:
    """Note that a case created (and flushed) in this transaction has an empty chain."""
    _heads()[f"case:{case.id}"] = (0, GENESIS)


def record(chain: str, action: str, actor: User | None, now: datetime,
           data: dict | None = None, case_id: int | None = None,
           head: tuple[int, str] | None = None) -> AuditEvent:
    """Append an event to a chain; `head` (seq, hash) skips the look-up in bulk jobs."""
    row = prepare(action, actor, now, data).seal(chain, case_id, _head(chain, case_id, head))
    event = AuditEvent(**row)
    db.session.add(event)
    _note_head(chain, case_id, (event.seq, event.hash))
    return event


def record_now(chain: str, action: str, actor: User | None, now: datetime,
               data: dict | None = None, case_id: int | None = None) -> AuditEvent:
    """As `record`, but INSERTed at once (no unit of work); the event stays detached."""
    row = write_prepared(chain, case_id, [prepare(action, actor, now, data)])[0]
    return AuditEvent(**row)


@dataclass
class Prepared:
    """An event's content made before its chain is known: sealing it is then one hash.

    A short write transaction (intake) prepares its events first and seals them on the
    chain head only once it holds the write lock.
    """

    action: str
    actor_id: int | None
    label: str
    body: str
    created_at: datetime
    stamp: str

    def seal(self, chain: str, case_id: int | None, head: tuple[int, str]) -> dict:
        seq = head[0] + 1
        return {"chain": chain, "seq": seq, "case_id": case_id, "actor_id": self.actor_id,
                "actor_label": self.label, "action": self.action, "data": self.body,
                "created_at": self.created_at, "prev_hash": head[1],
                "hash": event_hash(head[1], chain, seq, self.label, self.action, self.body,
                                   self.stamp)}


def prepare(action: str, actor: User | None, now: datetime, data: dict | None) -> Prepared:
    return Prepared(action, actor.id if actor else None, actor_label(actor),
                    canonical_json(data or {}), now, stamp(now))


def write_prepared(chain: str, case_id: int | None, events: list[Prepared]) -> list[dict]:
    """Seal events onto a chain and INSERT them at once; return their rows (no ids)."""
    head = _head(chain, case_id, None)
    rows = []
    for event in events:
        rows.append(event.seal(chain, case_id, head))
        head = (rows[-1]["seq"], rows[-1]["hash"])
    db.session.connection().execute(_insert_events(), rows)
    _note_head(chain, case_id, head)
    return rows


@cache
def _insert_events():
    return insert(AuditEvent.__table__)


def _head(chain: str, case_id: int | None, head: tuple[int, str] | None) -> tuple[int, str]:
    heads = _heads()
    if head is not None:
        heads.pop(chain, None)  # the caller tracks this chain itself
        return head
    if case_id is not None and chain in heads:
        return heads[chain]
    if case_id is not None:
        lock_case(case_id)
    else:
        lock_chain(chain)
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def _note_head(chain: str, case_id: int | None, head: tuple[int, str]) -> None:
    """Remember a case chain's new head, written in this transaction (see _HEADS)."""
    if case_id is not None and chain == f"case:{case_id}":
        _heads()[chain] = head


def record_case(case, action: str, actor: User | None, now: datetime,
                data: dict | None = None) -> AuditEvent:
    """Append an event to a case's chain."""
    if case.id is None:
        db.session.flush()
    return record(f"case:{case.id}", action, actor, now, data, case_id=case.id)


@dataclass
class ChainBreak:
    chain: str
    seq: int
    event_id: int | None  # None: the chain has no event at all
    problem: str


def verify_chains(chain: str | None = None, batch: int = 5000) -> tuple[int, list[ChainBreak]]:
    """Check every chain (or one); return the events checked and the first break per chain."""
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)
    if chain:
        query = query.where(AuditEvent.chain == chain)
    breaks: dict[str, ChainBreak] = {}
    current, expected_seq, prev = None, 0, GENESIS
    checked = 0
    for event in db.session.execute(query.execution_options(yield_per=batch)).scalars():
        checked += 1
        if event.chain != current:
            current, expected_seq, prev = event.chain, 1, GENESIS
        if event.chain in breaks:
            continue
        problem = None
        if not _belongs(event):
            problem = "case or actor does not match the chain and label it was sealed with"
        elif event.seq != expected_seq:
            problem = f"sequence gap: expected {expected_seq}, found {event.seq}"
        elif event.prev_hash != prev:
            problem = "previous hash does not match"
        elif event.hash != event_hash(event.prev_hash, event.chain, event.seq,
                                      event.actor_label, event.action, event.data,
                                      event.created_at):
            problem = "content does not match its hash"
        if problem:
            breaks[event.chain] = ChainBreak(event.chain, event.seq, event.id, problem)
        expected_seq, prev = event.seq + 1, event.hash
    if chain is None:
        # Every case opens its chain as it is received: a case with none lost it whole
        # (a TRUNCATE or a DELETE with the guard lifted, QA round 32).
        from complaints.models import Case

        bare = select(Case.id).where(~select(AuditEvent.id).where(
            AuditEvent.case_id == Case.id).exists()).order_by(Case.id)
        for case_id in db.session.scalars(bare):
            breaks[f"case:{case_id}"] = ChainBreak(f"case:{case_id}", 0, None,
                                                   "the case has no audit trail")
    return checked, list(breaks.values())


def _belongs(event: AuditEvent) -> bool:
    """The columns outside the hash agree with those inside it: a case's event names its
    case as its chain does, and its actor as its label does ("name#id"; an actor since
    removed leaves the id empty). Moving an event to another case, or to another person,
    is tampering the hash alone would miss (QA round 32)."""
    kind, _, key = event.chain.partition(":")
    if event.case_id != (int(key) if kind == "case" and key.isdigit() else None):
        return False
    if event.actor_id is None:
        return True
    return event.actor_label.rpartition("#")[2] == str(event.actor_id)


def chain_count() -> int:
    return db.session.scalar(select(func.count(func.distinct(AuditEvent.chain)))) or 0
