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


@pytest.mark.parametrize("overrides, message", [
    ({"lat": "91"}, "lat must be between -90 and 90"),
    ({"lat": "-90.5"}, "lat must be between -90 and 90"),
    ({"long": "180.01"}, "long must be between -180 and 180"),
    ({"long": "nan"}, "long must be between -180 and 180"),
    ({"lat": "inf"}, "lat must be between -90 and 90"),
    ({"long": None}, "lat and long must be given together"),
    ({"address_string": "x" * 256}, "address_string must be at most 255"),
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
    assert "full_name: Tối đa 200 ký tự." in vi.get_json()[0]["description"]
    data = {"api_key": KEY, "service_code": "environment", "address_string": "Chợ Sắt",
            "last_name": long_name, "phone": "0911222333"}
    en = client.post("/open311/v2/requests.json", data=data,
                     headers={"Accept-Language": "en"})
    assert en.status_code == 400
    assert "full_name: At most 200 characters." in en.get_json()[0]["description"]


@pytest.mark.parametrize("overrides, message", [
    ({"service_code": None}, "service_code"),
    ({"service_code": "nope"}, "service_code"),
    ({"lat": None, "long": None, "address_string": None}, "location"),
    ({"lat": "abc"}, "lat"),
    ({"first_name": None, "last_name": None}, "first_name"),
    ({"email": None, "phone": None}, "email or phone"),
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
