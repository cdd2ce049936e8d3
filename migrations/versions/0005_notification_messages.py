"""notifications store a message key and parameters, worded when read

Revision ID: 0005_notification_messages
Revises: 0004_enum_checks
Create Date: 2026-11-24 10:00:00.000000

Rows written before keep their finished text in `title` (now nullable); a row needs one or the other.
Downgrading gives rows without a title a generic text: the old schema cannot word them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_notification_messages'
down_revision = '0004_enum_checks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.alter_column('title', existing_type=sa.String(length=200), nullable=True)
        batch_op.create_check_constraint(op.f('ck_notification_worded'), 'key IS NOT NULL OR title IS NOT NULL')


def downgrade():
    notification = sa.table('notification', sa.column('title', sa.String(200)))
    op.execute(notification.update().where(notification.c.title.is_(None)).values(title='您有一条通知。'))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_worded'), type_='check')
        batch_op.alter_column('title', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('params')
        batch_op.drop_column('key')
