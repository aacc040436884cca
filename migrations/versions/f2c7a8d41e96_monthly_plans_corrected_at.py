"""monthly_plans: corrected_at, when a plan submitted before was last submitted again (a correction). The deadline is
still judged on submitted_at, the first hand-in; the page and the reviewers now also see the day of the correction.
Plans submitted before keep it empty: their corrections are in the audit trail only.

Revision ID: f2c7a8d41e96
Revises: e4b8d1f6a930
Create Date: 2026-12-04 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'f2c7a8d41e96'
down_revision = 'e4b8d1f6a930'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('monthly_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('monthly_plans', schema=None) as batch_op:
        batch_op.drop_column('corrected_at')
