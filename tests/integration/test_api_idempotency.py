"""The API's Idempotency-Key (services/idempotency.py): a petition sent again after a lost
answer opens no second case; the same key with another request is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, DeskSubmission, Petition
from complaints.services import idempotency
from tests.integration.test_api import _case_body, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")

KEY = {"Idempotency-Key": "3f1c9a4e-5b7d-4e2a-9c1f-7a8b6d5e4c3b"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_petition_sent_again_with_its_key_opens_no_second_case(api, world):  # noqa: F811
    body = _case_body(world)
    first = api(world["reception"], "POST", "/cases", json=body, headers=KEY)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["pin"]
    events = _count(AuditEvent)
    again = api(world["reception"], "POST", "/cases", json=body, headers=KEY)
    assert again.status_code == 200, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    answer = again.get_json()
    assert answer["tracking_code"] == first.get_json()["tracking_code"]
    assert "pin" not in answer  # given once, with the first answer
    assert _count(Case) == 1
    # Nothing written by the replay but (for a denouncer's identity) its view.
    assert _count(AuditEvent) == events


def test_without_a_key_each_send_is_a_new_petition(api, world):  # noqa: F811
    body = _case_body(world)
    assert api(world["reception"], "POST", "/cases", json=body).status_code == 201
    assert api(world["reception"], "POST", "/cases", json=body).status_code == 201
    assert _count(Case) == 2


def test_the_same_key_with_another_request_is_refused(api, world):  # noqa: F811
    assert api(world["reception"], "POST", "/cases", json=_case_body(world),
               headers=KEY).status_code == 201
    other = api(world["reception"], "POST", "/cases",
                json=_case_body(world, subject="Lấn chiếm vỉa hè"), headers=KEY)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert _count(Case) == 1


def test_a_refused_request_keeps_its_key_free_for_the_corrected_one(api, world):  # noqa: F811
    bad = api(world["reception"], "POST", "/cases", json=_case_body(world, kind="nonsense"),
              headers=KEY)
    assert bad.status_code == 422
    assert _count(DeskSubmission) == 0
    good = api(world["reception"], "POST", "/cases", json=_case_body(world), headers=KEY)
    assert good.status_code == 201


def test_keys_are_each_users_own(api, world, make_user):  # noqa: F811
    other_desk_officer = make_user("reception", agency=world["desk"], username="tiepdan2")
    body = _case_body(world)
    assert api(world["reception"], "POST", "/cases", json=body, headers=KEY).status_code == 201
    assert api(other_desk_officer, "POST", "/cases", json=body, headers=KEY).status_code == 201
    assert _count(Case) == 2


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 256])
def test_a_malformed_key_is_refused_with_its_rule(api, world, key):  # noqa: F811
    refused = api(world["reception"], "POST", "/cases", json=_case_body(world),
                  headers={"Idempotency-Key": key.encode().decode("latin-1")})
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.get_json()["errors"]
    assert _count(Case) == 0


def test_a_later_letter_sent_again_is_joined_once(api, world):  # noqa: F811
    code = api(world["reception"], "POST", "/cases", json=_case_body(world)).get_json()[
        "tracking_code"]
    letter = {"channel": "mail", "received_on": "2026-11-24",
              "content": "Gửi lại đơn lần hai", "petitioners": _case_body(world)["petitioners"]}
    first = api(world["reception"], "POST", f"/cases/{code}/petitions", json=letter,
                headers=KEY)
    assert first.status_code == 201, first.get_json()
    again = api(world["reception"], "POST", f"/cases/{code}/petitions", json=letter,
                headers=KEY)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert _count(Petition) == 2
    # The same key on another request (a new case) is refused, not answered with this one.
    assert api(world["reception"], "POST", "/cases", json=_case_body(world),
               headers=KEY).status_code == 422


def test_two_sends_at_the_same_moment_open_one_case(api, world, monkeypatch):  # noqa: F811
    """The second send looked before the first had committed (earlier_case found nothing),
    then collides on the token: it is rolled back and answers the first one's case."""
    body = _case_body(world)
    first = api(world["reception"], "POST", "/cases", json=body, headers=KEY)
    looked = []
    real = idempotency.earlier_case

    def not_yet_committed(token, asked):
        looked.append(token)
        return None if len(looked) == 1 else real(token, asked)

    monkeypatch.setattr(idempotency, "earlier_case", not_yet_committed)
    again = api(world["reception"], "POST", "/cases", json=body, headers=KEY)
    assert len(looked) == 2
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["tracking_code"] == first.get_json()["tracking_code"]
    assert _count(Case) == 1


