"""cases.routed_on and accepted_on: the current holder's days

A transfer left routed_on at the desk's first routing, and a return left both routed_on
and accepted_on of the agency that sent the case back, so the API and the personal-data
export showed days of an agency that no longer held the case. The steps now keep them
current (workflow.transfer, workflow.return_case); this brings the rows up to date:
a case at no agency has neither, and a case moved on by a transfer was received on the day
of the move that brought it to its holder, and an acceptance older than that move was
another agency's. The routings keep every move. No schema change;
downgrading has nothing to restore (the old values were stale copies of the routings).

Revision ID: 88f46f5b2373
Revises: 9d3f6b2a1c84
Create Date: 2026-11-30 22:40:00

"""
from alembic import op

revision = '88f46f5b2373'
down_revision = '9d3f6b2a1c84'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE cases SET routed_on = NULL, accepted_on = NULL "
               "WHERE agency_id IS NULL AND (routed_on IS NOT NULL OR accepted_on IS NOT NULL)")
    # The latest move that brought the case to its holder (a lead designation of the
    # holder itself moves nothing and left the day as it was).
    op.execute("""
        UPDATE cases SET routed_on = (
            SELECT r.decided_on FROM routings r
            WHERE r.case_id = cases.id AND r.to_agency_id = cases.agency_id
              AND r.action IN ('route', 'transfer', 'designate_lead')
              AND (r.from_agency_id IS NULL OR r.from_agency_id <> r.to_agency_id)
            ORDER BY r.id DESC LIMIT 1)
        WHERE agency_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM routings t
                      WHERE t.case_id = cases.id AND t.action = 'transfer')
          AND EXISTS (SELECT 1 FROM routings r
                      WHERE r.case_id = cases.id AND r.to_agency_id = cases.agency_id
                        AND r.action IN ('route', 'transfer', 'designate_lead'))
    """)


    # An acceptance older than the move that brought the case to its holder was another
    # agency's: a case accepted by A, returned and routed to B kept A's day.
    op.execute("""
        UPDATE cases SET accepted_on = NULL
        WHERE agency_id IS NOT NULL AND accepted_on IS NOT NULL
          AND accepted_on < (
            SELECT r.decided_on FROM routings r
            WHERE r.case_id = cases.id AND r.to_agency_id = cases.agency_id
              AND r.action IN ('route', 'transfer', 'designate_lead')
              AND (r.from_agency_id IS NULL OR r.from_agency_id <> r.to_agency_id)
            ORDER BY r.id DESC LIMIT 1)
    """)


def downgrade():
    pass
