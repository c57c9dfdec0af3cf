"""Seed the reference data every installation needs: fields, deadline policies, ladder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from complaints.domain.escalation import DEFAULT_LIMITS, LIMIT_RULES
from complaints.domain.fields import DEFAULT_FIELDS
from complaints.domain.policies import BASELINE, DEFAULT_POLICIES, ESCALATION_LADDER
from complaints.extensions import db
from complaints.models import DeadlinePolicy, EscalationStep, Field, PatternRule
from complaints.services import pattern_rules, references


def seed_reference_data(now: datetime) -> dict[str, int]:
    """Insert the legal defaults that are missing; never overwrite an admin's edit."""
    added = {"fields": 0, "policies": 0, "escalation_steps": 0, "pattern_rules": 0}
    known_fields = set(db.session.scalars(select(Field.code)))
    for code, (name_vi, name_en, category) in DEFAULT_FIELDS.items():
        if code not in known_fields:
            db.session.add(Field(code=code, name_vi=name_vi, name_en=name_en,
                                 report_category=category))
            added["fields"] += 1
    known_policies = set(
        db.session.execute(
            select(DeadlinePolicy.stage, DeadlinePolicy.kind, DeadlinePolicy.round,
                   DeadlinePolicy.variant, DeadlinePolicy.effective_from)
        )
    )
    for rule in DEFAULT_POLICIES:
        key = (rule.stage, rule.kind, rule.round or 0, rule.variant, rule.effective_from)
        if key not in known_policies:
            db.session.add(DeadlinePolicy(
                stage=rule.stage, kind=rule.kind, round=rule.round or 0,
                variant=rule.variant, days=rule.days, unit=rule.unit,
                extension_days=rule.extension_days, max_extensions=rule.max_extensions,
                extension_unit=rule.extension_unit, effective_from=rule.effective_from,
                source=rule.source, updated_at=now,
            ))
            added["policies"] += 1
    known_steps = set(db.session.execute(
        select(EscalationStep.level, EscalationStep.effective_from)))
    for step in ESCALATION_LADDER:
        if (step.level, BASELINE) not in known_steps:
            db.session.add(EscalationStep(level=step.level, code=step.code,
                                          offset_days=step.offset_days, unit=step.unit,
                                          effective_from=BASELINE,
                                          source=step.source))
            added["escalation_steps"] += 1
    known_limits = set(db.session.execute(
        select(PatternRule.code, PatternRule.effective_from)))
    for code, rule in LIMIT_RULES.items():
        if (code, BASELINE) not in known_limits:
            db.session.add(PatternRule(code=code, value=getattr(DEFAULT_LIMITS, code),
                                       effective_from=BASELINE, source=rule.source,
                                       created_at=now))
            added["pattern_rules"] += 1
    db.session.flush()
    references.invalidate()  # this process's copy; others re-check it
    pattern_rules.invalidate()
    return added
