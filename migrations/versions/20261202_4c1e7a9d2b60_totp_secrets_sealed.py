"""Two-factor secrets sealed at rest (users.totp_secret, models/sealing.py)

The column widens from 64 to 255 characters (a sealed 32-character secret takes 140) and
every secret stored in clear is sealed under the running app's SECRET_KEY. Downgrading
opens them again (under the same key).

Revision ID: 4c1e7a9d2b60
Revises: b39b4a7ac694
Create Date: 2026-12-02 06:40:00

"""
import sqlalchemy as sa
from alembic import context, op

revision = '4c1e7a9d2b60'
down_revision = 'b39b4a7ac694'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _rewrite(change) -> None:
    """Rewrite each stored secret with `change` (Core, not the model: the column's type
    would seal or open it again). Offline (`--sql`, a script for a DBA) there are no rows to
    read: the secrets stay as they are, and the app still reads one stored in clear; run
    `flask db downgrade b39b4a7ac694 && flask db upgrade` online to seal them."""
    if context.is_offline_mode():
        return
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.totp_secret)
                        .where(users.c.totp_secret.is_not(None))).all()
    for row in rows:
        new = change(row.totp_secret)
        if new != row.totp_secret:
            conn.execute(users.update().where(users.c.id == row.id).values(totp_secret=new))


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=64),
                           type_=sa.String(length=255), existing_nullable=True)
    from complaints.models import sealing  # configured by the app the command runs in

    _rewrite(lambda value: value if sealing.is_sealed(value) else sealing.seal(value))


def _opened(value: str) -> str:
    from complaints.models import sealing

    if not sealing.is_sealed(value):
        return value
    opened = sealing.open_value(value)
    if opened == sealing.UNREADABLE:
        raise RuntimeError("A two-factor secret was sealed under another SECRET_KEY: run the "
                           "downgrade with that key, or reset the account's 2FA first.")
    return opened


def downgrade():
    _rewrite(_opened)
    with op.batch_alter_table('users') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=255),
                           type_=sa.String(length=64), existing_nullable=True)
