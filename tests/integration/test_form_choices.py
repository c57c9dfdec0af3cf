"""Every select offers SelectChoice objects: WTForms 3.3 deprecates (value, label) tuples
and 3.4 removes them.

Warnings are recorded here (not only turned into errors by a -W flag), so a regression fails
a plain `pytest` run too. WTForms checks the shape of choices in the field's constructor only:
a list a view assigns at request time never warns, so those are recorded as assigned.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from datetime import date
from pathlib import Path

import pytest
import wtforms
from wtforms import FieldList, Form, FormField, SelectField
from wtforms.fields.choices import SelectChoice, SelectFieldBase

import complaints.web
from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

WTFORMS_DIR = str(Path(wtforms.__file__).parent)

# Form classes whose choices are declared on the class: discovery must find at least these.
DECLARED = {"AnonymiseForm", "IntakeForm", "FileForm", "FeedbackForm", "RaisedPetitionForm",
            "ReceptionSessionForm", "ReportJobForm", "AcknowledgeForm"}

# (form class, field) of every choices list the views fill at request time.
FILLED = {
    ("AgencyForm", "parent_code"), ("UserForm", "role"), ("UserForm", "agency_code"),
    ("RoutingRuleForm", "field_code"), ("RoutingRuleForm", "kind"),
    ("RoutingRuleForm", "agency_code"), ("PolicyForm", "stage"), ("PolicyForm", "kind"),
    ("PolicyForm", "round"), ("PolicyForm", "variant"), ("PolicyForm", "unit"),
    ("CalendarOverrideForm", "kind"),
    ("IntakeForm", "kind"), ("IntakeForm", "channel"), ("IntakeForm", "field"),
    ("IntakeForm", "province"), ("IntakeForm", "locality_code"), ("RouteForm", "agency_code"),
    ("ReturnForm", "suggested_agency_code"), ("TransferForm", "to_agency_code"),
    ("AssignForm", "officer"), ("ExtendForm", "complexity"), ("ResolveForm", "outcome"),
    ("LeadForm", "agency_code"), ("InspectorActionForm", "agency_code"),
    ("RaisedPetitionForm", "kind"), ("RaisedPetitionForm", "field"),
    ("RaisedPetitionForm", "locality_code"),
    ("SubmitForm", "kind"), ("SubmitForm", "field"), ("SubmitForm", "locality_code"),
    ("FieldForm", "report_category"), ("DocumentForm", "purpose"),
    ("CorrectParticularsForm", "field"), ("CorrectParticularsForm", "province"),
    ("CorrectParticularsForm", "locality_code"),
}


def _about_choices(caught) -> list[str]:
    """The recorded DeprecationWarnings raised by WTForms or about choices."""
    return [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
            if issubclass(w.category, DeprecationWarning)
            and (w.filename.startswith(WTFORMS_DIR) or "choice" in str(w.message).lower())]


def _form_classes() -> list[type[Form]]:
    """Every form class defined under complaints.web (each module imported first)."""
    for info in pkgutil.walk_packages(complaints.web.__path__, "complaints.web."):
        importlib.import_module(info.name)
    found: set[type[Form]] = set()
    todo = [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted((c for c in found if c.__module__.startswith("complaints.")),
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _selects(form: Form):
    """The select-like fields of a form, rows of field lists and sub-forms included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                if isinstance(entry, FormField):
                    yield from _selects(entry.form)
                elif isinstance(entry, SelectFieldBase):
                    yield entry
        elif isinstance(field, FormField):
            yield from _selects(field.form)
        elif isinstance(field, SelectFieldBase):
            yield field


