"""Administrators' use cases: agencies, users, fields, routing rules, deadline policies,
calendar.

Each change writes an audit event on its own chain ("agency:<id>", "user:<id>",
"field:<id>", "routing_rule:<id>", "policy:<id>", "calendar"). A calendar or policy change
recomputes the deadlines of open cases (each recomputed due date is audited on the case's
chain).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from complaints.domain import contacts
from complaints.domain.catalog import AGENCY_LEVELS, KINDS, REPORT_CATEGORIES, STAGES
from complaints.domain.deadlines import UNITS
from complaints.domain.fields import FIELD_STOPPED
from complaints.domain.limits import ADMIN_REASON_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.policies import (
    POLICY_MAX_DAYS,
    POLICY_MAX_EXTENSION_DAYS,
    POLICY_MAX_EXTENSIONS,
    VARIANTS,
)
from complaints.domain.states import OPEN_STATUSES
from complaints.domain.text import blank, has_control, name_order, name_problem
from complaints.extensions import db
from complaints.models import (
    Agency,
    CalendarOverride,
    Case,
    DeadlinePolicy,
    Escalation,
    Field,
    Locality,
    RoutingRule,
    User,
    agency_localities,
)
from complaints.services import accounts, audit
from complaints.services import calendar as calendar_service
from complaints.services import deadlines as deadline_service
from complaints.services.corrections import fingerprint
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
    # Why an active agency stops (or a closed one starts again): kept in the audit event,
    # asked for only when the agency's state changes (ux.md: destructive acts ask a reason).
    reason: str | None = None


def agency_tree() -> list[tuple[Agency, int]]:
    """Return every agency with its depth, parents before their children.

    The same order on every call (namesakes by id): the admin list pages through it."""
    agencies = sorted(db.session.scalars(select(Agency).order_by(Agency.id)),
                      key=lambda a: name_order(a.name))
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


def locality_counts(agency_ids: list[int]) -> dict[int, int]:
    """How many localities each of these agencies covers, in one grouped query (the list
    of agencies prints it; QA round 36: each row loaded its whole collection)."""
    if not agency_ids:
        return {}
    return dict(db.session.execute(
        select(agency_localities.c.agency_id, func.count())
        .where(agency_localities.c.agency_id.in_(agency_ids))
        .group_by(agency_localities.c.agency_id)).all())


def _localities(codes) -> tuple[list[Locality], list[str]]:
    found, missing = [], []
    for code in dict.fromkeys(c.strip() for c in codes if c and c.strip()):
        locality = db.session.get(Locality, code)
        (found.append(locality) if locality else missing.append(code))
    return found, missing


def agency_problems(data: AgencyData, agency: Agency | None,
                    online_desk_code: str | None = None) -> dict[str, str]:
    """Every reason, by field, to refuse creating (`agency` None) or changing an agency as
    `data` says; empty if none (the page shows them beside the form's own, in one round)."""
    try:
        _check_agency(data, agency, online_desk_code)
    except ValidationFailed as exc:
        return dict(exc.errors)
    return {}


def _check_agency(data: AgencyData, agency: Agency | None,
                  online_desk_code: str | None = None) -> tuple[Agency | None, list]:
    errors: dict[str, str] = {}
    code = (data.code or "").strip()
    if not code:
        errors["code"] = N_("Nhập mã cơ quan.")
    else:
        clash = db.session.scalar(select(Agency).where(Agency.code == code))
        if clash is not None and clash is not agency:
            errors["code"] = N_("Mã cơ quan đã được dùng.")
    if blank(data.name):  # zero-width characters only are nothing
        errors["name"] = N_("Nhập tên cơ quan.")
    _visible(errors, name=data.name, name_en=data.name_en, reason=data.reason)
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
        elif parent.is_reception_desk:
            # A desk supervises nobody: the ladder's urging (level 2) went to it (QA 47).
            errors["parent_code"] = N_("Nơi tiếp công dân không là cơ quan cấp trên của cơ "
                                       "quan nào: chọn cơ quan quản lý.")
    localities, missing = _localities(data.locality_codes)
    if missing:
        errors["locality_codes"] = N_("Không có địa bàn mã: %(codes)s", codes=", ".join(missing))
    if code and (agency is None or code != agency.code) and not AGENCY_CODE.fullmatch(code):
        # The code is part of addresses (/inspection/agencies/<code>): a "/" made one
        # agency's page unreachable (QA round 14). Older codes may stay as they are.
        errors["code"] = N_("Mã cơ quan gồm tối đa 40 chữ cái không dấu, chữ số, dấu chấm, "
                            "gạch ngang hoặc gạch dưới, bắt đầu bằng chữ cái hoặc chữ số.")
    if agency is not None:
        errors.update(_stranding_errors(agency, data, online_desk_code))
        if agency.active != data.active and "active" not in errors:
            if blank(data.reason):  # zero-width characters only are no reason either
                errors["reason"] = (REASON_TO_CLOSE if agency.active else REASON_TO_REOPEN)
            elif len(data.reason.strip()) > ADMIN_REASON_MAX:
                errors["reason"] = REASON_TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    return parent, localities


def _visible(errors: dict[str, str], **texts: str | None) -> None:
    """Refuse a text with a control character beside its field (unless already refused):
    the admin's texts are shown on every page, and in the exports and XML feeds, as a
    case's are (QA round 70: agency names, a user's name, a calendar day's description, a
    policy's or threshold's source and a routing rule's note were saved as typed)."""
    for name, value in texts.items():
        if value and has_control(value):
            errors.setdefault(name, CONTROL_CHARACTERS)


REASON_TO_CLOSE = N_("Nêu lý do cơ quan ngừng hoạt động (văn bản, quyết định).")
REASON_TO_REOPEN = N_("Nêu lý do cơ quan hoạt động trở lại (văn bản, quyết định).")
REASON_TOO_LONG = N_("Lý do tối đa 500 ký tự.")

AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


ONLINE_DESK = N_("Đây là nơi tiếp nhận đơn trực tuyến của công dân (thiết lập "
                 "ONLINE_RECEPTION_AGENCY_CODE = %(code)s): nếu đổi, mọi đơn gửi qua mạng sẽ "
                 "bị từ chối. Đổi thiết lập ONLINE_RECEPTION_AGENCY_CODE sang nơi tiếp nhận "
                 "khác trước.")


def _online_desk_errors(agency: Agency, data: AgencyData,
                        online_desk_code: str | None) -> dict[str, str]:
    """The desk named by the ONLINE_RECEPTION_AGENCY_CODE setting receives every citizen's
    online petition: closed, renamed or no longer a desk, each of them got a bare 503 and
    lost what was typed (QA86-01). `online_desk_code`: the setting, from the caller."""
    if not online_desk_code or agency.code != online_desk_code:
        return {}
    message = N_(ONLINE_DESK, code=online_desk_code)
    errors: dict[str, str] = {}
    if agency.active and not data.active:
        errors["active"] = message
    if agency.is_reception_desk and not data.is_reception_desk:
        errors["is_reception_desk"] = message
    if (data.code or "").strip() and data.code.strip() != agency.code:
        errors["code"] = message
    return errors


def rules_to(agency: Agency) -> int:
    """How many routing rules name the agency (a closed agency's route nothing)."""
    return db.session.scalar(select(func.count(RoutingRule.id)).where(
        RoutingRule.agency_id == agency.id)) or 0


def _stranding_errors(agency: Agency, data: AgencyData,
                      online_desk_code: str | None = None) -> dict[str, str]:
    """Changes to an agency that would leave its cases or accounts with nobody able to act
    (QA round 14), or citizens with no online desk (QA86-01): refused, saying what to move
    first."""
    errors: dict[str, str] = _online_desk_errors(agency, data, online_desk_code)
    held = db.session.scalar(select(func.count(Case.id)).where(
        Case.status.in_(OPEN_STATUSES),
        or_(Case.agency_id == agency.id,
            and_(Case.agency_id.is_(None), Case.reception_agency_id == agency.id))))
    if agency.active and not data.active and "active" not in errors:
        people = db.session.scalar(select(func.count(User.id)).where(
            User.agency_id == agency.id, User.active.is_(True)))
        if held or people:
            errors["active"] = N_(
                "Cơ quan đang giữ %(cases)s hồ sơ chưa kết thúc và có %(users)s tài khoản đang "
                "hoạt động: chuyển hồ sơ đi và khóa các tài khoản trước khi ngừng hoạt động "
                "cơ quan.", cases=held, users=people)
        elif waiting := db.session.scalar(select(func.count(Escalation.id)).where(
                Escalation.to_agency_id == agency.id, Escalation.acknowledged_at.is_(None),
                Escalation.lapsed_at.is_(None))):
            # Addressed to it, they would wait on a closed agency for good (QA round 47).
            errors["active"] = N_(
                "Cơ quan còn %(n)s kiến nghị xử lý (cảnh báo) chưa xác nhận gửi đến: lãnh đạo "
                "cơ quan xác nhận trước khi ngừng hoạt động cơ quan.", n=waiting)
    if data.is_reception_desk and not agency.is_reception_desk:
        rules = db.session.scalar(select(func.count(RoutingRule.id)).where(
            RoutingRule.agency_id == agency.id))
        holding = db.session.scalar(select(func.count(Case.id)).where(
            Case.status.in_(OPEN_STATUSES), Case.agency_id == agency.id))
        if holding or rules:
            errors["is_reception_desk"] = N_(
                "Cơ quan đang giải quyết %(cases)s hồ sơ và được %(rules)s quy tắc phân công "
                "chỉ đến: nơi tiếp nhận không giải quyết hồ sơ. Chuyển hồ sơ và sửa các quy "
                "tắc trước.", cases=holding, rules=rules)
    if agency.is_inspectorate and not data.is_inspectorate:
        inspectors = db.session.scalar(select(func.count(User.id)).where(
            User.agency_id == agency.id, User.role == "inspector", User.active.is_(True)))
        if inspectors:
            errors["is_inspectorate"] = N_(
                "Cơ quan có %(n)s thanh tra viên đang hoạt động: thanh tra viên thuộc một cơ "
                "quan thanh tra. Khóa hoặc chuyển các tài khoản đó trước.", n=inspectors)
    return errors


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


# "On another page": the same admin saving in a second tab is the likelier writer.
STALE_AGENCY = N_("Cơ quan này vừa được sửa (ở một trang khác hoặc bởi người khác) trong lúc "
                  "bạn mở trang này: chưa lưu. Xem giá trị hiện tại dưới từng ô, sửa lại nếu "
                  "cần rồi bấm Lưu.")
STALE_USER = N_("Tài khoản này vừa được sửa (ở một trang khác hoặc bởi người khác) trong lúc "
                "bạn mở trang này: chưa lưu. Xem giá trị hiện tại dưới từng ô, sửa lại nếu "
                "cần rồi bấm Lưu.")


def agency_fingerprint(agency: Agency) -> str:
    """What an agency's edit form showed (corrections.fingerprint): a save from a form
    opened before another admin's change is refused, not written over it (QA86-03)."""
    snapshot = _agency_snapshot(agency)
    return fingerprint(*(str(snapshot[k]) for k in sorted(snapshot)))


def update_agency(agency: Agency, data: AgencyData, actor: User, now: datetime,
                  online_desk_code: str | None = None, seen: str | None = None) -> Agency:
    """Change an agency; the audit event holds what it was and what it became.

    `online_desk_code`: the ONLINE_RECEPTION_AGENCY_CODE setting (that desk stays open);
    `seen`: the agency_fingerprint of what the form showed (None: not checked)."""
    if seen is not None and seen != agency_fingerprint(agency):
        raise ValidationFailed({"__all__": STALE_AGENCY})
    parent, localities = _check_agency(data, agency, online_desk_code)
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
    if "active" in changed:
        changed["reason"] = data.reason.strip()
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
    "agency_inactive": N_("Cơ quan này đã ngừng hoạt động."),
    "agency_required": N_("Vai trò này cần chọn cơ quan."),
    "inspectorate_required": N_("Thanh tra viên thuộc một cơ quan thanh tra (hoặc không thuộc "
                                "cơ quan nào)."),
    "email_invalid": N_("Thư điện tử không hợp lệ."),
    "email_taken": N_("Thư điện tử này đã thuộc một tài khoản khác."),
}


