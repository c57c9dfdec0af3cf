"""Accent folding for search and matching: "Nguyễn Văn A" and "Nguyen Van A" are equal."""

from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Return text without accents, lower-cased, with single spaces."""
    if not text:
        return ""
    # đ/Đ have no combining accent; unidecode maps them to d/D as Vietnamese readers expect.
    return _SPACES.sub(" ", unidecode(text)).strip().lower()


def digits(text: str | None) -> str:
    """Return only the digits of a phone or ID number, so formatting does not matter."""
    return "".join(ch for ch in text or "" if ch.isdigit())


def name_order(name: str | None) -> tuple[str, str]:
    """Sort key for Vietnamese names: "Đắk Lắk" among the D's, "Ái Quốc" among the A's (a
    code-point sort puts every accented first letter after "Z"); ties keep accents apart."""
    return fold(name), name or ""
