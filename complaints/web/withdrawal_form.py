"""The withdrawal form's petitioner boxes, shared by the agency's and the desk's pages.

A citizen may withdraw at the agency resolving the case or at the reception desk that
logged it (permissions.can_act); both pages offer the same boxes and confirmation.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _

from complaints.domain import withdrawal
from complaints.models import Case
from complaints.services import case_view, workflow
from complaints.services.errors import ValidationFailed


def _signer_key(case: Case, petitioner_id: int) -> str:
    """An opaque value for a masked petitioner's box: the page must not carry their id."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"withdraw-signer:{case.id}:{petitioner_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def _signer_label(choice: case_view.SignerChoice, masked: bool) -> str:
    name = (_("Người đứng đơn thứ %(n)s", n=choice.number) if masked
            else choice.full_name)
    return _("%(name)s (người đại diện)", name=name) if choice.is_representative else name


def prepare(form, case: Case, user, reveal: bool = False) -> dict[str, str]:
    """Offer a box per petitioner who remains, named as the case page names them (an opaque
    value for a masked one); with one left there is nothing to choose: that one withdraws.
    `reveal`: the caller recorded that this reader is shown a denouncer's identity.
    Return the hints shown with the form."""
    choices, masked = case_view.withdrawal_choices(case, user, reveal)
    form.signer_keys = {(_signer_key(case, c.petitioner_id) if masked
                         else str(c.petitioner_id)): c for c in choices}
    form.signer_labels = {key: _signer_label(c, masked) for key, c in form.signer_keys.items()}
    if len(choices) <= 1:
        # Nothing to choose; but a form posted with boxes (sent again after the others
        # withdrew, or kept open meanwhile) named people: the only one left is not among
        # them unless ticked (QA round 13: a second tap withdrew the one never named).
        form.posted_signers = list(form.petitioner_ids.data or []) \
            if form.is_submitted() else []
        del form.petitioner_ids
        return {}
    form.petitioner_ids.choices = list(form.signer_labels.items())
    return {"petitioner_ids": _("Đánh dấu những người rút đơn. Hồ sơ chỉ kết thúc khi không "
                                "còn người đứng đơn nào; nếu còn, hồ sơ tiếp tục được giải "
                                "quyết.")}


def named_signers(form) -> list[int] | None:
    """The petitioners ticked on the withdrawal form (None: no boxes were offered)."""
    if "petitioner_ids" not in form:
        posted = getattr(form, "posted_signers", [])
        if any(key not in form.signer_keys for key in posted):
            raise ValidationFailed({"petitioner_ids": withdrawal.NOT_REMAINING})
        return [form.signer_keys[key].petitioner_id for key in posted] or None
    keys = form.petitioner_ids.data or []
    if any(key not in form.signer_keys for key in keys):  # withdrew meanwhile, or forged
        raise ValidationFailed({"petitioner_ids": withdrawal.NOT_REMAINING})
    return [form.signer_keys[key].petitioner_id for key in keys]


def confirm_notes(case: Case, form) -> dict:
    """What the confirmation says beyond the form's values: who withdraws, whether the case
    ends and whether a group loses its last representative."""
    plan = workflow.plan_withdrawal(case, named_signers(form))
    by_id = {c.petitioner_id: key for key, c in form.signer_keys.items()}
    return {"who": [form.signer_labels[by_id[pid]] for pid in plan.withdrawing],
            "ends_case": plan.ends_case, "no_representative": plan.no_representative_left}
