"""Benchmark of the escalation sweep on SQLite: `python bench/sweep.py --cases 1000000`.

Builds (in a child process, so that its memory does not count) a SQLite database of N
synthetic cases with the demo bulk generator (about 10% due for a new escalation), then
measures in this process:

  (c) baseline: one hand-written INSERT … SELECT writing one escalation row per due case
      (rolled back afterwards);
  (a) the sweep that escalates them, audit events, notifications and case updates included;
  (b) the same sweep again at once, with nothing new to do;
  (d) the recomputation of every waiting case's next attention date that the sweep runs
      after an administrator adds a rung version: once with the ladder unchanged (reads
      and computes only), once after a version that brings urging forward (writes).

The last line reads:
  sweep cases=N escalated=E seconds=A idle_seconds=B baseline_seconds=C ratio=A/C peak_mb=M
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)

BASELINE_SQL = """
INSERT INTO escalations (case_id, stage, started_on, level, reason, to_agency_id, agency_id,
                         as_of, created_at)
SELECT c.id, d.stage, d.start_on, 1, 'overdue', COALESCE(c.agency_id, c.reception_agency_id),
       CASE WHEN d.stage = 'handling' THEN c.reception_agency_id ELSE c.agency_id END,
       :as_of, :now
FROM cases c JOIN case_deadlines d ON d.case_id = c.id AND d.met_on IS NULL
WHERE c.next_attention_on <= :as_of
"""


def _app(path: Path):
    from complaints import create_app
    from config import Config

    url = f"sqlite:///{path}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SQLALCHEMY_ENGINE_OPTIONS": Config.SQLALCHEMY_ENGINE_OPTIONS})


def build(path: Path, cases: int) -> None:
    """Create the database with `cases` synthetic cases (demo bulk generator)."""
    import random

    from complaints.extensions import db
    from complaints.services import demo

    app = _app(path)
    with app.app_context():
        db.create_all()
        demo.prepare_reference_data(NOW)
        result = demo.load_bulk(cases, AS_OF, NOW, random.Random(42), progress=False)
        db.session.commit()
        print(f"built {result.cases} cases, {result.due} due", file=sys.stderr)


def measure(path: Path, cases: int) -> str:
    from sqlalchemy import func, select, text

    from complaints.extensions import db
    from complaints.models import Case, EscalationStep
    from complaints.services import deadlines
    from complaints.services.escalation import escalate_due, recompute_attention

    app = _app(path)
    with app.app_context():
        # A page cache sized for a million-case database (SQLite's default is 2 MB), the
        # same for the baseline and the sweep; PostgreSQL would use shared_buffers.
        db.session.execute(text("PRAGMA cache_size=-131072"))
        due = db.session.scalar(select(func.count()).select_from(Case)
                                .where(Case.next_attention_on <= AS_OF))
        started = time.perf_counter()
        db.session.execute(text(BASELINE_SQL), {"as_of": AS_OF, "now": NOW})
        baseline = time.perf_counter() - started
        db.session.rollback()

        started = time.perf_counter()
        summary = escalate_due(AS_OF, NOW, commit=db.session.commit)
        db.session.commit()
        seconds = time.perf_counter() - started

        started = time.perf_counter()
        idle = escalate_due(AS_OF, NOW, commit=db.session.commit)
        db.session.commit()
        idle_seconds = time.perf_counter() - started

        waiting = db.session.scalar(select(func.count()).select_from(Case)
                                    .where(Case.next_attention_on.is_not(None)))
        started = time.perf_counter()
        same = recompute_attention(NOW, commit=db.session.commit)
        same_seconds = time.perf_counter() - started
        # Urging after 3 working days overdue instead of 5, from the sweep's day on.
        db.session.add(EscalationStep(level=2, code="urged", offset_days=3, unit="working",
                                      effective_from=AS_OF, source="bench", created_at=NOW))
        db.session.commit()
        deadlines.invalidate()
        started = time.perf_counter()
        moved = recompute_attention(NOW, commit=db.session.commit)
        moved_seconds = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    escalated = summary.escalated
    print(f"due cases: {due}, examined: {summary.examined}, escalated: {escalated}, "
          f"notifications: {summary.notifications}")
    for (level, reason), count in sorted(summary.escalations.items()):
        print(f"  level {level} {reason}: {count}")
    print(f"(a) sweep:    {seconds:8.3f} s  ({escalated / seconds if seconds else 0:,.0f} "
          "escalations/s)")
    print(f"(b) idle:     {idle_seconds:8.3f} s  (examined {idle.examined}, "
          f"escalated {idle.escalated})")
    print(f"(c) baseline: {baseline:8.3f} s  (INSERT … SELECT)")
    print(f"(d) recompute:{same_seconds:8.3f} s  ({waiting} waiting cases, {same} changed); "
          f"after a rung version: {moved_seconds:.3f} s ({moved} changed)")
    print(f"peak memory:  {peak_mb:8.1f} MB (max RSS of the measuring process)")
    ratio = seconds / baseline if baseline else float("inf")
    return (f"sweep cases={cases} escalated={escalated} seconds={seconds:.3f} "
            f"idle_seconds={idle_seconds:.3f} baseline_seconds={baseline:.3f} "
            f"ratio={ratio:.2f} peak_mb={peak_mb:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="database file (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.build_only:
        build(args.db, args.cases)
        return
    path = args.db or Path(tempfile.gettempdir()) / f"bench-sweep-{args.cases}-{os.getpid()}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build-only", "--cases", str(args.cases),  # noqa: S603
                    "--db", str(path)], check=True)
    print(f"built in {time.perf_counter() - started:.1f} s: {path}")
    try:
        line = measure(path, args.cases)
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(line)


if __name__ == "__main__":
    main()
