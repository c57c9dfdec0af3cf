"""Factories returning callables: make_agency(code=…), make_user(role=…), make_case(…)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from complaints.extensions import db
from complaints.models import Agency, Locality, User
from complaints.services import intake

PASSWORD = "correct-horse-9"
_counter = itertools.count(1)


@pytest.fixture
def make_locality(app):
    def make(code: str | None = None, name: str | None = None, level: str = "commune",
             province_code: str | None = "31") -> Locality:
        if level == "province":
            province_code = None
        code = code or f"{90000 + next(_counter)}"
        existing = db.session.get(Locality, code)
        if existing:
            return existing
        if province_code and db.session.get(Locality, province_code) is None:
            db.session.add(Locality(code=province_code, name="Thành phố Hải Phòng",
                                    name_folded="thanh pho hai phong", level="province",
                                    division_type="thành phố trung ương"))
        loc = Locality(code=code, name=name or f"Phường Thử {code}",
                       name_folded=f"phuong thu {code}", level=level,
                       division_type="phường", province_code=province_code)
        db.session.add(loc)
        db.session.flush()
        return loc

    return make


@pytest.fixture
def make_agency(app):
    def make(code: str | None = None, parent: Agency | None = None, level: str = "department",
             name: str | None = None, is_inspectorate: bool = False,
             is_reception_desk: bool = False) -> Agency:
        code = code or f"AG-{next(_counter)}"
        agency = Agency(code=code, name=name or f"Cơ quan {code}", level=level, parent=parent,
                        is_inspectorate=is_inspectorate, is_reception_desk=is_reception_desk)
        db.session.add(agency)
        db.session.flush()
        return agency

    return make


@pytest.fixture
def make_user(app, make_agency):
    def make(role: str = "reception", agency: Agency | None = None,
             username: str | None = None, password: str = PASSWORD) -> User:
        if agency is None and role in ("reception", "agency_head", "agency_officer"):
            agency = make_agency()
        user = User(username=username or f"{role}{next(_counter)}", role=role, agency=agency,
                    full_name=f"Người dùng {role}")
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_case(app, make_user, make_locality):
    """Log a case through the intake service (so it has deadlines and an audit trail)."""

    def make(actor: User | None = None, kind: str = "complaint", field: str = "land",
             received_on: date = date(2026, 11, 2), petitioners: int = 1,
             subject: str = "Tranh chấp đất đai", content: str = "Nội dung đơn",
             now=None, today: date | None = None, **overrides):
        from tests.conftest import NOW, TODAY

        actor = actor or make_user("reception")
        loc = make_locality()
        people = [
            intake.PetitionerData(full_name=f"Nguyễn Văn {chr(65 + i)}",
                                  id_number=f"0312{next(_counter):08d}",
                                  phone=f"09{next(_counter):08d}",
                                  # An eligible letter gives an address (intake), and a
                                  # denouncer each one's (intake.denouncer_errors).
                                  address=f"Số {i + 1} Lạch Tray, Hải Phòng",
                                  is_representative=(i == 0 and petitioners >= 5))
            for i in range(petitioners)
        ]
        data = intake.CaseData(
            kind=kind, field_code=field, subject=subject, content=content,
            locality_code=overrides.pop("locality_code", loc.code),
            petition=intake.PetitionData(channel=overrides.pop("channel", "walk_in"),
                                         received_on=received_on, petitioners=people,
                                         history=overrides.pop("history", None)),
            **overrides,
        )
        case, pin = intake.receive_case(data, actor, now or NOW, today or TODAY)
        db.session.flush()
        case.test_pin = pin
        return case

    return make


@pytest.fixture
def make_decided(make_case):
    """A case routed to `agency`, accepted and resolved there: make_decided(reception,
    agency, decided=…, outcome=…, kind=…, **figures) (the decision's outcome figures)."""
    from complaints.services import workflow
    from tests.conftest import NOW, TODAY

    def make(reception: User, agency: Agency, decided: date = date(2026, 7, 1),
             outcome: str = "right", kind: str = "complaint", **figures):
        on = decided - timedelta(days=20)
        case = make_case(reception, kind=kind, received_on=on)
        workflow.route(case, agency.code, None, NOW, TODAY, decided_on=on)
        workflow.accept(case, None, NOW, TODAY, decided_on=on)
        workflow.resolve(case, outcome, "QĐ 7/QĐ-UBND", "Kết quả giải quyết", None, NOW,
                         TODAY, decided_on=decided, figures=figures)
        return case

    return make


@pytest.fixture
def login(client):
    """Sign a user in through the real form."""

    def do(user: User, password: str = PASSWORD):
        db.session.commit()
        return client.post("/login", data={"username": user.username, "password": password})

    return do


@pytest.fixture
def fixed_clock(monkeypatch):
    """Pin complaints.clock (what routes read) to the tests' NOW and TODAY."""
    from complaints import clock
    from tests.conftest import NOW, TODAY

    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def api(client):
    """Return a caller: api(user, method, path, json=…) with the user's bearer token."""
    cache: dict[int, str] = {}

    def call(user: User, method: str, path: str, **kwargs):
        if user.id not in cache:
            db.session.commit()
            response = client.post("/api/v1/tokens",
                                   json={"username": user.username, "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            cache[user.id] = response.get_json()["token"]
        headers = {"Authorization": f"Bearer {cache[user.id]}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def run_at_once(app, count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run work(0 … count-1) in as many threads, each in its own app context and session,
    released together; return what they raised (a thread's exception is otherwise lost)."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                work(index)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001  (returned to the test)
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures
