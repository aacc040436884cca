"""users: pending_invitation_id, the invitation a person signed up through while the site sends no email: kept
until an administrator lets the account in, who then joins the community it was for (they were left on "You are
not in a community yet", to find the link again). A plain id, no foreign key: the invitation may be withdrawn or
purged meanwhile, and is then simply not found.

Revision ID: c3f9a1d7e2b4
Revises: b7e1c4d2a905
Create Date: 2026-12-05 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f9a1d7e2b4'
down_revision = 'b7e1c4d2a905'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_invitation_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pending_invitation_id')
