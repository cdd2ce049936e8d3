"""task runs claimed in the database: a periodic task runs once per interval across every instance

Revision ID: 0006_task_runs
Revises: 0005_notification_messages
Create Date: 2026-11-24 13:54:12.819117

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_task_runs'
down_revision = '0005_notification_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_run',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_task_run'))
    )


def downgrade():
    op.drop_table('task_run')
