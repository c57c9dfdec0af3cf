"""Administrators' use cases: agencies, users, routing rules, deadline policies, calendar.

Each change writes an audit event on its own chain ("agency:<id>", "user:<id>",
"routing_rule:<id>", "policy:<id>", "calendar"). A calendar or policy change recomputes
the deadlines of open cases (each recomputed due date is audited on the case's chain).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain.catalog import AGENCY_LEVELS, KINDS, STAGES
from complaints.domain.deadlines import UNITS
from complaints.domain.messages import N_
from complaints.domain.policies import VARIANTS
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import (
    Agency,
    CalendarOverride,
    DeadlinePolicy,
    Field,
    Locality,
    RoutingRule,
    User,
)
from complaints.services import accounts, audit
from complaints.services import calendar as calendar_service
from complaints.services import deadlines as deadline_service
from complaints.services.errors import NotFound, ValidationFailed
from complaints.services.workflow import DESK_RESOLVES_NOTHING

logger = logging.getLogger(__name__)


# --- Agencies ----------------------------------------------------------------------


@dataclass
class AgencyData:
    code: str
    name: str
    level: str
    parent_code: str | None = None
    is_inspectorate: bool = False
    is_reception_desk: bool = False
    name_en: str | None = None
    locality_codes: tuple[str, ...] = ()
    active: bool = True


def agency_tree() -> list[tuple[Agency, int]]:
    """Return every agency with its depth, parents before their children."""
    agencies = sorted(db.session.scalars(select(Agency)), key=lambda a: name_order(a.name))
    children: dict[int | None, list[Agency]] = {}
    ids = {a.id for a in agencies}
    for agency in agencies:
        parent = agency.parent_id if agency.parent_id in ids else None
        children.setdefault(parent, []).append(agency)
    ordered: list[tuple[Agency, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for agency in children.get(parent_id, []):
            if agency.id in seen:  # a cycle in bad data must not loop forever
                continue
            seen.add(agency.id)
            ordered.append((agency, depth))
            walk(agency.id, depth + 1)

    walk(None, 0)
    ordered += [(a, 0) for a in agencies if a.id not in seen]
    return ordered


def _localities(codes) -> tuple[list[Locality], list[str]]:
    found, missing = [], []
    for code in dict.fromkeys(c.strip() for c in codes if c and c.strip()):
        locality = db.session.get(Locality, code)
        (found.append(locality) if locality else missing.append(code))
    return found, missing


def _check_agency(data: AgencyData, agency: Agency | None) -> tuple[Agency | None, list]:
    errors: dict[str, str] = {}
    code = (data.code or "").strip()
    if not code:
        errors["code"] = N_("Nhập mã cơ quan.")
    else:
        clash = db.session.scalar(select(Agency).where(Agency.code == code))
        if clash is not None and clash is not agency:
            errors["code"] = N_("Mã cơ quan đã được dùng.")
    if not (data.name or "").strip():
        errors["name"] = N_("Nhập tên cơ quan.")
    level = (data.level or "").strip()
    if not level:
        errors["level"] = N_("Chọn cấp của cơ quan.")
    elif level not in AGENCY_LEVELS and (agency is None or level != agency.level):
        # A free-typed level ("Xã") silently dropped the agency's reception duty from the
        # scorecard (found by a QA pass); a level kept from older data may stay as it is.
        errors["level"] = N_("Chọn cấp của cơ quan trong danh sách.")
    parent = None
    if data.parent_code:
        parent = db.session.scalar(select(Agency).where(Agency.code == data.parent_code))
        if parent is None:
            errors["parent_code"] = N_("Không tìm thấy cơ quan cấp trên.")
        elif agency is not None and (parent is agency or agency in parent.ancestors()):
            errors["parent_code"] = N_(
                "Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó.")
    localities, missing = _localities(data.locality_codes)
    if missing:
        errors["locality_codes"] = N_("Không có địa bàn mã: %(codes)s", codes=", ".join(missing))
    if errors:
        raise ValidationFailed(errors)
    return parent, localities


def _agency_snapshot(agency: Agency) -> dict:
    return {"code": agency.code, "name": agency.name, "name_en": agency.name_en,
            "level": agency.level, "parent": agency.parent.code if agency.parent else None,
            "is_inspectorate": agency.is_inspectorate,
            "is_reception_desk": agency.is_reception_desk, "active": agency.active,
            "localities": sorted(loc.code for loc in agency.localities)}


def create_agency(data: AgencyData, actor: User, now: datetime) -> Agency:
    """Create an agency in the hierarchy."""
    parent, localities = _check_agency(data, None)
    agency = Agency(code=data.code.strip(), name=data.name.strip(), level=data.level.strip(),
                    name_en=(data.name_en or "").strip() or None, parent=parent,
                    is_inspectorate=data.is_inspectorate,
                    is_reception_desk=data.is_reception_desk, active=data.active)
    agency.localities = localities
    db.session.add(agency)
    db.session.flush()
    audit.record(f"agency:{agency.id}", "agency_created", actor, now, _agency_snapshot(agency))
    return agency


def update_agency(agency: Agency, data: AgencyData, actor: User, now: datetime) -> Agency:
    """Change an agency; the audit event holds what it was and what it became."""
    parent, localities = _check_agency(data, agency)
    before = _agency_snapshot(agency)
    agency.code, agency.name, agency.level = data.code.strip(), data.name.strip(), data.level
    agency.name_en = (data.name_en or "").strip() or None
    agency.parent, agency.is_inspectorate, agency.active = parent, data.is_inspectorate, \
        data.active
    agency.is_reception_desk = data.is_reception_desk
    agency.localities = localities
    db.session.flush()
    after = _agency_snapshot(agency)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit.record(f"agency:{agency.id}", "agency_updated", actor, now, changed)
    return agency


# --- Users -------------------------------------------------------------------------


ACCOUNT_PROBLEMS_VI = {
    "username_required": N_("Nhập tên đăng nhập."),
    "username_format": N_("Tên đăng nhập gồm 2–80 chữ cái không dấu, chữ số, dấu chấm, gạch "
                          "ngang hoặc gạch dưới, bắt đầu bằng chữ cái hoặc chữ số."),
    "username_taken": N_("Tên đăng nhập đã có."),
    "role_unknown": N_("Chọn vai trò."),
    "agency_unknown": N_("Không có cơ quan mang mã này."),
    "agency_required": N_("Vai trò này cần chọn cơ quan."),
    "inspectorate_required": N_("Thanh tra viên thuộc một cơ quan thanh tra (hoặc không thuộc "
                                "cơ quan nào)."),
    "email_invalid": N_("Thư điện tử không hợp lệ."),
    "email_taken": N_("Thư điện tử này đã thuộc một tài khoản khác."),
}


def user_problems(username: str, role: str, password: str, agency_code: str | None,
                  email: str | None) -> dict[str, str]:
    """Every reason, by field, why the admin's new account cannot be created; empty if none."""
    problems = {name: ACCOUNT_PROBLEMS_VI[code] for name, code in accounts.account_problems(
        username, role, agency_code, email).items()}
    password_code = accounts.password_problem(password or "", (username or "").strip())
    if password_code is not None:
        problems["password"] = accounts.PASSWORD_PROBLEMS_VI[password_code]
    return problems


