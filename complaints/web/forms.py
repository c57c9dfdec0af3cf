"""Shared by the blueprints' form views."""

from __future__ import annotations

from wtforms import FieldList


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
