"""WTForms' own messages (it has no Vietnamese catalog) show in the page's language."""

from __future__ import annotations

from pathlib import Path

import wtforms
from babel.messages.pofile import read_po

from complaints.web.forms import WTFORMS_MESSAGES


def test_every_message_wtforms_has_is_mapped():
    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    wanted = set()
    for message in catalog:
        if message.id:
            wanted.update(message.id if isinstance(message.id, tuple) else (message.id,))
    assert wanted - set(WTFORMS_MESSAGES) == set()


def test_a_form_says_it_in_vietnamese_then_in_english(client, login, make_user):
    login(make_user("admin", username="quantri"))
    data = {"stage": "resolution", "kind": "feedback", "round": "0", "variant": "normal",
            "days": "0", "unit": "working", "extension_days": "", "max_extensions": "0",
            "effective_from": "2027-01-01", "source": "Quyết định 1/QĐ"}
    page = client.post("/admin/policies/new", data=data).get_data(as_text=True)
    assert "Số phải từ 1 trở lên." in page and "Trường này là bắt buộc." in page
    assert "Number must be" not in page and "This field is required." not in page
    client.get("/lang/en")
    page = client.post("/admin/policies/new", data=data).get_data(as_text=True)
    assert "Number must be at least 1." in page and "This field is required." in page


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_app_takes_the_shared_base(app):
    from complaints.web.forms import Form, SubForm

    forms = {cls for cls in _subclasses(wtforms.Form) if cls.__module__.startswith("complaints.")}
    assert len(forms) > 30
    strays = {f"{cls.__module__}.{cls.__name__}" for cls in forms
              if not issubclass(cls, (Form, SubForm))}
    assert strays == set()
