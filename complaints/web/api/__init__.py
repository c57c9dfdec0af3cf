"""The JSON API blueprint (/api/v1): bearer tokens, marshmallow schemas, JSON errors."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from complaints.web.api import errors, routes  # noqa: E402,F401
