"""The activities' permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, member, recorder (a member named to write the minutes), co-convener, convener, reviewer (scope
over the community's school), site admin. Outsiders get 404; guest experts see the community but not its
activities (403); reviewers read activities (list, calendar, activity page) but manage nothing and cannot sign
in; visitors go to the login page.

A pair's private meeting (a mentoring log recorded as an activity) has a table of its own: only the pair, the
conveners and admins open it; nobody writes minutes on it (the pair's log is its minutes: 403, saying so); the
mentor who recorded it and the conveners add its evidence.
"""

from __future__ import annotations

import datetime as dt
import io

from tests.media import png_bytes
from tests.permission_walk import (
    BAD,
    DONE,
    FB,
    LOGIN,
    NF,
    OK,
    PNG,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
)
from workspace.activities import services
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services as resources

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "recorder", "co_convener",
         "convener", "reviewer", "admin")


def build_activities_world() -> World:
    """Every role, an activity starting in five minutes (named recorder, a leave request, evidence, a linked
    resource) and a resource to link."""
    world = build_world(ROLES)
    community, users, convener = world.community(), world.users, world.users["convener"]
    # Starts in five minutes: the sign-in window is open and leave can still be asked for.
    starts = services.to_local(services.utcnow()).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=5)
    activity = services.create_activity(community, services.ActivityFields(
            title="Walk activity", method="collaborative_planning", starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2), recorder_id=users["recorder"].id), actor=convener)
    leave = services.request_leave(activity, "A school trip", actor=users["member"])
    evidence = services.add_evidence(activity, store_upload(io.BytesIO(png_bytes()), "board.png"), actor=convener)
    resource = resources.create_text_resource(community, resources.ResourceFields(title="Plan", kind="lesson_plan"),
                                                  "Text", actor=users["member"])
    other = resources.create_text_resource(community, resources.ResourceFields(title="Slides", kind="courseware"),
                                               "Text", actor=users["member"])
    link = services.link_resource(activity, other, actor=convener)
    db.session.commit()
    world.ids = {"activity_id": activity.id, "leave_id": leave.id, "token": services.sign_in_token(activity),
                     "evidence_id": evidence.id, "resource_id": resource.id, "link_id": link.id,
                     "month": starts.date().replace(day=1).isoformat()}  # a month with something planned
    return world


READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB)  # read_activities: members, reviewers, admins
MANAGERS_ONLY = dict(READERS, member=FB, recorder=FB, reviewer=FB)
ADDERS = dict(READERS, member=FB, reviewer=FB)  # conveners and the named recorder
SIGNERS = dict(anonymous=LOGIN, outsider=FB, guest_expert=FB, reviewer=FB, admin=FB)  # members sign in
BASE = "/c/{slug}/activities"
ONE = BASE + "/{activity_id}"
PLAN = {"title": "Planned in the walk", "method": "experience_sharing", "mode": "offline",
            "starts_at": "2027-03-03T14:00", "ends_at": "2027-03-03T16:00", "repeat": "", "count": "1"}

