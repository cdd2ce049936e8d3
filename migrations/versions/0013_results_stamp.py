"""the surveys results stamp's row, so an upgraded database keeps the home page's survey figure at once

A missing row only means nothing is kept until the next change of a campaign writes it.

Revision ID: 0013_results_stamp
Revises: 0012_stamps
Create Date: 2026-11-25 07:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_results_stamp'
down_revision = '0012_stamps'
branch_labels = None
depends_on = None

stamp = sa.table('stamp', sa.column('name', sa.String), sa.column('token', sa.String))


def upgrade():
    present = op.get_bind().execute(sa.select(stamp.c.name).where(stamp.c.name == 'surveys.results')).first()
    if present is None:
        op.bulk_insert(stamp, [{'name': 'surveys.results', 'token': secrets.token_hex(16)}])


def downgrade():
    op.execute(stamp.delete().where(stamp.c.name == 'surveys.results'))
