"""petitions: the handling outcome "urged" (đôn đốc giải quyết)

A later letter about a matter an agency is resolving may be handled by the desk urging
that agency (services/urging.py); 02/XLD counts it in its own column (reports.md). The
CHECK of petitions.handling_outcome admits the new value. Existing rows are unchanged.

Revision ID: b6f2a9d4c1e7
Revises: 22d345d398c0
Create Date: 2026-11-30 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b6f2a9d4c1e7'
down_revision = '22d345d398c0'
branch_labels = None
depends_on = None

NAME = 'ck_petitions_handling_outcome_valid'
OLD = "handling_outcome IN ('routed', 'forwarded', 'guided', 'filed', 'joined', 'withdrawn')"
NEW = ("handling_outcome IN ('routed', 'forwarded', 'guided', 'filed', 'joined', 'urged', "
       "'withdrawn')")


def _set_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(op.f(NAME), 'petitions', type_='check')
        op.create_check_constraint(op.f(NAME), 'petitions', new)
        return
    # As in d34142da543b: a batch rebuild would drop `petitions`, and with foreign keys on
    # the drop cascades to petition_signers. A CHECK that admits more values changes no
    # stored row: SQLite documents editing the table's SQL for it (lang_altertable.html).
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


def downgrade():
    # The older list has no "urged": those letters are joined to their case again, as the
    # desk first handled them (the urging stays in the audit trail).
    op.execute("UPDATE petitions SET handling_outcome = 'joined',"
               " handled_on = received_on WHERE handling_outcome = 'urged'")
    _set_check(NEW, OLD)
