"""Open311 GeoReport v2: services, posting a request, reading it back in JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Field
from complaints.services import workflow
from tests.conftest import NOW, TODAY

KEY = "test-key-123"


def parse_xml(data: bytes):
    return ET.fromstring(data)  # noqa: S314  (our own server's answer, not untrusted input)


@pytest.fixture(autouse=True)
def setup(app, make_agency, monkeypatch):
    from complaints import clock

    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    app.config["OPEN311_API_KEYS"] = (KEY,)
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()


def post(client, fmt="json", **overrides):
    data = {"api_key": KEY, "service_code": "environment", "lat": "20.8449", "long": "106.6881",
            "address_string": "Ngõ 5 Lạch Tray", "description": "Rác thải đổ trộm ven sông",
            "first_name": "Văn An", "last_name": "Nguyễn", "email": "an@example.vn",
            "phone": "0911222333"}
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/open311/v2/requests.{fmt}", data=data)


def test_services_json(client):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    services = response.get_json()
    assert len(services) == db.session.query(Field).count()
    land = next(s for s in services if s["service_code"] == "land")
    assert land["service_name"] == "Đất đai"
    assert land["metadata"] is False and land["type"] == "realtime"
    assert set(land) == {"service_code", "service_name", "description", "metadata", "type",
                         "keywords", "group"}


def test_services_xml(client):
    response = client.get("/open311/v2/services.xml")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = parse_xml(response.data)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "land" in codes
    assert root.find("service").findtext("metadata") == "false"


def test_post_without_or_with_wrong_api_key_is_403(client):
    for key in (None, "wrong"):
        response = post(client, api_key=key)
        assert response.status_code == 403
        body = response.get_json()
        assert isinstance(body, list) and body[0]["code"] == 403 and body[0]["description"]
    assert db.session.scalar(select(Case.id)) is None


def test_post_and_read_back_json(client):
    response = post(client)
    assert response.status_code == 200
    [created] = response.get_json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    code = created["service_request_id"]
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.petitions[0].channel == "online" and case.status == "received"
    assert case.reception_agency.code == "BTCD"
    assert "Ngõ 5 Lạch Tray" in case.content and "20.844900, 106.688100" in case.content
    signer = case.petitions[0].signers[0].petitioner
    assert signer.full_name == "Nguyễn Văn An"

    [item] = client.get(f"/open311/v2/requests/{code}.json").get_json()
    assert item["service_request_id"] == code
    assert item["status"] == "open" and item["service_code"] == "environment"
    assert item["expected_datetime"]
    # The location the app posted comes back as GeoReport fields (never the petitioner).
    assert (item["lat"], item["long"]) == (20.8449, 106.6881)
    assert item["address"] == "Ngõ 5 Lạch Tray"
    assert (case.latitude, case.longitude) == (20.8449, 106.6881)
    assert case.address_string == "Ngõ 5 Lạch Tray"
    text = str(item)
    for secret in ("Nguyễn", "an@example.vn", "0911222333", "Rác thải"):
        assert secret not in text

    listed = client.get("/open311/v2/requests.json?status=open").get_json()
    assert [r["service_request_id"] for r in listed] == [code]
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []
    both = client.get(f"/open311/v2/requests.json?service_request_id={code},2026-NOPE")
    assert [r["service_request_id"] for r in both.get_json()] == [code]


def test_post_and_read_back_xml(client, make_user, make_agency):
    response = post(client, fmt="xml")
    assert response.status_code == 200
    root = parse_xml(response.data)
    assert root.tag == "service_requests"
    code = root.find("request").findtext("service_request_id")
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    agency = make_agency(name="Sở Tài nguyên và Môi trường")
    head = make_user("agency_head", agency=agency)
    workflow.route(case, agency.code, None, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY)
    workflow.resolve(case, "answered", "5/TL", "Đã xử lý", head, NOW, TODAY)
    db.session.commit()
    one = parse_xml(client.get(f"/open311/v2/requests/{code}.xml").data)
    request_node = one.find("request")
    assert request_node.findtext("status") == "closed"
    assert request_node.findtext("agency_responsible") == "Sở Tài nguyên và Môi trường"
    agency.name_en = "Department of Natural Resources and Environment"
    db.session.commit()
    english = parse_xml(client.get(f"/open311/v2/requests/{code}.xml",
                                   headers={"Accept-Language": "en"}).data)
    assert english.find("request").findtext("agency_responsible") == agency.name_en
    listed = parse_xml(client.get("/open311/v2/requests.xml?status=closed"
                                      "&service_code=environment").data)
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [code]
    assert float(request_node.findtext("lat")) == 20.8449
    assert float(request_node.findtext("long")) == 106.6881
    assert request_node.findtext("address") == "Ngõ 5 Lạch Tray"
    assert float(listed.find("request").findtext("lat")) == 20.8449


def test_location_is_optional_and_kept_out_of_denunciations(client, make_case):
    response = post(client, lat=None, long=None, address_string="Chợ Sắt")
    [created] = response.get_json()
    [item] = client.get(f"/open311/v2/requests/{created['service_request_id']}.json").get_json()
    assert item["lat"] is None and item["long"] is None and item["address"] == "Chợ Sắt"
    xml = parse_xml(client.get(f"/open311/v2/requests/{created['service_request_id']}.xml").data)
    assert xml.find("request").find("lat") is not None  # present, empty
    assert not xml.find("request").findtext("lat")

    secret = make_case(kind="denunciation")
    secret.latitude, secret.longitude, secret.address_string = 20.85, 106.68, "Nhà ông X"
    db.session.commit()
    [item] = client.get(f"/open311/v2/requests/{secret.tracking_code}.json").get_json()
    assert item["lat"] is None and item["long"] is None and item["address"] != "Nhà ông X"


# Vietnamese by default, like every message of Open311 (docs/open311.md).
@pytest.mark.parametrize("overrides, message", [
    ({"lat": "91"}, "lat phải từ -90 đến 90 (độ, hệ WGS 84)."),
    ({"lat": "-90.5"}, "lat phải từ -90 đến 90"),
    ({"long": "180.01"}, "long phải từ -180 đến 180"),
    ({"long": "nan"}, "long phải từ -180 đến 180"),
    ({"lat": "inf"}, "lat phải từ -90 đến 90"),
    ({"long": None}, "lat và long phải được gửi cùng nhau."),
    ({"address_string": "x" * 256}, "address_string tối đa 255 ký tự."),
])
def test_location_errors_in_spec_format(client, overrides, message):
    for fmt in ("json", "xml"):
        response = post(client, fmt=fmt, **overrides)
        assert response.status_code == 400
        if fmt == "json":
            [error] = response.get_json()
            assert error == {"code": 400, "description": error["description"]}
            assert message in error["description"]
        else:
            node = parse_xml(response.data).find("error")
            assert node.findtext("code") == "400" and message in node.findtext("description")
    assert db.session.scalar(select(Case.id)) is None


def test_location_bounds_are_accepted_and_checked_by_the_database(client, make_case):
    response = post(client, lat="-90", long="180")
    assert response.status_code == 200
    [item] = client.get(
        f"/open311/v2/requests/{response.get_json()[0]['service_request_id']}.json").get_json()
    assert (item["lat"], item["long"]) == (-90, 180)

    from sqlalchemy.exc import IntegrityError

    for lat, lon in ((95.0, 10.0), (10.0, -181.0), (10.0, None)):
        case = make_case(kind="feedback")
        case.latitude, case.longitude = lat, lon
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_service_messages_in_the_description_follow_the_language(client):
    """A refusal by the submission service (its N_ messages) comes in the asked language."""
    long_name = "Nguyễn " * 40  # over public.NAME_MAX
    vi = post(client, last_name=long_name)
    assert vi.status_code == 400
    assert "first_name/last_name: Tối đa 200 ký tự." in vi.get_json()[0]["description"]
    data = {"api_key": KEY, "service_code": "environment", "address_string": "Chợ Sắt",
            "last_name": long_name, "phone": "0911222333", "description": "Rác thải"}
    en = client.post("/open311/v2/requests.json", data=data,
                     headers={"Accept-Language": "en"})
    assert en.status_code == 400
    assert "last_name: At most 200 characters." in en.get_json()[0]["description"]
    assert "full_name" not in en.get_json()[0]["description"]


def test_a_refusal_names_the_parameters_the_client_sent(client):
    """QA: "content: At most 10000 characters." named our field, not the description the
    client posted (nor "full_name" the first_name / last_name it sent)."""
    from complaints.services.public import CONTENT_MAX  # the online form's

    long_text = post(client, description="x" * (CONTENT_MAX + 1))
    assert long_text.status_code == 400
    [error] = long_text.get_json()
    assert error["description"] == f"description: Tối đa {CONTENT_MAX} ký tự."
    english = client.post("/open311/v2/requests.json", headers={"Accept-Language": "en"}, data={
        "api_key": KEY, "service_code": "environment", "address_string": "Chợ Sắt",
        "first_name": "An " * 70, "phone": "0911222333", "description": "x" * (CONTENT_MAX + 1)})
    assert english.get_json()[0]["description"] == (
        f"description: At most {CONTENT_MAX} characters.; "
        "first_name: At most 200 characters.")
    assert db.session.scalar(select(Case.id)) is None


@pytest.mark.parametrize("how", [{"query_string": {"lang": "en"}},
                                 {"headers": {"Accept-Language": "en"}}])
def test_services_keywords_follow_the_language(client, how):
    """QA: keywords stayed Vietnamese in an English list."""
    english = client.get("/open311/v2/services.json", **how).get_json()
    assert {s["keywords"] for s in english} == {"complaint,denunciation,recommendation,feedback"}
    vietnamese = client.get("/open311/v2/services.json").get_json()
    assert {s["keywords"] for s in vietnamese} == {"khiếu nại,tố cáo,kiến nghị,phản ánh"}
    xml = parse_xml(client.get("/open311/v2/services.xml", **how).data)
    assert xml.find("service").findtext("keywords") == (
        "complaint,denunciation,recommendation,feedback")


@pytest.mark.parametrize("overrides, message", [
    ({"service_code": None}, "service_code"),
    ({"service_code": "nope"}, "service_code"),
    ({"lat": None, "long": None, "address_string": None}, "địa điểm"),
    ({"lat": "abc"}, "lat"),
    ({"first_name": None, "last_name": None}, "first_name"),
    ({"email": None, "phone": None}, "email hoặc phone"),
    ({"address_id": "99999999"}, "address_id"),
])
def test_post_errors_in_spec_format(client, overrides, message):
    response = post(client, **overrides)
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and message in error["description"]
    assert db.session.scalar(select(Case.id)) is None


def test_errors_in_xml_and_unknown_request(client):
    response = client.get("/open311/v2/requests/2026-ZZZZZZZZ.xml")
    assert response.status_code == 404
    root = parse_xml(response.data)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
    json_404 = client.get("/open311/v2/requests/2026-ZZZZZZZZ.json")
    assert json_404.status_code == 404 and json_404.get_json()[0]["code"] == 404
    bad = client.get("/open311/v2/requests.json?status=maybe")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400


def test_list_defaults_to_last_90_days_and_hides_denunciations(client, make_case):
    old = make_case(kind="feedback", received_on=TODAY.replace(month=8, day=1))
    recent = make_case(kind="feedback")
    secret = make_case(kind="denunciation")
    db.session.commit()
    ids = [r["service_request_id"] for r in client.get("/open311/v2/requests.json").get_json()]
    assert recent.tracking_code in ids
    assert old.tracking_code not in ids and secret.tracking_code not in ids
    ranged = client.get("/open311/v2/requests.json?start_date=2026-07-01T00:00:00Z").get_json()
    assert old.tracking_code in [r["service_request_id"] for r in ranged]


# --- Errors: GeoReport's shape, in the request's language (QA round) -------------------------

FORMATS = ("json", "xml")


def _error_of(response, fmt: str) -> tuple[int, str]:
    """(code, description) of a GeoReport error answer, checking its shape on the way."""
    if fmt == "xml":
        assert response.mimetype == "text/xml"
        root = parse_xml(response.data)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        [node] = root
        assert [child.tag for child in node] == ["code", "description"]
        return int(node.findtext("code")), node.findtext("description")
    assert response.mimetype == "application/json"
    [error] = response.get_json()
    assert set(error) == {"code", "description"}
    return error["code"], error["description"]


@pytest.fixture
def pretend_english(app, monkeypatch):
    """Give msgids an English translation for one test, as the en catalog will once a
    translator has filled in what `make i18n` extracts (new msgids arrive untranslated)."""
    from flask_babel import force_locale, get_translations

    def add(msgid: str, english: str) -> None:
        with app.test_request_context("/open311/v2/services.json"), force_locale("en"):
            translations = get_translations()
        monkeypatch.setitem(translations._catalog, msgid, english)

    return add


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method, path, status, vi, en", [
    ("PUT", "requests.{fmt}", 405, "Phương thức không được hỗ trợ.", "Method not allowed."),
    ("DELETE", "services.{fmt}", 405, "Phương thức không được hỗ trợ.", "Method not allowed."),
    ("GET", "nothing-here.{fmt}", 404, "Không tìm thấy.", "Not found."),
    ("GET", "requests.{fmt}?status=%00", 400, "Yêu cầu không hợp lệ.", "Invalid request."),
])
def test_http_errors_answer_in_georeport_shape_and_language(client, fmt, method, path,
                                                            status, vi, en):
    """No route matched, or the request was refused before the view: still GeoReport."""
    for headers, message in (({}, vi), ({"Accept-Language": "en"}, en)):
        response = client.open(f"/open311/v2/{path.format(fmt=fmt)}", method=method,
                               headers=headers)
        assert response.status_code == status
        assert _error_of(response, fmt) == (status, message)
        if status == 405:
            assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nul_character_is_a_georeport_400(client, fmt):
    for headers, message in (({}, "Yêu cầu không hợp lệ."),
                             ({"Accept-Language": "en"}, "Invalid request.")):
        response = client.post(f"/open311/v2/requests.{fmt}", headers=headers, data={
            "api_key": KEY, "service_code": "environment", "address_string": "Chợ Sắt",
            "first_name": "\x00", "phone": "0911222333", "description": "Rác thải"})
        assert response.status_code == 400
        assert _error_of(response, fmt) == (400, message)
    assert db.session.scalar(select(Case.id)) is None


# Each parameter error: what is sent, the status, the msgid and its English as the catalog
# is to have it (pretend_english stands in for it here), then the answers in vi and en.
PARAMETER_ERRORS = [
    ("post", {"service_code": None}, 400,
     "Cần có service_code.", "service_code is required",
     "Cần có service_code.", "service_code is required"),
    ("post", {"api_key": "wrong"}, 403,
     "Cần có api_key hợp lệ.", "a valid api_key is required",
     "Cần có api_key hợp lệ.", "a valid api_key is required"),
    ("post", {"lat": "91"}, 400,
     "%(name)s phải từ %(low)s đến %(high)s (độ, hệ WGS 84).",
     "%(name)s must be between %(low)s and %(high)s (WGS 84 degrees)",
     "lat phải từ -90 đến 90 (độ, hệ WGS 84).",
     "lat must be between -90 and 90 (WGS 84 degrees)"),
    ("post", {"kind": "denunciation"}, 400,
     "kind phải là một trong: %(choices)s.", "kind must be one of %(choices)s",
     "kind phải là một trong: feedback, recommendation, complaint.",
     "kind must be one of feedback, recommendation, complaint"),
    ("get", "requests.{fmt}?status=maybe", 400,
     "status phải là open hoặc closed.", "status must be open or closed",
     "status phải là open hoặc closed.", "status must be open or closed"),
    ("get", "requests.{fmt}?start_date=yesterday", 400,
     "%(name)s phải là ngày giờ theo định dạng W3C.", "%(name)s must be a W3C date-time",
     "start_date phải là ngày giờ theo định dạng W3C.", "start_date must be a W3C date-time"),
    ("get", "requests/2026-ZZZZZZZZ.{fmt}", 404,
     "Không tìm thấy service_request_id.", "service_request_id not found",
     "Không tìm thấy service_request_id.", "service_request_id not found"),
    ("get", "services.csv", 404,
     "Định dạng phải là json hoặc xml.", "format must be json or xml",
     "Định dạng phải là json hoặc xml.", "format must be json or xml"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how, what, status, msgid, english, vi, en", PARAMETER_ERRORS,
                         ids=[e[5] for e in PARAMETER_ERRORS])
def test_parameter_errors_follow_the_requests_language(client, pretend_english, fmt, how,
                                                       what, status, msgid, english, vi, en):
    """They were English whatever the language, while the field errors were Vietnamese."""
    pretend_english(msgid, english)
    for headers, expected in (({}, vi), ({"Accept-Language": "vi"}, vi),
                              ({"Accept-Language": "en"}, en)):
        if how == "post":
            data = {"api_key": KEY, "service_code": "environment", "lat": "20.8449",
                    "long": "106.6881", "description": "Rác thải đổ trộm ven sông",
                    "first_name": "Văn An", "phone": "0911222333", **what}
            data = {k: v for k, v in data.items() if v is not None}
            response = client.post(f"/open311/v2/requests.{fmt}", data=data, headers=headers)
        else:
            response = client.get(f"/open311/v2/{what.format(fmt=fmt)}", headers=headers)
        assert response.status_code == status
        # services.csv: no format to answer in, so JSON.
        assert _error_of(response, "json" if ".csv" in what else fmt) == (status, expected)
    assert db.session.scalar(select(Case.id)) is None


@pytest.mark.parametrize("description", [None, "", "   ", "\n\t \n"],
                         ids=["missing", "empty", "spaces", "blank lines"])
def test_a_request_without_description_is_refused(client, make_locality, description):
    """The staff API refuses a petition with no content; Open311 took one and made the
    service's name its subject and content."""
    make_locality(code="11341")
    db.session.commit()
    data = {"api_key": KEY, "service_code": "land", "address_id": "11341", "first_name": "A",
            "phone": "0912345678"}
    if description is not None:
        data["description"] = description
    for fmt in FORMATS:
        for headers, message in (({}, "description: Nhập nội dung đơn."),
                                 ({"Accept-Language": "en"},
                                  "description: Enter the content of the petition.")):
            response = client.post(f"/open311/v2/requests.{fmt}", data=data, headers=headers)
            assert response.status_code == 400
            assert _error_of(response, fmt) == (400, message)
    assert db.session.scalar(select(Case.id)) is None


