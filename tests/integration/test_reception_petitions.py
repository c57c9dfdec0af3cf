"""Petitions raised at a reception session become cases in one step; heated and mass cases
prompt the agency head to hold an unscheduled reception (Law on Citizen Reception)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petition, ReceptionSession
from complaints.services import workflow
from complaints.services.errors import ValidationFailed
from complaints.services.intake import check_pin
from tests.conftest import NOW, TODAY
from tests.integration.session_world import *  # noqa: F403  (fixture: world)
from tests.integration.session_world import petition_form as _petition
from tests.integration.session_world import routed_case as _routed_case
from tests.integration.session_world import session_form as _session

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

HELD = "2026-11-30"




def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_two_petitions_become_two_cases_in_the_agency_queue(world, client, login):
    login(world["head"])
    form = _session(**_petition(0, "11311", "Xây dựng trái phép lấn chiếm hẻm", "Lê Văn Một"),
                    **_petition(1, "11312", "Cấp phép xây dựng chậm trễ quá hạn", "Phạm Thị Hai",
                                kind="feedback"))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalars(select(ReceptionSession)).one()
    assert response.headers["Location"].endswith(f"/inspection/reception/{session.id}")
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [c.subject for c in cases] == ["Xây dựng trái phép lấn chiếm hẻm",
                                          "Cấp phép xây dựng chậm trễ quá hạn"]
    for case in cases:
        petition = case.petitions[0]
        assert (petition.channel, petition.received_on) == ("reception_session",
                                                            date(2026, 11, 30))
        assert petition.reception_session_id == session.id
        # Received by the head in person: the agency's own to accept (chờ thụ lý).
        assert (case.status, case.agency_id) == ("routed", world["dept"].id)
    assert cases[1].kind == "feedback"
    recorded = _audit("reception_session_recorded")
    assert len(recorded) == 1
    assert json.loads(recorded[0].data)["petitions"] == [c.tracking_code for c in cases]
    assert len(_audit("received")) == 2 and len(_audit("routed")) == 2
    page = client.get(f"/inspection/reception/{session.id}").get_data(as_text=True)
    for case in cases:
        assert f'/agency/cases/{case.tracking_code}"' in page
    # Each new case's PIN is shown once on the session page (never in a flash message,
    # which rides in the readable session cookie), and it opens the citizen's look-up.
    pins = page.split('data-testid="session-pins"')[1].split("</div>")[0]
    for case in cases:
        pin = re.search(rf"<code>{case.tracking_code}</code></td><td><code>(\d{{6}})</code>",
                        pins)[1]
        assert check_pin(case, pin)
    again = client.get(f"/inspection/reception/{session.id}").get_data(as_text=True)
    assert 'data-testid="session-pins"' not in again
    home = client.get("/agency/").get_data(as_text=True)
    waiting = home.split('data-testid="waiting"')[1]
    assert all(c.tracking_code in waiting for c in cases)


def test_a_group_delegation_records_every_signer_and_its_representatives(world, client,
                                                                           login):
    login(world["reception"])
    members = "\n".join(f"Người Dân {n}, 09130000{n:02d}" for n in range(1, 5))
    too_many = _petition(0, "11311", "Phản đối dự án gây ô nhiễm", "Trưởng đoàn Nguyễn A",
                         representatives="Đại diện B, 0914000001\nĐại diện C", members=members)
    response = client.post("/inspection/reception/new", data=_session(
        kind="regular", leader_name="", delegations="1", delegation_people="7",
        delegation_matters="1", **too_many))
    # Seven people may choose at most two representatives (Art. 29): nothing saved.
    assert response.status_code == 422
    assert "Chỉ được cử tối đa 2 người đại diện." in response.get_data(as_text=True)
    assert db.session.scalar(select(Case.id)) is None
    ok = dict(too_many, **{"petitions-0-representatives": "Đại diện B, 0914000001"})
    response = client.post("/inspection/reception/new", data=_session(
        kind="regular", leader_name="", delegations="1", delegation_people="6",
        delegation_matters="1", **ok))
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalars(select(Case)).one()
    signers = case.petitions[0].signers
    assert len(signers) == 6
    assert sorted(s.petitioner.full_name for s in signers if s.is_representative) == [
        "Trưởng đoàn Nguyễn A", "Đại diện B"]
    # A reception desk's session: the case waits at the desk like any intake.
    assert (case.status, case.reception_agency_id) == ("received", world["desk"].id)
    assert case.tracking_code in client.get("/reception/").get_data(as_text=True)
    # Six people on one case is a mass petition: the holder is prompted to receive them.
    assert case.flag_mass


def test_a_denunciation_raised_without_the_denouncers_address_is_refused(world, client,
                                                                         login):
    """Intake's rule on every channel (Law on Denunciations Art. 23, 25), shown beside the
    row's address field."""
    login(world["head"])
    form = _session(**_petition(0, "11311", "Tố cáo cán bộ địa chính thu tiền", "Lê Văn Một",
                                kind="denunciation", address=""))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="petitions-0-address-error"' in html
    assert "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo." in html
    assert db.session.scalar(select(Case.id)) is None


