"""compliance: programs, enrolments, waivers, expenses, book lists

Revision ID: a7c3e91b2d40
Revises: d960b400dc2d
Create Date: 2026-12-02 08:20:00

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'a7c3e91b2d40'
down_revision = 'd960b400dc2d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('preset_key', sa.String(length=60), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programs_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs')),
    sa.UniqueConstraint('key', name=op.f('uq_programs_key'))
    )
    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('approved_amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('requested', 'confirmed')", name=op.f('ck_enrollments_status')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_enrollments_community_id_communities'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_enrollments_confirmed_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_enrollments_program_id_programs'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_enrollments_requested_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('community_id', 'program_id', name='uq_enrollments_community_program')
    )
    op.create_index('ix_enrollments_program', 'enrollments', ['program_id'], unique=False)
    op.create_table('rule_waivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('waived_by_id', sa.Integer(), nullable=True),
    sa.Column('waived_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_rule_waivers_enrollment_id_enrollments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['waived_by_id'], ['users.id'], name=op.f('fk_rule_waivers_waived_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_waivers'))
    )
    op.create_index('ix_rule_waivers_enrollment', 'rule_waivers', ['enrollment_id', 'rule_id'], unique=False)
    op.create_table('expenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=True),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('receipt_blob_id', sa.Integer(), nullable=True),
    sa.Column('receipt_filename', sa.String(length=200), nullable=False),
    sa.Column('claimable', sa.Boolean(), nullable=False),
    sa.Column('breaches', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_expenses_activity_id_activities'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expenses_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_expenses_enrollment_id_enrollments'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['receipt_blob_id'], ['blobs.id'], name=op.f('fk_expenses_receipt_blob_id_blobs'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expenses'))
    )
    op.create_index('ix_expenses_enrollment_day', 'expenses', ['enrollment_id', 'spent_on'], unique=False)
    op.create_table('book_list_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('relevance', sa.Text(), nullable=False),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', workspace.core.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                            name=op.f('fk_book_list_items_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_book_list_items'))
    )
    op.create_index('ix_book_list_items_enrollment', 'book_list_items', ['enrollment_id'], unique=False)


def downgrade():
    op.drop_index('ix_book_list_items_enrollment', table_name='book_list_items')
    op.drop_table('book_list_items')
    op.drop_index('ix_expenses_enrollment_day', table_name='expenses')
    op.drop_table('expenses')
    op.drop_index('ix_rule_waivers_enrollment', table_name='rule_waivers')
    op.drop_table('rule_waivers')
    op.drop_index('ix_enrollments_program', table_name='enrollments')
    op.drop_table('enrollments')
    op.drop_table('programs')
