"""monthly reports built in the background: one row per job, the file kept with it

Revision ID: 0010_report_jobs
Revises: 0009_projects
Create Date: 2026-11-24 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_report_jobs'
down_revision = '0009_projects'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_job',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_kind', sa.String(length=16), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_job_status_enum')),
    sa.CheckConstraint("area_kind IN ('community', 'street', 'company')", name=op.f('ck_report_job_area_kind_enum')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_job_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_job'))
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_job_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_job_user_id'))
    op.drop_table('report_job')
