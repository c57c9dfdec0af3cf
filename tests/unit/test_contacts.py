"""A petitioner's ID number, phone and e-mail: normalised one way, refused, never stripped."""

from __future__ import annotations

import pytest

from complaints.domain import contacts


@pytest.mark.parametrize(("typed", "stored"), [
    ("031200000001", "031200000001"),  # CCCD: 12 digits
    (" 031 200 000 001 ", "031200000001"),
    ("031200001", "031200001"),  # CMND: 9 digits
    ("", None), ("   ", None), (None, None),
])
def test_id_numbers_accepted(typed, stored):
    assert contacts.id_number(typed) == stored


@pytest.mark.parametrize("typed", [
    "12abc", "12", "0312000001", "03120000000012", "031-200-000-001", "０３１２０００００００１",
])
def test_id_numbers_refused(typed):
    with pytest.raises(contacts.InvalidContact):
        contacts.id_number(typed)


@pytest.mark.parametrize(("typed", "stored"), [
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("+84912345678", "0912345678"),
    ("0225 3821 234", "02253821234"),  # landline, 11 digits
    ("(024) 3825 1234", "02438251234"),
    ("0243825123", "0243825123"),  # landline, 10 digits
    ("84912345678", "0912345678"),  # the country code without its "+" (found by QA)
    ("84 225 3821 234", "02253821234"),
    ("", None), (None, None),
])
def test_phones_accepted(typed, stored):
    assert contacts.phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "abcdef", "0912", "091234567", "09123456789", "912345678", "+8491234567",
    "0012345678", "0912abc345678", "8491234567", "849123456789",
])
def test_phones_refused(typed):
    with pytest.raises(contacts.InvalidContact):
        contacts.phone(typed)


@pytest.mark.parametrize(("typed", "stored"), [
    ("an@example.vn", "an@example.vn"), (" ngoc@thanhtra.gov.vn ", "ngoc@thanhtra.gov.vn"),
    ("", None), (None, None),
])
def test_emails_accepted(typed, stored):
    assert contacts.email(typed) == stored


@pytest.mark.parametrize("typed", ["a@b", "an.example.vn", "a@@b.vn", "a@b.test",
                                   "x" * 250 + "@b.vn"])
def test_emails_refused(typed):
    with pytest.raises(contacts.InvalidContact):
        contacts.email(typed)
