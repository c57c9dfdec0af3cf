"""Shared by the blueprints' form views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import FieldList
from wtforms.fields.choices import SelectChoice


def form_errors(form) -> dict[str, str]:
    """Return html id → first message for every field WTForms refused, rows of lists too."""
    errors = {}
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                for sub in entry.form:
                    if sub.errors:
                        errors[sub.id] = str(sub.errors[0])
        elif field.errors and isinstance(field.errors, list):
            errors[field.id] = str(field.errors[0])
    return errors


def select_choices(pairs: Iterable[tuple[Any, Any]], empty: Any = None) -> list[SelectChoice]:
    """Return (value, label) pairs as SelectChoice, after a ("", empty) option if given.

    WTForms 3.3 deprecates tuple choices and 3.4 drops them. Labels are kept as given, so
    lazy strings stay lazy; values too (e.g. ints behind coerce=int).
    """
    head = [SelectChoice("", empty)] if empty is not None else []
    return head + [SelectChoice(value, label) for value, label in pairs]
