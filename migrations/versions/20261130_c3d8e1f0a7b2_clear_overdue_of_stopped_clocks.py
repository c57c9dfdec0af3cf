"""clear overdue of stopped clocks: a case with no running clock is not overdue

From this revision the overdue flag is cleared whenever no clock runs (suspended, resolved,
or ended), and a case ended before any decision lapses its open ladder escalations as it
ends. Existing rows are brought in line for the flag; the escalations of cases ended before
it are left as they are, and the daily reminder no longer lists them.

Revision ID: c3d8e1f0a7b2
Revises: 5b7e0c2d9a41
Create Date: 2026-11-30 00:30:00

"""
from alembic import op

revision = 'c3d8e1f0a7b2'
down_revision = '5b7e0c2d9a41'
branch_labels = None
depends_on = None

_STOPPED = ("suspended", "resolved", "closed", "filed", "guided", "forwarded",
            "not_accepted", "withdrawn")


def upgrade():
    statuses = ", ".join(f"'{s}'" for s in _STOPPED)
    op.execute(f"UPDATE cases SET flag_overdue = false WHERE flag_overdue "
               f"AND status IN ({statuses})")


def downgrade():
    pass  # the flag is derived: nothing to restore
