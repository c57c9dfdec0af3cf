"""Benchmark of an administrator's calendar or policy change on SQLite:
`python bench/recompute.py --cases 100000`.

Builds N synthetic cases as bench/sweep.py does (in a child process), then times, each in
a transaction rolled back afterwards so that every change meets the same data:

  (a) adding an extra day off on the first weekday five days ahead or later (admin
      service: the deadlines running across that day are recomputed, then every waiting
      case's next attention date in bulk);
  (b) adding a version of the resolution policy for first complaints from 2 July 2026, i.e.
      after the fact, as for the amended laws (every complaint whose resolution started
      since is read through the ORM and recomputed);
  (c) baseline: recomputing every open case's deadlines through the ORM, what (a) and (b)
      did before session 7.

The last line reads:
  recompute cases=N open=O calendar_seconds=A policy_seconds=B full_seconds=C ratio=C/A
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sweep  # noqa: E402  (bench/sweep.py: the same synthetic province)

POLICY_FROM = date(2026, 7, 2)


def measure(path: Path, cases: int, skip_full: bool) -> str:
    from sqlalchemy import func, select, text

    from complaints.domain import states
    from complaints.extensions import db
    from complaints.models import Case, User
    from complaints.services import admin, calendar, deadlines

    app = sweep._app(path)
    with app.app_context():
        db.session.execute(text("PRAGMA cache_size=-131072"))
        open_cases = db.session.scalar(select(func.count()).select_from(Case).where(
            Case.status.in_(states.OPEN_STATUSES)))
        actor = db.session.scalar(select(User).where(User.role == "admin")) or db.session.scalar(
            select(User))

        day = sweep.AS_OF + timedelta(days=5)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        started = time.perf_counter()
        _row, moved_a = admin.add_calendar_override(day, "day_off", "bench", actor, sweep.NOW)
        calendar_seconds = time.perf_counter() - started
        db.session.rollback()
        calendar.invalidate()

        started = time.perf_counter()
        _row, moved_b = admin.add_policy_version(admin.PolicyData(
            stage="resolution", kind="complaint", round=1, variant="normal", days=28,
            unit="calendar", extension_days=0, max_extensions=0, effective_from=POLICY_FROM,
            source="bench"), actor, sweep.NOW)
        policy_seconds = time.perf_counter() - started
        db.session.rollback()
        deadlines.invalidate()

        full_seconds = float("nan")
        if not skip_full:
            started = time.perf_counter()
            deadlines.recompute_open(sweep.NOW, actor, reason="bench")
            full_seconds = time.perf_counter() - started
            db.session.rollback()

    print(f"open cases: {open_cases}")
    print(f"(a) day off:        {calendar_seconds:8.3f} s  ({moved_a} due dates moved)")
    print(f"(b) policy version: {policy_seconds:8.3f} s  ({moved_b} due dates moved)")
    print(f"(c) baseline:       {full_seconds:8.3f} s  (every open case through the ORM)")
    ratio = full_seconds / calendar_seconds if calendar_seconds else float("inf")
    return (f"recompute cases={cases} open={open_cases} calendar_seconds={calendar_seconds:.3f} "
            f"policy_seconds={policy_seconds:.3f} full_seconds={full_seconds:.3f} "
            f"ratio={ratio:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--db", type=Path, help="an existing bench/sweep.py database to use")
    parser.add_argument("--skip-full", action="store_true",
                        help="leave out the baseline (minutes at a million cases)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    path, built = args.db, False
    if path is None:
        path = Path(tempfile.gettempdir()) / f"bench-recompute-{args.cases}-{os.getpid()}.db"
        subprocess.run([sys.executable, str(ROOT / "bench" / "sweep.py"), "--build-only",  # noqa: S603
                        "--cases", str(args.cases), "--db", str(path)], check=True)
        built = True
    try:
        line = measure(path, args.cases, args.skip_full)
    finally:
        if built:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(line)


if __name__ == "__main__":
    main()
