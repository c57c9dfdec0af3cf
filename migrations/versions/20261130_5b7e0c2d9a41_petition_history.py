"""petition history: the history of the matter a letter raises, counted by 02/XLD

The desk states it from the letter (first time, sent before, decided in round 1 or 2 or by
a court, a follow-up denunciation); a blank is derived from what the system holds
(domain.history.derive). Existing letters are derived here by the same rules, from the
case as it stands: a second complaint with nothing earlier in the system was decided in
round 1; a letter about a case's matter (a later letter, or a new case's first letter
linked to an earlier case) follows its decision or conclusion if it had one by the
letter's day, is a follow-up denunciation if its resolution was overdue then, and else
says what that case's first letter said, or that it was sent before.

Revision ID: 5b7e0c2d9a41
Revises: ecf44f918bbb
Create Date: 2026-11-30 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5b7e0c2d9a41'
down_revision = 'ecf44f918bbb'
branch_labels = None
depends_on = None


_OWN = "petitions.case_id"
_PARENT = "(SELECT c.parent_case_id FROM cases c WHERE c.id = petitions.case_id)"


def _of(case: str, column: str) -> str:
    """A column of the case `case` (an SQL expression of its id) of the petition row."""
    return f"(SELECT cases.{column} FROM cases WHERE cases.id = {case})"


def _decided(case: str) -> str:
    return f"{_of(case, 'resolved_on')} <= petitions.received_on"


def _undecided(case: str) -> str:  # not NOT _decided: a NULL decision day is undecided
    resolved = _of(case, 'resolved_on')
    return f"({resolved} IS NULL OR {resolved} > petitions.received_on)"


def _overdue(case: str) -> str:
    """Its resolution was due before the letter's day, not met by then, clock running."""
    return (f"{_of(case, 'status')} <> 'suspended' AND EXISTS (SELECT 1 FROM case_deadlines d "
            f"WHERE d.case_id = {case} AND d.stage = 'resolution' "
            f"AND d.due_on < petitions.received_on "
            f"AND (d.met_on IS NULL OR d.met_on > petitions.received_on))")


def _about_earlier(case: str, which: str) -> list[str]:
    """domain.history.derive for the letters `which` about the matter of `case`: decided
    by the letter's day, else a denunciation overdue, else sent before (what the first
    letter said is applied after, for later letters)."""
    kind = _of("petitions.case_id", "kind")
    return [
        f"UPDATE petitions SET history = 'repeated' WHERE {which}",
        f"UPDATE petitions SET history = CASE WHEN {_of(case, 'complaint_round')} = 2 "
        f"THEN 'decided_round2' ELSE 'decided_round1' END WHERE {which} "
        f"AND {kind} = 'complaint' AND {_of(case, 'kind')} = 'complaint' AND {_decided(case)}",
        f"UPDATE petitions SET history = 'follow_up' WHERE {which} "
        f"AND {kind} = 'denunciation' AND {_decided(case)}",
        f"UPDATE petitions SET history = 'follow_up_overdue' WHERE {which} "
        f"AND {kind} = 'denunciation' AND {_undecided(case)} AND {_overdue(case)}",
    ]


def upgrade():
    op.add_column('petitions', sa.Column('history', sa.String(length=20),
                                         server_default='first', nullable=False))
    # A case's first letter: a second complaint with nothing earlier in the system was
    # decided in round 1; one linked to an earlier case is about that case's matter.
    op.execute(f"UPDATE petitions SET history = 'decided_round1' WHERE NOT is_duplicate "
               f"AND {_of(_OWN, 'kind')} = 'complaint' AND {_of(_OWN, 'complaint_round')} = 2 "
               f"AND {_of(_OWN, 'parent_case_id')} IS NULL")
    first_linked = f"NOT is_duplicate AND {_of(_OWN, 'parent_case_id')} IS NOT NULL"
    for statement in _about_earlier(_PARENT, first_linked):
        op.execute(statement)
    # Later letters, about their own case's matter; undecided and not overdue, they say
    # what the case's first letter said of the matter, if not "first".
    for statement in _about_earlier(_OWN, "is_duplicate"):
        op.execute(statement)
    first_said = ("(SELECT p2.history FROM petitions p2 WHERE p2.case_id = petitions.case_id "
                  "AND NOT p2.is_duplicate ORDER BY p2.received_on, p2.id LIMIT 1)")
    op.execute(f"UPDATE petitions SET history = {first_said} WHERE is_duplicate "
               f"AND history = 'repeated' AND {first_said} <> 'first'")


def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('history')
