"""Background reports: the job lifecycle, claims, stale jobs, downloads, the workbook."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.domain.confidentiality import MASK
from complaints.domain.reports import quarter_period
from complaints.extensions import db
from complaints.models import Case, Escalation, ReportJob
from complaints.permissions import can_download_report
from complaints.services import inspection as monitoring
from complaints.services import report_jobs, workbook, workflow
from complaints.services.errors import NotAllowed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

Q4 = quarter_period(2026, 4)  # 15/09/2026 – 14/12/2026


@pytest.fixture
def folder(app, tmp_path):
    path = tmp_path / "reports"
    app.config["REPORT_DIR"] = str(path)
    return path


@pytest.fixture
def world(make_agency, make_user, make_case, folder):
    """Province P with agencies A and B; a reception desk; cases in and out of Q4."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    a = make_agency(code="A", parent=p, name="Sở A")
    b = make_agency(code="B", parent=p, name="Sở B")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân")
    r = make_user("reception", agency=desk)

    def new(kind, received, to):
        case = make_case(r, kind=kind, received_on=received)
        workflow.route(case, to, r, NOW, TODAY, decided_on=received)
        return case

    cases = {
        "c1": new("complaint", date(2026, 11, 2), "A"),
        "c2": new("denunciation", date(2026, 11, 5), "A"),
        "c3": new("complaint", date(2026, 10, 1), "B"),
        "old": new("complaint", date(2026, 8, 1), "A"),  # before the quarter
    }
    # Against A, answerable when raised, as the sweep records it: the scorecard (and, since
    # QA round 60, the workbook's escalation sheet) counts no escalation without one.
    db.session.add_all([
        Escalation(case_id=cases["c1"].id, stage="acceptance", level=1, reason="overdue",
                   to_agency_id=p.id, agency_id=a.id, as_of=date(2026, 11, 20)),
        Escalation(case_id=cases["old"].id, stage="acceptance", level=1, reason="overdue",
                   to_agency_id=p.id, agency_id=a.id,
                   as_of=date(2026, 8, 20)),  # before the quarter
    ])
    users = {
        "inspector": make_user("inspector"), "admin": make_user("admin"),
        "head_a": make_user("agency_head", agency=a),
        "head_a2": make_user("agency_head", agency=a),
        "head_b": make_user("agency_head", agency=b),
        "officer_a": make_user("agency_officer", agency=a),
    }
    db.session.commit()
    return {"users": users, "cases": cases}


def _folder() -> str:
    return current_app.config["REPORT_DIR"]


def _run_all(now=NOW):
    return report_jobs.run_pending(lambda: now, TODAY, _folder(), db.session.commit, 15)


