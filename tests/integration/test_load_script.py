"""bench/load.py end to end: gunicorn, the API mix, the hello baseline, the lost-case check."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^load seconds=(?P<seconds>\S+) requests=(?P<requests>\d+) rps=(?P<rps>[\d.]+) "
    r"p99_ms=(?P<p99>[\d.]+) errors=(?P<errors>\d+) lost=(?P<lost>\d+) "
    r"intake_ratio=(?P<ratio>[\d.]+)$"
)




@pytest.mark.skipif(IS_POSTGRES, reason="the load script builds its own SQLite instance")
def test_load_script_runs_without_errors_or_lost_cases():
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "load.py"),
         "--seconds", "2", "--clients", "2", "--workers", "2",
         "--same-matter", "0.5"],  # half join one matter: clusters form under concurrency
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    match = LAST_LINE.match(last)
    assert match, result.stdout
    assert match["seconds"] == "2"
    assert int(match["requests"]) > 0
    assert match["lost"] == "0", result.stdout
    assert match["errors"] == "0", result.stdout
    assert float(match["ratio"]) > 0
    assert "intake only: " in result.stdout  # the ratio's numerator has its own phase
    # and the app's own floor (its cheapest authenticated GET) is measured in the same run
    assert re.search(r"^reference: GET /api/v1/fields [\d.]+ r/s = [\d.]+ of hello",
                     result.stdout, re.M), result.stdout
    # Each phase says what one request cost the server's processes and the clients in CPU
    # (read from /proc): on two shared cores that, not latency, is where a rate stops.
    cpu = re.findall(r"^  CPU per request: server ([\d.]+) ms, client ([\d.]+) ms$",
                     result.stdout, re.M)
    assert len(cpu) == 4, result.stdout
    assert all(float(server) > 0 for server, _client in cpu), result.stdout
