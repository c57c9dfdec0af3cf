"""The app's request class: a form body that is not UTF-8 is noted, not silently misread.

Werkzeug keeps a percent-escape it cannot decode as UTF-8 as its text ("R%E1c" for a
Windows-1258 "Rác") and drops a whole form with raw bytes that are not UTF-8. A third-party
app's post then became a petition reading "R%E1c th%E3i", or was told its api_key was
missing (QA round 68). This parser decodes strictly and marks the request instead, so the
Open311 post can answer 400 naming the encoding.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_to_bytes

from flask import Request as FlaskRequest
from werkzeug.formparser import FormDataParser


class _Utf8FormParser(FormDataParser):
    request: Utf8Request | None = None

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        raw = stream.read()
        try:
            items = parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                              encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            if self.request is not None:
                self.request.form_not_utf8 = True
            items = []
        return stream, self.cls(items), self.cls()


class Utf8Request(FlaskRequest):
    form_data_parser_class = _Utf8FormParser
    form_not_utf8 = False

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        parser.request = self
        return parser

    def not_utf8(self) -> bool:
        """Is the query string or the form not UTF-8 (once unescaped)?"""
        self.form  # noqa: B018  (parsed, which sets form_not_utf8)
        if self.form_not_utf8:
            return True
        # A multipart form's fields are decoded with replacement characters (QA round 69):
        # one among its values is bytes that were not UTF-8.
        if self.mimetype == "multipart/form-data" and any(
                "\ufffd" in value for value in self.form.values()):
            return True
        try:
            unquote_to_bytes(self.query_string.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False
