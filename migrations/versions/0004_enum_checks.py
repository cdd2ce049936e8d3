"""CHECK constraints for the enumerated columns

Revision ID: 0004_enum_checks
Revises: 0003_repairs
Create Date: 2026-11-24 10:00:00.000000

The values are written out here, as the enums held them when this revision was made: a later
member needs its own revision that drops and recreates the constraint. Autogenerate does not
compare CHECK constraints; tests/core/test_enums.py checks the database against the enums.

On SQLite each table is rebuilt (batch "move and copy"). Dropping the old copy of a table that
other rows refer to would break their foreign keys, so foreign keys are switched off for the
rebuild (only possible outside a transaction) and checked before they are switched on again.
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_enum_checks'
down_revision = '0003_repairs'
branch_labels = None
depends_on = None

STATUS = ('submitted', 'assigned', 'in_progress', 'on_hold', 'resolved', 'closed')
KIND = ('household', 'community', 'department', 'hard')
CATEGORY = ('water_power', 'heating', 'sewer', 'elevator', 'access', 'parking', 'charging', 'sanitation',
            'greening', 'road', 'noise', 'neighbour', 'other')
URGENCY = ('normal', 'urgent', 'emergency')
CHANNEL = ('online', 'phone', 'walk_in', 'patrol')
CLOSE_REASON = ('evaluated', 'not_evaluated')
PHOTO_STAGE = ('filing', 'result')
ORG_KIND = ('street_office', 'party_committee', 'party_branch', 'residents_committee', 'owners_committee',
            'property_company', 'resident_unit', 'volunteer_team')
CONTRACT_STATUS = ('active', 'terminated')
ROLE = ('street_admin', 'party_secretary', 'party_committee', 'community_worker', 'grid_worker',
        'branch_member', 'owners_committee', 'property_manager', 'property_staff', 'member', 'resident')
RELATION = ('owner', 'family', 'tenant')

#: table → (column, allowed values); each constraint is named ck_<table>_<column>_enum
CHECKS = {
    'organisation': [('kind', ORG_KIND)],
    'service_contract': [('status', CONTRACT_STATUS)],
    'position': [('role', ROLE)],
    'household_member': [('relation', RELATION)],
    'repair_request': [('status', STATUS), ('kind', KIND), ('category', CATEGORY), ('urgency', URGENCY),
                       ('channel', CHANNEL), ('close_reason', CLOSE_REASON)],
    'request_photo': [('stage', PHOTO_STAGE)],
    'service_level': [('category', CATEGORY), ('urgency', URGENCY)],
}


def _condition(column, values):
    return "{} IN ({})".format(column, ", ".join("'{}'".format(value) for value in values))


@contextmanager
def _sqlite_foreign_keys_off():
    context = op.get_context()
    if context.dialect.name != 'sqlite' or context.as_sql:
        yield
        return
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys=OFF')
    yield
    broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError(f'foreign keys broken by the rebuild: {broken[:5]}')
    # Commits the rebuild (the PRAGMA is ignored inside a transaction); Alembic then records the
    # revision in a new one. On an error nothing is committed and the command fails.
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    with _sqlite_foreign_keys_off():
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column, values in checks:
                    batch_op.create_check_constraint(op.f(f'ck_{table}_{column}_enum'), _condition(column, values))


def downgrade():
    with _sqlite_foreign_keys_off():
        for table, checks in reversed(CHECKS.items()):
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column, _values in reversed(checks):
                    batch_op.drop_constraint(op.f(f'ck_{table}_{column}_enum'), type_='check')
