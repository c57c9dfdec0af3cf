"""Sign-in (password, then a TOTP code when enrolled), sign-out, password change, 2FA."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from complaints import clock
from complaints.extensions import db, limiter, login_manager
from complaints.models import User
from complaints.permissions import HOME_ENDPOINTS
from complaints.security import local_path
from complaints.services import accounts, tokens
from complaints.services.accounts import AccountLocked, authenticate
from complaints.web import sealed
from complaints.web.auth import bp
from complaints.web.auth.forms import CodeForm, EnrolForm, LoginForm, PasswordForm

# Roles that must use two-factor sign-in unless the config says otherwise.
DEFAULT_2FA_ROLES = ("admin", "inspector")
SESSION_ID_KEY = "sid"  # this browser session's random id (accounts.end_session)
SESSION_SINCE_KEY = "since"  # when it signed in (POSIX seconds): SESSION_MAX_HOURS
SESSION_SEEN_KEY = "seen"  # its last request (POSIX seconds): SESSION_IDLE_MINUTES
# Requests that are not someone at the keyboard: they do not keep a session from idling out.
NO_ACTIVITY = frozenset({"static", "bootstrap.static", "inspection.report_status"})
PENDING_KEY = "2fa_pending"  # the signed id of a user who gave the password, not yet the code
PENDING_MAX_AGE = 300  # seconds to type the code
ENROL_KEY = "2fa_enrol_secret"  # sealed: the new secret until a first code confirms it
ENROL_SECONDS = 30 * 60  # time to scan the code and type a first code
# What a user who must enrol may still reach before enrolling.
OPEN_DURING_ENROLMENT = {"auth.two_factor", "auth.logout", "static", "bootstrap.static",
                         "set_language"}


@login_manager.user_loader
def load_user(user_id: str):
    """Load the user of a session; void when signed out on its device, older than
    SESSION_MAX_HOURS, or from before the account's last password change or sign-out
    everywhere (accounts.session_user)."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    config = current_app.config
    return accounts.session_user(uid, version, session.get(SESSION_ID_KEY),
                                 session.get(SESSION_SINCE_KEY), clock.now(),
                                 config["SESSION_MAX_HOURS"], session.get(SESSION_SEEN_KEY),
                                 config["SESSION_IDLE_MINUTES"])


def _roles_requiring_2fa() -> tuple[str, ...]:
    return tuple(current_app.config.get("REQUIRE_2FA_ROLES", DEFAULT_2FA_ROLES))


def _must_enrol(user) -> bool:
    return accounts.must_enrol(user, _roles_requiring_2fa())


@bp.before_app_request
def note_activity():
    """A signed-in browser's request keeps its session from idling out (the cookie itself
    outlives the idle limit: citizens' forms need it, config.PERMANENT_SESSION_LIFETIME).
    Static files are no activity of the official's, nor a page's script asking on its own
    (a report's progress, polled while the job runs: QA 98)."""
    if request.blueprint == "api" or request.endpoint in NO_ACTIVITY:
        return
    if current_user.is_authenticated:
        session[SESSION_SEEN_KEY] = clock.now().timestamp()


@bp.before_app_request
def require_two_factor():
    """Users whose role requires 2FA reach nothing but enrolment until they have enrolled."""
    if request.endpoint in OPEN_DURING_ENROLMENT or request.blueprint == "api":
        return None
    if not current_user.is_authenticated or not _must_enrol(current_user):
        return None
    flash(_("Vai trò của bạn bắt buộc xác thực hai bước. Vui lòng thiết lập trước khi "
            "tiếp tục."), "warning")
    return redirect(url_for("auth.two_factor"))


# What a user whose password an admin set may still reach before choosing their own.
OPEN_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "static",
                               "bootstrap.static", "set_language"}


