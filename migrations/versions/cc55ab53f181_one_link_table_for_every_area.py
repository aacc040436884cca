"""links: one link table for every area

activity_links, plan_links and threads.linked_type/linked_id become rows of `links` (from, to, role).
Every existing link is copied, in its order; links that had no role get one: an activity's resource is its "output", a plan's resource its "attachment", a thread's record its "subject".
The downgrade puts them back (links of other kinds or roles, made after the upgrade, have no old home).

Revision ID: cc55ab53f181
Revises: 9697cf480696
Create Date: 2026-12-02 03:57:38.902740

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'cc55ab53f181'
down_revision = '9697cf480696'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_type', sa.String(length=20), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('to_type', sa.String(length=20), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_links_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links')),
    sa.UniqueConstraint('from_type', 'from_id', 'to_type', 'to_id', 'role', name='uq_links')
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index('ix_links_to', ['to_type', 'to_id', 'role'], unique=False)
    # The link pickers read a community's resources most recently changed first, in the order of this index.
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_community_recent', ['community_id', 'updated_at'], unique=False,
                              postgresql_where=sa.text('deleted_at IS NULL'),
                              sqlite_where=sa.text('deleted_at IS NULL'))

    op.execute("""
        INSERT INTO links (from_type, from_id, to_type, to_id, role, created_by_id, created_at)
        SELECT 'activity', activity_id, linked_type, linked_id, 'output', NULL, created_at
        FROM activity_links ORDER BY id
    """)
    op.execute("""
        INSERT INTO links (from_type, from_id, to_type, to_id, role, created_by_id, created_at)
        SELECT 'plan', doc_id, target_type, target_id,
               CASE WHEN role = '' THEN 'attachment' ELSE role END, added_by_id, created_at
        FROM plan_links ORDER BY id
    """)
    op.execute("""
        INSERT INTO links (from_type, from_id, to_type, to_id, role, created_by_id, created_at)
        SELECT 'thread', id, linked_type, linked_id, 'subject', author_id, created_at
        FROM threads WHERE linked_type IS NOT NULL AND linked_id IS NOT NULL ORDER BY id
    """)

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_linked')
        batch_op.drop_column('linked_id')
        batch_op.drop_column('linked_type')
    with op.batch_alter_table('plan_links', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_links_target')
    op.drop_table('plan_links')
    with op.batch_alter_table('activity_links', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_links_target')
    op.drop_table('activity_links')


def downgrade():
    op.create_table('activity_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('linked_type', sa.String(length=20), nullable=False),
    sa.Column('linked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_links_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_links')),
    sa.UniqueConstraint('activity_id', 'linked_type', 'linked_id', name='uq_activity_links')
    )
    with op.batch_alter_table('activity_links', schema=None) as batch_op:
        batch_op.create_index('ix_activity_links_target', ['linked_type', 'linked_id'], unique=False)
    op.create_table('plan_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=12), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_plan_links_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['doc_id'], ['plan_docs.id'], name=op.f('fk_plan_links_doc_id_plan_docs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_links')),
    sa.UniqueConstraint('doc_id', 'target_type', 'target_id', name='uq_plan_links_target')
    )
    with op.batch_alter_table('plan_links', schema=None) as batch_op:
        batch_op.create_index('ix_plan_links_target', ['target_type', 'target_id'], unique=False)
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('linked_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_threads_linked', ['linked_type', 'linked_id'], unique=False)

    # Only links whose record still exists go back: the old tables had foreign keys where `links` has none.
    op.execute("""
        INSERT INTO activity_links (activity_id, linked_type, linked_id, created_at)
        SELECT from_id, to_type, to_id, created_at FROM links
        WHERE from_type = 'activity' AND role = 'output' AND from_id IN (SELECT id FROM activities)
        ORDER BY id
    """)
    op.execute("""
        INSERT INTO plan_links (doc_id, target_type, target_id, role, added_by_id, created_at)
        SELECT from_id, to_type, to_id, CASE WHEN role = 'attachment' THEN '' ELSE role END, created_by_id,
               created_at
        FROM links
        WHERE from_type = 'plan' AND role IN ('attachment', 'meeting', 'observation')
              AND from_id IN (SELECT id FROM plan_docs)
        ORDER BY id
    """)
    op.execute("""
        UPDATE threads SET
            linked_type = (SELECT to_type FROM links WHERE from_type = 'thread' AND from_id = threads.id
                           AND role = 'subject' ORDER BY id LIMIT 1),
            linked_id = (SELECT to_id FROM links WHERE from_type = 'thread' AND from_id = threads.id
                         AND role = 'subject' ORDER BY id LIMIT 1)
    """)

    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_community_recent')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_to')
    op.drop_table('links')