def test_the_openapi_document_names_the_header_and_the_replay(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/cases"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert "200" in post["responses"] and "201" in post["responses"]


# --- forgetting the tokens: one row per intake must not grow for ever ---------------------

def test_tokens_past_their_days_are_forgotten_by_the_daily_job(api, world, app):  # noqa: F811
    from datetime import timedelta

    from sqlalchemy import update

    from complaints import jobs
    from complaints.models import JobRun
    from tests.conftest import NOW

    body = _case_body(world)
    first = api(world["reception"], "POST", "/cases", json=body, headers=KEY)
    assert first.status_code == 201
    fresh = {"Idempotency-Key": "a-newer-key"}
    assert api(world["reception"], "POST", "/cases", json=_case_body(world, subject="Mới"),
               headers=fresh).status_code == 201
    assert _count(DeskSubmission) == 2
    # The first was saved 30 days and a minute ago, the other 29 days ago (the job reads
    # the pinned clock: NOW).
    first_case = db.session.scalar(select(Case.id).where(
        Case.tracking_code == first.get_json()["tracking_code"]))
    db.session.execute(update(DeskSubmission).values(created_at=NOW - timedelta(days=29)))
    db.session.execute(update(DeskSubmission).where(DeskSubmission.case_id == first_case)
                       .values(created_at=NOW - timedelta(days=30, minutes=1)))
    db.session.commit()

    result = jobs.forget_submissions(app)
    assert (result.removed, result.kept) == (1, 1)
    assert _count(DeskSubmission) == 1
    assert db.session.get(JobRun, "submission_tokens").last_error is None
    # The cases are untouched; the forgotten key now opens a new case (as documented),
    # the newer one still answers with its own.
    assert _count(Case) == 2
    assert api(world["reception"], "POST", "/cases", json=_case_body(world, subject="Mới"),
               headers=fresh).status_code == 200
    assert api(world["reception"], "POST", "/cases", json=body, headers=KEY).status_code == 201
    # A second scheduler running the job at the same time finds nothing more to delete.
    assert jobs.forget_submissions(app).removed == 0


def test_the_cli_counts_first_and_takes_its_days(api, world, runner, monkeypatch):  # noqa: F811
    from datetime import timedelta

    from complaints import clock
    from tests.conftest import NOW

    assert api(world["reception"], "POST", "/cases", json=_case_body(world),
               headers=KEY).status_code == 201
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=8))  # the command's now
    dry = runner.invoke(args=["submissions", "forget", "--days", "7", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would forget 1 tokens older than 7 days; 0 newer kept" in dry.output
    assert _count(DeskSubmission) == 1
    default = runner.invoke(args=["submissions", "forget"])  # 30 days: nothing that old
    assert "forgot 0 tokens older than 30 days; 1 newer kept" in default.output
    done = runner.invoke(args=["submissions", "forget", "--days", "7"])
    assert done.exit_code == 0, done.output
    assert "forgot 1 tokens" in done.output
    db.session.rollback()
    assert _count(DeskSubmission) == 0
    bad = runner.invoke(args=["submissions", "forget", "--days", "0"])
    assert bad.exit_code == 2 and "--days" in bad.output


def test_the_scheduler_names_the_job_and_its_time(runner, monkeypatch):
    """QA round 91: `flask scheduler --help` and its start-up line list every daily job."""
    from complaints import jobs
    from complaints.cli.escalation import scheduler

    class Stopped:
        def start(self):
            raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "build_scheduler", lambda app: Stopped())
    assert "old submission tokens (03:20)" in scheduler.help
    result = runner.invoke(args=["scheduler"])
    assert "old submission tokens at 03:20" in result.output, result.output
    assert "Scheduler stopped." in result.output