def _sheet_rows(path, title):
    book = load_workbook(path, read_only=True)
    rows = [list(r) for r in book[title].iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_lifecycle_enqueue_claim_progress_done_download(world, client, login):
    inspector = world["users"]["inspector"]
    job = report_jobs.enqueue(inspector, "workbook", "P", Q4, NOW)
    db.session.commit()
    assert (job.status, job.progress, job.attempts) == ("queued", 0, 0)

    claimed = report_jobs.claim_next(NOW, db.session.commit)
    assert claimed.id == job.id and claimed.status == "running" and claimed.attempts == 1
    assert report_jobs.claim_next(NOW, db.session.commit) is None  # nothing else queued

    seen = []

    def commit():
        db.session.commit()
        seen.append(db.session.execute(select(ReportJob.status, ReportJob.progress)
                                       .where(ReportJob.id == job.id)).one())

    done = report_jobs.run(claimed, lambda: NOW + timedelta(seconds=5), TODAY, _folder(),
                           commit)
    assert done.status == "done" and done.progress == 100 and done.error is None
    assert done.finished_at is not None and done.size > 0
    running = [p for s, p in seen if s == "running"]
    assert running == sorted(running) and len(running) >= 3 and max(running) < 100
    assert seen[-1] == ("done", 100)
    path = report_jobs.file_path(done, _folder())
    assert path.name == done.filename and path.parent == Path(_folder())
    assert list(path.parent.iterdir()) == [path]  # no partial file left behind

    login(inspector)
    status = client.get(f"/inspection/reports/jobs/{job.id}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download_url"].endswith(f"/reports/jobs/{job.id}/download")
    response = client.get(status["download_url"])
    assert response.status_code == 200
    assert "so-tong-hop_P_20260915-20261214.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    response.close()
    assert book.sheetnames == ["Hồ sơ", "Leo thang", "Bảng điểm"]
    page = client.get("/inspection/reports/mine")
    assert page.status_code == 200 and f'data-testid="download-{job.id}"'.encode() in page.data


def test_sheet_row_counts_match_the_cases_of_the_period(world):
    inspector = world["users"]["inspector"]
    for root in ("P", "A"):
        report_jobs.enqueue(inspector, "workbook", root, Q4, NOW)
    db.session.commit()
    jobs = _run_all()
    expected = {"P": ["c1", "c2", "c3"], "A": ["c1", "c2"]}
    for job in jobs:
        path = report_jobs.file_path(job, _folder())
        in_period = db.session.scalar(
            select(db.func.count()).select_from(Case).where(
                Case.received_on.between(Q4.start, Q4.end),
                Case.agency_id.in_(monitoring.agency_subtree(job.root_agency.code))))
        _header, cases = _sheet_rows(path, "Hồ sơ")
        assert len(cases) == in_period == len(expected[job.root_agency.code])
        assert sorted(r[0] for r in cases) == sorted(
            world["cases"][k].tracking_code for k in expected[job.root_agency.code])
        _header, escalations = _sheet_rows(path, "Leo thang")
        assert [r[0] for r in escalations] == [world["cases"]["c1"].tracking_code]
        _header, cards = _sheet_rows(path, "Bảng điểm")
        assert len(cards) == len(monitoring.agency_subtree(job.root_agency.code))
        assert workbook.count_cases(inspector, job.root_agency.code, Q4) == len(cases)


@pytest.mark.parametrize("who", ["admin", "inspector", "head_a", "officer_a"])
def test_workbook_masks_identities_exactly_as_the_case_list(world, who):
    user = world["users"][who]
    root = "P" if who in ("admin", "inspector") else "A"
    path = Path(_folder()) / "w.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    result = workbook.write_workbook(user, root, Q4, TODAY, path)
    header, rows = _sheet_rows(path, "Hồ sơ")
    in_book = {r[0]: r[header.index("Người gửi")] for r in rows}
    screen = monitoring.cases_page(user, monitoring.CaseFilter(
        agency=root, date_from=Q4.start, date_to=Q4.end, per_page=200))
    assert in_book == {row.case.tracking_code: row.petitioner for row in screen.rows}
    assert result.rows["cases"] == screen.total
    denunciation = world["cases"]["c2"].tracking_code
    # A denouncer is masked whoever reads, even a reader allowed to see them on the case
    # page (where each reveal is recorded; a file records no view).
    assert in_book[denunciation] == MASK
    assert in_book[world["cases"]["c1"].tracking_code] not in ("", MASK)


@pytest.mark.parametrize("who", ["inspector", "head_a"])
def test_the_background_workbook_never_names_a_denouncer(world, who):
    """QA: the combined workbook's case sheet named denouncers to readers who may see them
    on the case page (inspectors, the resolving agency's head), with no record of it."""
    denouncer = world["cases"]["c2"].petitions[0].signers[0].petitioner
    denouncer.full_name = "Đỗ Thị Tố Giác"
    db.session.commit()
    user = world["users"][who]
    report_jobs.enqueue(user, "workbook", "P" if who == "inspector" else "A", Q4, NOW)
    db.session.commit()
    (job,) = _run_all()
    assert job.status == "done"
    book = load_workbook(report_jobs.file_path(job, _folder()), read_only=True)
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
             for v in row if v is not None]
    assert not any("Tố Giác" in c or denouncer.id_number in c for c in cells)
    header, rows = _sheet_rows(report_jobs.file_path(job, _folder()), "Hồ sơ")
    by_code = {r[0]: r[header.index("Người gửi")] for r in rows}
    assert by_code[world["cases"]["c2"].tracking_code] == MASK
    assert by_code[world["cases"]["c1"].tracking_code].startswith("Nguyễn Văn")


