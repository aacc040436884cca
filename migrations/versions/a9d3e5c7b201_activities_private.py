"""activities: private, for a pair's meeting or observation recorded by mentoring: only the people it marks, the
conveners and admins read it (members and reviewers saw who guides whom and when, and could give it feedback).
The meetings and the pair observations recorded before are marked so; public lessons stay open to colleagues.

Revision ID: a9d3e5c7b201
Revises: f2c7a8d41e96
Create Date: 2026-12-04 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'a9d3e5c7b201'
down_revision = 'f2c7a8d41e96'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE activities SET private = true WHERE id IN ("
        "SELECT activity_id FROM meeting_logs WHERE activity_id IS NOT NULL "
        "UNION SELECT activity_id FROM observations WHERE activity_id IS NOT NULL AND public_lesson_id IS NULL)")


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('private')
