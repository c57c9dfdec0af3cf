"""Attachments: scanned petitions and evidence, stored content-addressed by SHA-256.

A file is checked by its content (not its name), written under UPLOAD_DIR at a path made
only of its hash (UPLOAD_DIR/ab/cd/<sha256>), outside the web root, and only then gets its
database row; so a failed write leaves nothing half-saved.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import filetype
from flask import current_app
from sqlalchemy import select

from complaints.domain import states
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import Attachment, Case, Petition, User
from complaints.services import audit
from complaints.services.errors import NotAllowed, ServiceError, ValidationFailed

logger = logging.getLogger(__name__)

# Content types accepted, with the extension a stored file's name is given.
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Per-file limit; the whole request is limited by MAX_CONTENT_LENGTH (MAX_UPLOAD_MB).
MAX_FILE_BYTES = 10 * 1024 * 1024
PURPOSES = ("petition", "evidence", "decision", "other")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Controls (C0, C1), characters Windows refuses, and the invisible ones that reorder or
# hide text (bidi overrides and isolates, zero-width): "\u202egpj.exe" reads as "exe.jpg".
_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f<>:"/\\\\|?*\u061c\u180e\u200b-\u200f\u202a-\u202e'
                     '\u2060-\u2064\u2066-\u2069\ufeff]+')


class StorageError(ServiceError):
    """The file could not be written (disk full, permissions): nothing was saved."""


@dataclass(frozen=True)
class StoredFile:
    """A file safely written to the store, not yet attached to a case."""

    sha256: str
    filename: str
    content_type: str
    size: int

    def as_dict(self) -> dict:
        return asdict(self)


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def blob_path(sha256: str, root: Path | None = None) -> Path:
    """Return the path of a stored file, derived only from its hash."""
    if not _SHA256.match(sha256 or ""):
        raise ValueError("not a SHA-256 hex digest")
    return (root or upload_dir()) / sha256[:2] / sha256[2:4] / sha256


# Unicode's controls, format characters (soft hyphen, tags, annotations), line and
# paragraph separators, surrogates and private use: invisible or breaking a line, in a
# name shown on pages and headers; a list cannot keep up with them (QA round 67).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})


def _visible_name(name: str | None) -> str:
    """The last part of a path, NFC, with unsafe and invisible characters replaced."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    name = _UNSAFE.sub("_", name)
    return "".join("_" if unicodedata.category(ch) in _HIDDEN_CATEGORIES else ch
                   for ch in name)


def safe_filename(name: str | None, extension: str) -> str:
    """Return a display name without paths or control characters, ending in `extension`."""
    name = _visible_name(name).strip(" ._") or "tep"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:150]}.{extension}"


def download_name(stored: str) -> str:
    """The name a stored file is served under: made safe again by today's rule (rows saved
    before it may hold characters it now replaces)."""
    stem, dot, extension = stored.rpartition(".")
    return safe_filename(stored, extension) if dot and stem else safe_filename(stored, "bin")


