"""QA 85 D3: SQLITE_SYNCHRONOUS is checked by config.py after strip() (" FULL" is taken as
FULL, app.config says FULL), but complaints._sqlite_pragmas reads the environment again
without strip() and sets NORMAL in silence: the durability asked for is not had, the very
case QA round 83 meant to close ("FUL fell back to NORMAL in silence")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from sqlalchemy import text
from complaints import create_app
from complaints.extensions import db
app = create_app()
with app.app_context():
    print(app.config["SQLITE_SYNCHRONOUS"], db.session.execute(text("PRAGMA synchronous")).scalar())
"""


@pytest.mark.parametrize("value", ["FULL ", " FULL", "FULL\n", "full\t"])
def test_the_mode_the_config_accepts_is_the_mode_every_connection_gets(value, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "RATELIMIT_STORAGE_URI")}
    env.update(INSTANCE_PATH=str(tmp_path), SQLITE_SYNCHRONOUS=value)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    configured, pragma = result.stdout.split()[-2:]
    assert configured == "FULL"
    assert pragma == "2", (f"SQLITE_SYNCHRONOUS={value!r}: the config took FULL, the "
                           f"connection got PRAGMA synchronous={pragma} (1 = NORMAL)")
