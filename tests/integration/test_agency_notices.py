"""Agency notices (one in-app row per escalation and agency, a read mark per reader) and the
sweep's e-mail digests (one per person per chunk, however many cases)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Escalation, Notification, NotificationRead
from complaints.services import escalation_notify, notifications, workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates


def _notice(agency, key="k1"):
    notifications.insert_ignoring_duplicates(Notification.__table__, [notifications.notice_row(
        key, "Tiêu đề", "Nội dung", NOW, agency_id=agency.id)])
    return db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key))


def test_each_leader_has_their_own_read_mark(world, make_user):
    deputy = make_user("agency_head", world.a, "phogiamdoc_a")
    first, second = _notice(world.a, "n1"), _notice(world.a, "n2")
    assert notifications.unread_count(world.head_a) == 2
    assert notifications.unread_count(deputy) == 2
    assert notifications.mark_read(world.head_a, NOW, first) == 1
    assert notifications.mark_read(world.head_a, NOW, first) == 0  # already read
    assert notifications.unread_count(world.head_a) == 1
    assert notifications.unread_count(deputy) == 2  # the deputy has not read it
    assert [i.id for i in notifications.inbox(world.head_a) if i.read_at is None] == [second]
    first_later = _notice(world.a, "n1b")  # newer, unread: unread first, newest first
    assert [i.id for i in notifications.inbox(world.head_a)] == [first_later, second, first]
    # `limit` caps the read ones; every unread one is listed (QA round 20).
    assert [i.id for i in notifications.inbox(world.head_a, limit=0)] == [first_later, second]

    # "All read" moves a watermark instead of writing a row per notice.
    assert notifications.mark_read(deputy, NOW) == 3
    assert notifications.unread_count(deputy) == 0 and deputy.notices_read_upto == first_later
    assert db.session.scalar(select(func.count()).select_from(NotificationRead)
                             .where(NotificationRead.user_id == deputy.id)) == 0
    third = _notice(world.a, "n3")
    assert [i.id for i in notifications.inbox(deputy) if i.read_at is None] == [third]


def test_notices_go_to_leaders_not_to_staff_or_other_agencies(world, make_agency, make_user):
    _notice(world.a)
    assert notifications.unread_count(world.officer_a) == 0  # agency A has a head
    assert notifications.unread_count(world.head_b) == 0
    assert notifications.mark_read(world.head_b, NOW, _notice(world.a, "n2")) == 0
    # An agency with no head account: its staff read its notices.
    small = make_agency("PHONG-X", parent=world.a)
    clerk = make_user("agency_officer", small, "vanthu_x")
    _notice(small, "x1")
    assert notifications.unread_count(clerk) == 1


def test_notices_are_worded_in_the_readers_language(world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    items = notifications.inbox(world.head_a)
    assert items and "Quá hạn" in items[0].subject
    english = escalation_notify.localise(items, "en")
    assert "Overdue" in english[0].subject and routed_case.tracking_code in english[0].body


def test_a_big_sweep_sends_each_person_one_digest_per_chunk(world, make_case):
    cases = []
    for _ in range(7):
        case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
        workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
        cases.append(case)
    db.session.flush()
    as_of = ladder_dates(cases[0])[1]  # all overdue at level 1, addressed to agency A
    summary = escalate_due(as_of, NOW, chunk_size=5)
    assert summary.escalated == 7
    notices = db.session.scalars(select(Notification).where(
        Notification.channel == "in_app")).all()
    assert len(notices) == 7 and {n.agency_id for n in notices} == {world.a.id}
    mails = db.session.scalars(select(Notification).where(
        Notification.channel == "email").order_by(Notification.id)).all()
    # Two chunks (5 + 2 cases): head A gets two digests naming every case once.
    assert [m.email_to for m in mails] == ["giamdoc.a@so-a.gov.vn"] * 2
    assert sum(m.body.count("\n- ") + m.body.startswith("- ") for m in mails) == 7
    assert all(c.tracking_code in "".join(m.body for m in mails) for c in cases)
    assert summary.notifications == 7 + 2
    assert notifications.unread_count(world.head_a) == 7

    # Nothing twice: a second sweep writes no notice and no digest.
    again = escalate_due(as_of, NOW, chunk_size=5)
    assert again.escalated == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 9


def test_digest_lists_a_bounded_number_of_cases(world):
    digest = escalation_notify.Digest()
    head = escalation_notify.Directory().leaders(world.a.id)
    for n in range(escalation_notify.DIGEST_LINES + 5):
        digest.add(head, "overdue", "acceptance", 1, f"HS-{n:04d}", TODAY)
    (row,) = digest.rows("e1", NOW)
    assert row["email_to"] == "giamdoc.a@so-a.gov.vn"
    assert row["body"].count("HS-") == escalation_notify.DIGEST_LINES
    assert "5 hồ sơ khác" in row["body"] and row["subject"].startswith("[Leo thang] 105")


def test_reminders_are_one_message_per_person(world, routed_case, make_case):
    other = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    for case in (routed_case, other):
        db.session.add(Escalation(case_id=case.id, stage="acceptance", level=1,
                                  reason="overdue", to_agency_id=world.a.id,
                                  as_of=date(2026, 11, 20), created_at=NOW))
    db.session.flush()
    assert escalation_notify.remind_unacknowledged(date(2026, 11, 23), NOW) == 1
    (note,) = db.session.scalars(select(Notification).where(
        Notification.user_id == world.head_a.id)).all()
    assert "2 kiến nghị" in note.subject
    assert routed_case.tracking_code in note.body and other.tracking_code in note.body


def test_the_sweeps_cached_audit_body_is_the_canonical_form():
    from complaints.services import audit
    from complaints.services.escalation import _audit_template

    for to in ("TTT", None, 'Sở "A"'):
        parts = _audit_template(TODAY, to, "acceptance", 3, "inspection", 7, date(2026, 11, 2))
        assert str(12345).join(parts) == audit.canonical_json({
            "escalation": 12345, "stage": "acceptance", "level": 3, "reason": "inspection",
            "to": to, "due_on": date(2026, 11, 2), "as_of": TODAY})


def test_the_inbox_links_each_notice_to_the_case_page(client, login, world, routed_case):
    escalate_due(ladder_dates(routed_case)[1], NOW)
    db.session.commit()
    login(world.head_a)
    page = client.get("/inbox").get_data(as_text=True)
    code = routed_case.tracking_code
    assert f"{code}</a>" in page and f'/cases/{code}"' in page


def test_an_english_notice_states_the_due_date_as_the_vietnamese_one(world, routed_case):
    # Found by QA: "… Hạn: 08/12/2026." in Vietnamese, no due date in English.
    escalate_due(ladder_dates(routed_case)[2], NOW)
    items = [i for i in notifications.inbox(world.province_head) if i.escalation_id]
    assert items
    due = f"{routed_case.deadline('acceptance').due_on:%d/%m/%Y}"
    assert f"Hạn: {due}." in items[0].body
    english = escalation_notify.localise(items, "en")
    assert english[0].body == (f"Case {routed_case.tracking_code}, stage acceptance (thụ lý): "
                               f"escalation level 2 (Urged). Due date: {due}.")
    # A notice that states no due date (a pattern) gets none in English either.
    assert " Due date" not in escalation_notify.localise(
        [notifications.InboxItem(1, "s", "Hồ sơ X, giai đoạn vụ việc: leo thang mức 3.",
                                 NOW, None, items[0].escalation_id, None)], "en")[0].body


def test_a_pattern_notice_names_no_stage_and_cites_article_18_3():
    """Found by QA (round 7): pattern notices read "stage case" in English ("giai đoạn vụ
    việc"), and the mass notice cited Art. 18 where the prompt is Art. 18(3)."""
    subject, body = escalation_notify.message("mass", "case", 3, "2026-ABC", "en")
    assert body == ("Case 2026-ABC: escalation level 3 (Mass petition). The leaders should hold "
                    "an unscheduled citizen reception (Law on Citizen Reception, Art. 18(3)).")
    _subject, body = escalation_notify.message("evaded", "case", 2, "2026-ABC", "vi")
    assert body.startswith("Hồ sơ 2026-ABC: leo thang mức 2 (")
    assert "giai đoạn" not in body
    _subject, body = escalation_notify.message("overdue", "acceptance", 1, "2026-ABC", "en")
    assert body.startswith("Case 2026-ABC, stage acceptance (thụ lý): escalation level 1")
