"""urban-rural communities: school roles, agreement term, exchanged teachers; teachers' title and subjects

Revision ID: e1eda6cec95a
Revises: 8ca45c5a10e3
Create Date: 2026-12-02 07:46:17.109961

"""
from alembic import op
import sqlalchemy as sa

import workspace.core.database  # noqa: F401 - custom column types


# revision identifiers, used by Alembic.
revision = 'e1eda6cec95a'
down_revision = '8ca45c5a10e3'
branch_labels = None
depends_on = None


def upgrade():
    # What the urban–rural (URC) and mentoring rules read: an urban–rural community's exchanged teachers, its
    # schools' roles (core / member; every existing school starts as a member, so an urban–rural community's
    # convener names the core school in its settings) and its agreement's term; a teacher's professional title
    # (none until the person says) and subjects.
    op.create_table('exchanged_teachers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workspace.core.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_exchanged_teachers_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exchanged_teachers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exchanged_teachers_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exchanged_teachers_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchanged_teachers'))
    )
    with op.batch_alter_table('exchanged_teachers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchanged_teachers_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanged_teachers_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchanged_teachers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('agreement_ends_on', sa.Date(), nullable=True))

    with op.batch_alter_table('community_schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), server_default='member', nullable=False))
        batch_op.create_check_constraint(op.f('ck_community_schools_role'), "role IN ('core', 'member')")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=20), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('subjects', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_users_title'), "title IN ('none', 'junior', 'intermediate', 'senior', 'professor')")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_title'), type_='check')
        batch_op.drop_column('subjects')
        batch_op.drop_column('title')

    with op.batch_alter_table('community_schools', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_community_schools_role'), type_='check')
        batch_op.drop_column('role')

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('agreement_ends_on')
        batch_op.drop_column('agreement_starts_on')

    with op.batch_alter_table('exchanged_teachers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchanged_teachers_user_id'))
        batch_op.drop_index(batch_op.f('ix_exchanged_teachers_school_id'))
        batch_op.drop_index(batch_op.f('ix_exchanged_teachers_community_id'))

    op.drop_table('exchanged_teachers')