def test_a_denouncing_delegation_gives_each_members_address(world, client, login):
    """Art. 23(1): each denouncer's name and address; members are typed one a line as
    "Họ tên, số điện thoại, địa chỉ" (QA round 6)."""
    login(world["head"])
    members = "Người Dân 1, 0913000001, Số 2, Lê Chân\nNgười Dân 2, 0913000002"
    form = _session(**_petition(0, "11311", "Tố cáo thu tiền sai quy định", "Trưởng đoàn A",
                                kind="denunciation", members=members))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="petitions-0-members-error"' in html
    assert 'id="petitions-0-address-error"' not in html  # the first person gave one
    assert db.session.scalar(select(Case.id)) is None
    form["petitions-0-members"] = members + ", Số 9 Lê Chân"
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalars(select(Case)).one()
    addresses = sorted(s.petitioner.address or "" for s in case.petitions[0].signers)
    assert addresses == ["Số 1 Lê Chân", "Số 2, Lê Chân", "Số 9 Lê Chân"]


def test_one_invalid_row_keeps_every_row_and_saves_nothing(world, client, login):
    login(world["head"])
    form = _session(**_petition(0, "11311", "Xây dựng trái phép lấn chiếm hẻm", "Lê Văn Một"),
                    **_petition(1, "11312", "", "", id_number=""))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="petitions-1-subject-error"' in html and 'id="petitions-1-full_name-error"' in html
    assert "petitions-0-subject-error" not in html
    assert 'value="Xây dựng trái phép lấn chiếm hẻm"' in html
    assert "Công dân trình bày: ." in html and 'value="Lê Văn Một"' in html
    assert 'value="2026-11-30"' in html
    assert db.session.scalar(select(ReceptionSession.id)) is None
    assert db.session.scalar(select(Case.id)) is None
    assert _audit("reception_session_recorded") == []


def test_duplicate_warning_then_confirm(world, client, login, make_case):
    earlier = make_case(actor=world["reception"], subject="Xây dựng trái phép lấn chiếm hẻm",
                        locality_code="11311", received_on=date(2026, 11, 20))
    workflow.route(earlier, "S", world["reception"], NOW, TODAY)  # the head sees its cases
    db.session.commit()
    login(world["head"])
    form = _session(**_petition(0, "11311", "Xây dựng trái phép lấn chiếm hẻm", "Lê Văn Một"))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 200
    assert 'data-testid="duplicates"' in response.get_data(as_text=True)
    assert earlier.tracking_code in response.get_data(as_text=True)
    assert db.session.scalar(select(ReceptionSession.id)) is None
    response = client.post("/inspection/reception/new", data=dict(form, confirm_new="1"))
    assert response.status_code == 302
    assert db.session.query(Petition).filter(
        Petition.reception_session_id.is_not(None)).count() == 1


def test_a_repeat_petition_joins_the_case_the_agency_holds(world, client, login, make_case):
    earlier = make_case(actor=world["reception"], subject="Xây dựng trái phép lấn chiếm hẻm",
                        locality_code="11311", received_on=date(2026, 11, 20))
    workflow.route(earlier, "S", world["reception"], NOW, TODAY)
    db.session.commit()
    cases_before = db.session.scalar(select(db.func.count(Case.id)))
    login(world["head"])
    form = _session(**_petition(0, "", "", "Lê Văn Một", kind="", field="",
                                join_code=earlier.tracking_code.lower().replace("-", ""),
                                content="Công dân tiếp tục phản ánh công trình chưa bị xử lý."),
                    **_petition(1, "11312", "Cấp phép xây dựng chậm trễ quá hạn",
                                "Phạm Thị Hai"))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalars(select(ReceptionSession)).one()
    # One new case (row 1); row 0 joined the earlier case instead of opening another.
    assert db.session.scalar(select(db.func.count(Case.id))) == cases_before + 1
    db.session.expire_all()
    joined = db.session.scalars(select(Petition).where(
        Petition.case_id == earlier.id, Petition.reception_session_id == session.id)).one()
    assert joined.is_duplicate and joined.handling_outcome == "joined"
    assert joined.channel == "reception_session" and joined.received_on == date(2026, 11, 30)
    assert joined.content == "Công dân tiếp tục phản ánh công trình chưa bị xử lý."
    assert [s.petitioner.full_name for s in joined.signers] == ["Lê Văn Một"]
    added = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{earlier.id}", AuditEvent.action == "petition_added")).one()
    assert json.loads(added.data)["petition"] == joined.id
    recorded = json.loads(_audit("reception_session_recorded")[0].data)
    assert recorded["joined"] == [earlier.tracking_code] and len(recorded["petitions"]) == 1
    page = client.get(f"/inspection/reception/{session.id}").get_data(as_text=True)
    assert earlier.tracking_code in page and page.count('data-testid="joined"') == 1


