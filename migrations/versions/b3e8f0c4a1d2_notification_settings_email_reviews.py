"""notification settings: email_reviews, for the compliance submissions (handed in, returned, approved) that now
notify the reviewers and the conveners; on by default, as the other emails.

Revision ID: b3e8f0c4a1d2
Revises: a7c31e5d9b42
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e8f0c4a1d2'
down_revision = 'a7c31e5d9b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_reviews', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('email_reviews')
