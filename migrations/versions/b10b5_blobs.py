"""blobs: content-addressed uploaded files

Revision ID: b10b5a0e0001
Revises: c3e447d577a9
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database


# revision identifiers, used by Alembic.
revision = 'b10b5a0e0001'
down_revision = 'c3e447d577a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blobs')),
    sa.UniqueConstraint('sha256', name=op.f('uq_blobs_sha256'))
    )


def downgrade():
    op.drop_table('blobs')
