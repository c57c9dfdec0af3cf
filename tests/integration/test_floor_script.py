"""bench/floor.py end to end: a bare Flask write against a bare Flask hello, same settings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"^floor seconds=2 rows=6 hello_rps=(?P<hello>[\d.]+) "
                       r"write_rps=(?P<write>[\d.]+) ratio=(?P<ratio>[\d.]+)$")


@pytest.mark.skipif(IS_POSTGRES, reason="the floor script writes its own SQLite file")
def test_floor_script_writes_every_row_it_acknowledged():
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "floor.py"),
         "--seconds", "2", "--clients", "2", "--workers", "2", "--rows", "6"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, result.stdout
    assert float(match["hello"]) > 0 and float(match["write"]) > 0
    requests = int(re.search(r"write \(6 rows per request\): (\d+) requests", result.stdout)[1])
    assert lines[-2] == f"rows written {requests * 6}; errors 0"
