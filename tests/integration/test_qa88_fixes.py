"""QA round 88: two schedulers on one PostgreSQL for a quarter of an hour (a soak with a
crash of each). Each test failed before its fix:

- a job's first run on both schedulers at once: both inserted its JobRun row, and the
  second logged "not run: its start could not be recorded" (a false error on /health);
- an e-mail sent again after a crash had another Message-ID (make_msgid adds the time, the
  process and random bits), so no server or reader could tell the resend; and no e-mail had
  the Date header RFC 5322 requires;
- attachment pruning on both at once: the one behind met files the other had removed and
  failed with FileNotFoundError, its batch abandoned.
"""

from __future__ import annotations

import os
import pathlib
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from complaints import jobs
from complaints.extensions import db
from complaints.models import JobRun, Notification
from complaints.services import attachments, notifications
from tests.conftest import NOW
from tests.integration.qa72_helpers import TIMEOUT, run_threads
from tests.integration.reception_helpers import PDF


def test_a_jobs_first_run_on_two_schedulers_at_once_records_both(app, monkeypatch):
    """Both find no row, then both insert it: the second's insert does nothing, and both
    record their start."""
    real = jobs._insert_missing
    both_looked = threading.Barrier(2)

    def insert_after_both_looked(name):
        both_looked.wait(timeout=TIMEOUT)
        return real(name)

    monkeypatch.setattr(jobs, "_insert_missing", insert_after_both_looked)
    results, failures = run_threads(app, [
        lambda: jobs._note("reminders", last_started_at=NOW),
        lambda: jobs._note("reminders", last_started_at=NOW + timedelta(seconds=1))])
    assert failures == []
    assert results == [None, None]  # no refusal: both starts recorded
    db.session.expire_all()
    row = db.session.get(JobRun, "reminders")
    assert row is not None and row.last_error is None


def _email(**values) -> Notification:
    note = Notification(dedupe_key="qa88:1", channel="email", email_to="lanhdao@so.vn",
                        subject="Hồ sơ quá hạn", body="Nội dung", **values)
    db.session.add(note)
    db.session.flush()
    return note


def test_an_email_sent_again_keeps_its_message_id_and_has_a_date(app):
    note = _email()
    first, again = notifications._message(note), notifications._message(note)
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith(f"<n{note.id}.")
    db.session.commit()
    db.session.expire_all()  # as another process reads it: the same id
    stored = db.session.scalar(select(Notification).where(Notification.id == note.id))
    assert notifications._message(stored)["Message-ID"] == first["Message-ID"]
    sent_on = parsedate_to_datetime(first["Date"])
    assert sent_on.tzinfo is not None
    assert abs(sent_on - notifications._aware(stored.created_at)) < timedelta(seconds=1)


def test_pruning_passes_over_files_another_instance_removed(app, monkeypatch):
    """Three orphans, old: the second is removed by the other instance once listed (before
    this one's check of the batch), the third between the listing and its own check."""
    names = []
    for n in range(3):
        stored = attachments.store_upload(PDF + f"% {n}".encode(), f"mo-coi-{n}.pdf")
        names.append(attachments.blob_path(stored.sha256))
    db.session.commit()
    old = (NOW - timedelta(days=2)).timestamp()
    for path in names:
        os.utime(path, (old, old))
    first, second, third = sorted(names)
    real_is_file = pathlib.Path.is_file

    def is_file(path):
        if path == third:
            second.unlink()  # the other instance removes a candidate of this batch
            answer = real_is_file(path)
            third.unlink()  # and this one, right after the check
            return answer
        return real_is_file(path)

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    report = attachments.remove_orphans(NOW, timedelta(hours=24))
    assert (report.examined, report.removed) == (2, 1)  # the third gone unseen, the second
    # seen then gone: only the first is counted removed
    assert not any(path.exists() for path in names)
