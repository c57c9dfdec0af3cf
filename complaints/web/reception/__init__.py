from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from complaints.web.reception import cases, particulars, routes  # noqa: E402,F401
