from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from complaints.web.admin import personal_data, routes  # noqa: E402,F401
