"""Marshmallow schemas of the API, with explicit field lists: request bodies and answers.

Answers for staff are dumped inside a marshmallow `Context` holding `reveal` (may the
reader see the petitioners' identity?), `today` (for days left) and `user` (for the
actions they may take), so one schema serves every staff reader and masks what it must.
"""

from __future__ import annotations

import copy
import decimal
import json
import re
from datetime import timezone
from functools import lru_cache

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    pre_load,
    validate,
    validates_schema,
)
from marshmallow.experimental.context import Context

from complaints.domain.catalog import (
    CHANNELS,
    FILING_REASONS,
    FLAGS,
    HANDLING_OUTCOMES,
    KINDS,
    PETITION_HISTORY,
    RECEPTION_KINDS,
    REFUSAL_GROUNDS,
    RESOLUTION_OUTCOMES,
    STAGES,
)
from complaints.domain.confidentiality import MASK, mask_data
from complaints.domain.decisions import AMOUNT_MAX, COUNT_MAX
from complaints.domain.escalation import ACK_ACTIONS
from complaints.domain.limits import CONTENT_MAX, EARLIEST_DATE, REASON_MAX, SUMMARY_MAX
from complaints.domain.messages import CONTROL_CHARACTERS, N_
from complaints.domain.states import STATUSES
from complaints.domain.text import nfc
from complaints.services.deadlines import explain as deadline_explain
from complaints.services.escalation import ACKNOWLEDGE_ACTIONS
from complaints.services.reception_sessions import MAX_PETITIONS

IDENTITY_FIELDS = ("petitioner_id", "full_name", "id_number", "phone", "email", "address")


def mask_text() -> str:
    """Return the mask shown instead of a secret identity field."""
    return gettext(MASK)


def _context() -> dict:
    return Context.get(default={})