def user_problems(username: str, role: str, password: str, agency_code: str | None,
                  email: str | None, full_name: str | None = None) -> dict[str, str]:
    """Every reason, by field, why the admin's new account cannot be created; empty if none."""
    problems = {name: ACCOUNT_PROBLEMS_VI[code] for name, code in accounts.account_problems(
        username, role, agency_code, email).items()}
    # Optional here (the username stands in), but one typed is checked as on an edit (QA
    # 101: a name with no letter was created, then refused at the account's next edit).
    if full_name and (problem := name_problem(full_name)):
        problems["full_name"] = problem
    _visible(problems, full_name=full_name)
    password_code = accounts.password_problem(password or "", (username or "").strip())
    if password_code is not None:
        problems["password"] = accounts.PASSWORD_PROBLEMS_VI[password_code]
    return problems


def create_user(username: str, role: str, password: str, actor: User, now: datetime,
                agency_code: str | None = None, full_name: str = "",
                email: str | None = None) -> User:
    """Create a staff account (audited on "user:<id>"); every problem is reported at once."""
    problems = user_problems(username, role, password, agency_code, email, full_name)
    if problems:
        raise ValidationFailed(problems)
    return accounts.create_user(username, role, password, now, agency_code=agency_code,
                                full_name=full_name, email=email or None, actor=actor)


