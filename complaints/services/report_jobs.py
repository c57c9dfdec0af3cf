"""Reports built in the background: enqueue, claim, run with progress, purge old files.

Which reports go here (the rest stays synchronous, built on the request):
- "official": the official forms (02/XLD, 03/GQKN, 04/GQTC, 05/KQTH, 01/TCD) of a period and
  an agency subtree in one workbook, one sheet each. A single form's page and its Excel
  stay synchronous: one row per unit, counted in grouped queries (see bench/README.md).
- "workbook": the combined workbook of cases, escalations and scorecards. Its size grows
  with the cases of the period, so it is always built here.

A job is claimed by exactly one worker: `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, a
conditional `UPDATE … WHERE status = 'queued'` on SQLite (one writer at a time: the row
is taken by whoever's UPDATE matched it). The worker reports progress in short
transactions of its own (the `commit` given), which also serve as a heartbeat: a running
job whose heartbeat is older than the stale limit is queued again, at most MAX_ATTEMPTS
times, then failed. Files get generated names inside the reports folder and are removed
after the retention period.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from complaints.domain import reports as periods
from complaints.domain.messages import N_, Message
from complaints.extensions import db
from complaints.models import Agency, ReportJob, User
from complaints.services import reports as official
from complaints.services import workbook
from complaints.services.errors import NotAllowed, ValidationFailed

logger = logging.getLogger(__name__)

KINDS = ("official", "workbook")
ROLES = ("inspector", "admin", "agency_head")
OFFICIAL_FORMS = ("02/XLD", "03/GQKN", "04/GQTC", "05/KQTH", "01/TCD")
MAX_ATTEMPTS = 3
FILENAME = re.compile(r"^report-\d+-[0-9a-f]{16}\.xlsx$")
Commit = Callable[[], None]
Clock = Callable[[], datetime]


class LostClaim(Exception):  # noqa: N818  (not an error: another worker has the job now)
    """The job is no longer ours (re-queued as stale and taken by another worker)."""


# --- asking -----------------------------------------------------------------------------


def enqueue(actor: User, kind: str, root_code: str, period: periods.Period, now: datetime,
            lang: str = "vi") -> ReportJob:
    """Queue a report of this kind for an agency subtree and a period."""
    if actor.role not in ROLES:
        raise NotAllowed(N_("Chỉ thanh tra, quản trị và thủ trưởng cơ quan được yêu cầu báo cáo."))
    if kind not in KINDS:
        raise ValidationFailed({"kind": N_("Loại báo cáo không hợp lệ.")})
    root = db.session.scalar(select(Agency).where(Agency.code == root_code))
    if root is None:
        raise ValidationFailed({"agency": N_("Không có đơn vị này.")})
    if actor.role == "agency_head" and root.id != actor.agency_id:
        raise NotAllowed(N_("Thủ trưởng cơ quan chỉ báo cáo về cơ quan mình."))
    job = ReportJob(requested_by_id=actor.id, kind=kind, root_agency_id=root.id,
                    params=json.dumps({"lang": "en" if lang == "en" else "vi",
                                       "forms": list(OFFICIAL_FORMS) if kind == "official"
                                       else [], "year": period.year,
                                       "number": period.number}),
                    period_kind=period.kind, period_start=period.start,
                    period_end=period.end, status="queued", progress=0, attempts=0,
                    stage=stage_text(N_("Đang chờ")), created_at=now)
    db.session.add(job)
    db.session.flush()
    return job


def jobs_of(user: User, page: int = 1, per_page: int = 25) -> tuple[list[ReportJob], int]:
    """The user's own report jobs, newest first, one page, and their total: a head's only
    those about the agency they head now (permissions.can_download_report)."""
    query = select(ReportJob).where(ReportJob.requested_by_id == user.id)
    if user.role == "agency_head":
        query = query.where(ReportJob.root_agency_id == user.agency_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(db.session.scalars(query.order_by(ReportJob.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)))
    return rows, total


def period_of(job: ReportJob) -> periods.Period:
    """The reporting period the job was asked for."""
    params = json.loads(job.params or "{}")
    return periods.Period(job.period_kind, job.period_start, job.period_end,
                          params.get("year", job.period_end.year), params.get("number", 0))


def file_path(job: ReportJob, folder: str | Path) -> Path | None:
    """The job's file, when it is done and still kept; never outside the folder."""
    if job.status != "done" or not job.filename or not FILENAME.match(job.filename):
        return None
    path = Path(folder) / job.filename
    return path if path.is_file() else None


def download_name(job: ReportJob) -> str:
    prefix = "bieu-mau" if job.kind == "official" else "so-tong-hop"
    return (f"{prefix}_{job.root_agency.code}_{job.period_start:%Y%m%d}-"
            f"{job.period_end:%Y%m%d}.xlsx")


# --- progress stages: stored as msgid + values, worded in the reader's language ------------

_SEP = "\x1f"


def stage_text(message: str) -> str:
    """Encode a marked message (N_) for the job's `stage` column."""
    params = getattr(message, "params", None)
    text = message.msgid + _SEP + json.dumps(dict(params)) if params else str(message)
    return text[:120]


def stage_message(text: str | None) -> str:
    """Decode a `stage` column back into a message the web layer translates."""
    if not text:
        return ""
    msgid, _sep, params = text.partition(_SEP)
    return Message(msgid, json.loads(params)) if params else msgid


# --- claiming ---------------------------------------------------------------------------


