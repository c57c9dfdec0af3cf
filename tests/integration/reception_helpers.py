"""Shared helpers of the reception tests: tiny valid files and the intake form's fields."""

from __future__ import annotations

import secrets
from datetime import date
from io import BytesIO

# Tiny but real files: their magic bytes are what the content check reads.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def person(i: int, **over) -> dict:
    values = {"full_name": f"Trần Thị Dân {i}", "id_number": f"0312000{i:05d}",
              "phone": f"0912{i:06d}", "email": "", "address": f"Số {i} Lạch Tray",
              "is_representative": False}
    values.update(over)
    return values


def intake_form(locality_code: str, people: list[dict], received_on: date,
                **over) -> dict:
    """Return the POST body of the intake form (with `rows` petitioner rows)."""
    data = {
        "kind": "complaint", "complaint_round": "1", "field": "land",
        "subject": "Khiếu nại quyết định thu hồi đất ở tổ dân phố 5",
        "content": "Đề nghị xem xét lại quyết định thu hồi đất, bồi thường chưa thỏa đáng.",
        "channel": "walk_in", "received_on": received_on.isoformat(),
        "province": "31", "locality_code": locality_code, "eligible": "y",
        # A form's one-time token, as the page gives each new form (a form sent twice
        # keeps it, and saves once).
        "draft": secrets.token_urlsafe(9),
        "save": "1",
    }
    for i, p in enumerate(people):
        for key, value in p.items():
            name = f"petitioners-{i}-{key}"
            if key == "is_representative":
                if value:
                    data[name] = "y"
            else:
                data[name] = value
    data.update(over)
    return data


def upload(content: bytes, name: str):
    return (BytesIO(content), name)
