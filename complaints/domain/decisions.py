"""Which date a decision on a case may carry, and the outcome figures it may record.

A decision (thụ lý, không thụ lý, trả đơn, chuyển đơn, gia hạn, tạm đình chỉ, tiếp tục,
giải quyết, rút đơn) is dated as signed on paper. That date cannot be in the future nor
predate what the decision acts on:

- the petition's receipt;
- the case's arrival at the agency that decides — the routing, transfer or lead
  designation that brought it there (the acceptance clock starts on that date, domain.md);
- the step it follows: an extension, a suspension, a resolution, a return or a transfer
  of an accepted case follow its acceptance, and its last resumption if it was suspended;
  a resumption follows the suspension.

An extension is decided while the deadline it extends runs (the agency's of the
resolution, the desk's of the handling, not before a return restarted it): a deadline
ends at the end of its due date and the case is overdue from the next day on (domain.md).
An extension dated later would turn an overdue case back into one on time, after the
escalation ladder acted.

Plain Python: the services pass the dates in and raise the message they get back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from complaints.domain.messages import N_, Number

# Decisions of the agency holding the case (reception's have no arrival date to respect).
AT_AGENCY = frozenset({"accept", "refuse", "return", "transfer", "extend", "suspend",
                       "resume", "resolve", "withdraw", "declare_complex"})
# The desk's decisions on a petition it holds (a return brings a case back to them; its
# handling extension has a rule of its own: _handling_extension_error).
AT_DESK = frozenset({"route", "file", "guide", "forward"})
# Decisions that follow the acceptance (thụ lý) when the case has been accepted. A
# withdrawal too: dated before the acceptance it stopped the resolution clock before it
# started, and 03/GQKN lost the matter between two periods (QA round 77).
AFTER_ACCEPTANCE = frozenset({"extend", "suspend", "resolve", "return", "transfer",
                              "withdraw", "declare_complex"})


class Move(Protocol):
    """One routing of a case (models.Routing): where it went and on which date."""

    from_agency_id: int | None
    to_agency_id: int | None
    decided_on: date


@dataclass(frozen=True)
class CaseDates:
    """The dates a decision is checked against; None where the case has no such step."""

    received_on: date
    arrived_on: date | None = None  # reached the agency that holds it now
    accepted_on: date | None = None  # accepted by that agency (thụ lý)
    suspended_on: date | None = None  # suspended, not yet resumed
    resumed_on: date | None = None  # the last resumption of this acceptance, if any
    # The last extension (or complexity declaration) of this acceptance, if any.
    extended_on: date | None = None
    resolution_due_on: date | None = None  # end of the running resolution deadline
    handling_started_on: date | None = None  # start of the running handling deadline
    handling_due_on: date | None = None  # end of the running handling deadline
    returned_on: date | None = None  # the last return to the desk, if any


def arrival_on(moves: Iterable[Move], agency_id: int | None) -> date | None:
    """The date of the last move that brought the case to `agency_id` (moves in order).

    A move from the agency to itself (its holder named lead agency) brought nothing: the
    decisions it signed since the case arrived stay recordable (QA 113)."""
    if agency_id is None:
        return None
    for move in reversed(list(moves)):
        if move.to_agency_id == agency_id and move.from_agency_id != agency_id:
            return move.decided_on
    return None


def _vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def decision_date_error(action: str, on: date, today: date, dates: CaseDates) -> str | None:
    """Return why a decision `action` dated `on` is refused (a marked message), or None."""
    if on > today:
        return N_("Ngày quyết định không được ở tương lai.")
    if on < dates.received_on:
        return N_("Ngày quyết định trước ngày nhận đơn.")
    if action in AT_DESK and dates.returned_on is not None and on < dates.returned_on:
        # The desk decides again on what came back: not before it came back (QA round 16:
        # a routing dated before the return started the next agency's clock too early).
        return N_("Ngày quyết định không được trước ngày hồ sơ bị trả lại bộ phận tiếp nhận "
                  "(%(on)s).", on=_vn(dates.returned_on))
    if action in AT_AGENCY and dates.arrived_on is not None and on < dates.arrived_on:
        return N_("Ngày quyết định không được trước ngày hồ sơ được chuyển đến cơ quan "
                  "(%(on)s).", on=_vn(dates.arrived_on))
    if (action in AFTER_ACCEPTANCE and dates.accepted_on is not None
            and on < dates.accepted_on):
        return N_("Ngày quyết định không được trước ngày thụ lý (%(on)s).",
                  on=_vn(dates.accepted_on))
    # Suspensions of one acceptance must not overlap: each shifts the deadline by its own
    # period, so a second one dated inside the first would count those days twice.
    if action == "suspend" and dates.resumed_on is not None and on < dates.resumed_on:
        return N_("Ngày tạm đình chỉ không được trước ngày tiếp tục giải quyết lần trước "
                  "(%(on)s).", on=_vn(dates.resumed_on))
    # Nothing is decided while the clock stood still: a resolution, an extension, a return
    # or a transfer dated inside a suspension would be signed on a suspended case, and
    # judged on time against a due date the whole suspension moved (QA round 50).
    if action in AFTER_ACCEPTANCE and dates.resumed_on is not None and on < dates.resumed_on:
        return N_("Ngày quyết định không được trước ngày tiếp tục giải quyết (%(on)s): trước "
                  "ngày đó hồ sơ đang tạm đình chỉ.", on=_vn(dates.resumed_on))
    # A decision on the case follows the extension already recorded: dated before it, a
    # resolution or a second extension would come before the one it follows on the
    # timeline, and an extension would be signed on a case already decided (QA 113 J1, J2).
    if (action in AFTER_ACCEPTANCE and dates.extended_on is not None
            and on < dates.extended_on):
        return N_("Ngày quyết định không được trước ngày quyết định gia hạn hoặc xác định vụ "
                  "việc phức tạp đã ghi nhận (%(on)s).", on=_vn(dates.extended_on))
    if action == "resume" and dates.suspended_on is not None and on < dates.suspended_on:
        return N_("Ngày tiếp tục giải quyết không được trước ngày tạm đình chỉ (%(on)s).",
                  on=_vn(dates.suspended_on))
    # A withdrawal ends the running suspension as a resumption does (its days move the due
    # date): dated before it, the arithmetic raised and the API answered 500 (QA round 77).
    if action == "withdraw" and dates.suspended_on is not None and on < dates.suspended_on:
        return N_("Ngày rút đơn không được trước ngày tạm đình chỉ (%(on)s).",
                  on=_vn(dates.suspended_on))
    if (action == "extend" and dates.resolution_due_on is not None
            and on > dates.resolution_due_on):
        return N_("Thời hạn giải quyết đã hết ngày %(on)s: chỉ gia hạn được bằng quyết định "
                  "ký trước khi hết hạn.", on=_vn(dates.resolution_due_on))
    if (action == "declare_complex" and dates.resolution_due_on is not None
            and on > dates.resolution_due_on):
        return N_("Thời hạn giải quyết đã hết ngày %(on)s: chỉ xác định vụ việc phức tạp được "
                  "bằng quyết định ký trước khi hết hạn.", on=_vn(dates.resolution_due_on))
    if action == "extend_handling":
        return _handling_extension_error(on, dates)
    return None


def _handling_extension_error(on: date, dates: CaseDates) -> str | None:
    """The desk's extension belongs to the handling deadline running now: not before it
    started (a return restarts it), not after it ended (as for the resolution's)."""
    if dates.handling_started_on is not None and on < dates.handling_started_on:
        return N_("Ngày gia hạn không được trước ngày bắt đầu thời hạn xử lý đơn (%(on)s).",
                  on=_vn(dates.handling_started_on))
    if dates.handling_due_on is not None and on > dates.handling_due_on:
        return N_("Thời hạn xử lý đơn đã hết ngày %(on)s: chỉ gia hạn được bằng quyết định "
                  "ký trước khi hết hạn.", on=_vn(dates.handling_due_on))
    return None


# --- Outcome figures of a resolution (the official reports add them up) ----------------

AMOUNTS = ("money_to_recover", "land_to_recover", "money_to_return", "land_to_return")
COUNTS = ("people_restored", "orgs_restored", "people_disciplined", "officials_disciplined",
          "people_sent_to_investigation")
FLAGS = ("sent_to_investigation",)
FIGURES = AMOUNTS + COUNTS + FLAGS
# Million VND or m², two decimals: the column (16 digits, 2 after the point) holds less than
# 10^14; a bound ten times lower still exceeds any real recovery or land area.
AMOUNT_MAX = Decimal(10) ** 13
COUNT_MAX = 10**9


def amount(value: Any) -> Decimal | None:
    """The amount as an exact decimal of two places, or None if it is not one we accept."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > AMOUNT_MAX:
        return None
    return number.quantize(Decimal("0.01"))


def count(value: Any) -> int | None:
    """The count as an int, or None if it is not a whole number within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= COUNT_MAX else None


def figure_error(name: str, value: Any) -> str | None:
    """Why the value of figure `name` is refused (a marked message), or None."""
    if value is None or name in FLAGS:
        return None
    if name in AMOUNTS and amount(value) is None:
        return N_("Nhập một số từ 0 đến %(max)s.", max=Number(AMOUNT_MAX))
    if name in COUNTS and count(value) is None:
        return N_("Nhập một số nguyên từ 0 đến %(max)s.", max=Number(COUNT_MAX))
    return None


def clean_figures(figures: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The known figures given, normalised, and the messages of those refused, by name."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in figures.items():
        if name not in FIGURES or value is None:
            continue
        message = figure_error(name, value)
        if message:
            errors[name] = message
        elif name in AMOUNTS:
            values[name] = amount(value)
        elif name in FLAGS:
            values[name] = bool(value)
        else:
            values[name] = value
    # People sent to the investigating body mean the case was sent there: the reports count
    # both, and a flag left unticked beside a count would make them disagree.
    # Not given at all (an API call may omit it, an unticked box says nothing), the count
    # implies it; an explicit "no" beside a count is refused.
    if (values.get("people_sent_to_investigation") or 0) > 0:
        if figures.get("sent_to_investigation") is None:
            values["sent_to_investigation"] = True
        elif not values.get("sent_to_investigation"):
            errors["sent_to_investigation"] = N_(
                "Có người bị chuyển cơ quan điều tra: đánh dấu “Chuyển cơ quan điều tra”.")
    # "Of whom officials" is part of the people disciplined: never more than they. A
    # people figure left empty is 0, as enforcement's figures count it (QA round 57: 3
    # officials of no people were recorded, and 03/GQKN col 23 exceeded col 22); only a
    # people figure refused itself spares this second message.
    officials = values.get("officials_disciplined") or 0
    people = values.get("people_disciplined")
    if "people_disciplined" not in errors and officials > (people or 0):
        if people is not None:
            errors["officials_disciplined"] = N_(
                "Số cán bộ, công chức không được lớn hơn số người kiến nghị xử lý kỷ luật.")
        else:
            errors["officials_disciplined"] = N_(
                "Nhập số người kiến nghị xử lý kỷ luật: số cán bộ, công chức là một phần "
                "của số đó.")
    return values, errors
