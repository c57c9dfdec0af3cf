"""Administrators' pages."""

from flask import render_template
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Agency, Case, User
from complaints.permissions import roles_required
from complaints.web.admin import bp


@bp.route("/")
@roles_required("admin")
def home():
    """Show the size of the installation and links to the reference data."""
    counts = {
        "agencies": db.session.scalar(select(func.count(Agency.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "cases": db.session.scalar(select(func.count(Case.id))),
    }
    return render_template("admin/home.html", counts=counts)
