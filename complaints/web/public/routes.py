"""Citizens' pages (no sign-in): submit online, look a case up, rate it, appeal.

No personal data and no PIN ever travels in a URL: the look-up is a POST and the case a
citizen has opened is remembered in the (signed, HTTP-only) session cookie.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from datetime import date, timedelta

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from complaints import clock
from complaints.domain.catalog import KINDS, PETITION_HISTORY
from complaints.domain.policies import SOURCES, source_in
from complaints.domain.text import name_order, normal_tracking_code
from complaints.extensions import db, limiter
from complaints.models import Case, Field, Locality
from complaints.services import intake, public
from complaints.services.case_view import agency_name
from complaints.services.errors import NotFound, ValidationFailed
from complaints.web import sealed
from complaints.web.i18n import translate
from complaints.web.public import bp
from complaints.web.public.forms import FeedbackForm, LookupForm, SecondComplaintForm, SubmitForm
from complaints.web.public.schemas import PublicCaseSchema

logger = logging.getLogger(__name__)

CASE_KEY = "public_case"  # the tracking code a citizen proved with the PIN
# Who opened the case by phone (petitioner ids, public.opened_by; none: with its PIN): one
# who withdrew since follows it, but does not rate or appeal it in the others' names.
OPENED_BY_KEY = "public_case_opened_by"
PIN_TAG_KEY = "public_case_pin"  # intake.pin_tag of the PIN current when the case was opened
RECEIPT_KEY = "public_receipt"  # tracking code and PIN to show once after a submission
# The last request that used the opened case (POSIX seconds): idle SESSION_IDLE_MINUTES,
# it is closed, as the session cookie's own expiry once did (a shared computer).
CASE_SEEN_KEY = "public_case_seen"
CASE_KEYS = (CASE_KEY, OPENED_BY_KEY, PIN_TAG_KEY, CASE_SEEN_KEY)


@bp.app_template_filter("isovndate")
def isovndate(value) -> str:
    """Format an ISO date string (as dumped by a schema) as dd/mm/yyyy."""
    if not value:
        return ""
    return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")


@bp.app_template_filter("isodate")
def isodate(value) -> date | None:
    """An ISO date string (as dumped by a schema) as a date, for the date filters."""
    return date.fromisoformat(str(value)[:10]) if value else None


@bp.errorhandler(429)
def too_many(exc):
    """Tell the citizen to wait, in words (the limit is per address)."""
    if request.endpoint == "public.submit":
        return _submission_paused()
    if request.endpoint == "public.second_complaint" and (found := _session_case()):
        # As the online form: the reason typed comes back, with the time to send it again.
        form = _second_complaint_sent()
        logger.info("second complaint paused from %s", request.remote_addr)
        # Typed on another case's page: shown on this one's, it would be sent as its own
        # after the pause (QA round 85).
        if (other := _typed_for_another(found, form, form.reason)) is not None:
            return other
        return _render_case(found, appeal_form=form, status=429, paused=_pause())
    hit = limiter.current_limit
    lookup = request.endpoint == "public.lookup"
    by_code = hit is not None and "code:" in (hit.key or "")
    # The real wait (a code paused for the day was told "after one hour": QA 110).
    paused = (_pause(("LOOKUP_CODE_LIMIT",) if by_code else ("LOOKUP_LIMIT",))
              if lookup and hit is not None else None)
    return render_template("public/too_many.html", lookup=lookup, by_code=by_code,
                           paused=paused), 429


@bp.errorhandler(413)
def too_large(exc):
    """A request over MAX_CONTENT_LENGTH is not read at all, so what was typed cannot come
    back (the page's script stops such files before sending: static/files.js). The form
    page says why and what to do, rather than a bare error page."""
    if request.endpoint != "public.submit":
        return render_template("errors/error.html", status=413,
                               message=_("Tệp tải lên quá lớn.")), 413
    form = SubmitForm(formdata=None)
    _fill_choices(form)
    form.draft.data = secrets.token_urlsafe(12)
    form.attachments.errors = [_(
        "Các tệp gửi kèm quá lớn (tối đa %(n)s tệp, mỗi tệp %(mb)s MB) nên đơn chưa được "
        "gửi và nội dung chưa được nhận: vui lòng nhập lại và chọn tệp nhỏ hơn.",
        n=public.MAX_FILES, mb=public.MAX_FILE_BYTES // (1024 * 1024))]
    return _submit_page(form, 413)


def _lang() -> str:
    return str(get_locale() or "vi")


def _fill_choices(form: SubmitForm) -> None:
    lang = _lang()
    form.kind.choices = [SelectChoice(code, pair[1] if lang == "en" else pair[0])
                         for code, pair in KINDS.items()]
    # Sorted as the reader reads the names (like the communes below): a code-point order puts
    # "Đất đai" after "Xây dựng".
    fields = sorted(db.session.scalars(select(Field).where(Field.active.is_(True))),
                    key=lambda f: name_order(f.name(lang)))
    form.field.choices = [SelectChoice("", _("— Chọn lĩnh vực —"))] + [
        SelectChoice(f.code, f.name(lang)) for f in fields]
    province = f"{int(current_app.config['PROVINCE_CODE']):02d}"
    places = sorted(db.session.scalars(select(Locality).where(
        Locality.level == "commune", Locality.province_code == province)),
        key=lambda loc: name_order(loc.name))
    form.locality_code.choices = [SelectChoice("", _("— Không rõ / không chọn —"))] + [
        SelectChoice(loc.code, loc.name) for loc in places]
    # The history of the matter as a citizen knows it; blank: the desk's rules derive it.
    form.history.choices = [SelectChoice("", _("Gửi lần đầu, hoặc không rõ"))] + [
        SelectChoice(code, en if lang == "en" else vi)
        for code, (vi, en) in PETITION_HISTORY.items() if code != "first"]


def _submission(form: SubmitForm) -> public.OnlineSubmission:
    return public.OnlineSubmission(
        kind=form.kind.data, field_code=form.field.data, subject=form.subject.data or "",
        content=form.content.data or "", full_name=form.full_name.data or "",
        locality_code=form.locality_code.data or None, phone=form.phone.data or None,
        email=form.email.data or None, address=form.address.data or None,
        id_number=form.id_number.data or None, history=form.history.data or None,
    )


def _uploads() -> list[tuple[bytes, str | None]]:
    files = []
    for item in request.files.getlist("attachments"):
        if item and item.filename:
            files.append((item.read(public.MAX_FILE_BYTES + 1), item.filename))
    return files


# The service's error keys the public forms name otherwise: the online form's one person
# is intake's "petitioners.0." (QA round 59: a control character in the name or address was
# told in the summary only), and the second complaint's reason is the new case's content.
SUBMIT_ALIASES = {"field_code": "field", "petition.petitioners": "full_name",
                  "petitioners": "full_name"}
SECOND_COMPLAINT_ALIASES = {"content": "reason"}


def _field(form, key: str, aliases: dict[str, str]):
    """The form's field a service error key names, or None."""
    name = aliases.get(key, key)
    for prefix in ("petition.", "petitioners.0."):
        name = name.removeprefix(prefix)
    target = getattr(form, aliases.get(name, name), None)
    return target if target is not None and hasattr(target, "errors") else None


def _attach_errors(form, errors: dict[str, str], aliases: dict[str, str] | None = None) -> None:
    """Put service errors next to their fields (unknown keys go to the summary)."""
    for key, message in errors.items():
        target = _field(form, key, SUBMIT_ALIASES if aliases is None else aliases)
        if target is not None:
            target.errors = list(target.errors) + [translate(message)]
        else:
            form.form_errors.append(translate(message))


@bp.route("/")
def home():
    """Explain to citizens what they can do here."""
    return render_template("public/home.html")


# Online submissions have two limits per address (config.py):
# - SUBMIT_LIMIT counts accepted petitions only (deduct_when): a citizen who mistyped and
#   corrected the form, or several people at one kiosk or behind one carrier NAT, must not
#   be shut out by posts that were refused and saved nothing.
# - SUBMIT_ATTEMPT_LIMIT counts every POST, refused ones too, with a much higher bound: a
#   refused post saves nothing, but still carries up to MAX_CONTENT_LENGTH of uploads and
#   costs a few queries, so a flood of invalid posts is still stopped. Its own scope keeps
#   its counters apart from SUBMIT_LIMIT's even when both are set to the same numbers.
# Either one reached, the form comes back with what was typed and when to try again.
ATTEMPTS_SCOPE = "attempts"


# Kept on the request itself, not on `g`: `g` belongs to the app context, which outlives
# one request wherever a context is already pushed (the tests' client), so one accepted
# petition made every later refused post count (QA round 17).
ACCEPTED = "complaints.submission_accepted"


def _submission_accepted(response) -> bool:
    return bool(request.environ.get(ACCEPTED))


def _wait_seconds(settings: tuple[str, ...] = ("SUBMIT_LIMIT", "SUBMIT_ATTEMPT_LIMIT")) -> int:
    """Seconds until this address (or tracking code) may post the form again; `settings`:
    the limits of the route.

    Flask-Limiter stops at the first window found full (the shortest); a longer one of
    the same limit (the day after the hour) may be full too, and then the wait is the
    latest of their resets, or the citizen would be told a time that is refused again.
    """
    hit = limiter.current_limit
    if hit is None:  # not from a limit of this route (cannot happen); be cautious
        return 3600
    reset = hit.window.reset_time
    for setting in settings:
        items = parse_many(current_app.config[setting])
        if hit.limit in items:
            for item in items:
                window = limiter.limiter.get_window_stats(item, *hit.request_args)
                if window.remaining < 1:
                    reset = max(reset, window.reset_time)
            break
    return max(1, math.ceil(reset - time.time()))


def _submission_paused():
    """The form again with what was typed (429), and from when it can be sent."""
    form = SubmitForm()
    _fill_choices(form)
    paused = _pause()
    logger.info("online submission paused from %s", request.remote_addr)
    return _submit_page(form, 429, paused=paused)


def _pause(settings: tuple[str, ...] = ("SUBMIT_LIMIT", "SUBMIT_ATTEMPT_LIMIT")) -> dict:
    """When this address may post again, in words: {"when": "HH:MM", "wait": "N phút"}."""
    seconds = _wait_seconds(settings)
    minutes = math.ceil(seconds / 60)
    if minutes <= 90:
        wait = ngettext("%(num)s phút", "%(num)s phút", minutes)
    else:
        wait = ngettext("%(num)s giờ", "%(num)s giờ", math.ceil(minutes / 60))
    # Shown to the minute, rounded up: never a time at which the form is refused again.
    moment = (clock.now() + timedelta(seconds=seconds)).astimezone(clock.LOCAL_TZ)
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    when = moment.strftime("%H:%M")
    if moment.date() != clock.today():
        when = _("%(time)s ngày %(date)s", time=when, date=moment.strftime("%d/%m/%Y"))
    return {"when": when, "wait": wait}


def _submit_page(form: SubmitForm, status: int, paused: dict | None = None):
    return render_template("public/submit.html", form=form, paused=paused,
                           max_files=public.MAX_FILES, max_bytes=public.MAX_FILE_BYTES,
                           max_mb=public.MAX_FILE_BYTES // (1024 * 1024)), status


@bp.route("/gui-don", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], methods=["POST"],
               deduct_when=_submission_accepted)
@limiter.limit(lambda: current_app.config["SUBMIT_ATTEMPT_LIMIT"], methods=["POST"],
               scope=ATTEMPTS_SCOPE)
def submit():
    """Send a petition online, without an account (gửi đơn trực tuyến)."""
    form = SubmitForm()
    _fill_choices(form)
    if request.method == "POST" and (form.website.data or "").strip():
        logger.info("online submission refused: honeypot filled from %s", request.remote_addr)
        return render_template("public/refused.html"), 400
    if not form.draft.data:
        form.draft.data = secrets.token_urlsafe(12)
    if request.method == "POST" and (done := intake.submitted_case(form.draft.data)):
        return _sent_already(done)
    if form.validate_on_submit():
        try:
            case, pin = public.submit_online(
                _submission(form), current_app.config["ONLINE_RECEPTION_AGENCY_CODE"],
                clock.now(), clock.today(), files=_uploads())
            intake.record_submission(form.draft.data, case.id, clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            _attach_errors(form, exc.errors)
        except NotFound:
            db.session.rollback()
            abort(503)
        except IntegrityError:
            db.session.rollback()  # the same form, sent at the same moment, was saved
            if done := intake.submitted_case(form.draft.data):
                return _sent_already(done)
            raise
        else:
            public.queue_receipt_email(case, form.email.data, clock.now())
            db.session.commit()
            request.environ[ACCEPTED] = True  # counts toward SUBMIT_LIMIT (deduct_when)
            sealed.put(RECEIPT_KEY, {"code": case.tracking_code, "pin": pin,
                                    "email": bool(form.email.data), "second": False})
            return redirect(url_for("public.submitted"))
    elif request.method == "POST":
        # One round: the service's reasons too, for the fields the form found no fault with.
        _attach_errors(form, {
            key: message for key, message in public.validate_submission(
                _submission(form)).items()
            if not getattr(_field(form, key, SUBMIT_ALIASES), "errors", None)})
    if request.method == "POST":
        _files_not_kept(form)
    return _submit_page(form, 422 if request.method == "POST" else 200)


def _files_not_kept(form: SubmitForm) -> None:
    """A refused form cannot give back the files chosen (a browser refills no file input):
    say so by the field and in the summary, naming them, or the citizen corrects the
    subject and sends the petition without its evidence (QA 110)."""
    chosen = [item.filename for item in request.files.getlist("attachments")
              if item and item.filename]
    if not chosen or form.attachments.errors:
        return
    names = ", ".join(name[:60] for name in chosen[:public.MAX_FILES])
    form.attachments.errors = [_("Đơn chưa được gửi nên tệp đã chọn (%(names)s) chưa được "
                                 "lưu: chọn lại tệp trước khi gửi.", names=names)]


def _sent_already(code: str):
    """The same form sent again: its receipt if not shown yet, else say it was sent."""
    receipt = sealed.peek(RECEIPT_KEY)
    if receipt and receipt.get("code") == code and not receipt.get("_shown"):
        return redirect(url_for("public.submitted"))
    # Files chosen again are not added either (a Back to attach one: QA 98): said, with
    # where papers are added.
    flash(_("Đơn này đã được gửi (mã hồ sơ %(code)s); không gửi thêm lần nữa, kể cả tệp "
            "chọn lại. Tra cứu bằng mã hồ sơ và mã PIN đã hiện khi gửi; muốn bổ sung tài "
            "liệu, gửi đến cơ quan giải quyết hoặc nơi bạn đã nộp đơn.", code=code), "info")
    return redirect(url_for("public.lookup"))


@bp.route("/da-gui")
def submitted():
    """Show the tracking code and PIN once, right after a submission."""
    receipt = sealed.once(RECEIPT_KEY)  # a reload forgets it; the language link does not
    if not receipt:
        return redirect(url_for("public.home"))
    # The handling deadline this petition got (its kind's policy), not a figure in the text.
    case = db.session.scalar(select(Case).where(Case.tracking_code == receipt.get("code")))
    handling = case.deadline("handling") if case is not None else None
    # A second complaint goes straight to the agency above: its next date is acceptance.
    acceptance = case.deadline("acceptance") if case is not None else None
    return render_template("public/submitted.html", receipt=receipt, handling=handling,
                           acceptance=acceptance)


def _refund_lookup() -> None:
    """Give back what a look-up that opened its case took from LOOKUP_LIMIT and
    LOOKUP_CODE_LIMIT: only failed guesses use them up.

    Every look-up is counted before its PIN is checked, in one atomic step of the store:
    tested before and counted after (Flask-Limiter's deduct_when), guesses sent at once all
    passed the test (QA 93: 8 of 8 PINs checked against a limit of 3). The refund is the
    fixed window's counter less one; a store that refuses a negative step (memcached)
    keeps it, and a citizen's own look-ups then count too (logged once per process).
    """
    from limits.strategies import FixedWindowRateLimiter

    if not isinstance(limiter.limiter, FixedWindowRateLimiter):
        return
    for hit in limiter.current_limits:
        try:
            limiter.storage.incr(hit.key, hit.limit.get_expiry(), amount=-1)
        except Exception:  # noqa: BLE001  (a store's own errors: the count stays)
            if not _REFUND_REFUSED:
                _REFUND_REFUSED.append(True)
                logger.warning("rate-limit store cannot count down: successful look-ups "
                               "count towards LOOKUP_LIMIT", exc_info=True)
            return


_REFUND_REFUSED: list[bool] = []


def _code_looked_up() -> str:
    """The rate-limit key of a look-up's tracking code, as lookup normalises it: the code
    typed with or without its hyphen is one code, counted once."""
    code = normal_tracking_code(request.form.get("tracking_code"))[:20]
    return f"code:{code}" if code else ""


@bp.route("/tra-cuu", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOOKUP_CODE_LIMIT"], methods=["POST"],
               key_func=_code_looked_up, scope="lookup-code")
@limiter.limit(lambda: current_app.config["LOOKUP_LIMIT"], methods=["POST"])
def lookup():
    """Look a case up with its tracking code and PIN (or phone); POST only, no data in URLs."""
    form = LookupForm()
    if form.validate_on_submit():
        case = public.lookup(form.tracking_code.data, form.secret.data)
        if case is not None:
            session[CASE_KEY] = case.tracking_code
            session[CASE_SEEN_KEY] = clock.now().timestamp()
            session[PIN_TAG_KEY] = intake.pin_tag(case)
            session[OPENED_BY_KEY] = public.opened_by(case, form.secret.data)
            _refund_lookup()
            return redirect(url_for("public.case"))
        # One message whether the code exists or not: the page reveals nothing. Beside the
        # PIN box, which comes back empty, and in the error summary that errors.js focuses,
        # linking to it (QA 97: a separate alert took no focus and said nothing of the box).
        form.secret.errors = [_("Mã hồ sơ hoặc mã PIN / số điện thoại không đúng.")]
    form.secret.data = ""  # never echo the PIN back
    return render_template("public/lookup.html", form=form)


PIN_REISSUED = "complaints.pin_reissued"  # on the request: the case's page closed on purpose


def _session_case():
    code = session.get(CASE_KEY)
    if not code:
        return None
    seen, now = session.get(CASE_SEEN_KEY), clock.now().timestamp()
    if not isinstance(seen, (int, float)) \
            or now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        for key in CASE_KEYS:
            session.pop(key, None)
        return None
    session[CASE_SEEN_KEY] = now
    case = public._find(code)
    if case is not None and session.get(PIN_TAG_KEY) != intake.pin_tag(case):
        case = None  # opened before the desk reissued the PIN: look it up again
        request.environ[PIN_REISSUED] = True
    if case is None:
        session.pop(CASE_KEY, None)
    return case


def _withdrew(case) -> bool:
    people = session.get(OPENED_BY_KEY)
    return isinstance(people, list) and public.withdrew(
        case, [p for p in people if isinstance(p, int)])


def _session_gone(message: str, kept):
    """A form sent once this browser's session holds no case (it was closed on this device
    in another tab): the look-up page (422) says so and gives what was typed back,
    read-only, to copy (QA round 82). Echoing the browser's own POST reveals nothing, and
    CSRF keeps other sites from posting it. A PIN reissued at the desk closed the page on
    purpose (the receipt may be in other hands): the look-up page, as before. (A cookie
    gone altogether takes the CSRF token with it: that 400 is csrf_error's.)"""
    if request.environ.get(PIN_REISSUED):
        return redirect(url_for("public.lookup"))
    return _not_sent(message, kept)


def _not_sent(message: str, kept):
    """The look-up page (422) saying why a form was not sent, with its text read-only."""
    return render_template("public/lookup.html", form=LookupForm(formdata=None),
                           ended=message, kept=kept if (kept.data or "").strip() else None), 422


def _typed_for_another(found, form, kept):
    """A form sent from the page of a case other than the one this browser has open now (a
    second case looked up in another tab): sent on, it would file one case's second
    complaint or rating on the other (QA round 84). Refused on the look-up page, naming
    both, with the text to copy. A form with no code (a page shown before this release) is
    taken as the open case's."""
    sent = normal_tracking_code(form.tracking_code.data)
    if not sent or sent == found.tracking_code:
        return None
    return _not_sent(_("Chưa gửi: nội dung này được nhập trên trang của hồ sơ %(sent)s, "
                       "nhưng thiết bị này nay đang mở hồ sơ %(open)s. Để không gửi nhầm "
                       "hồ sơ, hãy tra cứu lại hồ sơ %(sent)s rồi gửi lại.",
                       sent=sent[:40], open=found.tracking_code), kept)


def _not_theirs():
    flash(_("Bạn đã rút đơn khỏi hồ sơ này: hồ sơ tiếp tục được giải quyết cho những người "
            "còn lại; bạn không đánh giá hay khiếu nại lần hai thay họ."), "info")
    return redirect(url_for("public.case"))


def _render_case(case, feedback_form=None, appeal_form=None, status=200, paused=None):
    today = clock.today()
    people = session.get(OPENED_BY_KEY)
    # Opened by phone: the split letters' codes only of the letters that person signed.
    opened_by = [p for p in people if isinstance(p, int)] if isinstance(people, list) else []
    record = PublicCaseSchema().dump(public.public_record(case, today, _lang(), opened_by))
    feedback = public.feedback_of(case)
    window = public.appeal_window(case)
    withdrew = _withdrew(case)
    can_rate = public.rating_refusal(case) is None and feedback is None and not withdrew
    appeal = None if withdrew else public.second_complaint_offered(case, today)
    second = public.second_complaint_of(case)
    return render_template(
        "public/case.html", case=record, today=today, feedback=feedback, withdrew=withdrew,
        can_rate=can_rate,
        # A form sent and refused that the page no longer offers: its section still says
        # why and keeps what was typed (QA round 76), read-only.
        rating_refused=feedback_form is not None and not can_rate and feedback is None,
        appeal_refused=appeal_form is not None and appeal is None and not withdrew,
        feedback_form=feedback_form or FeedbackForm(formdata=None),
        appeal=appeal,
        second=second, second_theirs=second is not None and public.signed_by_them(second, case),
        appeal_form=_appeal_form(appeal_form, appeal),
        window=window,
        court_source=source_in(SOURCES["complaint_7"][0], _lang()),
        paused=paused,
    ), status


def _appeal_form(form: SecondComplaintForm | None, appeal) -> SecondComplaintForm:
    """The offered form worded by its ground; one refused keeps the ground it was sent on."""
    form = form or SecondComplaintForm(formdata=None)
    return form.for_ground(appeal.ground) if appeal is not None else form


def _second_complaint_sent() -> SecondComplaintForm:
    """The second complaint as sent, worded by the ground its page was shown with."""
    form = SecondComplaintForm()
    return form.for_ground(form.shown_ground())


@bp.route("/ho-so")
def case():
    """Show the public timeline of the case opened with its PIN."""
    found = _session_case()
    if found is None:
        return redirect(url_for("public.lookup"))
    return _render_case(found)


def _already_rated():
    flash(_("Hồ sơ này đã được đánh giá; đánh giá đầu tiên được giữ."), "info")
    return redirect(url_for("public.case", _anchor="danh-gia"))


@bp.route("/ho-so/danh-gia", methods=["POST"])
def rate():
    """Record the citizen's satisfaction with the result and the service (SIPAS)."""
    found = _session_case()
    if found is None:
        return _session_gone(_("Đánh giá chưa được gửi: hồ sơ đã được đóng trên thiết bị "
                               "này (chẳng hạn ở một thẻ khác của trình duyệt)."),
                             FeedbackForm().comment)
    form = FeedbackForm()
    if (other := _typed_for_another(found, form, form.comment)) is not None:
        return other
    if _withdrew(found):
        return _not_theirs()
    if public.feedback_of(found) is not None:
        # A second tab or a double tap: say so rather than answer 422 with no message.
        return _already_rated()
    refusal = public.rating_refusal(found)
    if refusal:  # no rating form on the page to put errors by: why, and the comment kept
        form.form_errors.append(translate(refusal))
        return _render_case(found, feedback_form=form, status=422)
    if form.validate_on_submit():
        try:
            public.record_feedback(found, int(form.rating_result.data),
                                   int(form.rating_service.data), form.comment.data,
                                   clock.now())
        except ValidationFailed as exc:
            db.session.rollback()
            # Two taps at once: the other request's rating was saved first.
            if public.feedback_of(found) is not None:
                return _already_rated()
            _attach_errors(form, exc.errors)
        else:
            db.session.commit()
            return redirect(url_for("public.case", _anchor="danh-gia"))
    return _render_case(found, feedback_form=form, status=422)


def _second_complaint_filed(second: Case, first: Case):
    """Back to the first case's page, saying which second complaint was filed already."""
    if public.signed_by_them(second, first):
        flash(_("Bạn đã gửi khiếu nại lần hai cho hồ sơ này (mã hồ sơ %(code)s).",
                code=second.tracking_code), "info")
    else:
        flash(_("Đã có một khiếu nại lần hai đối với hồ sơ này, do người khác gửi."), "info")
    return redirect(url_for("public.case", _anchor="khieu-nai-lan-hai"))


@bp.route("/ho-so/khieu-nai-lan-hai", methods=["POST"])
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"], methods=["POST"],
               deduct_when=_submission_accepted)
@limiter.limit(lambda: current_app.config["SUBMIT_ATTEMPT_LIMIT"], methods=["POST"],
               scope=ATTEMPTS_SCOPE)
def second_complaint():
    """Open the linked second complaint at the next level up (khiếu nại lần hai)."""
    found = _session_case()
    if found is None:
        return _session_gone(_("Đơn khiếu nại lần hai chưa được gửi: hồ sơ đã được đóng trên "
                               "thiết bị này (chẳng hạn ở một thẻ khác của trình duyệt)."),
                             _second_complaint_sent().reason)
    form = _second_complaint_sent()
    if (other := _typed_for_another(found, form, form.reason)) is not None:
        return other
    if _withdrew(found):
        return _not_theirs()
    already = public.second_complaint_of(found)
    if already is not None:
        # A second tab or a double tap: say so rather than answer 422 with no message.
        return _second_complaint_filed(already, found)
    offered = public.second_complaint_offered(found, clock.today())
    if offered is None:
        # Offered when the page was shown, not now (the window ended at midnight, the
        # resolution was suspended): why, by the text typed, under the label it was typed
        # under, rather than what else to correct on a form that cannot be sent.
        form.reason.errors = [translate(public.second_complaint_refusal(found, clock.today()))]
        return _render_case(found, appeal_form=form, status=422)
    form.for_ground(offered.ground)
    if form.validate_on_submit():
        try:
            second, pin = public.open_second_complaint(
                found, form.reason.data, current_app.config["ONLINE_RECEPTION_AGENCY_CODE"],
                clock.now(), clock.today())
        except ValidationFailed as exc:
            db.session.rollback()
            # Two taps at once: the other request filed it first (the database lets only
            # one in), and this one is told so like a tap after it.
            already = public.second_complaint_of(found)
            if already is not None:
                return _second_complaint_filed(already, found)
            _attach_errors(form, exc.errors, SECOND_COMPLAINT_ALIASES)
        except NotFound:
            db.session.rollback()
            abort(503)
        else:
            db.session.commit()
            request.environ[ACCEPTED] = True  # like the online form: only what was filed counts
            sealed.put(RECEIPT_KEY, {"code": second.tracking_code, "pin": pin, "email": False,
                                    "second": True,
                                    "agency": agency_name(second.agency, _lang())
                                    if second.agency else None})
            return redirect(url_for("public.submitted"))
    return _render_case(found, appeal_form=form, status=422)


@bp.route("/ho-so/thoat", methods=["POST"])
def leave():
    """Forget the opened case on this device."""
    for key in CASE_KEYS:
        session.pop(key, None)
    return redirect(url_for("public.home"))
