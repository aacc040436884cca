"""Add discussion boards to a bench database: a board of 2,000 threads, one of them 5,000 posts long, and a small
board of 20 threads (one of 50 posts) to compare query counts with.

Rows are bulk-inserted with SQLAlchemy Core in one transaction (no service call per post): posts are numbered
1..n in each thread, the thread's last_number / last_post_at / last_author_id match its newest post, the HTML of
each body comes from core/text.py's own `render_markdown` (a pool of a few hundred bodies, each rendered once),
and the bench user has read marks on about half the threads, watches some, and found some posts helpful.
Search documents are not written: the board search (?q=) is not measured.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from bench.seed_resources import ENGLISH, GLUE, TERMS

BOARD_THREADS = 2_000  # the big board (/c/bench-home/discussions/)
BIG_THREAD_POSTS = 5_000  # its longest thread
SMALL_THREADS = 20  # the small board, for the query counts
SMALL_THREAD_POSTS = 50  # its longest thread: one page
MAX_POSTS = 12  # the other threads have 1..MAX_POSTS posts (most of them few)
BODIES = 400  # distinct Markdown bodies, rendered once each
BIG_THREAD_UNREAD = 10  # the bench user has read the long thread but for its last posts
BATCH = 5_000
RANDOM_SEED = 20241201


@dataclass(frozen=True)
class Board:
    """One seeded board: where it is and its longest thread."""

    community_id: int
    slug: str
    threads: int
    long_thread_id: int
    long_thread_posts: int


@dataclass(frozen=True)
class SeededDiscussions:
    """What the discussion benchmark needs to know about the boards it got."""

    big: Board
    small: Board
    rows: dict[str, int]
    seconds: float


def _body(rng: random.Random) -> str:
    """A post as teachers write them: a few paragraphs, sometimes a list, a quote, bold or a link."""
    def sentence() -> str:
        words = []
        for _ in range(rng.randint(3, 8)):
            words.append(rng.choice(TERMS))
            if rng.random() < 0.4:
                words.append(rng.choice(GLUE))
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), f" {rng.choice(ENGLISH)} ")
        return "".join(words).strip() + rng.choice("，。。；？")

    parts = []
    if rng.random() < 0.15:
        parts.append("> " + sentence())
    for _ in range(rng.randint(1, 3)):
        paragraph = "".join(sentence() for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.2:
            term = rng.choice(TERMS)
            paragraph = paragraph.replace(term, f"**{term}**", 1)
        parts.append(paragraph)
    if rng.random() < 0.2:
        parts.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(2, 4))))
    if rng.random() < 0.1:
        parts.append(f"參考：[{rng.choice(ENGLISH)}](https://example.org/{rng.randint(1, 999)})")
    return "\n\n".join(parts)


def _title(rng: random.Random) -> str:
    return f"{rng.choice(TERMS)}{rng.choice(TERMS)}：{rng.choice(TERMS)}{rng.choice(GLUE)}{rng.choice(TERMS)}？"[:200]


class _Builder:
    """Collects the rows of every board with explicit ids, so posts, threads and marks refer to each other."""

    def __init__(self, rng: random.Random, bodies: list[tuple[str, str]], bench_user_id: int,
                 now: dt.datetime) -> None:
        self.rng, self.bodies, self.bench_user_id, self.now = rng, bodies, bench_user_id, now
        self.categories: list[dict[str, Any]] = []
        self.threads: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.marks: list[dict[str, Any]] = []
        self.watches: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []

    def categories_for(self, community_id: int) -> list[dict[str, Any]]:
        from workspace.discussions.services import DEFAULT_CATEGORIES

        rows = [{"id": len(self.categories) + position + 1, "community_id": community_id, "key": key, "name": "",
                 "position": position, "questions": questions, "managers_only": managers_only,
                 "created_at": self.now - dt.timedelta(days=400)}
                for position, (key, _name, questions, managers_only) in enumerate(DEFAULT_CATEGORIES)]
        self.categories += rows
        return rows

    def board(self, community_id: int, slug: str, members: list[int], threads: int, long_posts: int) -> Board:
        """Threads of one board; the first is the long one and the most recently active."""
        rng = self.rng
        categories = self.categories_for(community_id)
        long_id = len(self.threads) + 1
        for index in range(threads):
            count = long_posts if index == 0 else min(int(rng.expovariate(1 / 4)) + 1, MAX_POSTS)
            # The long thread was started long ago and is still going; the others end anywhere in the last year.
            if index == 0:
                end = self.now - dt.timedelta(minutes=30)
                start = end - dt.timedelta(days=300)
            else:
                end = self.now - dt.timedelta(minutes=rng.randint(60, 525_600))
                start = end - dt.timedelta(minutes=rng.randint(count, 20_000) if count > 1 else 0)
            category = rng.choices(categories, weights=(1, 4, 4, 3))[0]
            self.thread(community_id, category, members, count, start, end,
                        pinned=0 < index <= max(1, threads // 700), locked=index % 397 == 5)
        return Board(community_id, slug, threads, long_id, long_posts)

    def thread(self, community_id: int, category: dict[str, Any], members: list[int], count: int,
               start: dt.datetime, end: dt.datetime, *, pinned: bool, locked: bool) -> None:
        rng = self.rng
        thread_id = len(self.threads) + 1
        step = (end - start) / max(count - 1, 1)
        first_post_id = len(self.posts) + 1
        author_id = last_author = rng.choice(members)
        for number in range(1, count + 1):
            post_author = author_id if number == 1 else rng.choice(members)
            created = start + step * (number - 1) if number < count else end
            body, body_html = rng.choice(self.bodies)
            helpers = rng.sample(members, rng.randint(1, 3)) if rng.random() < 0.1 else []
            edited = created + dt.timedelta(minutes=rng.randint(1, 60)) if rng.random() < 0.02 else None
            deleted = number > 1 and rng.random() < 0.005
            self.posts.append({
                "id": len(self.posts) + 1, "thread_id": thread_id, "number": number, "author_id": post_author,
                "body": body, "body_html": body_html, "submission_key": None, "version": 2 if edited else 1,
                "helpful_count": len(helpers), "created_at": created, "edited_at": edited,
                "deleted_at": created + dt.timedelta(hours=1) if deleted else None,
                "deleted_by_id": post_author if deleted else None,
            })
            self.reactions += [{"post_id": len(self.posts), "user_id": user_id, "created_at": created}
                               for user_id in helpers]
            last_author = post_author
        answered = category["questions"] and count > 1 and rng.random() < 0.5
        if answered:
            self.answers.append({"thread_id": thread_id, "answer_id": first_post_id + 1})
        self.threads.append({
            "id": thread_id, "community_id": community_id, "category_id": category["id"], "author_id": author_id,
            "title": _title(rng), "pinned": pinned, "locked_at": end if locked else None, "answer_post_id": None,
            "last_number": count, "last_post_at": end,
            "last_author_id": last_author, "created_at": start,
        })
        # The bench user has been to about half the threads: most read to the end, some part of the way.
        long_thread = count >= BIG_THREAD_POSTS
        if long_thread or rng.random() < 0.5:
            read = count - BIG_THREAD_UNREAD if long_thread else (
                count if rng.random() < 0.7 else rng.randint(1, count))
            self.marks.append({"user_id": self.bench_user_id, "thread_id": thread_id, "last_read_number": read,
                               "updated_at": end})
            if long_thread or rng.random() < 0.3:
                self.watches.append({"user_id": self.bench_user_id, "thread_id": thread_id, "watching": True})


def seed_discussions(app: Any, *, big_community_id: int = 1, bench_user_id: int = 1, threads: int = BOARD_THREADS,
                     long_posts: int = BIG_THREAD_POSTS, small_threads: int = SMALL_THREADS,
                     small_posts: int = SMALL_THREAD_POSTS) -> SeededDiscussions:
    """Insert the big board into the bench user's home community and the small one into another of theirs.

    In the small board's community the bench user gets the role they have at home (co-convener), so that
    the two boards' pages differ in size only, not in what the reader may do.
    """
    from workspace.communities.models import Community, Membership
    from workspace.core.text import render_markdown
    from workspace.discussions.models import Category, Post, Reaction, ReadMark, Thread, Watch
    from workspace.extensions import db

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        home = db.session.get(Community, big_community_id)
        role = db.session.scalar(select(Membership.role).where(
            Membership.community_id == home.id, Membership.user_id == bench_user_id, Membership.left_at.is_(None)))
        if role is None:
            raise ValueError(f"user {bench_user_id} is not a member of {home.slug}")
        small = db.session.scalars(
            select(Community).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench_user_id, Membership.left_at.is_(None),
                   Community.id != home.id, Community.archived_at.is_(None))
            .order_by(Community.id)).first()
        members: dict[int, list[int]] = {}
        for community_id, user_id in db.session.execute(
                select(Membership.community_id, Membership.user_id)
                .where(Membership.community_id.in_([home.id, small.id]), Membership.left_at.is_(None))
                .order_by(Membership.user_id)):
            members.setdefault(community_id, []).append(user_id)
        home_slug, small_id, small_slug = home.slug, small.id, small.slug
        db.session.remove()
        bodies = []
        for _ in range(BODIES):
            body = _body(rng)
            bodies.append((body, str(render_markdown(body))))
        builder = _Builder(rng, bodies, bench_user_id, now)
        big = builder.board(home.id, home_slug, members[home.id], threads, long_posts)
        small_board = builder.board(small_id, small_slug, members[small_id], small_threads, small_posts)
        with db.engine.begin() as connection:
            connection.execute(update(Membership).where(
                Membership.community_id == small_id, Membership.user_id == bench_user_id,
                Membership.left_at.is_(None)).values(role=role))
            connection.execute(insert(Category), builder.categories)
            connection.execute(insert(Thread), builder.threads)
            for start in range(0, len(builder.posts), BATCH):
                connection.execute(insert(Post), builder.posts[start:start + BATCH])
            if builder.answers:
                connection.execute(update(Thread).where(Thread.id == bindparam("thread_id"))
                                   .values(answer_post_id=bindparam("answer_id")), builder.answers)
            connection.execute(insert(Reaction), builder.reactions)
            connection.execute(insert(ReadMark), builder.marks)
            connection.execute(insert(Watch), builder.watches)
            connection.exec_driver_sql("ANALYZE")  # give the planner statistics, as a long-lived database has
        db.engine.dispose()  # release the file before gunicorn opens it
    rows = {"discussion_categories": len(builder.categories), "threads": len(builder.threads),
            "posts": len(builder.posts), "answers": len(builder.answers), "post_reactions": len(builder.reactions),
            "read_marks": len(builder.marks), "thread_watches": len(builder.watches)}
    return SeededDiscussions(big, small_board, rows, time.perf_counter() - started)


def check(app: Any, seeded: SeededDiscussions) -> list[str]:
    """Verify what the pages rely on: numbers 1..n without gaps, and each thread's counters match its newest post."""
    from sqlalchemy import func

    from workspace.discussions.models import Post, Thread
    from workspace.extensions import db

    problems = []
    with app.app_context():
        newest = (select(Post.thread_id, func.count().label("n"), func.min(Post.number).label("low"),
                         func.max(Post.number).label("high"), func.max(Post.created_at).label("at"))
                  .group_by(Post.thread_id).subquery())
        for thread_id, last_number, last_post_at, n, low, high, at in db.session.execute(
                select(Thread.id, Thread.last_number, Thread.last_post_at, newest.c.n, newest.c.low, newest.c.high,
                       newest.c.at).join(newest, newest.c.thread_id == Thread.id)):
            if not (n == high == last_number and low == 1 and at == last_post_at):
                problems.append(f"thread {thread_id}: {n} posts numbered {low}..{high}, last_number {last_number}")
        db.session.remove()
        db.engine.dispose()
    return problems