def create_user(username: str, role: str, password: str, actor: User, now: datetime,
                agency_code: str | None = None, full_name: str = "",
                email: str | None = None) -> User:
    """Create a staff account (audited on "user:<id>"); every problem is reported at once."""
    problems = user_problems(username, role, password, agency_code, email)
    if problems:
        raise ValidationFailed(problems)
    return accounts.create_user(username, role, password, now, agency_code=agency_code,
                                full_name=full_name, email=email or None, actor=actor)


def deactivate_user(user: User, actor: User, now: datetime) -> User:
    """Deactivate an account and end its sessions; the account and its history stay."""
    if user.id == actor.id:
        raise ValidationFailed({"user": N_("Không thể tự khóa tài khoản của mình.")})
    if not user.active:
        return user
    user.active = False
    user.session_version = (user.session_version or 1) + 1  # signs every session out
    db.session.flush()
    audit.record(f"user:{user.id}", "user_deactivated", actor, now, {"username": user.username})
    return user


# --- Routing rules -----------------------------------------------------------------


@dataclass
class RoutingRuleData:
    agency_code: str
    field_code: str | None = None
    locality_code: str | None = None
    kind: str | None = None
    priority: int = 0
    note: str | None = None


def create_routing_rule(data: RoutingRuleData, actor: User, now: datetime) -> RoutingRule:
    """Add a rule mapping field × locality × kind to the responsible agency."""
    errors: dict[str, str] = {}
    agency = db.session.scalar(select(Agency).where(Agency.code == (data.agency_code or "")))
    if agency is None:
        errors["agency_code"] = N_("Chọn cơ quan.")
    elif agency.is_reception_desk:
        errors["agency_code"] = DESK_RESOLVES_NOTHING
    field_row = None
    if data.field_code:
        field_row = db.session.scalar(select(Field).where(Field.code == data.field_code))
        if field_row is None:
            errors["field_code"] = N_("Không có lĩnh vực này.")
    if data.locality_code and db.session.get(Locality, data.locality_code) is None:
        errors["locality_code"] = N_("Không có địa bàn mã này.")
    if data.kind and data.kind not in KINDS:
        errors["kind"] = N_("Loại đơn không hợp lệ.")
    if errors:
        raise ValidationFailed(errors)
    rule = RoutingRule(agency_id=agency.id, field_id=field_row.id if field_row else None,
                       locality_code=data.locality_code or None, kind=data.kind or None,
                       priority=data.priority or 0, note=(data.note or "").strip() or None)
    db.session.add(rule)
    db.session.flush()
    audit.record(f"routing_rule:{rule.id}", "routing_rule_created", actor, now, {
        "agency": agency.code, "field": data.field_code or None,
        "locality": data.locality_code or None, "kind": data.kind or None,
        "priority": rule.priority, "note": rule.note})
    return rule


