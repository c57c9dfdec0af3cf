"""Agency heads' and officers' pages."""

from flask import render_template
from flask_login import current_user

from complaints import clock
from complaints.domain import states
from complaints.permissions import roles_required
from complaints.services import queries
from complaints.web.agency import bp


@bp.route("/")
@roles_required("agency_head", "agency_officer")
def home():
    """Show the agency's cases waiting for acceptance, in progress, and escalations."""
    today = clock.today()
    return render_template(
        "agency/home.html",
        waiting=queries.agency_inbox(current_user, (states.ROUTED,)),
        in_progress=queries.agency_inbox(current_user, (states.ACCEPTED, states.SUSPENDED)),
        overdue=queries.overdue_count(current_user, today),
        escalations=queries.open_escalations_for(current_user.agency_id),
        today=today,
    )
