"""QA 110: a tracking code locked by its daily limit is told "try again after one hour".

LOOKUP_CODE_LIMIT defaults to "10 per hour;20 per day" (config.py). Once 20 wrong guesses
were made on a code in a day (e.g. by someone who saw the code: the denounced agency's
staff), the citizen's own right PIN is refused for the rest of the day, but
templates/public/too_many.html says "Vui lòng thử lại sau một giờ" whatever window is full.
The submission form computes the real wait (routes._pause); the look-up page hard-codes it.
"""
import time as real_time
import types

import limits.storage.memory as memory
import pytest

from tests.integration.qa110_world import *  # noqa: F401,F403
from tests.integration.qa110_world import new_case
from tests.integration.test_public import _lookup

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa110_code_paused_for_the_day_is_not_told_one_hour(app, client, pw, monkeypatch):
    app.config["LOOKUP_LIMIT"] = "1000 per day"  # the per-address limit out of the way
    app.config["LOOKUP_CODE_LIMIT"] = "10 per hour;20 per day"  # the shipped default
    case, pin = new_case(client)
    offset = [0.0]
    monkeypatch.setattr(memory, "time", types.SimpleNamespace(
        time=lambda: real_time.time() + offset[0]))
    wrong = "000000" if pin != "000000" else "111111"
    for _hour in range(2):  # 10 wrong guesses in each of two hours
        for _ in range(10):
            _lookup(client, case.tracking_code, wrong, follow=False)
        offset[0] += 3601
    paused = _lookup(client, case.tracking_code, pin, follow=False)
    assert paused.status_code == 429
    told = paused.get_data(as_text=True)
    offset[0] += 3601  # the citizen does as told: one hour later, the right PIN
    again = _lookup(client, case.tracking_code, pin, follow=False)
    # Either the page does not promise one hour, or the promise holds.
    assert "sau một giờ" not in told or again.status_code == 302, again.status_code
