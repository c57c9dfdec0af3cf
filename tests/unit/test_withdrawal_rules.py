"""Who withdraws (rút đơn): with several petitioners the case goes on while any remains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from complaints.domain import withdrawal
from complaints.domain.withdrawal import WithdrawalRefused, plan

EARLIER = date(2026, 11, 20)


@dataclass
class Sig:
    petitioner_id: int
    is_representative: bool = False
    withdrawn_on: date | None = None


def _group(n: int = 6, reps: tuple[int, ...] = (1,)) -> list[Sig]:
    return [Sig(i, i in reps) for i in range(1, n + 1)]


def test_the_only_petitioner_left_withdraws_without_being_named():
    decided = plan([Sig(7)], None)
    assert decided.withdrawing == (7,) and decided.remaining == () and decided.ends_case
    # Those who withdrew before are no longer counted: the last one left is "the only one".
    decided = plan([Sig(1, withdrawn_on=EARLIER), Sig(2)], [])
    assert decided.withdrawing == (2,) and decided.ends_case


def test_several_left_and_nobody_named_asks_who():
    with pytest.raises(WithdrawalRefused) as refused:
        plan(_group(6), None)
    assert "6 người đứng đơn chưa rút đơn" in refused.value.message
    assert refused.value.message.msgid == ("Hồ sơ có %(n)s người đứng đơn chưa rút đơn: chọn "
                                           "người rút đơn.")


def test_one_of_six_withdraws_and_the_case_goes_on():
    decided = plan(_group(6), [3])
    assert decided.withdrawing == (3,) and decided.remaining == (1, 2, 4, 5, 6)
    assert not decided.ends_case and not decided.no_representative_left


def test_naming_everybody_left_ends_the_case_in_signing_order():
    signers = _group(3)
    signers[0].withdrawn_on = EARLIER
    decided = plan(signers, [3, 2, 3])
    assert decided.withdrawing == (2, 3) and decided.ends_case


@pytest.mark.parametrize("named", [[99], [1], [2, 99]])
def test_a_stranger_or_one_who_already_withdrew_is_refused(named):
    signers = [Sig(1, withdrawn_on=EARLIER), Sig(2), Sig(3)]
    with pytest.raises(WithdrawalRefused) as refused:
        plan(signers, named)
    assert refused.value.message == withdrawal.NOT_REMAINING


def test_the_representative_leaving_is_flagged_not_refused():
    decided = plan(_group(6, reps=(1,)), [1])
    assert decided.remaining == (2, 3, 4, 5, 6) and decided.no_representative_left
    # Another representative remains: nothing to flag.
    assert not plan(_group(6, reps=(1, 2)), [1]).no_representative_left
    # Everybody leaves: the case ends, there is nobody left to represent.
    assert not plan(_group(2, reps=(1,)), [1, 2]).no_representative_left


def test_a_petitioner_on_two_petitions_withdraws_once_and_counts_once():
    signers = [Sig(1), Sig(2), Sig(1)]  # 1 signed the later petition too
    assert withdrawal.remaining(signers) == [1, 2]
    decided = plan(signers, [1])
    assert decided.withdrawing == (1,) and decided.remaining == (2,)
