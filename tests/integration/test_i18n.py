"""Translations: every source string has an English translation, and English really shows.

The msgids are Vietnamese (the default UI); complaints/translations/en carries the English
and complaints/translations/vi exists with empty msgstrs (gettext falls back to the msgid).

Workflow when you add or change a string (see babel.cfg and `make i18n`):

    make i18n     # extract into messages.pot, merge into vi/ and en/ messages.po
    $EDITOR complaints/translations/en/LC_MESSAGES/messages.po   # fill every empty msgstr
    make babel    # compile the .mo files the app reads (make test / make run do it too)

test_every_msgid_is_translated_to_english extracts the strings itself (same babel.cfg and
keywords as `make i18n`), so a string added to a template or a view without an English
translation fails the suite, naming the string and where it is used.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import g

from complaints.domain.catalog import ROLES
from complaints.extensions import db
from tests.conftest import _Client

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "complaints" / "translations"


def _makefile_keywords() -> dict:
    """The extra `-k` keywords of `make i18n` (I18N_KEYWORDS), so both extract the same."""
    match = re.search(r"^I18N_KEYWORDS\s*:?=(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "Makefile: I18N_KEYWORDS (used by the i18n target) not found"
    return parse_keywords(re.findall(r"-k\s*(\S+)", match.group(1)))


# A %-placeholder: %(name)s, %s, %d, %.2f, %% …  Jinja's newstyle gettext applies `%` to
# every translated template string, so the English must use exactly the msgid's ones.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>\w+)\))?"  # mapping key
    r"[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)


def _extract() -> dict[tuple[str, str | None], list[str]]:
    """Return {(msgid, msgctxt): ["file:line", …]} for every string in code and templates."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(ROOT / "babel.cfg"))
    found: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={**DEFAULT_KEYWORDS, **_makefile_keywords()}
    ):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found[(msgid, context)].append(f"{filename}:{lineno}")
    return found


