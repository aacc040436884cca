"""posts.edited_by_id and post_revisions.title: the board's edit history credits each version to the person who
wrote it and keeps the thread's earlier titles.

Before, an edit stored the text it replaced under the name of the person replacing it (from the second edit on),
and a title change was kept nowhere. Now a post keeps who wrote its current text (`edited_by_id`, empty while the
author's first text stands) and each revision the title of the thread at that version (opening posts only).

Existing rows, best effort: a revision of version n > 2 was stored with the person who replaced it, who is the
writer of version n + 1; so version n's writer is the name stored on version n - 1 (when n - 1 > 1), and the
current text's writer is the name on the newest revision (when its version > 1). Who wrote version 2 was never
recorded: it is credited to the post's author (a convener's edit of someone else's post is in the audit trail).
Earlier titles were never kept: those revisions have none. The downgrade puts the old (shifted) names back.

Revision ID: c3d9e1f7a254
Revises: b6e2d4a8c913
Create Date: 2026-12-06 10:00:00.000000

"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

import workspace.core.database  # noqa: F401 - custom column types

# revision identifiers, used by Alembic.
revision = 'c3d9e1f7a254'
down_revision = 'b6e2d4a8c913'
branch_labels = None
depends_on = None


def _revisions(connection) -> dict[int, list[tuple[int, int, int | None]]]:
    """Each post's revisions (id, version, editor_id), oldest first."""
    by_post: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
    for row in connection.execute(sa.text(
            "SELECT id, post_id, version, editor_id FROM post_revisions ORDER BY post_id, version, id")):
        by_post[row.post_id].append((row.id, row.version, row.editor_id))
    return by_post


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_posts_edited_by_id_users', 'users', ['edited_by_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))

    connection = op.get_bind()
    authors = {row.id: row.author_id for row in connection.execute(sa.text("SELECT id, author_id FROM posts"))}
    for post_id, rows in _revisions(connection).items():
        stored = {version: editor for _id, version, editor in rows}
        for revision_id, version, _editor in rows:
            writer = stored.get(version - 1) if version > 2 and version - 1 in stored else authors.get(post_id)
            connection.execute(sa.text("UPDATE post_revisions SET editor_id = :writer WHERE id = :id"),
                               {"writer": writer, "id": revision_id})
        _id, newest, newest_editor = rows[-1]
        if newest > 1 and newest_editor is not None:
            connection.execute(sa.text("UPDATE posts SET edited_by_id = :editor WHERE id = :id"),
                               {"editor": newest_editor, "id": post_id})


def downgrade():
    connection = op.get_bind()
    edited_by = {row.id: row.edited_by_id for row in connection.execute(
        sa.text("SELECT id, edited_by_id FROM posts WHERE edited_by_id IS NOT NULL"))}
    for post_id, rows in _revisions(connection).items():
        writers = {version: editor for _id, version, editor in rows}
        for revision_id, version, editor in rows:
            if version == 1:
                continue  # the author, as before
            replaced_by = writers.get(version + 1, edited_by.get(post_id, editor))
            connection.execute(sa.text("UPDATE post_revisions SET editor_id = :editor WHERE id = :id"),
                               {"editor": replaced_by, "id": revision_id})
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_column('title')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_posts_edited_by_id_users', type_='foreignkey')
        batch_op.drop_column('edited_by_id')
