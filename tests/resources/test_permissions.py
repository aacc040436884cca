"""The resource library's permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, member (not the author), author (a member), co-convener, convener, reviewer (scope over the
community's school), site admin. A resource the user may not see answers 404; a community page the user may
see but not use answers 403; visitors go to the login page for every page that is not a public resource's own.
"""

from __future__ import annotations

import io

import pytest

from tests.media import png_bytes
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
    request,
    route_test,
)
from workspace.core.database import utcnow
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services
from workspace.resources.models import Resource

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "author", "co_convener",
         "convener", "reviewer", "admin")


def build_library_world(visibility: str = "community") -> World:
    """Every role (and a colleague: not a member, but at the community's school); the author's text resource,
    picture and trashed resource, of the given visibility."""
    world = build_world((*ROLES, "colleague"))
    community, author = world.community(), world.users["author"]
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
    world.ids = {"text_id": text.id, "image_id": image.id, "trashed_id": trashed.id}
    return world


# Those who see the community but not its material (guest experts, reviewers in scope) get 403 on a resource
# as on the list (issue 11); to visitors and outsiders it does not exist.
HIDDEN = dict(anonymous=NF, outsider=NF, guest_expert=FB, reviewer=FB)  # a public route of a private resource
ASIDE = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB)  # the community's own pages
PRIVATE = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB)  # a resource's non-public routes
TRASHED = dict(anonymous=LOGIN, outsider=NF, guest_expert=NF, reviewer=NF)  # gone from the trash for them
BASE = "/c/{slug}/resources"
TEXT_FORM = {"source": "text", "title": "New plan", "kind": "lesson_plan", "visibility": "community",
             "tags": "a, b", "body": "Some text"}
EDIT_FORM = {"title": "Renamed plan", "kind": "lesson_plan", "visibility": "community", "tags": "x"}

# Unlisted roles get 200. Deleting, restoring and purging use up their resource: each role gets a world of its own.
STEPS = [
    Step("GET", "resources.index", BASE + "/", None, ASIDE),
    Step("GET", "resources.new", BASE + "/new", None, ASIDE),
    Step("GET", "resources.tag_suggestions", BASE + "/tags?tags=fr", None, ASIDE),
    Step("POST", "resources.create", BASE + "/new", TEXT_FORM, dict(ASIDE, default=DONE)),
    Step("GET", "resources.show", BASE + "/{text_id}", None, HIDDEN),
    Step("GET", "resources.edit", BASE + "/{text_id}/edit", None, dict(PRIVATE, member=FB)),
    Step("POST", "resources.update", BASE + "/{text_id}/edit", EDIT_FORM, dict(PRIVATE, member=FB, default=DONE)),
    Step("POST", "resources.add_version", BASE + "/{text_id}/versions", {"body": "Second text", "note": "typo"},
         dict(PRIVATE, member=FB, default=DONE)),
    Step("GET", "resources.download", BASE + "/{text_id}/download", None, HIDDEN),
    Step("GET", "resources.inline_file", BASE + "/{image_id}/file", None, HIDDEN),
    Step("GET", "resources.thumbnail", BASE + "/{image_id}/thumbnail", None, HIDDEN),
    Step("POST", "resources.add_comment", BASE + "/{text_id}/comments", {"body": "Nice"}, dict(PRIVATE, default=DONE)),
    Step("POST", "resources.favourite", BASE + "/{text_id}/favourite", {}, dict(PRIVATE, default=DONE)),
    Step("POST", "resources.delete", BASE + "/{text_id}/delete", {}, dict(PRIVATE, member=FB, default=DONE),
         consuming=True),
    Step("POST", "resources.restore", BASE + "/{trashed_id}/restore", {}, dict(TRASHED, member=NF, default=DONE),
         consuming=True),
    Step("POST", "resources.purge", BASE + "/{trashed_id}/purge", {},
         dict(TRASHED, member=NF, author=FB, co_convener=FB, convener=FB, admin=DONE), consuming=True),
    Step("GET", "resources.trash", BASE + "/trash", None, ASIDE),
    Step("GET", "resources.library", "/library/", None, {}),
]


TABLE = Table(ROLES, build_library_world, STEPS, csrf_as=lambda step: "author")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


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
    world = build_library_world(visibility)
    for role in READERS:
        client.logout()
        for endpoint, url in READ_ROUTES:
            _path, response = request(client, world, role, Step("GET", endpoint, url, None, {}))
            expected = OK if visibility == "public" or role in SEES_SCHOOL else FB if role in SEES_COMMUNITY else NF
            assert response.status_code == expected, f"{endpoint} ({visibility}) as {role}: {response.status_code}"


