"""What the audit trail says of the board: the sentences of `discussions.*` events, the threads they name
and the authors of the posts they acted on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from workspace.auth.models import User
from workspace.core import audit
from workspace.core.i18n import N_, gettext
from workspace.discussions.models import Post, Thread
from workspace.extensions import db

MESSAGES = {
    "discussions.category_added": N_("added the board section %(name)s to %(community)s"),
    "discussions.category_changed": N_("renamed the board section %(before)s of %(community)s to %(name)s"),
    "discussions.category_deleted": N_("removed the board section %(name)s from %(community)s"),
    "discussions.pinned": N_("pinned the thread %(title)s in %(community)s"),
    "discussions.unpinned": N_("unpinned the thread %(title)s in %(community)s"),
    "discussions.locked": N_("locked the thread %(title)s in %(community)s"),
    "discussions.unlocked": N_("unlocked the thread %(title)s in %(community)s"),
    "discussions.moved": N_("moved the thread %(title)s in %(community)s from %(before)s to %(after)s"),
    "discussions.post_edited": N_("edited post #%(number)s by %(member)s in the thread %(title)s in %(community)s"),
    "discussions.post_deleted": N_("deleted post #%(number)s by %(member)s in the thread %(title)s in "
                                   "%(community)s"),
    "discussions.post_restored": N_("restored post #%(number)s by %(member)s in the thread %(title)s in "
                                    "%(community)s"),
    "discussions.reported": N_("reported post #%(number)s by %(member)s in the thread %(title)s in %(community)s"),
    "discussions.report_resolved": N_("dealt with the report on post #%(number)s in the thread %(title)s in "
                                      "%(community)s: %(after)s"),
}

REPORT_RESOLUTIONS = {"dismissed": N_("dismissed"), "deleted": N_("the post was deleted")}


def _resolution(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    resolution = REPORT_RESOLUTIONS.get(data.get("resolution") or "")
    return {"after": gettext(resolution) if resolution else str(data.get("resolution") or "…")}


def thread_titles(ids: set[int]) -> Mapping[int, str]:
    """The titles of these threads (one query)."""
    return dict(db.session.execute(select(Thread.id, Thread.title).where(Thread.id.in_(ids))).all())


def post_authors(ids: set[int]) -> Mapping[int, str]:
    """The name of each post's author (one query)."""
    return dict(db.session.execute(
        select(Post.id, User.display_name).join(User, User.id == Post.author_id).where(Post.id.in_(ids))).all())


def register() -> None:
    """Give the trail this area's sentences, threads and post authors."""
    audit.register_messages(MESSAGES, {"discussions.report_resolved": _resolution})
    audit.register_subject("thread", thread_titles, data_keys=("thread",))
    audit.register_subject("post", post_authors, subject_type="Post")
    # What the conveners did to a thread is news for whoever reads it; reports and edits stay with the managers.
    audit.register_news(("discussions.pinned", "discussions.unpinned", "discussions.locked", "discussions.unlocked",
                         "discussions.moved"), audit.viewers_of(Thread))
    audit.register_target("Thread", "discussions.show", "thread_id")
