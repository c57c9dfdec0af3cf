"""Fault test: the attachment store really full, enforced by the kernel (no simulation).

1. A 64 KiB tmpfs mounted as UPLOAD_DIR (we run as root, in CI too): the reception intake
   with a file larger than the space left answers 422 with the disk-full message, keeps
   what the officer typed, saves no case, and the earlier case and its file stay intact.
   Skipped, saying so, where the kernel refuses the mount.
2. A file-size quota (RLIMIT_FSIZE, SIGXFSZ ignored) on a child process: the store's real
   write path gets EFBIG for a file over the quota and raises StorageError (what the pages
   turn into the 422 above), leaving no partial file and the earlier blobs intact. (Only
   the store runs under the quota: werkzeug spools uploads over 500 KiB to a temporary
   file, which the quota would refuse first.)

The simulated ENOSPC (fsync patched) stays in test_faults.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Case
from complaints.services import audit
from tests.conftest import TODAY
from tests.integration.reception_helpers import PDF, PNG, intake_form, person, upload

ROOT = Path(__file__).resolve().parents[2]
DISK_FULL = "ổ đĩa đầy hoặc lỗi ghi"
SIZE = "64k"

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs; skip where mounting is refused (not root, no CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    try:
        done = subprocess.run(  # noqa: S603
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs",  # noqa: S607
             str(mount_point)], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)],  # noqa: S603, S607
                       capture_output=True, timeout=30, check=False)


def test_reception_intake_on_a_full_tmpfs_keeps_what_it_had(app, client, login, make_user,
                                                            make_locality, small_disk):
    app.config["UPLOAD_DIR"] = str(small_disk)
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)

    data = intake_form(ward.code, [person(1)], TODAY)
    data["petition_scans"] = [upload(PNG, "scan.png")]
    first = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert first.status_code == 302
    saved = db.session.scalar(select(Attachment))
    before = _files(small_disk)
    assert len(before) == 1

    # A real PDF of 200 KB: more than the whole filesystem. The kernel says ENOSPC.
    big = PDF + b"%" + b"0" * 200_000 + b"\n"
    data = intake_form(ward.code, [person(2)], TODAY, subject="Đơn thứ hai có bản quét lớn")
    data["petition_scans"] = [upload(big, "ban-quet-lon.pdf")]
    full = client.post("/reception/new", data=data, content_type="multipart/form-data")
    html = full.get_data(as_text=True)
    assert full.status_code == 422
    assert DISK_FULL in html and "Đơn thứ hai có bản quét lớn" in html
    db.session.expire_all()
    assert _count(Case) == 1 and _count(Attachment) == 1  # no case, no attachment row
    assert _files(small_disk) == before  # no partial file; the earlier one intact
    with client.get(f"/reception/attachments/{saved.id}") as download:
        assert download.status_code == 200 and download.data == PNG
    _checked, breaks = audit.verify_chains()
    assert breaks == []

    # Room again (the admin cleans up): a small file goes through.
    data = intake_form(ward.code, [person(3)], TODAY, kind="feedback", field="other",
                       subject="Phản ánh đèn đường hỏng ở ngõ 7",
                       content="Đèn đường ngõ 7 hỏng đã hai tháng, đề nghị sửa.")
    data["petition_scans"] = [upload(PDF, "don.pdf")]
    again = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert again.status_code == 302
    db.session.expire_all()
    assert _count(Case) == 2 and _count(Attachment) == 2


QUOTA_CHILD = textwrap.dedent('''
    import json, resource, signal, sys
    from pathlib import Path

    from complaints.services import attachments

    root, limit = Path(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    small = attachments.write_blob(b"%PDF-1.4 small" + b"1" * 1000, root)
    try:
        attachments.write_blob(b"%PDF-1.4 big" + b"2" * (2 * limit), root)
    except attachments.StorageError as exc:
        outcome = {"error": str(exc)}
    else:
        outcome = {"error": None}
    outcome["small"] = small
    print(json.dumps(outcome))
''')


def test_store_under_a_file_size_quota_refuses_cleanly(tmp_path):
    root = tmp_path / "attachments"
    earlier = PNG * 10
    import hashlib

    digest = hashlib.sha256(earlier).hexdigest()
    (root / digest[:2] / digest[2:4]).mkdir(parents=True)
    (root / digest[:2] / digest[2:4] / digest).write_bytes(earlier)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", QUOTA_CHILD, str(root), str(64 * 1024)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["error"] is not None and DISK_FULL in outcome["error"]
    assert "File too large" in done.stderr  # the kernel's EFBIG, logged by the store
    files = _files(root)
    # The earlier blob and the small one are there, whole; nothing of the big one.
    assert sorted(files) == sorted([f"{digest[:2]}/{digest[2:4]}/{digest}",
                                    "/".join((outcome["small"][:2], outcome["small"][2:4],
                                              outcome["small"]))])
    assert files[f"{digest[:2]}/{digest[2:4]}/{digest}"] == earlier
