"""PublicCaseSchema: what a citizen sees of a case — explicit fields, no personal data.

Dumped from services.public.PublicRecord; petitioners, officers, internal notes,
escalations and flags are simply not fields here, so they cannot leak by accident.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class PublicDeadlineSchema(Schema):
    stage = fields.String()
    due_on = fields.Date()
    met_on = fields.Date(allow_none=True)
    days_left = fields.Integer(allow_none=True)
    rule = fields.String()


class PublicEventSchema(Schema):
    event = fields.String()
    on = fields.Date(allow_none=True)
    agency = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)


class PublicCaseSchema(Schema):
    tracking_code = fields.String()
    kind = fields.String()
    complaint_round = fields.Integer(allow_none=True)
    field_name_vi = fields.String()
    field_name_en = fields.String()
    subject = fields.String()
    status = fields.String()
    received_on = fields.Date()
    agency_name = fields.String(allow_none=True)
    petitioner_initials = fields.String()
    deadlines = fields.List(fields.Nested(PublicDeadlineSchema))
    timeline = fields.List(fields.Nested(PublicEventSchema))
    outcome = fields.String(allow_none=True)
    decision_number = fields.String(allow_none=True)
    decision_on = fields.Date(allow_none=True)
    resolution_summary = fields.String(allow_none=True)
    forwarded_to = fields.String(allow_none=True)  # the outside body, as the desk typed it
    reply_received_on = fields.Date(allow_none=True)
    split_parts = fields.List(fields.String())  # the other parts of a split letter
    split_from = fields.String(allow_none=True)
    # Suspended after the resolution due date: the case stays late (QA 104, QA 117).
    late_suspension = fields.Boolean()
