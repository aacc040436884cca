"""The discussions' read module: threads and posts of each community's board in a period, deleted posts left out."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_community, make_user
from workspace.core.records import Period
from workspace.discussions import records
from workspace.discussions.models import Category, Post, Thread
from workspace.extensions import db

SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))  # Taipei: 2026-01-31 16:00 UTC to 2026-06-30 16:00 UTC
UTC = dt.UTC


def thread(community, author, *posts: tuple[dt.datetime, bool]) -> Thread:
    """A thread whose posts were written at these times (deleted when the flag says so), the first opening it."""
    category = Category(community_id=community.id, key="sharing")
    db.session.add(category)
    db.session.flush()
    started = Thread(community_id=community.id, category_id=category.id, author_id=author.id, title="討論",
                     created_at=posts[0][0], last_number=len(posts))
    db.session.add(started)
    db.session.flush()
    for number, (written, deleted) in enumerate(posts, start=1):
        db.session.add(Post(thread_id=started.id, number=number, author_id=author.id, body="內容",
                            body_html="<p>內容</p>", created_at=written, deleted_at=written if deleted else None))
    db.session.commit()
    return started


def test_threads_started_and_posts_written_in_the_period(ctx):
    teacher, other = make_user(), make_user()
    community = make_community(teacher)
    thread(community, teacher, (dt.datetime(2026, 1, 31, 16, tzinfo=UTC), False),  # the first moment
           (dt.datetime(2026, 3, 1, tzinfo=UTC), False), (dt.datetime(2026, 3, 2, tzinfo=UTC), True))
    thread(community, other, (dt.datetime(2026, 6, 30, 15, 59, tzinfo=UTC), False),
           (dt.datetime(2026, 6, 30, 16, tzinfo=UTC), False))  # the reply falls after the period
    thread(community, teacher, (dt.datetime(2026, 1, 31, 15, 59, tzinfo=UTC), False),  # started before
           (dt.datetime(2026, 2, 2, tzinfo=UTC), False))
    thread(community, teacher, (dt.datetime(2026, 4, 1, tzinfo=UTC), True))  # its opening post deleted

    [row] = records.board_activity([community.id], SPRING)

    assert (row.community_id, row.threads, row.posts, row.replies, row.authors) == (community.id, 2, 4, 2, 2)


def test_every_community_asked_about_has_its_row_in_one_query(ctx, count_queries):
    teacher = make_user()
    busy, quiet = make_community(teacher), make_community(teacher)
    for day in range(5):
        thread(busy, teacher, (dt.datetime(2026, 3, 1 + day, tzinfo=UTC), False),
               (dt.datetime(2026, 3, 2 + day, tzinfo=UTC), False))
    ids = [quiet.id, busy.id]

    with count_queries() as queries:
        rows = records.board_activity(ids, SPRING)

    assert len(queries) == 1
    assert [(row.community_id, row.threads, row.posts) for row in rows] == [(quiet.id, 0, 0), (busy.id, 5, 10)]