def flatten_errors(errors, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested errors into {"petitioners.0.full_name": "message"}."""
    if isinstance(errors, dict):
        flat: dict[str, str] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema" and prefix:
                name = prefix
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(errors, (list, tuple)):
        return {prefix or "_schema": " ".join(str(m) for m in errors)}
    return {prefix or "_schema": str(errors)}


# --- Base: Vietnamese messages, unknown fields refused --------------------------------------

# Marked for extraction (N_), translated per request language in _base_messages: they were
# plain strings, so the catalog never held them and English answers said "Phải là số nguyên."
_TYPE_MESSAGES = (
    (fields.Date, N_("Ngày không hợp lệ (định dạng YYYY-MM-DD).")),
    (fields.Boolean, N_("Phải là true hoặc false.")),
    (fields.Integer, N_("Phải là số nguyên.")),
    (fields.Decimal, N_("Phải là số.")),
    (fields.String, N_("Phải là chuỗi ký tự.")),
    (fields.List, N_("Phải là một danh sách.")),
)



def coded(values, nullable: bool = False) -> dict:
    """OpenAPI metadata of an answer's coded string: the values it takes, from the catalog
    the code writes from (QA round 68: a client could not tell them from the document)."""
    return {"enum": [*values, *([None] if nullable else [])]}

class BaseSchema(Schema):
    """A schema whose errors are in Vietnamese and which refuses unknown fields."""

    class Meta:
        unknown = RAISE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Schemas are built per request (and per nested field): translate the messages
        # once per language, not once per field per schema (it was ~20 ms per intake).
        text = _base_messages(str(get_locale() or ""))
        self.error_messages = {**self.error_messages, "unknown": text["unknown"],
                               "type": text["object"]}
        for field in self.fields.values():
            # A list's items and a dict's keys and values are fields with messages too.
            for one in (field, *(getattr(field, name, None) for name in _INNER_FIELDS)):
                if one is None:
                    continue
                if getattr(one, "validators", None):
                    # New validator objects: fields are shallow copies sharing the class's.
                    one.validators = [_translated(v, text) for v in one.validators]
                # A new dict: a schema's fields are shallow copies of the class's, so
                # updating in place would give every instance the last language built.
                one.error_messages = _field_messages(one, text)


    @pre_load
    def _refuse_surrogates(self, data, **kwargs):
        """JSON may spell a lone surrogate ("\\ud800"): a str no database driver or hash
        encodes. Every string of the body is checked here, so that a code or a name that is
        only looked up is refused too (QA round 54: a 500), with the field named."""
        errors = _surrogate_errors(data) if isinstance(data, dict) else None
        if errors:
            raise ValidationError(errors)
        return data


    @pre_load
    def _composed(self, data, **kwargs):
        """Every string of the body as the forms and Open311 take it (domain.text.nfc:
        composed, one LF per line break) before its length is checked: the API refused a
        letter typed in combining accents, or sent with CR LF, that the desk's form saved
        (QA 101). A password goes to its hash as typed, as from the forms."""
        return _compose(data) if isinstance(data, dict) else data


_INNER_FIELDS = ("inner", "key_field", "value_field")
_AS_TYPED = frozenset({"password"})


_COMPOSE_DEPTH = 8  # deeper than any schema nests: what lies below is refused anyway


def _compose(value, depth: int = 0):
    if isinstance(value, str):
        return nfc(value)
    if depth >= _COMPOSE_DEPTH:  # a body nested past any schema (a 400 follows), as sent
        return value
    if isinstance(value, list):
        return [_compose(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: item if key in _AS_TYPED else _compose(item, depth + 1)
                for key, item in value.items()}
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_errors(data: dict) -> dict | None:
    """The fields of `data` whose value holds a lone surrogate anywhere inside it. Walked
    with a list, not by recursion: a body nested as deep as the JSON parser takes must not
    overflow the stack here (a 500)."""
    message = gettext(CONTROL_CHARACTERS)
    found: dict = {}
    for key, item in data.items():
        if isinstance(key, str) and _SURROGATE.search(key):
            found["_schema"] = [message]  # a key cannot be named back in the answer
            continue
        stack = [item]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                bad = _SURROGATE.search(value) is not None
            elif isinstance(value, dict):
                bad = any(isinstance(k, str) and _SURROGATE.search(k) for k in value)
                stack.extend(value.values())
            else:
                bad = False
                if isinstance(value, list):
                    stack.extend(value)
            if bad:
                found[key] = [message]
                break
    return found or None


def _field_messages(field: fields.Field, text: dict) -> dict:
    """The field's error messages, every one of marshmallow's English defaults replaced.

    By key where we have a better message ("special": NaN, Infinity or 1e400 given to a
    number); any other key (validator_failed, invalid_utf8, …) gets "Giá trị không hợp
    lệ.", so that no answer ever carries marshmallow's English.
    """
    messages = dict.fromkeys(field.error_messages, text["invalid_value"])
    messages.update(required=text["required"], null=text["null"])
    for cls, _message in _TYPE_MESSAGES:
        if isinstance(field, cls):
            messages["invalid"] = messages["format"] = text[cls]
            messages["too_large"] = text["too_large"]
            break
    if "special" in field.error_messages:
        messages["special"] = text["special"]
    if isinstance(field, fields.Nested):
        messages["type"] = text["nested"]
    return messages


_shared: dict[tuple, BaseSchema] = {}


def shared(cls: type[BaseSchema], many: bool = False) -> BaseSchema:
    """Return one instance of a schema per language and process.

    Building a schema (deep-copied fields, translated messages, nested schemas) cost more
    than the dump itself on every request; load and dump keep no state on the instance
    (the reader's context lives in a context variable), so one instance serves them all.
    """
    key = (cls, many, str(get_locale() or ""))
    found = _shared.get(key)
    if found is None:
        found = _shared[key] = cls(many=many)
    return found


def _translated(validator, text: dict):
    """A bound or choice validator declared without a message of its own, with ours (its
    default reads "Must be greater than or equal to 1 …" in English); others as they are."""
    if getattr(validator, "error", True) is not None:
        return validator
    if isinstance(validator, (validate.Range, validate.Length)):
        kind = "range" if isinstance(validator, validate.Range) else "length"
        if getattr(validator, "equal", None) is not None:
            message = text["length_equal"]
        elif validator.min is not None and validator.max is not None:
            message = text[f"{kind}_all"]
        elif validator.min is not None:
            message = text[f"{kind}_min"]
        else:
            message = text[f"{kind}_max"]
    elif isinstance(validator, validate.OneOf):
        message = text["one_of"]
    else:
        return validator
    validator = copy.copy(validator)
    validator.error = message
    return validator


@lru_cache(maxsize=32)
def _base_messages(locale: str) -> dict:
    """BaseSchema's messages translated into one language (catalogs are fixed per process)."""
    del locale  # the cache key: gettext below reads the request's language itself
    return {
        "unknown": gettext("Trường không được hỗ trợ."),
        "object": gettext("Dữ liệu phải là một đối tượng JSON."),
        "required": gettext("Trường này là bắt buộc."),
        "null": gettext("Trường này không được để trống."),
        "too_large": gettext("Số quá lớn."),
        "special": gettext("Phải là số hữu hạn: không nhận NaN hay vô cực."),
        "invalid_value": gettext("Giá trị không hợp lệ."),
        "nested": gettext("Phải là một đối tượng."),
        # Filled by marshmallow with str.format: {min}, {max}, {equal}, {choices}.
        "range_all": gettext("Phải từ {min} đến {max}."),
        "range_min": gettext("Phải lớn hơn hoặc bằng {min}."),
        "range_max": gettext("Phải nhỏ hơn hoặc bằng {max}."),
        "length_all": gettext("Độ dài phải từ {min} đến {max}."),
        "length_min": gettext("Độ dài tối thiểu là {min}."),
        "length_max": gettext("Độ dài tối đa là {max}."),
        "length_equal": gettext("Độ dài phải đúng bằng {equal}."),
        "one_of": gettext("Phải là một trong: {choices}."),
        **{cls: gettext(text) for cls, text in _TYPE_MESSAGES},
    }


class UtcDateTime(fields.DateTime):
    """An instant in RFC 3339 with its offset: SQLite hands back naive (UTC) values."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def _text(max_len: int, required: bool = False, **kwargs) -> fields.String:
    if not required:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
    return fields.String(required=required,
                         validate=validate.Length(max=max_len, error=_l("Tối đa {max} ký tự.")),
                         **kwargs)


def _choice(choices, required: bool = False, **kwargs) -> fields.String:
    if not required:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
    return fields.String(
        required=required,
        validate=validate.OneOf(list(choices), error=_l("Phải là một trong: {choices}.")),
        **kwargs,
    )


def _date(**kwargs) -> fields.Date:
    kwargs.setdefault("load_default", None)
    kwargs.setdefault("allow_none", True)
    return fields.Date(
        validate=validate.Range(min=EARLIEST_DATE, error=_l("Ngày không hợp lệ.")), **kwargs)


def _count(**kwargs) -> fields.Integer:
    return fields.Integer(
        load_default=None, allow_none=True, strict=True,
        validate=validate.Range(min=0, max=10**9, error=_l("Phải từ {min} đến {max}.")),
        **kwargs)


def _figure_count(**kwargs) -> fields.Integer:
    """An outcome count: its bounds are the domain's, checked by the service with the
    page's message beside every other figure's (a schema range would answer alone)."""
    kwargs["metadata"] = {"minimum": 0, "maximum": COUNT_MAX, **kwargs.get("metadata", {})}
    return fields.Integer(load_default=None, allow_none=True, strict=True, **kwargs)


class _Amount(fields.Decimal):
    """An outcome amount: any finite number is read; its bounds are the domain's, checked
    by the service with the page's message (decisions.figure_error, "Nhập một số từ 0 đến
    …"). A number too large to carry two decimals (1e300) made marshmallow's quantize fail
    and the API answer "Phải là số." (QA): it is a number, out of range."""

    def _format_num(self, value):
        try:
            return super()._format_num(value)
        except decimal.InvalidOperation:
            number = decimal.Decimal(str(value))  # no number at all: refused as before
            if not number.is_finite():
                raise
            return number  # unquantized: the service refuses it by its bounds


def _amount(**kwargs) -> fields.Decimal:
    # The document states the bounds as numbers (apispec would write Decimal strings).
    kwargs["metadata"] = {"minimum": 0, "maximum": int(AMOUNT_MAX),
                          **kwargs.get("metadata", {})}
    return _Amount(load_default=None, allow_none=True, places=2, as_string=True, **kwargs)


# --- Tokens ------------------------------------------------------------------------------------

class TokenRequestSchema(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             load_only=True)
    code = fields.String(load_default=None, validate=validate.Length(max=10), load_only=True,
                         metadata={"description": "The 6-digit code of the authenticator "
                                                  "app: required once two-factor sign-in "
                                                  "is enabled."})


class TokenSchema(BaseSchema):
    token = fields.String(metadata={"description": "Shown once; send as `Bearer` token."})
    expires_at = UtcDateTime()


# --- Reference data ----------------------------------------------------------------------------

def _agency_name_en(**kwargs) -> fields.String:
    # Both names in every answer, whatever the language asked, as a field's name_vi/name_en.
    return fields.String(allow_none=True, metadata={"description": (
        "The agency's English name where one is recorded, else null (then `name`, in "
        "Vietnamese, is the only one).")}, **kwargs)


class AgencyRefSchema(BaseSchema):
    code = fields.String()
    name = fields.String(metadata={"description": "The agency's name, in Vietnamese."})
    name_en = _agency_name_en()


class AgencySchema(BaseSchema):
    code = fields.String()
    name = fields.String(metadata={"description": "The agency's name, in Vietnamese."})
    name_en = _agency_name_en()
    parent_code = fields.Pluck(AgencyRefSchema, "code", attribute="parent", allow_none=True)
    level = fields.String()


class FieldSchema(BaseSchema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    report_category = fields.String()


class LocalitySchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    division_type = fields.String()
    level = fields.String()
    province_code = fields.String(allow_none=True)


class PageSchema(BaseSchema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class LocalityPageSchema(PageSchema):
    items = fields.List(fields.Nested(LocalitySchema))


class LocalityQuerySchema(BaseSchema):
    class Meta(BaseSchema.Meta):
        unknown = EXCLUDE  # a query string may carry cache-busters

    q = _text(200)
    level = _choice(("province", "commune"))
    province = _text(10)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# --- Intake ----------------------------------------------------------------------------------

class PetitionerInSchema(BaseSchema):
    full_name = _text(200, required=True)
    id_number = _text(20)
    phone = _text(20)
    email = _text(255)
    address = _text(500)
    is_representative = fields.Boolean(load_default=False)


class PetitionInSchema(BaseSchema):
    channel = _choice(CHANNELS, required=True)
    received_on = _date(metadata={"description": "Not in the future; today when omitted."})
    petitioners = fields.List(
        fields.Nested(PetitionerInSchema), required=True,
        validate=validate.Length(min=1, max=500, error=_l("Cần từ {min} đến {max} người.")),
    )
    history = _choice(PETITION_HISTORY, metadata={
        "description": "The history of the matter as the letter tells it (02/XLD): first, "
                       "repeated; a complaint's decided_round1, decided_round2, court; a "
                       "denunciation's follow_up, follow_up_overdue. Omitted: derived (a "
                       "letter joined to a case repeats it, or follows its decision; a "
                       "second complaint was decided in round 1)."})


class AddPetitionSchema(PetitionInSchema):
    """A later letter joined to the case. Its eligibility for handling is derived: someone
    signs and someone gives an address (a denunciation's: each denouncer named with an
    address, else refused)."""

    content = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=CONTENT_MAX), metadata={
                                "description": "What this letter says, when it adds to the "
                                               "case's content; masked like the case's "
                                               "content on a denunciation."})


class CorrectHistorySchema(BaseSchema):
    """A letter's entry corrected: its history of the matter, its eligibility, or both."""

    history = fields.String(validate=validate.OneOf(
        list(PETITION_HISTORY), error=_l("Phải là một trong: {choices}.")), metadata={
        "description": "The corrected history of the matter (one of the case's kind)."})
    eligible = fields.Boolean(metadata={
        "description": "Eligible for handling (đủ điều kiện xử lý; 02/XLD column 5)."})
    reason = _text(REASON_MAX, required=True, metadata={
        "description": "Why it is corrected (kept in the case's audit trail)."})

    @validates_schema
    def _something(self, data, **_kwargs):
        if "history" not in data and "eligible" not in data:
            raise ValidationError(_l("Gửi history hoặc eligible."), "history")


def _particular(max_len: int) -> fields.String:
    """A particular of a person to correct: omitted, it stays; null or "", it is erased."""
    return fields.String(allow_none=True, validate=validate.Length(
        max=max_len, error=_l("Tối đa {max} ký tự.")))


class CorrectPersonSchema(BaseSchema):
    """A signer's particulars corrected (those sent; the others stay)."""

    full_name = _particular(200)
    id_number = _particular(20)
    phone = _particular(20)
    email = _particular(255)
    address = _particular(500)
    reason = _text(REASON_MAX, required=True, metadata={
        "description": "Why they are corrected (the audit trail keeps which fields changed "
                       "and why, never the values)."})


class CorrectParticularsSchema(BaseSchema):
    """The case's particulars corrected before routing (those sent; the others stay)."""

    field = fields.String(validate=validate.Length(max=40, error=_l("Tối đa {max} ký tự.")),
                          metadata={"description": "Field code (GET /fields); an active one, "
                                                   "or the case's own."})
    locality_code = fields.String(
        validate=validate.Length(max=10, error=_l("Tối đa {max} ký tự.")),
        metadata={"description": "Locality code (GET /localities)."})
    subject = fields.String(validate=validate.Length(max=500, error=_l("Tối đa {max} ký tự.")),
                            metadata={"description": "The subject (trích yếu)."})
    reason = _text(REASON_MAX, required=True, metadata={
        "description": "Why they are corrected (the audit trail keeps it, with the values "
                       "before and after)."})

    @validates_schema
    def _something(self, data, **_kwargs):
        if not {"field", "locality_code", "subject"} & data.keys():
            raise ValidationError(_l("Gửi field, locality_code hoặc subject."), "field")


class SplitSchema(BaseSchema):
    """One content of the case's letter, taken out into a new case (tách đơn)."""

    kind = _choice(KINDS, required=True)
    field = _text(40, required=True, metadata={"description": "Field code (GET /fields)."})
    subject = _text(500, required=True)
    content = fields.String(required=True, validate=validate.Length(max=CONTENT_MAX),
                            metadata={"description": "The new case's content."})
    kept_content = fields.String(required=True, validate=validate.Length(max=CONTENT_MAX),
                                 metadata={"description": "What the case split from is "
                                                          "about once this part is out; "
                                                          "must differ from its content "
                                                          "when a denunciation is taken "
                                                          "out of another kind."})
    kept_subject = _text(500, metadata={"description": "The subject of the case split "
                                                      "from, restated; omitted: unchanged."})
    content_seen = fields.String(allow_none=True, load_default=None, metadata={
        "description": "The case's content as you read it (GET /cases/{code}): given, the "
                       "split is refused (422) if someone changed it since, e.g. split the "
                       "letter first."})
    complaint_round = fields.Integer(load_default=None, allow_none=True, strict=True)
    parent_tracking_code = _text(20)
    history = _choice(PETITION_HISTORY, metadata={
        "description": "The new part's history of the matter; omitted: derived."})
    is_complex = fields.Boolean(load_default=False)


class CaseCreateSchema(PetitionInSchema):
    # QA round 52: the desk's form logs a letter as not eligible, an anonymous one with no
    # petitioner (intake.validate_petition); the API could not.
    petitioners = fields.List(
        fields.Nested(PetitionerInSchema), required=True,
        validate=validate.Length(max=500, error=_l("Tối đa {max} người.")), metadata={
            "description": "At least one unless `eligible` is false (an anonymous letter, "
                           "logged to be filed away or passed on)."})
    eligible = fields.Boolean(load_default=None, metadata={
        "description": "Eligible for handling (đủ điều kiện xử lý; 02/XLD column 5: named, "
                       "clear content and an address), as the desk's form ticks it. True "
                       "needs at least one petitioner with an address; omitted: true when "
                       "some petitioner gives an address, else false, except that a "
                       "denunciation is then held to its own rule (each denouncer named "
                       "with an address: 422 without); false logs it as not eligible."})
    kind = _choice(KINDS, required=True)
    field = _text(40, required=True, metadata={"description": "Field code (GET /fields)."})
    subject = _text(500, required=True)
    content = fields.String(required=True, validate=validate.Length(max=CONTENT_MAX))
    locality_code = _text(10)
    agency_code = _text(40, metadata={"description": "Given: routed to it at once."})
    route_reason = _text(2000)
    complaint_round = fields.Integer(load_default=None, allow_none=True, strict=True)
    parent_tracking_code = _text(20)
    is_complex = fields.Boolean(load_default=False)
    is_remote = fields.Boolean(load_default=False)

    @validates_schema
    def _signed(self, data, **_kwargs):
        # An eligible letter has a petitioner: the message it always had (1 to 500).
        if data.get("eligible") is not False and data.get("petitioners") == []:
            raise ValidationError(_l("Cần từ {min} đến {max} người.").format(min=1, max=500),
                                  "petitioners")


# --- Reception sessions (tiếp công dân) ------------------------------------------------------

class RaisedPetitionInSchema(BaseSchema):
    """A petition raised at the session: a new case, or one joining a case already held."""

    join_code = _text(20, metadata={"description": "Tracking code of a case your agency "
                                                   "holds: the petition joins it (đơn trùng, "
                                                   "nhiều lần) and no case is opened; only "
                                                   "`petitioners` (and `note`) are used."})
    kind = _choice(KINDS)
    field = _text(40, metadata={"description": "Field code (GET /fields)."})
    subject = _text(500)
    content = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=CONTENT_MAX))
    locality_code = _text(10)
    note = _text(20_000, metadata={"description": "A joined petition: what was presented."})
    history = _choice(PETITION_HISTORY, metadata={
        "description": "The history of the matter, as in POST /cases; omitted: derived."})
    # As POST /cases and the session page take them (QA round 81: the page only).
    is_complex = fields.Boolean(load_default=False, metadata={
        "description": "A new case: a complex matter (a longer resolution period)."})
    is_remote = fields.Boolean(load_default=False, metadata={
        "description": "A new case: a remote, hard-to-reach area (a longer resolution "
                       "period)."})
    petitioners = fields.List(
        fields.Nested(PetitionerInSchema), required=True,
        validate=validate.Length(min=1, max=500, error=_l("Cần từ {min} đến {max} người.")),
    )


