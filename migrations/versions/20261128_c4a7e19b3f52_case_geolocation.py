"""case geolocation: Open311 lat/long and address_string as columns of cases

Revision ID: c4a7e19b3f52
Revises: e3f8a61c2d90
Create Date: 2026-11-28 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4a7e19b3f52'
down_revision = 'e3f8a61c2d90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('address_string', sa.String(length=255), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_cases_latitude_range'), 'latitude IS NULL OR latitude BETWEEN -90 AND 90')
        batch_op.create_check_constraint(
            op.f('ck_cases_longitude_range'),
            'longitude IS NULL OR longitude BETWEEN -180 AND 180')
        batch_op.create_check_constraint(
            op.f('ck_cases_lat_long_together'), '(latitude IS NULL) = (longitude IS NULL)')


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_lat_long_together'), type_='check')
        batch_op.drop_constraint(op.f('ck_cases_longitude_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_cases_latitude_range'), type_='check')
        batch_op.drop_column('address_string')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
