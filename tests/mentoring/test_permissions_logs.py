"""The permission walk of meeting logs, goals and the development handbook: every route as each role.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert and reviewer (they see the community, not its mentoring: 403), member (not of the pair: the pairing
is not theirs to know, 404), the mentor and the mentee (the pair: they read and write), co-convener and convener
(they see the pairing and the handbook's state, not the unshared content: 403 on reads of content, and they
write nothing of the pair's) and the site admin (reads the pair's content, writes none of it, but may move a
meeting log to the trash and back). The privacy boundaries: the unshared log's editor, a next step of it, the
goals' editor, the handbook's print and export refuse the conveners; the handbook comment is the mentor's, its
sections and sharing the mentee's; a meeting log (it holds the mentor's private notes) goes to the trash only by
its author's hand (the mentor's here: the mentee 403) or an admin's, and is shared with the conveners by its author
alone.
"""

from __future__ import annotations

import datetime as dt

from tests.permission_walk import DONE, FB, HXL, LOGIN, NF, OK, Step, Table, World, build_world, csrf_test, route_test
from workspace.extensions import db
from workspace.mentoring.models import Goal, Handbook, HandbookSection, MeetingLog, Owner, Pairing
from workspace.mentoring.services import goals as goal_services
from workspace.mentoring.services import handbook as handbook_services
from workspace.mentoring.services import logs as log_services
from workspace.resources.models import Resource

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "mentor", "mentee",
         "co_convener", "convener", "reviewer", "admin")
YEAR = 2026


def build_logs_world() -> World:
    """Every role; a pairing of the mentor and the mentee with a log (private notes, a next step, unshared), a log
    in the trash, a goal with a resource as evidence, a goal in the trash, and the mentee's handbook of 2026."""
    world = build_world(ROLES, name="logs-walk")
    community, users = world.community(), world.users
    mentor, mentee = users["mentor"], users["mentee"]
    pairing = Pairing(community_id=community.id, mentor_id=mentor.id, mentee_id=mentee.id,
                      starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31))
    db.session.add(pairing)
    db.session.flush()
    fields = log_services.LogFields(held_on=dt.date(2026, 9, 10), duration_minutes=40, topics="班級經營",
                                    notes="座位安排", private_notes="私人筆記",
                                    next_steps=[("觀課", Owner.MENTEE.value)])
    log = log_services.create_log(pairing, fields, actor=mentor)
    trashed_log = log_services.create_log(pairing, fields, actor=mentor)
    log_services.trash_log(trashed_log, actor=mentor)
    goal = goal_services.create_goal(pairing, goal_services.GoalFields("提問技巧"), actor=mentee)
    trashed_goal = goal_services.create_goal(pairing, goal_services.GoalFields("舊目標"), actor=mentee)
    goal_services.trash_goal(trashed_goal, actor=mentee)
    resource = Resource(community_id=community.id, title="教案", kind="lesson_plan")
    db.session.add(resource)
    db.session.flush()
    link = goal_services.add_evidence(goal, "resource", resource.id, actor=mentee)
    handbook = handbook_services.open_handbook(community, mentee.id, YEAR, actor=mentee)
    db.session.commit()
    section_id = next(section.id for section in handbook.sections if section.key == "strengths")
    world.ids = {"pairing_id": pairing.id, "log_id": log.id, "trashed_log_id": trashed_log.id,
                 "step_id": log.next_steps[0].id, "goal_id": goal.id, "trashed_goal_id": trashed_goal.id,
                 "resource_id": resource.id, "link_id": link.id, "year": YEAR}
    world.computed = {
        "log_version": lambda: str(db.session.get(MeetingLog, log.id).version),
        "goal_version": lambda: str(db.session.get(Goal, goal.id).version),
        "section_version": lambda: str(db.session.get(HandbookSection, section_id).version),
        "comment": lambda: db.session.get(HandbookSection, section_id).comment,
    }
    return world


def _trash_again(model: type, key: str):
    def reset(world: World) -> None:
        record = db.session.get(model, world.ids[key])
        record.deleted_at = record.deleted_at or dt.datetime.now(dt.UTC)
        db.session.commit()

    return reset


def _unshare(world: World) -> None:
    db.session.get(Handbook, db.session.query(Handbook.id).scalar()).shared = False
    db.session.commit()


OUT = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB, member=NF)  # not in the pair's circle
SEES = dict(OUT)  # the pair, the conveners and the admin see the pairing
PAIR_WRITES = dict(OUT, co_convener=FB, convener=FB, admin=FB, default=DONE)
PAIR_READS = dict(OUT, co_convener=FB, convener=FB)  # the content of an unshared item: the pair and the admin
LOGS = "/c/{slug}/mentoring/pairings/{pairing_id}/logs/"
GOALS = "/c/{slug}/mentoring/pairings/{pairing_id}/goals/"
BOOK = "/c/{slug}/mentoring/handbooks/{mentee_id}/{year}"
LOG_FORM = {"held_on": "2026-09-17", "duration_minutes": "30", "topics": "提問", "notes": "", "mentee_steps": "",
            "mentor_steps": "", "private_notes": ""}