class ReceptionSessionInSchema(BaseSchema):
    held_on = fields.Date(required=True, validate=validate.Range(
        min=EARLIEST_DATE, error=_l("Ngày không hợp lệ.")))
    kind = _choice(RECEPTION_KINDS, required=True)
    leader_name = _text(200, metadata={"description": "Required when kind is head or "
                                                     "deputy."})
    place = _text(255)
    scheduled = fields.Boolean(load_default=True,
                               metadata={"description": "false: unscheduled (đột xuất)."})
    is_dialogue = fields.Boolean(load_default=False)
    notes = _text(4000)
    case = _text(20, metadata={"description": "Tracking code of the heated or mass case an "
                                              "unscheduled session is about."})
    # The counts of the session (Law on Citizen Reception reporting); omitted: 0.
    turns = _count()
    people = _count()
    matters_first = _count()
    matters_repeated = _count()
    delegations = _count()
    delegation_people = _count()
    delegation_matters = _count()
    petitions = fields.List(
        fields.Nested(RaisedPetitionInSchema), load_default=list,
        validate=validate.Length(max=MAX_PETITIONS,
                                 error=_l("Tối đa {max} đơn mỗi buổi tiếp.")))


class SessionPetitionSchema(BaseSchema):
    tracking_code = fields.String()
    joined = fields.Boolean(metadata={"description": "true: joined an existing case."})


