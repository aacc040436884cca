"""deliverables: one live row per item. A deliverable marked again supersedes the one before (kept, out of the live
set, `superseded_by_id` pointing at the new one); the duplicates already marked (a double submit made four of the
same application) are folded into the latest of each item, then a partial unique index keeps it so.

Revision ID: c5d2a9e7f310
Revises: b3e8f0c4a1d2
Create Date: 2026-12-05 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'c5d2a9e7f310'
down_revision = 'b3e8f0c4a1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_deliverables_superseded_by_id_deliverables', 'deliverables',
                                    ['superseded_by_id'], ['id'], ondelete='SET NULL')
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, enrollment_id, item FROM deliverables WHERE deleted_at IS NULL "
        "ORDER BY enrollment_id, item, done_on DESC, id DESC")).all()
    latest: dict[tuple[int, str], int] = {}
    for row_id, enrollment_id, item in rows:
        keeper = latest.setdefault((enrollment_id, item), row_id)
        if keeper != row_id:
            connection.execute(sa.text(
                "UPDATE deliverables SET deleted_at = CURRENT_TIMESTAMP, superseded_by_id = :keeper WHERE id = :id"),
                {"keeper": keeper, "id": row_id})
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index('uq_deliverables_live_item', ['enrollment_id', 'item'], unique=True,
                              sqlite_where=sa.text('deleted_at IS NULL'),
                              postgresql_where=sa.text('deleted_at IS NULL'))


def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('uq_deliverables_live_item')
        batch_op.drop_constraint('fk_deliverables_superseded_by_id_deliverables', type_='foreignkey')
        batch_op.drop_column('superseded_by_id')
