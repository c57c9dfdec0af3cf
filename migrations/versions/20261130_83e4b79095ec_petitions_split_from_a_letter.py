"""petitions: the letter a petition was split from, and the letter as written

A letter with several kinds of content may be split into several cases that share its
petitioners (domain.md). The new case's petition names the letter it came from
(`split_from_id`); the petition on the side whose confidentiality is the stricter keeps
the letter's text as written (`letter_text`). Both are NULL for every existing row.

Plain ALTERs, no batch rebuild: rebuilding `petitions` on SQLite drops the table, and with
foreign keys on that would delete the signers and detach the attachments.

Revision ID: 83e4b79095ec
Revises: e439db2e5eea
Create Date: 2026-11-30 03:50:08

"""
from alembic import op
import sqlalchemy as sa


revision = '83e4b79095ec'
down_revision = 'e439db2e5eea'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column's foreign key only inline, in the ALTER itself.
        op.execute("ALTER TABLE petitions ADD COLUMN split_from_id INTEGER "
                   "REFERENCES petitions (id)")
    else:
        op.add_column('petitions', sa.Column('split_from_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_petitions_split_from_id_petitions'), 'petitions',
                              'petitions', ['split_from_id'], ['id'])
    op.add_column('petitions', sa.Column('letter_text', sa.Text(), nullable=True))
    op.create_index(op.f('ix_petitions_split_from_id'), 'petitions', ['split_from_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_petitions_split_from_id'), table_name='petitions')
    op.drop_column('petitions', 'letter_text')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('fk_petitions_split_from_id_petitions'), 'petitions',
                           type_='foreignkey')
    op.drop_column('petitions', 'split_from_id')
