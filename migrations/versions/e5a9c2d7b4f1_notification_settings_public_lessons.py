"""notification settings: notify_lessons and email_lessons, for the public lessons (公開課) that now notify the
community's members when one is scheduled, moved or cancelled; on by default, as the other choices.

Revision ID: e5a9c2d7b4f1
Revises: f5a8c2e9d317
Create Date: 2026-12-05 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a9c2d7b4f1'
down_revision = 'f5a8c2e9d317'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_lessons', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('email_lessons', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('email_lessons')
        batch_op.drop_column('notify_lessons')
