"""The public lessons' permission walk: every route of the public lessons as each role, status checked.

The community's contributors see the lessons (colleagues come and observe them); the new teacher of a pairing
schedules, changes and cancels their own, the conveners and admins anyone's; a plain member or a mentor who is
no new teacher may not schedule; guest experts and reviewers do not use mentoring; outsiders get 404.
"""

from __future__ import annotations

import datetime as dt

from tests.permission_walk import DONE, FB, LOGIN, NF, Step, Table, World, build_world, csrf_test, route_test
from workspace.extensions import db
from workspace.mentoring.models import Pairing
from workspace.mentoring.services import public_lessons as lessons

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "reviewer", "member", "mentor",
         "teacher", "co_convener", "convener", "admin")


def build_lessons_world() -> World:
    """Every role; the mentor paired with `teacher` (a new teacher), who has scheduled a public lesson."""
    world = build_world(ROLES, name="lessons")
    mentor, teacher = world.users["mentor"], world.users["teacher"]
    db.session.add(Pairing(community_id=world.community_id, mentor_id=mentor.id, mentee_id=teacher.id,
                           starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2038, 7, 31)))  # holds 2037's lesson
    db.session.commit()
    lesson = lessons.schedule_lesson(world.community(), lessons.LessonFields(
        teacher_id=teacher.id, topic="分數的加減", day=dt.date(2037, 3, 10), starts=dt.time(10, 0),
        ends=dt.time(10, 40)), actor=teacher)
    db.session.commit()
    world.ids = {"lesson_id": lesson.id}
    return world


BASE = "/c/{slug}/mentoring/public-lessons/"
ONE = BASE + "{lesson_id}"
FORM = {"teacher_id": "{teacher_id}", "topic": "分數的加減", "subject": "數學", "day": "2037-03-17",
        "starts": "10:00", "ends": "10:40", "place": "五年甲班", "plan_id": "", "form_id": ""}
USERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB)  # use_mentoring: contributors, admins
SCHEDULERS = dict(USERS, member=FB, mentor=FB)  # the new teacher, the conveners and admins

STEPS = [
    Step("GET", "mentoring.public_lessons", BASE, None, USERS),
    Step("GET", "mentoring.new_public_lesson", BASE + "new", None, SCHEDULERS),
    # consuming: a second lesson of the teacher at the same time is refused, so each role schedules in its world
    Step("POST", "mentoring.schedule_public_lesson", BASE + "new", FORM, dict(SCHEDULERS, default=DONE),
         consuming=True),
    Step("GET", "mentoring.public_lesson", ONE, None, USERS),
    Step("GET", "mentoring.edit_public_lesson", ONE + "/edit", None, SCHEDULERS),
    Step("POST", "mentoring.update_public_lesson", ONE + "/edit", FORM, dict(SCHEDULERS, default=DONE)),
    Step("POST", "mentoring.cancel_public_lesson", ONE + "/cancel", {"reason": "颱風"},
         dict(SCHEDULERS, default=DONE)),
]

TABLE = Table(ROLES, build_lessons_world, STEPS, csrf_as=lambda step: "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_an_archived_community_s_lessons_are_read_but_not_scheduled_changed_or_cancelled(client, ctx):
    world = build_lessons_world()
    world.community().archived_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    fields = world.fields()
    for role in ("teacher", "convener"):
        client.login(world.users[role])
        assert client.get(ONE.format(**fields)).status_code == 200
        assert client.get((BASE + "new").format(**fields)).status_code == FB
        assert client.post_form((BASE + "new").format(**fields), {k: v.format(**fields) for k, v in FORM.items()}
                                ).status_code == FB
        assert client.post_form((ONE + "/edit").format(**fields), {k: v.format(**fields) for k, v in FORM.items()}
                                ).status_code == FB
        assert client.post_form((ONE + "/cancel").format(**fields), {"reason": ""}).status_code == FB