def test_workbook_writes_citizens_formulas_as_text(world):
    """Subjects and notes are citizens' and officers' text: string cells, never formulas
    (openpyxl makes any str starting with "=" a formula); numbers stay numbers."""
    subjects = {"c1": '=HYPERLINK("http://evil.example","x")', "c2": "@SUM(1)",
                "c3": "-2+3"}
    for key, subject in subjects.items():
        world["cases"][key].subject = subject
    escalation = db.session.scalars(select(Escalation).where(
        Escalation.case_id == world["cases"]["c1"].id)).one()
    escalation.action_note = "=1+1"
    db.session.commit()
    path = Path(_folder()) / "w.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.write_workbook(world["users"]["inspector"], "P", Q4, TODAY, path)
    book = load_workbook(path)
    sheet = book["Hồ sơ"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    for key, subject in subjects.items():
        row = rows[world["cases"][key].tracking_code]
        cell = row[header.index("Nội dung")]
        assert cell.data_type == "s" and cell.value == subject
        people = row[header.index("Số người")]
        assert people.data_type == "n" and people.value == 1
    sheet = book["Leo thang"]
    header = [c.value for c in sheet[1]]
    (row,) = sheet.iter_rows(min_row=2)
    assert row[header.index("Nội dung")].value == subjects["c1"]
    note = row[header.index("Ghi chú")]
    assert note.data_type == "s" and note.value == "=1+1"
    assert row[header.index("Mức")].data_type == "n"
    assert not [c for ws in book for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_official_pack_has_the_official_forms(world):
    report_jobs.enqueue(world["users"]["inspector"], "official", "P", Q4, NOW)
    db.session.commit()
    (job,) = _run_all()
    assert job.status == "done"
    book = load_workbook(report_jobs.file_path(job, _folder()), read_only=True)
    assert book.sheetnames == ["02-XLD", "03-GQKN", "04-GQTC", "05-KQTH", "01-TCD"]


def test_a_failing_build_marks_the_job_failed_with_the_error(world, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workbook, "write_workbook", boom)
    report_jobs.enqueue(world["users"]["inspector"], "workbook", "P", Q4, NOW)
    db.session.commit()
    (job,) = _run_all()
    assert job.status == "failed" and "disk on fire" in job.error
    assert job.finished_at is not None and job.filename is None
    assert report_jobs.file_path(job, _folder()) is None
    assert not any(p.suffix == ".part" for p in Path(_folder()).glob("*"))


def test_a_stale_running_job_is_queued_again_and_its_old_worker_stops(world):
    job = report_jobs.enqueue(world["users"]["inspector"], "workbook", "P", Q4, NOW)
    db.session.commit()
    first = report_jobs.claim_next(NOW, db.session.commit)
    assert report_jobs.requeue_stale(NOW + timedelta(minutes=10), 15) == 0  # still fresh
    db.session.commit()
    assert report_jobs.requeue_stale(NOW + timedelta(minutes=16), 15) == 1
    db.session.commit()
    db.session.refresh(first)
    assert first.status == "queued" and first.attempts == 1
    again = report_jobs.claim_next(NOW + timedelta(minutes=17), db.session.commit)
    assert again.id == job.id and again.attempts == 2
    # The first worker wakes up: its heartbeat no longer matches, it gives the job up.
    with pytest.raises(report_jobs.LostClaim):
        report_jobs._beat(report_jobs._Claim(job.id, 1), NOW, db.session.commit, progress=50)
    # A job abandoned MAX_ATTEMPTS times fails instead of running for ever.
    again.attempts = report_jobs.MAX_ATTEMPTS
    db.session.commit()
    report_jobs.requeue_stale(NOW + timedelta(hours=2), 15)
    db.session.commit()
    db.session.refresh(again)
    assert again.status == "failed" and "abandoned" in again.error


def test_a_job_taken_meanwhile_is_not_taken_twice(world):
    job = report_jobs.enqueue(world["users"]["inspector"], "workbook", "P", Q4, NOW)
    db.session.commit()
    assert report_jobs._take(job.id, NOW) is True
    assert report_jobs._take(job.id, NOW) is False  # the second claimer's UPDATE misses
    db.session.commit()


def test_two_claimers_never_get_the_same_job(app, world):
    for _ in range(8):
        report_jobs.enqueue(world["users"]["inspector"], "official", "P", Q4, NOW)
    db.session.commit()
    got: dict[str, list[int]] = {"one": [], "two": []}
    start = threading.Barrier(2)

    def worker(name):
        with app.app_context():
            start.wait()
            while (job := report_jobs.claim_next(NOW, db.session.commit)) is not None:
                got[name].append(job.id)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(got["one"]) & set(got["two"])
    assert len(got["one"]) + len(got["two"]) == 8


def test_who_may_download(world):
    u = world["users"]
    by_inspector = report_jobs.enqueue(u["inspector"], "workbook", "P", Q4, NOW)
    by_head = report_jobs.enqueue(u["head_a"], "workbook", "A", Q4, NOW)
    by_admin = report_jobs.enqueue(u["admin"], "workbook", "P", Q4, NOW)
    db.session.flush()
    allowed = {(who, name) for who in u for name, job in (
        ("inspector", by_inspector), ("head", by_head), ("admin", by_admin))
        if can_download_report(u[who], job)}
    assert allowed == {
        ("inspector", "inspector"), ("inspector", "head"), ("inspector", "admin"),
        ("head_a", "head"), ("head_a2", "head"),  # same agency, same masking
        ("admin", "admin"),
    }
    with pytest.raises(NotAllowed):
        report_jobs.enqueue(u["head_a"], "workbook", "P", Q4, NOW)  # not their agency
    with pytest.raises(NotAllowed):
        report_jobs.enqueue(u["officer_a"], "workbook", "A", Q4, NOW)


def test_download_refused_to_others_and_before_done(world, client, login):
    u = world["users"]
    job = report_jobs.enqueue(u["head_a"], "workbook", "A", Q4, NOW)
    db.session.commit()
    login(u["head_a"])
    assert client.get(f"/inspection/reports/jobs/{job.id}/download").status_code == 404
    assert client.get(f"/inspection/reports/jobs/{job.id}/status").get_json()[
        "status"] == "queued"
    _run_all()
    with client.get(f"/inspection/reports/jobs/{job.id}/download") as response:
        assert response.status_code == 200
    client.post("/logout")
    login(u["head_b"])
    assert client.get(f"/inspection/reports/jobs/{job.id}/download").status_code == 404
    assert client.get(f"/inspection/reports/jobs/{job.id}/status").status_code == 404
    client.post("/logout")
    login(u["officer_a"])
    assert client.get(f"/inspection/reports/jobs/{job.id}/download").status_code == 403


def test_asking_from_the_reports_page(world, client, login):
    head = world["users"]["head_a"]
    login(head)
    empty = client.get("/inspection/reports/mine")
    assert b'data-testid="empty"' in empty.data
    response = client.post("/inspection/reports/jobs", data={
        "kind": "workbook", "agency": "P", "period": "quarter", "year": "2026",
        "number": "4"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/inspection/reports/mine")
    job = db.session.scalars(select(ReportJob)).one()
    assert job.root_agency.code == "A"  # a head's report covers their own agency
    assert (job.period_start, job.period_end) == (Q4.start, Q4.end)
    page = client.get("/inspection/reports/mine")
    assert b"<progress" in page.data and b"report_jobs.js" in page.data
    assert b"<script>" not in page.data and b"style=" not in page.data
    # Past the last page: not "you have asked for no report yet" (found by a QA pass).
    past = client.get("/inspection/reports/mine?page=9").get_data(as_text=True)
    assert 'data-testid="page-out-of-range"' in past and 'data-testid="empty"' not in past
    bad = client.post("/inspection/reports/jobs", data={"kind": "everything"})
    assert bad.status_code == 302 and "/inspection/reports" in bad.headers["Location"]
    assert db.session.scalar(select(db.func.count()).select_from(ReportJob)) == 1


def test_old_files_are_removed_after_the_retention_period(world):
    report_jobs.enqueue(world["users"]["inspector"], "official", "P", Q4, NOW)
    db.session.commit()
    (job,) = _run_all()
    path = report_jobs.file_path(job, _folder())
    assert report_jobs.purge_expired(NOW + timedelta(hours=71), _folder(), 72) == 0
    assert report_jobs.purge_expired(NOW + timedelta(hours=73), _folder(), 72) == 1
    db.session.commit()
    assert not path.exists() and job.filename is None and job.expired_at is not None
    assert report_jobs.file_path(job, _folder()) is None


def test_cli_runs_pending_jobs(world, runner):
    report_jobs.enqueue(world["users"]["inspector"], "official", "P", Q4, NOW)
    db.session.commit()
    result = runner.invoke(args=["reports", "run-pending"])
    assert result.exit_code == 0, result.output
    assert "report jobs run: 1" in result.output
    assert db.session.scalars(select(ReportJob)).one().status == "done"


def test_progress_stages_are_worded_in_the_readers_language(world, client, login):
    from complaints.domain.messages import N_

    inspector = world["users"]["inspector"]
    job = report_jobs.enqueue(inspector, "workbook", "P", Q4, NOW)
    job.status = "running"
    job.stage = report_jobs.stage_text(N_("Hồ sơ: %(done)s/%(total)s", done=40, total=120))
    db.session.commit()
    assert str(report_jobs.stage_message(job.stage)) == "Hồ sơ: 40/120"
    login(inspector)
    assert client.get(f"/inspection/reports/jobs/{job.id}/status").get_json()[
        "stage"] == "Hồ sơ: 40/120"
    client.get("/lang/en")
    assert client.get(f"/inspection/reports/jobs/{job.id}/status").get_json()[
        "stage"] == "Cases: 40/120"
    assert "Cases: 40/120" in client.get("/inspection/reports/mine").get_data(as_text=True)


def test_escalations_sheet_names_the_answerable_agency_and_follows_it(world):
    """An escalation counted against A stays on A's workbook after the case moved to B,
    and not on B's (the scorecard sheets count it for A), naming A as answerable."""
    inspector = world["users"]["inspector"]
    c1 = world["cases"]["c1"]
    raised = db.session.scalars(select(Escalation).where(Escalation.case_id == c1.id)).one()
    raised.agency_id = c1.agency_id
    workflow.transfer(c1, "B", "Thuộc sở B", None, NOW, TODAY)
    db.session.commit()
    folder = Path(_folder())
    folder.mkdir(parents=True, exist_ok=True)
    for root in ("A", "P"):
        workbook.write_workbook(inspector, root, Q4, TODAY, folder / f"{root}.xlsx")
        header, rows = _sheet_rows(folder / f"{root}.xlsx", "Leo thang")
        assert [r[0] for r in rows] == [c1.tracking_code], root
        assert rows[0][header.index("Cơ quan chịu trách nhiệm")] == "Sở A"
    workbook.write_workbook(inspector, "B", Q4, TODAY, folder / "B.xlsx")
    assert _sheet_rows(folder / "B.xlsx", "Leo thang")[1] == []
    head_a = world["users"]["head_a"]  # no longer sees the case: not listed
    workbook.write_workbook(head_a, "A", Q4, TODAY, folder / "ha.xlsx")
    assert _sheet_rows(folder / "ha.xlsx", "Leo thang")[1] == []