@bp.before_app_request
def require_own_password():
    """A user whose password an admin set (admin.reset_password) chooses their own before
    anything else; enrolment in two-step sign-in, when required, comes first."""
    if request.endpoint in OPEN_BEFORE_PASSWORD_CHANGE or request.blueprint == "api":
        return None
    if not current_user.is_authenticated or not current_user.password_change_required:
        return None
    if _must_enrol(current_user):
        return None  # require_two_factor sends them to enrolment first
    flash(_("Mật khẩu của bạn do quản trị viên đặt: hãy đặt mật khẩu của riêng bạn trước "
            "khi tiếp tục."), "warning")
    return redirect(url_for("auth.change_password"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="auth-2fa-pending")


def _safe_target(user) -> str:
    return local_path(request.args.get("next")) or url_for(HOME_ENDPOINTS[user.role])


def _sign_in(user):
    # A new session at sign-in: nothing set before it (a CSRF secret someone planted or
    # read) carries over (session fixation, QA round 19); the chosen language does.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True  # the cookie outlives the browser: SESSION_MAX_HOURS; idle: "seen"
    session[SESSION_ID_KEY] = accounts.new_session_id()
    session[SESSION_SINCE_KEY] = session[SESSION_SEEN_KEY] = clock.now().timestamp()
    login_user(user)
    if _must_enrol(user):
        return redirect(url_for("auth.two_factor"))
    if user.password_change_required:
        return redirect(url_for("auth.change_password"))
    return redirect(_safe_target(user))


def _locked_message() -> str:
    return _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau "
             "%(minutes)s phút.", minutes=current_app.config["LOGIN_LOCK_MINUTES"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    """Show the sign-in form and sign a user in (or ask for the 2FA code next)."""
    if current_user.is_authenticated:
        return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
    form = LoginForm()
    error, errors = None, {}
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = authenticate(form.username.data, form.password.data, clock.now(),
                                config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"])
        except AccountLocked:
            user = None
            locked = True
        else:
            locked = False
        db.session.commit()  # keep the failure count even when sign-in fails
        if user is not None:
            if user.totp_secret:
                # Not signed in yet: only the signed, short-lived id of who passed step one.
                session[PENDING_KEY] = _serializer().dumps(
                    {"uid": user.id, "v": user.session_version})
                return redirect(url_for("auth.login_code", next=request.args.get("next")))
            return _sign_in(user)
        # One message for both cases, so the form does not reveal which usernames exist.
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        if locked:
            error = _locked_message()
    elif request.method == "POST":
        # A field left empty (or too long) is named beside it and in a summary (ux.md);
        # a wrong name or password stays one message, which tells no username.
        errors = {f.id: str(f.errors[0]) for f in (form.username, form.password) if f.errors}
        if not errors:
            error = _("Vui lòng nhập tên đăng nhập và mật khẩu.")
    status = 200 if error is None and not errors else 401
    return render_template("auth/login.html", form=form, error=error, errors=errors), status


def _pending_user() -> User | None:
    token = session.get(PENDING_KEY)
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=PENDING_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def login_code():
    """Second sign-in step: the 6-digit code of the user's authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        if request.method == "POST":
            flash(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        config = current_app.config
        now = clock.now()
        try:
            ok = accounts.verify_second_factor(user, form.code.data, now,
                                               config["LOGIN_MAX_FAILURES"],
                                               config["LOGIN_LOCK_MINUTES"])
            # This failure was the last allowed. A lockout that has run out leaves its end
            # behind (the password step no longer clears it with a second factor): QA 94.
            if not ok and accounts.is_locked(user, now):
                raise AccountLocked(user.locked_until)
        except AccountLocked:
            db.session.commit()
            session.pop(PENDING_KEY, None)
            flash(_locked_message(), "error")
            return redirect(url_for("auth.login"))
        db.session.commit()  # keep the failure count
        if ok:
            return _sign_in(user)
        error = _("Mã xác thực không đúng hoặc đã hết hạn.")
    elif request.method == "POST":
        error = "; ".join(str(m) for m in form.code.errors) or _("Mã xác thực không hợp lệ.")
    form.code.data = ""  # a one-time code is never worth keeping
    return render_template("auth/code.html", form=form, error=error), (
        200 if error is None else 401)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign this device out: its session ends server-side (a copy of its cookie stops
    working: QA round 19); the account's sessions on other devices go on."""
    if current_user.is_authenticated:
        accounts.end_session(current_user._get_current_object(), session.get(SESSION_ID_KEY),
                             clock.now(), current_app.config["SESSION_MAX_HOURS"])
        db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Sign the account out on every device (a lost phone, a session left open
    elsewhere); its API tokens too when the box is ticked (they may serve an integration)."""
    revoked = accounts.end_all_sessions(current_user._get_current_object(), clock.now(),
                                        revoke_tokens=request.form.get("revoke_tokens") == "1")
    db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất trên mọi thiết bị."), "info")
    if revoked:
        flash(ngettext("Đã thu hồi %(num)d mã truy cập API.",
                       "Đã thu hồi %(num)d mã truy cập API.", revoked), "info")
    return redirect(url_for("auth.login"))


def _password_message(code: str) -> str:
    return {
        "too_short": _("Mật khẩu phải có ít nhất %(count)s ký tự.",
                       count=accounts.MIN_PASSWORD_LENGTH),
        "all_digits": _("Mật khẩu không được chỉ gồm chữ số."),
        "too_simple": _("Mật khẩu phải dùng ít nhất %(n)s ký tự khác nhau.",
                        n=accounts.MIN_DISTINCT_CHARACTERS),
        "contains_username": _("Mật khẩu không được chứa tên đăng nhập."),
        "common": _("Mật khẩu quá phổ biến, dễ đoán; hãy chọn mật khẩu khác."),
        "wrong_password": _("Mật khẩu hiện tại không đúng."),
        "unchanged": _("Mật khẩu mới phải khác mật khẩu hiện tại."),
    }[code]


def _wrong_password_locked(user) -> bool:
    """Keep a wrong current password counted, as at sign-in; at the lockout, sign out with
    the sign-in page's message. True when the caller must send the user to sign in."""
    db.session.commit()
    if not accounts.is_locked(user, clock.now()):
        return False
    logout_user()
    flash(_locked_message(), "error")
    return True


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def change_password():
    """Change one's own password; every other session of the account is signed out."""
    form = PasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        config = current_app.config
        try:
            accounts.change_password(user, form.old_password.data, form.new_password.data,
                                     clock.now(), config["LOGIN_MAX_FAILURES"],
                                     config["LOGIN_LOCK_MINUTES"])
        except accounts.PasswordRejected as exc:
            if exc.code == "wrong_password":
                if _wrong_password_locked(user):
                    return redirect(url_for("auth.login"))
            else:
                db.session.rollback()
            errors[exc.field] = _password_message(exc.code)
        else:
            db.session.commit()
            session.permanent = True
            login_user(user)  # this session carries the new version; the others are void
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã bị đăng "
                    "xuất."), "success")
            return redirect(url_for(HOME_ENDPOINTS[user.role]))
    for name, messages in form.errors.items():
        errors.setdefault(name, str(messages[0]))
    return render_template("auth/password.html", form=form, errors=errors,
                           live_tokens=tokens.live_count(current_user, clock.now()),
                           min_length=accounts.MIN_PASSWORD_LENGTH,
                           min_distinct=accounts.MIN_DISTINCT_CHARACTERS), (422 if errors else 200)


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def two_factor():
    """Enrol in two-factor sign-in: show a new secret, save it once the password and a first
    code verify."""
    user = current_user._get_current_object()
    if user.totp_secret:
        session.pop(ENROL_KEY, None)
        return render_template("auth/two_factor.html", enabled=True, required=False)
    secret = sealed.peek(ENROL_KEY, ENROL_SECONDS)
    if not secret:
        secret = accounts.new_totp_secret()
        sealed.put(ENROL_KEY, secret)
    form = EnrolForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        config = current_app.config
        try:
            accounts.enable_totp(user, secret, form.code.data, clock.now(), form.password.data,
                                 config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"])
        except accounts.PasswordRejected:
            if _wrong_password_locked(user):
                return redirect(url_for("auth.login"))
            errors["password"] = _password_message("wrong_password")
        except accounts.CodeRejected:
            db.session.rollback()
            errors["code"] = _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại và nhập "
                               "mã mới nhất.")
        else:
            db.session.commit()
            session.pop(ENROL_KEY, None)
            flash(_("Đã bật xác thực hai bước. Từ lần đăng nhập sau, hệ thống sẽ hỏi mã "
                    "6 chữ số."), "success")
            return redirect(url_for(HOME_ENDPOINTS[user.role]))
    for name in ("password", "code"):  # in the order of the page
        if name in form.errors:
            errors.setdefault(name, str(form.errors[name][0]))
    form.code.data = ""
    return render_template(
        "auth/two_factor.html", enabled=False, form=form, errors=errors, secret=secret,
        uri=accounts.totp_uri(secret, user.username), required=_must_enrol(user),
    ), (422 if errors else 200)
