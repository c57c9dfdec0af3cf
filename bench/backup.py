"""Backup and recovery of a full-size database: `python bench/backup.py --cases N`.

Builds (in a child process, with bench/queries.py's builder: the demo bulk generator) a
SQLite database of N synthetic cases with their audit chains, then runs what an operator
runs, as commands, and times each one:

  0. `flask audit seal --margin-minutes 0`: the daily seal over every event (one pass);
  1. `flask backup --output FILE` against the live database (SQLite's online backup API);
  2. `flask restore FILE --yes` into a new, empty database file — a machine being rebuilt
     after a loss — which also verifies every audit chain and the seal of the restored data;
  3. a comparison of the two databases: the same rows in every table, the same cases
     (id, tracking code, status, running due date) and the same audit events (id, hash).

The baseline, measured in the same run, is a plain file copy of the (checkpointed)
database: what the online backup costs beyond copying the bytes. The last line reads:
  backup cases=N backup_seconds=B restore_seconds=R copy_seconds=C events=E broken=K
  size_mb=S same=yes|no seal_seconds=Z
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import queries  # noqa: E402  (bench/queries.py: the database builder)


def _env(path: Path, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": f"sqlite:///{path}", "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "bench-backup-" + "k" * 32, "PYTHONPATH": str(ROOT)})
    return env


def _flask(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    flask = ROOT / ".venv" / "bin" / "flask"
    command = [str(flask) if flask.exists() else "flask", "--app", "wsgi", *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=3600, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                         f"{done.stderr[-3000:]}")
    return seconds, done.stdout


def _fingerprint(path: Path) -> dict[str, str]:
    """Row counts of every table, and digests of the cases and the audit trail."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        out = {t: str(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608  # nosec B608
               for t in tables}
        for name, query in (
                ("cases#", "SELECT id, tracking_code, status, running_due_on FROM cases "
                           "ORDER BY id"),
                ("audit#", "SELECT id, chain, seq, hash FROM audit_events ORDER BY id")):
            digest = hashlib.sha256()
            for row in conn.execute(query):
                digest.update(repr(row).encode())
            out[name] = digest.hexdigest()
        return out
    finally:
        conn.close()


def measure(path: Path, cases: int, work: Path) -> str:
    instance = work / "instance"
    instance.mkdir()
    # Start from a checkpointed file, so the plain copy below holds every row.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()

    started = time.perf_counter()
    shutil.copyfile(path, work / "copy.db")
    copy_seconds = time.perf_counter() - started
    (work / "copy.db").unlink()

    # Seal the trail first (the daily job's work), so the restore also recomputes a seal.
    seal_seconds, said = _flask(["audit", "seal", "--margin-minutes", "0"],
                                _env(path, instance))
    print(said.strip())

    backup_file = work / "backup.sqlite3"
    backup_seconds, said = _flask(["backup", "--output", str(backup_file)], _env(path, instance))
    print(said.strip())
    size_mb = backup_file.stat().st_size / 1e6

    restored = work / "restored.db"  # a new, empty database: the rebuilt machine
    restore_seconds, said = _flask(["restore", str(backup_file), "--yes"],
                                   _env(restored, instance))
    print(said.strip())
    found = re.search(r"checked (\d+) events, (\d+) broken chains; (\d+) seals, (\d+) broken",
                      said)
    if found is None:
        raise SystemExit(f"unexpected restore output: {said!r}")
    events = int(found.group(1))
    broken = int(found.group(2)) + int(found.group(4))

    before, after = _fingerprint(path), _fingerprint(restored)
    same = before == after
    if not same:
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                print(f"differs: {key}: {before.get(key)} → {after.get(key)}")
    print(f"tables compared: {sum(1 for k in before if not k.endswith('#'))}; "
          f"cases {before.get('cases')}; audit events {before.get('audit_events')}")
    return (f"backup cases={cases} backup_seconds={backup_seconds:.1f} "
            f"restore_seconds={restore_seconds:.1f} copy_seconds={copy_seconds:.1f} "
            f"events={events} broken={broken} size_mb={size_mb:.0f} "
            f"same={'yes' if same else 'no'} seal_seconds={seal_seconds:.1f}")


def main() -> None:
    args = queries.bench_args(__doc__.splitlines()[0])

    def run(path: Path) -> str:
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as work:
            return measure(path, args.cases, Path(work))

    queries.on_database(args, "backup", run)


if __name__ == "__main__":
    main()