def open_cases_of(user: User) -> list[str]:
    """Tracking codes of the unfinished cases assigned to the user (whoever reassigns them
    must know before the account is locked or moved)."""
    return list(db.session.scalars(
        select(Case.tracking_code).where(Case.officer_id == user.id,
                                         Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id)))


def _lock_admins(actor: User) -> None:
    """Lock every active admin row (PostgreSQL; SQLite's write lock) and check the actor is
    still one: two administrators locking or demoting each other at once left none."""
    db.session.execute(update(User).where(User.role == "admin", User.active.is_(True))
                       .values(id=User.id).execution_options(synchronize_session=False))
    if not db.session.scalar(select(User.active).where(User.id == actor.id)):
        raise ValidationFailed({"user": N_("Tài khoản của bạn đã bị khóa.")})


def _other_admins(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)) or 0


LAST_ADMIN = N_("Không thể khóa hoặc đổi vai trò của quản trị viên cuối cùng còn hoạt động.")


@dataclass
class UserChanges:
    full_name: str
    email: str | None
    role: str
    agency_code: str | None


def user_change_problems(user: User, data: UserChanges, actor: User) -> dict[str, str]:
    """Every reason, by field, to refuse changing an account as `data` says."""
    codes = accounts.profile_problems(data.role, data.agency_code or None, data.email, user)
    if codes.get("agency_code") == "agency_inactive" and user.agency is not None and (
            data.agency_code == user.agency.code):
        # Kept where it is, not moved to a closed agency: a name or e-mail fix of an
        # account of a closed agency must not need a move (QA86-02).
        del codes["agency_code"]
    problems = {name: ACCOUNT_PROBLEMS_VI[code] for name, code in codes.items()}
    if problem := name_problem(data.full_name):
        problems["full_name"] = problem
    elif len(data.full_name.strip()) > 200:
        problems["full_name"] = N_("Tối đa %(max)s ký tự.", max=200)
    _visible(problems, full_name=data.full_name)
    moving = data.role != user.role or (data.agency_code or None) != (
        user.agency.code if user.agency else None)
    if moving and user.id == actor.id:
        problems["role"] = N_("Không thể tự đổi vai trò hoặc cơ quan của mình.")
    elif moving and (held := open_cases_of(user)):
        problems["agency_code"] = N_(
            "Tài khoản đang được giao %(n)s hồ sơ chưa kết thúc (%(codes)s): thủ trưởng giao "
            "lại cho người khác trước khi đổi vai trò hoặc cơ quan.",
            n=len(held), codes=", ".join(held[:10]) + (" …" if len(held) > 10 else ""))
    elif moving and (waiting := _left_at_the_desk(user)):
        problems["agency_code"] = N_(
            "Tài khoản là cán bộ tiếp nhận cuối cùng của nơi tiếp nhận đang có %(n)s hồ sơ chờ "
            "xử lý: thêm cán bộ tiếp nhận khác trước khi đổi vai trò hoặc cơ quan.", n=waiting)
    return problems