def test_the_description_is_the_petitions_subject_and_content(client, make_locality):
    make_locality(code="11341")
    db.session.commit()
    response = client.post("/open311/v2/requests.json", data={
        "api_key": KEY, "service_code": "land", "address_id": "11341", "first_name": "A",
        "phone": "0912345678", "description": "  Lấn chiếm đất công\nTại ngõ 5 Lạch Tray  "})
    assert response.status_code == 200
    code = response.get_json()[0]["service_request_id"]
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    assert case.subject == "Lấn chiếm đất công"
    assert case.content == "Lấn chiếm đất công\nTại ngõ 5 Lạch Tray"


@pytest.mark.parametrize("fmt", FORMATS)
def test_database_unavailable_is_a_georeport_503(client, monkeypatch, fmt):
    from sqlalchemy.exc import OperationalError

    from complaints.services import open311

    def locked(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(open311, "list_services", locked)
    response = client.get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    code, description = _error_of(response, fmt)
    assert code == 503 and description.startswith("Đã có lỗi xảy ra.")


# --- The same post again (an app retrying): one petition ---------------------------------------

def _cases() -> int:
    return db.session.scalar(select(db.func.count(Case.id)))


def test_the_same_post_again_the_same_day_answers_with_the_first_request(client):
    first = post(client)
    again = post(client)
    english = client.post("/open311/v2/requests.json", headers={"Accept-Language": "en"},
                          data={"api_key": KEY, "service_code": "environment",
                                "lat": "20.8449", "long": "106.6881",
                                "address_string": "Ngõ 5 Lạch Tray",
                                "description": "Rác thải đổ trộm ven sông",
                                "first_name": "Văn An", "last_name": "Nguyễn",
                                "email": "an@example.vn", "phone": "0911222333"})
    assert first.status_code == again.status_code == english.status_code
    code = first.get_json()[0]["service_request_id"]
    assert again.get_json()[0]["service_request_id"] == code
    assert english.get_json()[0]["service_request_id"] == code
    assert _cases() == 1
    assert "PIN" in first.get_json()[0]["service_notice"]
    notice = again.get_json()[0]["service_notice"]
    assert "đã được nhận trong ngày" in notice and "số điện thoại" in notice
    assert "Already received today" in english.get_json()[0]["service_notice"]


def test_a_post_that_differs_or_comes_the_next_day_is_a_new_petition(client, monkeypatch):
    from datetime import timedelta

    from complaints import clock

    first = post(client).get_json()[0]["service_request_id"]
    other = post(client, description="Rác thải đổ trộm ven sông, lần này ở bến đò")
    assert other.get_json()[0]["service_request_id"] != first
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=1))
    monkeypatch.setattr(clock, "today", lambda: TODAY + timedelta(days=1))
    tomorrow = post(client)
    assert tomorrow.get_json()[0]["service_request_id"] not in (first, other.get_json()[0][
        "service_request_id"])
    assert _cases() == 3


def test_a_refused_post_sent_again_is_refused_again_and_opens_nothing(client):
    assert post(client, description=" ").status_code == 400
    assert post(client, description=" ").status_code == 400
    assert _cases() == 0


def test_the_same_post_twice_at_the_same_moment_opens_one_case(app):
    from tests.factories import run_at_once

    answers: list[str] = []

    def send(_index: int) -> None:
        response = post(app.test_client())
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        answers.append(response.get_json()[0]["service_request_id"])

    assert run_at_once(app, 2, send) == []
    assert len(answers) == 2 and answers[0] == answers[1]
    assert _cases() == 1