@pytest.mark.parametrize("whose", ["other agency", "unknown"])
def test_joining_a_case_the_agency_does_not_hold_is_refused(world, client, login, make_case,
                                                            whose):
    code = "2026-ZZZZZZZZ"
    if whose == "other agency":
        theirs = make_case(actor=world["reception"], subject="Khám chữa bệnh",
                           locality_code="11311")
        workflow.route(theirs, "O", world["reception"], NOW, TODAY)
        db.session.commit()
        code = theirs.tracking_code
    petitions_before = db.session.scalar(select(db.func.count(Petition.id)))
    login(world["head"])
    form = _session(**_petition(0, "", "", "Lê Văn Một", join_code=code),
                    **_petition(1, "11312", "Cấp phép xây dựng chậm trễ quá hạn",
                                "Phạm Thị Hai"))
    response = client.post("/inspection/reception/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="petitions-0-join_code-error"' in html and f'value="{code}"' in html
    assert 'value="Cấp phép xây dựng chậm trễ quá hạn"' in html  # nothing typed is lost
    assert db.session.scalar(select(ReceptionSession.id)) is None
    assert db.session.scalar(select(db.func.count(Petition.id))) == petitions_before


def test_a_reception_desk_joins_only_its_own_desk_cases(world, make_case, make_agency,
                                                        make_user):
    from complaints.services import intake
    from complaints.services import reception_sessions as sessions

    ours = make_case(actor=world["reception"], subject="Ngập úng đường Lê Chân")
    other_desk = make_user("reception", agency=make_agency(code="BTCD2", name="Ban TCD 2"))
    theirs = make_case(actor=other_desk, subject="Ngập úng đường An Biên")
    db.session.commit()

    def join(code: str) -> sessions.SessionData:
        person = intake.PetitionerData(full_name="Lê Văn Một")
        return sessions.SessionData(
            held_on=TODAY, kind="regular", counts={"turns": 1, "people": 1},
            petitions=[sessions.JoinedPetition(code, intake.PetitionData(
                channel="walk_in", received_on=TODAY, petitioners=[person]))])

    with pytest.raises(ValidationFailed) as refused:
        sessions.record_session_with_petitions(join(theirs.tracking_code), world["reception"],
                                               NOW, TODAY)
    assert set(refused.value.errors) == {"petitions.0.join_code"}
    session, opened = sessions.record_session_with_petitions(
        join(ours.tracking_code), world["reception"], NOW, TODAY)
    assert opened == []
    listed, hidden = sessions.session_cases(session, world["reception"])
    assert [(c.id, p.is_duplicate) for c, p in listed] == [(ours.id, True)]
    assert hidden == 0


# --- the prompt for an unscheduled reception ------------------------------------------------



def _unscheduled(client, code: str, **extra):
    data = _session(held_on=TODAY.isoformat(), case=code)
    data.pop("scheduled")  # unticked: unscheduled (đột xuất)
    data.update(extra)
    return client.post("/inspection/reception/new", data=data)


def _prompted(client, path: str, code: str) -> bool:
    return f'data-testid="prompt-{code}"' in client.get(path).get_data(as_text=True)


def test_mass_case_prompts_until_an_unscheduled_session_is_held(world, client, login,
                                                                  make_case):
    case = _routed_case(make_case, world, petitioners=5)
    assert case.flag_mass
    login(world["head"])
    assert _prompted(client, "/agency/", case.tracking_code)
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="unscheduled-prompt"' in page and 'data-testid="hold-unscheduled"' in page
    form = client.get(f"/inspection/reception/new?case={case.tracking_code}").get_data(
        as_text=True)
    assert 'data-testid="linked-case"' in form and 'id="scheduled"' in form
    assert 'name="scheduled" type="checkbox" value="y">' in form  # pre-filled: unscheduled
    # A periodic session cannot be the unscheduled one.
    assert _unscheduled(client, case.tracking_code, scheduled="y").status_code == 422
    client.post("/logout")
    login(world["inspector"])
    assert _prompted(client, "/inspection/reception", case.tracking_code)
    client.post("/logout")
    login(world["head"])
    response = _unscheduled(client, case.tracking_code)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not _prompted(client, "/agency/", case.tracking_code)
    page = client.get(f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert 'data-testid="unscheduled-prompt"' not in page
    assert [e.case_id for e in _audit("unscheduled_reception_held")] == [case.id]
    client.post("/logout")
    login(world["inspector"])
    assert not _prompted(client, "/inspection/reception", case.tracking_code)


def test_heated_case_prompts_and_is_audited(world, client, login, make_case):
    case = _routed_case(make_case, world)
    login(world["head"])
    assert not _prompted(client, "/agency/", case.tracking_code)
    assert 'data-testid="mark-heated"' in client.get(
        f"/agency/cases/{case.tracking_code}").get_data(as_text=True)
    assert client.post(f"/inspection/reception/heated/{case.tracking_code}",
                       data={"note": ""}).status_code == 422
    response = client.post(f"/inspection/reception/heated/{case.tracking_code}",
                           data={"note": "Công dân tụ tập đông, bức xúc kéo dài."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).heated_on == TODAY
    assert [json.loads(e.data)["note"] for e in _audit("marked_heated")] == [
        "Công dân tụ tập đông, bức xúc kéo dài."]
    assert _prompted(client, "/agency/", case.tracking_code)
    # A regular (staff) session does not answer it; the head's own does.
    response = _unscheduled(client, case.tracking_code, kind="regular", leader_name="")
    assert response.status_code == 302
    assert _prompted(client, "/agency/", case.tracking_code)
    assert _unscheduled(client, case.tracking_code, kind="deputy").status_code == 302
    assert not _prompted(client, "/agency/", case.tracking_code)
    client.post("/logout")
    # Another agency's head neither marks nor records about it.
    login(world["other_head"])
    assert client.get(f"/inspection/reception/heated/{case.tracking_code}").status_code == 404
    assert client.get(
        f"/inspection/reception/new?case={case.tracking_code}").status_code == 404


# --- QA fixes: the desk's way back, who answers the prompt, counts and statuses ---------------


def test_a_reception_desk_lists_its_own_sessions_only(world, client, login):
    login(world["head"])
    assert client.post("/inspection/reception/new", data=_session(
        leader_name="Giám đốc Sở Xây dựng", notes="Buổi của Sở")).status_code == 302
    client.post("/logout")
    login(world["reception"])
    response = client.post("/inspection/reception/new", data=_session(
        kind="regular", leader_name="", notes="Buổi của Ban"))
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="/inspection/reception"' in saved  # "← Tiếp công dân"
    form = client.get("/inspection/reception/new").get_data(as_text=True)
    assert 'href="/inspection/reception"' in form  # "Hủy"
    listing = client.get("/inspection/reception")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    [ours] = db.session.scalars(select(ReceptionSession).where(
        ReceptionSession.agency_id == world["desk"].id)).all()
    [theirs] = db.session.scalars(select(ReceptionSession).where(
        ReceptionSession.agency_id == world["dept"].id)).all()
    sessions_table = html.split('data-testid="reception-sessions"')[1]
    assert f"/inspection/reception/{ours.id}\"" in sessions_table
    assert f"/inspection/reception/{theirs.id}\"" not in html
    assert "Sở Xây dựng" not in html  # nothing of another agency: no row, no compliance
    assert client.get(f"/inspection/reception/{theirs.id}").status_code == 404


def test_the_desks_own_session_does_not_answer_the_holders_prompt(world, client, login,
                                                                   make_case):
    case = make_case(actor=world["reception"], received_on=date(2026, 11, 25))
    case.heated_on = TODAY
    db.session.commit()
    login(world["reception"])
    # An empty unscheduled session (0 turns, 0 people) is refused, with the reason.
    response = _unscheduled(client, case.tracking_code, kind="head",
                            leader_name="Trưởng Ban Tiếp công dân", turns="0", people="0",
                            matters_first="0")
    assert response.status_code == 422
    assert "Buổi tiếp đột xuất phải có công dân được tiếp" in response.get_data(as_text=True)
    assert db.session.scalar(select(ReceptionSession.id)) is None
    # The desk's head meets the citizens while the desk holds the case: that answers it.
    assert _unscheduled(client, case.tracking_code, kind="head",
                        leader_name="Trưởng Ban Tiếp công dân").status_code == 302
    assert not _prompted(client, "/inspection/reception", case.tracking_code)
    client.post("/logout")
    # Once the case is the department's, its head must meet the citizens himself.
    workflow.route(db.session.get(Case, case.id), "S", world["reception"], NOW, TODAY)
    db.session.commit()
    login(world["head"])
    assert _prompted(client, "/agency/", case.tracking_code)
    assert _unscheduled(client, case.tracking_code).status_code == 302
    assert not _prompted(client, "/agency/", case.tracking_code)


def test_a_desk_session_on_a_cluster_neighbour_does_not_answer_the_holder(world, client,
                                                                          login, make_case):
    from complaints.models import Cluster

    cluster = Cluster(subject_folded="o nhiem")
    db.session.add(cluster)
    db.session.flush()
    held = _routed_case(make_case, world, petitioners=5)
    at_desk = make_case(actor=world["reception"], received_on=date(2026, 11, 25),
                        petitioners=5)
    held.cluster_id = at_desk.cluster_id = cluster.id
    db.session.commit()
    login(world["reception"])
    assert _unscheduled(client, at_desk.tracking_code, kind="head",
                        leader_name="Trưởng Ban Tiếp công dân").status_code == 302
    client.post("/logout")
    login(world["head"])
    assert _prompted(client, "/agency/", held.tracking_code)
    page = client.get(f"/agency/cases/{held.tracking_code}").get_data(as_text=True)
    assert 'data-testid="unscheduled-prompt"' in page


def test_counts_follow_the_petitions_and_statuses_match_the_case_page(world, client, login):
    login(world["reception"])
    members = "\n".join(f"Người Dân {n}, 09130000{n:02d}" for n in range(1, 5))
    delegation = _petition(0, "11311", "Phản đối dự án gây ô nhiễm", "Trưởng đoàn Nguyễn A",
                           representatives="Đại diện B, 0914000001", members=members)
    response = client.post("/inspection/reception/new", data=_session(
        kind="regular", leader_name="", turns="0", people="0", matters_first="0",
        **delegation))
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalars(select(ReceptionSession)).one()
    assert (session.turns, session.people, session.matters_first, session.delegations,
            session.delegation_people, session.delegation_matters) == (1, 6, 1, 1, 6, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    details = page.split('data-testid="session-details"')[1].split("</dl>")[0]
    assert "1 (6 người)" in details and 'data-testid="counts-note"' in details
    case = db.session.scalars(select(Case)).one()
    case_page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    shown = case_page.split('data-testid="case-status">')[1].split("<")[0]
    row = page.split('data-testid="session-cases"')[1]
    assert f"<td>{shown}</td>" in row  # one wording of statuses on every page
    # A larger typed figure (citizens received without a petition) stands.
    client.post("/logout")
    login(world["head"])
    response = client.post("/inspection/reception/new", data=_session(
        turns="9", people="12", **_petition(0, "11312", "Cấp phép chậm", "Lê Văn Một",
                                            id_number="031200009999")))
    assert response.status_code == 302, response.get_data(as_text=True)
    mine = db.session.scalars(select(ReceptionSession).where(
        ReceptionSession.agency_id == world["dept"].id)).one()
    assert (mine.turns, mine.people, mine.matters_first) == (9, 12, 2)


def test_session_rows_state_the_history_or_leave_it_to_the_system(world, client, login,
                                                                  make_case):
    """A row may say the matter was decided by a court; a joined row left blank repeats its
    case; a history that does not fit the joined case's kind is that row's error."""
    earlier = _routed_case(make_case, world, subject="Xây dựng trái phép lấn chiếm hẻm",
                           locality_code="11311")
    login(world["head"])
    refused = client.post("/inspection/reception/new", data=_session(
        **_petition(0, "", "", "Lê Văn Một", kind="", field="",
                    join_code=earlier.tracking_code, history="follow_up")))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="petitions-0-history-error"' in page
    assert db.session.scalar(select(db.func.count(ReceptionSession.id))) == 0
    response = client.post("/inspection/reception/new", data=_session(
        **_petition(0, "", "", "Lê Văn Một", kind="", field="",
                    join_code=earlier.tracking_code),
        **_petition(1, "11312", "Khiếu nại quyết định thu hồi đất", "Phạm Thị Hai",
                    kind="complaint", history="court")))
    assert response.status_code == 302, response.get_data(as_text=True)
    rows = db.session.scalars(select(Petition).where(
        Petition.reception_session_id.is_not(None)).order_by(Petition.id)).all()
    assert [p.history for p in rows] == ["repeated", "court"]