def _left_at_the_desk(user: User) -> int:
    """The open cases waiting at the user's desk that nobody could handle if the user, its
    last active reception officer, left it (QA round 47): 0 when others remain. The desk's
    reception accounts are locked first (PostgreSQL rows; SQLite's write lock): two admins
    each removing one of its last two officers left none (QA round 49)."""
    if user.role != "reception" or user.agency_id is None or not user.active:
        return 0
    db.session.execute(update(User).where(User.agency_id == user.agency_id,
                                          User.role == "reception", User.active.is_(True))
                       .values(id=User.id).execution_options(synchronize_session=False))
    db.session.refresh(user)
    if user.role != "reception" or user.agency_id is None or not user.active:
        return 0
    others = db.session.scalar(select(func.count(User.id)).where(
        User.agency_id == user.agency_id, User.role == "reception", User.active.is_(True),
        User.id != user.id))
    if others:
        return 0
    return db.session.scalar(select(func.count(Case.id)).where(
        Case.status.in_(OPEN_STATUSES), Case.agency_id.is_(None),
        Case.reception_agency_id == user.agency_id)) or 0


def user_fingerprint(user: User) -> str:
    """What an account's edit form showed (see agency_fingerprint)."""
    return fingerprint(user.full_name, user.email, user.role,
                       user.agency.code if user.agency else None)


