"""A petitioner's ID number, phone number and e-mail address: checked, then written one way.

Each normaliser returns the value as it is stored, None for a blank input, and raises
`InvalidContact` for anything else. None of them drops what it does not understand:
"12abc" is refused, never stored as "12" (search and matching may still compare digits
only, see text.digits; what is stored is what was typed, in one form).
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

# Số định danh cá nhân / CCCD: 12 digits; the older CMND: 9 digits. Spaces are formatting.
_ID_NUMBER = re.compile(r"[0-9]{9}|[0-9]{12}")
# A national phone number: mobile (and new landline) numbers are 10 digits starting with 0;
# landlines are 10 or 11 digits starting with 02. "+84" stands for the leading 0.
_PHONE = re.compile(r"0[1-9][0-9]{8}|02[0-9]{9}")
_PHONE_SEPARATORS = re.compile(r"[\s.()-]+")
EMAIL_MAX = 255


class InvalidContact(ValueError):
    """A value that is not an ID number, phone number or e-mail address of the expected form."""


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def id_number(text: str | None) -> str | None:
    """Return the ID number's 9 or 12 digits without spaces; None when blank."""
    if _blank(text):
        return None
    number = re.sub(r"\s+", "", text)
    if not _ID_NUMBER.fullmatch(number):
        raise InvalidContact(text)
    return number


def phone(text: str | None) -> str | None:
    """Return the national phone number as digits from its 0 ("+84 912…" → "0912…");
    None when blank. Spaces, dots, hyphens and brackets are formatting."""
    if _blank(text):
        return None
    number = _PHONE_SEPARATORS.sub("", text)
    if number.startswith("+84"):
        number = "0" + number[3:]
    elif number.startswith("84") and len(number) in (11, 12):
        # The country code without its "+" (no national number starts with 8: they start
        # with their 0, 10 digits for a mobile, 11 for a landline).
        number = "0" + number[2:]
    if not _PHONE.fullmatch(number):
        raise InvalidContact(text)
    return number


def email(text: str | None) -> str | None:
    """Return the e-mail address as typed, trimmed; None when blank (the domain must be a
    real one: a dot, no reserved name; whether it accepts mail is not checked)."""
    if _blank(text):
        return None
    address = text.strip()
    if len(address) > EMAIL_MAX:
        raise InvalidContact(text)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidContact(text) from None
    return address


def transport_address(address: str) -> str:
    """The address as SMTP carries it: an accented domain in its ASCII form ("an@tổchức.vn"
    → "an@xn--tchc-ly5a8e.vn", RFC 5890), so that only an accented local part needs a
    server with SMTPUTF8 (QA round 71: such addresses were failed for good). A display name
    ("Thanh tra tỉnh <tt@sở.vn>", as MAIL_FROM may be written) is kept, for the message's
    header to encode, and only the address inside it converted."""
    name, bare = parseaddr(address)
    try:
        found = validate_email(bare or address, check_deliverability=False)
    except EmailNotValidError:
        return address  # stored before the check: the server says what it makes of it
    converted = f"{found.local_part}@{found.ascii_domain}"
    return str(Address(display_name=name, addr_spec=converted)) if name else converted


def lenient(normalise, text: str | None) -> str | None:
    """`normalise(text)`, or None where it refuses the text: for the look-ups and checks
    that run beside validation (validation reports the refusal itself)."""
    try:
        return normalise(text)
    except InvalidContact:
        return None


def stored_forms(text: str | None) -> set[str]:
    """What a typed number may be as intake stores it: its ID-number reading and its phone
    reading, those the normalisers accept ("+84 988 333 444" → {"0988333444"}). For the
    searches that take either in one box."""
    return {form for normalise in (id_number, phone)
            if (form := lenient(normalise, text)) is not None}
