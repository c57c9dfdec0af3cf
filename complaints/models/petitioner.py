"""Petitioners: the citizens who sign petitions (personal data, access by role)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.extensions import db
from complaints.models.base import created_at_column


class Petitioner(db.Model):
    """A person named on a petition."""

    __tablename__ = "petitioners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Folded copies for accent-insensitive duplicate search ("Nguyen Van A").
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    id_number: Mapped[str | None] = mapped_column(String(20), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    locality_code: Mapped[str | None] = mapped_column(ForeignKey("localities.code"))
    created_at: Mapped[datetime] = created_at_column()
    # Set when personal data is erased after the retention period; rows stay for statistics.
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An opaque token shared by the records of one person, given when one of them is
    # anonymised: counts of people (a mass petition, the clusters list) stay what they were
    # without keeping who the person was (domain/escalation.person_key).
    person_ref: Mapped[str | None] = mapped_column(String(32))

    locality = relationship("Locality")
