"""What a failed statement leaves in the logs: never the values it carried (QA round 10).

A locked or failing write logs its exception; SQLAlchemy's message holds the statement's
bound parameters unless the engine hides them, and intake's parameters are a petitioner's
name, ID number, phone and address — a denouncer's too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from complaints.extensions import db

SECRET = "Phạm Bímật Tốcáo 031299887766"


def test_a_failed_statement_does_not_carry_its_values(app):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"),
                           {"name": SECRET})
    db.session.rollback()
    assert SECRET not in str(caught.value)
    assert "no_such_table" in str(caught.value)  # the statement itself still helps


def test_a_configuration_of_its_own_keeps_them_hidden():
    from complaints import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
