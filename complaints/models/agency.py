"""Agencies in a hierarchy, and the localities each covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.extensions import db
from complaints.models.base import created_at_column

agency_localities = Table(
    "agency_localities",
    db.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("locality_code", ForeignKey("localities.code"), primary_key=True),
)


class Agency(db.Model):
    """A state body; its level (province, department, commune, …) is data, not code."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # The inspectorate receives level-3 escalations and mass petitions.
    is_inspectorate: Mapped[bool] = mapped_column(Boolean, default=False)
    # A citizen-reception desk (Ban Tiếp công dân) receives petitions and routes them: it is
    # never the agency that resolves one, so it is no target of routing, transfer or lead.
    is_reception_desk: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=sa_false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at_column()

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")
    localities = relationship("Locality", secondary=agency_localities)

    def ancestors(self) -> list[Agency]:
        """Return the chain of parents, nearest first."""
        chain, node = [], self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class RoutingRule(db.Model):
    """Maps field × locality to the responsible agency; most specific rule wins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"))
    locality_code: Mapped[str | None] = mapped_column(ForeignKey("localities.code"))
    kind: Mapped[str | None] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(255))

    agency: Mapped[Agency] = relationship()
    field = relationship("Field")
    locality = relationship("Locality")
