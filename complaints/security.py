"""HTTP security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

# No inline scripts or styles anywhere: every script and stylesheet is a local file.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def local_path(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (an open redirect helps phishing).

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
    "/\t/evil.com" and "/\\evil.com" lead off-site: any control character or backslash is
    refused, as is whatever has a scheme or a host once parsed (and a line break would
    make the Location header itself fail)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _has_nul(value) -> bool:
    """Does any string in this (JSON) value hold a NUL? Without recursion: a client picks
    the depth."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class SessionCookie(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE says so, and on any request
    that came over HTTPS whatever it says (QA 93: a site served over HTTPS without the
    setting sent the cookie Secure-less, so one plain http:// link to it carried the
    session in clear). Plain-HTTP `make run` keeps working with the default."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def init_security(app: Flask) -> None:
    """Refuse NUL characters in input, mark the session cookie Secure over HTTPS and add the
    security headers to every response."""
    app.session_interface = SessionCookie()

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store a NUL in text: refuse it up front as bad input (400)
        # rather than let the database fail the request with a 500.
        # Every value of a repeated key (values() reads only the first of each).
        if "\x00" in request.path or any(
                _has_nul(v) for _k, v in request.args.items(multi=True)):
            abort(400)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if any(_has_nul(v) for _k, v in request.form.items(multi=True)):
                abort(400)
            # Only JSON that spells a NUL (raw, or escaped as \u0000) is parsed to look.
            if request.is_json and (b"\\u0000" in (raw := request.get_data(cache=True))
                                    or b"\x00" in raw):
                try:
                    data = request.get_json(silent=True)
                except RecursionError:  # nested deeper than the parser goes: unreadable
                    abort(400)
                if _has_nul(data):
                    abort(400)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        # Pages and answers carry personal data, a denouncer's identity among them: a
        # cached copy (the back button, a shared proxy) would show it again with no new
        # record of who viewed it (QA round 10). Static files set their own caching.
        headers.setdefault("Cache-Control", "private, no-store")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security",
                               "max-age=31536000; includeSubDomains")
        return response
