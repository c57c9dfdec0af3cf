"""GET /health: a JSON status for monitoring (no sign-in, no personal data)."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from complaints.web.health import routes  # noqa: E402,F401
