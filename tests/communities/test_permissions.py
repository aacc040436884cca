"""The urban–rural pages walked as each role: the exchanged teachers' list (members and reviewers in scope read it;
conveners, co-conveners and admins keep it), with the cases a table cannot hold (another type of community,
another community's teacher, an archived community) beside it."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from tests.communities.urban_rural import make_partnership, settle
from tests.factories import make_school
from tests.permission_walk import (
    DONE,
    FB,
    LOGIN,
    NF,
    OK,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
)
from workspace.communities import services
from workspace.communities.models import ExchangedTeacher
from workspace.communities.services import ExchangedTeacherFields
from workspace.core.database import utcnow
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_urban_rural_world() -> World:
    """The world's community made urban–rural: its school the core, a member school, and one exchanged teacher."""
    world = build_world(ROLES, name="urc")
    community, convener = world.community(), world.users["convener"]
    core, member_school = community.schools[0], make_school()
    settle(community, convener, schools=[core, member_school], core=core)
    teacher = services.add_exchanged_teacher(community, ExchangedTeacherFields(
        name="林老師", school_id=member_school.id, subject="數學"), actor=convener)
    db.session.commit()
    world.ids = {"teacher_id": teacher.id, "member_school_id": member_school.id}
    return world


READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB)  # members, keepers and reviewers in scope read
KEEPERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=FB, reviewer=FB)  # conveners and admins
TEACHER = {"name": "交流 {role}", "school_id": "{member_school_id}", "subject": "數學", "user_id": "", "note": ""}

STEPS = [
    Step("GET", "communities.exchange", "/c/{slug}/exchange/", None, READERS),
    Step("POST", "communities.add_exchanged_teacher", "/c/{slug}/exchange/", TEACHER, dict(KEEPERS, default=DONE)),
    Step("GET", "communities.edit_exchanged_teacher", "/c/{slug}/exchange/{teacher_id}/edit", None,
         dict(KEEPERS, default=OK)),
    Step("POST", "communities.update_exchanged_teacher", "/c/{slug}/exchange/{teacher_id}/edit",
         dict(TEACHER, subject="語文"), dict(KEEPERS, default=DONE)),
    dataclasses.replace(Step("POST", "communities.remove_exchanged_teacher", "/c/{slug}/exchange/{teacher_id}/remove",
                             {}, dict(KEEPERS, default=DONE)), consuming=True),
]

TABLE = Table(ROLES, build_urban_rural_world, STEPS, csrf_as=lambda step: "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


# --- what a table cannot hold -------------------------------------------------------------------------------


def test_another_type_of_community_has_no_exchange_page(client, ctx):
    world = build_world(("convener",), name="plain")
    client.login(world.users["convener"])

    assert client.get(f"/c/{world.slug}/exchange/").status_code == 404
    assert client.post_form(f"/c/{world.slug}/exchange/", {"name": "x", "school_id": str(world.school_id),
                                                           "subject": "數學"}).status_code == 404
    assert "/exchange/" not in client.get(f"/c/{world.slug}/").get_data(as_text=True)


def test_a_teacher_of_another_community_and_malformed_ids_answer_404(client, ctx):
    world = build_urban_rural_world()
    other = make_partnership(1)
    stranger = services.add_exchanged_teacher(other.community, ExchangedTeacherFields(
        name="陳老師", school_id=other.members[0].id, subject="數學"), actor=other.convener)
    db.session.commit()
    client.login(world.users["convener"])

    for teacher_id in (stranger.id, "0", "007", "2147483648", "x"):
        assert client.get(f"/c/{world.slug}/exchange/{teacher_id}/edit").status_code == 404
        assert client.post_form(f"/c/{world.slug}/exchange/{teacher_id}/remove").status_code == 404
    assert db.session.get(ExchangedTeacher, stranger.id) is not None


def test_an_archived_community_keeps_its_list_read_only(client, ctx):
    world = build_urban_rural_world()
    world.community().archived_at = utcnow()
    db.session.commit()
    client.login(world.users["convener"])

    page = client.get(f"/c/{world.slug}/exchange/")
    assert page.status_code == 200 and "林老師" in page.get_data(as_text=True)
    assert 'action="/c/' + world.slug + '/exchange/"' not in page.get_data(as_text=True)  # no add form
    assert client.post_form(f"/c/{world.slug}/exchange/", TEACHER | {"name": "x", "school_id": str(
        world.ids["member_school_id"])}).status_code == 403
    assert client.post_form(f"/c/{world.slug}/exchange/{world.ids['teacher_id']}/remove").status_code == 403
    assert db.session.scalar(select(db.func.count(ExchangedTeacher.id))) == 1
