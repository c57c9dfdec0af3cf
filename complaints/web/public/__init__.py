from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/cong-dan")

from complaints.web.public import routes  # noqa: E402,F401