class OpenedCaseSchema(BaseSchema):
    tracking_code = fields.String()
    pin = fields.String(metadata={"description": "The citizen's PIN, shown once."})


class CaseRefSchema(BaseSchema):
    tracking_code = fields.String()


class ReceptionSessionSchema(BaseSchema):
    id = fields.Integer()
    agency_code = fields.Pluck(AgencyRefSchema, "code", attribute="agency")
    held_on = fields.Date()
    kind = fields.String()
    scheduled = fields.Boolean()
    is_dialogue = fields.Boolean()
    leader_name = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    case = fields.Pluck(CaseRefSchema, "tracking_code", allow_none=True)
    turns = fields.Integer()
    people = fields.Integer()
    matters_first = fields.Integer()
    matters_repeated = fields.Integer()
    delegations = fields.Integer()
    delegation_people = fields.Integer()
    delegation_matters = fields.Integer()
    petitions = fields.List(fields.Nested(SessionPetitionSchema), metadata={
        "description": "The petitions raised at the session, a denunciation only where you "
                       "may know its denouncer."})
    denunciations_not_listed = fields.Integer(metadata={
        "description": "Denunciations raised at the session that `petitions` leaves out."})


class CreatedReceptionSessionSchema(ReceptionSessionSchema):
    opened = fields.List(fields.Nested(OpenedCaseSchema))


class ReceptionSessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(ReceptionSessionSchema))


class ReceptionSessionQuerySchema(BaseSchema):
    class Meta(BaseSchema.Meta):
        unknown = EXCLUDE

    held_from = _date()
    held_to = _date()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _range(self, data, **_kwargs):
        # A range that ends before it starts is a mistake, not a question with no answer.
        if data.get("held_from") and data.get("held_to") and data["held_to"] < data["held_from"]:
            raise ValidationError({"held_to": [_l("Ngày kết thúc không được trước ngày bắt "
                                                  "đầu.")]})


# --- Actions (request bodies) ------------------------------------------------------------------

class RouteSchema(BaseSchema):
    agency_code = _text(40, required=True)
    reason = _text(2000, metadata={"description": "Why: required when the agency differs "
                                                  "from the routing rules' suggestion, or "
                                                  "is the agency that just returned the "
                                                  "case."})
    decided_on = _date()


class AcceptSchema(BaseSchema):
    decided_on = _date()
    # A complaint's facts that pick its resolution period; left out: as logged.
    is_complex = fields.Boolean(load_default=None, allow_none=True)
    is_remote = fields.Boolean(load_default=None, allow_none=True)


class ResumeSchema(BaseSchema):
    decided_on = _date()


class ReasonSchema(BaseSchema):
    reason = _text(REASON_MAX, required=True)
    decided_on = _date()


class RefuseSchema(ReasonSchema):
    # The law's ground cited (catalog.REFUSAL_GROUNDS_BY_KIND, "other"); optional here so
    # that existing clients keep working, checked against the case's kind by the service.
    ground = _choice(REFUSAL_GROUNDS, metadata={"description": "Ground for not accepting "
                                                "(the case's kind's list, or \"other\")"})


class WithdrawSchema(ReasonSchema):
    petitioner_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(
            min=1, max=2**31 - 1, error=_l("Phải từ {min} đến {max}."))),
        load_default=None, allow_none=True,
        validate=validate.Length(min=1, max=500, error=_l("Cần từ {min} đến {max} người.")),
        metadata={"description": (
            "The petitioners who withdraw (their petitioner_id in the case's signers). "
            "Without it, the only petitioner who has not withdrawn; when several remain it "
            "is required. The case becomes withdrawn only when nobody remains; otherwise it "
            "keeps its status and the withdrawal is recorded on the signers and the "
            "timeline.")})


class SuspendSchema(ReasonSchema):
    pass


class GuideSchema(ReasonSchema):
    pass


class AssignSchema(BaseSchema):
    officer = _text(80, required=True, metadata={"description": "The officer's username."})


class ExtendSchema(BaseSchema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error=_l("Phải từ {min} đến {max}.")))
    reason = _text(REASON_MAX, required=True)
    decided_on = _date()
    complexity = _choice(("complex", "very_complex"), metadata={"description": (
        "A denunciation declared complex or very complex by this decision: what opens "
        "its extensions (once, or twice).")})


class ExtendHandlingSchema(BaseSchema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error=_l("Phải từ {min} đến {max}.")), metadata={"description": (
            "Days added to the handling deadline, in its policy's unit, within the "
            "policy's limit (a denunciation: once, up to 3 working days).")})
    reason = _text(REASON_MAX, required=True)
    decided_on = _date()


class ReturnSchema(BaseSchema):
    reason = _text(REASON_MAX, required=True)
    suggested_agency_code = _text(40, required=True)
    decided_on = _date()


class TransferSchema(BaseSchema):
    to_agency_code = _text(40, required=True)
    reason = _text(REASON_MAX, required=True)
    decided_on = _date()


class ResolveSchema(BaseSchema):
    outcome = _choice(RESOLUTION_OUTCOMES, required=True)
    decision_number = _text(60, required=True)
    decided_on = _date()
    summary = fields.String(required=True, validate=validate.Length(max=SUMMARY_MAX))
    money_to_recover = _amount(metadata={"description": "Million VND."})
    land_to_recover = _amount(metadata={"description": "m²."})
    money_to_return = _amount(metadata={"description": "Million VND."})
    land_to_return = _amount(metadata={"description": "m²."})
    people_restored = _figure_count()
    orgs_restored = _figure_count()
    people_disciplined = _figure_count()
    officials_disciplined = _figure_count()
    sent_to_investigation = fields.Boolean(load_default=None, allow_none=True)
    people_sent_to_investigation = _figure_count()


