"""Translatable messages for the service and domain layers, without Flask.

Services raise errors whose messages reach citizens and officers (ValidationFailed's field
messages, NotAllowed's reason). They must not call Flask-Babel (no request, no locale here),
so they only *mark* the Vietnamese msgid, and the web/API layer translates it at render
time in the user's language (complaints/web/i18n.py: ``translate``):

    raise ValidationFailed({"full_name": N_("Nhập họ và tên.")})
    raise ValidationFailed({"content": N_("Tối đa %(max)s ký tự.", max=CONTENT_MAX)})

``N_(msgid)`` returns the msgid unchanged. With values, ``N_(msgid, **params)`` returns a
``Message``: an immutable ``str`` whose text is the Vietnamese ``msgid % params`` (so logs,
the CLI and code comparing strings keep working) and which carries ``msgid`` and ``params``
for the translator. Placeholders are ``%(name)s`` (never f-strings: the msgid must be the
same constant text for every value).

A value that is written differently per language is passed wrapped, and the translator
words it in the reader's language: ``Number(10**13)`` (grouped "10.000.000.000.000" in
Vietnamese, "10,000,000,000,000" in English) and ``Named(vi, en)`` (a name recorded in
both languages, e.g. an agency's: the English one where recorded).

``make i18n`` extracts ``N_`` (Makefile I18N_KEYWORDS); tests/unit/test_service_messages.py
fails on a raise with an unmarked literal message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

_VIETNAMESE_MARKS = str.maketrans(",.", ".,")  # dots group thousands, a comma marks decimals


@dataclass(frozen=True)
class Number:
    """A number in a message's values, grouped as the reader's language writes it."""

    value: int | Decimal

    def __str__(self) -> str:
        """The Vietnamese writing (the text of the ``Message`` and of logs)."""
        return format(Decimal(self.value), ",f").translate(_VIETNAMESE_MARKS)


@dataclass(frozen=True)
class Named:
    """A name in a message's values recorded in Vietnamese and, maybe, in English."""

    vi: str
    en: str | None = None

    def __str__(self) -> str:
        return self.vi

    def in_language(self, lang: str) -> str:
        """The name in `lang`: the English one where recorded, else the Vietnamese."""
        return self.en if lang.startswith("en") and self.en else self.vi


class Message(str):
    """A msgid with its values: ``str(message)`` is the Vietnamese text, filled in."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        values = MappingProxyType(dict(params or {}))
        obj = super().__new__(cls, msgid % values if values else msgid)
        object.__setattr__(obj, "msgid", msgid)
        object.__setattr__(obj, "params", values)
        return obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Message is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Message is immutable")

    def __reduce__(self):
        return (Message, (self.msgid, dict(self.params)))

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {dict(self.params)!r})"


def N_(msgid: str, **params: Any) -> str:  # noqa: N802  (gettext's conventional marker name)
    """Mark a message for extraction; with values, return a ``Message`` carrying them."""
    return Message(msgid, params) if params else msgid


# Every typed text refuses control and invisible characters (domain.text.has_control) with
# this one message, so it reads the same on every form, the API and Open311.
CONTROL_CHARACTERS = N_("Có ký tự điều khiển không hợp lệ; hãy gõ lại nội dung này.")
