"""A service's refusal that a page's view did not catch answers as what it is, never a 500
(QA 105 V5): NotAllowed 403 with its reason, NotFound 404, InvalidTransition 409,
ValidationFailed 422; the API keeps its own JSON answers."""

from __future__ import annotations

import pytest

from complaints.domain.states import InvalidTransition
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

RAISED = {
    "refused": (NotAllowed("Chỉ thủ trưởng cơ quan được làm việc này."), 403,
                "Chỉ thủ trưởng cơ quan được làm việc này."),
    "missing": (NotFound(42), 404, "Không tìm thấy hồ sơ."),
    "moved": (InvalidTransition("accept", "resolved"), 409, ""),
    "invalid": (ValidationFailed({"reason": "Nêu lý do."}), 422, "Nêu lý do."),
    "empty": (ValidationFailed({}), 422, "Yêu cầu không hợp lệ."),  # not "no permission"
}


@pytest.fixture
def raising_app(app):
    for name, (exc, _status, _text) in RAISED.items():
        def view(exc=exc):
            raise exc
        app.add_url_rule(f"/_raise/{name}", f"raise_{name}", view)
    return app


@pytest.mark.parametrize("name", sorted(RAISED))
def test_an_uncaught_refusal_is_a_page_of_its_status(raising_app, name):
    _exc, status, text = RAISED[name]
    answer = raising_app.test_client().get(f"/_raise/{name}")
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert "<html" in page and text in page
