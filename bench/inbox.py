"""Benchmark of the in-app inbox of a leader whose agency has many notices.

    python bench/inbox.py [--notices 200000]

Builds a SQLite database with two agencies sharing N agency notices (as the sweep writes
them: one per escalation and notified agency), then times, for the head of one of them,
the inbox's first page and the unread count in the header — before and after "mark all
as read". Last line:
    inbox notices=N inbox_ms=X unread_ms=Y inbox_read_ms=Z
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def _best(fn, runs: int = 7) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=200_000)
    args = parser.parse_args()

    from complaints import create_app
    from complaints.extensions import db
    from complaints.models import Agency, Notification, User
    from complaints.services import notifications
    from config import Config

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/inbox.db",
                          "SECRET_KEY": "bench",
                          "SQLALCHEMY_ENGINE_OPTIONS": Config.SQLALCHEMY_ENGINE_OPTIONS})
        with app.app_context():
            db.create_all()
            mine = Agency(code="TTT", name="Thanh tra", level="province", is_inspectorate=True)
            other = Agency(code="SO-A", name="Sở A", level="department")
            db.session.add_all([mine, other])
            db.session.flush()
            head = User(username="head", role="inspector", agency=mine, full_name="head",
                        password_hash="-")  # noqa: S106  (no sign-in here)
            db.session.add(head)
            db.session.flush()
            rows = [notifications.notice_row(f"esc:{i}:a{i % 2}", "Tiêu đề", "Nội dung", NOW,
                                             agency_id=(mine if i % 2 else other).id)
                    for i in range(args.notices)]
            for start in range(0, len(rows), 20_000):
                db.session.execute(Notification.__table__.insert(), rows[start:start + 20_000])
            db.session.commit()
            inbox_ms = _best(lambda: notifications.inbox(head))
            unread_ms = _best(lambda: notifications.unread_count(head))
            notifications.mark_read(head, NOW)
            db.session.commit()
            read_ms = _best(lambda: notifications.inbox(head))
    print(f"inbox first page (unread): {inbox_ms:.1f} ms; unread count: {unread_ms:.1f} ms; "
          f"first page after mark-all-read: {read_ms:.1f} ms")
    print(f"inbox notices={args.notices} inbox_ms={inbox_ms:.1f} unread_ms={unread_ms:.1f} "
          f"inbox_read_ms={read_ms:.1f}")


if __name__ == "__main__":
    main()