def _catalog(lang: str):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make i18n`")
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=lang)


def _placeholders(text: str) -> tuple[list[tuple[str | None, str]], int]:
    """The placeholders of a string, sorted, and how many stray '%' it has left over."""
    tokens = [(m.group("name"), m.group("conv")) for m in PLACEHOLDER.finditer(text)]
    return sorted(tokens, key=repr), PLACEHOLDER.sub("", text).count("%")


def _brace_fields(text: str) -> list[str]:
    """The str.format fields of a string ({max}, {min:d} …), sorted."""
    try:
        return sorted(name or "" for _lit, name, _spec, _conv in Formatter().parse(text)
                      if name is not None)
    except ValueError:
        return ["<malformed>"]


def _describe(msgid: str, context: str | None, where: list[str]) -> str:
    ctx = f" [msgctxt {context!r}]" if context else ""
    return f"  {msgid!r}{ctx}  ({', '.join(where[:3])}{', …' if len(where) > 3 else ''})"


def test_the_extractor_finds_strings_in_code_and_templates():
    """Guard the guard: babel.cfg must reach Python (_ and _l) and Jinja templates."""
    found = _extract()
    files = {w.split(":")[0] for where in found.values() for w in where}
    assert any(f.startswith("templates/") for f in files), "babel.cfg misses templates/"
    assert any(f.startswith("complaints/") for f in files), "babel.cfg misses complaints/"
    assert ("Đăng xuất", None) in found  # {{ _('…') }} in templates/base.html
    assert ("Tên đăng nhập", None) in found  # _l('…') in complaints/web/auth/forms.py


def test_every_msgid_is_translated_to_english():
    found = _extract()
    en = _catalog("en")
    vi = _catalog("vi")
    problems: dict[str, list[str]] = defaultdict(list)
    for (msgid, context), where in sorted(found.items()):
        line = _describe(msgid, context, where)
        if vi.get(msgid, context) is None:
            problems["missing from vi/LC_MESSAGES/messages.po"].append(line)
        message = en.get(msgid, context)
        if message is None:
            problems["missing from en/LC_MESSAGES/messages.po"].append(line)
            continue
        forms = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if not all(form and form.strip() for form in forms):
            problems["untranslated in en (empty msgstr)"].append(line)
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        expected = [_placeholders(i) for i in ids]
        if "python-brace-format" in message.flags:  # _l("Tối đa {max} ký tự.")
            expected_braces = [_brace_fields(i) for i in ids]
        else:
            expected_braces = None
        for form in forms:
            if _placeholders(form) not in expected or (
                    expected_braces is not None and _brace_fields(form) not in expected_braces):
                problems["placeholders differ between msgid and the English"].append(
                    f"{line}\n      en: {form!r}")
                break
    # Fuzzy entries are not compiled (the UI would silently fall back to Vietnamese).
    for lang, catalog in (("en", en), ("vi", vi)):
        for message in catalog:
            if message.id and message.fuzzy:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                problems[f"fuzzy in {lang} (check the msgstr, then delete '#, fuzzy')"].append(
                    _describe(msgid, message.context, [loc for loc, _n in message.locations]))
    if problems:
        report = "\n".join(f"{title}:\n" + "\n".join(lines) for title, lines in problems.items())
        pytest.fail(
            "The English catalog is incomplete. Run `make i18n`, translate in "
            "complaints/translations/en/LC_MESSAGES/messages.po, then `make babel`.\n" + report,
            pytrace=False,
        )


class _LocaleClient(_Client):
    """conftest's client, also forgetting the locale Flask-Babel caches in `g`.

    The test's app context (and so `g`) outlives each request; without this, the locale of
    the first page rendered in a test would stick after a switch of language.
    """

    def open(self, *args, **kwargs):
        g.pop("_flask_babel", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    """Overrides conftest's `client` here (the `login` fixture then uses this one too)."""
    app.test_client_class = _LocaleClient
    return app.test_client()


@pytest.fixture
def compiled_catalogs():
    """The app reads the compiled .mo files: make sure `make babel` has been run."""
    for lang in ("vi", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo.relative_to(ROOT)} is missing or older than its .po: "
                        "run `make babel`", pytrace=False)


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("compiled_catalogs")
@pytest.mark.parametrize("role", list(ROLES))
def test_default_language_is_vietnamese(client, make_user, login, role):
    login(make_user(role))
    html = _html(client.get("/", follow_redirects=True))
    assert '<html lang="vi">' in html
    assert "Đăng xuất" in html
    assert "Sign out" not in html


@pytest.mark.usefixtures("compiled_catalogs")
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_can_switch_to_english(client, make_user, login, role):
    user = make_user(role)
    login(user)
    response = client.get("/lang/en?next=/", follow_redirects=True)
    html = _html(response)
    assert response.request.path != "/"  # landed on the role's home
    assert '<html lang="en">' in html
    assert "Sign out" in html
    assert "Đăng xuất" not in html
    assert "Tiếng Việt" in html  # the switch back

    # And back again.
    html = _html(client.get("/lang/vi?next=/", follow_redirects=True))
    assert "Đăng xuất" in html
    assert "Sign out" not in html

    # Remembered for the account with the next form sent (a GET stores nothing).
    client.get("/lang/en")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).locale != "en"
    client.post("/logout")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).locale == "en"


@pytest.mark.usefixtures("compiled_catalogs")
def test_english_reaches_python_strings_and_form_labels(client, make_user, login):
    """gettext in views (flash) and lazy_gettext in forms follow the language too."""
    login(make_user("reception"))
    client.get("/lang/en?next=/")
    html = _html(client.post("/logout", follow_redirects=True))
    assert "You have signed out." in html
    assert "Username" in html and "Password" in html
    assert "Tên đăng nhập" not in html

    response = client.post("/login", data={"username": "nobody", "password": "wrong"})
    assert response.status_code == 401
    assert "Incorrect username or password." in response.get_data(as_text=True)


def test_deadline_explanations_speak_the_readers_language(client, make_user, login,
                                                          make_case, api):
    # Found by a QA pass: the stored (Vietnamese) explanation showed on English pages.
    clerk = make_user("reception")
    case = make_case(actor=clerk, kind="feedback")
    login(clerk)
    client.get("/lang/en?next=/")
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert "10 working days from" in page and "kể từ ngày" not in page
    english = api(clerk, "GET", f"/cases/{case.tracking_code}?lang=en").get_json()
    assert english["deadlines"][0]["rule"].startswith("10 working days from 02/11/2026 "
                                                      "(Circular 05/2021/TT-TTCP")
    vietnamese = api(clerk, "GET", f"/cases/{case.tracking_code}?lang=vi").get_json()
    assert vietnamese["deadlines"][0]["rule"] == case.deadlines[0].rule
    assert "kể từ ngày" in vietnamese["deadlines"][0]["rule"]


def test_filing_reasons_follow_the_page_language(client, make_user, login, make_case):
    # Found by a QA pass: the reasons for filing a petition away stayed in Vietnamese.
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    login(clerk)
    assert "Đơn trùng" in client.get(f"/reception/cases/{case.tracking_code}").text
    client.get("/lang/en?next=/")
    page = client.get(f"/reception/cases/{case.tracking_code}").text
    assert ">Duplicate (đơn trùng)<" in page and "Đơn trùng" not in page


def test_agencies_are_named_in_the_readers_language(client, make_user, login, make_case,
                                                    make_agency):
    # Found by a QA pass: English pages named agencies in Vietnamese, and the timeline
    # showed a bare code ("To: SO-TNMT").
    from complaints.services import workflow
    from tests.conftest import NOW, TODAY

    agency = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    agency.name_en = "Department of Natural Resources and Environment"
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    workflow.route(case, "SO-TNMT", clerk, NOW, TODAY)
    head = make_user("agency_head", agency=agency)
    login(head)
    page = client.get(f"/agency/cases/{case.tracking_code}").text
    assert "Sở Tài nguyên và Môi trường" in page and "Đến: SO-TNMT" not in page
    client.get("/lang/en?next=/")
    page = client.get(f"/agency/cases/{case.tracking_code}").text
    assert "Department of Natural Resources and Environment" in page
    assert "Sở Tài nguyên và Môi trường" not in page and "To: SO-TNMT" not in page