def update_user(user: User, data: UserChanges, actor: User, now: datetime,
                seen: str | None = None) -> User:
    """Change an account's name, e-mail, role or agency (audited on "user:<id>"). A new role
    or agency ends the account's sessions and revokes its API tokens: what it may see and
    do changed (an official moved to another agency keeps one account). `seen`: the
    user_fingerprint of what the form showed (None: not checked)."""
    from complaints.services import tokens

    if seen is not None and seen != user_fingerprint(user):
        raise ValidationFailed({"__all__": STALE_USER})
    problems = user_change_problems(user, data, actor)
    if problems:
        raise ValidationFailed(problems)
    if user.role == "admin" and data.role != "admin":
        _lock_admins(actor)
        if not _other_admins(user):
            raise ValidationFailed({"role": LAST_ADMIN})
    agency = (db.session.scalar(select(Agency).where(Agency.code == data.agency_code))
              if data.agency_code else None)
    before = {"full_name": user.full_name, "email": user.email, "role": user.role,
              "agency": user.agency.code if user.agency else None}
    user.full_name, user.email = data.full_name.strip(), contacts.email(data.email)
    user.role, user.agency = data.role, agency
    after = {"full_name": user.full_name, "email": user.email, "role": user.role,
             "agency": agency.code if agency else None}
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return user
    revoked = 0
    if "role" in changed or "agency" in changed:
        user.session_version = (user.session_version or 1) + 1  # signs every session out
        db.session.flush()
        revoked = tokens.revoke_all(user, actor, now)
    db.session.flush()
    audit.record(f"user:{user.id}", "user_updated", actor, now,
                 {**changed, **({"sessions_ended": True, "tokens_revoked": revoked}
                                if "role" in changed or "agency" in changed else {})})
    return user


def reactivate_user(user: User, actor: User, now: datetime,
                    reason: str | None = None) -> User:
    """Let a locked account sign in again (its failed sign-ins forgotten), if its agency is
    still active. The pages ask why (`reason`, kept in the audit event)."""
    why = _reason_item(reason)
    if user.active:
        return user
    if user.agency is not None and not user.agency.active:
        raise ValidationFailed({"user": ACCOUNT_PROBLEMS_VI["agency_inactive"]})
    user.active, user.failed_logins, user.locked_until = True, 0, None
    db.session.flush()
    audit.record(f"user:{user.id}", "user_reactivated", actor, now,
                 {"username": user.username} | why)
    return user


