"""Each case action of the API: its body schema and the workflow service it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marshmallow import Schema

from complaints.domain.enforcement import FIGURES as ENFORCEMENT_FIGURES
from complaints.services import enforcement, routing, workflow
from complaints.services.errors import ValidationFailed
from complaints.web.api import schemas as s


@dataclass(frozen=True)
class ActionSpec:
    schema: type[Schema]
    call: Callable  # (case, body, actor, now, today) -> Case
    summary: str


def _figures(body: dict) -> dict:
    return {name: body.get(name) for name in workflow.RESOLUTION_FIGURES}


def _route(case, body, actor, now, today):
    """Route as the desk's page does (routing.route_case: the suggestion, a reason to send
    a case back to the agency that returned it); its `override_reason` is our `reason`."""
    try:
        return routing.route_case(case, body["agency_code"], actor, now, today,
                                  override_reason=body["reason"],
                                  decided_on=body["decided_on"])
    except ValidationFailed as exc:
        raise ValidationFailed({("reason" if key == "override_reason" else key): message
                                for key, message in exc.errors.items()}) from exc


ACTION_SPECS: dict[str, ActionSpec] = {
    "route": ActionSpec(s.RouteSchema, lambda c, b, a, n, t: _route(c, b, a, n, t),
        "Route to the competent agency (chuyển đơn) — reception; `reason` is required "
        "when the agency differs from the routing rules' suggestion or just returned "
        "the case"),
    "accept": ActionSpec(s.AcceptSchema, lambda c, b, a, n, t: workflow.accept(
        c, a, n, t, decided_on=b["decided_on"], is_complex=b["is_complex"],
        is_remote=b["is_remote"]),
        "Accept for resolution (thụ lý) — agency head; `is_complex`, `is_remote` (a "
        "complaint only; left out: as logged) pick the resolution period"),
    "refuse": ActionSpec(s.RefuseSchema, lambda c, b, a, n, t: workflow.refuse(
        c, b["reason"], a, n, t, decided_on=b["decided_on"], ground=b["ground"]),
        "Refuse with written reasons (không thụ lý) — agency head"),
    "assign": ActionSpec(s.AssignSchema, lambda c, b, a, n, t: workflow.assign(
        c, b["officer"], a, n),
        "Assign to an officer of the agency — agency head"),
    "extend": ActionSpec(s.ExtendSchema, lambda c, b, a, n, t: workflow.extend(
        c, b["days"], b["reason"], a, n, t, decided_on=b["decided_on"],
        complexity=b["complexity"]),
        "Extend the resolution deadline (gia hạn) — agency head"),
    "declare_complex": ActionSpec(s.ReasonSchema, lambda c, b, a, n, t:
        workflow.declare_complex(c, b["reason"], a, n, t, decided_on=b["decided_on"]),
        "Declare a complaint complex after its acceptance (vụ việc phức tạp): its "
        "resolution period becomes the complex one from the acceptance (45 days instead of "
        "30, 60 instead of 45 in a remote area), by a decision dated within the running "
        "period — agency head"),
    "extend_handling": ActionSpec(s.ExtendHandlingSchema, lambda c, b, a, n, t:
        workflow.extend_handling(c, b["days"], b["reason"], a, n, t,
                                 decided_on=b["decided_on"]),
        "Extend the handling deadline of a petition at the desk (gia hạn xử lý đơn; a "
        "denunciation needing checks at several places) — reception"),
    "return": ActionSpec(s.ReturnSchema, lambda c, b, a, n, t: workflow.return_case(
        c, b["reason"], b["suggested_agency_code"], a, n, t, decided_on=b["decided_on"]),
        "Return as not within the agency's competence (trả đơn) — agency head"),
    "transfer": ActionSpec(s.TransferSchema, lambda c, b, a, n, t: workflow.transfer(
        c, b["to_agency_code"], b["reason"], a, n, t, decided_on=b["decided_on"]),
        "Transfer to another agency — agency head"),
    "resolve": ActionSpec(s.ResolveSchema, lambda c, b, a, n, t: workflow.resolve(
        c, b["outcome"], b["decision_number"], b["summary"], a, n, t,
        decided_on=b["decided_on"], figures=_figures(b)),
        "Record the decision or conclusion (giải quyết / kết luận) — agency head"),
    "enforce": ActionSpec(s.EnforceSchema, lambda c, b, a, n, t: enforcement.enforce(
        c, b["enforced_on"], {name: b[name] for name in ENFORCEMENT_FIGURES}, b["note"],
        a, n, t),
        "Record (or correct) what enforcing the decision or conclusion actually did (thi "
        "hành: money and land recovered or returned, people disciplined, prosecutions) — "
        "head of the agency that decided"),
    "close": ActionSpec(s.CloseSchema, lambda c, b, a, n, t: workflow.close(
        c, a, n, t, reason=b["reason"]),
                        "Close a resolved case (kết thúc) — agency head"),
    "withdraw": ActionSpec(s.WithdrawSchema, lambda c, b, a, n, t: workflow.withdraw(
        c, b["reason"], a, n, t, decided_on=b["decided_on"],
        petitioner_ids=b["petitioner_ids"]),
        "Record the withdrawal (rút đơn) of the petitioners named; the case ends when "
        "none remains — reception or agency head"),
    "suspend": ActionSpec(s.SuspendSchema, lambda c, b, a, n, t: workflow.suspend(
        c, b["reason"], a, n, t, decided_on=b["decided_on"]),
        "Suspend the resolution clock (tạm đình chỉ) — agency head"),
    "resume": ActionSpec(s.ResumeSchema, lambda c, b, a, n, t: workflow.resume(
        c, a, n, t, decided_on=b["decided_on"]),
        "Resume the resolution clock (tiếp tục) — agency head"),
    "file": ActionSpec(s.FileSchema, lambda c, b, a, n, t: workflow.file_away(
        c, b["filing_reason"], a, n, t, note=b["note"], decided_on=b["decided_on"]),
        "File the petition away (lưu đơn) — reception"),
    "guide": ActionSpec(s.GuideSchema, lambda c, b, a, n, t: workflow.guide(
        c, b["reason"], a, n, t, decided_on=b["decided_on"]),
        "Guide the citizen to the competent body (hướng dẫn) — reception"),
    "forward": ActionSpec(s.ForwardSchema, lambda c, b, a, n, t: workflow.forward(
        c, b["forwarded_to"], a, n, t, reason=b["reason"], decided_on=b["decided_on"]),
        "Forward to a body outside the system — reception"),
}