class UrgeHolderSchema(BaseSchema):
    note = _text(REASON_MAX, required=True, metadata={
        "description": "What the agency's heads are told; kept in the case's trail."})
    decided_on = _date(metadata={"description": "The day of the urging (default today)."})


class EnforceSchema(BaseSchema):
    """What enforcing the decision actually did (thi hành; 05/KQTH); a figure left out
    is 0. Amounts are bounded by what the decision ordered."""
    enforced_on = _date(metadata={"description": "The day the decision was enforced: not "
                                                 "before the decision, not in the future."})
    money_recovered = _amount(metadata={"description": "Million VND, for the State."})
    land_recovered = _amount(metadata={"description": "m², for the State."})
    money_returned = _amount(metadata={"description": "Million VND, to organisations and "
                                                      "individuals."})
    land_returned = _amount(metadata={"description": "m², to organisations and individuals."})
    people_disciplined = _figure_count()
    officials_disciplined = _figure_count(metadata={"description": "Of the people "
                                                                   "disciplined."})
    cases_prosecuted = _figure_count()
    people_prosecuted = _figure_count()
    note = _text(2000)


class CloseSchema(BaseSchema):
    reason = _text(REASON_MAX, metadata={
        "description": "Why nothing more is owed (kept in the case's trail); optional here, "
                       "asked on the agency's page."})


class FileSchema(BaseSchema):
    filing_reason = _choice(FILING_REASONS, required=True)
    note = _text(2000)
    decided_on = _date()


class ForwardSchema(BaseSchema):
    forwarded_to = _text(255, required=True)
    reason = _text(2000)
    decided_on = _date()


