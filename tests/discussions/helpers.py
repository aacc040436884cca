"""Building blocks for the board's tests: a community with members of each role, threads, replies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from workspace.communities.models import Community
from workspace.discussions import services
from workspace.discussions.models import Category, Post, Thread
from workspace.extensions import db


@dataclass
class Board:
    community: Community
    convener: object
    member: object
    other: object

    def category(self, key: str = "sharing") -> Category:
        return db.session.scalar(select(Category).where(Category.community_id == self.community.id,
                                                        Category.key == key))

    def thread(self, title: str = "分數教學怎麼開始？", body: str = "想請教大家的做法。", author=None,
               key: str = "questions", **kwargs) -> Thread:
        thread = services.create_thread(self.community, category=self.category(key), title=title, body=body,
                                        actor=author or self.member, **kwargs)
        db.session.commit()
        return thread

    def reply(self, thread: Thread, body: str = "我先用披薩圖。", author=None, **kwargs) -> Post:
        post = services.reply(thread, body, actor=author or self.other, **kwargs)
        db.session.commit()
        return post


def make_board(slug: str = "board", **names: str) -> Board:
    convener = make_user(display_name=names.get("convener", "陳召集"))
    community = make_community(convener, slug=slug)
    member = add_member(community, make_user(display_name=names.get("member", "林老師"))).user
    other = add_member(community, make_user(display_name=names.get("other", "王老師"))).user
    return Board(community, convener, member, other)
