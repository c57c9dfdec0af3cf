"""QA round 87: a stale admin form refused, then sent again as shown, moved an account out of
its agency or an agency out of the tree when the agency it named was recoded meanwhile."""
from __future__ import annotations

import pytest

from tests.integration.test_qa86_fixes import (  # noqa: F401  (fixture `province`)
    _agency,
    _user,
    browser_form,
    province,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _form(client, path):
    return browser_form(client.get(path).get_data(as_text=True))


def test_qa87_b1_stale_account_form_after_agency_recode_moves_the_account_out(client, province):  # noqa: F811
    """Account form open; another admin recodes its agency (TTR-HP → TTR-HP2). The save is
    refused as stale (right), but the form comes back with "— no agency —" selected (the
    typed old code is no longer an option) while the hint says "Hiện tại: Thanh tra thành
    phố". One more "Lưu" (the admin only fixed the name) takes the inspector out of the
    inspectorate (sessions ended, API tokens revoked)."""
    insp = _user("insp")
    account = _form(client, f"/admin/users/{insp.id}/edit")
    ttr = _agency("TTR-HP")
    agency = _form(client, f"/admin/agencies/{ttr.id}/edit")
    agency["code"] = "TTR-HP2"
    assert client.post(f"/admin/agencies/{ttr.id}/edit", data=agency).status_code == 302

    account["full_name"] = "Thanh tra viên Nguyễn Văn B"
    stale = client.post(f"/admin/users/{insp.id}/edit", data=account)
    assert stale.status_code == 422
    again = browser_form(stale.get_data(as_text=True))  # what the browser sends on "Lưu"
    client.post(f"/admin/users/{insp.id}/edit", data=again)
    assert _user("insp").agency is not None, "the account left its agency without anyone asking"


def test_qa87_b1_stale_agency_form_after_parent_recode_detaches_the_agency(client, province):  # noqa: F811
    so = _agency("SO-TNMT")
    child = _form(client, f"/admin/agencies/{so.id}/edit")
    city = _agency("UBND-HP")
    parent = _form(client, f"/admin/agencies/{city.id}/edit")
    parent["code"] = "UBND-HP2"
    assert client.post(f"/admin/agencies/{city.id}/edit", data=parent).status_code == 302

    child["name"] = "Sở Tài nguyên và Môi trường thành phố"
    stale = client.post(f"/admin/agencies/{so.id}/edit", data=child)
    assert stale.status_code == 422
    again = browser_form(stale.get_data(as_text=True))
    client.post(f"/admin/agencies/{so.id}/edit", data=again)
    moved = _agency("SO-TNMT")
    assert moved.parent is not None and moved.parent.code == "UBND-HP2", \
        "the agency was taken out of the tree"


@pytest.mark.parametrize("seen", ["garbled", "x" * 5000, "é\u202e"])
def test_a_garbled_fingerprint_is_refused_as_stale_and_saves_nothing(client, province,  # noqa: F811
                                                                     seen):
    so = _agency("SO-TNMT")
    form = _form(client, f"/admin/agencies/{so.id}/edit")
    answer = client.post(f"/admin/agencies/{so.id}/edit",
                         data=dict(form, seen=seen, name="Tên khác"))
    assert answer.status_code == 422
    assert _agency("SO-TNMT").name == "Sở Tài nguyên và Môi trường"
    insp = _user("insp")
    account = _form(client, f"/admin/users/{insp.id}/edit")
    answer = client.post(f"/admin/users/{insp.id}/edit",
                         data=dict(account, seen=seen, full_name="Tên khác"))
    assert answer.status_code == 422
    assert _user("insp").full_name != "Tên khác"
