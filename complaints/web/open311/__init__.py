from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from complaints.web.open311 import routes  # noqa: E402,F401
