"""Sign-in and sign-out."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from complaints import clock
from complaints.extensions import db, limiter, login_manager
from complaints.models import User
from complaints.permissions import HOME_ENDPOINTS
from complaints.services.accounts import AccountLocked, authenticate
from complaints.web.auth import bp
from complaints.web.auth.forms import LoginForm


@login_manager.user_loader
def load_user(user_id: str):
    """Load the user of a session; a session from before a password change is void."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    """Show the sign-in form and sign a user in."""
    if current_user.is_authenticated:
        return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
    form = LoginForm()
    error = None
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
            session.permanent = True  # idle expiry: PERMANENT_SESSION_LIFETIME
            login_user(user)
            target = request.args.get("next") or ""
            if not target.startswith("/") or target.startswith("//"):
                target = url_for(HOME_ENDPOINTS[user.role])
            return redirect(target)
        # One message for both cases, so the form does not reveal which usernames exist.
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        if locked:
            error = _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau "
                      "%(minutes)s phút.", minutes=config["LOGIN_LOCK_MINUTES"])
    elif request.method == "POST":
        error = _("Vui lòng nhập tên đăng nhập và mật khẩu.")
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out."""
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))
