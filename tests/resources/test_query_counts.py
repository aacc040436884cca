"""The library lists run a fixed number of queries, whatever the number of resources (no N+1)."""

from __future__ import annotations

import io

import pytest

from tests.factories import add_member, make_community, make_school, make_user
from tests.measuring import measure
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services

LIMIT = 11  # the page (its rows, then their tags), its facets, the cache counter and the user (bell and review scope)
SEARCH_LIMIT = LIMIT + 4  # a query adds the search index's own few statements


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure the pages themselves, not the page cache (tests/core/test_cache.py covers that)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)

def add_resources(community, authors, start: int, count: int) -> None:
    """Add resources with tags, two versions and a comment each; every third one is a file, some public."""
    for number in range(start, start + count):
        author = authors[number % len(authors)]
        fields = services.ResourceFields(
            title=f"Resource {number}", kind="reading" if number % 2 else "lesson_plan", subject=f"S{number % 4}",
            grade=f"G{number % 3}", tags=f"common, tag{number}, 標籤{number % 5}",
            visibility=("public", "school", "community")[number % 3])
        if number % 3 == 0:
            stored = store_upload(io.BytesIO(f"file {number} v1".encode()), f"file{number}.txt")
            resource = services.create_file_resource(community, fields, stored, actor=author)
            services.add_file_version(resource, store_upload(io.BytesIO(f"file {number} v2".encode()),
                                                             f"file{number}.txt"), actor=author, note="v2")
        else:
            resource = services.create_text_resource(community, fields, f"Body {number}", actor=author)
            services.add_text_version(resource, f"Body {number} again", actor=author, note="v2")
        services.add_comment(resource, f"Comment on {number}", actor=authors[0])
        if number % 4 == 0:
            services.toggle_favourite(resource, authors[0])
    db.session.commit()


def test_library_lists_do_not_grow_with_the_number_of_resources(client, make_client, ctx, count_queries):
    school = make_school()
    convener = make_user(school_id=school.id)
    community = make_community(convener, slug="counted", schools=[school])
    other = make_community(make_user(), slug="other", schools=[school])
    authors = [convener, add_member(community).user, add_member(community, role="co_convener").user]
    client.login(convener)
    colleague = make_client().login(make_user(school_id=school.id))
    visitor = make_client()
    paths = [(client, "/c/counted/resources/"), (client, "/c/counted/resources/?q=Resource&sort=downloads"),
             (client, "/library/"), (client, "/c/counted/resources/?tag=common"), (colleague, "/library/"),
             (visitor, "/library/"), (client, "/c/counted/resources/?favourites=1&subject=s0"),
             (client, "/library/?favourites=1&grade=G0&tag=標籤0"), (visitor, "/library/?favourites=1")]
    add_resources(community, authors, 0, 3)
    add_resources(other, [other_convener(other)], 1000, 2)
    few = [measure(who, count_queries, path) for who, path in paths]
    add_resources(community, authors, 3, 57)
    add_resources(other, [other_convener(other)], 1002, 20)
    many = [measure(who, count_queries, path) for who, path in paths]
    assert few == many, f"queries with 3 resources {few}, with 60 {many}"
    limits = [SEARCH_LIMIT if "q=" in path else LIMIT for _who, path in paths]
    assert all(count <= limit for count, limit in zip(many, limits, strict=True)), f"queries per page: {many}"
    page = client.get("/c/counted/resources/").get_data(as_text=True)
    assert page.count('class="resource-row"') == 24


def other_convener(community):
    from sqlalchemy import select

    from workspace.communities.models import Membership

    return db.session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                      Membership.role == "convener")).user