def test_public_resources_reach_visitors_in_the_library_but_not_the_community_list(client, ctx):
    world = build_library_world("public")
    assert "Fractions plan" in client.get("/library/").get_data(as_text=True)
    response = client.get(f"/c/{world.slug}/resources/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_trashed_resource_is_hidden_from_members_but_not_from_its_author(client, ctx):
    world = build_library_world()
    client.login(world.users["member"])
    assert client.get(f"/c/{world.slug}/resources/{world.ids['trashed_id']}").status_code == NF
    assert "Old plan" not in client.get(f"/c/{world.slug}/resources/trash").get_data(as_text=True)
    client.login(world.users["author"])
    assert client.get(f"/c/{world.slug}/resources/{world.ids['trashed_id']}").status_code == OK
    assert "Old plan" in client.get(f"/c/{world.slug}/resources/trash").get_data(as_text=True)


def test_archived_community_refuses_changes_but_keeps_reading(client, ctx):
    world = build_library_world()
    community = world.community()
    community.archived_at = utcnow()
    db.session.commit()
    client.login(world.users["author"])
    assert client.get(f"/c/{world.slug}/resources/{world.ids['text_id']}").status_code == OK
    assert client.get(f"/c/{world.slug}/resources/new").status_code == FB
    text = f"/c/{world.slug}/resources/{world.ids['text_id']}"
    assert client.post_form(f"{text}/edit", EDIT_FORM).status_code == FB
    assert client.post_form(f"{text}/comments", {"body": "x"}).status_code == FB


def test_a_resource_is_the_pages_main_heading_for_a_reader_from_the_library(client, ctx):
    """QA: a colleague at the school opening a resource from the library found no heading of its own on the page (the
    title was an h2 under no h1) and the description's own "# Fractions" was the only h1. Members read it under the
    community's name (h1), the title an h2."""
    world = build_library_world("school")
    url = f"/c/{world.slug}/resources/{world.ids['text_id']}"
    client.login(world.users["colleague"])
    page = client.get(url).get_data(as_text=True)
    assert '<h1 class="resource-title">Fractions plan</h1>' in page
    assert page.count("<h1") == 1  # the text's own "# Fractions" sits under the page's headings
    assert "<h2>Fractions</h2>" in page and "<h2>Versions</h2>" in page  # the text's sections, then its versions
    assert "<h3>Versions</h3>" not in page  # no level skipped under the title
    client.login(world.users["member"])
    page = client.get(url).get_data(as_text=True)
    assert '<h2 class="resource-title">Fractions plan</h2>' in page


# Who reads the world's resources of each visibility (as the read routes above answer them).
READS = {"community": {"member", "author", "co_convener", "convener", "admin"},
         "school": {"member", "author", "co_convener", "convener", "admin", "colleague"}}


@pytest.mark.parametrize("visibility", ["community", "school"])
def test_my_favourites_list_only_what_each_role_may_read(client, ctx, visibility):
    """Every role marked every resource (the trashed one too); ?favourites=1 lists a role's marks only where the
    policy's list scope lets it read them, in /library/ and in the community's list alike."""
    world = build_library_world(visibility)
    resources = [db.session.get(Resource, world.ids[key]) for key in ("text_id", "image_id", "trashed_id")]
    for role in ROLES[1:]:
        for resource in resources:
            services.toggle_favourite(resource, world.users[role])
    db.session.commit()
    for role in ROLES[1:]:
        client.logout()
        client.login(world.users[role])
        page = client.get("/library/?favourites=1").get_data(as_text=True).split('id="results"', 1)[1]
        reads = role in READS[visibility]
        assert ("Fractions plan" in page, "Board photo" in page) == (reads, reads), f"{role}: {page[:300]}"
        assert "Old plan" not in page, role  # the trash is never listed
        listing = client.get(f"/c/{world.slug}/resources/?favourites=1")
        if listing.status_code == OK:
            assert ("Fractions plan" in listing.get_data(as_text=True)) == reads, role


def test_another_persons_favourites_are_not_mine(client, ctx):
    world = build_library_world()
    services.toggle_favourite(db.session.get(Resource, world.ids["text_id"]), world.users["author"])
    db.session.commit()
    client.login(world.users["member"])
    page = client.get(f"/c/{world.slug}/resources/?favourites=1").get_data(as_text=True)
    assert "Fractions plan" not in page and "None of your favourites is here" in page
    assert "Fractions plan" in client.get(f"/c/{world.slug}/resources/").get_data(as_text=True)