def reset_password(user: User, password: str, actor: User, now: datetime) -> int:
    """Set a new password for a user who lost theirs (an admin tells it to them in person):
    the policy applies, the sign-in lockout is lifted, every session ends and every API
    token is revoked (return how many), and the user must choose their own password at
    the next sign-in. Not for the admin's own (they change it
    themselves, giving the current one)."""
    from complaints.services import tokens

    if user.id == actor.id:
        raise ValidationFailed({"password": N_(
            "Đổi mật khẩu của chính mình ở trang Đổi mật khẩu.")})
    code = accounts.password_problem(password or "", user.username)
    if code is not None:
        raise ValidationFailed({"password": accounts.PASSWORD_PROBLEMS_VI[code]})
    user.set_password(password)
    user.password_change_required = True  # the admin knows it: the user replaces it
    user.failed_logins, user.locked_until = 0, None
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    revoked = tokens.revoke_all(user, actor, now)
    audit.record(f"user:{user.id}", "password_reset", actor, now,
                 {"sessions_ended": True, "tokens_revoked": revoked})
    return revoked


SELF_LOCK = N_("Không thể tự khóa tài khoản của mình.")
LAST_AT_DESK = N_("Tài khoản là cán bộ tiếp nhận cuối cùng của nơi tiếp nhận đang có %(n)s hồ "
                  "sơ chờ xử lý: thêm cán bộ tiếp nhận khác trước khi khóa tài khoản.")


def deactivation_problems(user: User, actor: User) -> dict[str, str]:
    """Why locking this account would be refused, read without locking (the confirmation
    page says it first; deactivate_user checks again under its locks)."""
    if user.id == actor.id:
        return {"user": SELF_LOCK}
    if not user.active:
        return {}
    if user.role == "admin" and not _other_admins(user):
        return {"user": LAST_ADMIN}
    if waiting := _left_at_the_desk(user):
        return {"user": N_(LAST_AT_DESK, n=waiting)}
    return {}


def deactivate_user(user: User, actor: User, now: datetime,
                    reason: str | None = None) -> User:
    """Deactivate an account and end its sessions; the account and its history stay. The
    pages ask why (`reason`, kept in the audit event)."""
    why = _reason_item(reason)
    if user.id == actor.id:
        raise ValidationFailed({"user": SELF_LOCK})
    if not user.active:
        return user
    _lock_admins(actor)  # QA round 14: two admins locking each other left none
    if user.role == "admin" and not _other_admins(user):
        raise ValidationFailed({"user": LAST_ADMIN})
    if waiting := _left_at_the_desk(user):
        raise ValidationFailed({"user": N_(LAST_AT_DESK, n=waiting)})
    from complaints.services import tokens

    user.active = False
    user.session_version = (user.session_version or 1) + 1  # signs every session out
    db.session.flush()
    # Revoked, not only refused while locked: an account locked because it was stolen must
    # not give the thief's token back when it is opened again (QA round 19).
    revoked = tokens.revoke_all(user, actor, now)
    audit.record(f"user:{user.id}", "user_deactivated", actor, now,
                 {"username": user.username, "tokens_revoked": revoked}
                 | why)
    return user


def _reason_item(reason: str | None) -> dict:
    reason = (reason or "").strip()
    if len(reason) > ADMIN_REASON_MAX:
        raise ValidationFailed({"reason": REASON_TOO_LONG})
    return {"reason": reason} if reason else {}


# --- Fields (lĩnh vực) --------------------------------------------------------------


@dataclass
class FieldData:
    code: str
    name_vi: str
    name_en: str
    report_category: str


def field_case_counts() -> dict[int, int]:
    """Cases per field (a field that has cases keeps its report category)."""
    return dict(db.session.execute(select(Case.field_id, func.count()).group_by(Case.field_id))
                .all())


