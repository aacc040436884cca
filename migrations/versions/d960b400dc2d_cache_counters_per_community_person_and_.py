"""cache counters per community, person and site

Revision ID: d960b400dc2d
Revises: cc55ab53f181
Create Date: 2026-12-02 03:58:17.670639

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'd960b400dc2d'
down_revision = 'cc55ab53f181'
branch_labels = None
depends_on = None


def upgrade():
    # The page cache's counters (workspace/core/cache.py): one per community, person, the site and
    # everything, instead of one row bumped by every write. Cached pages are keyed on the new counters,
    # so starting them at nothing only makes the next view of each page a fresh one.
    op.create_table('cache_counters',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'scope_id', name=op.f('pk_cache_counters'))
    )
    op.drop_table('data_generation')


def downgrade():
    op.create_table('data_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    op.execute("INSERT INTO data_generation (id, value) VALUES (1, 0)")
    op.drop_table('cache_counters')
