"""Reception desk pages."""

from flask import render_template
from flask_login import current_user

from complaints import clock
from complaints.permissions import roles_required
from complaints.services import queries
from complaints.web.reception import bp


@bp.route("/")
@roles_required("reception")
def home():
    """Show what the reception desk needs to do today."""
    today = clock.today()
    return render_template(
        "reception/home.html",
        queue=queries.reception_queue(current_user),
        intake_today=queries.intake_count(current_user, today),
        today=today,
    )
