"""Seals over the whole audit trail: what the per-chain hashes cannot show.

A chain's hashes catch an event changed or removed in its middle, but not the last events
of a chain cut off, nor a whole chain deleted: what is left still links up. A seal is an
event of its own chain ("seal") that records, for the events with ids in (from_id, upto_id],
how many there are and a SHA-256 over their ids and hashes in id order. Verifying recomputes
every seal, so any event removed, added or changed in a sealed range shows, with its range.

Seals are written daily by the scheduler (and by `flask audit seal`), over events older than
SEAL_MARGIN: a transaction still open when the seal reads could otherwise commit an event
inside the range afterwards. Someone able to rewrite the database could rewrite the seals
too; the seal hashes each run prints and logs are meant to be kept outside it
(docs/deploy.md), and a seal whose hash matches such a copy proves everything before it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import audit

logger = logging.getLogger(__name__)

CHAIN = "seal"
SEAL_MARGIN = timedelta(hours=1)


@dataclass
class Seal:
    seq: int
    from_id: int
    upto_id: int
    events: int
    digest: str
    hash: str  # the seal event's own hash: the value to keep outside the database
    sealed_at: datetime | None = None  # aware (UTC)

    def line(self) -> str:
        return (f"seal {self.seq}: events ({self.from_id}, {self.upto_id}] "
                f"count={self.events} digest={self.digest} hash={self.hash}")


@dataclass
class SealBreak:
    seq: int
    from_id: int
    upto_id: int
    problem: str


def _digest(from_id: int, upto_id: int, batch: int = 5000) -> tuple[int, str]:
    """Count and SHA-256 of the events with ids in (from_id, upto_id], in id order."""
    e = AuditEvent.__table__.c
    digest, count = hashlib.sha256(), 0
    rows = db.session.execute(
        select(e.id, e.hash).where(e.id > from_id, e.id <= upto_id).order_by(e.id)
        .execution_options(yield_per=batch))
    for event_id, event_hash in rows:
        digest.update(f"{event_id}:{event_hash}\n".encode())
        count += 1
    return count, digest.hexdigest()


def _seals() -> list[tuple[AuditEvent, dict]]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.chain == CHAIN)
                                .order_by(AuditEvent.seq))
    return [(event, json.loads(event.data)) for event in events]


def latest() -> Seal | None:
    """The newest seal, or None."""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.chain == CHAIN)
                              .order_by(AuditEvent.seq.desc()).limit(1))
    if event is None:
        return None
    data = json.loads(event.data)
    sealed_at = clock.as_utc(event.created_at)
    return Seal(event.seq, data["from_id"], data["upto_id"], data["events"], data["digest"],
                event.hash, sealed_at)


def seal(now: datetime, margin: timedelta = SEAL_MARGIN) -> Seal | None:
    """Seal the events older than `margin` that no seal covers yet; None if there are none.

    Two schedulers sealing at once: the unique (chain, seq) lets one win; the other's
    attempt is rolled back and it returns None.
    """
    last = latest()
    from_id = last.upto_id if last is not None else 0
    cutoff = now - margin
    upto_id = db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.id > from_id, AuditEvent.created_at <= cutoff, AuditEvent.chain != CHAIN))
    if upto_id is None:
        return None
    count, digest = _digest(from_id, upto_id)
    try:
        with db.session.begin_nested():
            # The head read with the range: a seal always follows the one it starts from,
            # so a racing sealer's insert collides on (chain, seq) instead of overlapping.
            head = (last.seq, last.hash) if last is not None else (0, audit.GENESIS)
            event = audit.record(CHAIN, "sealed", None, now, {
                "from_id": from_id, "upto_id": upto_id, "events": count, "digest": digest},
                head=head)
    except IntegrityError:
        logger.info("audit seal: another process sealed first")
        return None
    result = Seal(event.seq, from_id, upto_id, count, digest, event.hash, now)
    # WARNING, so that the default logging configuration keeps it: the log is one of the
    # places outside the database where seal hashes are kept.
    logger.warning("audit %s", result.line())
    return result


def verify_seals() -> tuple[int, list[SealBreak]]:
    """Recompute every seal; return how many were checked and those that no longer hold."""
    breaks: list[SealBreak] = []
    expected_from = 0
    seals = _seals()
    for event, data in seals:
        from_id, upto_id = data["from_id"], data["upto_id"]
        if from_id != expected_from:
            breaks.append(SealBreak(event.seq, from_id, upto_id,
                                    f"does not follow the previous seal (ends at "
                                    f"{expected_from})"))
        count, digest = _digest(from_id, upto_id)
        if count != data["events"] or digest != data["digest"]:
            breaks.append(SealBreak(
                event.seq, from_id, upto_id,
                f"events changed, removed or added: {count} found, {data['events']} sealed"))
        expected_from = upto_id
    return len(seals), breaks
