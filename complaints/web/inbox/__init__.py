from flask import Blueprint

bp = Blueprint("inbox", __name__)

from complaints.web.inbox import routes  # noqa: E402,F401
