"""bench/backup.py end to end at a small size: backup, restore into a new database, every
audit chain verified and every table the same."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^backup cases=(?P<cases>\d+) backup_seconds=[\d.]+ restore_seconds=[\d.]+ "
    r"copy_seconds=[\d.]+ events=(?P<events>\d+) broken=(?P<broken>\d+) size_mb=\d+ "
    r"same=(?P<same>yes|no) seal_seconds=[\d.]+$"
)


@pytest.mark.skipif(IS_POSTGRES, reason="the script builds its own SQLite database")
def test_backup_script_restores_everything_with_whole_chains(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "backup.py"), "--cases", "300",
         "--db", str(tmp_path / "bench.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = LAST_LINE.match(result.stdout.strip().splitlines()[-1])
    assert match, result.stdout
    assert match["cases"] == "300" and int(match["events"]) >= 300
    assert match["broken"] == "0" and match["same"] == "yes", result.stdout
    assert "; 1 seals, 0 broken" in result.stdout  # the seal made before the backup held
