"""deadline policies: drop the unreachable "forward a denunciation" handling rows

The seeded row "handling × denunciation × forward: 5 working days" (Law on Denunciations
Art. 24(2)) was never selected: the desk learns that a denunciation is not for the
agencies it serves only by forwarding it, which ends the handling stage, so no deadline
ran under it (domain/policies.py). The policy pages listed a rule the system never
applied. Rows a deadline refers to are kept (none can, but a foreign key would fail).

Revision ID: 5f0a9c3e7b21
Revises: d34142da543b
Create Date: 2026-11-29 10:20:00

"""
from alembic import op

revision = '5f0a9c3e7b21'
down_revision = 'd34142da543b'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM deadline_policies WHERE stage = 'handling' AND variant = 'forward'"
        " AND id NOT IN (SELECT policy_id FROM case_deadlines WHERE policy_id IS NOT NULL)")


def downgrade():
    # Nothing to restore: the rows were never used, and the code no longer knows them.
    pass
