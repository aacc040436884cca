"""The activities' permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider, guest expert, member, recorder (a member named to write the minutes),
co-convener, convener, reviewer (scope over the community's school), site admin. Outsiders get 404;
guest experts see the community but not its activities (403); reviewers read activities (list,
calendar, activity page) but manage nothing and cannot sign in; visitors go to the login page.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass

import pytest

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.activities import services
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services as resources

ROLES = ("anonymous", "outsider", "guest_expert", "member", "recorder", "co_convener", "convener", "reviewer",
         "admin")
_worlds = itertools.count(1)


@dataclass
class World:
    slug: str
    activity_id: int
    leave_id: int
    token: str
    users: dict
    evidence_id: int = 0
    resource_id: int = 0
    link_id: int = 0
    month: str = ""

    def fields(self) -> dict:
        return {"slug": self.slug, "activity_id": self.activity_id, "leave_id": self.leave_id, "token": self.token,
                "evidence_id": self.evidence_id, "resource_id": self.resource_id, "link_id": self.link_id,
                "month": self.month}




def build_world() -> World:
    number = next(_worlds)
    school = make_school(name=f"Walk School {number}")
    convener = make_user(display_name="Convener")
    community = make_community(convener, slug=f"walk-{number}", schools=[school])
    users = {"convener": convener, "outsider": make_user(), "admin": make_user(is_admin=True),
             "reviewer": make_reviewer(school)}
    for role in ("guest_expert", "member", "co_convener", "recorder"):
        users[role] = add_member(community, role="member" if role == "recorder" else role).user
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
    return World(community.slug, activity.id, leave.id, services.sign_in_token(activity), users, evidence.id,
                 resource.id, link.id, services.next_month(starts.date()).isoformat())


L, NF, FB, OK, BAD = 302, 404, 403, 200, 422
READERS = dict(anonymous=L, outsider=NF, guest_expert=FB)  # read_activities: members, reviewers, admins
MANAGERS_ONLY = dict(READERS, member=FB, recorder=FB, reviewer=FB)
ADDERS = dict(READERS, member=FB, reviewer=FB)  # conveners and the named recorder
SIGNERS = dict(anonymous=L, outsider=FB, guest_expert=FB, reviewer=FB, admin=FB)  # members sign in
BASE = "/c/{slug}/activities"
ONE = BASE + "/{activity_id}"
PLAN = {"title": "Planned in the walk", "method": "experience_sharing", "mode": "offline",
        "starts_at": "2027-03-03T14:00", "ends_at": "2027-03-03T16:00", "repeat": "", "count": "1"}

# (method, endpoint, url template, form data, {role: expected status}, consuming); unlisted roles get 200.
# A consuming route uses up what it acts on (the version of an edit), so each role gets a world of its own.
WALK = [
    ("GET", "activities.index", BASE + "/", None, READERS, False),
    ("GET", "activities.calendar", BASE + "/calendar?month=2027-03", None, READERS, False),
    ("GET", "activities.show", ONE, None, READERS, False),
    ("GET", "activities.new", BASE + "/new", None, MANAGERS_ONLY, False),
    ("POST", "activities.create", BASE + "/new", PLAN, dict(MANAGERS_ONLY, default=L), False),
    ("GET", "activities.edit", ONE + "/edit", None, MANAGERS_ONLY, False),
    ("POST", "activities.update", ONE + "/edit", dict(PLAN, base_version="1"), dict(MANAGERS_ONLY, default=L),
     True),
    ("POST", "activities.cancel", ONE + "/cancel", {"reason": "Typhoon"}, dict(MANAGERS_ONLY, default=L), False),
    ("POST", "activities.reinstate", ONE + "/reinstate", {}, dict(MANAGERS_ONLY, default=L), False),
    # With the activity's genuine code anyone logged in sees why they cannot sign in (403, a message):
    # the outsider and the guest expert are in the room; the reviewer and the admin read it but are not members.
    ("GET", "activities.sign_in_page", ONE + "/sign-in?t={token}", None, dict(SIGNERS), False),
    ("POST", "activities.sign_in", ONE + "/sign-in", {"t": "{token}"}, dict(SIGNERS), False),
    ("GET", "activities.board", ONE + "/board", None, MANAGERS_ONLY, False),
    ("GET", "activities.board_attendees", ONE + "/board/attendees?gen=0", None, MANAGERS_ONLY, False),
    ("GET", "activities.board_code", ONE + "/board/code?step=0", None, MANAGERS_ONLY, False),
    ("POST", "activities.new_code", ONE + "/board/new-code", {}, dict(MANAGERS_ONLY, default=L), False),
    ("GET", "activities.attendance", ONE + "/attendance", None, MANAGERS_ONLY, False),
    ("POST", "activities.save_attendance", ONE + "/attendance", {"status-1": "present"},
     dict(MANAGERS_ONLY, default=L), False),
    ("POST", "activities.request_leave", ONE + "/leave", {"reason": "A course"},
     dict(READERS, reviewer=FB, admin=FB, default=L), False),
    ("POST", "activities.decide_leave", ONE + "/leave/{leave_id}", {"decision": "approve"},
     dict(MANAGERS_ONLY, default=L), False),
    ("GET", "activities.sheet", ONE + "/sheet", None, MANAGERS_ONLY, False),
    ("GET", "activities.minutes", ONE + "/minutes", None, dict(MANAGERS_ONLY, recorder=OK), False),
    ("POST", "activities.save_minutes", ONE + "/minutes", {"minutes": "## Notes", "outcomes": "", "base_version": "1"},
     dict(MANAGERS_ONLY, recorder=L, default=L), True),
    ("GET", "activities.show_feeds", BASE + "/feed", None, READERS, False),
    ("POST", "activities.regenerate_feed", BASE + "/feed/regenerate", {"which": "community"},
     dict(READERS, default=L), False),
    # Public (calendar apps do not log in): the secret address is the credential, so an unknown one is
    # 404 for everybody, visitors included (tests/activities/test_feeds.py covers real addresses).
    ("GET", "activities.calendar_feed", "/calendar/{token}.ics", None, dict(default=NF), False),
    # Evidence: the conveners and the named recorder add and caption; conveners remove; readers see it.
    ("POST", "activities.add_evidence", ONE + "/evidence", {"files": "png"}, dict(ADDERS, default=L), False),
    ("GET", "activities.evidence_gallery", ONE + "/evidence/", None, READERS, False),
    ("GET", "activities.evidence_file", ONE + "/evidence/{evidence_id}", None, READERS, False),
    ("GET", "activities.evidence_thumbnail", ONE + "/evidence/{evidence_id}/thumbnail", None, READERS, False),
    ("POST", "activities.caption_evidence", ONE + "/evidence/{evidence_id}", {"caption": "The board"},
     dict(ADDERS, default=L), False),
    ("POST", "activities.remove_evidence", ONE + "/evidence/{evidence_id}/remove", {},
     dict(MANAGERS_ONLY, default=L), True),
    ("GET", "activities.link_choices", ONE + "/links/choices?q=x", None, ADDERS, False),
    ("POST", "activities.link_resource", ONE + "/links", {"resource_id": "{resource_id}"}, dict(ADDERS, default=L),
     False),
    ("POST", "activities.unlink", ONE + "/links/{link_id}/delete", {}, dict(ADDERS, default=L), True),
    # Feedback opens at the start (this one starts in five minutes): members are told so (422), others may not.
    ("POST", "activities.feedback", ONE + "/feedback", {"satisfaction": "4", "comment": "Useful"},
     dict(READERS, member=BAD, recorder=BAD, co_convener=BAD, convener=BAD, reviewer=FB, admin=FB), False),
    ("GET", "activities.participation", BASE + "/participation", None, READERS, False),
    ("GET", "activities.plans", BASE + "/plans", None, READERS, False),
    ("POST", "activities.submit_plan", BASE + "/plans", {"month": "{month}", "note": "Our plan"},
     dict(MANAGERS_ONLY, default=L), False),
]

NOT_WALKED_YET: set[tuple[str, str]] = set()  # every route is walked


def expected_status(rules: dict, role: str) -> int:
    return rules.get(role, rules.get("default", OK))


def _request(client, world: World, role: str, method: str, url: str, data: dict | None):
    path = url.format(**world.fields())
    client.logout()
    if role != "anonymous":
        client.login(world.users[role])
    if method == "GET":
        return path, client.get(path)
    form = {key: value.format(**world.fields()) for key, value in (data or {}).items()}
    if form.get("files") == "png":
        form["files"] = (io.BytesIO(png_bytes()), "photo.png")
        return path, client.post_form(path, form, content_type="multipart/form-data")
    return path, client.post_form(path, form)


@pytest.mark.parametrize(("method", "endpoint", "url", "data", "rules", "consuming"),
                         [pytest.param(*row, id=f"{row[0]} {row[1]}") for row in WALK])
def test_route_answers_each_role(client, ctx, method, endpoint, url, data, rules, consuming):
    world = build_world()
    failures = []
    for role in ROLES:
        status = expected_status(rules, role)
        role_world = build_world() if consuming else world
        path, response = _request(client, role_world, role, method, url, data)
        if response.status_code != status:
            failures.append(f"{method} {path} as {role}: {response.status_code}, expected {status}")
        elif status == L and ("/login" in response.headers["Location"]) != (role == "anonymous"):
            failures.append(f"{method} {path} as {role}: redirected to {response.headers['Location']}")
    assert not failures, "\n".join(failures)


def test_unsafe_requests_without_the_csrf_token_are_refused(client, ctx):
    world = build_world()
    client.login(world.users["convener"])
    for _method, _endpoint, url, data, _rules, _consuming in (row for row in WALK if row[0] == "POST"):
        path = url.format(**world.fields())
        response = client.post(path, data={key: value.format(**world.fields()) for key, value in (data or {}).items()})
        assert response.status_code == 400, f"POST {path} without a token: {response.status_code}"


def test_another_communitys_activity_and_leave_are_not_found(client, ctx):
    world, elsewhere = build_world(), build_world()
    client.login(world.users["convener"])
    fields = elsewhere.fields() | {"slug": world.slug, "token": elsewhere.token}
    for url in (ONE, ONE + "/edit", ONE + "/board", ONE + "/attendance", ONE + "/sheet", ONE + "/minutes",
                ONE + "/sign-in?t={token}", ONE + "/board/attendees?gen=0"):
        assert client.get(url.format(**fields)).status_code == NF, url
    assert client.post_form((ONE + "/cancel").format(**fields)).status_code == NF
    own_activity = dict(fields, activity_id=world.activity_id)
    assert client.post_form((ONE + "/leave/{leave_id}").format(**own_activity),
                            {"decision": "approve"}).status_code == NF


def test_without_the_genuine_code_people_who_do_not_read_activities_get_404(client, ctx):
    world = build_world()
    fields = world.fields()
    for role in ("outsider", "guest_expert"):
        client.login(world.users[role])
        for token in ("", "forged", world.token[:-2] + "xx"):
            assert client.get((ONE + "/sign-in").format(**fields), query_string={"t": token}).status_code == NF
            assert client.post_form((ONE + "/sign-in").format(**fields), {"t": token}).status_code == NF
    client.login(world.users["outsider"])
    page = client.get((ONE + "/sign-in?t={token}").format(**fields))
    assert page.status_code == FB and "Only members of the community can sign in" in page.get_data(as_text=True)


def test_an_archived_community_is_read_but_not_managed(client, ctx):
    world = build_world()
    from workspace.communities.models import Community

    community = db.session.scalar(db.select(Community).where(Community.slug == world.slug))
    community.archived_at = services.utcnow()
    db.session.commit()
    client.login(world.users["convener"])
    fields = world.fields()
    assert client.get(ONE.format(**fields)).status_code == OK
    assert client.get((BASE + "/new").format(**fields)).status_code == FB
    assert client.get((ONE + "/edit").format(**fields)).status_code == FB
    client.login(world.users["member"])
    response = client.post_form((ONE + "/sign-in").format(**fields), {"t": world.token})
    assert response.status_code == FB


def test_walk_covers_every_route_of_the_blueprint(app):
    """A new activities route must be added to the walk (and so get a test per role)."""
    walked = {(method, endpoint) for method, endpoint, *_rest in WALK}
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("activities.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert not routes - walked - NOT_WALKED_YET, f"activities routes missing from the walk: " \
                                                 f"{sorted(routes - walked - NOT_WALKED_YET)}"
    assert not walked - routes, f"walked routes the blueprint no longer has: {sorted(walked - routes)}"
    assert not NOT_WALKED_YET & walked, f"walked now, drop them from NOT_WALKED_YET: {sorted(NOT_WALKED_YET & walked)}"
    assert not NOT_WALKED_YET - routes, f"no longer routes: {sorted(NOT_WALKED_YET - routes)}"
