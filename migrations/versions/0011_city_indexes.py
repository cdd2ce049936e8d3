"""indexes for a city's worth of rows: queues and board by compound and status, the bell's unread count

Revision ID: 0011_city_indexes
Revises: 0010_report_jobs
Create Date: 2026-11-24 19:45:00

Only indexes: no data changes, so downgrading drops them and nothing else.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_city_indexes'
down_revision = '0010_report_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('repair_request', schema=None) as batch_op:
        batch_op.create_index('ix_repair_request_compound_status_closed', ['compound_id', 'status', 'closed_at'], unique=False)
        batch_op.create_index('ix_repair_request_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.create_index('ix_repair_request_open', ['compound_id', 'created_at'], unique=False,
                              sqlite_where=sa.text("status != 'closed'"), postgresql_where=sa.text("status != 'closed'"))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')
    with op.batch_alter_table('repair_request', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_request_open')
        batch_op.drop_index('ix_repair_request_handler_status')
        batch_op.drop_index('ix_repair_request_compound_status_closed')
