"""03/GQKN and 04/GQTC count the petitions (đơn) of their matters beside the matters
(vụ việc): reports.md, "Every form counts both số đơn and số vụ việc".

Units: province P, department D, commune C, desk DESK. Quarter 3/2026 (15/06 – 14/09).
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import reports, workflow
from tests.conftest import NOW, TODAY
from tests.integration.resolution_world import desk_world

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)
Q4 = forms.quarter_period(2026, 4)


@pytest.fixture
def new(make_agency, make_user, make_case):
    return desk_world(make_agency, make_user, make_case)


def _accept(case, unit, on):
    workflow.route(case, unit, None, NOW, TODAY, decided_on=on)
    workflow.accept(case, None, NOW, TODAY, decided_on=on)


def _row(code, unit, period=Q3):
    report = reports.build_report(code, "P", period)
    return {u.code: r for u, r in zip(report.units, report.rows, strict=True)}[unit]


def _petitions(code, row):
    first = {"03/GQKN": 25, "04/GQTC": 22}[code]
    return [row[str(first + i)] for i in range(5)]  # total, carried, accepted, resolved,
    # pending


def test_columns_are_appended_and_named_in_both_languages():
    for code, first in (("03/GQKN", 25), ("04/GQTC", 22)):
        form = forms.FORMS[code]
        new = [c for c in form.columns if int(c.code) >= first]
        assert [c.code for c in new] == [str(first + i) for i in range(5)]
        assert all("số đơn" in c.vi.lower() and "petitions" in c.en.lower() for c in new)
        assert new[0].formula == f"{first}={first + 1}+{first + 2}"
        assert new[4].formula == f"{first + 4}={first}-{first + 3}"


def test_letters_of_carried_accepted_and_resolved_matters(new):
    """D: complaint A carried over (accepted 10/06) with 2 letters, resolved 20/07;
    complaint B accepted 01/07 with 3 letters (one received 20/09, after the cut-off: not
    in Q3), open. C: denunciation T accepted 01/07 with 2 letters, open."""
    a = new(letters=[date(2026, 6, 5)])
    _accept(a, "D", date(2026, 6, 10))
    workflow.resolve(a, "right", "QĐ 1", "Kết quả", None, NOW, TODAY,
                     decided_on=date(2026, 7, 20))
    b = new(received=date(2026, 6, 20), letters=[date(2026, 6, 25), date(2026, 9, 20)])
    _accept(b, "D", date(2026, 7, 1))
    t = new("denunciation", received=date(2026, 6, 20), letters=[date(2026, 7, 5)])
    _accept(t, "C", date(2026, 7, 1))
    db.session.commit()
    d = _row("03/GQKN", "D")
    assert (d["1"], d["2"], d["3"], d["4"], d["15"]) == (2, 1, 1, 1, 1)
    assert _petitions("03/GQKN", d) == [4, 2, 2, 2, 2]
    c = _row("04/GQTC", "C")
    assert (c["1"], c["3"], c["14"]) == (1, 1, 1)
    assert _petitions("04/GQTC", c) == [2, 0, 2, 0, 2]
    # Q4 carries B over with the two letters Q3 left pending; the one of 20/09 was
    # received in Q4 and is new there (QA round 95: it was counted carried over).
    assert _petitions("03/GQKN", _row("03/GQKN", "D", Q4)) == [3, 2, 1, 0, 3]


def test_a_matter_moved_after_the_period_keeps_its_letters_there(new):
    """D accepts complaint M (2 letters) on 01/07 and transfers it to C on 20/09: Q3 is
    unchanged — the history counts the matter and both its letters at D."""
    m = new(received=date(2026, 6, 20), letters=[date(2026, 6, 28)])
    _accept(m, "D", date(2026, 7, 1))
    db.session.commit()
    before = _row("03/GQKN", "D")
    assert _petitions("03/GQKN", before) == [2, 0, 2, 0, 2]
    workflow.transfer(m, "C", "Thuộc xã", None, NOW, TODAY, decided_on=date(2026, 9, 20))
    db.session.commit()
    assert _row("03/GQKN", "D") == before
