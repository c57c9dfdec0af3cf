"""QA 113, the agency heads' actions. D1: naming the agency that holds a case its lead
agency moves nothing; its routing row (from the agency to itself) is no arrival, and the
decisions the agency signed between the real arrival and the designation stay recordable on
their own dates (domain.md: the acceptance clock starts when the case reaches the competent
agency). J7: a transfer or return form is refused once with every bad field."""
import re
from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import inspector_actions, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def inspector(make_user, make_agency):
    return make_user("inspector", agency=make_agency(code="TTTP", is_inspectorate=True,
                                                      level="inspectorate"))


def test_accept_signed_before_designation_of_holder(world, routed, inspector):
    case = routed()  # routed to SO-TNMT on 20/11
    inspector_actions.set_lead(case, "SO-TNMT", "Chỉ định chủ trì", inspector, NOW,
                               date(2026, 11, 27))
    db.session.commit()
    case = fresh(case)
    assert case.agency.code == "SO-TNMT" and case.status == "routed"
    # Before the real arrival (20/11): refused, as before.
    with pytest.raises(ValidationFailed):
        workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 19))
    db.session.rollback()
    case = fresh(case)
    # The head signed the acceptance on 25/11 (5 days after the case arrived on 20/11),
    # entered on 01/12.
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 25))
    assert case.accepted_on == date(2026, 11, 25)


def test_resolve_signed_before_designation_of_holder(world, routed, inspector):
    case = routed(accept=True)  # routed 20/11, accepted 23/11
    inspector_actions.set_lead(case, "SO-TNMT", "Chỉ định chủ trì", inspector, NOW,
                               date(2026, 11, 27))
    db.session.commit()
    case = fresh(case)
    assert case.status == "accepted" and case.accepted_on == date(2026, 11, 23)
    workflow.resolve(case, "right", "12/QĐ", "Khiếu nại đúng", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 26))
    assert (case.status, case.resolved_on) == ("resolved", date(2026, 11, 26))



@pytest.mark.parametrize("action", ["transfer", "return"])
def test_a_transfer_or_return_is_refused_once_with_every_bad_field(world, routed, action):
    """QA 113 J7: the reason was checked before the agency and the date, so a form with
    three bad fields took three submissions (ux.md: the error summary lists them all)."""
    case = routed()
    field = "to_agency_code" if action == "transfer" else "suggested_agency_code"
    check = workflow.check_transfer if action == "transfer" else workflow.check_return
    args = (case, "KHONG-CO", " ") if action == "transfer" else (case, " ", "KHONG-CO")
    with pytest.raises(ValidationFailed) as raised:
        check(*args, world["head"], TODAY, decided_on=date(2026, 12, 9))
    assert set(raised.value.errors) == {"reason", field, "decided_on"}


def test_every_home_list_cut_short_links_to_the_whole_list(client, login, world, routed,
                                                           monkeypatch):
    """QA 113 J6: the home's lists stop at its rows; only the unassigned one said so."""
    from complaints.web.agency import routes as agency_routes

    monkeypatch.setattr(agency_routes, "HOME_ROWS", 2)
    for _ in range(3):
        routed()  # routed 20/11: acceptance overdue on 01/12, so urgent too
    for _ in range(3):
        routed(accept=True)  # accepted, nobody assigned
    db.session.commit()
    login(world["head"])
    home = client.get("/agency/").get_data(as_text=True)
    for testid, status in (("all-waiting", "status=routed"), ("all-unassigned",
                                                               "status=unassigned"),
                           ("all-in-progress", "status=in_progress"),
                           ("all-urgent", "overdue=1")):
        link = re.search(rf'<a href="([^"]+)" data-testid="{testid}">([^<]+)</a>', home)
        assert link is not None, testid
        assert status in link.group(1)
    assert "Xem cả 3 hồ sơ" in home
    monkeypatch.setattr(agency_routes, "HOME_ROWS", 20)
    assert 'data-testid="all-' not in client.get("/agency/").get_data(as_text=True)


LATER = date(2026, 12, 20)


@pytest.mark.parametrize("then", ["extend", "resolve", "suspend"])
def test_a_decision_is_not_dated_before_the_extension_it_follows(world, routed, then):
    """QA 113 J1, J2: a second extension or a resolution dated before the extension
    already recorded was taken: the timeline showed an extension signed on a case already
    resolved. On the extension's day, or after, it is taken."""
    case = routed(kind="denunciation", accept=True)  # accepted 23/11, due 23/12
    workflow.extend(case, 30, "Đặc biệt phức tạp", world["head"], NOW, LATER,
                    decided_on=date(2026, 12, 15), complexity="very_complex")
    db.session.commit()
    case = fresh(case)
    act = {
        "extend": lambda on: workflow.extend(case, 30, "Cần xác minh thêm", world["head"],
                                             NOW, LATER, decided_on=on),
        "resolve": lambda on: workflow.resolve(case, "denunciation_right", "5/KL",
                                               "Tố cáo đúng", world["head"], NOW, LATER,
                                               decided_on=on),
        "suspend": lambda on: workflow.suspend(case, "Chờ kết quả giám định", world["head"],
                                               NOW, LATER, decided_on=on),
    }[then]
    with pytest.raises(ValidationFailed) as raised:
        act(date(2026, 11, 30))
    assert "15/12/2026" in str(raised.value.errors["decided_on"])
    db.session.rollback()
    case = fresh(case)
    act(date(2026, 12, 15))
    db.session.commit()
