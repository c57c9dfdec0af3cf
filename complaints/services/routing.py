"""Routing suggestions: which agency a case should go to, and why (chuyển đơn).

Rules map field × locality (× kind) to an agency; the most specific rule wins:
field + locality > field > locality > neither; an exact commune beats its province;
a rule for the kind beats one for any kind; then the higher priority, then the older rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from complaints.domain.catalog import KINDS
from complaints.domain.messages import N_, Named
from complaints.extensions import db
from complaints.models import Agency, Case, Field, Locality, Routing, RoutingRule, User
from complaints.services import intake, workflow
from complaints.services.errors import ValidationFailed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    agency: Agency
    rule: RoutingRule | None  # None: a second complaint goes above the first resolver
    reason: str  # "Lĩnh vực Đất đai → Sở TN&MT (quy tắc #3)"
    first_resolver: Agency | None = None  # a second complaint: who resolved the first round


def rule_rank(rule, field_id: int | None, locality_code: str | None,
              province_code: str | None, kind: str | None) -> tuple | None:
    """Return how specific a rule is for the case (higher wins), or None if it does not apply.

    Pure: `rule` needs only field_id, locality_code, kind, priority and id attributes.
    """
    if rule.field_id is not None and rule.field_id != field_id:
        return None
    if rule.kind is not None and rule.kind != kind:
        return None
    if rule.locality_code is None:
        locality = 0
    elif locality_code is not None and rule.locality_code == locality_code:
        locality = 2
    elif province_code is not None and rule.locality_code == province_code:
        locality = 1
    else:
        return None
    has_field = rule.field_id is not None
    # field+locality > field > locality: the field counts first, then the locality.
    return (has_field, locality, rule.kind is not None, rule.priority or 0, -(rule.id or 0))


def pick_rule(rules, field_id: int | None, locality_code: str | None,
              province_code: str | None, kind: str | None):
    """Return the most specific applicable rule, or None."""
    ranked = [(rank, rule) for rule in rules
              if (rank := rule_rank(rule, field_id, locality_code, province_code, kind))
              is not None]
    if not ranked:
        return None
    return max(ranked, key=lambda pair: pair[0])[1]


def describe_rule(rule: RoutingRule, agency: Agency, lang: str = "vi") -> str:
    """Why a rule sends a case to `agency`, in `lang`. The Vietnamese text is what a routing
    that follows the suggestion records as its reason; the page shows it in the reader's."""
    english = lang.startswith("en")
    parts = []
    if rule.field_id is not None:
        field = db.session.get(Field, rule.field_id)
        name = field.name(lang) if field else str(rule.field_id)
        if english:
            parts.append(f"Field: {name}")
        else:  # "Lĩnh vực khác" is itself named "field …": no "Lĩnh vực Lĩnh vực khác".
            parts.append(name if name.lower().startswith("lĩnh vực") else f"Lĩnh vực {name}")
    if rule.locality_code is not None:
        locality = db.session.get(Locality, rule.locality_code)
        place = locality.name if locality else rule.locality_code
        parts.append(f"Area: {place}" if english else f"Địa bàn {place}")
    if rule.kind is not None:
        kind = KINDS.get(rule.kind, (rule.kind, rule.kind))[1 if english else 0]
        parts.append(f"Kind: {kind}" if english else f"Loại đơn {kind}")
    if english:
        condition = ", ".join(parts) or "General rule"
        name = agency.name_en or agency.name
        return f"{condition} → {name} (rule #{rule.id})"
    condition = ", ".join(parts) or "Quy tắc chung"
    return f"{condition} → {agency.name} (quy tắc #{rule.id})"


def _reason(rule: RoutingRule, agency: Agency) -> str:
    return describe_rule(rule, agency, "vi")


