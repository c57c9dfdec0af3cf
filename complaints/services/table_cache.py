"""Per-process copies of small rule tables, rebuilt when the tables change.

Several app processes share one database, so a process cannot rely on being told of a
change: every RECHECK_SECONDS it compares a cheap fingerprint of the tables (counts, max
ids, sums) and rebuilds its copy when the fingerprint moved. The process that made the
change calls clear() to see it at once. One copy per database URL, so tests and tools that
open several databases never mix them up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from complaints.extensions import db

T = TypeVar("T")
RECHECK_SECONDS = 30.0
_ALL: list[TableCache] = []


class TableCache(Generic[T]):
    def __init__(self, fingerprint: Callable[[], tuple], load: Callable[[], T]) -> None:
        self._fingerprint = fingerprint
        self._load = load
        self._entries: dict[str, tuple[tuple, float, T]] = {}
        _ALL.append(self)

    def get(self, now: float | None = None) -> T:
        """The copy, re-checked against the fingerprint once RECHECK_SECONDS have passed
        (`now`: a monotonic time, for tests)."""
        key = db.engine.url.render_as_string()
        moment = time.monotonic() if now is None else now
        entry = self._entries.get(key)
        if entry is not None and moment - entry[1] < RECHECK_SECONDS:
            return entry[2]
        with db.session.no_autoflush:  # reading the rule tables needs no pending row
            fingerprint = self._fingerprint()
            value = entry[2] if entry is not None and entry[0] == fingerprint else self._load()
        self._entries[key] = (fingerprint, moment, value)
        return value

    def clear(self) -> None:
        """Forget the copies (after a change made by this process)."""
        self._entries.clear()


def recheck_all() -> None:
    """Make every cache compare its fingerprint at its next read, whenever it last did: for
    the sweep, which must not judge a whole run of cases on a calendar or ladder an admin
    changed in another process seconds ago (QA round 90). The copy is kept when the
    tables did not change: a fingerprint read each, not a reload."""
    for cache in _ALL:
        cache._entries = {key: (fingerprint, float("-inf"), value)
                          for key, (fingerprint, _moment, value) in cache._entries.items()}
