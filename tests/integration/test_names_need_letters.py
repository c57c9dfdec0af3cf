"""A person's name holds at least one letter (a judgement of QA 97, acted on): names of
emoji, digits or punctuation only were saved, and printed on the official forms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.domain.text import name_problem
from complaints.extensions import db
from complaints.models import Case
from tests.conftest import TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_public import desk, form  # noqa: F401

NOT_NAMES = ["😀😀", "...", "12345", "— —", "\u200b"]
NAMES = ["Nguyễn Văn A", "A", "H'Hen Niê", "Nguyễn Thị 2", "Đỗ"]


@pytest.mark.parametrize("name", NOT_NAMES)
def test_a_name_with_no_letter_is_a_problem(name):
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", NAMES)
def test_a_name_with_letters_is_not(name):
    assert name_problem(name) is None


def test_the_citizens_form_refuses_an_emoji_name_and_keeps_the_rest(client, desk):  # noqa: F811
    response = client.post("/cong-dan/gui-don", data=form(full_name="😀😀"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Họ và tên phải có chữ cái." in html
    assert db.session.scalar(select(Case.id)) is None


def test_the_desk_refuses_a_co_petitioner_named_with_dots(client, make_user, make_locality,
                                                          login, fixed_clock):
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    data = intake_form(ward.code, [person(1), person(2, full_name="...")], TODAY,
                       confirm_new="1")
    response = client.post("/reception/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Họ và tên phải có chữ cái." in html
    assert db.session.scalar(select(Case.id)) is None


def test_the_message_has_its_english(app):
    from flask_babel import force_locale

    from complaints.web.i18n import translate

    with app.test_request_context("/"), force_locale("en"):
        assert translate(name_problem("...")) == "A name must contain letters."


@pytest.mark.parametrize("name", ["...", "123", "😀😀"])
def test_the_admin_cannot_create_an_account_whose_name_has_no_letter(make_user, make_agency,
                                                                     name):
    """QA 101: checked on an edit only, such an account was created, then every later edit
    of it was refused for its name."""
    from complaints.services import admin as admin_service
    from complaints.services.errors import ValidationFailed
    from tests.conftest import NOW

    admin = make_user("admin")
    agency = make_agency("SO-X")
    with pytest.raises(ValidationFailed) as refused:
        admin_service.create_user("nguoimoi", "agency_officer", "mat-khau-dai-1234", admin,
                                  NOW, agency_code=agency.code, full_name=name)
    assert refused.value.errors["full_name"] == "Họ và tên phải có chữ cái."
