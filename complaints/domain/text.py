"""Text as people type it: accent folding for search and matching ("Nguyễn Văn A" and
"Nguyen Van A" are equal), blank and control checks, composition (NFC), tracking codes."""

from __future__ import annotations

import dataclasses
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


# Vietnamese alphabetical order (Vietnamese dictionaries; ICU's "vi" collation): ă and â
# follow a, đ follows d, ê follows e, ô and ơ follow o, ư follows u; the Latin letters the
# alphabet lacks (f, j, w, z) keep their Latin places. A letter is its base plus the marks
# that make it a letter of its own (breve, circumflex, horn); the tones come second.
_ALPHABET = ("a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k",
             "l", "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x",
             "y", "z")
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")  # breve, circumflex, horn
# Tones in dictionary order after the level tone: huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(name: str) -> list[tuple[str, int]]:
    """Split a name into (letter, tone): "Đặng" → [(đ, 0), (ă, 5), (n, 0), (g, 0)]."""
    result: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", name.casefold()):
        if unicodedata.combining(ch) and result:
            letter, tone = result[-1]
            if ch in _LETTER_MARKS:
                result[-1] = (unicodedata.normalize("NFC", letter + ch), tone)
            else:
                result[-1] = (letter, _TONE_RANK.get(ch, tone))
        else:
            result.append((ch, 0))
    return result


# Old encodings' mix-ups write "Đ" as the Icelandic eth "Ð" (U+00D0, casefolded "ð").
_ETH = str.maketrans("\u00d0\u00f0", "\u0110\u0111")


def _spelling(word: str) -> tuple[str, tuple[int, ...]]:
    letters = _letters(word.translate(_ETH))
    return "".join(letter for letter, _tone in letters), tuple(
        sorted(tone for _letter, tone in letters if tone))


def same_spelling(a: str, b: str) -> bool:
    """Are two words written alike, case aside and wherever the tone mark sits? Vietnamese
    writes the tone of "oa", "oe", "uy" on either vowel ("Hòa"/"Hoà", "Thủy"/"Thuỷ"), and
    keyboards make both; "Hùng" and "Hưng" differ (a letter, a tone)."""
    return _spelling(a) == _spelling(b)


def name_order(name: str | None) -> tuple:
    """Sort key for Vietnamese names in the Vietnamese alphabet: "Dương" before "Đà Nẵng"
    before "Điện Biên", "Ân Thi" among the A's after "An Lão" ("â" follows "a"), tones
    deciding only between names alike letter for letter ("Ba" < "Bà" < "Bá"), then case.
    Other characters (spaces, digits, punctuation) come before letters, in code order."""
    letters = _letters(_SPACES.sub(" ", name or "").strip())
    primary = tuple((1, _LETTER_RANK[letter]) if letter in _LETTER_RANK else (0, ord(letter[0]))
                    for letter, _tone in letters)
    return primary, tuple(tone for _letter, tone in letters), name or ""


def has_control(text: str | None) -> bool:
    """Does the text hold a control character (other than tab and line breaks)?"""
    return bool(text) and _CONTROL.search(text) is not None


def without_control(text: str) -> str:
    """The text without control characters: what may go into XML whatever was stored."""
    return _CONTROL.sub("", text)


def visible_length(text: str | None) -> int:
    """How many characters of the text show (spaces count; format characters and the rest
    `blank` ignores do not): a minimum length padded with zero-width characters is not met."""
    return sum(1 for ch in text or "" if ch.isspace() or not blank(ch))


def blank(text: str | None) -> bool:
    """Is nothing visible in the text? Spaces, zero-width and other format characters
    (Unicode Cf: U+200B, U+200D, U+FEFF, bidi marks…), controls, unassigned code points and
    blank-looking letters (U+3164, U+2800) show nothing: a name made of them is no name."""
    return not any(not ch.isspace() and ch not in _BLANK_LOOKING
                   and unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Cn")
                   for ch in text or "")


def name_problem(name: str | None):
    """What is wrong with a person's name as typed, or None: nothing visible (`blank`), or
    no letter at all — digits, punctuation or pictographs only (QA 97: "😀😀" and "..."
    were saved as petitioners' names, and printed on the official forms)."""
    from complaints.domain.messages import N_

    if blank(name):
        return N_("Nhập họ và tên.")
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return N_("Họ và tên phải có chữ cái.")
    return None


def nfc(text):
    """The text as it reads: in Unicode's composed form (NFC), each line break one LF;
    anything else as given. Keyboards that type decomposed Vietnamese (Unikey's "Unicode
    tổ hợp", macOS) write "ệ" as three code points: composed, a text is measured as it
    reads, and the same words typed on two keyboards are stored as one string (QA 97).
    Browsers send a text box's line breaks as CR LF, which counted twice against a limit
    the box itself showed as kept, and the API's LF once (QA 99)."""
    if not isinstance(text, str):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_fields(data) -> None:
    """Compose (`nfc`) every text attribute of a dataclass instance, in place: what a
    service takes from a form, the API or Open311, before it is checked and saved."""
    for item in dataclasses.fields(data):
        value = getattr(data, item.name)
        if isinstance(value, str):
            setattr(data, item.name, nfc(value))


# Whitespace and dash-like characters a tracking code may be typed, read back or pasted
# with: hyphen-minus, the Unicode hyphens and dashes (U+2010–2015), the minus sign, the
# small and full-width hyphen-minus. The codes' alphabet holds none of them.
_CODE_SEPARATORS = re.compile("[\\s\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")
_CODE_YEAR = 4  # a code is the year, a hyphen, then its letters: 2026-7KQ4M2XH


def normal_tracking_code(typed: str | None) -> str:
    """A tracking code as typed → as issued: "20267kq4m2xh", "2026 7KQ4M2XH" and
    "2026 – 7KQ4M2XH" are all "2026-7KQ4M2XH". Separators dropped, upper case, the hyphen
    put back after the 4-digit year; text that does not start with a year is only
    stripped of separators and upper-cased (it names no case either way)."""
    code = _CODE_SEPARATORS.sub("", typed or "").upper()
    year = code[:_CODE_YEAR]
    if len(code) > _CODE_YEAR and year.isascii() and year.isdigit():
        return f"{year}-{code[_CODE_YEAR:]}"
    return code
