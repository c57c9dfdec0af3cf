"""QA 110: the English citizen's page drops the Vietnamese legal terms ux.md names.

ux.md Language: "Keep legal terms exact in Vietnamese (thụ lý, đôn đốc, đơn trùng, khiếu nại
lần hai) and give their English beside them in the English UI." The page does it for thụ lý,
tạm đình chỉ, lưu đơn, but a petition filed as a duplicate reads "Filed away (lưu đơn):
Duplicate" (no "đơn trùng"), and a second-round case's summary reads "Complaint · second
complaint" (no "khiếu nại lần hai")."""
import pytest

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.qa110_world import *  # noqa: F401,F403  (fixture: pw)
from tests.integration.qa110_world import english, new_case, open_case, text_of

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa110_english_duplicate_filing_names_don_trung(client, pw):
    case, pin = new_case(client)
    workflow.file_away(case, "duplicate", None, NOW, TODAY)
    db.session.commit()
    english(client)
    text = text_of(open_case(client, case, pin).get_data(as_text=True))
    assert "Duplicate" in text
    assert "đơn trùng" in text.lower()


def test_qa110_english_second_round_names_khieu_nai_lan_hai(client, pw):
    case, pin = new_case(client)
    workflow.route(case, "SO-TNMT", None, NOW, TODAY)
    workflow.accept(case, pw["head"], NOW, TODAY, decided_on=TODAY)
    workflow.resolve(case, "wrong", "12/QĐ", "Giữ nguyên.", pw["head"], NOW, TODAY,
                     decided_on=TODAY)
    db.session.commit()
    english(client)
    open_case(client, case, pin)
    receipt_page = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                               data={"reason": "Không đồng ý", "confirm": "y"},
                               follow_redirects=True).get_data(as_text=True)
    from tests.integration.test_public import receipt
    code, pin2 = receipt(receipt_page)
    text = text_of(client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": pin2},
                               follow_redirects=True).get_data(as_text=True))
    summary = text[text.find("Type of petition"):text.find("Field")]
    assert "second complaint" in summary
    assert "khiếu nại lần hai" in summary, summary