# Unlisted roles get 200. A consuming route uses up what it acts on (the version of an edit), so each role gets
# a world of its own.
STEPS = [
    Step("GET", "activities.index", BASE + "/", None, READERS),
    Step("GET", "activities.calendar", BASE + "/calendar?month=2027-03", None, READERS),
    Step("GET", "activities.show", ONE, None, READERS),
    Step("GET", "activities.new", BASE + "/new", None, MANAGERS_ONLY),
    Step("POST", "activities.create", BASE + "/new", PLAN, dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "activities.edit", ONE + "/edit", None, MANAGERS_ONLY),
    Step("POST", "activities.update", ONE + "/edit", dict(PLAN, base_version="1"),
         dict(MANAGERS_ONLY, default=DONE),
             consuming=True),
    Step("POST", "activities.cancel", ONE + "/cancel", {"reason": "Typhoon"}, dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "activities.reinstate", ONE + "/reinstate", {}, dict(MANAGERS_ONLY, default=DONE)),
    # With the activity's genuine code anyone logged in sees why they cannot sign in (403, a message):
    # the outsider and the guest expert are in the room; the reviewer and the admin read it but are not members.
    Step("GET", "activities.sign_in_page", ONE + "/sign-in?t={token}", None, dict(SIGNERS)),
    Step("POST", "activities.sign_in", ONE + "/sign-in", {"t": "{token}"}, dict(SIGNERS)),
    Step("GET", "activities.board", ONE + "/board", None, MANAGERS_ONLY),
    Step("GET", "activities.board_attendees", ONE + "/board/attendees?gen=0", None, MANAGERS_ONLY),
    Step("GET", "activities.board_code", ONE + "/board/code?step=0", None, MANAGERS_ONLY),
    Step("POST", "activities.new_code", ONE + "/board/new-code", {}, dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "activities.attendance", ONE + "/attendance", None, MANAGERS_ONLY),
    Step("POST", "activities.save_attendance", ONE + "/attendance", {"status-1": "present"},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "activities.request_leave", ONE + "/leave", {"reason": "A course"},
         dict(READERS, reviewer=FB, admin=FB, default=DONE)),
    Step("POST", "activities.decide_leave", ONE + "/leave/{leave_id}", {"decision": "approve"},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "activities.sheet", ONE + "/sheet", None, MANAGERS_ONLY),
    Step("GET", "activities.minutes", ONE + "/minutes", None, dict(MANAGERS_ONLY, recorder=OK)),
    Step("POST", "activities.save_minutes", ONE + "/minutes",
         {"minutes": "## Notes", "outcomes": "", "base_version": "1"},
         dict(MANAGERS_ONLY, recorder=DONE, default=DONE), consuming=True),
    Step("GET", "activities.show_feeds", BASE + "/feed", None, READERS),
    Step("POST", "activities.regenerate_feed", BASE + "/feed/regenerate", {"which": "community"},
         dict(READERS, default=DONE)),
    # Public (calendar apps do not log in): the secret address is the credential, so an unknown one is
    # 404 for everybody, visitors included (tests/activities/test_feeds.py covers real addresses).
    Step("GET", "activities.calendar_feed", "/calendar/{token}.ics", None, dict(default=NF)),
    # Evidence: the conveners and the named recorder add and caption; conveners remove; readers see it.
    Step("POST", "activities.add_evidence", ONE + "/evidence", {"files": PNG}, dict(ADDERS, default=DONE)),
    Step("GET", "activities.evidence_gallery", ONE + "/evidence/", None, READERS),
    Step("GET", "activities.evidence_file", ONE + "/evidence/{evidence_id}", None, READERS),
    Step("GET", "activities.evidence_thumbnail", ONE + "/evidence/{evidence_id}/thumbnail", None, READERS),
    Step("POST", "activities.caption_evidence", ONE + "/evidence/{evidence_id}", {"caption": "The board"},
         dict(ADDERS, default=DONE)),
    Step("POST", "activities.remove_evidence", ONE + "/evidence/{evidence_id}/remove", {},
         dict(MANAGERS_ONLY, default=DONE), consuming=True),
    Step("GET", "activities.link_choices", ONE + "/links/choices?q=x", None, ADDERS),
    Step("POST", "activities.link_resource", ONE + "/links", {"resource_id": "{resource_id}"},
         dict(ADDERS, default=DONE)),
    Step("POST", "activities.unlink", ONE + "/links/{link_id}/delete", {}, dict(ADDERS, default=DONE),
         consuming=True),
    # Feedback opens at the start (this one starts in five minutes): members are told so (422), others may not.
    Step("POST", "activities.feedback", ONE + "/feedback", {"satisfaction": "4", "comment": "Useful"},
         dict(READERS, member=BAD, recorder=BAD, co_convener=BAD, convener=BAD, reviewer=FB, admin=FB)),
    Step("GET", "activities.participation", BASE + "/participation", None, READERS),
    Step("GET", "activities.plans", BASE + "/plans", None, READERS),
    Step("POST", "activities.submit_plan", BASE + "/plans", {"month": "{month}", "note": "Our plan"},
         dict(MANAGERS_ONLY, default=DONE)),
]

