from flask import Blueprint

bp = Blueprint("inspection", __name__, url_prefix="/inspection")

from complaints.web.inspection import cases, reports, routes, sessions  # noqa: E402,F401
