"""activities: named_only, for an activity where only the people it marks were expected (a pair's meeting or
observation, a public lesson); those mentoring already recorded are marked so.

Revision ID: a7c31e5d9b42
Revises: 044ffb14b1dd
Create Date: 2026-12-03 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'a7c31e5d9b42'
down_revision = '044ffb14b1dd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('named_only', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The activities mentoring recorded before: each counted every member as expected.
    op.execute(
        "UPDATE activities SET named_only = true WHERE id IN ("
        "SELECT activity_id FROM meeting_logs WHERE activity_id IS NOT NULL "
        "UNION SELECT activity_id FROM observations WHERE activity_id IS NOT NULL "
        "UNION SELECT activity_id FROM public_lessons)")


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('named_only')
