"""Load test of the JSON API under gunicorn, against a bare Flask "hello" baseline.

    python bench/load.py --seconds 20 --clients 8 --workers 3 [--database sqlite|URL]
                         [--same-matter 0.1]

1. Prepares a temporary instance: a SQLite file (WAL) in a temp directory (or the given
   PostgreSQL URL, which should be an empty scratch database), migrated with
   `flask --app wsgi db upgrade`, then the demo province (`demo.build_province`: agencies,
   routing rules, a reception user, agency heads) built in-process.
2. Starts gunicorn (`-w W --threads 1`) on a free loopback port with that environment, and a
   bare Flask app with one route returning "hello" under the same settings on another port.
3. Three phases of T seconds each, with N client threads and the same client code:
   (a) the app with a mix of intake (POST /api/v1/cases), look-ups (GET
   /api/v1/cases/<code>), inbox views (GET /api/v1/cases?status=routed as the agency head)
   and actions (route then accept); (b) the app with intake only; (c) the hello app.
   Intake bodies: by default 90 % distinct matters spread over up to 50 wards, 10 % about one
   shared matter in one ward, which becomes a mass petition after five people
   (`--same-matter SHARE`; 1 sends every intake about that matter, as sessions 1-3 did).
4. Stops both servers, then checks that every case whose creation answered 201 (phases a
   and b) is in the database and that its audit chain verifies; `lost` counts those missing
   or broken.
5. A fourth phase, for reading the ratio: the app's cheapest authenticated request (GET
   /api/v1/fields: the bearer token checked, a dozen rows read and dumped) under the same
   clients. It shows what the app's framework and token cost before any work, against the
   same hello: an intake cannot run faster than that.

The last line reads:
  load seconds=T requests=N rps=R p99_ms=L errors=E lost=X intake_ratio=Q
where requests, rps and p99_ms are the mixed phase's, errors counts all four phases, and
intake_ratio = (201 answers per second of the intake-only phase) / (requests per second of
the hello phase): every client doing intake against every client doing hello.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAX_SECONDS, MAX_CLIENTS, MAX_WORKERS = 600, 64, 16
MAX_SAMPLES = 2_000_000  # latencies kept per phase (bounded memory)
REQUEST_TIMEOUT = 30.0
HOST = "127.0.0.1"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*: ")

# The demo province (complaints.services.demo): the reception board's user routes cases on
# field "other" to the city People's Committee, whose head accepts them.
RECEPTION_USER = "reception"
HEAD_USER = "head_ubnd"
TARGET_AGENCY = "UBND-HP"
FIELD = "other"

HELLO_APP = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
'''


# --- Preparation ---------------------------------------------------------------------------------

def environment(database_url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_DIR": str(instance / "attachments"),
        "SECRET_KEY": "bench-load-" + os.urandom(16).hex(),
        "REQUIRE_2FA_ROLES": "",
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "SCHEDULER_SWEEP_MINUTES": "100000",
        "PYTHONPATH": str(ROOT),
    })
    return env


def migrate(env: dict[str, str]) -> None:
    flask = ROOT / ".venv" / "bin" / "flask"
    command = [str(flask) if flask.exists() else "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=300,  # noqa: S603
                   stdout=subprocess.DEVNULL)


def _app(env: dict[str, str]):
    from complaints import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                       "SECRET_KEY": env["SECRET_KEY"], "REQUIRE_2FA_ROLES": ()})


def build_province(env: dict[str, str]) -> None:
    """Reference data (fields, policies, localities) and the demo province, in-process."""
    from datetime import datetime, timezone

    from complaints.extensions import db
    from complaints.services import demo

    app = _app(env)
    now = datetime.now(timezone.utc)
    with app.app_context():
        demo.prepare_reference_data(now)
        demo.build_province(now, random.Random(31))  # noqa: S311  # nosec B311
        db.session.commit()
        db.engine.dispose()


def verify(env: dict[str, str], codes: list[str]) -> int:
    """Return how many of these cases are missing or have a broken audit chain."""
    from sqlalchemy import select

    from complaints.extensions import db
    from complaints.models import Case
    from complaints.services.audit import verify_chains

    app = _app(env)
    lost = 0
    with app.app_context():
        ids = dict(db.session.execute(select(Case.tracking_code, Case.id)).all())
        for code in codes:
            case_id = ids.get(code)
            if case_id is None:
                lost += 1
                continue
            checked, breaks = verify_chains(chain=f"case:{case_id}")
            if checked == 0 or breaks:
                lost += 1
        db.engine.dispose()
    return lost


# --- Servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, workers: int, env: dict[str, str], cwd: Path,
                   log: Path) -> tuple[subprocess.Popen, int]:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    port = free_port()
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "-w", str(workers),
               "--threads", "1", "-b", f"{HOST}:{port}", "--timeout", "60", target]
    out = log.open("w")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,  # noqa: S603
                               stderr=subprocess.STDOUT, start_new_session=True)
    out.close()
    return process, port


def wait_ready(process: subprocess.Popen, port: int, path: str, log: Path,
               timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()}")
        try:
            status, _ = request(port, "GET", path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {timeout} s")


def stop(process: subprocess.Popen | None) -> None:
    """Stop gunicorn's whole process group: TERM, then KILL after 10 s."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def server_cpu_seconds(process: subprocess.Popen) -> float | None:
    """CPU seconds (user + system) used so far by a gunicorn master and its workers, read
    from /proc; None where there is no /proc. Workers are the master's direct children."""
    proc = Path("/proc")
    if not (proc / str(process.pid) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        # After the name: state, ppid, … utime and stime are fields 14 and 15 of stat(5).
        if entry.name == str(process.pid) or fields[1] == str(process.pid):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- Clients -------------------------------------------------------------------------------------

def request(port: int, method: str, path: str, body: dict | None = None,
            token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        headers = {"Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    created: list[str] = field(default_factory=list)
    samples: dict = field(default_factory=dict)  # first error body per kind:status
    per_kind: dict = field(default_factory=dict)  # kind -> latencies (bounded)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server_cpu: float | None = None  # CPU seconds of the server's processes in the phase
    client_cpu: float | None = None  # CPU seconds of the client threads' process

    def add(self, kind: str, seconds: float, status: int | None, expected: int,
            body: bytes = b"") -> None:
        with self.lock:
            if len(self.latencies) < MAX_SAMPLES:
                self.latencies.append(seconds)
                self.per_kind.setdefault(kind, []).append(seconds)
            self.by_kind[kind] += 1
            if status != expected:
                key = f"{kind}:{status or 'connection'}"
                self.errors[key] += 1
                self.samples.setdefault(key, body[:300].decode(errors="replace"))

    @property
    def requests(self) -> int:
        return sum(self.by_kind.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def timed(stats: Stats, kind: str, expected: int, port: int, method: str, path: str,
          body: dict | None = None, token: str | None = None) -> tuple[int | None, bytes]:
    start = time.perf_counter()
    try:
        status, data = request(port, method, path, body, token)
    except OSError:
        status, data = None, b""
    stats.add(kind, time.perf_counter() - start, status, expected, data)
    return status, data


def token_for(port: int, username: str, password: str) -> str:
    status, data = request(port, "POST", "/api/v1/tokens",
                           {"username": username, "password": password})
    if status != 201:
        raise RuntimeError(f"token for {username}: {status} {data[:200]!r}")
    return json.loads(data)["token"]


def pick_localities(port: int, token: str) -> list[str]:
    """Up to 50 wards of the demo province (any localities when it has no wards)."""
    status, data = request(port, "GET", "/api/v1/localities?province=31&level=ward&per_page=50",
                           token=token)
    if status != 200 or not json.loads(data)["items"]:
        status, data = request(port, "GET", "/api/v1/localities?per_page=50", token=token)
    items = json.loads(data)["items"] if status == 200 else []
    if not items:
        raise RuntimeError(f"no locality from the API: {status} {data[:200]!r}")
    return [item["code"] for item in items]


# Words of the distinct matters: random picks of six name matters that the mass-petition
# matcher (token-set similarity ≥ 80 in one ward and field) does not take for one another.
WORDS = ("lấn chiếm vỉa hè đường ngõ hẻm cống thoát nước ngập úng đèn chiếu sáng cây xanh "
         "tiếng ồn quán karaoke xưởng gỗ khói bụi rác thải bãi tập kết xe tải công trình "
         "xây dựng trái phép nứt tường nhà liền kề giấy chứng nhận quyền sử dụng đất ranh "
         "giới thửa bồi thường giải phóng mặt bằng tái định cư hộ nghèo trợ cấp học phí "
         "bảo hiểm y tế trạm xá chợ tạm lều quán nước sạch giếng khoan điện sinh hoạt "
         "trạm biến áp chăn nuôi lợn mùi hôi kênh mương đê bao cầu tạm bến đò trường mầm "
         "non sân chơi nhà văn hóa nghĩa trang đường điện cao thế cột viễn thông biển quảng "
         "cáo bãi đỗ xe lò gạch cát sỏi khai thác mỏ đá ao hồ san lấp").split()


def case_body(rng: random.Random, localities: list[str], serial: int,
              same_matter: float = 0.0) -> dict:
    """One intake. With probability `same_matter` the petition is about one shared matter in
    the first ward (a matter that becomes a mass petition once five people raise it); else
    a distinct matter in a random ward."""
    if rng.random() < same_matter:
        locality, subject = localities[0], f"Phản ánh thử tải số {serial}"
    else:
        locality = rng.choice(localities)
        subject = f"Đơn số {serial}: " + " ".join(rng.sample(WORDS, 6))
    return {
        "kind": rng.choice(["complaint", "feedback", "denunciation"]),
        "field": FIELD, "channel": "walk_in", "locality_code": locality,
        "subject": subject,
        "content": "Nội dung đơn dùng cho bài thử tải (bench/load.py). " * 4,
        # A denouncer gives a name and an address (Law on Denunciations Art. 23).
        "petitioners": [{"full_name": f"Nguyễn Văn Thử {serial}",
                         "phone": f"09{rng.randrange(10**8):08d}",
                         "address": f"Số {serial % 500 + 1} đường Lạch Tray"}],
    }


def app_client(index: int, port: int, until: float, stats: Stats, tokens: dict,
               localities: list[str], same_matter: float) -> None:
    """One client: intake 40%, look-up 25%, inbox 15%, route+accept 20% (own cases)."""
    rng = random.Random(index)  # noqa: S311  # nosec B311
    reception, head = tokens[RECEPTION_USER], tokens[HEAD_USER]
    mine: list[str] = []  # this client's cases still waiting at reception
    serial = index * 1_000_000
    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.40 or not mine:
            serial += 1
            status, data = timed(stats, "intake", 201, port, "POST", "/api/v1/cases",
                                 case_body(rng, localities, serial, same_matter), reception)
            if status == 201:
                code = json.loads(data)["tracking_code"]
                mine.append(code)
                with stats.lock:
                    stats.created.append(code)
        elif roll < 0.65:
            with stats.lock:
                recent = stats.created[-500:]
            code = rng.choice(recent or mine)
            timed(stats, "lookup", 200, port, "GET", f"/api/v1/cases/{code}", token=reception)
        elif roll < 0.80:
            timed(stats, "inbox", 200, port, "GET", "/api/v1/cases?status=routed", token=head)
        else:
            code = mine.pop()
            status, _ = timed(stats, "route", 200, port, "POST", f"/api/v1/cases/{code}/route",
                              {"agency_code": TARGET_AGENCY}, reception)
            if status == 200 and time.monotonic() < until:
                timed(stats, "accept", 200, port, "POST", f"/api/v1/cases/{code}/accept",
                      {}, head)


def intake_client(index: int, port: int, until: float, stats: Stats, tokens: dict,
                  localities: list[str], same_matter: float) -> None:
    """One client of the intake-only phase: POST /api/v1/cases back to back."""
    rng = random.Random(1000 + index)  # noqa: S311  # nosec B311
    serial = 500_000 + index * 1_000_000  # subjects numbered apart from the mixed phase
    while time.monotonic() < until:
        serial += 1
        status, data = timed(stats, "intake", 201, port, "POST", "/api/v1/cases",
                             case_body(rng, localities, serial, same_matter),
                             tokens[RECEPTION_USER])
        if status == 201:
            with stats.lock:
                stats.created.append(json.loads(data)["tracking_code"])


def reference_client(port: int, until: float, stats: Stats, token: str) -> None:
    """The app's cheapest authenticated request, back to back (phase d)."""
    while time.monotonic() < until:
        timed(stats, "fields", 200, port, "GET", "/api/v1/fields", token=token)


def hello_client(port: int, until: float, stats: Stats) -> None:
    while time.monotonic() < until:
        timed(stats, "hello", 200, port, "GET", "/")


def run_phase(clients: int, seconds: float, client,
              server: subprocess.Popen | None = None) -> tuple[Stats, float]:
    """N threads each running `client(index, until, stats)` for T seconds. With `server`,
    the CPU the server's processes and this (client) process spent meanwhile is kept in
    the stats: where a rate stops on a machine whose cores both sides share."""
    stats = Stats()
    server_before = server_cpu_seconds(server) if server is not None else None
    client_before = os.times()
    start = time.monotonic()
    until = start + seconds
    threads = [threading.Thread(target=client, args=(i, until, stats), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + REQUEST_TIMEOUT + 30)
    elapsed = time.monotonic() - start
    client_after = os.times()
    stats.client_cpu = (client_after.user + client_after.system
                        - client_before.user - client_before.system)
    if server_before is not None:
        server_after = server_cpu_seconds(server)
        if server_after is not None:
            stats.server_cpu = server_after - server_before
    return stats, elapsed


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def describe(name: str, stats: Stats, elapsed: float) -> None:
    lat = sorted(stats.latencies)
    print(f"{name}: {stats.requests} requests in {elapsed:.1f} s = "
          f"{stats.requests / elapsed:.1f} r/s; latency ms p50={percentile(lat, 50) * 1000:.1f} "
          f"p95={percentile(lat, 95) * 1000:.1f} p99={percentile(lat, 99) * 1000:.1f}; "
          f"errors={stats.error_count}")
    if stats.requests and stats.server_cpu is not None:
        print(f"  CPU per request: server {stats.server_cpu / stats.requests * 1000:.3f} ms, "
              f"client {stats.client_cpu / stats.requests * 1000:.3f} ms")
    if len(stats.by_kind) > 1:
        for kind, count in sorted(stats.by_kind.items()):
            lat = sorted(stats.per_kind.get(kind, []))
            print(f"  {kind}: {count} requests, ms p50={percentile(lat, 50) * 1000:.1f} "
                  f"p95={percentile(lat, 95) * 1000:.1f} p99={percentile(lat, 99) * 1000:.1f}")
    if stats.errors:
        print("  errors: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.errors.items())))
        for key, body in sorted(stats.samples.items()):
            print(f"  first {key}: {body}")


# --- Main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' (a temporary file) or a postgresql:// URL of an "
                             "empty scratch database")
    parser.add_argument("--same-matter", type=float, default=0.1, metavar="SHARE",
                        help="share of intakes about one shared matter in one ward, which "
                             "turns into a mass petition (default 0.1; 1 = every intake, "
                             "the body of sessions 1-3); the others are distinct matters "
                             "spread over up to 50 wards")
    args = parser.parse_args(argv)
    if not 0 <= args.same_matter <= 1:
        parser.error("--same-matter: a share from 0 to 1")
    if not (0 < args.seconds <= MAX_SECONDS and 0 < args.clients <= MAX_CLIENTS
            and 0 < args.workers <= MAX_WORKERS):
        parser.error(f"bounds: seconds ≤ {MAX_SECONDS}, clients ≤ {MAX_CLIENTS}, "
                     f"workers ≤ {MAX_WORKERS}")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmpdir = Path(tmp)
        instance = tmpdir / "instance"
        instance.mkdir()
        url = (f"sqlite:///{tmpdir / 'load.db'}" if args.database == "sqlite"
               else args.database)
        env = environment(url, instance)
        # The in-process app reads config.py at import: point it at the temp instance too.
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY",
                                               "REQUIRE_2FA_ROLES", "UPLOAD_DIR")})
        t0 = time.monotonic()
        migrate(env)
        build_province(env)
        print(f"prepared {url.split('@')[-1]} in {time.monotonic() - t0:.1f} s", flush=True)
        (tmpdir / "hello_app.py").write_text(HELLO_APP)

        from complaints.services.demo import DEMO_PASSWORD

        app_server = hello_server = None
        try:
            app_server, app_port = start_gunicorn("wsgi:app", args.workers, env, ROOT,
                                                  tmpdir / "app.log")
            hello_server, hello_port = start_gunicorn("hello_app:app", args.workers, env,
                                                      tmpdir, tmpdir / "hello.log")
            wait_ready(app_server, app_port, "/health", tmpdir / "app.log")
            wait_ready(hello_server, hello_port, "/", tmpdir / "hello.log")
            tokens = {u: token_for(app_port, u, DEMO_PASSWORD)
                      for u in (RECEPTION_USER, HEAD_USER)}
            localities = pick_localities(app_port, tokens[RECEPTION_USER])
            app_stats, app_elapsed = run_phase(
                args.clients, args.seconds, lambda i, until, stats: app_client(
                    i, app_port, until, stats, tokens, localities, args.same_matter),
                app_server)
            intake_stats, intake_elapsed = run_phase(
                args.clients, args.seconds, lambda i, until, stats: intake_client(
                    i, app_port, until, stats, tokens, localities, args.same_matter),
                app_server)
            hello_stats, hello_elapsed = run_phase(
                args.clients, args.seconds,
                lambda _i, until, stats: hello_client(hello_port, until, stats), hello_server)
            reference_stats, reference_elapsed = run_phase(
                args.clients, args.seconds, lambda _i, until, stats: reference_client(
                    app_port, until, stats, tokens[RECEPTION_USER]), app_server)
        finally:
            stop(app_server)
            stop(hello_server)
        app_log = (tmpdir / "app.log").read_text(errors="replace")
        exceptions = Counter(line for line in app_log.splitlines()
                             if EXCEPTION_LINE.match(line))
        for line, count in sorted(exceptions.items()):
            print(f"app server exception ×{count}: {line[:400]}")
        created = list(app_stats.created) + list(intake_stats.created)
        lost = verify(env, created)

    describe("app (mixed API)", app_stats, app_elapsed)
    describe("intake only", intake_stats, intake_elapsed)
    describe("hello (bare Flask)", hello_stats, hello_elapsed)
    describe("app's cheapest authenticated GET", reference_stats, reference_elapsed)
    # Like with like: every client doing intake only vs every client doing hello only.
    intake_rps = len(intake_stats.created) / intake_elapsed
    mixed_intake_rps = len(app_stats.created) / app_elapsed
    hello_rps = hello_stats.requests / hello_elapsed
    app_rps = app_stats.requests / app_elapsed
    ratio = intake_rps / hello_rps if hello_rps else 0.0
    reference_rps = reference_stats.requests / reference_elapsed
    errors = (app_stats.error_count + intake_stats.error_count + hello_stats.error_count
              + reference_stats.error_count)
    print(f"intake-only phase {intake_rps:.1f} r/s (201s); in the mixed phase intake "
          f"{mixed_intake_rps:.1f} r/s, all {app_rps:.1f} r/s; hello {hello_rps:.1f} r/s; "
          f"created={len(created)} lost={lost}")
    if hello_rps and reference_rps:
        print(f"reference: GET /api/v1/fields {reference_rps:.1f} r/s = "
              f"{reference_rps / hello_rps:.3f} of hello; intake = "
              f"{intake_rps / reference_rps:.3f} of that GET")
    p99 = percentile(sorted(app_stats.latencies), 99) * 1000
    print(f"load seconds={args.seconds:g} requests={app_stats.requests} rps={app_rps:.1f} "
          f"p99_ms={p99:.1f} errors={errors} lost={lost} "
          f"intake_ratio={ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
