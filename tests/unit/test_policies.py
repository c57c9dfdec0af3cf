"""Unit tests for the default deadline policies and escalation ladder."""

from __future__ import annotations

from datetime import date

from complaints.domain.calendar import WorkingCalendar
from complaints.domain.deadlines import (
    CALENDAR,
    STAGES,
    UNITS,
    WORKING,
    compute_deadline,
)
from complaints.domain.policies import (
    DEFAULT_POLICIES,
    ESCALATION_LADDER,
    EXTENSION_ACTIONS,
    KINDS,
    VARIANTS,
    extendable,
    extension_error,
    first_day_in_force,
    select_policy,
)


def pick(stage, kind, round_, variant, on):
    return select_policy(DEFAULT_POLICIES, stage, kind, round_, variant, on)


def test_rows_are_well_formed_and_unique():
    keys = set()
    for r in DEFAULT_POLICIES:
        assert r.stage in STAGES and r.kind in KINDS and r.variant in VARIANTS
        assert r.unit in UNITS and r.extension_unit == r.unit
        assert r.days > 0 and r.source and r.source_en
        assert (r.extension_days == 0) == (r.max_extensions == 0)
        key = (r.stage, r.kind, r.round, r.variant, r.effective_from)
        assert key not in keys, key
        keys.add(key)


def test_first_complaint_acceptance_versioned_on_2026_07_01():
    before = pick("acceptance", "complaint", 1, "normal", date(2026, 6, 30))
    after = pick("acceptance", "complaint", 1, "normal", date(2026, 7, 1))
    assert (before.days, before.unit) == (10, CALENDAR)
    assert (after.days, after.unit) == (7, WORKING)
    assert after.effective_from == date(2026, 7, 1)
    assert "2026" in after.source
    # Nothing is in force before the baseline.
    assert pick("acceptance", "complaint", 1, "normal", date(2019, 12, 31)) is None


def test_policy_versioning_changes_the_due_date():
    cal = WorkingCalendar()
    for on, due in (
        (date(2026, 6, 29), date(2026, 7, 9)),
        (date(2026, 7, 1), date(2026, 7, 10)),
    ):
        rule = pick("acceptance", "complaint", 1, "normal", on)
        d = compute_deadline(cal, "acceptance", on, rule.days, rule.unit, rule.source)
        assert d.due_on == due


def test_second_complaint():
    assert pick("acceptance", "complaint", 2, "normal", date(2027, 1, 1)).days == 10
    got = {
        v: pick("resolution", "complaint", 2, v, date(2027, 1, 1)).days
        for v in ("normal", "complex", "remote", "remote_complex")
    }
    assert got == {"normal": 45, "complex": 60, "remote": 60, "remote_complex": 70}


def test_first_complaint_resolution():
    got = {
        v: pick("resolution", "complaint", 1, v, date(2027, 1, 1)).days
        for v in ("normal", "complex", "remote", "remote_complex")
    }
    assert got == {"normal": 30, "complex": 45, "remote": 45, "remote_complex": 60}
    assert (
        pick("resolution", "complaint", 1, "normal", date(2027, 1, 1)).unit == CALENDAR
    )
    # A complaint's round must be given for acceptance and resolution.
    assert pick("resolution", "complaint", None, "normal", date(2027, 1, 1)) is None


def test_handling_ignores_round_and_falls_back_to_normal():
    on = date(2027, 1, 1)
    for kind in ("complaint", "recommendation", "feedback"):
        rule = pick("handling", kind, 1, "normal", on)
        assert (rule.days, rule.unit) == (10, WORKING)
        assert "05/2021" in rule.source
        assert pick("handling", kind, None, "complex", on) == rule  # fallback
    for kind in ("complaint", "denunciation", "recommendation", "feedback"):
        rule = pick("handling", kind, None, "reception_session", on)
        assert (rule.days, rule.unit) == (10, WORKING)
        assert "Tiếp công dân" in rule.source


def test_denunciation_rules():
    on = date(2027, 1, 1)
    handling = pick("handling", "denunciation", None, "normal", on)
    assert (handling.days, handling.extension_days, handling.max_extensions) == (
        7,
        3,
        1,
    )
    assert handling.days + handling.extension_days * handling.max_extensions == 10
    # Art. 24(2)'s 5 days to forward is no deadline row: nothing could ever select it.
    assert not [r for r in DEFAULT_POLICIES if r.variant == "forward"]
    normal = pick("resolution", "denunciation", None, "normal", on)
    complex_ = pick("resolution", "denunciation", None, "complex", on)
    very = pick("resolution", "denunciation", None, "very_complex", on)
    assert (normal.days, normal.unit, normal.max_extensions) == (30, CALENDAR, 0)
    assert (complex_.extension_days, complex_.max_extensions) == (30, 1)
    assert (very.extension_days, very.max_extensions) == (30, 2)
    # A denunciation has no round: a given round is ignored.
    assert pick("resolution", "denunciation", 1, "normal", on) == normal


