"""The enforcement of a resolved case's decision or conclusion (thi hành quyết định)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.extensions import db
from complaints.models.base import created_at_column, utcnow


class Enforcement(db.Model):
    """What was actually done to enforce a case's decision, and when (05/KQTH).

    One row per case: recorded by the head of the agency that decided, corrected in place
    (each change is an audit event of the case). Amounts in million VND and m², as the
    decision's own (Case.money_to_recover, …)."""

    __tablename__ = "enforcements"
    __table_args__ = (
        CheckConstraint("money_recovered >= 0 AND land_recovered >= 0 "
                        "AND money_returned >= 0 AND land_returned >= 0",
                        name="amounts_not_negative"),
        CheckConstraint("people_disciplined >= 0 AND cases_prosecuted >= 0 "
                        "AND people_prosecuted >= 0", name="counts_not_negative"),
        CheckConstraint("officials_disciplined BETWEEN 0 AND people_disciplined",
                        name="officials_of_people"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    enforced_on: Mapped[date] = mapped_column(Date)  # thi hành xong
    money_recovered: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # for the State
    land_recovered: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    money_returned: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # to orgs, individuals
    land_returned: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    people_disciplined: Mapped[int] = mapped_column(Integer)  # actually disciplined
    officials_disciplined: Mapped[int] = mapped_column(Integer)  # of whom officials
    cases_prosecuted: Mapped[int] = mapped_column(Integer)  # vụ khởi tố
    people_prosecuted: Mapped[int] = mapped_column(Integer)  # đối tượng khởi tố
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    case = relationship("Case")
