"""stamps: a token per derived cache (the structure people act in), new at every change of its tables

Revision ID: 0012_stamps
Revises: 0011_city_indexes
Create Date: 2026-11-24 23:00:00

The row is written with a fresh random token; a missing row only means nothing is cached until the
next change creates it.
"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_stamps'
down_revision = '0011_city_indexes'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'stamp',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_stamp')),
    )
    op.bulk_insert(stamp, [{'name': 'structure', 'token': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('stamp')
