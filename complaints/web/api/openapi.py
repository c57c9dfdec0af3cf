"""The OpenAPI 3 document of the API, built from the marshmallow schemas (apispec)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from complaints.services.attachments import ALLOWED_TYPES, PURPOSES
from complaints.web.api import schemas as s
from complaints.web.api.actions import ACTION_SPECS

PREFIX = "/api/v1"
BEARER = "bearerAuth"

_ERRORS = {
    400: ("Malformed request: JSON that does not parse, or a NUL character anywhere",
          s.ErrorSchema),
    401: ("No valid bearer token", s.ErrorSchema),
    403: ("Your role or agency does not allow this", s.ErrorSchema),
    404: ("No such case, or not one you may see", s.ErrorSchema),
    409: ("The case's status does not allow this action", s.ConflictErrorSchema),
    422: ("Invalid input: one message per field", s.ValidationErrorSchema),
    413: ("The request body is larger than the server takes (MAX_UPLOAD_MB)", s.ErrorSchema),
    429: ("Too many attempts (rate limit or account temporarily locked)", s.ErrorSchema),
    415: ("The body is not JSON (a form-encoded body is refused, never read as empty)",
          s.ErrorSchema),
    503: ("The file could not be stored (disk full): nothing was saved", s.ErrorSchema),
}

_IDEMPOTENCY_PARAM = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "pattern": "^[\x21-\x7e]{1,255}$"},
    "description": "A key of the client's choosing (e.g. a UUID), one per new request: the "
                   "same request sent again with it (after a lost answer) opens nothing "
                   "new and answers 200 with the case the first one opened or joined "
                   "(header Idempotent-Replayed: true; the PIN went only with the first "
                   "answer). The same key with another request is a 422. A key is kept "
                   "for the server's SUBMISSION_TOKEN_DAYS (30 by default), then "
                   "forgotten."}


def _replayable(op: dict) -> dict:
    """An operation taking the Idempotency-Key header, and its replayed answer."""
    op["parameters"] = [*op.get("parameters", []), _IDEMPOTENCY_PARAM]
    op["responses"]["200"] = {
        "description": "Sent again with its Idempotency-Key: the case as it is now",
        "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
        "content": {"application/json": {"schema": s.StaffCaseSchema}}}
    return op


_CODE_PARAM = {"in": "path", "name": "tracking_code", "required": True,
               "schema": {"type": "string"}, "description": "e.g. 2026-7KQ4M2XH"}


def _operation(summary: str, ok: int, ok_schema, *, body=None, errors=(401,),
               params=None, secured: bool = True, tag: str = "cases") -> dict:
    op: dict = {"summary": summary, "tags": [tag], "responses": {}}
    if ok_schema is None:
        op["responses"][str(ok)] = {"description": "Done"}
    else:
        op["responses"][str(ok)] = {
            "description": "OK", "content": {"application/json": {"schema": ok_schema}}}
    if ok == 201 and tag != "auth":  # a token is no resource to read back
        op["responses"]["201"]["headers"] = {"Location": {
            "description": "Where to read what was created (the case, the file, the session)",
            "schema": {"type": "string"}}}
    if body is not None and 413 not in errors:  # any body may be too large
        errors = (*errors, 413)
    if body is not None and 415 not in errors:  # and of a form's content type
        errors = (*errors, 415)
    if 400 not in errors:  # any request may carry a NUL character (security.refuse_nul…)
        errors = (400, *errors)
    for code in errors:
        text, schema = _ERRORS[code]
        op["responses"][str(code)] = {
            "description": text, "content": {"application/json": {"schema": schema}}}
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    op["security"] = [{BEARER: []}] if secured else []
    return op


def build_spec() -> dict:
    """Return the OpenAPI 3 document as a dict."""
    spec = APISpec(
        title="Complaints API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Petitions (khiếu nại, tố cáo, kiến nghị, phản ánh): intake, "
                             "routing, deadlines and resolution. Every endpoint but token "
                             "creation needs `Authorization: Bearer <token>`; a case you "
                             "may not see answers 404; a denouncer's identity is masked "
                             "unless you may see it."},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    for name in ("StaffCaseSchema", "StaffCaseSummarySchema", "CreatedCaseSchema",
                 "CasePageSchema", "ErrorSchema", "ConflictErrorSchema",
                 "ValidationErrorSchema"):
        spec.components.schema(name.removesuffix("Schema"), schema=getattr(s, name))

    spec.path(path=f"{PREFIX}/tokens", operations={
        "post": _operation("Get a bearer token (valid API_TOKEN_HOURS, default 12; with "
                           "the 2FA code once enrolled)", 201, s.TokenSchema,
                           body=s.TokenRequestSchema, errors=(400, 401, 403, 422, 429),
                           secured=False, tag="auth"),
        "delete": _operation("Revoke this request's token", 204, None, tag="auth"),
    })
    spec.path(path=f"{PREFIX}/agencies", operations={"get": _operation(
        "List agencies (code, name, name_en, parent_code, level)", 200,
        {"type": "array", "items": s.AgencySchema}, tag="reference")})
    spec.path(path=f"{PREFIX}/fields", operations={"get": _operation(
        "List fields of law", 200, {"type": "array", "items": s.FieldSchema},
        tag="reference")})
    spec.path(path=f"{PREFIX}/localities", operations={"get": _operation(
        "Search localities, accents optional", 200, s.LocalityPageSchema,
        errors=(401, 422), params=[{"in": "query", "schema": s.LocalityQuerySchema}],
        tag="reference")})
    spec.path(path=f"{PREFIX}/cases", operations={
        "get": _operation("List the cases you may see", 200, s.CasePageSchema,
                          errors=(401, 422),
                          params=[{"in": "query", "schema": s.CaseListQuerySchema}]),
        "post": _replayable(_operation("Log a petition as a new case (reception)", 201,
                                       s.CreatedCaseSchema, body=s.CaseCreateSchema,
                                       errors=(400, 401, 403, 422))),
    })
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}", operations={
        "get": _operation("Read a case", 200, s.StaffCaseSchema, errors=(401, 404),
                          params=[_CODE_PARAM]),
        "patch": _operation("Correct the case's field, locality or subject, with the reason "
                            "(reception, while the case is at the desk: received or "
                            "returned; 409 once an agency holds it); omitted ones stay",
                            200, s.StaffCaseSchema, body=s.CorrectParticularsSchema,
                            errors=(400, 401, 403, 404, 409, 422), params=[_CODE_PARAM])})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/petitions", operations={
        "post": _replayable(_operation("Attach a later petition to the case (reception)",
                                       201, s.StaffCaseSchema, body=s.AddPetitionSchema,
                                       errors=(400, 401, 403, 404, 422),
                                       params=[_CODE_PARAM]))})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/petitions/{{petition_id}}", operations={
        "patch": _operation("Correct a letter's history of the matter or its eligibility "
                            "for handling, with the reason (reception)", 200,
                            s.StaffCaseSchema, body=s.CorrectHistorySchema,
                            errors=(400, 401, 403, 404, 422),
                            params=[_CODE_PARAM, {"in": "path", "name": "petition_id",
                                                  "required": True,
                                                  "schema": {"type": "integer",
                                                             "minimum": 1}}])})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/petitions/{{petition_id}}/urge",
              operations={"post": _operation(
                  "Urge the agency resolving the case (đôn đốc giải quyết) on a later "
                  "letter joined to it (reception); 409 when no agency is resolving it now",
                  200, s.StaffCaseSchema, body=s.UrgeHolderSchema,
                  errors=(400, 401, 403, 404, 409, 422),
                  params=[_CODE_PARAM, {"in": "path", "name": "petition_id",
                                        "required": True,
                                        "schema": {"type": "integer", "minimum": 1}}])})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/petitioners/{{petitioner_id}}",
              operations={"patch": _operation(
                  "Correct a signer's particulars, with the reason (reception); omitted "
                  "particulars stay", 200, s.StaffCaseSchema, body=s.CorrectPersonSchema,
                  errors=(400, 401, 403, 404, 422),
                  params=[_CODE_PARAM, {"in": "path", "name": "petitioner_id",
                                        "required": True,
                                        "schema": {"type": "integer", "minimum": 1}}])})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/split", operations={
        "post": _operation("Split one content of the case's letter into a new case that "
                           "shares its petitioners (reception, before the letter is "
                           "handled); answers the new case with its PIN", 201,
                           s.CreatedCaseSchema, body=s.SplitSchema,
                           errors=(400, 401, 403, 404, 409, 422), params=[_CODE_PARAM])})
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/notes", operations={
        "post": _operation("Record a note of the work on the case (the head of the agency "
                           "holding it, or its assigned officer); not a decision", 200,
                           s.StaffCaseSchema, body=s.NoteSchema,
                           errors=(400, 401, 403, 404, 422), params=[_CODE_PARAM])})
    upload = _operation("Add a file to the case (the desk that received it, or the agency "
                        "working on it): PDF, JPEG or PNG by its content, up to 10 MB",
                        201, s.StaffCaseSchema, body={}, errors=(400, 401, 403, 404, 422, 503),
                        params=[_CODE_PARAM])
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", "purpose"],
        "properties": {"file": {"type": "string", "format": "binary"},
                       "purpose": {"type": "string", "enum": list(PURPOSES)}}}}}}
    spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/attachments", operations={
        "post": upload})
    download = _operation("Fetch a file of a case you may read (one that may reveal a "
                          "denouncer only if you may see them; the download is recorded)",
                          200, None, errors=(401, 403, 404), tag="cases",
                          params=[{"in": "path", "name": "attachment_id", "required": True,
                                   "schema": {"type": "integer", "minimum": 1}}])
    download["responses"]["200"] = {"description": "The file, as an attachment", "content": {
        kind: {"schema": {"type": "string", "format": "binary"}} for kind in ALLOWED_TYPES}}
    spec.path(path=f"{PREFIX}/attachments/{{attachment_id}}", operations={"get": download})
    for action, action_spec in ACTION_SPECS.items():
        spec.path(path=f"{PREFIX}/cases/{{tracking_code}}/{action}", operations={
            "post": _operation(action_spec.summary, 200, s.StaffCaseSchema,
                               body=action_spec.schema,
                               errors=(400, 401, 403, 404, 409, 422),
                               params=[_CODE_PARAM])})
    escalation_param = {"in": "path", "name": "escalation_id", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}
    spec.path(path=f"{PREFIX}/escalations", operations={"get": _operation(
        "List the escalations addressed to your agency (agency heads, inspectors)", 200,
        s.EscalationPageSchema, errors=(401, 403, 422),
        params=[{"in": "query", "schema": s.EscalationQuerySchema}], tag="escalations")})
    acknowledge = _operation("Acknowledge an escalation addressed to your agency, saying "
                             "what was done; 409 when it was acknowledged or closed already",
                             200, s.EscalationItemSchema, body=s.AcknowledgeSchema,
                             errors=(400, 401, 403, 404, 409, 422), params=[escalation_param],
                             tag="escalations")
    acknowledge["responses"]["409"] = {
        "description": "Acknowledged already, or closed by the system",
        "content": {"application/json": {"schema": s.EscalationConflictSchema}}}
    spec.path(path=f"{PREFIX}/escalations/{{escalation_id}}/acknowledge",
              operations={"post": acknowledge})
    spec.path(path=f"{PREFIX}/escalations/{{escalation_id}}/lead", operations={
        "post": _operation("Designate the lead agency of an evaded case (the head of the "
                           "agency the evasion escalation is addressed to); answers the case",
                           200, s.StaffCaseSchema, body=s.DesignateLeadSchema,
                           errors=(400, 401, 403, 404, 409, 422), params=[escalation_param],
                           tag="escalations")})
    spec.path(path=f"{PREFIX}/reception-sessions", operations={
        "get": _operation("List the reception sessions you may see, newest first", 200,
                          s.ReceptionSessionPageSchema, errors=(401, 422),
                          params=[{"in": "query", "schema": s.ReceptionSessionQuerySchema}],
                          tag="reception"),
        "post": _operation("Record a reception session of your agency with the petitions "
                           "raised at it (each a new case, or joined to one your agency "
                           "holds), all or nothing", 201, s.CreatedReceptionSessionSchema,
                           body=s.ReceptionSessionInSchema, errors=(400, 401, 403, 422),
                           tag="reception"),
    })
    spec.path(path=f"{PREFIX}/reception-sessions/{{session_id}}", operations={
        "get": _operation("Read a reception session", 200, s.ReceptionSessionSchema,
                          errors=(401, 404), tag="reception",
                          params=[{"in": "path", "name": "session_id", "required": True,
                                   "schema": {"type": "integer", "minimum": 1}}])})
    spec.path(path=f"{PREFIX}/openapi.json", operations={"get": _operation(
        "This document", 200, {"type": "object"}, errors=(), secured=False, tag="meta")})
    return spec.to_dict()
