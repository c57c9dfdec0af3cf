"""desk submissions: a form saved once

The desk's intake form and the reception-session form carry a one-time token; the case
the form opened or joined, or the session it recorded, is kept against it, so that the
same form sent again (a double tap, Back and send again) saves nothing more. New table
only; nothing to convert.

Revision ID: 724c4c1ce57b
Revises: 8a05abcefbfa
Create Date: 2026-11-29 16:17:19.859434

"""
import sqlalchemy as sa
from alembic import op

revision = '724c4c1ce57b'
down_revision = '8a05abcefbfa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('desk_submissions',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('reception_session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_desk_submissions_case_id_cases')),
    sa.ForeignKeyConstraint(['reception_session_id'], ['reception_sessions.id'],
                            name=op.f('fk_desk_submissions_reception_session_id_'
                                      'reception_sessions')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_desk_submissions'))
    )
    with op.batch_alter_table('desk_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_submissions_case_id'), ['case_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_desk_submissions_reception_session_id'),
                              ['reception_session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('desk_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_submissions_reception_session_id'))
        batch_op.drop_index(batch_op.f('ix_desk_submissions_case_id'))

    op.drop_table('desk_submissions')