GOAL_FORM = {"title": "班級經營", "status": "open", "due_on": "2027-01-31", "success_criteria": ""}

STEPS = [
    Step("GET", "mentoring.logs", LOGS, None, SEES),
    Step("GET", "mentoring.logs", LOGS, None, dict(SEES, anonymous=HXL), hx=True),
    Step("POST", "mentoring.create_log", LOGS, LOG_FORM, PAIR_WRITES),
    Step("GET", "mentoring.edit_log", LOGS + "{log_id}/edit", None, dict(PAIR_READS, admin=FB)),
    Step("POST", "mentoring.update_log", LOGS + "{log_id}/edit", dict(LOG_FORM, base_version="{log_version}"),
         PAIR_WRITES),
    # the log is the mentor's (it holds her private notes): only its author, or an admin, moves it to the trash
    Step("POST", "mentoring.trash_log", LOGS + "{log_id}/trash", {}, dict(PAIR_WRITES, mentee=FB, admin=DONE),
         consuming=True),
    Step("POST", "mentoring.restore_log", LOGS + "{trashed_log_id}/restore", {}, dict(PAIR_WRITES, admin=DONE),
         reset=_trash_again(MeetingLog, "trashed_log_id")),
    # the log is the mentor's: only its author lets the conveners read it (the new teacher 403)
    Step("POST", "mentoring.share_log", LOGS + "{log_id}/share", {"shared": "0"}, dict(PAIR_WRITES, mentee=FB)),
    # A step of an unshared log: the conveners may not even know it (404), the admin reads but does not tick it.
    Step("POST", "mentoring.tick_step", "/c/{slug}/mentoring/pairings/{pairing_id}/steps/{step_id}/tick",
         {"done": "1"}, dict(PAIR_WRITES, co_convener=NF, convener=NF)),
    Step("GET", "mentoring.goals", GOALS, None, SEES),
    Step("POST", "mentoring.create_goal", GOALS, GOAL_FORM, PAIR_WRITES),
    Step("GET", "mentoring.edit_goal", GOALS + "{goal_id}/edit", None, dict(PAIR_READS, admin=FB)),
    Step("POST", "mentoring.update_goal", GOALS + "{goal_id}/edit", dict(GOAL_FORM, base_version="{goal_version}"),
         PAIR_WRITES),
    Step("POST", "mentoring.trash_goal", GOALS + "{goal_id}/trash", {}, PAIR_WRITES, consuming=True),
    Step("POST", "mentoring.restore_goal", GOALS + "{trashed_goal_id}/restore", {}, PAIR_WRITES,
         reset=_trash_again(Goal, "trashed_goal_id")),
    Step("POST", "mentoring.share_goal", GOALS + "{goal_id}/share", {"shared": "0"}, PAIR_WRITES),
    Step("POST", "mentoring.add_goal_evidence", GOALS + "{goal_id}/evidence", {"target": "resource:{resource_id}"},
         PAIR_WRITES),
    Step("POST", "mentoring.remove_goal_evidence", GOALS + "{goal_id}/evidence/{link_id}/remove", {}, PAIR_WRITES,
         consuming=True),
    # The handbook: the mentee writes and shares it, the mentor comments, the conveners see its state only.
    Step("GET", "mentoring.handbook", BOOK, None, SEES),
    Step("POST", "mentoring.save_handbook_section", BOOK + "/sections/strengths",
         {"body": "我的優勢", "base_version": "{section_version}"}, dict(PAIR_WRITES, mentor=FB)),
    Step("POST", "mentoring.comment_handbook_section", BOOK + "/sections/strengths/comment",
         {"comment": "很好", "base_comment": "{comment}"}, dict(PAIR_WRITES, mentee=FB)),
    Step("POST", "mentoring.share_handbook", BOOK + "/share", {"shared": "1"}, dict(PAIR_WRITES, mentor=FB),
         reset=_unshare),
    Step("GET", "mentoring.handbook_print", BOOK + "/print", None, PAIR_READS),
    Step("GET", "mentoring.handbook_export", BOOK + "/export.docx", None, PAIR_READS),
]

TABLE = Table(ROLES, build_logs_world, STEPS,
              csrf_as=lambda step: "mentee" if step.endpoint in {"mentoring.save_handbook_section",
                                                                 "mentoring.share_handbook"} else "mentor")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_an_archived_community_s_logs_are_read_but_nothing_is_written(client, ctx):
    world = build_logs_world()
    world.community().archived_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    fields = world.fields()
    client.login(world.users["mentor"])
    assert client.get(LOGS.format(**fields)).status_code == OK
    assert client.post_form(LOGS.format(**fields), LOG_FORM).status_code == FB
    client.logout().login(world.users["mentee"])
    assert client.post_form((BOOK + "/sections/strengths").format(**fields),
                            {"body": "x", "base_version": "1"}).status_code == FB