def detect_type(data: bytes) -> str | None:
    """Return the content type read from the file's first bytes, if it is an allowed one."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return kind.mime


def check_file(data: bytes, filename: str | None, max_bytes: int | None = None,
               field: str = "attachments") -> tuple[str, str]:
    """Return (content type, safe name) or raise ValidationFailed naming the file."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    # Named as the user chose it (the extension too: "evil.exe", not "evil"), made safe.
    shown = _visible_name(filename).strip(" ")[:160] or "tep"
    if not data:
        raise ValidationFailed({field: N_("Tệp “%(name)s” rỗng.", name=shown)})
    if len(data) > max_bytes:
        raise ValidationFailed({field: N_("Tệp “%(name)s” vượt quá giới hạn %(mb)s MB.",
                                          name=shown, mb=max_bytes // (1024 * 1024) or 1)})
    content_type = detect_type(data)
    if content_type is None:
        raise ValidationFailed({field: N_("Tệp “%(name)s” không phải PDF, JPEG hoặc PNG "
                                          "(kiểm tra theo nội dung tệp, không theo tên).",
                                          name=shown)})
    return content_type, safe_filename(filename, ALLOWED_TYPES[content_type])


def write_blob(data: bytes, root: Path | None = None) -> str:
    """Write the bytes under their hash (temp file, fsync, atomic rename); return the hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256, root)
    if path.exists() and path.stat().st_size == len(data):
        # Same content already stored. Touch it: the orphan sweep spares files written or
        # reused recently, so it cannot remove this one before our row is committed.
        try:
            os.utime(path)
        except OSError:
            pass
        return sha256
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        logger.error("could not store attachment %s: %s", sha256, exc)
        raise StorageError(N_("Không lưu được tệp đính kèm (ổ đĩa đầy hoặc lỗi ghi). "
                              "Chưa có gì được lưu; vui lòng thử lại hoặc báo quản trị "
                              "hệ thống.")) from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return sha256


def store_upload(data: bytes, filename: str | None, max_bytes: int | None = None,
                 root: Path | None = None, field: str = "attachments") -> StoredFile:
    """Check a file and write it to the store; the case gets it later with `attach`."""
    content_type, name = check_file(data, filename, max_bytes, field)
    sha256 = write_blob(data, root)
    return StoredFile(sha256=sha256, filename=name, content_type=content_type, size=len(data))


def attach(case: Case, stored: StoredFile, purpose: str, actor: User | None, now: datetime,
           petition: Petition | None = None) -> Attachment:
    """Record a stored file on a case; every file of a denunciation may reveal the denouncer
    (the letter's scan, and evidence too: an ID card's photo, a file named after them)."""
    if purpose not in PURPOSES:
        raise ValidationFailed({"purpose": N_("Loại tài liệu không hợp lệ.")})
    if stored.content_type not in ALLOWED_TYPES or not blob_path(stored.sha256).exists():
        raise ValidationFailed({"attachments": N_("Tệp đính kèm không còn trong kho lưu trữ.")})
    row = Attachment(
        case_id=case.id, petition_id=petition.id if petition else None, sha256=stored.sha256,
        filename=stored.filename[:255], content_type=stored.content_type, size=stored.size,
        purpose=purpose,
        reveals_identity=case.kind == "denunciation",
        uploaded_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record_case(case, "attachment_added", actor, now, {
        "attachment": row.id, "sha256": row.sha256, "content_type": row.content_type,
        "size": row.size, "purpose": purpose, "petition": row.petition_id,
    })
    return row


def add_document(case: Case, data: bytes, filename: str | None, purpose: str, actor: User,
                 now: datetime, field: str = "document") -> Attachment:
    """Add a file to a case after intake (a scan brought later, evidence the agency
    gathered, its decision): checked and stored as at intake, then recorded and audited.
    The desk that received the case, or the agency working on it
    (permissions.can_add_document).

    While the case is still only received, what the desk adds was handed in with the letter
    that opened it (its scan, brought or scanned later, or an enclosure): the file is the
    letter's, as at intake, and goes with it if a denunciation is split out of it; left
    unlinked, it stayed on the complaint for every reader there (QA round 103)."""
    from complaints.permissions import can_add_document
    from complaints.services.splitting import letter_of  # splitting imports intake
    from complaints.services.workflow import hold  # workflow imports this module's users

    hold(case)
    if not can_add_document(actor, case):
        raise NotAllowed(N_("Chỉ bộ phận đã tiếp nhận đơn và cơ quan đang giải quyết hồ sơ "
                            "được thêm tài liệu."))
    if purpose not in PURPOSES:
        raise ValidationFailed({"purpose": N_("Chọn loại tài liệu.")})
    stored = store_upload(data, filename, field=field)
    letter = letter_of(case) if case.status == states.RECEIVED and case.petitions else None
    return attach(case, stored, purpose, actor, now, petition=letter)


def record_identity_download(attachment: Attachment, case: Case, actor: User,
                             now: datetime) -> None:
    """Audit a download of a file that reveals a denouncer (each reveal is an event)."""
    audit.record_case(case, "identity_revealed", actor, now, {
        "attachment": attachment.id, "via": "attachment_download"})


# --- orphans ----------------------------------------------------------------------------------


@dataclass
class OrphanReport:
    examined: int = 0
    removed: int = 0
    bytes_removed: int = 0
    partial_removed: int = 0


def remove_orphans(now: datetime, min_age: timedelta, root: Path | None = None,
                   dry_run: bool = False) -> OrphanReport:
    """Delete stored files that no attachment row names, and abandoned partial writes.

    A file is written before its row is committed (so a failed request can leave one
    behind); only files untouched for `min_age` are considered, which spares uploads in
    flight (write_blob touches a reused file too).
    """
    root = root or upload_dir()
    report = OrphanReport()
    if not root.is_dir():
        return report
    cutoff = (now - min_age).timestamp()
    candidates: dict[str, Path] = {}

    def settle() -> None:
        # A row whose content was erased (anonymised) keeps nothing alive.
        known = set(db.session.scalars(select(Attachment.sha256).where(
            Attachment.sha256.in_(list(candidates)), Attachment.erased_at.is_(None))))
        for sha256, path in candidates.items():
            if sha256 not in known:
                # A batch is up to 500 files: an upload of the same content may have
                # reused one since it was listed (write_blob touches it, then its row is
                # added). Look again just before removing it (QA round 96).
                if _named(sha256):
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue  # another instance's prune removed it meanwhile (QA round 88)
                if stat.st_mtime > cutoff:
                    continue
                size = stat.st_size
                report.removed += 1
                report.bytes_removed += size
                if not dry_run:
                    path.unlink(missing_ok=True)
        candidates.clear()

    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        try:
            if not path.is_file() or path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue  # removed since the listing (another instance's prune)
        if path.name.startswith(".upload-"):
            report.partial_removed += 1
            if not dry_run:
                path.unlink(missing_ok=True)
            continue
        if not _SHA256.match(path.name) or path.name[:2] != path.parent.parent.name:
            continue  # not ours: leave it
        report.examined += 1
        candidates[path.name] = path
        if len(candidates) >= 500:
            settle()
    if candidates:
        settle()
    return report


def _named(sha256: str) -> bool:
    """Does an attachment row name this file now?"""
    return db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256,
                                                         Attachment.erased_at.is_(None))
                             .limit(1)) is not None


def reveals_identity(attachment: Attachment, case: Case) -> bool:
    """May this file reveal a denouncer? Every file of a denunciation may (found by a QA
    pass: a photo of the denouncer's ID card, filed as evidence, was served to an officer
    who may not know them); rows stored before this rule say so through the case's kind."""
    return bool(attachment.reveals_identity) or case.kind == "denunciation"
