"""How far an intake could go on this machine: a bare Flask write against a bare Flask hello.

    python bench/floor.py --seconds 20 --clients 8 --workers 3 [--rows 1]

bench/load.py compares the app's intake with a one-route "hello" app. This script measures
the floor under that comparison: a second bare Flask app whose POST parses the same JSON
body an intake sends and writes `--rows` rows to a SQLite file (WAL, synchronous=NORMAL,
one transaction, plain sqlite3: no ORM, no validation, no audit, no JSON answer beyond the
new id). Both run under the same gunicorn settings as in bench/load.py, with the same
client threads (bench/load.py's client code), one phase each. Whatever an intake does on
top — marshmallow, SQLAlchemy, deadlines, the audit chain, pattern checks, the case in the
answer — can only lower the rate below this floor.

The last line reads:
  floor seconds=T rows=K hello_rps=H write_rps=W ratio=Q
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (the same gunicorn start, client threads and statistics)

FLOOR_APP = '''import os
import sqlite3
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
DATABASE = os.environ["FLOOR_DATABASE"]
ROWS = int(os.environ["FLOOR_ROWS"])
local = threading.local()


def connection():
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = sqlite3.connect(DATABASE, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@app.get("/")
def hello():
    return "hello"


@app.post("/write")
def write():
    body = request.get_json()
    conn = connection()
    with conn:
        cursor = conn.execute("INSERT INTO petitions (subject, content) VALUES (?, ?)",
                              (body["subject"], body["content"]))
        for _ in range(ROWS - 1):
            conn.execute("INSERT INTO petitions (subject, content) VALUES (?, ?)",
                         (body["subject"], body["content"]))
    return jsonify({"id": cursor.lastrowid}), 201
'''


def write_client(index: int, port: int, until: float, stats: load.Stats,
                 localities: list[str]) -> None:
    rng = random.Random(index)  # noqa: S311  # nosec B311
    serial = index * 1_000_000
    while time.monotonic() < until:
        serial += 1
        load.timed(stats, "write", 201, port, "POST", "/write",
                   load.case_body(rng, localities, serial))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1,
                        help="rows written per request in one transaction (an intake "
                             "writes about six: case, petition, petitioner, signer, "
                             "deadline, audit event)")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= load.MAX_SECONDS and 0 < args.clients <= load.MAX_CLIENTS
            and 0 < args.workers <= load.MAX_WORKERS and 0 < args.rows <= 100):
        parser.error("bounds: seconds ≤ 600, clients ≤ 64, workers ≤ 16, rows 1–100")

    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        tmpdir = Path(tmp)
        database = tmpdir / "floor.db"
        conn = sqlite3.connect(database)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE petitions (id INTEGER PRIMARY KEY, subject TEXT, "
                     "content TEXT)")
        conn.commit()
        conn.close()
        (tmpdir / "floor_app.py").write_text(FLOOR_APP)
        env = dict(os.environ, FLOOR_DATABASE=str(database), FLOOR_ROWS=str(args.rows))
        server = None
        try:
            server, port = load.start_gunicorn("floor_app:app", args.workers, env, tmpdir,
                                               tmpdir / "floor.log")
            load.wait_ready(server, port, "/", tmpdir / "floor.log")
            localities = [f"{11311 + i}" for i in range(50)]
            write_stats, write_elapsed = load.run_phase(
                args.clients, args.seconds,
                lambda i, until, stats: write_client(i, port, until, stats, localities), server)
            hello_stats, hello_elapsed = load.run_phase(
                args.clients, args.seconds,
                lambda _i, until, stats: load.hello_client(port, until, stats), server)
        finally:
            load.stop(server)
        with sqlite3.connect(database) as check:
            written = check.execute("SELECT count(*) FROM petitions").fetchone()[0]

    load.describe(f"write ({args.rows} rows per request)", write_stats, write_elapsed)
    load.describe("hello (bare Flask)", hello_stats, hello_elapsed)
    write_rps = (write_stats.requests - write_stats.error_count) / write_elapsed
    hello_rps = hello_stats.requests / hello_elapsed
    errors = write_stats.error_count + hello_stats.error_count
    print(f"rows written {written}; errors {errors}")
    print(f"floor seconds={args.seconds:g} rows={args.rows} hello_rps={hello_rps:.1f} "
          f"write_rps={write_rps:.1f} ratio={write_rps / hello_rps if hello_rps else 0:.3f}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
