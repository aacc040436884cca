"""Milestone reminders open the milestone's own address (/c/<slug>/mentoring/pairings/<id>/milestones/<id>), which
says when the milestone has since gone to the trash: the reminders given before pointed at an anchor of the pairing's
page (…/pairings/<id>#milestone-<id>), a silent landing once the milestone was trashed. Data only; downgrade puts the
anchors back.

Revision ID: b6e2d4a8c913
Revises: a7d3e9c1b5f2
Create Date: 2026-12-05 11:50:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6e2d4a8c913'
down_revision = 'a7d3e9c1b5f2'
branch_labels = None
depends_on = None

_ANCHORED = re.compile(r"^(.*/mentoring/pairings/\d+)#milestone-(\d+)$")
_OWN = re.compile(r"^(.*/mentoring/pairings/\d+)/milestones/(\d+)$")
notifications = sa.table('notifications', sa.column('id', sa.Integer), sa.column('subject_type', sa.String),
                         sa.column('path', sa.String))


def _rewrite(pattern, build):
    bind = op.get_bind()
    rows = bind.execute(sa.select(notifications.c.id, notifications.c.path)
                        .where(notifications.c.subject_type == 'milestone')).all()
    for row_id, path in rows:
        match = pattern.match(path or "")
        if match:
            bind.execute(notifications.update().where(notifications.c.id == row_id)
                         .values(path=build(match.group(1), match.group(2))))


def upgrade():
    _rewrite(_ANCHORED, lambda pairing, milestone: f"{pairing}/milestones/{milestone}")


def downgrade():
    _rewrite(_OWN, lambda pairing, milestone: f"{pairing}#milestone-{milestone}")