def test_form_classes_declare_select_choices(app):
    """Build each form class, render and iterate its selects: no WTForms warning."""
    with_selects, not_select_choice = set(), []
    with app.test_request_context(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cls in _form_classes():
            form = cls()  # the constructor is where WTForms checks declared choices
            for field in _selects(form):
                with_selects.add(cls.__name__)
                field()
                list(field)
                list(field.iter_choices())
                if field.has_groups():
                    list(field.iter_groups())
                not_select_choice += [f"{cls.__name__}.{field.short_name}: {c!r}"
                                      for c in field.choices or ()
                                      if not isinstance(c, SelectChoice)]
    assert DECLARED <= with_selects, DECLARED - with_selects
    assert not _about_choices(caught), "\n".join(_about_choices(caught))
    assert not not_select_choice, "\n".join(not_select_choice)


@pytest.fixture
def assigned(monkeypatch):
    """Record (form class, field, choices) of every choices list assigned after construction."""
    seen: list[tuple[str, str, object]] = []
    choices = SelectField.choices  # RadioField and SelectMultipleField inherit it

    def record(field, value):
        seen.append((type(field._form).__name__, field.short_name, value))
        choices.fset(field, value)

    monkeypatch.setattr(SelectField, "choices", property(choices.fget, record))
    return seen


@pytest.fixture
def world(make_agency, make_user, make_case):
    """A desk with a received case; an agency holding a routed complaint (with an evasion
    escalated to the agency) and an accepted denunciation; a user of each role."""
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    own = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    reception = make_user("reception", agency=desk)
    head = make_user("agency_head", agency=own)
    make_user("agency_officer", agency=own)
    routed = make_case(actor=reception)
    workflow.route(routed, own.code, reception, NOW, TODAY, decided_on=date(2026, 11, 20))
    accepted = make_case(actor=reception, kind="denunciation")
    workflow.route(accepted, own.code, reception, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.accept(accepted, head, NOW, TODAY, decided_on=date(2026, 11, 23))
    received = make_case(actor=reception)
    db.session.add(Escalation(case_id=routed.id, stage="acceptance", level=1, reason="evaded",
                              to_agency_id=own.id, as_of=TODAY))
    db.session.commit()
    return {"own": own, "reception": reception, "head": head, "inspector": make_user("inspector"),
            "admin": make_user("admin"), "routed": routed.tracking_code,
            "accepted": accepted.tracking_code, "received": received.tracking_code}


def test_views_fill_select_choices(app, client, world, assigned):
    """Open every page whose selects are filled by the view; each list is SelectChoice."""
    routed, accepted, received = world["routed"], world["accepted"], world["received"]
    visits = {
        "admin": ["/admin/agencies/new", f"/admin/agencies/{world['own'].id}/edit",
                  "/admin/users/new", "/admin/routing-rules/new", "/admin/policies/new",
                  "/admin/calendar/new", "/admin/fields/new"],
        "reception": ["/reception/new", f"/reception/cases/{received}",
                      # a refused POST fills RouteForm before re-rendering the page
                      ("POST", f"/reception/cases/{received}/route", 422),
                      f"/reception/cases/{received}/particulars",
                      "/inspection/reception/new"],
        "head": [f"/agency/cases/{routed}/return", f"/agency/cases/{routed}/transfer",
                 f"/agency/cases/{accepted}/assign", f"/agency/cases/{accepted}/extend",
                 f"/agency/cases/{accepted}/resolve", "/escalations"],
        "inspector": [f"/inspection/cases/{routed}"],
        None: ["/cong-dan/gui-don"],
    }
    db.session.commit()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for who, pages in visits.items():
            browser = app.test_client()  # a _Client: the `client` fixture set the class
            if who is not None:
                signed_in = browser.post("/login", data={"username": world[who].username,
                                                         "password": PASSWORD})
                assert signed_in.status_code == 302, who
            for page in pages:
                method, path, status = page if isinstance(page, tuple) else ("GET", page, 200)
                response = browser.open(path, method=method)
                assert response.status_code == status, f"{who} {method} {path}"
                db.session.rollback()
                db.session.expire_all()
    filled = {(form, field) for form, field, _value in assigned}
    assert FILLED <= filled, sorted(FILLED - filled)
    not_select_choice = sorted({f"{form}.{field}" for form, field, value in assigned
                                for c in value or () if not isinstance(c, SelectChoice)})
    assert not not_select_choice, not_select_choice
    assert not _about_choices(caught), "\n".join(_about_choices(caught))
