"""Two saves of one record from the same version: the second is refused, never written over the first.

A request reads before it takes SQLite's write lock (as PostgreSQL's READ COMMITTED reads before it locks a
row), so what it read may be a moment old. The version checks therefore compare-and-swap in the database
(core.database.advance). Each test holds such a moment-old copy, read in its own transaction, while another
person's save is committed from a connection of its own; then it saves from the old copy.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select, text

from tests.activities.helpers import make_club
from tests.discussions.helpers import make_board
from tests.factories import make_community, make_user
from tests.plans.helpers import make_team
from workspace.activities import services as activities
from workspace.communities import services as communities
from workspace.communities.models import Invitation, Membership
from workspace.core.errors import Conflict, ValidationError
from workspace.discussions import services as discussions
from workspace.discussions.models import Post
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.plans.models import PlanDoc


def saved_elsewhere(statement: str, **values: object) -> None:
    """Another person's save, committed from a connection of its own."""
    with db.engine.connect() as connection:
        connection.execute(text(statement), values)
        connection.commit()


def test_an_edit_of_a_post_from_a_version_saved_over_meanwhile_is_refused(ctx):
    board = make_board()
    thread = board.thread(body="第一版")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert post.version == 1  # read now: the copy the edit starts from
    saved_elsewhere("UPDATE posts SET body = '林老師改的版本', version = 2 WHERE id = :id", id=post.id)
    with pytest.raises(Conflict):
        discussions.edit_post(post, "我的版本", actor=board.member, base_version=1)
    db.session.rollback()
    assert db.session.get(Post, post.id).body == "林老師改的版本"


def test_plan_details_changed_meanwhile_are_not_overwritten(ctx):
    team = make_team()
    doc = team.plan()
    version = doc.version
    saved_elsewhere("UPDATE plan_docs SET topic = '分數的乘法', version = version + 1 WHERE id = :id", id=doc.id)
    fields = plans.PlanFields(topic="分數的除法", subject="數學", grade="五年級", lead_id=team.lead.id,
                              teacher_ids=[team.lead.id, team.teacher.id])
    with pytest.raises(Conflict):
        plans.update_fields(doc, fields, actor=team.lead, base_version=version)
    db.session.rollback()
    assert db.session.get(PlanDoc, doc.id).topic == "分數的乘法"


def test_an_activity_changed_meanwhile_is_not_overwritten(ctx):
    club = make_club()
    activity = club.activity()
    fields = dataclasses.replace(activities.fields_of(activity), place="視聽教室")
    version = activity.version
    saved_elsewhere("UPDATE activities SET place = '圖書館', version = version + 1 WHERE id = :id", id=activity.id)
    with pytest.raises(Conflict):
        activities.update_activity(activity, fields, actor=club.convener, base_version=version)
    db.session.rollback()
    assert db.session.get(type(activity), activity.id).place == "圖書館"


def test_minutes_saved_meanwhile_are_not_overwritten(ctx):
    club = make_club()
    activity = club.activity()
    version = activity.minutes_version
    saved_elsewhere("UPDATE activities SET minutes = '王老師的紀錄', minutes_version = minutes_version + 1 "
                    "WHERE id = :id", id=activity.id)
    with pytest.raises(Conflict):
        activities.save_minutes(activity, "我的紀錄", "", actor=club.convener, base_version=version)
    db.session.rollback()
    assert db.session.get(type(activity), activity.id).minutes == "王老師的紀錄"


def test_a_single_use_invitation_taken_meanwhile_lets_nobody_else_in(ctx):
    community = make_community()
    invitation = communities.create_invitation(community, actor=community_convener(community), role="member",
                                               single_use=True)
    db.session.commit()
    newcomer = make_user()
    assert invitation.use_count == 0  # read now: the link looks unused
    saved_elsewhere("UPDATE invitations SET use_count = 1 WHERE id = :id", id=invitation.id)
    with pytest.raises(ValidationError, match="already been used"):
        communities.accept_invitation(invitation, newcomer)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.user_id == newcomer.id)) == 0
    assert db.session.get(Invitation, invitation.id).use_count == 1


def community_convener(community):
    return db.session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                      Membership.role == "convener")).user
