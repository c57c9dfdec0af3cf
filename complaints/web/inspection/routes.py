"""Inspectors' console."""

from flask import render_template

from complaints import clock
from complaints.permissions import roles_required
from complaints.services import queries
from complaints.web.inspection import bp


@bp.route("/")
@roles_required("inspector")
def home():
    """Show overdue cases by level and pattern flags."""
    return render_template(
        "inspection/home.html",
        by_level=queries.overdue_by_level(),
        flags=queries.flag_counts(),
        today=clock.today(),
    )
