"""petitions: withdrawn before handling; a return undoes the routing

A case every petitioner withdrew before the desk decided left its petitions without a
handling outcome: the official reports carried them over as pending in every later period.
They now get the outcome "withdrawn" on the withdrawal's date. A return sends the petitions
back to the desk: their outcome is the desk's last decision, not the first routing.

Existing rows: petitions of withdrawn cases that had no outcome (or whose routing had been
undone by a return) become "withdrawn" on the case's closing date; petitions of returned
cases lose their "routed"; those of cases forwarded, guided or filed after a return take
that outcome on the handling deadline's date; those routed again after a return take the
last routing's date. The filing reason and the outside body of the latter stay in the
audit trail only.

Revision ID: d34142da543b
Revises: e6e1da4445e9
Create Date: 2026-11-29 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd34142da543b'
down_revision = 'e6e1da4445e9'
branch_labels = None
depends_on = None

NAME = 'ck_petitions_handling_outcome_valid'
OLD = "handling_outcome IN ('routed', 'forwarded', 'guided', 'filed', 'joined')"
NEW = "handling_outcome IN ('routed', 'forwarded', 'guided', 'filed', 'joined', 'withdrawn')"


def _set_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f(NAME), 'petitions', type_='check')
        op.create_check_constraint(op.f(NAME), 'petitions', new)
        return
    # A batch rebuild drops `petitions`, and with foreign keys on (every connection,
    # complaints/__init__.py) the drop cascades to petition_signers. A CHECK that admits
    # more values changes no stored row: SQLite documents editing the table's SQL for it
    # (sqlite.org/lang_altertable.html, "simpler procedure").
    sql = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'petitions'")).scalar_one()
    if old not in sql:
        raise RuntimeError(f"petitions: expected the CHECK {old!r} in {sql!r}")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table'"
                         " AND name = 'petitions'"), {"sql": sql.replace(old, new)})
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade():
    _set_check(OLD, NEW)
    op.execute(
        "UPDATE petitions SET handling_outcome = 'withdrawn', handled_on = ("
        " SELECT c.closed_on FROM cases c WHERE c.id = petitions.case_id)"
        " WHERE case_id IN (SELECT id FROM cases WHERE status = 'withdrawn')"
        " AND (handling_outcome IS NULL OR (handling_outcome = 'routed' AND case_id IN ("
        # the cases whose last move was a return (later desk decisions are not moves)
        "  SELECT r.case_id FROM routings r WHERE r.action = 'return' AND r.id = ("
        "   SELECT MAX(r2.id) FROM routings r2 WHERE r2.case_id = r.case_id))))")
    op.execute(
        "UPDATE petitions SET handling_outcome = NULL, handled_on = NULL"
        " WHERE handling_outcome = 'routed'"
        " AND case_id IN (SELECT id FROM cases WHERE status = 'returned')")
    op.execute(
        "UPDATE petitions SET"
        " handling_outcome = (SELECT c.status FROM cases c WHERE c.id = petitions.case_id),"
        " handled_on = (SELECT d.met_on FROM case_deadlines d"
        "  WHERE d.case_id = petitions.case_id AND d.stage = 'handling')"
        " WHERE handling_outcome = 'routed' AND case_id IN (SELECT id FROM cases"
        "  WHERE status IN ('forwarded', 'guided', 'filed'))")
    op.execute(
        "UPDATE petitions SET handled_on = ("
        " SELECT c.routed_on FROM cases c WHERE c.id = petitions.case_id)"
        " WHERE handling_outcome = 'routed'"
        " AND case_id IN (SELECT case_id FROM routings WHERE action = 'return')"
        " AND case_id IN (SELECT id FROM cases WHERE routed_on IS NOT NULL)")


def downgrade():
    # The older list has no "withdrawn": those petitions are pending again, as they were.
    op.execute("UPDATE petitions SET handling_outcome = NULL, handled_on = NULL"
               " WHERE handling_outcome = 'withdrawn'")
    _set_check(NEW, OLD)
