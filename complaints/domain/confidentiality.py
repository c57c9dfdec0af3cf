"""What a denouncer's identity is, and how it is hidden (Law on Denunciations Art. 8, 56).

One definition for the pages, the API and exports alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from complaints.domain import contacts
from complaints.domain.messages import N_
from complaints.domain.text import digits, fold, same_spelling

# Stored and compared in Vietnamese; pages and the API translate it when they show it.
MASK = N_("*** (bảo mật)")
# Keys of audit data that could reveal a denouncer: masked in timelines when hidden
# (intake events hold only counts today, but later events might carry more).
IDENTITY_KEYS = frozenset(
    {"full_name", "name", "names", "id_number", "phone", "email", "address", "petitioner",
     "petitioners", "signer", "signers_names", "filename",
     # A scan's checksum: whoever holds a copy of the letter could confirm it is this
     # case's (QA round 10).
     "sha256",
     # What an administrator typed to open a petitioner's data (a request that may name
     # them), recorded with the identity view on each denunciation they signed.
     "ground"}
)


# A denunciation's withdrawal reason is the denouncer's own letter (or the desk's words for
# it), which naturally names its author: refusing it would refuse the letter, so the trail
# keeps it as written and a reader who may not see the denouncer reads this instead (QA
# round 59: the denounced agency's officers read the name in the timeline).
AUTHOR_TEXT_HIDDEN = N_("(ẩn: lý do rút đơn có thể nêu danh tính người tố cáo)")
# The audit events whose keys hold such a text: what each one's key is.
_AUTHOR_TEXTS = {"withdrawn": ("reason",), "signers_withdrawn": ("reason",)}


def hide_author_texts(kind: str, action: str, data: dict,
                      hidden: str = AUTHOR_TEXT_HIDDEN) -> dict:
    """`data` of a `kind` case's `action` event with the denouncer's own texts replaced by
    `hidden`, for a reader to whom the denouncer is masked (a copy; other data as it is)."""
    keys = _AUTHOR_TEXTS.get(action, ()) if kind == "denunciation" else ()
    if not keys or not isinstance(data, dict):
        return data
    return {k: (hidden if k in keys and v not in (None, "") else v) for k, v in data.items()}


def mask_data(value, mask: str = MASK):
    """Return a copy of nested dicts/lists with every identity key's value masked."""
    if isinstance(value, dict):
        return {k: (mask if k in IDENTITY_KEYS and v is not None else mask_data(v, mask))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v, mask) for v in value]
    return value


# The subject of a denunciation is listed to staff who may not see who denounced (lists,
# exports, notices); only its content is kept from them. A subject naming its writer
# would undo that, so intake refuses it (the online form's subject is the citizen's own).
SUBJECT_NAMES_DENOUNCER = N_(
    "Trích yếu của đơn tố cáo không được ghi họ tên, số giấy tờ, số điện thoại hay thư điện "
    "tử của người tố cáo: trích yếu được hiện cho cả người không được biết ai tố cáo. Ghi "
    "những điều đó ở phần thông tin người gửi và nội dung đơn.")
# A correction's reason is in the case's timeline, which readers who may not know who
# denounced read too (QA round 44).
REASON_NAMES_DENOUNCER = N_(
    "Nội dung này không được ghi họ tên, số giấy tờ, số điện thoại hay thư điện tử của người "
    "tố cáo: nó được hiện cho cả người không được biết ai tố cáo.")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER_SEPARATORS = re.compile(r"[\s.,\-()/_]+")  # "031,299,887,766" too (QA 103)
_SHORTEST_NUMBER = 6  # shorter runs of digits (dates, plot numbers) name nobody


def _words(text: str | None) -> str:
    return f" {_NOT_WORD.sub(' ', fold(text)).strip()} "


_LETTERS = re.compile(r"[^\W_]+")


def _typed_as(text: str, full_name: str) -> bool:
    """Is the name in `text` as its accents allow: each word spelt as the name's (case and
    the tone mark's place aside: text.same_spelling), or one of the two without accents?
    "Nguyen Van Hung" may be "Nguyễn Văn Hưng" and the other way round (a citizen typing
    on a phone, an officer writing the name right; QA round 71); "Nguyễn Văn Hùng",
    accented otherwise, is someone else (QA round 69: a conclusion naming the official
    denounced was refused as naming the denouncer)."""
    name = _LETTERS.findall(unicodedata.normalize("NFC", full_name))
    typed = _LETTERS.findall(unicodedata.normalize("NFC", text))
    want = [fold(word) for word in name]
    folded = [fold(word) for word in typed]
    size = len(name)
    return any(
        folded[i:i + size] == want
        and all(word.isascii() or spelt.isascii() or same_spelling(word, spelt)
                for word, spelt in zip(typed[i:i + size], name, strict=True))
        for i in range(len(typed) - size + 1))


def names_denouncer(subject: str | None, people: Iterable) -> bool:
    """Does the subject give one of the denouncers' full name (two words or more, case
    aside, with its accents or none: _typed_as), ID or phone number (six digits or more,
    separators aside; a phone with or without its +84: _numbers) or e-mail?
    `people`: anything with full_name and, optionally, id_number, phone, email."""
    if not subject:
        return False
    words = _words(subject)
    packed = _NUMBER_SEPARATORS.sub("", subject)
    lowered = subject.casefold()
    for person in people:
        name = _words(getattr(person, "full_name", None))
        if len(name.split()) >= 2 and name in words and _typed_as(subject, person.full_name):
            return True
        for found in _numbers(person):
            if len(found) >= _SHORTEST_NUMBER and found in packed:
                return True
        email = (getattr(person, "email", None) or "").strip().casefold()
        if email and email in lowered:
            return True
    return False


def _numbers(person) -> list[str]:
    """The person's ID and phone numbers as digits; the phone also as its subscriber
    number without the national 0, the part that "+84 987 001 122", "84987001122" and
    "0987 001 122" share: a note giving the number in its international form passed
    (QA round 103)."""
    found = [digits(getattr(person, "id_number", None))]
    typed = getattr(person, "phone", None)
    phone = contacts.lenient(contacts.phone, typed) or digits(typed)
    found.append(phone[1:] if phone.startswith("0") else phone)
    return found


# The same test read for anyone, not only a denouncer: the personal-data export and
# anonymising ask whether a file's name names the person whose data it is.
names_person = names_denouncer
