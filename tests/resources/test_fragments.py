"""The library's rows are cached fragments: a reader's favourite mark, an edit and a trashed resource are never
shown from another view's row."""

from __future__ import annotations

import pytest

from tests.factories import add_member, make_community, make_user
from workspace.extensions import db
from workspace.resources import services


@pytest.fixture()
def library(ctx):
    convener = make_user(display_name="陳召集")
    community = make_community(convener, slug="lib")
    member = add_member(community, make_user(display_name="林老師")).user
    resource = services.create_text_resource(
        community, services.ResourceFields(title="分數教案", kind="lesson_plan", subject="數學"), "通分的練習",
        actor=convener)
    db.session.commit()
    return convener, member, resource


def _row(page: str, resource_id: int) -> str:
    start = page.index(f'id="resource-{resource_id}"')
    return page[start:page.index("</li>", start)]


def test_a_favourite_mark_is_its_readers_alone(library, make_client):
    convener, member, resource = library
    services.toggle_favourite(resource, member)
    db.session.commit()
    as_member = make_client().login(member).get("/c/lib/resources/").get_data(as_text=True)
    assert 'class="star"' in _row(as_member, resource.id)
    as_convener = make_client().login(convener).get("/c/lib/resources/").get_data(as_text=True)
    assert 'class="star"' not in _row(as_convener, resource.id)


def test_an_edit_redraws_the_row_and_a_trashed_resource_leaves_the_list(library, client):
    convener, member, resource = library
    client.login(member)
    assert "分數教案" in _row(client.get("/c/lib/resources/").get_data(as_text=True), resource.id)
    services.update_resource(resource, services.ResourceFields(title="分數教案（修訂）", kind="lesson_plan",
                                                               subject="數學"), actor=convener)
    db.session.commit()
    assert "分數教案（修訂）" in _row(client.get("/c/lib/resources/").get_data(as_text=True), resource.id)
    services.trash_resource(resource, actor=convener)
    db.session.commit()
    assert f'id="resource-{resource.id}"' not in client.get("/c/lib/resources/").get_data(as_text=True)


def test_a_search_marks_its_own_words_in_a_kept_row(library, client):
    _convener, member, resource = library
    client.login(member)
    plain = _row(client.get("/c/lib/resources/").get_data(as_text=True), resource.id)
    searched = _row(client.get("/c/lib/resources/?q=分數").get_data(as_text=True), resource.id)
    assert "<mark>" not in plain and "<mark>分數</mark>" in searched