def suggest_agency(field_id: int | None, locality_code: str | None,
                   kind: str | None) -> Suggestion | None:
    """Return the agency the routing rules suggest for a case, with the reason, or None."""
    province_code = None
    if locality_code:
        locality = db.session.get(Locality, locality_code)
        if locality is not None:
            province_code = locality.province_code or locality.code
    codes = [c for c in (locality_code, province_code) if c]
    query = (
        select(RoutingRule)
        .join(Agency, Agency.id == RoutingRule.agency_id)
        .where(Agency.active.is_(True), Agency.is_reception_desk.is_(False))
        .where(or_(RoutingRule.field_id.is_(None), RoutingRule.field_id == field_id))
        .where(or_(RoutingRule.kind.is_(None), RoutingRule.kind == kind))
        .where(or_(RoutingRule.locality_code.is_(None), RoutingRule.locality_code.in_(codes)))
    )
    rule = pick_rule(list(db.session.scalars(query)), field_id, locality_code, province_code,
                     kind)
    if rule is None:
        return None
    return Suggestion(agency=rule.agency, rule=rule, reason=_reason(rule, rule.agency))


def suggestion_for(case: Case) -> Suggestion | None:
    """The agency to suggest: a second complaint goes to the level above the agency that
    resolved the first round (Law on Complaints Art. 7, 33), whatever the routing rules
    say for first complaints; otherwise the best routing rule."""
    return second_round_suggestion(case) or suggest_agency(case.field_id, case.locality_code,
                                                           case.kind)


def second_round_suggestion(case: Case) -> Suggestion | None:
    """For a second complaint linked to its first round: the first resolver's parent."""
    if case.kind != "complaint" or case.complaint_round != 2 or case.parent_case_id is None:
        return None
    first = db.session.get(Case, case.parent_case_id)
    resolver = first.agency if first is not None else None
    above = resolver.parent if resolver is not None else None
    if above is None or not above.active or above.is_reception_desk:
        return None
    return Suggestion(agency=above, rule=None, first_resolver=resolver,
                      reason=f"Khiếu nại lần hai: cấp trên trực tiếp của {resolver.name}, cơ "
                             f"quan giải quyết lần đầu")


def describe_suggestion(suggestion: Suggestion, lang: str = "vi") -> str:
    """Why the agency is suggested, in `lang`."""
    if suggestion.rule is not None:
        return describe_rule(suggestion.rule, suggestion.agency, lang)
    if lang.startswith("en") and suggestion.first_resolver is not None:
        return _second_round_en(suggestion.first_resolver)
    return suggestion.reason


def _second_round_en(resolver: Agency) -> str:
    return (f"Second complaint: the agency directly above {resolver.name_en or resolver.name}, "
            f"which resolved the first complaint")


def last_return(case: Case) -> Routing | None:
    """The move by which an agency sent a returned case back to reception (None when the
    case is not waiting after a return)."""
    if case.status != "returned":
        return None
    return db.session.scalar(select(Routing).where(Routing.case_id == case.id,
                                                   Routing.action == "return")
                             .order_by(Routing.id.desc()).limit(1))


def _basis(how: str, rule_id: int | None, returned_reason: str | None,
           note: str | None) -> dict:
    """The facts behind a routing's reason, for `explain_basis` (None values left out)."""
    facts = {"how": how, "rule": rule_id, "returned_reason": returned_reason,
             "note": note or None}
    return {key: value for key, value in facts.items() if value is not None}


def explain_basis(basis: dict, to_code: str | None, lang: str) -> str | None:
    """A routing's reason worded in `lang` from its basis (None: show the stored text).

    The stored reason is Vietnamese; this words the same facts again, reading the routing
    rule as it is now (a rule deleted since: the stored text is shown instead)."""
    if not lang.startswith("en") or not isinstance(basis, dict):
        return None
    how, note = basis.get("how"), basis.get("note")
    tail = f" — {note}" if note else ""
    if how == "returned":
        return f"As proposed by the agency that returned it ({basis.get('returned_reason')})" \
            + tail
    if how == "no_rule":
        return note or "No routing rule applies; the officer chose the agency."
    if how == "session":  # services/reception_sessions (QA round 52)
        return "Petition received at the agency's own citizen reception session."
    if how == "second_complaint":  # services/public.open_second_complaint
        first = db.session.scalar(select(Agency).where(Agency.code == basis.get("agency")))
        if first is None:
            return None
        name = first.name_en or first.name
        if basis.get("ground") == "unanswered":
            due = date.fromisoformat(basis["due"]).strftime("%d/%m/%Y")
            return (f"Second complaint: {name} did not resolve the first complaint in time "
                    f"(deadline {due})")
        return f"Second complaint against decision {basis.get('decision')} of {name}"
    if basis.get("first"):  # a second complaint sent above the first round's resolver
        resolver = db.session.scalar(select(Agency).where(Agency.code == basis["first"]))
        described = _second_round_en(resolver) if resolver is not None else None
    else:
        rule = db.session.get(RoutingRule, basis.get("rule")) if basis.get("rule") else None
        described = describe_rule(rule, rule.agency, lang) \
            if rule is not None and rule.agency is not None else None
    if described is None:
        return None
    if how == "override":
        return f"Not the suggested agency ({described}): {note or ''}".rstrip(": ")
    if how == "rule":
        return described + tail
    return None


