"""One writer at a time on a SQLite file, let in as soon as the previous one finishes.

SQLite takes one write transaction at a time. A writer that finds the write lock taken sleeps
in SQLite's busy handler in growing steps (1, 2, 5, 10, 15, 20, 25 … ms) before it tries
again, so with several gunicorn workers the lock sits free while the next writer sleeps and
unlucky writers wait far longer than the lock is held (bench/README.md, session 4: with the
gate the intake p99 under load fell from 215–268 ms to 80–86 ms). The gate is an advisory file lock
(`flock`) on a file beside the database, taken by a connection just before its first write
statement and released right after its commit, rollback or close; a waiting writer polls
it every 0.1 ms, then every 0.5 ms once it has waited 5 ms. Every connection opens its own
descriptor, so the gate excludes threads of one process as well as processes.

SQLite's own locking stays underneath: a writer without the gate (the sqlite3 shell, a
second connection opened by a thread that already holds the gate) meets the busy timeout as
before, and a writer that cannot get the gate within the busy timeout goes on without it
and gets SQLite's usual "database is locked" if the database is still busy.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time

logger = logging.getLogger(__name__)

# A write transaction holds the gate for about a millisecond, so a waiter polls finely at
# first (a coarse poll leaves the gate idle while the next writer sleeps) and coarsely once
# it has waited long enough that the holder must be doing something slow.
POLL_SECONDS = 0.0001
POLL_SLOW_SECONDS = 0.0005
POLL_SLOW_AFTER = 0.005
BUSY_TIMEOUT_MS = 10_000  # also SQLite's busy timeout (complaints/__init__.py)
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# Gates held per thread id (a nested writer of that thread skips the gate). Counted by the
# thread that took it, even if another thread commits the connection.
_holders: dict[int, int] = {}
_holders_lock = threading.Lock()


def gate_path(database: str) -> str | None:
    """The gate file of a SQLite database path; None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + "-gate"


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class GatedCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        if _is_write(sql):
            self.connection.enter_gate()
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        if _is_write(sql):
            self.connection.enter_gate()
        return super().executemany(sql, seq_of_parameters)


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that passes the write gate before it writes."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._gate_path = gate_path(os.fspath(database))
        self._gate_fd: int | None = None
        self._gate_held = 0  # the id of the thread that took the gate, 0 when not held
        self._ungated = False  # wrote without the gate in this transaction

    def cursor(self, factory=GatedCursor):
        return super().cursor(factory)

    # The shortcuts make their cursor in C, past cursor() above.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def enter_gate(self) -> None:
        if self._gate_held or self._ungated or self._gate_path is None:
            return  # already ours, in memory, or this transaction already writes without it
        if _holders.get(threading.get_ident()):
            # This thread's other connection holds the gate and waits for this one to finish:
            # waiting here would never end. SQLite's lock still keeps the two apart.
            self._ungated = True
            return
        if self._gate_fd is None:
            try:
                self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT, 0o660)
            except OSError as exc:  # e.g. another account made it: write as before, ungated
                logger.warning("SQLite write gate %s unusable (%s): writing without it",
                               self._gate_path, exc)
                self._gate_path = None
                return
        start = time.monotonic()
        deadline = start + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                moment = time.monotonic()
                if moment >= deadline:
                    self._ungated = True  # go on without it: SQLite's busy timeout decides
                    return
                time.sleep(POLL_SECONDS if moment - start < POLL_SLOW_AFTER
                           else POLL_SLOW_SECONDS)
        self._gate_held = threading.get_ident()
        with _holders_lock:
            _holders[self._gate_held] = _holders.get(self._gate_held, 0) + 1

    def leave_gate(self) -> None:
        self._ungated = False
        if not self._gate_held:
            return
        with _holders_lock:
            left = _holders.pop(self._gate_held, 1) - 1
            if left > 0:
                _holders[self._gate_held] = left
        self._gate_held = 0
        fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def commit(self):
        self._end(super().commit)

    def rollback(self):
        self._end(super().rollback)

    def _end(self, end) -> None:
        try:
            end()
        finally:
            if not self.in_transaction:
                self.leave_gate()

    def close(self):
        try:
            super().close()
        finally:
            self.leave_gate()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None