def requeue_stale(now: datetime, stale_minutes: int) -> int:
    """Queue again the running jobs whose worker fell silent; fail those tried too often."""
    limit = now - timedelta(minutes=stale_minutes)
    silent = (ReportJob.status == "running") & (ReportJob.heartbeat_at < limit)
    failed = db.session.execute(
        update(ReportJob).where(silent, ReportJob.attempts >= MAX_ATTEMPTS)
        .values(status="failed", finished_at=now, stage=stage_text(N_("Lỗi")),
                error=f"abandoned by its worker {MAX_ATTEMPTS} times")
        .execution_options(synchronize_session=False)).rowcount
    queued = db.session.execute(
        update(ReportJob).where(silent).values(status="queued",
                                              stage=stage_text(N_("Đang chờ (chạy lại)")))
        .execution_options(synchronize_session=False)).rowcount
    return (failed or 0) + (queued or 0)


def _take(job_id: int, now: datetime) -> bool:
    """Mark the job running if it is still queued; True when this call took it."""
    result = db.session.execute(
        update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, progress=0,
                stage=stage_text(N_("Bắt đầu")), attempts=ReportJob.attempts + 1,
                error=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def claim_next(now: datetime, commit: Commit) -> ReportJob | None:
    """Take the oldest queued job for this worker (safe with several workers)."""
    queued = select(ReportJob.id).where(ReportJob.status == "queued").order_by(ReportJob.id)
    if db.engine.dialect.name == "postgresql":
        job_id = db.session.scalar(queued.limit(1).with_for_update(skip_locked=True))
        if job_id is None:
            commit()
            return None
        _take(job_id, now)
        commit()
        return db.session.get(ReportJob, job_id)
    tried: set[int] = set()
    while True:
        job_id = db.session.scalar(queued.where(ReportJob.id.not_in(tried)).limit(1)
                                   if tried else queued.limit(1))
        if job_id is None:
            commit()
            return None
        if _take(job_id, now):
            commit()
            return db.session.get(ReportJob, job_id)
        tried.add(job_id)  # another worker took it between our SELECT and UPDATE


# --- running ----------------------------------------------------------------------------


@dataclass
class _Claim:
    job_id: int
    attempts: int


def _beat(claim: _Claim, now: datetime, commit: Commit, **values) -> None:
    """Update our job in its own short transaction, if it is still ours."""
    result = db.session.execute(
        update(ReportJob).where(ReportJob.id == claim.job_id, ReportJob.status == "running",
                                ReportJob.attempts == claim.attempts)
        .values(heartbeat_at=now, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise LostClaim(claim.job_id)
    commit()


def _build(job: ReportJob, user: User, path: Path, today: date, report) -> None:
    params = json.loads(job.params or "{}")
    lang, period, root_code = params.get("lang", "vi"), period_of(job), job.root_agency.code
    if job.kind == "official":
        built = []
        forms = params.get("forms") or list(OFFICIAL_FORMS)
        for index, code in enumerate(forms):
            report(5 + int(85 * index / len(forms)), N_("Biểu %(code)s", code=code))
            built.append(official.build_report(code, root_code, period))
        report(92, N_("Ghi tệp"))
        official.write_forms_file(built, path, lang)
    else:
        workbook.write_workbook(user, root_code, period, today, path, lang, report)


def run(job: ReportJob, now: Clock, today: date, folder: str | Path,
        commit: Commit) -> ReportJob:
    """Build a claimed job's file, reporting progress; done, or failed with the error."""
    claim = _Claim(job.id, job.attempts)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"report-{job.id}-{secrets.token_hex(8)}.xlsx"
    partial = folder / f"{name}.part"
    user = db.session.get(User, job.requested_by_id)

    def report(percent: int, stage: str) -> None:
        _beat(claim, now(), commit, progress=max(0, min(99, percent)),
              stage=stage_text(stage))

    try:
        report(1, N_("Bắt đầu"))
        _build(job, user, partial, today, report)
        partial.replace(folder / name)
        _beat(claim, now(), commit, status="done", progress=100, stage=stage_text(N_("Hoàn thành")),
              filename=name, size=(folder / name).stat().st_size, finished_at=now())
    except LostClaim:
        partial.unlink(missing_ok=True)
        (folder / name).unlink(missing_ok=True)
        logger.warning("report job %s was taken over by another worker", claim.job_id)
    except Exception as exc:  # a report's failure is recorded on the job, not raised
        db.session.rollback()
        partial.unlink(missing_ok=True)
        logger.exception("report job %s failed", claim.job_id)
        try:
            _beat(claim, now(), commit, status="failed", stage=stage_text(N_("Lỗi")),
                  finished_at=now(),
                  error=f"{type(exc).__name__}: {exc}"[:2000])
        except LostClaim:
            pass
    db.session.expire_all()
    return db.session.get(ReportJob, claim.job_id)


def run_pending(now: Clock, today: date, folder: str | Path, commit: Commit,
                stale_minutes: int, limit: int | None = None) -> list[ReportJob]:
    """Re-queue stale jobs, then claim and run queued ones until none is left (or limit)."""
    requeue_stale(now(), stale_minutes)
    commit()
    done: list[ReportJob] = []
    while limit is None or len(done) < limit:
        job = claim_next(now(), commit)
        if job is None:
            break
        done.append(run(job, now, today, folder, commit))
    return done


def purge_expired(now: datetime, folder: str | Path, retention_hours: int) -> int:
    """Remove the files of jobs finished more than the retention period ago."""
    limit = now - timedelta(hours=retention_hours)
    old = list(db.session.scalars(select(ReportJob).where(
        ReportJob.status == "done", ReportJob.filename.is_not(None),
        ReportJob.finished_at < limit)))
    for job in old:
        if FILENAME.match(job.filename or ""):
            (Path(folder) / job.filename).unlink(missing_ok=True)
        job.filename, job.expired_at = None, now
    db.session.flush()
    return len(old)
