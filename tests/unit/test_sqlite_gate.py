"""The SQLite write gate: writers queue at a file lock and go in as soon as it is free."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

import pytest

from complaints import sqlite_gate
from complaints.sqlite_gate import GatedConnection, gate_path


def connect(path) -> GatedConnection:
    conn = sqlite3.connect(str(path), factory=GatedConnection, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "g.db"
    conn = connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    conn.close()
    return path


def gate_is_free(path) -> bool:
    fd = os.open(gate_path(str(path)), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_write_takes_the_gate_until_commit_or_rollback(database):
    conn = connect(database)
    conn.execute("SELECT count(*) FROM t").fetchone()
    assert gate_is_free(database)  # reading does not take it
    conn.execute("INSERT INTO t VALUES (1)")
    assert not gate_is_free(database)
    conn.commit()
    assert gate_is_free(database)
    conn.execute("UPDATE t SET x = 2")
    assert not gate_is_free(database)
    conn.rollback()
    assert gate_is_free(database)
    conn.execute("DELETE FROM t")
    conn.close()  # a connection closed mid-transaction lets it go too
    assert gate_is_free(database)


def test_a_second_writer_waits_for_the_first_commit_then_writes(database):
    first, second = connect(database), connect(database)
    first.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()
    order = []

    def write():
        second.execute("INSERT INTO t VALUES (2)")  # waits at the gate, not in SQLite
        order.append("second wrote")
        second.commit()
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.05)
    assert not done.is_set()
    order.append("first commits")
    first.commit()
    thread.join(5)
    assert done.is_set()
    assert order == ["first commits", "second wrote"]
    assert [r[0] for r in first.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
    first.close()
    second.close()


def test_a_nested_writer_of_the_same_thread_does_not_wait_for_the_gate(database):
    outer, inner = connect(database), connect(database)
    outer.execute("INSERT INTO t VALUES (1)")
    started = time.monotonic()
    inner.enter_gate()  # waiting would never end: the outer connection is this thread's
    assert time.monotonic() - started < 0.5
    assert not inner._gate_held
    outer.rollback()
    inner.close()
    outer.close()


def test_a_writer_that_cannot_get_the_gate_goes_on_after_the_busy_timeout(database,
                                                                          monkeypatch):
    monkeypatch.setattr(sqlite_gate, "BUSY_TIMEOUT_MS", 100)
    holder = os.open(gate_path(str(database)), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a stuck holder that is not writing to SQLite
    try:
        conn = connect(database)
        started = time.monotonic()
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
        assert 0.1 <= time.monotonic() - started < 2
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        conn.close()
    finally:
        os.close(holder)


def test_in_memory_databases_have_no_gate():
    assert gate_path(":memory:") is None
    assert gate_path("") is None
    conn = sqlite3.connect(":memory:", factory=GatedConnection)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()


def test_the_app_gates_its_writers_on_a_sqlite_file(app):
    from complaints.extensions import db
    from tests.conftest import IS_POSTGRES

    if IS_POSTGRES:
        pytest.skip("a SQLite file only")
    raw = db.engine.raw_connection()
    try:
        assert isinstance(raw.driver_connection, GatedConnection)
    finally:
        raw.close()


def test_an_unusable_gate_file_leaves_writing_as_before(database, caplog):
    os.remove(gate_path(str(database)))
    os.mkdir(gate_path(str(database)))  # a directory where the gate file should be
    # Alembic's fileConfig (migration tests) disables loggers that exist when it runs.
    disabled, sqlite_gate.logger.disabled = sqlite_gate.logger.disabled, False
    sqlite_gate.logger.addHandler(caplog.handler)
    try:
        conn = connect(database)
        conn.execute("INSERT INTO t VALUES (1)")
        conn.commit()
    finally:
        sqlite_gate.logger.removeHandler(caplog.handler)
        sqlite_gate.logger.disabled = disabled
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert conn._gate_path is None
    assert "writing without it" in caplog.text
    conn.close()


HOLDER = """
import sqlite3, sys, time
from complaints.sqlite_gate import GatedConnection
conn = sqlite3.connect(sys.argv[1], factory=GatedConnection)
conn.execute("INSERT INTO t VALUES (1)")
print("holding", flush=True)
time.sleep(0.5)
conn.commit()
"""


def test_another_process_waits_at_the_gate_then_writes(database):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(database)],  # noqa: S603
                              cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert not gate_is_free(database)  # flock excludes across processes
        conn = connect(database)
        started = time.monotonic()
        conn.execute("INSERT INTO t VALUES (2)")  # waits for the other process's commit
        waited = time.monotonic() - started
        conn.commit()
        assert 0.2 < waited < 5
        assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
        conn.close()
    finally:
        holder.wait(10)
        holder.stdout.close()


def test_a_gate_released_from_another_thread_is_counted_off_its_taker(database):
    conn = connect(database)
    conn.execute("INSERT INTO t VALUES (1)")  # taken by this thread
    other = threading.Thread(target=conn.commit)  # committed by another
    other.start()
    other.join(5)
    assert gate_is_free(database)
    assert not sqlite_gate._holders  # this thread is not left counted as a holder
    second = connect(database)
    second.execute("INSERT INTO t VALUES (2)")
    assert second._gate_held  # so its next writer still queues at the gate
    second.commit()
    conn.close()
    second.close()
