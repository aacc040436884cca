"""The board's permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, member (not the author), author (a member who wrote the thread and the reply under test), co-
convener, convener, reviewer (scope over the community's school), site admin. Outsiders get 404; people who
see the community but not its board (guest experts, reviewers) get 403; visitors go to the login page.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.media import png_bytes
from tests.permission_walk import (
    CREATED,
    DONE,
    FB,
    LOGIN,
    NF,
    PNG,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
)
from workspace.core.storage import store_upload
from workspace.discussions import services
from workspace.discussions.models import Category
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "author", "co_convener",
         "convener", "reviewer", "admin")


def build_board_world() -> World:
    """Every role; a question by the author with an edited reply, a deleted reply and a reported one (by the
    member, reported by the author), and an attachment."""
    world = build_world(ROLES)
    community, users = world.community(), world.users
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
    world.ids = {"thread_id": thread.id, "post_id": post.id, "deleted_id": deleted.id, "report_id": report.id,
                 "category_id": questions.id, "attachment_id": attachment.id}
    return world


BOARD = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB)  # the board's pages
MODERATORS_ONLY = dict(BOARD, member=FB, author=FB)
AUTHOR_OR_MODERATOR = dict(BOARD, member=FB)
BASE = "/c/{slug}/discussions"
POST = BASE + "/{thread_id}/posts/{post_id}"
THREAD_FORM = {"category_id": "{category_id}", "title": "A new question", "body": "What do you think?",
               "submission_key": "walk"}

# Unlisted roles get 200. A consuming route uses up what it acts on, so each role gets a world of its own.
STEPS = [
    Step("GET", "discussions.index", BASE + "/", None, BOARD),
    Step("POST", "discussions.read_all", BASE + "/read-all", {}, dict(BOARD, default=DONE)),
    Step("GET", "discussions.new", BASE + "/new", None, BOARD),
    Step("POST", "discussions.create", BASE + "/new", THREAD_FORM, dict(BOARD, default=DONE)),
    Step("GET", "discussions.mention_suggestions", BASE + "/members?q=Con", None, BOARD),
    Step("POST", "discussions.upload_attachment", BASE + "/attachments", {"file": PNG}, dict(BOARD, default=CREATED)),
    Step("GET", "discussions.attachment_file", BASE + "/files/{attachment_id}", None, BOARD),
    Step("GET", "discussions.show", BASE + "/{thread_id}", None, BOARD),
    Step("GET", "discussions.new_posts", BASE + "/{thread_id}/posts?after=0", None, BOARD),
    Step("POST", "discussions.add_reply", BASE + "/{thread_id}/reply", {"body": "Me too", "submission_key": "r"},
         dict(BOARD, default=DONE)),
    Step("POST", "discussions.watch", BASE + "/{thread_id}/watch", {"watching": "0"}, dict(BOARD, default=DONE)),
    Step("POST", "discussions.pin", BASE + "/{thread_id}/pin", {"pinned": "1"}, dict(MODERATORS_ONLY, default=DONE)),
    Step("POST", "discussions.lock", BASE + "/{thread_id}/lock", {"locked": "1"}, dict(MODERATORS_ONLY, default=DONE),
         consuming=True),
    Step("POST", "discussions.move", BASE + "/{thread_id}/move", {"category_id": "{category_id}"},
         dict(MODERATORS_ONLY, default=DONE)),
    Step("GET", "discussions.post_detail", POST, None, dict(BOARD, default=DONE)),
    Step("GET", "discussions.edit_post", POST + "/edit", None, AUTHOR_OR_MODERATOR),
    Step("POST", "discussions.update_post", POST + "/edit", {"body": "Changed", "base_version": "2"},
         dict(AUTHOR_OR_MODERATOR, default=DONE), consuming=True),
    Step("GET", "discussions.post_history", POST + "/history", None, AUTHOR_OR_MODERATOR),
    Step("POST", "discussions.delete_post", POST + "/delete", {}, dict(AUTHOR_OR_MODERATOR, default=DONE),
         consuming=True),
    Step("POST", "discussions.restore_post", BASE + "/{thread_id}/posts/{deleted_id}/restore", {},
         dict(MODERATORS_ONLY, default=DONE), consuming=True),
    Step("POST", "discussions.helpful", POST + "/helpful", {}, dict(BOARD, author=FB, default=DONE)),
    Step("POST", "discussions.answer", POST + "/answer", {}, dict(AUTHOR_OR_MODERATOR, default=DONE), consuming=True),
    Step("GET", "discussions.report_form", POST + "/report", None, dict(BOARD, author=FB)),
    Step("POST", "discussions.report", POST + "/report", {"reason": "Rude"}, dict(BOARD, author=FB, default=DONE)),
    Step("GET", "discussions.reports", BASE + "/reports", None, MODERATORS_ONLY),
    Step("POST", "discussions.resolve_report", BASE + "/reports/{report_id}", {"action": "dismiss"},
         dict(MODERATORS_ONLY, default=DONE), consuming=True),
    Step("GET", "discussions.categories", BASE + "/categories", None, MODERATORS_ONLY),
    Step("POST", "discussions.add_category", BASE + "/categories", {"name": "Observations"},
         dict(MODERATORS_ONLY, default=DONE), consuming=True),
    Step("POST", "discussions.update_category", BASE + "/categories/{category_id}", {"name": "Q&A", "action": "save"},
         dict(MODERATORS_ONLY, default=DONE), consuming=True),
]


TABLE = Table(ROLES, build_board_world, STEPS, csrf_as=lambda step: "author")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_another_communitys_thread_and_posts_are_not_found(client, ctx):
    world, elsewhere = build_board_world(), build_board_world()
    client.login(world.users["convener"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for url in (BASE + "/{thread_id}", POST + "/edit", BASE + "/files/{attachment_id}"):
        assert client.get(url.format(**fields)).status_code == NF, url
    assert client.post_form((BASE + "/reports/{report_id}").format(**fields), {"action": "dismiss"}).status_code == NF
    assert client.post_form((BASE + "/categories/{category_id}").format(**fields),
                            {"name": "x", "action": "save"}).status_code == NF
