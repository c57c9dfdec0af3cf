from flask import Blueprint

bp = Blueprint("agency", __name__, url_prefix="/agency")

from complaints.web.agency import routes  # noqa: E402,F401
