"""Accent folding for search and matching: "Nguyễn Văn A" and "Nguyen Van A" are equal."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
# Control characters (C0 but tab and line breaks, DEL, C1), lone surrogates (a JSON "\ud800")
# and the noncharacters U+FDD0–U+FDEF, U+FFFE, U+FFFF: never part of a typed text, and not
# allowed in XML 1.0 (an Open311 feed holding one breaks for every client).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                      "\ufffe\uffff]")
# Letters and symbols that print as nothing: Hangul fillers, the blank Braille pattern.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


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


def has_control(text: str | None) -> bool:
    """Does the text hold a control character (other than tab and line breaks)?"""
    return bool(text) and _CONTROL.search(text) is not None


def without_control(text: str) -> str:
    """The text without control characters: what may go into XML whatever was stored."""
    return _CONTROL.sub("", text)


def blank(text: str | None) -> bool:
    """Is nothing visible in the text? Spaces, zero-width and other format characters
    (Unicode Cf: U+200B, U+200D, U+FEFF, bidi marks…), controls, unassigned code points and
    blank-looking letters (U+3164, U+2800) show nothing: a name made of them is no name."""
    return not any(not ch.isspace() and ch not in _BLANK_LOOKING
                   and unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Cn")
                   for ch in text or "")
