"""QA 110: a refused online form drops the files chosen without a word.

ux.md Forms: "on error, an error summary ... everything typed is kept". A file input cannot
be refilled by the server, so the page must at least say the files have to be chosen again
(as the 429 page already does: "tài liệu kèm theo cần chọn lại"). The 422 page says nothing:
a citizen who corrects the subject and sends again files the petition without its evidence.
"""
import io

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment
from tests.integration.qa110_world import *  # noqa: F401,F403
from tests.integration.test_public import PNG, form

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa110_refused_form_says_files_must_be_chosen_again(client, pw):
    data = form(subject="")  # one mistake: the subject left blank
    data["attachments"] = [(io.BytesIO(PNG), "so-do-thua-dat.png")]
    response = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert db.session.scalar(select(Attachment.id)) is None  # the file was not kept
    # The citizen is told that the file chosen was not kept and must be chosen again.
    assert "chọn lại" in html or "so-do-thua-dat.png" in html