TABLE = Table(ROLES, build_activities_world, STEPS, csrf_as=lambda step: "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_another_communitys_activity_and_leave_are_not_found(client, ctx):
    world, elsewhere = build_activities_world(), build_activities_world()
    client.login(world.users["convener"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for url in (ONE, ONE + "/edit", ONE + "/board", ONE + "/attendance", ONE + "/sheet", ONE + "/minutes",
                    ONE + "/sign-in?t={token}", ONE + "/board/attendees?gen=0"):
            assert client.get(url.format(**fields)).status_code == NF, url
    assert client.post_form((ONE + "/cancel").format(**fields)).status_code == NF
    own_activity = dict(fields, activity_id=world.ids["activity_id"])
    assert client.post_form((ONE + "/leave/{leave_id}").format(**own_activity),
                                {"decision": "approve"}).status_code == NF


def test_without_the_genuine_code_people_who_do_not_read_activities_get_404(client, ctx):
    world = build_activities_world()
    fields = world.fields()
    for role in ("outsider", "guest_expert"):
            client.login(world.users[role])
            for token in ("", "forged", world.ids["token"][:-2] + "xx"):
                assert client.get((ONE + "/sign-in").format(**fields), query_string={"t": token}).status_code == NF
                assert client.post_form((ONE + "/sign-in").format(**fields), {"t": token}).status_code == NF
    client.login(world.users["outsider"])
    page = client.get((ONE + "/sign-in?t={token}").format(**fields))
    assert page.status_code == FB and "Only members of the community can sign in" in page.get_data(as_text=True)


def test_an_archived_community_is_read_but_not_managed(client, ctx):
    world = build_activities_world()
    community = world.community()
    community.archived_at = services.utcnow()
    db.session.commit()
    client.login(world.users["convener"])
    fields = world.fields()
    assert client.get(ONE.format(**fields)).status_code == OK
    assert client.get((BASE + "/new").format(**fields)).status_code == FB
    assert client.get((ONE + "/edit").format(**fields)).status_code == FB
    client.login(world.users["member"])
    response = client.post_form((ONE + "/sign-in").format(**fields), {"t": world.ids["token"]})
    assert response.status_code == FB


# --- a pair's private meeting ------------------------------------------------------------------------

PRIVATE_ROLES = ("anonymous", "outsider", "guest_expert", "member", "mentor", "mentee", "co_convener", "convener",
                 "reviewer", "admin")


def build_private_world() -> World:
    """A meeting of the pair (mentor → mentee) recorded by the mentor as a private activity, with a photo the
    convener added and a resource to link."""
    world = build_world(PRIVATE_ROLES, name="pair")
    community, users = world.community(), world.users
    starts = dt.datetime(2026, 10, 27, 15, 30)
    meeting = services.record_activity(community, services.ActivityFields(
        title="New-teacher mentoring: Mentee", method="new_teacher_mentoring", starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=45)), actor=users["mentor"],
        present=[users["mentor"].id, users["mentee"].id], private=True)
    evidence = services.add_evidence(meeting, store_upload(io.BytesIO(png_bytes()), "meeting.png"),
                                     actor=users["convener"])
    resource = resources.create_text_resource(community, resources.ResourceFields(title="Plan", kind="lesson_plan"),
                                              "Text", actor=users["member"])
    db.session.commit()
    world.ids = {"activity_id": meeting.id, "evidence_id": evidence.id, "resource_id": resource.id}
    return world


# Anyone outside the pair and the conveners does not find it (a guest expert reads no activities at all).
PAIR_READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=NF, reviewer=NF)
NO_MINUTES = dict(PAIR_READERS, default=FB)  # the pair's log is its minutes: refused to all who open it
RECORDERS = dict(PAIR_READERS, mentee=FB, default=DONE)  # the mentor who recorded it, the conveners, admins
PRIVATE_STEPS = [
    Step("GET", "activities.show", ONE, None, PAIR_READERS),
    Step("GET", "activities.minutes", ONE + "/minutes", None, NO_MINUTES),
    Step("POST", "activities.save_minutes", ONE + "/minutes",
         {"minutes": "QA-CONVENER-MINUTES", "outcomes": "", "base_version": "1"}, NO_MINUTES),
    Step("POST", "activities.add_evidence", ONE + "/evidence", {"files": PNG}, RECORDERS),
    Step("GET", "activities.evidence_gallery", ONE + "/evidence/", None, PAIR_READERS),
    Step("POST", "activities.caption_evidence", ONE + "/evidence/{evidence_id}", {"caption": "The meeting"},
         RECORDERS),
    Step("POST", "activities.link_resource", ONE + "/links", {"resource_id": "{resource_id}"}, RECORDERS),
]

PRIVATE_TABLE = Table(PRIVATE_ROLES, build_private_world, PRIVATE_STEPS, csrf_as=lambda step: "convener")
test_private_meeting_routes_answer_each_role = route_test(PRIVATE_TABLE)
