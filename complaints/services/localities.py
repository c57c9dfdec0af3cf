"""Load the official administrative units from the `vietnam-provinces` package."""

from __future__ import annotations

import logging

from sqlalchemy import select
from vietnam_provinces import Province, Ward

from complaints.domain.text import fold
from complaints.extensions import db
from complaints.models import Locality
from complaints.services import references

logger = logging.getLogger(__name__)


def load_localities() -> tuple[int, int]:
    """Insert or update every province and commune/ward; return (added, updated)."""
    existing = {loc.code: loc for loc in db.session.scalars(select(Locality))}
    added = updated = 0

    def upsert(code, name, division_type, level, province_code):
        nonlocal added, updated
        loc = existing.get(code)
        if loc is None:
            db.session.add(Locality(code=code, name=name, name_folded=fold(name),
                                    division_type=division_type, level=level,
                                    province_code=province_code))
            added += 1
        elif loc.name != name or loc.province_code != province_code:
            loc.name, loc.name_folded, loc.province_code = name, fold(name), province_code
            loc.division_type = division_type
            updated += 1

    for province in Province.iter_all():
        upsert(f"{int(province.code):02d}", province.name, province.division_type.value,
               "province", None)
    db.session.flush()  # provinces first: wards reference them
    for ward in Ward.iter_all():
        upsert(f"{int(ward.code):05d}", ward.name, ward.division_type.value, "commune",
               f"{int(ward.province_code):02d}")
    db.session.flush()
    references.invalidate()  # this process's copy; others re-check it
    return added, updated
