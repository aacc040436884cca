"""Viewer-free reads of the boards of communities in a period: how much was discussed, and by how many.

Communities and a Period (core/records.py: first and last day included, local time) in, frozen rows out,
in one query whatever the number of posts. Deleted posts are left out here, through `Post.live`; a thread
counts when its opening post (number 1) is live and was written in the period. Nothing here checks who asks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import case, distinct, func, select

from workspace.core.records import Period
from workspace.discussions.models import Post, Thread
from workspace.extensions import db


@dataclass(frozen=True)
class BoardActivity:
    """What one community's board saw in the period."""

    community_id: int
    threads: int  # threads started (opening post live)
    posts: int  # posts written, openings and replies, not deleted
    replies: int  # of which replies
    authors: int  # distinct people who wrote one of them


def board_activity(community_ids: Collection[int], period: Period) -> list[BoardActivity]:
    """The threads started and posts written in each community in the period; every community asked about
    has its row, zeros included, in the order asked (one query)."""
    counts = {row.community_id: row for row in db.session.execute(
        select(Thread.community_id,
               func.sum(case((Post.number == 1, 1), else_=0)).label("threads"),
               func.count(Post.id).label("posts"),
               func.count(distinct(Post.author_id)).label("authors"))
        .join(Post, Post.thread_id == Thread.id)
        .where(Thread.community_id.in_(list(community_ids)), Post.live, period.holds(Post.created_at))
        .group_by(Thread.community_id))}
    rows = []
    for community_id in dict.fromkeys(community_ids):
        row = counts.get(community_id)
        threads, posts, authors = (int(row.threads or 0), row.posts, row.authors) if row else (0, 0, 0)
        rows.append(BoardActivity(community_id, threads, posts, posts - threads, authors))
    return rows
