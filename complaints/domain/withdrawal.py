"""Who withdraws a petition (rút đơn), and whether the case ends with it.

A case's petitioners are the signers of its petitions. A withdrawal names the petitioners
who withdraw; with several petitioners the case goes on while any remains (domain.md), and
only the last withdrawal ends it (the state machine's "withdraw"). A petitioner who signed
several petitions of the case withdraws from all of them at once.

Plain Python: the services pass the signers in and raise the message they get back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from complaints.domain.messages import N_

# The named petitioner is not (or no longer) one who can withdraw from this case.
NOT_REMAINING = N_("Người được chọn không phải người đứng đơn của hồ sơ hoặc đã rút đơn.")


class Signer(Protocol):
    """One signature on a petition of the case (models.PetitionSigner)."""

    petitioner_id: int
    is_representative: bool
    withdrawn_on: date | None


class WithdrawalRefused(ValueError):
    """The petitioners named cannot withdraw; `message` is a marked message id."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Withdrawal:
    """Who withdraws now and who remains, petitioner ids in the order they signed."""

    withdrawing: tuple[int, ...]
    remaining: tuple[int, ...]
    # A representative withdrew and none of those who remain represents the group: the
    # group may need to choose a new one (Law on Citizen Reception Art. 29); not a bar.
    no_representative_left: bool = False

    @property
    def ends_case(self) -> bool:
        """True when nobody remains: the case itself is withdrawn."""
        return not self.remaining


def remaining(signers: Iterable[Signer]) -> list[int]:
    """The petitioners who have a signature not withdrawn, in the order they signed."""
    return list(dict.fromkeys(s.petitioner_id for s in signers if s.withdrawn_on is None))


def plan(signers: Iterable[Signer], named: Iterable[int] | None) -> Withdrawal:
    """Decide who withdraws: those `named`, else the only petitioner who remains.

    Raises WithdrawalRefused when several remain and none is named, or when one named is
    not a petitioner of the case who remains.
    """
    signers = list(signers)
    left = remaining(signers)
    chosen = list(dict.fromkeys(named or ()))
    if not chosen:
        if len(left) > 1:
            raise WithdrawalRefused(N_(
                "Hồ sơ có %(n)s người đứng đơn chưa rút đơn: chọn người rút đơn.", n=len(left)))
        chosen = left
    if any(pid not in left for pid in chosen):
        raise WithdrawalRefused(NOT_REMAINING)
    withdrawing = tuple(pid for pid in left if pid in chosen)
    staying = tuple(pid for pid in left if pid not in chosen)
    active = [s for s in signers if s.withdrawn_on is None]
    lost_representative = any(s.is_representative for s in active if s.petitioner_id in chosen)
    kept_representative = any(s.is_representative for s in active
                              if s.petitioner_id in staying)
    return Withdrawal(withdrawing, staying,
                      bool(staying) and lost_representative and not kept_representative)
