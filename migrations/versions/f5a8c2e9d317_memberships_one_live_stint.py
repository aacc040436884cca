"""memberships: one row per stint. A person who leaves and comes back gets a new row (the old one keeps its
joined_at and left_at, so a report of a past period reads the same after a rejoin); a partial unique index keeps at
most one live row (left_at IS NULL) per community and person.

Existing databases hold one row per pair (a rejoin reused the row), so the index applies as it is. Should a pair
hold two live rows all the same (written past the service), they are folded first: the convener's row if either
is, else the oldest, is kept and takes the earliest joined_at; the others are closed at their own joined_at (a
stint of no length, a member at no moment), kept for what refers to them.

Down: the index goes; the rows of several stints stay (the code before reads the live one where it cares).

Revision ID: f5a8c2e9d317
Revises: d4f7a1c3e8b2
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5a8c2e9d317'
down_revision = 'd4f7a1c3e8b2'
branch_labels = None
depends_on = None


def _fold_live_duplicates():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, community_id, user_id, role, joined_at FROM memberships WHERE left_at IS NULL "
        "ORDER BY community_id, user_id, CASE WHEN role = 'convener' THEN 0 ELSE 1 END, joined_at, id")).all()
    groups: dict[tuple[int, int], list] = {}
    for row in rows:
        groups.setdefault((row.community_id, row.user_id), []).append(row)
    for keeper, *others in groups.values():
        if not others:
            continue
        earliest = min(row.joined_at for row in (keeper, *others))
        connection.execute(sa.text("UPDATE memberships SET joined_at = :joined WHERE id = :id"),
                           {"joined": earliest, "id": keeper.id})
        for row in others:
            connection.execute(sa.text("UPDATE memberships SET left_at = joined_at WHERE id = :id"), {"id": row.id})


def upgrade():
    _fold_live_duplicates()
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('uq_memberships_one_live', ['community_id', 'user_id'], unique=True,
                              sqlite_where=sa.text('left_at IS NULL'),
                              postgresql_where=sa.text('left_at IS NULL'))


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_memberships_one_live')
