"""Benchmark of the yearly reports for the whole province: `python bench/report.py --cases N`.

Builds (in a child process, with bench/queries.py's own builder: the demo bulk generator)
a SQLite database of N synthetic cases, then times in this process, once each, as an
inspector over the province's root agency for the reporting year (15/12 – 14/12):

  - the yearly official report: the official forms (report_jobs.OFFICIAL_FORMS) built
    and written as one workbook, exactly as the background job "official" does;
  - the combined workbook (cases, escalations, scorecards), through the job mechanism
    (enqueue → claim → run with progress commits), written with openpyxl write-only.

Peak memory is this process's maximum resident set size (the build runs in a child and is
not counted). The last line reads:
  report cases=N seconds=S workbook_seconds=W peak_mb=M
"""

from __future__ import annotations

import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queries  # noqa: E402  (bench/queries.py: the database builder and app factory)
from queries import NOW, TODAY, _app  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _inspector():
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import User

    user = db.session.scalar(select(User).where(User.username == "bench-reports"))
    if user is None:
        user = User(username="bench-reports", role="inspector", full_name="Bench reports")
        user.set_password("bench-reports-password")
        db.session.add(user)
        db.session.commit()
    return user


def measure(path: Path, cases: int, out: Path) -> str:
    from sqlalchemy import select

    from complaints.domain.reports import cumulative_period
    from complaints.extensions import db
    from complaints.models import Agency, ReportJob
    from complaints.services import report_jobs, workbook
    from complaints.services import reports as official

    app = _app(path)
    with app.app_context():
        db.create_all()  # the report_jobs table, on a database built before it existed
        db.session.execute(db.text("PRAGMA cache_size=-131072"))
        user = _inspector()
        year = cumulative_period(TODAY.year, "year")
        root = db.session.scalar(select(Agency).where(Agency.parent_id.is_(None),
                                                      Agency.is_inspectorate.is_(False))
                                 .order_by(Agency.id))
        print(f"root {root.code} ({root.name}); period {year.start:%d/%m/%Y} – "
              f"{year.end:%d/%m/%Y}; before: peak {_peak_mb():.0f} MB")

        started = time.perf_counter()
        built = [official.build_report(code, root.code, year)
                 for code in report_jobs.OFFICIAL_FORMS]
        official.write_forms_file(built, out / "official.xlsx")
        seconds = time.perf_counter() - started
        units = len(built[0].units)
        print(f"official: 4 forms × {units} units in {seconds:.1f} s "
              f"({(out / 'official.xlsx').stat().st_size / 1e3:.0f} kB); "
              f"peak {_peak_mb():.0f} MB")
        db.session.rollback()

        stages = []
        job = report_jobs.enqueue(user, "workbook", root.code, year, NOW)
        db.session.commit()
        started = time.perf_counter()
        claimed = report_jobs.claim_next(NOW, db.session.commit)

        def commit():
            db.session.commit()
            stages.append(time.perf_counter() - started)

        done = report_jobs.run(claimed, lambda: NOW, TODAY, out, commit)
        workbook_seconds = time.perf_counter() - started
        if done.status != "done":
            raise SystemExit(f"workbook job failed: {done.error}")
        in_year = workbook.count_cases(user, root.code, year)
        print(f"workbook: {workbook_seconds:.1f} s for {in_year} cases of the year, "
              f"{len(stages)} progress commits, {done.size / 1e6:.1f} MB; "
              f"peak {_peak_mb():.0f} MB")
        db.session.delete(db.session.get(ReportJob, job.id))
        db.session.commit()
    return (f"report cases={cases} seconds={seconds:.1f} "
            f"workbook_seconds={workbook_seconds:.1f} peak_mb={_peak_mb():.0f}")


def main() -> None:
    args = queries.bench_args(__doc__.splitlines()[0])
    logging.basicConfig(level=logging.WARNING)

    def run(path: Path) -> str:
        with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
            return measure(path, args.cases, Path(out))

    queries.on_database(args, "report", run)


if __name__ == "__main__":
    main()
