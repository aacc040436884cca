"""The board's part of the policy: who reads, replies to and moderates threads, and what a person may do with
a post; threads and posts are read by the community's contributors (not guest experts, not reviewers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workspace.communities.policy import in_communities, role_in
from workspace.core.permissions import (
    CONTRIBUTORS,
    MANAGERS,
    RowRule,
    is_admin,
    register_page_rule,
    register_rule,
    register_scope,
)
from workspace.discussions.models import Post, Thread


def thread_rule(user: Any, action: str, thread: Thread) -> bool:
    """What a person may do with a thread."""
    community = thread.community
    role = role_in(user, community)
    admin = is_admin(user)
    reader = admin or role in CONTRIBUTORS
    moderator = not community.archived_at and (admin or role in MANAGERS)
    if action == "view":
        return reader
    if action == "moderate":  # pin, lock, move
        return moderator
    if action == "reply":
        return reader and not community.archived_at and not thread.locked
    if action == "mark_answer":  # the asker or a convener, in a question section
        owner = thread.author_id == user.id and role in CONTRIBUTORS
        return (moderator or owner) and thread.category.questions and not community.archived_at \
            and not thread.locked
    raise ValueError(f"unknown thread action {action!r}")


def post_standing(user: Any, thread: Thread) -> RowRule:
    """What a person may do with the posts of `thread`: their role, whether they administer the site and
    whether the community is archived are read here, once; the returned row rule decides each post from its
    own facts (author, deleted, edited) and the thread's lock, without another query. can() and the thread
    page both decide through it (post_rule, page_permissions), so they cannot disagree."""
    community = thread.community
    role = role_in(user, community)
    admin = is_admin(user)
    contributor = role in CONTRIBUTORS
    reader = admin or contributor
    managing = admin or role in MANAGERS
    open_ = not community.archived_at  # nothing changes in an archived community
    locked = thread.locked
    user_id = user.id

    def post_row(action: str, post: Post) -> bool:
        mine = post.author_id == user_id
        author = mine and contributor
        live = post.live
        if action == "view":  # its text: the board's readers, while it is not deleted
            return live and reader
        if action == "view_history":
            return post.edited_at is not None and (managing or author)
        if action == "restore":
            return open_ and not live and managing
        if not live or not open_:
            return False
        if action == "edit":  # a lock freezes the thread for everybody, conveners unlock first
            return (author or managing) and not locked
        if action == "delete":
            return author or managing
        if action in {"react", "report"}:  # not on one's own post
            return reader and not mine
        raise ValueError(f"unknown post action {action!r}")

    return post_row


def post_rule(user: Any, action: str, post: Post) -> bool:
    """What a person may do with a post (its thread's standing, decided for this one post)."""
    return post_standing(user, post.thread)(action, post)


def thread_scope(user: Any, action: str) -> Any:
    """The threads the person may read (view), as a condition on Thread."""
    if action != "view":
        raise ValueError(f"no list scope for the thread action {action!r}")
    return in_communities(Thread.community_id, user, "read_material")


def post_scope(user: Any, action: str) -> Any:
    """The posts whose text the person may read (view), as a condition on Post."""
    if action != "view":
        raise ValueError(f"no list scope for the post action {action!r}")
    return Post.live & Post.thread_id.in_(select(Thread.id).where(thread_scope(user, "view")))


register_rule(Thread, thread_rule)
register_scope(Thread, thread_scope)
register_rule(Post, post_rule)
register_scope(Post, post_scope)
register_page_rule(Post, post_standing)
