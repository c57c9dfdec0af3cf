"""Citizens' pages (no sign-in)."""

from flask import render_template

from complaints.web.public import bp


@bp.route("/")
def home():
    """Explain to citizens what they can do here."""
    return render_template("public/home.html")
