"""Bearer-token authentication of the API: `Authorization: Bearer <token>`."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from complaints import clock
from complaints.services import tokens


def bearer_token() -> str | None:
    """Return the raw token of the request's Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(message: str | None = None):
    """Return the 401 JSON answer with the header that names the scheme (every 401 has it,
    RFC 9110: the sign-in refusals of POST /tokens too, with their own message)."""
    response = jsonify({"error": message or _("Cần mã truy cập hợp lệ (Authorization: "
                                              "Bearer …)."),
                        "status": 401})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_required(view):
    """Let the view run only for a valid token; the user is in `g.api_user`."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = tokens.user_for_token(
            bearer_token(), clock.now(),
            tuple(current_app.config.get("REQUIRE_2FA_ROLES", ())))
        if user is None:
            return unauthorized()
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def api_user():
    """Return the user authenticated by the request's token."""
    return g.api_user
