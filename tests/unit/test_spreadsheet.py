"""Unit tests for the CSV/Excel value guards against formula injection (no database)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from complaints.services.spreadsheet import csv_field, xlsx_row
from complaints.web.export import _csv_lines, _write_xlsx

RISKY = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(1)",
         "\t=1+1", "\r=1+1"]
PLAIN = ["Tranh chấp đất đai", "a-b", "x=1", "'quoted", "", " =1+1"]
TYPED = [-2, -2.5, Decimal("-12.5"), 0, True, None, date(2026, 11, 2),
         datetime(2026, 11, 2, 8, 30)]


@pytest.mark.parametrize("text", RISKY)
def test_csv_field_quotes_text_that_starts_a_formula(text):
    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("value", PLAIN + TYPED)
def test_csv_field_leaves_other_values_alone(value):
    assert csv_field(value) is value


def test_csv_quotes_risky_text_and_keeps_negative_numbers_as_numbers():
    body = "".join(_csv_lines(["Nội dung", "Số"], [["-2+3", -2], ["=1+1", -2.5],
                                                    ["Đất", date(2026, 11, 2)]]))
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["Nội dung", "Số"], ["'-2+3", "-2"], ["'=1+1", "-2.5"],
                    ["Đất", "02/11/2026"]]


def test_xlsx_text_is_always_a_string_cell_and_other_values_keep_their_type():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, [*RISKY, "#N/A", *PLAIN[:3], -2, -2.5, True]))
    data = io.BytesIO()
    book.save(data)
    (row,) = load_workbook(data)["x"].iter_rows()
    texts, typed = row[:-3], row[-3:]
    assert [c.value for c in texts] == [*RISKY, "#N/A", *PLAIN[:3]]  # exactly, no '
    assert all(c.data_type == "s" for c in texts)
    assert [(c.value, c.data_type) for c in typed] == [(-2, "n"), (-2.5, "n"), (True, "b")]


def test_list_download_xlsx_keeps_dates_and_numbers_typed():
    data = io.BytesIO()
    _write_xlsx(data, "ho-so", ["=Mã", "Ngày", "Số"],
                [["=1+1", date(2026, 11, 2), -2], ["@x", None, 3.5]])
    sheet = load_workbook(data).active
    rows = list(sheet.iter_rows())
    assert [(c.value, c.data_type) for c in rows[0]] == [
        ("=Mã", "s"), ("Ngày", "s"), ("Số", "s")]
    assert (rows[1][0].value, rows[1][0].data_type) == ("=1+1", "s")
    assert rows[1][1].is_date and rows[1][1].value == datetime(2026, 11, 2)
    assert (rows[1][2].value, rows[1][2].data_type) == (-2, "n")
    assert (rows[2][0].value, rows[2][0].data_type, rows[2][2].value) == ("@x", "s", 3.5)