def field_problems(data: FieldData, row: Field | None = None) -> dict[str, str]:
    """Field → message for everything wrong with a field's input (`row`: the field edited)."""
    errors: dict[str, str] = {}
    code = (data.code or "").strip()
    if row is None:  # the code is part of forms, rules and API bodies: never renamed
        if not code:
            errors["code"] = N_("Nhập mã lĩnh vực.")
        elif not AGENCY_CODE.fullmatch(code):
            errors["code"] = N_("Mã lĩnh vực gồm tối đa 40 chữ cái không dấu, chữ số, dấu "
                                "chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ cái hoặc "
                                "chữ số.")
        elif db.session.scalar(select(Field.id).where(Field.code == code)) is not None:
            errors["code"] = N_("Mã lĩnh vực đã được dùng.")
    for name, missing in (("name_vi", N_("Nhập tên lĩnh vực.")),
                          ("name_en", N_("Nhập tên tiếng Anh của lĩnh vực."))):
        value = (getattr(data, name) or "").strip()
        if blank(value):
            errors[name] = missing
        elif len(value) > 200:
            errors[name] = N_("Tối đa 200 ký tự.")
        elif has_control(value):
            errors[name] = N_("Tên có ký tự điều khiển hoặc ký tự ẩn: gõ lại tên.")
    for name, other in _same_names(data, row).items():
        # Two entries reading alike in every field list (QA round 56).
        errors.setdefault(name, N_("Đã có lĩnh vực mang tên này: %(code)s.", code=other))
    if data.report_category not in REPORT_CATEGORIES:
        errors["report_category"] = N_("Chọn nhóm lĩnh vực của biểu mẫu báo cáo.")
    elif row is not None and data.report_category != row.report_category and \
            field_case_counts().get(row.id):
        # Reports count a case under its field's category when they are made: moving a
        # field that has cases would change every report already sent for them.
        errors["report_category"] = N_(
            "Lĩnh vực đã có %(n)s hồ sơ: đổi nhóm sẽ làm thay đổi các báo cáo đã gửi. Tạo "
            "lĩnh vực mới với nhóm đúng và ngừng dùng lĩnh vực này.",
            n=field_case_counts()[row.id])
    return errors


def _same_names(data: FieldData, row: Field | None) -> dict[str, str]:
    """The names of `data` that another field already has (any case, spaces collapsed)."""
    def norm(text: str | None) -> str:
        return " ".join((text or "").split()).casefold()

    found: dict[str, str] = {}
    for other in db.session.scalars(select(Field)):
        if row is not None and other.id == row.id:
            continue
        for name in ("name_vi", "name_en"):
            if norm(getattr(data, name)) and norm(getattr(data, name)) == norm(
                    getattr(other, name)):
                found.setdefault(name, other.code)
    return found


def create_field(data: FieldData, actor: User, now: datetime) -> Field:
    """Add a field of law (lĩnh vực) and the report category it is counted under."""
    if errors := field_problems(data, None):
        raise ValidationFailed(errors)
    row = Field(code=data.code.strip(), name_vi=data.name_vi.strip(),
                name_en=data.name_en.strip(), report_category=data.report_category,
                active=True)
    try:
        with db.session.begin_nested():  # two admins adding one code at once: one wins
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise ValidationFailed({"code": N_("Mã lĩnh vực đã được dùng.")}) from None
    audit.record(f"field:{row.id}", "field_created", actor, now, _field_snapshot(row))
    return row


def update_field(row: Field, data: FieldData, actor: User, now: datetime) -> Field:
    """Rename a field, or move one that has no case yet to another report category."""
    if errors := field_problems(data, row):
        raise ValidationFailed(errors)
    before = _field_snapshot(row)
    row.name_vi, row.name_en = data.name_vi.strip(), data.name_en.strip()
    row.report_category = data.report_category
    db.session.flush()
    after = _field_snapshot(row)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit.record(f"field:{row.id}", "field_updated", actor, now, changed)
    return row


