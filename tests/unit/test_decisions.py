"""Dates a decision may carry and the outcome figures it may record (domain.decisions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from complaints.domain import decisions
from complaints.domain.decisions import CaseDates, decision_date_error

TODAY = date(2026, 12, 1)
DATES = CaseDates(received_on=date(2026, 11, 20), arrived_on=date(2026, 11, 29))


def _move(to: int | None, on: date, frm: int | None = None):
    return SimpleNamespace(from_agency_id=frm, to_agency_id=to, decided_on=on)


def test_arrival_is_the_last_move_into_the_agency():
    moves = [_move(1, date(2026, 11, 3)), _move(2, date(2026, 11, 10)),
             _move(None, date(2026, 11, 12)), _move(1, date(2026, 11, 20))]
    assert decisions.arrival_on(moves, 1) == date(2026, 11, 20)
    assert decisions.arrival_on(moves, 2) == date(2026, 11, 10)
    assert decisions.arrival_on(moves, 3) is None
    assert decisions.arrival_on(moves, None) is None
    # Its holder named lead agency (a move from 1 to 1): the case arrived on 20/11 still.
    assert decisions.arrival_on([*moves, _move(1, date(2026, 11, 27), frm=1)], 1) == date(
        2026, 11, 20)


@pytest.mark.parametrize("action", sorted(decisions.AT_AGENCY))
def test_agency_decisions_do_not_predate_the_arrival(action):
    message = decision_date_error(action, date(2026, 11, 21), TODAY, DATES)
    assert message is not None and "29/11/2026" in message
    assert decision_date_error(action, date(2026, 11, 29), TODAY, DATES) is None


@pytest.mark.parametrize("action", ["route", "file", "guide", "forward"])
def test_reception_decisions_only_follow_the_receipt(action):
    assert decision_date_error(action, date(2026, 11, 21), TODAY, DATES) is None
    assert "nhận đơn" in decision_date_error(action, date(2026, 11, 19), TODAY, DATES)
    assert "tương lai" in decision_date_error(action, date(2026, 12, 2), TODAY, DATES)


def test_the_desks_handling_extension_is_dated_while_that_deadline_runs():
    # Returned on 25/11: the handling deadline restarted then, due on 30/11.
    dates = CaseDates(received_on=date(2026, 11, 2), handling_started_on=date(2026, 11, 25),
                      handling_due_on=date(2026, 11, 30))
    assert decision_date_error("extend_handling", date(2026, 11, 25), TODAY, dates) is None
    assert decision_date_error("extend_handling", date(2026, 11, 30), TODAY, dates) is None
    assert "thời hạn xử lý đơn (25/11/2026)" in decision_date_error(
        "extend_handling", date(2026, 11, 24), TODAY, dates)
    assert "đã hết ngày 30/11/2026" in decision_date_error(
        "extend_handling", TODAY, TODAY, dates)
    # The resolution's extension does not look at the handling dates.
    assert decision_date_error("extend", TODAY, TODAY, dates) is None


def test_steps_follow_acceptance_and_suspension():
    dates = CaseDates(received_on=date(2026, 11, 2), arrived_on=date(2026, 11, 3),
                      accepted_on=date(2026, 11, 5), suspended_on=date(2026, 11, 10))
    for action in sorted(decisions.AFTER_ACCEPTANCE):
        assert "thụ lý (05/11/2026)" in decision_date_error(action, date(2026, 11, 4), TODAY,
                                                           dates)
    assert decision_date_error("accept", date(2026, 11, 4), TODAY, dates) is None
    assert "tạm đình chỉ (10/11/2026)" in decision_date_error("resume", date(2026, 11, 9),
                                                              TODAY, dates)
    # A withdrawal ends the suspension as a resumption does (QA round 77).
    assert "tạm đình chỉ (10/11/2026)" in decision_date_error("withdraw", date(2026, 11, 9),
                                                              TODAY, dates)
    assert decision_date_error("withdraw", date(2026, 11, 10), TODAY, dates) is None


def test_a_second_suspension_follows_the_previous_resumption():
    dates = CaseDates(received_on=date(2026, 11, 2), accepted_on=date(2026, 11, 3),
                      resumed_on=date(2026, 11, 20))
    assert "lần trước (20/11/2026)" in decision_date_error("suspend", date(2026, 11, 19),
                                                          TODAY, dates)
    assert decision_date_error("suspend", date(2026, 11, 20), TODAY, dates) is None


@pytest.mark.parametrize("action", sorted(decisions.AFTER_ACCEPTANCE))
def test_what_follows_an_extension_is_not_dated_before_it(action):
    dates = CaseDates(received_on=date(2026, 11, 2), accepted_on=date(2026, 11, 3),
                      extended_on=date(2026, 11, 20))
    assert "(20/11/2026)" in decision_date_error(action, date(2026, 11, 19), TODAY, dates)
    assert decision_date_error(action, date(2026, 11, 20), TODAY, dates) is None


def test_an_extension_is_decided_by_the_due_date():
    dates = CaseDates(received_on=date(2026, 11, 2), accepted_on=date(2026, 11, 3),
                      resolution_due_on=date(2026, 11, 25))
    assert decision_date_error("extend", date(2026, 11, 25), TODAY, dates) is None
    assert "25/11/2026" in decision_date_error("extend", date(2026, 11, 26), TODAY, dates)


@pytest.mark.parametrize("value", [Decimal("1e400"), Decimal("Infinity"), Decimal("NaN"),
                                   float("inf"), float("nan"), Decimal("-0.01"),
                                   Decimal(10) ** 13 + 1, "abc", True])
def test_amounts_are_finite_and_bounded(value):
    assert decisions.figure_error("money_to_recover", value) is not None


@pytest.mark.parametrize("value", [-1, 10**9 + 1, 2.5, True, "3"])
def test_counts_are_whole_and_bounded(value):
    assert decisions.figure_error("people_restored", value) is not None


def test_clean_figures_normalises_the_good_and_names_the_bad():
    values, errors = decisions.clean_figures({
        "money_to_recover": Decimal("1.5"), "land_to_recover": 12, "people_restored": 0,
        "sent_to_investigation": 1, "money_to_return": None, "unknown": 5,
        "orgs_restored": -2})
    assert values == {"money_to_recover": Decimal("1.50"), "land_to_recover": Decimal("12.00"),
                      "people_restored": 0, "sent_to_investigation": True}
    assert set(errors) == {"orgs_restored"}
    assert "1.000.000.000" in errors["orgs_restored"]


def test_people_sent_to_investigation_mean_the_case_was_sent():
    # Found by a QA pass: 3 people sent, the flag unticked, both stored.
    values, errors = decisions.clean_figures({"people_sent_to_investigation": 3,
                                              "sent_to_investigation": False})
    assert "Chuyển cơ quan điều tra" in errors["sent_to_investigation"]
    values, errors = decisions.clean_figures({"people_sent_to_investigation": 3})
    assert errors == {} and values["sent_to_investigation"] is True
    values, errors = decisions.clean_figures({"people_sent_to_investigation": 0,
                                              "sent_to_investigation": False})
    assert errors == {} and values["sent_to_investigation"] is False


def test_officials_disciplined_are_some_of_the_people_disciplined():
    values, errors = decisions.clean_figures({"people_disciplined": 2,
                                              "officials_disciplined": 4})
    assert "officials_disciplined" in errors
    values, errors = decisions.clean_figures({"people_disciplined": 4,
                                              "officials_disciplined": 2})
    assert errors == {}


def test_a_figures_bound_is_a_number_the_reader_s_language_groups():
    # Found by QA: English pages read "from 0 to 10.000.000.000.000". The domain hands the
    # bound over as a number; the translator groups it (complaints/web/i18n.translate).
    from complaints.domain.messages import Number

    message = decisions.figure_error("money_to_recover", Decimal(-1))
    assert message.params["max"] == Number(decisions.AMOUNT_MAX)
    assert message == "Nhập một số từ 0 đến 10.000.000.000.000."  # the Vietnamese text
    assert decisions.figure_error("people_restored", -1).params["max"] == Number(10**9)
    assert str(Number(Decimal("1234567.5"))) == "1.234.567,5"