def _named(agency: Agency) -> Named:
    """An agency's name for a message: the reader sees the English one where recorded."""
    return Named(agency.name, agency.name_en)


def route_case(case: Case, agency_code: str, actor: User | None, now: datetime, today: date,
               override_reason: str | None = None,
               decided_on: date | None = None) -> Case:
    """Route a case, confirming the suggested agency or overriding it with a reason.

    After a return, the agency the returning one proposed counts as the suggestion, and
    sending the case straight back to the agency that returned it needs a reason: a case
    pushed back and forth without one is how evasion (đùn đẩy) starts. The page and the
    API both route through here (QA round 37: the API skipped these rules)."""
    # What route itself refuses comes first: a case the status or actor may not route is
    # a conflict (409 in the API), an unknown agency a field error, before any reason.
    workflow.check_decision(case, "route", actor, today, decided_on=decided_on)
    workflow.routable_agency(agency_code)
    suggestion = suggestion_for(case)
    # QA round 52: kept in the routing and shown in the timeline to the receiving agency's
    # staff, who may not know who denounced (as corrections' reasons).
    override_reason = intake.checked_trail_text(override_reason, "override_reason", case,
                                                None) or ""
    returned = last_return(case)
    if returned is not None and returned.from_agency_id is not None and not override_reason:
        back = db.session.get(Agency, returned.from_agency_id)
        if back is not None and back.code == agency_code:
            raise ValidationFailed({"override_reason": N_(
                "%(agency)s vừa trả lại hồ sơ này: nêu lý do chuyển lại cho chính cơ quan đó.",
                agency=_named(back))})
    if returned is not None and returned.suggested_agency_id is not None:
        proposed = db.session.get(Agency, returned.suggested_agency_id)
        if proposed is not None and proposed.code == agency_code:
            reason = f"Theo đề xuất của cơ quan trả lại ({returned.reason})"
            if override_reason:
                reason += f" — {override_reason}"
            workflow.route(case, agency_code, actor, now, today, reason=reason,
                           decided_on=decided_on,
                           basis=_basis("returned", None, returned.reason, override_reason))
            return case
    overriding = suggestion is not None and suggestion.agency.code != agency_code
    if overriding and not override_reason:
        raise ValidationFailed({"override_reason": N_(
            "Cơ quan được chọn khác cơ quan gợi ý (%(agency)s): nêu lý do.",
            agency=_named(suggestion.agency))})
    rule_id = suggestion.rule.id if suggestion is not None and suggestion.rule else None
    if suggestion is None:
        reason = override_reason or "Không có quy tắc phân công phù hợp; cán bộ tự chọn."
        basis = _basis("no_rule", None, None, override_reason)
    elif overriding:
        reason = f"Khác gợi ý ({suggestion.reason}): {override_reason}"
        basis = _basis("override", rule_id, None, override_reason)
    else:
        reason = suggestion.reason + (f" — {override_reason}" if override_reason else "")
        basis = _basis("rule", rule_id, None, override_reason)
    if suggestion is not None and suggestion.first_resolver is not None:
        basis["first"] = suggestion.first_resolver.code
    workflow.route(case, agency_code, actor, now, today, reason=reason, decided_on=decided_on,
                   basis=basis)
    if suggestion is not None:
        move = db.session.scalar(select(Routing).where(Routing.case_id == case.id)
                                 .order_by(Routing.id.desc()).limit(1))
        move.suggested_agency_id = suggestion.agency.id
        db.session.flush()
    return case
