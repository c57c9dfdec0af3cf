"""Profile intake (POST /api/v1/cases) in-process with Flask's test client.

    python bench/profile_intake.py [--requests 200] [--database sqlite|URL] [--html out.html]

Prepares a temporary instance exactly as bench/load.py does (migrated SQLite file in a
temp directory, or an empty scratch PostgreSQL database; the demo province), signs in the
reception user through the API, sends a few warm-up requests, then times N intakes and
prints the mean and p50/p95 per request, the same for a look-up, and a profile of the
intakes (pyinstrument when installed, else cProfile). No server and no network.
`--no-profile` times them without a profiler (which slows them) and prints how long each
intake's transaction held its writes (first INSERT/UPDATE/DELETE to COMMIT).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (bench/load.py: the same preparation and request bodies)


def _times(samples: list[float]) -> str:
    s = sorted(samples)
    return (f"mean={sum(s) / len(s) * 1000:.2f} ms p50={s[len(s) // 2] * 1000:.2f} ms "
            f"p95={s[int(len(s) * 0.95) - 1] * 1000:.2f} ms")


def _write_spans(app) -> list[float]:
    """Collect, per transaction, the seconds from its first write to its commit: how long
    SQLite's single write lock (or PostgreSQL's row locks) is held."""
    from sqlalchemy import event

    from complaints.extensions import db

    with app.app_context():
        engine = db.engine
    spans: list[float] = []
    first: dict[str, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _write(conn, cursor, statement, *args):
        if "t" not in first and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE",
                                                                   "DELETE"):
            first["t"] = time.perf_counter()

    @event.listens_for(engine, "commit")
    def _commit(conn):
        if "t" in first:
            spans.append(time.perf_counter() - first.pop("t"))

    return spans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--no-profile", action="store_true",
                        help="time the intakes without a profiler (a profiler slows them), "
                             "and report the time from each one's first write to its commit")
    parser.add_argument("--same-matter", type=float, default=0.1, metavar="SHARE",
                        help="as bench/load.py: share of intakes about one shared matter")
    args = parser.parse_args(argv)
    if not 0 <= args.same_matter <= 1:
        parser.error("--same-matter: a share from 0 to 1")
    if not 0 < args.requests <= 5000:
        parser.error("--requests: 1 to 5000")

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        tmpdir = Path(tmp)
        instance = tmpdir / "instance"
        instance.mkdir()
        url = (f"sqlite:///{tmpdir / 'load.db'}" if args.database == "sqlite"
               else args.database)
        env = load.environment(url, instance)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY",
                                               "REQUIRE_2FA_ROLES", "UPLOAD_DIR",
                                               "LOGIN_LIMIT_PER_ADDRESS")})
        load.migrate(env)
        load.build_province(env)

        from complaints.services.demo import DEMO_PASSWORD

        app = load._app(env)
        client = app.test_client()
        answer = client.post("/api/v1/tokens", json={"username": load.RECEPTION_USER,
                                                       "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
        answer = client.get("/api/v1/localities?province=31&level=ward&per_page=50",
                            headers=headers)
        if answer.status_code != 200 or not answer.get_json()["items"]:
            answer = client.get("/api/v1/localities?per_page=50", headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"localities: {answer.status_code} {answer.get_data()[:300]!r}")
        localities = [item["code"] for item in answer.get_json()["items"]]
        rng = random.Random(7)  # noqa: S311  # nosec B311
        serial = 0

        def intake() -> str:
            nonlocal serial
            serial += 1
            body = load.case_body(rng, localities, serial, args.same_matter)
            answer = client.post("/api/v1/cases", json=body, headers=headers)
            if answer.status_code != 201:
                raise RuntimeError(f"intake: {answer.status_code} {answer.get_data()[:300]!r}")
            return answer.get_json()["tracking_code"]

        codes = [intake() for _ in range(20)]  # warm-up: imports, caches, pools
        samples = []
        held: list[float] = []
        profiler = None
        if args.no_profile:
            held = _write_spans(app)
        else:
            try:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            except ImportError:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
        for _ in range(args.requests):
            start = time.perf_counter()
            codes.append(intake())
            samples.append(time.perf_counter() - start)
        if held:
            print(f"writes held (first INSERT/UPDATE/DELETE to COMMIT): {len(held)} "
                  f"transactions, {_times(held)}")
        elif hasattr(profiler, "output_text"):
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            if args.html:
                Path(args.html).write_text(profiler.output_html())
        elif profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        lookups = []
        for code in codes[-min(len(codes), 200):]:
            start = time.perf_counter()
            client.get(f"/api/v1/cases/{code}", headers=headers)
            lookups.append(time.perf_counter() - start)
        print(f"intake in-process: {args.requests} requests, {_times(samples)}")
        print(f"look-up in-process: {len(lookups)} requests, {_times(lookups)}")
        with app.app_context():
            from complaints.extensions import db

            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
