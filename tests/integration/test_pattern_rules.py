"""Thresholds of the repeated and mass patterns: an administrator adds a version from a date,
and intake applies the version in force on each petition's date."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, PatternRule
from tests.conftest import TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import receive_matter

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _version(client, **fields):
    data = {"code": "mass_petitioners", "value": "3", "effective_from": TODAY.isoformat(),
            "source": "Quyết định 12/QĐ-UBND"}
    return client.post("/admin/patterns/new", data={**data, **fields})


def test_defaults_are_seeded_with_their_basis(app):
    rows = {r.code: r for r in db.session.scalars(select(PatternRule))}
    assert {code: r.value for code, r in rows.items()} == {
        "mass_petitioners": 5, "mass_window_days": 30, "repeat_petitions": 3,
        "repeat_window_months": 12, "similar_subject": 80, "evasion_moves": 2}
    assert "Điều 29" in rows["mass_petitioners"].source


def test_a_lower_mass_threshold_applies_to_petitions_from_its_date(world, make_locality,
                                                                     make_user, client, login):
    loc = make_locality("31003")
    admin = make_user("admin", username="quantri")
    login(admin)
    assert _version(client).status_code == 302
    row = db.session.scalar(select(PatternRule).where(PatternRule.effective_from == TODAY))
    assert (row.code, row.effective_from, row.created_by_id) == ("mass_petitioners", TODAY,
                                                                 admin.id)
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"pattern_rule:{row.id}")).all() == ["pattern_rule_added"]
    page = client.get("/admin/patterns").get_data(as_text=True)
    assert 'data-testid="current-mass_petitioners">3<' in page and "12/QĐ-UBND" in page

    # Three people on a matter received before the version: not mass (five still needed).
    before = [receive_matter(world, loc, "Xây tường lấn lối đi chung xóm Bắc", [name],
                       date(2026, 11, 20 + i))
              for i, name in enumerate(["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường"])]
    assert not any(c.flag_mass for c in before)
    # Another matter from the version's date on: two people are not mass, the third makes
    # it mass (and the whole matter is flagged).
    after = [receive_matter(world, loc, "Ô nhiễm khói lò gạch thôn Nam", [name], TODAY)
             for name in ["Đỗ Văn Dũng", "Ngô Thị Em"]]
    assert not any(c.flag_mass for c in after)
    after.append(receive_matter(world, loc, "Ô nhiễm khói lò gạch thôn Nam", ["Vũ Văn Giang"],
                          TODAY))
    db.session.expire_all()
    assert all(c.flag_mass for c in after) and len({c.cluster_id for c in after}) == 1


@pytest.mark.parametrize("fields, field, message", [
    ({"value": "1"}, "value", "Giá trị phải từ 2 đến 100."),
    ({"code": "similar_subject", "value": "100"}, "value", "Giá trị phải từ 50 đến 99."),
    ({"effective_from": "2026-11-30"}, "effective_from", "không được trước hôm nay"),
    ({"source": " "}, "source", "Nêu căn cứ pháp lý."),
    ({"code": "nobody"}, "code", "Lựa chọn không hợp lệ"),
    # No value (the form's check) and a past date (the service's): both in one round.
    ({"value": "", "effective_from": "2026-11-30"}, "value",
     ("Nhập giá trị.", "không được trước hôm nay")),
])
def test_bad_versions_are_refused_and_write_nothing(make_user, client, login, fields, field,
                                                    message):
    login(make_user("admin", username="quantri"))
    count = db.session.scalar(select(func.count()).select_from(PatternRule))
    response = _version(client, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert all(m in page for m in ((message,) if isinstance(message, str) else message))
    assert db.session.scalar(select(func.count()).select_from(PatternRule)) == count


def test_one_version_per_threshold_and_date(make_user, client, login):
    login(make_user("admin", username="quantri"))
    assert _version(client).status_code == 302
    response = _version(client, value="4")
    assert response.status_code == 422 and "Đã có phiên bản" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PatternRule).where(
        PatternRule.effective_from == TODAY)) == 1


def test_the_basis_in_force_is_shown_in_the_readers_language(make_user, client, login):
    login(make_user("admin", username="quantri"))
    page = client.get("/admin/patterns").text
    cell = page.split('data-testid="basis-mass_petitioners">')[1][:200]
    assert cell.startswith("Luật Tiếp công dân 2013, Điều 29")
    client.get("/lang/en")
    page = client.get("/admin/patterns").text
    cell = page.split('data-testid="basis-mass_petitioners">')[1].split("<")[0]
    assert cell.startswith("Law on Citizen Reception 2013, Art. 29")
    assert "Quy định của tỉnh" not in page  # the seeded defaults' basis, in English
    assert _version(client).status_code == 302  # a version's basis stays as typed
    page = client.get("/admin/patterns").text
    assert page.split('data-testid="basis-mass_petitioners">')[1].startswith(
        "Quyết định 12/QĐ-UBND")