def set_field_active(row: Field, active: bool, actor: User, now: datetime,
                     reason: str | None = None) -> Field:
    """Stop offering a field for new petitions, or offer it again. Cases, rules and reports
    that name it keep it; `reason` (asked by the pages) goes to the audit event."""
    why = _reason_item(reason)
    if row.active == active:
        return row
    if not active:
        # Every active field row locked (PostgreSQL; SQLite's write lock) before counting:
        # two admins stopping the last two at once left none (QA round 55).
        db.session.execute(update(Field).where(Field.active.is_(True)).values(id=Field.id)
                           .execution_options(synchronize_session=False))
    if not active and not db.session.scalar(select(func.count(Field.id)).where(
            Field.active.is_(True), Field.id != row.id)):
        raise ValidationFailed({"field": N_("Đây là lĩnh vực cuối cùng đang dùng: đơn mới "
                                            "cần ít nhất một lĩnh vực.")})
    row.active = active
    db.session.flush()
    audit.record(f"field:{row.id}", "field_reactivated" if active else "field_deactivated",
                 actor, now, {"code": row.code} | why)
    return row


def _field_snapshot(row: Field) -> dict:
    return {"code": row.code, "name_vi": row.name_vi, "name_en": row.name_en,
            "report_category": row.report_category, "active": row.active}


# --- Routing rules -----------------------------------------------------------------


@dataclass
class RoutingRuleData:
    agency_code: str
    field_code: str | None = None
    locality_code: str | None = None
    kind: str | None = None
    priority: int = 0
    note: str | None = None


# Ties between equally specific rules are all a priority settles: a small range is plenty,
# and a typo of twenty digits overflowed the column (QA round 14).
ROUTING_PRIORITY_MAX = 10_000


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
        elif not field_row.active:
            errors["field_code"] = FIELD_STOPPED
    if data.locality_code and db.session.get(Locality, data.locality_code) is None:
        errors["locality_code"] = N_("Không có địa bàn mã này.")
    if data.kind and data.kind not in KINDS:
        errors["kind"] = N_("Loại đơn không hợp lệ.")
    _visible(errors, note=data.note)
    if data.priority is not None and abs(data.priority) > ROUTING_PRIORITY_MAX:
        errors["priority"] = N_("Ưu tiên từ %(low)s đến %(high)s.",
                                low=-ROUTING_PRIORITY_MAX, high=ROUTING_PRIORITY_MAX)
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


def delete_routing_rule(rule: RoutingRule, actor: User, now: datetime,
                        reason: str | None = None) -> None:
    """Remove a routing rule (the audit event keeps what it said, and why it went)."""
    data = {"agency": rule.agency.code, "field": rule.field.code if rule.field else None,
            "locality": rule.locality_code, "kind": rule.kind, "priority": rule.priority,
            **({"reason": reason} if reason else {})}
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
    elif data.days > POLICY_MAX_DAYS:
        errors["days"] = N_("Tối đa %(n)s ngày.", n=POLICY_MAX_DAYS)
    if data.extension_days is None or data.extension_days < 0:
        errors["extension_days"] = N_("Số ngày gia hạn không được âm.")
    elif data.extension_days > POLICY_MAX_EXTENSION_DAYS:
        errors["extension_days"] = N_("Tối đa %(n)s ngày.", n=POLICY_MAX_EXTENSION_DAYS)
    if data.max_extensions is None or data.max_extensions < 0:
        errors["max_extensions"] = N_("Số lần gia hạn không được âm.")
    elif data.max_extensions > POLICY_MAX_EXTENSIONS:
        errors["max_extensions"] = N_("Tối đa %(n)s lần.", n=POLICY_MAX_EXTENSIONS)
    if data.effective_from is None:
        errors["effective_from"] = N_("Nhập ngày áp dụng.")
    if blank(data.source):  # zero-width characters only are nothing
        errors["source"] = N_("Nêu căn cứ pháp lý.")
    _visible(errors, source=data.source)
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
    if blank(description):  # zero-width characters only are nothing
        errors["description"] = N_("Nêu căn cứ (ví dụ: văn bản hoán đổi ngày làm việc).")
    _visible(errors, description=description)
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
                             now: datetime, reason: str | None = None) -> int:
    """Remove an override (the audit event keeps it, and why it went); open deadlines are
    recomputed."""
    data = {"day": override.day, "kind": override.kind, "description": override.description,
            **({"reason": reason} if reason else {})}
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
