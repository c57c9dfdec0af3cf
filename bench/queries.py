"""Benchmark of the inspectors' queries on SQLite: `python bench/queries.py --cases 1000000`.

Builds (in a child process) a SQLite database of N synthetic cases with the demo bulk
generator (the full-text index is filled by its triggers as the rows go in), then times
in this process, each RUNS times after one warm-up run:

  - the overdue list's first page (25 rows, with its total), as an inspector sees it;
  - a scorecard for all agencies for a reporting year (15/12 – 14/12);
  - a full-text search for a common word, ranked, first 50.

It prints p50/p95 per query and the query plans (EXPLAIN QUERY PLAN); the last line reads:
  queries cases=N overdue_p95_ms=X scorecard_p95_ms=Y search_p95_ms=Z
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
RUNS = 20
# Indexes added with the scorecard summary, created on a kept database by `upgrade`.
SCORECARD_INDEXES = ("ix_case_deadlines_met_on", "ix_routings_decided_on",
                     "ix_escalations_as_of", "ix_citizen_feedback_created_at",
                     "ix_cases_running_due", "ix_cases_holders")
WORD = "dat"  # "đất": land, the commonest topic of the demo petitions


def _app(path: Path):
    from complaints import create_app
    from config import Config

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
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
        result = demo.load_bulk(cases, TODAY, NOW, random.Random(42), progress=False)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"built {result.cases} cases", file=sys.stderr)


def upgrade(path: Path) -> None:
    """Bring a kept database (--reuse) up to the current models: new tables and indexes,
    and the scorecard summary if it was never built."""
    import sqlalchemy
    from sqlalchemy import func, select

    from complaints.extensions import db
    from complaints.models import ScorecardBuiltDay
    from complaints.services import scorecard_summary

    app = _app(path)
    with app.app_context():
        db.create_all()  # new tables
        existing = sqlalchemy.inspect(db.engine)
        for table in db.metadata.sorted_tables:  # new columns, nullable (bench only)
            have = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(db.engine.dialect)
                    db.session.execute(db.text(
                        f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
                    if (table.name, column.name) == ("cases", "running_due_on"):
                        from complaints.services import running_due

                        running_due.refresh_all(db.session.connection())
        db.session.commit()
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                if index.name in SCORECARD_INDEXES:
                    index.create(db.engine, checkfirst=True)
        if not db.session.scalar(select(func.count()).select_from(ScorecardBuiltDay)):
            started = time.perf_counter()
            result = scorecard_summary.rebuild(TODAY)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            print(f"scorecard summary rebuilt: {result.days} days, {result.rows} rows in "
                  f"{time.perf_counter() - started:.1f} s")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _time(fn) -> tuple[float, float]:
    fn()  # warm-up: the page cache and the calendar
    samples = []
    for _run in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _plan(statement) -> str:
    from complaints.extensions import db

    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(f"    {row[-1]}" for row in rows)


def _summary_sum(start: date, end: date):
    from sqlalchemy import func, select

    from complaints.models import ScorecardDay

    return (select(ScorecardDay.agency_id, func.sum(ScorecardDay.accepted))
            .where(ScorecardDay.day.between(start, end)).group_by(ScorecardDay.agency_id))


def measure(path: Path, cases: int) -> str:
    from complaints.domain.reports import cumulative_period
    from complaints.extensions import db
    from complaints.models import User
    from complaints.services import inspection, scorecard, search

    app = _app(path)
    with app.app_context():
        db.session.execute(db.text("PRAGMA cache_size=-131072"))
        reader = User(id=0, role="inspector", username="bench", full_name="bench")
        year = cumulative_period(TODAY.year, "year")
        f = inspection.CaseFilter()

        def overdue():
            return inspection.overdue_page(reader, f, TODAY)

        def cards():
            return scorecard.scorecards(reader, year.start, year.end, TODAY)

        def found():
            return search.search_cases(reader, WORD, limit=50)

        results = {}
        for name, fn in (("overdue", overdue), ("scorecard", cards), ("search", found)):
            results[name] = _time(fn)
            db.session.rollback()
        page, top = overdue(), found()
        print(f"overdue total {page.total}, first page {len(page.rows)} rows; "
              f"search '{WORD}': {len(top)} of the first 50; "
              f"scorecard agencies: {len(cards())}")
        for name, (p50, p95) in results.items():
            print(f"{name:10s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
        query = inspection.overdue_query(reader, f, TODAY).limit(25)
        print("plan, overdue first page:\n" + _plan(query))
        print("plan, overdue total:\n" + _plan(inspection.overdue_query(reader, f, TODAY)
                                               .order_by(None).with_only_columns(
                                                   db.func.count())))
        print("plan, search:\n" + _plan(search.search_query(reader, WORD, limit=50)))
        print("plan, scorecard summary:\n" + _plan(_summary_sum(year.start, year.end)))
    return (f"queries cases={cases} overdue_p95_ms={results['overdue'][1]:.1f} "
            f"scorecard_p95_ms={results['scorecard'][1]:.1f} "
            f"search_p95_ms={results['search'][1]:.1f}")


def bench_args(description: str) -> argparse.Namespace:
    """The options every script on this builder takes: --cases, --db, --keep, --reuse."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="database file (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def on_database(args: argparse.Namespace, name: str, measure: Callable[[Path], str],
                on_reuse: Callable[[Path], None] | None = None) -> None:
    """Build the database of args.cases cases in a child process (or reuse --db), run
    `measure` on it, remove it unless kept, and print the line `measure` returns last."""
    path = args.db or Path(tempfile.gettempdir()) / f"bench-{name}-{args.cases}-{os.getpid()}.db"
    if not (args.reuse and path.exists()):
        _remove(path)
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build-only",  # noqa: S603
                        "--cases", str(args.cases), "--db", str(path)], check=True)
        print(f"built in {time.perf_counter() - started:.1f} s: {path}")
    elif on_reuse is not None:
        on_reuse(path)
    try:
        line = measure(path)
    finally:
        if not args.keep and not args.reuse:
            _remove(path)
    print(line)


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    logging.basicConfig(level=logging.WARNING)
    if args.build_only:
        build(args.db, args.cases)
        return
    on_database(args, "queries", lambda path: measure(path, args.cases), on_reuse=upgrade)


if __name__ == "__main__":
    main()
