"""Reference data: administrative units (localities) and fields of law."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.domain.catalog import REPORT_CATEGORIES
from complaints.extensions import db
from complaints.models.base import in_check


class Locality(db.Model):
    """An official administrative unit: a province or a commune/ward (2-level since 2025)."""

    __tablename__ = "localities"
    __table_args__ = (in_check("level", ("province", "commune")),)

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    division_type: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str | None] = mapped_column(
        ForeignKey("localities.code"), index=True
    )

    province: Mapped[Locality | None] = relationship(remote_side=[code])


class Field(db.Model):
    """A field of law (lĩnh vực), mapped to a report category of the official forms."""

    __tablename__ = "fields"
    __table_args__ = (in_check("report_category", REPORT_CATEGORIES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    report_category: Mapped[str] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi
