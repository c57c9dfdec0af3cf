"""Routing rules: the most specific rule wins (pure ranking, no database)."""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest

from complaints.services.routing import pick_rule, rule_rank

LAND, BUILD = 1, 2
WARD, PROVINCE = "11311", "31"


def rule(id, field_id=None, locality_code=None, kind=None, priority=0):
    return SimpleNamespace(id=id, field_id=field_id, locality_code=locality_code, kind=kind,
                           priority=priority)


def pick(rules, field_id=LAND, locality=WARD, province=PROVINCE, kind="complaint"):
    chosen = pick_rule(rules, field_id, locality, province, kind)
    return chosen.id if chosen else None


def test_field_and_locality_beats_field_beats_locality():
    rules = [rule(1, locality_code=WARD), rule(2, field_id=LAND),
             rule(3, field_id=LAND, locality_code=WARD), rule(4)]
    assert pick(rules) == 3
    assert pick(rules[:2] + rules[3:]) == 2
    assert pick([rules[0], rules[3]]) == 1
    assert pick([rules[3]]) == 4


def test_exact_ward_beats_its_province():
    rules = [rule(1, field_id=LAND, locality_code=PROVINCE),
             rule(2, field_id=LAND, locality_code=WARD)]
    assert pick(rules) == 2
    assert pick(rules, locality="11400") == 1  # another ward of the province


def test_rules_that_do_not_apply_are_ignored():
    rules = [rule(1, field_id=BUILD), rule(2, locality_code="11400"),
             rule(3, kind="denunciation")]
    assert pick(rules) is None
    assert rule_rank(rules[0], LAND, WARD, PROVINCE, "complaint") is None


@pytest.mark.parametrize(("priorities", "winner"), [((0, 5), 2), ((5, 0), 1), ((0, 0), 1)])
def test_tie_broken_by_priority_then_oldest(priorities, winner):
    rules = [rule(1, field_id=LAND, priority=priorities[0]),
             rule(2, field_id=LAND, priority=priorities[1])]
    assert pick(rules) == winner


def test_kind_specific_rule_beats_any_kind():
    rules = [rule(1, field_id=LAND), rule(2, field_id=LAND, kind="complaint")]
    assert pick(rules) == 2


def test_names_sort_as_vietnamese_readers_expect():
    from complaints.domain.text import name_order

    names = ["Vĩnh Long", "Đắk Lắk", "Đà Nẵng", "An Giang", "Phường Việt Hòa",
             "Phường Ái Quốc", "Bình Dương"]
    assert sorted(names, key=name_order) == [
        "An Giang", "Bình Dương", "Đà Nẵng", "Đắk Lắk", "Phường Ái Quốc",
        "Phường Việt Hòa", "Vĩnh Long"]


def test_names_sort_in_the_vietnamese_alphabet():
    """D before Đ, a before ă before â, o ô ơ, u ư (found by QA: "Đ" sorted among the D's);
    tones only break ties between names spelt alike, in dictionary order."""
    from complaints.domain.text import name_order

    names = ["Điện Biên", "Dương Kinh", "Đà Nẵng", "Ân Thi", "An Lão", "Ăn", "Ưng Hòa",
             "Uông Bí", "Ơn", "Ôn", "On", "Bạ", "Bá", "Bã", "Bả", "Bà", "Ba", "Xã  Tứ Kỳ"]
    assert sorted(names, key=name_order) == [
        "An Lão", "Ăn", "Ân Thi", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Dương Kinh",
        "Đà Nẵng", "Điện Biên", "On", "Ôn", "Ơn", "Uông Bí", "Ưng Hòa", "Xã  Tứ Kỳ"]
    # The same name typed composed or decomposed, or with doubled spaces, sorts alike.
    assert name_order("Đặng Văn  Ấn")[:2] == name_order(
        unicodedata.normalize("NFD", "Đặng Văn Ấn"))[:2]
