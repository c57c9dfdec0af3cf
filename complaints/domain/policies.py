"""Default deadline policies and escalation ladder, as data with their legal sources.

Plain Python with no Flask or SQLAlchemy. These rows seed the editable policy table;
rules are versioned by `effective_from` because the laws were amended from 1 July 2026.

Modelling choices (domain.md, "Default deadline policies"):
- `round` is 1 or 2 for complaint acceptance and resolution only; None everywhere else.
- Variants: "normal", "complex", "remote" (vùng sâu, vùng xa), "remote_complex",
  "very_complex", plus for handling "reception_session" (answer after a
  citizen-reception session).
- Denunciation handling: 7 working days, "up to 10 working days" when checks at several
  places are needed, is one extension of 3 working days, decided by the desk that
  logged it (workflow.extend_handling).
- No row for "forward a denunciation that is not ours within 5 working days" (Law on
  Denunciations Art. 24(2)): the desk learns that a denunciation is not for the agencies
  it serves only by deciding to forward it, and that decision ends the handling stage,
  so no running deadline could ever use such a row. The desk's forward form states the
  5 days; the 7-day handling deadline bounds it meanwhile.
- Denunciation resolution is split by variant: normal has no extension, complex one of
  up to 30 days, very_complex two of up to 30 days each; the extension decision that
  declares the case complex also switches its variant.
- `extension_days` is the most one extension may add; `max_extensions` how many.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from complaints.domain.deadlines import (
    ACCEPTANCE,
    CALENDAR,
    HANDLING,
    RESOLUTION,
    WORKING,
)
from complaints.domain.messages import N_

COMPLAINT = "complaint"  # khiếu nại
DENUNCIATION = "denunciation"  # tố cáo
RECOMMENDATION = "recommendation"  # kiến nghị
FEEDBACK = "feedback"  # phản ánh
KINDS = (COMPLAINT, DENUNCIATION, RECOMMENDATION, FEEDBACK)

NORMAL = "normal"
COMPLEX = "complex"  # vụ việc phức tạp
REMOTE = "remote"  # vùng sâu, vùng xa, đi lại khó khăn
REMOTE_COMPLEX = "remote_complex"
VERY_COMPLEX = "very_complex"  # đặc biệt phức tạp
RECEPTION_SESSION = "reception_session"  # trả lời sau buổi tiếp công dân
VARIANTS = (
    NORMAL,
    COMPLEX,
    REMOTE,
    REMOTE_COMPLEX,
    VERY_COMPLEX,
    RECEPTION_SESSION,
)

# A floor earlier than any petition the system holds, not the statutes' own start dates.
BASELINE = date(2020, 1, 1)

# What an administrator may set on a policy version. The law's longest periods are well
# under a year (a complex complaint in a remote area: 60 days; a very complex denunciation:
# 30 + 2 × 30); the bounds keep a typo (1,000,000,000 days) from being saved, then failing
# every intake of that kind once in force (QA round 14: "year 10000 is out of range").
POLICY_MAX_DAYS = 365
POLICY_MAX_EXTENSION_DAYS = 365
POLICY_MAX_EXTENSIONS = 10
# The amended citizen-reception, complaints and denunciations laws apply from this date.
AMENDED_2026 = date(2026, 7, 1)


@dataclass(frozen=True)
class PolicyRule:
    """One default deadline: stage × kind × round × variant → days in unit, from a date."""

    stage: str
    kind: str
    round: int | None  # complaint round: 1 lần đầu, 2 lần hai; None if not relevant
    variant: str
    days: int
    unit: str
    extension_days: int  # the most one extension may add (0: no extension)
    max_extensions: int
    extension_unit: str
    effective_from: date
    source: str  # Vietnamese legal source, shown in explanations
    source_en: str = ""


# Legal sources: key -> (Vietnamese, English).
SOURCES: dict[str, tuple[str, str]] = {
    "circular_05": (
        "Thông tư 05/2021/TT-TTCP (xử lý đơn)",
        "Circular 05/2021/TT-TTCP (petition handling)",
    ),
    "reception_28": (
        "Luật Tiếp công dân 2013, Điều 28(1)",
        "Law on Citizen Reception 2013, Art. 28(1)",
    ),
    "denunciation_24_1": (
        (
            "Luật Tố cáo 2018, Điều 24(1) (tối đa 10 ngày làm việc nếu phải kiểm tra, "
            "xác minh ở nhiều địa điểm)"
        ),
        (
            "Law on Denunciations 2018, Art. 24(1) (up to 10 working days when checks "
            "at several places are needed)"
        ),
    ),
    "complaint_27": (
        "Luật Khiếu nại 2011, Điều 27; Nghị định 124/2020/NĐ-CP, Điều 16(1)",
        "Law on Complaints 2011, Art. 27; Decree 124/2020/ND-CP, Art. 16(1)",
    ),
    "decree_124_2026": (
        "Nghị định 124/2020/NĐ-CP, Điều 16(1) (sửa đổi 2026)",
        "Decree 124/2020/ND-CP, Art. 16(1) (as amended in 2026)",
    ),
    "complaint_36": ("Luật Khiếu nại 2011, Điều 36", "Law on Complaints 2011, Art. 36"),
    "complaint_28": ("Luật Khiếu nại 2011, Điều 28", "Law on Complaints 2011, Art. 28"),
    "complaint_37": ("Luật Khiếu nại 2011, Điều 37", "Law on Complaints 2011, Art. 37"),
    # The window for a second complaint (services/public.APPEAL_WINDOW), not a deadline
    # rule: 30 days, up to 45 in remote, hard-to-reach areas.
    "complaint_33": ("Luật Khiếu nại 2011, Điều 33", "Law on Complaints 2011, Art. 33"),
    "complaint_33_remote": (
        "Luật Khiếu nại 2011, Điều 33, áp dụng cho vùng sâu, vùng xa",
        "Law on Complaints 2011, Art. 33, for remote areas",
    ),
    # Not a deadline either: a complainant may sue at the administrative court instead of
    # a second complaint, and after it (told on the citizen's page with each decision).
    "complaint_7": ("Luật Khiếu nại 2011, Điều 7", "Law on Complaints 2011, Art. 7"),
    "denunciation_29": (
        "Luật Tố cáo 2018, Điều 24(1) và Điều 29 (quyết định thụ lý tố cáo)",
        "Law on Denunciations 2018, Art. 24(1) and 29 (decision to accept)",
    ),
    "denunciation_30": (
        "Luật Tố cáo 2018, Điều 30",
        "Law on Denunciations 2018, Art. 30",
    ),
    "local": (
        "Quy định của cơ quan (không có luật quy định)",
        "Local policy (no statute)",
    ),
}

_H, _A, _R = HANDLING, ACCEPTANCE, RESOLUTION
_W, _C = WORKING, CALENDAR
_CO, _DE, _RE, _FB = COMPLAINT, DENUNCIATION, RECOMMENDATION, FEEDBACK
_B, _2026 = BASELINE, AMENDED_2026

# Extensions use the same unit as the days. Columns:
# stage kind round variant           days unit ext max from   source
# fmt: off
_TABLE = (
    (_H, _CO, None, NORMAL,            10, _W,  0, 0, _B,    "circular_05"),
    (_H, _RE, None, NORMAL,            10, _W,  0, 0, _B,    "circular_05"),
    (_H, _FB, None, NORMAL,            10, _W,  0, 0, _B,    "circular_05"),
    # "Up to 10 working days" when checks at several places are needed: 7 + one of 3,
    # which the desk extends (Art. 24(2)'s 5 days to forward: see the module docstring).
    (_H, _DE, None, NORMAL,             7, _W,  3, 1, _B,    "denunciation_24_1"),
    (_H, _CO, None, RECEPTION_SESSION, 10, _W,  0, 0, _B,    "reception_28"),
    (_H, _DE, None, RECEPTION_SESSION, 10, _W,  0, 0, _B,    "reception_28"),
    (_H, _RE, None, RECEPTION_SESSION, 10, _W,  0, 0, _B,    "reception_28"),
    (_H, _FB, None, RECEPTION_SESSION, 10, _W,  0, 0, _B,    "reception_28"),
    # First complaint: 10 calendar days until the 2026 amendment, then 7 working days.
    (_A, _CO, 1,    NORMAL,            10, _C,  0, 0, _B,    "complaint_27"),
    (_A, _CO, 1,    NORMAL,             7, _W,  0, 0, _2026, "decree_124_2026"),
    (_A, _CO, 2,    NORMAL,            10, _C,  0, 0, _B,    "complaint_36"),
    # The agency a denunciation reaches checks it and decides to accept within 7 working days.
    (_A, _DE, None, NORMAL,             7, _W,  0, 0, _B,    "denunciation_29"),
    (_A, _RE, None, NORMAL,             5, _W,  0, 0, _B,    "local"),
    (_A, _FB, None, NORMAL,             5, _W,  0, 0, _B,    "local"),
    (_R, _CO, 1,    NORMAL,            30, _C,  0, 0, _B,    "complaint_28"),
    (_R, _CO, 1,    COMPLEX,           45, _C,  0, 0, _B,    "complaint_28"),
    (_R, _CO, 1,    REMOTE,            45, _C,  0, 0, _B,    "complaint_28"),
    (_R, _CO, 1,    REMOTE_COMPLEX,    60, _C,  0, 0, _B,    "complaint_28"),
    (_R, _CO, 2,    NORMAL,            45, _C,  0, 0, _B,    "complaint_37"),
    (_R, _CO, 2,    COMPLEX,           60, _C,  0, 0, _B,    "complaint_37"),
    (_R, _CO, 2,    REMOTE,            60, _C,  0, 0, _B,    "complaint_37"),
    (_R, _CO, 2,    REMOTE_COMPLEX,    70, _C,  0, 0, _B,    "complaint_37"),
    (_R, _DE, None, NORMAL,            30, _C,  0, 0, _B,    "denunciation_30"),
    (_R, _DE, None, COMPLEX,           30, _C, 30, 1, _B,    "denunciation_30"),
    (_R, _DE, None, VERY_COMPLEX,      30, _C, 30, 2, _B,    "denunciation_30"),
    (_R, _RE, None, NORMAL,            15, _W, 10, 1, _B,    "local"),
    (_R, _FB, None, NORMAL,            15, _W, 10, 1, _B,    "local"),
)
# fmt: on

_ENGLISH_SOURCES = {vi: en for vi, en in SOURCES.values()}


def source_in_english(source: str) -> str:
    """A legal basis in English when it is one of the defaults' (an administrator's own
    wording is kept as typed); empty when unknown."""
    return _ENGLISH_SOURCES.get((source or "").strip(), "")


def source_in(source: str | None, lang: str) -> str:
    """A legal basis in `lang`: English when known, else as stored (Vietnamese)."""
    if lang.startswith("en"):
        return source_in_english(source or "") or source or ""
    return source or ""


DEFAULT_POLICIES: tuple[PolicyRule, ...] = tuple(
    PolicyRule(
        *row[:8],
        extension_unit=row[5],  # extensions count in the rule's own unit
        effective_from=row[8],
        source=SOURCES[row[9]][0],
        source_en=SOURCES[row[9]][1],
    )
    for row in _TABLE
)


# A variant combining two facts, for a kind that has no rule for the pair, takes the rule of
# either fact before the normal one: a denunciation has a "complex" rule but no remote-area
# ones, and a complex denunciation from a remote commune is complex (QA round 58: it fell
# back to "normal", and its extension as a complex case was refused).
_COMBINED = {REMOTE_COMPLEX: (COMPLEX, REMOTE)}


def fallbacks(variant: str) -> tuple[str, ...]:
    """The variants tried in turn for a case of `variant`, ending with the normal one."""
    return (variant, *_COMBINED.get(variant, ()), NORMAL)


def select_policy(
    rules: Iterable[PolicyRule],
    stage: str,
    kind: str,
    round: int | None,
    variant: str,
    on: date,
) -> PolicyRule | None:
    """Return the rule in force on `on` for the case, falling back (`fallbacks`) to the
    variants it combines and then to the "normal" variant."""
    in_force = [r for r in _for_case(rules, stage, kind, round) if r.effective_from <= on]
    for wanted in fallbacks(variant):
        matching = [r for r in in_force if r.variant == wanted]
        if matching:
            # The latest version in force wins (laws amended from 1 July 2026).
            return max(matching, key=lambda r: r.effective_from)
    return None


def first_day_in_force(
    rules: Iterable[PolicyRule],
    stage: str,
    kind: str,
    round: int | None,
    variant: str,
) -> date | None:
    """Return the first day `select_policy` finds a rule for such a case (None: never)."""
    days = [r.effective_from for r in _for_case(rules, stage, kind, round)
            if r.variant in fallbacks(variant)]
    return min(days, default=None)


def _for_case(
    rules: Iterable[PolicyRule], stage: str, kind: str, round: int | None
) -> list[PolicyRule]:
    """The rules of a stage for a kind (and round) of case, whatever their dates."""
    if stage == HANDLING or kind != COMPLAINT:
        round = None  # only complaint acceptance and resolution depend on the round
    return [r for r in rules if r.stage == stage and r.kind == kind and r.round == round]


# The decision that extends each stage's deadline, taken by whoever holds the case at that
# stage: the desk that logged it extends its handling, the agency head its resolution.
# Which kinds may be extended, by how much and how often is the rules' data
# (extension_days, max_extensions): a stage or rule without them cannot be extended.
EXTENSION_ACTIONS = {"extend_handling": HANDLING, "extend": RESOLUTION}


def extendable(rule: PolicyRule, used: int) -> bool:
    """May a deadline under `rule`, already extended `used` times, be extended again?"""
    return rule.max_extensions > 0 and rule.extension_days > 0 and used < rule.max_extensions


def extension_error(rule: PolicyRule, used: int, days: object) -> str | None:
    """Why extending by `days` a deadline under `rule`, already extended `used` times, is
    refused (a marked message for the "days" field), or None. Whether the rule allows any
    extension at all is the caller's to say first: its message names the stage."""
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        return N_("Số ngày gia hạn phải là số dương.")
    if used >= rule.max_extensions:
        return N_("Đã gia hạn tối đa %(n)s lần.", n=rule.max_extensions)
    if days > rule.extension_days:
        if rule.extension_unit == WORKING:
            return N_("Gia hạn tối đa %(n)s ngày làm việc.", n=rule.extension_days)
        return N_("Gia hạn tối đa %(n)s ngày.", n=rule.extension_days)
    return None