def delete_routing_rule(rule: RoutingRule, actor: User, now: datetime) -> None:
    """Remove a routing rule (the audit event keeps what it said)."""
    data = {"agency": rule.agency.code, "field": rule.field.code if rule.field else None,
            "locality": rule.locality_code, "kind": rule.kind, "priority": rule.priority}
    chain = f"routing_rule:{rule.id}"
    db.session.delete(rule)
    db.session.flush()
    audit.record(chain, "routing_rule_deleted", actor, now, data)


# --- Deadline policies -------------------------------------------------------------


@dataclass
class PolicyData:
    stage: str
    kind: str
    round: int
    variant: str
    days: int
    unit: str
    extension_days: int
    max_extensions: int
    effective_from: date
    source: str


def policy_problems(data: PolicyData) -> dict[str, str]:
    """Every reason to refuse a policy version, by field (empty: it may be added)."""
    errors: dict[str, str] = {}
    if data.stage not in STAGES:
        errors["stage"] = N_("Chọn giai đoạn.")
    if data.kind not in KINDS:
        errors["kind"] = N_("Chọn loại đơn.")
    if data.variant not in VARIANTS:
        errors["variant"] = N_("Chọn trường hợp áp dụng.")
    if data.unit not in UNITS:
        errors["unit"] = N_("Chọn đơn vị tính.")
    if data.round not in (0, 1, 2):
        errors["round"] = N_("Lần khiếu nại là 0 (mọi lần), 1 hoặc 2.")
    elif data.round and data.kind != "complaint":
        errors["round"] = N_("Chỉ khiếu nại mới phân biệt lần đầu, lần hai.")
    if not data.days or data.days <= 0:
        errors["days"] = N_("Số ngày phải lớn hơn 0.")
    if data.extension_days is None or data.extension_days < 0:
        errors["extension_days"] = N_("Số ngày gia hạn không được âm.")
    if data.max_extensions is None or data.max_extensions < 0:
        errors["max_extensions"] = N_("Số lần gia hạn không được âm.")
    if data.effective_from is None:
        errors["effective_from"] = N_("Nhập ngày áp dụng.")
    if not (data.source or "").strip():
        errors["source"] = N_("Nêu căn cứ pháp lý.")
    if not errors:
        clash = db.session.scalar(select(DeadlinePolicy).where(
            DeadlinePolicy.stage == data.stage, DeadlinePolicy.kind == data.kind,
            DeadlinePolicy.round == data.round, DeadlinePolicy.variant == data.variant,
            DeadlinePolicy.effective_from == data.effective_from))
        if clash is not None:
            errors["effective_from"] = (N_("Đã có phiên bản áp dụng từ ngày này; "
                                        "chọn ngày áp dụng khác."))
    return errors


def policy_impact(data: PolicyData) -> tuple[int, int]:
    """What a (valid) version would do, nothing written: (due dates of open cases it would
    move, cases ever suspended that are recomputed one by one when it is saved)."""
    from complaints.domain.policies import PolicyRule

    return deadline_service.policy_impact(PolicyRule(
        stage=data.stage, kind=data.kind, round=data.round or None, variant=data.variant,
        days=data.days, unit=data.unit, extension_days=data.extension_days,
        max_extensions=data.max_extensions, extension_unit=data.unit,
        effective_from=data.effective_from, source=data.source.strip()))


