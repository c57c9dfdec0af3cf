"""CSV and Excel downloads of a list page: the columns and rows the page shows.

The whole file is written while the view runs, into a temporary file that stays in memory
while small and spills to disk when large, and only that file is sent. Rows are usually
built from ORM objects: reading them while the body is sent would run after the request's
database session has been closed (an error on the first row), so nothing here is lazy
past the return of `download`.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO

from flask import Response, send_file
from openpyxl import Workbook

from complaints.services.spreadsheet import csv_field, xlsx_cell, xlsx_row, xlsx_value

SPOOL_MAX = 4 * 1024 * 1024  # bytes kept in memory before the file spills to disk
DATE_FORMAT = "%d/%m/%Y"  # dates in Vietnamese pages and CSV files (ux.md)
EXCEL_DATE_FORMAT = "dd/mm/yyyy"
EXCEL_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _text(value):
    """A CSV field: dates as dd/mm/yyyy, text that could start a formula quoted with `'`,
    everything else as given."""
    if isinstance(value, datetime):
        return value.strftime(f"{DATE_FORMAT} %H:%M")
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return csv_field(value)


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM so that Excel opens the UTF-8 file with its accents
    writer.writerow([csv_field(value) for value in header])
    for row in rows:
        writer.writerow([_text(value) for value in row])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _excel_row(sheet, row: list) -> list:
    """Dates become date cells shown as dd/mm/yyyy, so that Excel sorts and filters them;
    text is always a string cell, never a formula."""
    cells = []
    for value in row:
        if isinstance(value, date):
            cell = xlsx_cell(sheet, value)
            cell.number_format = (EXCEL_DATETIME_FORMAT if isinstance(value, datetime)
                                  else EXCEL_DATE_FORMAT)
            cells.append(cell)
        else:
            cells.append(xlsx_value(sheet, value))
    return cells


def _write_csv(out: IO[bytes], header: list[str], rows: Iterable[list]) -> None:
    for chunk in _csv_lines(header, rows):
        out.write(chunk.encode("utf-8"))


def _write_xlsx(out: IO[bytes], name: str, header: list[str], rows: Iterable[list]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name[:31])
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(_excel_row(sheet, row))
    workbook.save(out)


def download(fmt: str, name: str, header: list[str], rows: Iterable[list]) -> Response:
    """Answer with the rows as CSV or as an .xlsx workbook (write-only).

    `rows` is read to the end before this returns; dates in it are written as dd/mm/yyyy
    text in CSV and as date cells in Excel.
    """
    # Closed by the response once sent (or here if writing fails).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)
    try:
        if fmt == "xlsx":
            _write_xlsx(spool, name, header, rows)
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            _write_csv(spool, header, rows)
            mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = send_file(spool, mimetype=mimetype, as_attachment=True, conditional=False,
                         download_name=f"{name}.{'xlsx' if fmt == 'xlsx' else 'csv'}")
    response.content_length = size
    # The lists carry personal data: no shared or browser cache keeps a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
