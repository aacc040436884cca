"""search: documents, with an FTS5 index on SQLite and tsvector columns on PostgreSQL

Revision ID: 5ea7c4000001
Revises: b10b5a0e0001
Create Date: 2026-11-24 12:00:00.000000

The index objects differ by database and no model declares them (core/search.py `include_name` hides
them from autogenerate). Tokens are made in Python (core/search.py), so the FTS5 table uses the `ascii`
tokenizer only to split on the spaces we put between tokens; it keeps no positions (`detail=column`,
`columnsize=0`) because queries are sets of single tokens. The trigger keeps the FTS5 table in step
when rows go by ON DELETE CASCADE; a later batch-mode copy of search_documents drops it and must
create it again (search still works without it: every write replaces its rowid first).
"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = '5ea7c4000001'
down_revision = 'b10b5a0e0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('folded_title', sa.Text(), nullable=False),
    sa.Column('folded_body', sa.Text(), nullable=False),
    sa.Column('updated_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_search_documents_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_documents_kind_object_id'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_community_kind', ['community_id', 'kind'], unique=False)
        batch_op.create_index('ix_search_documents_visibility', ['visibility'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, body, tokenize='ascii', detail='column', columnsize=0)"
        )
        op.execute(
            "CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents "
            "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END"
        )
    elif dialect == 'postgresql':
        op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("ALTER TABLE search_documents ADD COLUMN title_tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS search_documents_fts_delete")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_visibility')
        batch_op.drop_index('ix_search_documents_community_kind')

    op.drop_table('search_documents')
