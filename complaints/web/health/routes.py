"""The health endpoint for monitoring and load balancers."""

from __future__ import annotations

from flask import current_app, jsonify

from complaints import clock
from complaints.extensions import limiter
from complaints.web.health import bp
from complaints.web.health.checks import report


@bp.route("/health")
@limiter.exempt
def health():
    """Report database, scheduler and outbox state: 200 while the database is up, else 503."""
    config = current_app.config
    body, database_up = report(clock.now(), config["SCHEDULER_SWEEP_MINUTES"],
                               config["OUTBOX_STALE_MINUTES"])
    response = jsonify(body)
    response.status_code = 200 if database_up else 503
    response.headers["Cache-Control"] = "no-store"
    return response