def add_policy_version(data: PolicyData, actor: User, now: datetime) -> tuple[DeadlinePolicy,
                                                                               int]:
    """Add a new version of a policy from a date; history is never edited in place.

    Returns the new row and the number of open cases' due dates that changed.
    """
    errors = policy_problems(data)
    if errors:
        raise ValidationFailed(errors)
    row = DeadlinePolicy(stage=data.stage, kind=data.kind, round=data.round,
                         variant=data.variant, days=data.days, unit=data.unit,
                         extension_days=data.extension_days,
                         max_extensions=data.max_extensions, extension_unit=data.unit,
                         effective_from=data.effective_from, source=data.source.strip(),
                         updated_at=now)
    db.session.add(row)
    db.session.flush()
    deadline_service.invalidate()  # the recomputation below must see the new version
    audit.record(f"policy:{row.id}", "policy_version_added", actor, now, {
        "stage": row.stage, "kind": row.kind, "round": row.round, "variant": row.variant,
        "days": row.days, "unit": row.unit, "extension_days": row.extension_days,
        "max_extensions": row.max_extensions, "effective_from": row.effective_from,
        "source": row.source})
    changed = deadline_service.recompute_open(now, actor, reason=f"policy:{row.id}",
                                              policy=(row.stage, row.kind, row.effective_from))
    return row, changed


# --- Calendar overrides ------------------------------------------------------------


def calendar_problems(day: date | None, kind: str, description: str) -> dict[str, str]:
    """Why an override cannot be added, by field; empty when it can."""
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = N_("Nhập ngày.")
    elif db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day)):
        errors["day"] = N_("Ngày này đã có điều chỉnh; xóa điều chỉnh cũ trước.")
    if kind not in ("day_off", "working_day"):
        errors["kind"] = N_("Chọn loại điều chỉnh.")
    elif day is not None and "day" not in errors:
        # An override that changes nothing (a day off on a Sunday) is a typo, not a rule.
        working = calendar_service.calendar_with(remove=day).is_working_day(day)
        if kind == "day_off" and not working:
            errors["day"] = N_("Ngày %(day)s đã là ngày nghỉ (cuối tuần hoặc ngày lễ).",
                               day=day.strftime("%d/%m/%Y"))
        elif kind == "working_day" and working:
            errors["day"] = N_("Ngày %(day)s đã là ngày làm việc.",
                               day=day.strftime("%d/%m/%Y"))
    if not (description or "").strip():
        errors["description"] = N_("Nêu căn cứ (ví dụ: văn bản hoán đổi ngày làm việc).")
    return errors


def calendar_impact(day: date, kind: str | None = None,
                    description: str = "") -> tuple[int, int]:
    """What adding (with `kind`) or removing (without) the override of `day` would do,
    nothing written: (due dates of open cases it would move, cases ever suspended that
    are recomputed one by one when it is saved)."""
    cal = (calendar_service.calendar_with(add=(day, kind, description.strip()))
           if kind else calendar_service.calendar_with(remove=day))
    return deadline_service.calendar_impact(day, cal)


def add_calendar_override(day: date, kind: str, description: str, actor: User,
                          now: datetime) -> tuple[CalendarOverride, int]:
    """Add an extra day off or a make-up working day; open deadlines are recomputed."""
    errors = calendar_problems(day, kind, description)
    if errors:
        raise ValidationFailed(errors)
    override = CalendarOverride(day=day, kind=kind, description=description.strip(),
                                created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(override)
    db.session.flush()
    audit.record("calendar", "calendar_override_added", actor, now,
                 {"day": day, "kind": kind, "description": override.description})
    return override, _calendar_changed(actor, now, day)


def delete_calendar_override(override: CalendarOverride, actor: User,
                             now: datetime) -> int:
    """Remove an override; open deadlines are recomputed."""
    data = {"day": override.day, "kind": override.kind, "description": override.description}
    db.session.delete(override)
    db.session.flush()
    audit.record("calendar", "calendar_override_deleted", actor, now, data)
    return _calendar_changed(actor, now, data["day"])


def _calendar_changed(actor: User, now: datetime, day: date) -> int:
    # The cached calendar must go first: the recomputation reads the new one.
    calendar_service.invalidate()
    return deadline_service.recompute_open(now, actor, reason=f"calendar:{day.isoformat()}",
                                           day=day)


def get_or_404(model, ident):
    """Load a row by id or raise NotFound."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(f"{model.__name__} {ident}")
    return row
