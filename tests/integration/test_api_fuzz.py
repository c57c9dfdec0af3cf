"""Fuzzing the JSON API with schemathesis, in-process, from its own OpenAPI document.

Every operation of /api/v1/openapi.json gets generated requests (valid and invalid ones)
under the bearer token of a reception user and of an agency head; none may answer 5xx,
and answers must match the document (status codes, content type, body schema).

The default run is small (10 examples per operation and mode, ~10 s) so CI stays fast;
set API_FUZZ_EXAMPLES=60 (about 45 s) or more for a deeper run, API_FUZZ_REPORT=1 to
print the status codes seen per operation.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from complaints.extensions import db
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

API = "/api/v1"
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def fuzz_world(app, client, make_agency, make_user, make_locality, make_case):
    """Two users with tokens and a few cases they can see, so paths hit real cases."""
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    make_locality(code="11311", name="Phường Lê Chân")
    reception = make_user("reception", agency=desk, username="tiepdan")
    head = make_user("agency_head", agency=so, username="giamdoc")
    make_user("agency_officer", agency=so, username="chuyenvien")
    from complaints.services import workflow

    codes = []
    for kind in ("complaint", "denunciation", "recommendation"):
        case = make_case(actor=reception, kind=kind)
        codes.append(case.tracking_code)
    routed = make_case(actor=reception)
    workflow.route(routed, "SO-TNMT", reception, NOW, TODAY, reason="Đúng thẩm quyền")
    codes.append(routed.tracking_code)
    accepted = make_case(actor=reception)
    workflow.route(accepted, "SO-TNMT", reception, NOW, TODAY, reason="Đúng thẩm quyền")
    workflow.accept(accepted, head, NOW, TODAY)
    codes.append(accepted.tracking_code)
    db.session.commit()

    tokens = {}
    for user in (reception, head):
        response = client.post(f"{API}/tokens",
                               json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        tokens[user.role] = response.get_json()["token"]
    # Per role, the codes it may open: a path that names one it may not is a 404 every
    # time, and the few examples of a run must reach real cases (the checks below).
    return {"tokens": tokens, "codes": codes,
            "visible": {"reception": codes, "agency_head": codes[-2:]}}


def _typed(text, default: str) -> str:
    """The generated text's printable characters, or `default` when none is left."""
    kept = "".join(ch for ch in text if ch.isprintable()).strip() if isinstance(
        text, str) else ""
    return kept or default


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz_operation(operation, headers: dict, codes: list[str], mode: GenerationMode,
                    seen: Counter | None = None):
    strategy = operation.as_strategy(generation_mode=mode)
    has_code = any(p.name == "tracking_code" for p in operation.path_parameters)
    code_choice = st.sampled_from([*codes, None]) if has_code else st.just(None)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy, code=code_choice, realistic=st.booleans())
    def run(case, code, realistic):
        if code is not None:
            case.path_parameters = {**(case.path_parameters or {}), "tracking_code": code}
        if (realistic and mode is GenerationMode.POSITIVE and isinstance(case.body, dict)
                and operation.path.endswith("/cases")):
            # Generated strings everywhere, but a field and locality that exist, so intake
            # itself (not only validation) meets the fuzzed text.
            # The text is what a person could type (intake refuses control and invisible
            # characters with a 422, which the other examples exercise): without this, the
            # run's few examples could all be refused and intake never reached.
            case.body.update(field="land", locality_code="11311", parent_tracking_code=None,
                             agency_code=None, received_on=None, complaint_round=None,
                             subject=_typed(case.body.get("subject"), "Khiếu nại"),
                             content=_typed(case.body.get("content"), "Nội dung đơn"))
            case.body["petitioners"] = [
                {"full_name": _typed(p.get("full_name"), "Nguyễn Văn A"),
                 # A denunciation names its denouncer with an address (intake's rule).
                 "address": _typed(p.get("address"), "1 Lạch Tray, Hải Phòng")}
                for p in case.body.get("petitioners") or [{}]][:3]
        response = case.call(headers=headers)
        if seen is not None:
            seen[(operation.method.upper(), operation.path, response.status_code)] += 1
        checks = CHECKS if mode is GenerationMode.POSITIVE else [not_a_server_error]
        case.validate_response(response, checks=checks, headers=headers)
        db.session.rollback()  # the test's session must not keep a failed request's state

    run()


@pytest.mark.parametrize("role", ["reception", "agency_head"])
def test_api_answers_no_5xx_and_conforms(app, fuzz_world, role):
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    headers = {"Authorization": f"Bearer {fuzz_world['tokens'][role]}"}
    failures, seen = [], Counter()
    for operation in _operations(schema):
        if operation.method.upper() == "DELETE" and operation.path.endswith("/tokens"):
            continue  # revoking the token would end the run; tested below
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, headers, fuzz_world["visible"][role], mode, seen)
            except (Exception, BaseExceptionGroup) as exc:  # collect all, report together
                failures.append(f"{operation.method.upper()} {operation.path} "
                                f"[{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
    # The run reached real code: cases were read and bad input refused with a 4xx.
    statuses = Counter(status for (_m, _p, status) in seen.elements())
    assert seen[("GET", f"{API}/cases/{{tracking_code}}", 200)] > 0, seen
    assert statuses[422] > 0 and statuses[200] > 0, statuses
    if role == "reception":
        assert seen[("POST", f"{API}/cases", 201)] > 0, seen
    if os.environ.get("API_FUZZ_REPORT"):
        print(sorted(seen.items()))


def test_token_revocation_fuzzed_without_valid_token(app, fuzz_world):
    """DELETE /tokens with junk or no credentials is a 401, never a 5xx."""
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operation = schema[f"{API}/tokens"]["DELETE"]
    for headers in ({}, {"Authorization": "Bearer not-a-token"},
                    {"Authorization": "Basic Zm9vOmJhcg=="}):
        _fuzz_operation(operation, headers, [], GenerationMode.POSITIVE)
