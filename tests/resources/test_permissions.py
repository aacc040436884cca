"""The resource library's permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider, guest expert, member (not the author), author (a member), co-convener,
convener, reviewer (scope over the community's school), site admin. A resource the user may not see
answers 404; a community page the user may see but not use answers 403; visitors go to the login page
for every page that is not a public resource's own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services

ROLES = ("anonymous", "outsider", "guest_expert", "member", "author", "co_convener", "convener", "reviewer",
         "admin")


@dataclass
class World:
    slug: str
    text_id: int
    image_id: int
    trashed_id: int
    users: dict


def build_world(visibility: str = "community") -> World:
    school = make_school(name="Walk School")
    convener = make_user(display_name="Convener")
    community = make_community(convener, slug="walk", schools=[school])
    users = {
        "convener": convener,
        "outsider": make_user(),
        "colleague": make_user(school_id=school.id),  # not a member, but at the community's school
        "admin": make_user(is_admin=True),
        "reviewer": make_reviewer(school),
    }
    for role in ("guest_expert", "member", "co_convener"):
        users[role] = add_member(community, role=role).user
    author = users["author"] = add_member(community, role="member").user
    fields = services.ResourceFields(title="Fractions plan", kind="lesson_plan", tags="fractions",
                                     visibility=visibility)
    text = services.create_text_resource(community, fields, "# Fractions\n\nAdd them.", actor=author)
    stored = store_upload(io.BytesIO(png_bytes()), "board.png")
    image = services.create_file_resource(
        community, services.ResourceFields(title="Board photo", kind="courseware", visibility=visibility),
        stored, actor=author)
    trashed = services.create_text_resource(
        community, services.ResourceFields(title="Old plan", kind="lesson_plan", visibility=visibility),
        "Old text", actor=author)
    services.trash_resource(trashed, actor=author)
    db.session.commit()
    return World(community.slug, text.id, image.id, trashed.id, users)


L, NF, FB, OK = 302, 404, 403, 200  # login (or after-POST) redirect, not found, forbidden, shown
# Those who see the community but not its material (guest experts, reviewers in scope) get 403 on a resource
# as on the list (issue 11); to visitors and outsiders it does not exist.
HIDDEN = dict(anonymous=NF, outsider=NF, guest_expert=FB, reviewer=FB)  # a public route of a private resource
ASIDE = dict(anonymous=L, outsider=NF, guest_expert=FB, reviewer=FB)  # the community's own pages
PRIVATE = dict(anonymous=L, outsider=NF, guest_expert=FB, reviewer=FB)  # a resource's non-public routes
TRASHED = dict(anonymous=L, outsider=NF, guest_expert=NF, reviewer=NF)  # gone from the trash for them
BASE = "/c/{slug}/resources"
TEXT_FORM = {"source": "text", "title": "New plan", "kind": "lesson_plan", "visibility": "community",
             "tags": "a, b", "body": "Some text"}
EDIT_FORM = {"title": "Renamed plan", "kind": "lesson_plan", "visibility": "community", "tags": "x"}

# (method, endpoint, url template, form data, {role: expected status}); unlisted roles get 200.
WALK = [
    ("GET", "resources.index", BASE + "/", None, ASIDE),
    ("GET", "resources.new", BASE + "/new", None, ASIDE),
    ("GET", "resources.tag_suggestions", BASE + "/tags?tags=fr", None, ASIDE),
    ("POST", "resources.create", BASE + "/new", TEXT_FORM, dict(ASIDE, default=L)),
    ("GET", "resources.show", BASE + "/{text_id}", None, HIDDEN),
    ("GET", "resources.edit", BASE + "/{text_id}/edit", None, dict(PRIVATE, member=FB)),
    ("POST", "resources.update", BASE + "/{text_id}/edit", EDIT_FORM, dict(PRIVATE, member=FB, default=L)),
    ("POST", "resources.add_version", BASE + "/{text_id}/versions", {"body": "Second text", "note": "typo"},
     dict(PRIVATE, member=FB, default=L)),
    ("GET", "resources.download", BASE + "/{text_id}/download", None, HIDDEN),
    ("GET", "resources.inline_file", BASE + "/{image_id}/file", None, HIDDEN),
    ("GET", "resources.thumbnail", BASE + "/{image_id}/thumbnail", None, HIDDEN),
    ("POST", "resources.add_comment", BASE + "/{text_id}/comments", {"body": "Nice"}, dict(PRIVATE, default=L)),
    ("POST", "resources.favourite", BASE + "/{text_id}/favourite", {}, dict(PRIVATE, default=L)),
    ("POST", "resources.delete", BASE + "/{text_id}/delete", {}, dict(PRIVATE, member=FB, default=L)),
    ("POST", "resources.restore", BASE + "/{trashed_id}/restore", {}, dict(TRASHED, member=NF, default=L)),
    ("POST", "resources.purge", BASE + "/{trashed_id}/purge", {},
     dict(TRASHED, member=NF, author=FB, co_convener=FB, convener=FB, admin=L)),
    ("GET", "resources.trash", BASE + "/trash", None, ASIDE),
    ("GET", "resources.library", "/library/", None, {}),
]


def expected_status(rules: dict, role: str) -> int:
    return rules.get(role, rules.get("default", OK))


CONSUMING = {"resources.delete", "resources.restore", "resources.purge"}  # routes that use up their resource


def _fresh(world: World) -> World:
    """Give a role its own text resource and trashed resource, so one role's change cannot hide another's."""
    from workspace.communities.models import Community

    community = db.session.scalar(db.select(Community).where(Community.slug == world.slug))
    author = world.users["author"]
    text = services.create_text_resource(
        community, services.ResourceFields(title="Fractions plan", kind="lesson_plan", visibility="community"),
        "# Fractions", actor=author)
    trashed = services.create_text_resource(
        community, services.ResourceFields(title="Old plan", kind="lesson_plan", visibility="community"),
        "Old text", actor=author)
    services.trash_resource(trashed, actor=author)
    db.session.commit()
    return World(world.slug, text.id, world.image_id, trashed.id, world.users)


def _request(client, world: World, role: str, method: str, url: str, data: dict | None):
    fields = {"slug": world.slug, "text_id": world.text_id, "image_id": world.image_id,
              "trashed_id": world.trashed_id}
    path = url.format(**fields)
    client.logout()
    if role != "anonymous":
        client.login(world.users[role])
    if method == "GET":
        return path, client.get(path)
    return path, client.post_form(path, dict(data or {}))


@pytest.mark.parametrize(("method", "endpoint", "url", "data", "rules"),
                         [pytest.param(*row, id=f"{row[0]} {row[1]}") for row in WALK])
def test_route_answers_each_role(client, ctx, method, endpoint, url, data, rules):
    world = build_world()
    failures = []
    for role in ROLES:
        status = expected_status(rules, role)
        role_world = _fresh(world) if endpoint in CONSUMING else world
        path, response = _request(client, role_world, role, method, url, data)
        if response.status_code != status:
            failures.append(f"{method} {path} as {role}: {response.status_code}, expected {status}")
        elif status == L and ("/login" in response.headers["Location"]) != (role == "anonymous"):
            failures.append(f"{method} {path} as {role}: redirected to {response.headers['Location']}")
    assert not failures, "\n".join(failures)


READ_ROUTES = [
    ("resources.show", BASE + "/{text_id}"),
    ("resources.download", BASE + "/{text_id}/download"),
    ("resources.inline_file", BASE + "/{image_id}/file"),
    ("resources.thumbnail", BASE + "/{image_id}/thumbnail"),
]
READERS = ("anonymous", "outsider", "colleague", "guest_expert", "reviewer", "member", "admin")
SEES_SCHOOL = {"colleague", "member", "admin"}
SEES_COMMUNITY = {"guest_expert", "reviewer"}  # the community, not its material: 403, as on its list


@pytest.mark.parametrize("visibility", ["public", "school"])
def test_read_routes_follow_visibility(client, ctx, visibility):
    world = build_world(visibility)
    for role in READERS:
        client.logout()
        for endpoint, url in READ_ROUTES:
            _path, response = _request(client, world, role, "GET", url, None)
            expected = OK if visibility == "public" or role in SEES_SCHOOL else FB if role in SEES_COMMUNITY else NF
            assert response.status_code == expected, f"{endpoint} ({visibility}) as {role}: {response.status_code}"


def test_public_resources_reach_visitors_in_the_library_but_not_the_community_list(client, ctx):
    build_world("public")
    assert "Fractions plan" in client.get("/library/").get_data(as_text=True)
    response = client.get("/c/walk/resources/")
    assert response.status_code == L and "/login" in response.headers["Location"]


def test_trashed_resource_is_hidden_from_members_but_not_from_its_author(client, ctx):
    world = build_world()
    client.login(world.users["member"])
    assert client.get(f"/c/walk/resources/{world.trashed_id}").status_code == NF
    assert "Old plan" not in client.get("/c/walk/resources/trash").get_data(as_text=True)
    client.login(world.users["author"])
    assert client.get(f"/c/walk/resources/{world.trashed_id}").status_code == OK
    assert "Old plan" in client.get("/c/walk/resources/trash").get_data(as_text=True)


def test_archived_community_refuses_changes_but_keeps_reading(client, ctx):
    world = build_world()
    from workspace.communities.models import Community
    from workspace.core.database import utcnow

    community = db.session.scalar(db.select(Community).where(Community.slug == "walk"))
    community.archived_at = utcnow()
    db.session.commit()
    client.login(world.users["author"])
    assert client.get(f"/c/walk/resources/{world.text_id}").status_code == OK
    assert client.get("/c/walk/resources/new").status_code == FB
    assert client.post_form(f"/c/walk/resources/{world.text_id}/edit", EDIT_FORM).status_code == FB
    assert client.post_form(f"/c/walk/resources/{world.text_id}/comments", {"body": "x"}).status_code == FB


def test_walk_covers_every_route_of_the_blueprint(app):
    """A new resources route must be added to the walk (and so get a test per role)."""
    walked = {(method, endpoint, url.split("?")[0]) for method, endpoint, url, _data, _rules in WALK}
    walked_endpoints = {(method, endpoint) for method, endpoint, _url in walked}
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("resources.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = routes - walked_endpoints
    assert not missing, f"resources routes missing from the walk: {sorted(missing)}"
    stale = walked_endpoints - routes
    assert not stale, f"walked routes the blueprint no longer has: {sorted(stale)}"
    with app.test_request_context():
        from flask import url_for

        for _method, endpoint, url in walked:
            values = {"slug": "walk", "resource_id": 7} if "_id}" in url else {"slug": "walk"}
            built = url_for(endpoint, **values) if endpoint != "resources.library" else url_for(endpoint)
            expected = url.format(slug="walk", text_id=7, image_id=7, trashed_id=7)
            assert built.endswith(expected), f"{endpoint}: walk says {expected}, the app says {built}"