class CaseListQuerySchema(BaseSchema):
    class Meta(BaseSchema.Meta):
        unknown = EXCLUDE  # a query string may carry cache-busters

    status = _choice(STATUSES)
    kind = _choice(KINDS)
    agency = _text(40)
    flag = _choice(FLAGS)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    q = _text(200, metadata={"description": "Words to search for, accents optional: the "
                                            "list is then ranked, best match first."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


# --- Cases (answers for staff) -----------------------------------------------------------------

class OfficerSchema(BaseSchema):
    username = fields.String()
    full_name = fields.String()


class LocalityRefSchema(BaseSchema):
    code = fields.String()
    name = fields.String()


class FieldRefSchema(BaseSchema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


def _days_left(deadline) -> int | None:
    today = _context().get("today")
    if today is None or deadline.met_on is not None:
        return None
    case = getattr(deadline, "case", None)
    if case is not None and getattr(case, "status", None) == "suspended" \
            and getattr(case, "clock_stopped", True):
        return None  # the clock is stopped: nothing counts down (suspended late: it ran out)
    from complaints.domain.deadlines import days_left
    from complaints.services.calendar import get_calendar

    return days_left(get_calendar(), deadline.due_on, today)


class DeadlineSchema(BaseSchema):
    stage = fields.String(validate=validate.OneOf(STAGES))
    start_on = fields.Date()
    due_on = fields.Date()
    days = fields.Integer()
    unit = fields.String()
    extended_days = fields.Integer()
    rule = fields.Function(lambda row: deadline_explain(row, str(get_locale() or "vi")),
                           metadata={"type": "string", "description":
                                     "How the due date was computed, in the answer's "
                                     "language."})
    met_on = fields.Date(allow_none=True)
    days_left = fields.Function(_days_left, metadata={
        "type": "integer", "nullable": True,
        "description": "Working days left (negative: overdue); null once met or while "
                       "the case is suspended (its clock is stopped)."})


class EscalationSchema(BaseSchema):
    level = fields.Integer()
    reason = fields.String()
    stage = fields.String()
    to_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    as_of = fields.Date()
    created_at = UtcDateTime()
    acknowledged_at = UtcDateTime(allow_none=True)
    action_taken = fields.String(allow_none=True, metadata={
        **coded(ACK_ACTIONS, nullable=True),
        "description": "What was done on acknowledgement (urge, reassign, set_lead, note); "
                       "\"superseded\": closed by the system, no person acknowledged it, "
                       "because the stage it was raised against started again (a transfer, "
                       "a return, a new routing or a lead designation) or its due date "
                       "moved past the overdue step (an extension, a resumption); "
                       "\"no_longer_mass\": closed by the system because withdrawals left "
                       "too few petitioners for a mass petition."})


class EscalationItemSchema(EscalationSchema):
    """An escalation addressed to your agency, with its case's code (GET /escalations)."""

    id = fields.Integer()
    tracking_code = fields.String(attribute="case.tracking_code")
    case_status = fields.String(attribute="case.status")
    action_note = fields.String(allow_none=True)
    lead_to_designate = fields.Method("_lead_to_designate", metadata={
        "type": "boolean", "description": (
            "An evasion (đùn đẩy) escalation whose case has no lead agency yet: your head "
            "designates one (POST /escalations/{id}/lead).")})

    def _lead_to_designate(self, escalation) -> bool:
        return escalation.reason == "evaded" and escalation.case.lead_agency_id is None


class EscalationQuerySchema(BaseSchema):
    class Meta(BaseSchema.Meta):
        unknown = EXCLUDE  # a query string may carry cache-busters

    state = fields.String(
        load_default="pending",
        validate=validate.OneOf(("pending", "acknowledged"),
                                error=_l("Phải là một trong: {choices}.")),
        metadata={"description": (
            "pending (default): not yet acknowledged, highest level first; acknowledged: "
            "answered by your agency or closed by the system, newest first.")})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class NoteSchema(BaseSchema):
    note = _text(REASON_MAX, required=True, metadata={"description": (
        "What was done (verified, whom the agency met, what it waits for); shown in the "
        "case's timeline to whoever may read the case: it may not name a denouncer.")})


class AcknowledgeSchema(BaseSchema):
    action = _choice(ACKNOWLEDGE_ACTIONS, required=True, metadata={
        "description": "What was done: urge the handling agency, reassign, or note. An "
                       "evasion (reason evaded) of an open case with no lead agency is "
                       "not acknowledged (422): it is closed by designating the lead "
                       "agency (POST /escalations/{escalation_id}/lead)."})
    note = _text(REASON_MAX, required=True, metadata={
        "description": "What was done, kept with the escalation and in the case's trail."})


class DesignateLeadSchema(BaseSchema):
    agency_code = _text(40, required=True, metadata={
        "description": "Your agency or one below it; never a reception desk."})
    note = _text(REASON_MAX, metadata={"description": "Why, kept in the case's trail."})


class AttachmentSchema(BaseSchema):
    """A file of the case (scan, evidence, decision): what it is and where to fetch it."""

    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    purpose = fields.String(metadata={"description": "petition, evidence, decision, other"})
    petition_id = fields.Integer(allow_none=True, metadata={
        "description": "The letter it came with, when it came with one."})
    created_at = UtcDateTime()
    erased_at = UtcDateTime(allow_none=True, metadata={
        "description": "When its content was erased with its petitioner's identity "
                       "(anonymised): download then answers 404. Null: kept."})
    download = fields.Function(lambda a: f"/api/v1/attachments/{a.id}", metadata={
        "type": "string", "description": "GET it with your token (a file that may reveal "
                                         "a denouncer is served only to who may see them, "
                                         "and each download is recorded)."})


class SignerSchema(BaseSchema):
    """A signer of a petition; identity masked for readers not allowed to see it."""

    petitioner_id = fields.Integer(attribute="petitioner.id", allow_none=True)
    full_name = fields.String(attribute="petitioner.full_name")
    id_number = fields.String(attribute="petitioner.id_number", allow_none=True)
    phone = fields.String(attribute="petitioner.phone", allow_none=True)
    email = fields.String(attribute="petitioner.email", allow_none=True)
    address = fields.String(attribute="petitioner.address", allow_none=True)
    is_representative = fields.Boolean()
    withdrawn_on = fields.Date(allow_none=True)

    @post_dump
    def mask(self, data: dict, **kwargs) -> dict:
        if not _context().get("reveal", False):
            for name in IDENTITY_FIELDS:
                if data.get(name) is not None:
                    data[name] = None if name == "petitioner_id" else mask_text()
        return data


class PetitionSchema(BaseSchema):
    id = fields.Integer(metadata={"description": "The letter's number within the system "
                                                 "(PATCH …/petitions/{petition_id})."})
    channel = fields.String(metadata=coded(CHANNELS))
    received_on = fields.Date()
    eligible = fields.Boolean(attribute="eligible_now", metadata={
        "description": "Eligible for handling (đủ điều kiện xử lý) today: as said at "
                       "intake (the desk's form, the API's `eligible`) or, where nothing "
                       "said it (a reception session, a joined letter, the citizens' form, "
                       "Open311, the API without `eligible`), derived: someone signs and "
                       "someone gives an address; unless the desk filed it as anonymous, "
                       "duplicate, illegible or not eligible."})
    is_duplicate = fields.Boolean()
    history = fields.String(metadata={"description": "The history of the matter (see intake)."})
    handling_outcome = fields.String(allow_none=True, metadata={
        **coded(HANDLING_OUTCOMES, nullable=True),
        "description": "routed, forwarded, guided, filed, joined (a later letter filed with "
                       "its case), urged (a later letter on which the desk urged the agency "
                       "resolving the case), withdrawn; null: not handled yet."})
    filing_reason = fields.String(allow_none=True)
    forwarded_to = fields.String(allow_none=True)
    handled_on = fields.Date(allow_none=True)
    reply_received_on = fields.Date(allow_none=True, metadata={
        "description": "When the body the petition was forwarded to answered in writing "
                       "(văn bản phúc đáp), as the desk recorded it."})
    content = fields.String(allow_none=True, metadata={
        "description": "What a later letter joined to the case says (null: the case's own "
                       "content is the letter's); masked as `content` is."})
    signers = fields.List(fields.Nested(SignerSchema))


class RoutingSchema(BaseSchema):
    action = fields.String()
    from_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    to_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    suggested_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    reason = fields.String(allow_none=True)
    decided_on = fields.Date()


def _mask_data(value):
    return mask_data(value, mask_text())


class TimelineEventSchema(BaseSchema):
    seq = fields.Integer()
    action = fields.String()
    actor = fields.String(attribute="actor_label")
    at = UtcDateTime(attribute="created_at")
    data = fields.Method("get_data", metadata={"type": "object"})

    def get_data(self, event) -> dict:
        try:
            data = json.loads(event.data or "{}")
        except ValueError:
            data = {}
        if not _context().get("reveal", False):
            data = _mask_data(data)
        return data


_DECIMAL_TEXT = {"type": "string", "format": "decimal", "description": "e.g. \"12.50\""}


class FiguresSchema(BaseSchema):
    # Dumped as strings (exact decimals), and documented so.
    money_to_recover = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    land_to_recover = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    money_to_return = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    land_to_return = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    people_restored = fields.Integer(allow_none=True)
    orgs_restored = fields.Integer(allow_none=True)
    people_disciplined = fields.Integer(allow_none=True)
    officials_disciplined = fields.Integer(allow_none=True)
    sent_to_investigation = fields.Boolean()
    people_sent_to_investigation = fields.Integer(allow_none=True)


class SecondComplaintSchema(BaseSchema):
    """The second complaint against a first-round decision, and what it decided."""

    tracking_code = fields.String()
    status = fields.String()
    agency_code = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={
        "description": "upheld / annulled once decided; null before."})
    decision_number = fields.String(allow_none=True)
    decision_on = fields.Date(allow_none=True)


class EnforcementOutSchema(BaseSchema):
    """The enforcement of the case's decision (thi hành; 05/KQTH)."""

    due = fields.Boolean(metadata={"description": (
        "The decision orders something (amounts, rights restored, discipline, a transfer to "
        "the investigating authority) and was not annulled in the second round.")})
    enforced_on = fields.Date(allow_none=True, metadata={
        "description": "The day the decision was enforced; null: not recorded yet."})
    money_recovered = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    land_recovered = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    money_returned = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    land_returned = fields.Decimal(as_string=True, allow_none=True, metadata=_DECIMAL_TEXT)
    people_disciplined = fields.Integer(allow_none=True)
    officials_disciplined = fields.Integer(allow_none=True)
    cases_prosecuted = fields.Integer(allow_none=True)
    people_prosecuted = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class StaffCaseSummarySchema(BaseSchema):
    """A case in a list: no petitioners, no timeline."""

    tracking_code = fields.String()
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    complaint_round = fields.Integer(allow_none=True)
    field = fields.Nested(FieldRefSchema)
    subject = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    locality = fields.Nested(LocalityRefSchema, allow_none=True)
    agency = fields.Nested(AgencyRefSchema, allow_none=True,
                           metadata={"description": "null while at reception."})
    officer = fields.Nested(OfficerSchema, allow_none=True)
    received_on = fields.Date()
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    flags = fields.List(fields.String(validate=validate.OneOf(FLAGS)))
    escalation_level = fields.Integer(metadata={"description": (
        "Highest rung of the deadline ladder reached by the running stage (0: none). "
        "Escalations for patterns (evaded, repeated, mass) are listed in `escalations` "
        "with their own level and do not raise it.")})


class StaffCaseSchema(StaffCaseSummarySchema):
    """A case as staff read it; petitioners' identity masked when they may not see it."""

    content = fields.String(metadata={"description": (
        "The petition's text; masked as the identity fields are for a denunciation whose "
        "denouncer you may not see (identity_masked): the letter may name them.")})
    is_complex = fields.Boolean()
    is_remote = fields.Boolean()
    latitude = fields.Float(allow_none=True, metadata={
        "description": "Where the matter is (WGS 84 degrees), when given (e.g. Open311)."})
    longitude = fields.Float(allow_none=True)
    address_string = fields.String(allow_none=True)
    reception_agency = fields.Nested(AgencyRefSchema, allow_none=True)
    parent_tracking_code = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), metadata={
        "description": "The case's files you may fetch; those that may reveal a denouncer "
                       "you may not see are left out (counted in hidden_attachments)."})
    hidden_attachments = fields.Integer()
    second_complaint = fields.Nested(SecondComplaintSchema, allow_none=True, metadata={
        "description": ("A first-round complaint's second complaint (khiếu nại lần hai), when "
                        "you may see the link; null otherwise.")})
    routed_on = fields.Date(allow_none=True, metadata={
        "description": "The day the agency holding the case received it (routed by the desk, "
                       "transferred, or sent to the lead agency); null while at the desk. "
                       "Every move is in routings."})
    accepted_on = fields.Date(allow_none=True, metadata={
        "description": "The day the holding agency accepted it (thụ lý); null before, and "
                       "again after a move."})
    resolved_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    suspended_on = fields.Date(allow_none=True)
    extension_count = fields.Integer()
    escalations = fields.List(fields.Nested(EscalationSchema))
    petitions = fields.List(fields.Nested(PetitionSchema))
    routings = fields.List(fields.Nested(RoutingSchema))
    outcome = fields.String(allow_none=True, metadata=coded(RESOLUTION_OUTCOMES, nullable=True))
    decision_number = fields.String(allow_none=True)
    decision_on = fields.Date(allow_none=True)
    resolution_summary = fields.String(allow_none=True)
    resolved_on_time = fields.Boolean(allow_none=True)
    figures = fields.Nested(FiguresSchema)
    enforcement = fields.Nested(EnforcementOutSchema, allow_none=True, metadata={
        "description": "null: no decision yet, or one that orders nothing to enforce."})
    identity_masked = fields.Boolean(
        metadata={"description": "True when petitioners' identity is hidden from you."})
    allowed_actions = fields.List(fields.String(), metadata={
        "description": "Actions you may take now (POST /cases/{code}/{action})."})
    timeline = fields.List(fields.Nested(TimelineEventSchema))

    @post_dump
    def mask_content(self, data: dict, **kwargs) -> dict:
        # A denouncer's letter ("Tôi là …, CCCD …") reveals them: it goes with the identity
        # (permissions.can_read_content; "reveal" is can_see_identity for this reader).
        if data.get("kind") == "denunciation" and not _context().get("reveal", False):
            data["content"] = mask_text()
            for petition in data.get("petitions") or ():
                if petition.get("content"):
                    petition["content"] = mask_text()
        return data


