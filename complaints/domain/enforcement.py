"""The enforcement of a decision or conclusion (thi hành quyết định giải quyết khiếu nại,
kết luận nội dung tố cáo): what the 05/KQTH form counts (reports.md, "Enforcement of
decisions": decisions to enforce and enforced; money and land due and actually recovered
or returned; people disciplined; prosecutions).

A decision is to be enforced when it is a complaint's decision or a denunciation's
conclusion that orders something: money or land recovered for the State or returned,
rights restored, people disciplined, a transfer to the investigating authority. The head
of the agency that decided records what was actually done, and when it was done.

Plain Python: the services pass the values and dates in and raise the messages they get.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from complaints.domain import decisions
from complaints.domain.messages import N_, Number

KINDS = ("complaint", "denunciation")
# What the decision ordered (Case columns, decisions.FIGURES) → what enforcement did.
AMOUNTS = {
    "money_recovered": "money_to_recover",  # million VND, for the State
    "land_recovered": "land_to_recover",  # m², for the State
    "money_returned": "money_to_return",  # million VND, to organisations and individuals
    "land_returned": "land_to_return",  # m²
}
COUNTS = ("people_disciplined", "officials_disciplined", "cases_prosecuted",
          "people_prosecuted")
FIGURES = (*AMOUNTS, *COUNTS)
# The decision's figures that make it one to enforce.
ORDERS = ("money_to_recover", "land_to_recover", "money_to_return", "land_to_return",
          "people_restored", "orgs_restored", "people_disciplined",
          "people_sent_to_investigation")


# The second-round outcome that annuls or amends the first decision (catalog
# RESOLUTION_OUTCOMES "annulled"): the first then orders nothing more; the second decision
# is the one enforced.
ANNULLING = "annulled"


def to_enforce(kind: str, ordered: Mapping[str, Any]) -> bool:
    """Does a decision of this kind with these figures (Case columns) order something?"""
    if kind not in KINDS:
        return False
    return bool(ordered.get("sent_to_investigation")) or any(
        (ordered.get(name) or 0) > 0 for name in ORDERS)


def date_error(on: date | None, decided_on: date | None, today: date) -> str | None:
    """Why an enforcement dated `on` is refused (a marked message), or None."""
    if on is None:
        return N_("Nhập ngày thi hành xong quyết định.")
    if on > today:
        return N_("Ngày thi hành không được ở tương lai.")
    if decided_on is not None and on < decided_on:
        return N_("Ngày thi hành không được trước ngày ký quyết định / kết luận (%(on)s).",
                  on=f"{decided_on:%d/%m/%Y}")
    return None


def clean(values: Mapping[str, Any], ordered: Mapping[str, Any]
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """The enforcement figures given (missing = 0), normalised, and the messages of those
    refused, by name. `ordered`: the decision's figures (Case columns)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, due_name in AMOUNTS.items():
        value = values.get(name)
        number = Decimal("0.00") if value is None or value == "" else decisions.amount(value)
        if number is None:
            errors[name] = N_("Nhập một số từ 0 đến %(max)s.", max=Number(decisions.AMOUNT_MAX))
            continue
        due = decisions.amount(ordered.get(due_name) or 0) or Decimal("0.00")
        # Recovered or returned under this decision: never more than it ordered.
        if number > due:
            errors[name] = N_("Không được lớn hơn số quyết định / kết luận yêu cầu "
                              "(%(due)s).", due=Number(due))
            continue
        out[name] = number
    for name in COUNTS:
        value = values.get(name)
        number = 0 if value is None or value == "" else decisions.count(value)
        if number is None:
            errors[name] = N_("Nhập một số nguyên từ 0 đến %(max)s.",
                              max=Number(decisions.COUNT_MAX))
            continue
        out[name] = number
    if "officials_disciplined" in out and "people_disciplined" in out \
            and out["officials_disciplined"] > out["people_disciplined"]:
        errors["officials_disciplined"] = N_(
            "Số cán bộ, công chức không được lớn hơn số người đã bị xử lý kỷ luật.")
    if out.get("people_prosecuted") and out.get("cases_prosecuted") == 0:
        errors["cases_prosecuted"] = N_("Có người bị khởi tố: nhập số vụ đã khởi tố.")
    return out, errors
