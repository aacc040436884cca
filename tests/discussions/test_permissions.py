"""The board's permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider, guest expert, member (not the author), author (a member who wrote the
thread and the reply under test), co-convener, convener, reviewer (scope over the community's school),
site admin. Outsiders get 404; people who see the community but not its board (guest experts,
reviewers) get 403; visitors go to the login page.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.core.storage import store_upload
from workspace.discussions import services
from workspace.discussions.models import Category
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "guest_expert", "member", "author", "co_convener", "convener", "reviewer",
         "admin")
_worlds = itertools.count(1)




@dataclass
class World:
    slug: str
    thread_id: int
    post_id: int
    deleted_id: int
    report_id: int
    category_id: int
    attachment_id: int
    users: dict

    def fields(self) -> dict:
        return {"slug": self.slug, "thread_id": self.thread_id, "post_id": self.post_id,
                "deleted_id": self.deleted_id, "report_id": self.report_id, "category_id": self.category_id,
                "attachment_id": self.attachment_id}


def build_world() -> World:
    number = next(_worlds)
    school = make_school(name=f"Walk School {number}")
    convener = make_user(display_name="Convener")
    community = make_community(convener, slug=f"walk-{number}", schools=[school])
    users = {"convener": convener, "outsider": make_user(), "admin": make_user(is_admin=True),
             "reviewer": make_reviewer(school)}
    for role in ("guest_expert", "member", "co_convener", "author"):
        users[role] = add_member(community, role="member" if role == "author" else role).user
    author = users["author"]
    questions = db.session.scalar(select(Category).where(Category.community_id == community.id,
                                                         Category.key == "questions"))
    thread = services.create_thread(community, category=questions, title="How to start fractions?",
                                    body="Ideas welcome.", actor=author)
    post = services.reply(thread, "Pizza pictures.", actor=author)
    services.edit_post(post, "Pizza pictures, then paper strips.", actor=author, base_version=1)
    deleted = services.reply(thread, "Off topic.", actor=author)
    services.delete_post(deleted, actor=author)
    spam = services.reply(thread, "Buy now", actor=users["member"])
    report = services.report_post(spam, "Advertising", actor=author)
    attachment = services.add_attachment(community, store_upload(io.BytesIO(png_bytes()), "board.png"), actor=author)
    db.session.commit()
    return World(community.slug, thread.id, post.id, deleted.id, report.id, questions.id, attachment.id, users)


L, NF, FB, OK = 302, 404, 403, 200
BOARD = dict(anonymous=L, outsider=NF, guest_expert=FB, reviewer=FB)  # the board's pages
MODERATORS_ONLY = dict(BOARD, member=FB, author=FB)
AUTHOR_OR_MODERATOR = dict(BOARD, member=FB)
BASE = "/c/{slug}/discussions"
POST = BASE + "/{thread_id}/posts/{post_id}"
THREAD_FORM = {"category_id": "{category_id}", "title": "A new question", "body": "What do you think?",
               "submission_key": "walk"}

# (method, endpoint, url template, form data, {role: expected status}, consuming); unlisted roles get 200.
# A consuming route uses up what it acts on, so each role gets a world of its own.
WALK = [
    ("GET", "discussions.index", BASE + "/", None, BOARD, False),
    ("POST", "discussions.read_all", BASE + "/read-all", {}, dict(BOARD, default=L), False),
    ("GET", "discussions.new", BASE + "/new", None, BOARD, False),
    ("POST", "discussions.create", BASE + "/new", THREAD_FORM, dict(BOARD, default=L), False),
    ("GET", "discussions.mention_suggestions", BASE + "/members?q=Con", None, BOARD, False),
    ("POST", "discussions.upload_attachment", BASE + "/attachments", {"file": "png"}, dict(BOARD, default=201),
     False),
    ("GET", "discussions.attachment_file", BASE + "/files/{attachment_id}", None, BOARD, False),
    ("GET", "discussions.show", BASE + "/{thread_id}", None, BOARD, False),
    ("GET", "discussions.new_posts", BASE + "/{thread_id}/posts?after=0", None, BOARD, False),
    ("POST", "discussions.add_reply", BASE + "/{thread_id}/reply", {"body": "Me too", "submission_key": "r"},
     dict(BOARD, default=L), False),
    ("POST", "discussions.watch", BASE + "/{thread_id}/watch", {"watching": "0"}, dict(BOARD, default=L), False),
    ("POST", "discussions.pin", BASE + "/{thread_id}/pin", {"pinned": "1"}, dict(MODERATORS_ONLY, default=L),
     False),
    ("POST", "discussions.lock", BASE + "/{thread_id}/lock", {"locked": "1"}, dict(MODERATORS_ONLY, default=L),
     True),
    ("POST", "discussions.move", BASE + "/{thread_id}/move", {"category_id": "{category_id}"},
     dict(MODERATORS_ONLY, default=L), False),
    ("GET", "discussions.post_detail", POST, None, dict(BOARD, default=L), False),
    ("GET", "discussions.edit_post", POST + "/edit", None, AUTHOR_OR_MODERATOR, False),
    ("POST", "discussions.update_post", POST + "/edit", {"body": "Changed", "base_version": "2"},
     dict(AUTHOR_OR_MODERATOR, default=L), True),
    ("GET", "discussions.post_history", POST + "/history", None, AUTHOR_OR_MODERATOR, False),
    ("POST", "discussions.delete_post", POST + "/delete", {}, dict(AUTHOR_OR_MODERATOR, default=L), True),
    ("POST", "discussions.restore_post", BASE + "/{thread_id}/posts/{deleted_id}/restore", {},
     dict(MODERATORS_ONLY, default=L), True),
    ("POST", "discussions.helpful", POST + "/helpful", {}, dict(BOARD, author=FB, default=L), False),
    ("POST", "discussions.answer", POST + "/answer", {}, dict(AUTHOR_OR_MODERATOR, default=L), True),
    ("GET", "discussions.report_form", POST + "/report", None, dict(BOARD, author=FB), False),
    ("POST", "discussions.report", POST + "/report", {"reason": "Rude"}, dict(BOARD, author=FB, default=L), False),
    ("GET", "discussions.reports", BASE + "/reports", None, MODERATORS_ONLY, False),
    ("POST", "discussions.resolve_report", BASE + "/reports/{report_id}", {"action": "dismiss"},
     dict(MODERATORS_ONLY, default=L), True),
    ("GET", "discussions.categories", BASE + "/categories", None, MODERATORS_ONLY, False),
    ("POST", "discussions.add_category", BASE + "/categories", {"name": "Observations"},
     dict(MODERATORS_ONLY, default=L), True),
    ("POST", "discussions.update_category", BASE + "/categories/{category_id}", {"name": "Q&A", "action": "save"},
     dict(MODERATORS_ONLY, default=L), True),
]


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
    if form.get("file") == "png":
        form["file"] = (io.BytesIO(png_bytes()), "photo.png")
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
    client.login(world.users["author"])
    for _method, _endpoint, url, data, _rules, _consuming in (row for row in WALK if row[0] == "POST"):
        path = url.format(**world.fields())
        response = client.post(path, data={key: value.format(**world.fields()) for key, value in
                                           (data or {}).items() if key != "file"})
        assert response.status_code == 400, f"POST {path} without a token: {response.status_code}"


def test_another_communitys_thread_and_posts_are_not_found(client, ctx):
    world, elsewhere = build_world(), build_world()
    client.login(world.users["convener"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for url in (BASE + "/{thread_id}", POST + "/edit", BASE + "/files/{attachment_id}"):
        assert client.get(url.format(**fields)).status_code == NF, url
    assert client.post_form((BASE + "/reports/{report_id}").format(**fields), {"action": "dismiss"}).status_code == NF
    assert client.post_form((BASE + "/categories/{category_id}").format(**fields),
                            {"name": "x", "action": "save"}).status_code == NF


def test_walk_covers_every_route_of_the_blueprint(app):
    """A new discussions route must be added to the walk (and so get a test per role)."""
    walked = {(method, endpoint) for method, endpoint, *_rest in WALK}
    routes = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("discussions.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert not routes - walked, f"discussions routes missing from the walk: {sorted(routes - walked)}"
    assert not walked - routes, f"walked routes the blueprint no longer has: {sorted(walked - routes)}"