def test_recommendation_and_feedback():
    on = date(2027, 1, 1)
    for kind in ("recommendation", "feedback"):
        acc = pick("acceptance", kind, None, "normal", on)
        res = pick("resolution", kind, None, "normal", on)
        assert (acc.days, acc.unit) == (5, WORKING)
        assert (res.days, res.unit, res.extension_days, res.max_extensions) == (
            15,
            WORKING,
            10,
            1,
        )
        assert res.extension_unit == WORKING


def test_denunciation_acceptance_is_seven_working_days():
    rule = pick("acceptance", "denunciation", None, "normal", date(2027, 1, 1))
    assert (rule.days, rule.unit) == (7, WORKING)


def test_unknown_combination_returns_none():
    assert pick("acceptance", "denunciation", None, "normal", date(2019, 1, 1)) is None


def test_first_day_in_force_is_where_select_policy_starts_finding_a_rule():
    for stage, kind, round_, variant in (("handling", "feedback", None, "normal"),
                                         ("handling", "complaint", 2, "reception_session"),
                                         ("resolution", "complaint", 1, "remote_complex")):
        first = first_day_in_force(DEFAULT_POLICIES, stage, kind, round_, variant)
        assert first is not None
        assert pick(stage, kind, round_, variant, first) is not None
        assert pick(stage, kind, round_, variant, date.fromordinal(first.toordinal() - 1)) is None
    assert first_day_in_force(DEFAULT_POLICIES, "handling", "nonsense", None, "normal") is None


def test_escalation_ladder_data():
    assert [(s.level, s.code, s.offset_days, s.unit) for s in ESCALATION_LADDER] == [
        (0, "reminder", -3, WORKING),
        (1, "overdue", 1, CALENDAR),
        (2, "urged", 5, WORKING),
        (3, "inspection", 10, WORKING),
    ]


def test_the_ladder_s_default_basis_is_stored_in_vietnamese_and_read_in_either_language():
    # Found by QA: the Vietnamese ladder page showed "Local policy: the day after due".
    from complaints.domain.policies import LADDER_SOURCES, ladder_source_in

    assert [s.source for s in ESCALATION_LADDER] == [
        LADDER_SOURCES[s.code][0] for s in ESCALATION_LADDER]
    assert all(s.source.startswith("Quy định của cơ quan") for s in ESCALATION_LADDER)
    old = "Local policy: the day after due"  # what installations seeded before hold
    assert ladder_source_in(old, "vi") == "Quy định của cơ quan: ngày liền sau ngày hết hạn"
    assert ladder_source_in(ESCALATION_LADDER[1].source, "en") == old
    assert ladder_source_in("Quyết định 5/QĐ-UBND", "en") == "Quyết định 5/QĐ-UBND"
    assert ladder_source_in(None, "vi") == ""


# --- Extensions: which stage each decision extends, how much, how often (policy data) ------

def test_the_desk_extends_handling_and_the_agency_resolution():
    assert EXTENSION_ACTIONS == {"extend_handling": "handling", "extend": "resolution"}


def test_only_a_denunciations_handling_may_be_extended_by_default():
    on = date(2026, 12, 1)
    handling = {kind: pick("handling", kind, None, "normal", on) for kind in KINDS}
    assert [k for k, rule in handling.items() if extendable(rule, 0)] == ["denunciation"]
    session = pick("handling", "denunciation", None, "reception_session", on)
    assert not extendable(session, 0)  # the answer after a reception session: no extension


def test_a_denunciations_handling_extension_once_up_to_3_working_days():
    rule = pick("handling", "denunciation", None, "normal", date(2026, 12, 1))
    assert extendable(rule, 0) and not extendable(rule, 1)
    assert extension_error(rule, 0, 3) is None and extension_error(rule, 0, 1) is None
    assert extension_error(rule, 0, 4) == "Gia hạn tối đa 3 ngày làm việc."
    assert extension_error(rule, 1, 1) == "Đã gia hạn tối đa 1 lần."
    for bad in (0, -2, True, "3", 2.5):
        assert extension_error(rule, 0, bad) == "Số ngày gia hạn phải là số dương."


def test_a_calendar_extension_is_counted_in_days():
    rule = pick("resolution", "denunciation", None, "complex", date(2026, 12, 1))
    assert extension_error(rule, 0, 31) == "Gia hạn tối đa 30 ngày."
