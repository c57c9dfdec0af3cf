"""No form of the app renders `maxlength` from its length check: a browser cuts a pasted
text to it without a word (QA 97 fixed the citizens' forms and left the staff's as a
judgement). The server's check refuses the text instead, beside its field, whole."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from sqlalchemy import select

import complaints.web
from complaints.domain.limits import CONTENT_MAX
from complaints.extensions import db
from complaints.models import Case
from complaints.web.forms import Form
from tests.conftest import TODAY
from tests.integration.reception_helpers import intake_form, person
from tests.integration.test_reception import desk  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(complaints.web.__path__, "complaints.web."):
        importlib.import_module(module.name)
    found, todo = set(), [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _fields(form):
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                yield from (_fields(entry.form) if entry.type == "FormField" else [entry])
        elif field.type == "FormField":
            yield from _fields(field.form)
        else:
            yield field


def test_no_bound_field_of_any_form_carries_a_maxlength(app):
    forms = _forms()
    assert len(forms) > 30  # the walk found the blueprints' forms
    limited = 0
    with app.test_request_context("/", method="GET"):
        for cls in forms:
            if inspect.signature(cls.__init__).parameters.keys() - {"self", "args", "kwargs",
                                                                    "formdata", "obj",
                                                                    "prefix", "data",
                                                                    "meta"}:
                continue  # needs arguments of its page; its fields bind the same way
            form = cls(meta={"csrf": False})
            for field in _fields(form):
                limited += any(getattr(v, "max", -1) not in (-1, None)
                               for v in field.validators if type(v).__name__ == "Length")
                assert field.flags.maxlength is None, f"{cls.__qualname__}.{field.name}"
                assert "maxlength" not in str(field()) if field.type in (
                    "StringField", "TextAreaField") else True
    assert limited > 10  # length checks are there, only not rendered


def test_the_desks_letter_over_the_limit_is_refused_whole(client, desk):  # noqa: F811
    _officer, ward = desk
    page = client.get("/reception/new").get_data(as_text=True)
    assert 'name="content"' in page and "maxlength" not in page
    letter = "Nội dung rất dài. " * (CONTENT_MAX // 18 + 10) + "Đề nghị xem xét lại."
    response = client.post("/reception/new", data=intake_form(
        ward.code, [person(1)], TODAY, content=letter, confirm_new="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Không quá {CONTENT_MAX} ký tự." in html
    assert letter in html
    assert db.session.scalar(select(Case.id)) is None