class CreatedCaseSchema(StaffCaseSchema):
    pin = fields.String(metadata={"description": "The citizen's look-up PIN; shown once."})


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(StaffCaseSummarySchema))


class EscalationPageSchema(PageSchema):
    items = fields.List(fields.Nested(EscalationItemSchema))


class ErrorSchema(BaseSchema):
    error = fields.String()
    status = fields.Integer()


class EscalationConflictSchema(ErrorSchema):
    """A 409 of an escalation already acknowledged, or closed by the system."""

    action_taken = fields.String(allow_none=True, metadata={
        **coded(ACK_ACTIONS, nullable=True),
        "description": "What the acknowledgement recorded (urge, reassign, set_lead, note), "
                       "or superseded / no_longer_mass when the system closed it."})


class ConflictErrorSchema(ErrorSchema):
    """A 409: the action refused in the case's status, with what may be done instead."""

    action = fields.String()
    case_status = fields.String(validate=validate.OneOf(STATUSES))
    allowed_actions = fields.List(fields.String(), metadata={
        "description": "What you may do instead: the case's `allowed_actions` as you read "
                       "it (GET /cases/{code})."})


class ValidationErrorSchema(BaseSchema):
    error = fields.String()
    status = fields.Integer()
    errors = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "field (dotted path) → message"})
