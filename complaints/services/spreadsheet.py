"""Values written to CSV and .xlsx files, kept from being run as formulas.

Subjects, names and notes come from citizens (Open311, the desk, the portal): a text such
as `=HYPERLINK("http://…")` must reach the reader's spreadsheet as text (CSV/formula
injection, OWASP). Every writer of CSV or Excel files goes through these helpers.
"""

from __future__ import annotations

from openpyxl.cell import Cell, WriteOnlyCell

# What spreadsheets read as the start of a formula when they open a CSV file (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NOT_PLAIN_TEXT = (*FORMULA_STARTS, "#")  # "#": openpyxl's error codes ("#N/A", …)


def csv_field(value):
    """A CSV field: a text that could start a formula gets a leading `'` (OWASP); numbers,
    dates and the rest are returned as given, so that -2 stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet, value) -> Cell:
    """A write-only cell; a text is always a string cell, never a formula.

    openpyxl turns a str starting with "=" into a formula (and "#N/A" into an error). In
    .xlsx a string cell is never evaluated, so the text is kept exactly as written (no
    `'` prefix, which Excel would show); numbers, dates and booleans keep their types.
    """
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def xlsx_value(sheet, value):
    """What to append to a write-only sheet for `value`: a string cell for a text that
    openpyxl could read as a formula or an error code ("=…", "#N/A"), else the value.

    Plain values are cheaper than a cell each (the combined workbook writes millions), and
    openpyxl stores any other str as a string cell.
    """
    if isinstance(value, str) and value.startswith(_NOT_PLAIN_TEXT):
        return xlsx_cell(sheet, value)
    return value


def xlsx_row(sheet, values) -> list:
    """A row for a write-only sheet's `append`, every value through `xlsx_value`."""
    return [xlsx_value(sheet, value) for value in values]
