"""pairing_milestones: a kind of its own for the new teacher's observation of the mentor (observe_mentor). One
"observation" kind served both directions, so the mentor's first observation of the new teacher also ticked "the
new teacher observes the mentor". The default list's milestone of that direction falls to the new teacher: the
milestones of kind observation that fall to the new teacher (owner mentee), and the same items of the communities'
saved default lists, become observe_mentor; those that fall to the mentor stay observation.

Revision ID: d4f7a1c3e8b2
Revises: c3f9a1d7e2b4
Create Date: 2026-12-06 10:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f7a1c3e8b2'
down_revision = 'c3f9a1d7e2b4'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('meeting', 'observation', 'public_lesson', 'goal', 'handbook', 'other')"
NEW_KINDS = "kind IN ('meeting', 'observation', 'observe_mentor', 'public_lesson', 'goal', 'handbook', 'other')"


def _settings(before, after, owners):
    """The communities' saved default lists (JSON): the same items change kind."""
    connection = op.get_bind()
    settings = sa.table('mentoring_settings', sa.column('community_id', sa.Integer()),
                        sa.column('milestones', sa.JSON()))
    for community_id, items in connection.execute(sa.select(settings.c.community_id, settings.c.milestones)).all():
        if isinstance(items, str):  # a driver that hands the JSON back as text
            items = json.loads(items)
        changed = [dict(item, kind=after) if item.get('kind') == before and item.get('owner') in owners else item
                   for item in items or []]
        if changed != (items or []):
            connection.execute(settings.update().where(settings.c.community_id == community_id)
                               .values(milestones=changed))


def _check(kinds):
    with op.batch_alter_table('pairing_milestones', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pairing_milestones_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_pairing_milestones_kind'), kinds)


def upgrade():
    _check(NEW_KINDS)
    op.execute("UPDATE pairing_milestones SET kind = 'observe_mentor' WHERE kind = 'observation' AND owner = 'mentee'")
    _settings('observation', 'observe_mentor', {'mentee'})


def downgrade():
    _settings('observe_mentor', 'observation', {'mentor', 'mentee'})
    op.execute("UPDATE pairing_milestones SET kind = 'observation' WHERE kind = 'observe_mentor'")
    _check(OLD_KINDS)
