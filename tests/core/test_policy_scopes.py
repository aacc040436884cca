"""The policy's list scopes agree with can(): for every model with a scope, every role and every listed action,
the rows a list selects with scope(user, action, Model) are exactly those can(user, action, row) allows.

One world holds every role (site administrator, convener, co-convener, member, guest expert, departed member,
reviewers of the community's school, of another school and of every school, a teacher of the same school, an
outsider, a visitor) and records of every model in every state (trashed lately and long ago, draft and final,
community, school-wide and public, cancelled, deleted, adaptations), in an open, an archived and another
school's community.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import g
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from workspace.activities.models import Activity, Attendance
from workspace.communities.models import Community, ExchangedTeacher
from workspace.communities.policy import forget_memberships
from workspace.core.database import utcnow
from workspace.core.permissions import can, page_permissions, scope
from workspace.discussions.models import Category, Post, Thread
from workspace.extensions import db
from workspace.plans.models import PlanDoc, PlanKind, PlanStatus
from workspace.resources.models import Resource, Visibility

# model -> the actions a list asks about
LISTED: dict[type, tuple[str, ...]] = {
    Community: ("view", "review", "read_material", "read_activities", "view_audit", "contribute", "edit",
                "moderate", "manage_activities", "manage_plan_templates", "use_mentoring", "manage_mentoring",
                "view_pairings"),
    Resource: ("view", "restore"),
    Thread: ("view",),
    Post: ("view",),
    Activity: ("view",),
    PlanDoc: ("view", "restore"),
    ExchangedTeacher: ("view",),
}


def _records(community: Community, people: dict[str, Any]) -> None:
    """One record of every model in every state the policy distinguishes, in `community`."""
    now = utcnow()
    lately, long_ago = now - dt.timedelta(days=3), now - dt.timedelta(days=40)
    authors = [people["member"], people["co_convener"], people["departed"], people["guest_expert"]]
    for visibility in Visibility:
        for author in authors:
            for deleted_at in (None, lately, long_ago):
                db.session.add(Resource(community_id=community.id, author_id=author.id, title="A lesson",
                                        kind="lesson_plan", visibility=visibility.value, deleted_at=deleted_at))
    category = db.session.scalars(select(Category).where(Category.community_id == community.id)).first()
    for locked in (False, True):
        thread = Thread(community_id=community.id, category_id=category.id, author_id=people["member"].id,
                        title="Fractions", locked_at=lately if locked else None)
        db.session.add(thread)
        db.session.flush()
        posts = [(author, deleted_at, edited_at)
                 for author in (people["member"], people["convener"], people["guest_expert"], None)
                 for deleted_at in (None, lately) for edited_at in (None, lately)]
        for number, (author, deleted_at, edited_at) in enumerate(posts, start=1):
            db.session.add(Post(thread_id=thread.id, number=number, author_id=author.id if author else None,
                                body="Yes", body_html="Yes", deleted_at=deleted_at, edited_at=edited_at))
    db.session.add(ExchangedTeacher(community_id=community.id, name="林老師", school_id=community.schools[0].id,
                                    subject="數學"))
    for cancelled_at in (None, lately):
        db.session.add(Activity(community_id=community.id, title="Lesson study", method="topic_study",
                                starts_at=now, ends_at=now + dt.timedelta(hours=1), cancelled_at=cancelled_at))
        # A pair's meeting: the mentor and the member it marks read it (not the departed one), the conveners, admins.
        meeting = Activity(community_id=community.id, title="新進教師輔導", method="new_teacher_mentoring",
                           starts_at=now, ends_at=now + dt.timedelta(hours=1), cancelled_at=cancelled_at,
                           named_only=True, private=True)
        db.session.add(meeting)
        db.session.flush()
        for person in ("mentor", "member", "departed"):
            db.session.add(Attendance(activity_id=meeting.id, user_id=people[person].id, status="present"))
    shared = []
    for status in (PlanStatus.DRAFT, PlanStatus.FINAL):
        for lead, maker in ((people["member"], people["convener"]), (people["convener"], people["member"]),
                            (people["departed"], people["departed"]), (people["guest_expert"], None)):
            for deleted_at in (None, lately):
                doc = PlanDoc(community_id=community.id, topic="Fractions", status=status.value, lead_id=lead.id,
                              created_by_id=maker.id if maker else None, deleted_at=deleted_at)
                db.session.add(doc)
                shared.append(doc)
    db.session.flush()
    for owner in (people["member"], people["co_convener"], people["departed"]):
        for deleted_at in (None, lately):
            db.session.add(PlanDoc(community_id=community.id, kind=PlanKind.ADAPTATION.value, topic="Fractions",
                                   parent_id=shared[0].id if deleted_at is None else shared[2].id,
                                   owner_id=owner.id, lead_id=people["convener"].id,
                                   created_by_id=people["convener"].id, deleted_at=deleted_at))


@pytest.fixture()
def world(ctx) -> dict[str, Any]:
    """Every role, and every record in every state, in three communities."""
    school, other_school = make_school(), make_school()
    people: dict[str, Any] = {
        "admin": make_user(is_admin=True),
        "convener": make_user(),
        "co_convener": make_user(),
        "member": make_user(),
        "mentor": make_user(),
        "guest_expert": make_user(),
        "departed": make_user(),
        "reviewer": make_reviewer(school),
        "other_reviewer": make_reviewer(other_school),
        "county_reviewer": make_reviewer(None),
        "same_school": make_user(school_id=school.id),
        "outsider": make_user(),
    }
    open_ = make_community(people["convener"], schools=[school])
    archived = make_community(people["convener"], schools=[school])
    elsewhere = make_community(make_user(), schools=[other_school])
    for community in (open_, archived):
        for role in ("co_convener", "member", "mentor", "guest_expert"):
            add_member(community, people[role], role)
        add_member(community, people["departed"], "member").left_at = utcnow()
        _records(community, people)
    add_member(elsewhere, people["member"], "guest_expert")
    _records(elsewhere, people)
    archived.archived_at = utcnow()
    db.session.commit()
    people["visitor"] = AnonymousUserMixin()
    return people


def _fresh_request_caches() -> None:
    """The policy caches a person's memberships and reviewer scopes per request; each person is a new one."""
    forget_memberships()
    g.pop("_reviewer_scopes", None)