@dataclass(frozen=True)
class EscalationStep:
    """One rung of the escalation ladder, relative to a stage's due date."""

    level: int
    code: str
    offset_days: int  # negative: before the due date; positive: after it
    unit: str
    source: str


# The default rungs' basis, (Vietnamese, English): stored in Vietnamese, as the deadline
# policies' is. Installations seeded before held the English text: both read as the pair.
LADDER_SOURCES: dict[str, tuple[str, str]] = {
    "reminder": ("Quy định của cơ quan: 3 ngày làm việc trước hạn",
                 "Local policy: 3 working days before due"),
    "overdue": ("Quy định của cơ quan: ngày liền sau ngày hết hạn",
                "Local policy: the day after due"),
    "urged": ("Quy định của cơ quan: quá hạn 5 ngày làm việc (đôn đốc)",
              "Local policy: 5 working days overdue (đôn đốc)"),
    "inspection": ("Quy định của cơ quan: quá hạn 10 ngày làm việc",
                   "Local policy: 10 working days overdue"),
}
_LADDER_WORDINGS = {text: pair for pair in LADDER_SOURCES.values() for text in pair}


def ladder_source_in(source: str | None, lang: str) -> str:
    """A rung's basis in `lang` when it is one of the defaults' (in either language's
    wording); an administrator's own wording is kept as typed."""
    pair = _LADDER_WORDINGS.get((source or "").strip())
    if pair is None:
        return source or ""
    return pair[1] if lang.startswith("en") else pair[0]


# Local policy (domain.md, "Escalation ladder"); offsets are relative to the due date.
_VI = {code: vi for code, (vi, _en) in LADDER_SOURCES.items()}
# fmt: off
ESCALATION_LADDER: tuple[EscalationStep, ...] = (
    EscalationStep(0, "reminder",   -3, WORKING,  _VI["reminder"]),
    EscalationStep(1, "overdue",     1, CALENDAR, _VI["overdue"]),
    EscalationStep(2, "urged",       5, WORKING,  _VI["urged"]),
    EscalationStep(3, "inspection", 10, WORKING,  _VI["inspection"]),
)
# fmt: on
