"""deadline reminders: notification settings notify_deadlines and email_deadlines (on by default, as the other
choices), and reminders_sent, the (person, key) guard that tells each person of each deadline at each threshold once
(a reminder job run twice or late sends nothing twice).

Revision ID: a7d3e9c1b5f2
Revises: e5a9c2d7b4f1
Create Date: 2026-12-05 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from workspace.core.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a7d3e9c1b5f2'
down_revision = 'e5a9c2d7b4f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_deadlines', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('email_deadlines', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'reminders_sent',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('sent_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_sent_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_reminders_sent')),
    )


def downgrade():
    op.drop_table('reminders_sent')
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('email_deadlines')
        batch_op.drop_column('notify_deadlines')
