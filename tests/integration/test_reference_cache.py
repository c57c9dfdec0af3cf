"""Fields and localities are cached per process for intake: a code added elsewhere is
accepted at once (looked up when the copy lacks it), a rename made elsewhere is seen after
the re-check interval, a change made here at once."""

from complaints.extensions import db
from complaints.models import Field
from complaints.services import references, table_cache


def test_a_field_added_elsewhere_is_accepted_at_once(app):
    assert references.field("land", now=1000.0).code == "land"
    assert references.field("mining", now=1001.0) is None
    # Another process adds a field; this one was not told and its copy is fresh.
    db.session.add(Field(code="mining", name_vi="Khoáng sản", name_en="Minerals",
                         report_category="other"))
    db.session.flush()
    found = references.field("mining", now=1002.0)
    assert (found.code, found.name_en) == ("mining", "Minerals")
    assert references.field("", now=1003.0) is None


def test_a_rename_made_elsewhere_is_seen_after_the_recheck(app, make_locality):
    loc = make_locality("31005", name="Phường Cũ")
    db.session.flush()
    references.invalidate()
    assert references.locality("31005", now=1000.0).name == "Phường Cũ"
    loc.name = "Phường Mơi"  # as long as before: still seen
    db.session.flush()
    assert references.locality("31005", now=1001.0).name == "Phường Cũ"
    later = 1000.0 + table_cache.RECHECK_SECONDS + 1
    assert references.locality("31005", now=later).name == "Phường Mơi"
    assert references.locality("99999", now=later) is None
