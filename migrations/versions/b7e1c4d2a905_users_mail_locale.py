"""users: mail_locale, the language of a person's last login, for the emails of someone who never chose a language
(the pages follow their browser; the emails went out in the deployment's default: Traditional to a mainland
teacher who read the site in Simplified). Empty until their next login.

Revision ID: b7e1c4d2a905
Revises: a9d3e5c7b201
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1c4d2a905'
down_revision = 'a9d3e5c7b201'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_locale', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mail_locale')