def test_every_list_scope_selects_what_can_allows(world: dict[str, Any]) -> None:
    disagreements = []
    for model, actions in LISTED.items():
        rows = list(db.session.scalars(select(model)))
        assert rows, f"the world has no {model.__name__}"
        for name, user in world.items():
            for action in actions:
                _fresh_request_caches()
                listed = set(db.session.scalars(select(model.id).where(scope(user, action, model))))
                _fresh_request_caches()
                allowed = {row.id for row in rows if can(user, action, row)}
                if listed != allowed:
                    disagreements.append(f"{model.__name__} {action} as {name}: the list adds "
                                         f"{sorted(listed - allowed)}, leaves out {sorted(allowed - listed)}")
    assert not disagreements, "\n".join(disagreements)


# model -> the actions its rows' buttons ask about, decided once per page by page_permissions
PAGED: dict[type, tuple[str, ...]] = {
    Post: ("view", "view_history", "restore", "edit", "delete", "react", "report"),
}


def test_every_page_decision_is_what_can_allows(world: dict[str, Any]) -> None:
    """A page decides its rows' buttons once per page (the thread page: what the reader may do with each
    post); for every role, every row state (deleted, edited, one's own, a departed author's, in a locked
    thread, in an archived community) and every action, the answer is can()'s."""
    disagreements, answers = [], set()
    for model, actions in PAGED.items():
        rows = list(db.session.scalars(select(model)))
        for name, user in world.items():
            for container in {row.thread for row in rows}:
                _fresh_request_caches()
                allowed = page_permissions(user, model, container)
                for row in (row for row in rows if row.thread is container):
                    for action in actions:
                        _fresh_request_caches()
                        expected = can(user, action, row)
                        answers.add((action, expected))
                        if allowed(action, row) != expected:
                            disagreements.append(f"{model.__name__} {row.id} {action} as {name}: the page says "
                                                 f"{not expected}, can() {expected}")
    assert not disagreements, "\n".join(disagreements)
    assert {(action, answer) for action in PAGED[Post] for answer in (True, False)} <= answers, \
        "the world lacks a post some role may, or may not, act on"


def test_the_world_tells_the_roles_apart(world: dict[str, Any]) -> None:
    """A scope that agreed with can() only because everyone saw everything (or nothing) would prove nothing."""
    for model, actions in LISTED.items():
        for action in actions:
            answers = set()
            for user in world.values():
                _fresh_request_caches()
                answers.add(frozenset(db.session.scalars(select(model.id).where(scope(user, action, model)))))
            assert len(answers) > 2, f"{model.__name__} {action}: every role lists the same"


def test_an_action_without_a_list_scope_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        scope(world["member"], "edit", Resource)
    with pytest.raises(TypeError):
        scope(world["member"], "view", int)
