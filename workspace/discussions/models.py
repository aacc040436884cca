"""The discussion board: categories, threads, posts (with their earlier versions), read marks,
"helpful" reactions, watches, reports and uploaded attachments.

Posts are numbered 1, 2, 3 … within their thread and keep their number for good (a deleted post stays
as a placeholder), so the page a post is on and the unread count of a thread are arithmetic, not queries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community, of_user
from workspace.core.database import UTCDateTime, unset, utcnow
from workspace.core.links import register_kind
from workspace.extensions import db


class Category(db.Model):
    """A section of a community's board. Default ones have a key and show a translated name until renamed."""

    __tablename__ = "discussion_categories"
    __cache_rule__ = of_community()
    __table_args__ = (Index("ix_discussion_categories_community", "community_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(20))  # announcements, questions, sharing, reflections
    name: Mapped[str] = mapped_column(String(60), default="")  # empty: the translated default name
    position: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[bool] = mapped_column(Boolean, default=False)  # a reply can be marked as the answer
    managers_only: Mapped[bool] = mapped_column(Boolean, default=False)  # only conveners start threads
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Thread(db.Model):
    """A topic on the board: its first post opens it; counters are kept here for the thread list."""

    __tablename__ = "threads"
    __cache_rule__ = of_community()
    __table_args__ = (
        Index("ix_threads_community_activity", "community_id", "pinned", "last_post_at"),
        Index("ix_threads_category_activity", "category_id", "pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("discussion_categories.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", use_alter=True, name="fk_threads_answer_post"))
    last_number: Mapped[int] = mapped_column(Integer, default=0)  # the number of the newest post
    last_post_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    community = relationship("Community")
    category = relationship("Category")
    author = relationship("User", foreign_keys=[author_id])
    last_author = relationship("User", foreign_keys=[last_author_id])

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def reply_count(self) -> int:
        return max(self.last_number - 1, 0)


class Post(db.Model):
    """One message in a thread: Markdown as typed and its sanitized HTML, rendered once when saved."""

    __tablename__ = "posts"
    __cache_rule__ = like("thread_id")
    __table_args__ = (
        UniqueConstraint("thread_id", "number", name="uq_posts_thread_number"),
        # A double click or a retried request carries the same key: one post, not two.
        UniqueConstraint("author_id", "submission_key", name="uq_posts_submission"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    submission_key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every edit: stale edits are refused
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")  # not deleted (a deleted post keeps its number and place)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who wrote the current text: empty while the author's first text stands (an edit keeps the text it replaces
    # under this name, so the history credits each version to its writer).
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread = relationship("Thread", foreign_keys=[thread_id])
    author = relationship("User", foreign_keys=[author_id])
    edited_by = relationship("User", foreign_keys=[edited_by_id])

    @property
    def writer_id(self) -> int | None:
        """Who wrote the current text: the last editor, else the author."""
        return self.edited_by_id if self.edited_by_id is not None else self.author_id

    @property
    def deleted(self) -> bool:
        return not self.live


class PostRevision(db.Model):
    """The text a post had before an edit (seen by its author and the conveners)."""

    __tablename__ = "post_revisions"
    __cache_rule__ = like("post_id")
    __table_args__ = (Index("ix_post_revisions_post", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # The thread's title at this version (opening posts; empty for replies and for versions kept before titles were)
    title: Mapped[str | None] = mapped_column(String(200))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # who wrote this text
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when this text was saved

    editor = relationship("User")


class ReadMark(db.Model):
    """How far a member has read a thread: the number of the last post they have seen."""

    __tablename__ = "read_marks"
    __cache_rule__ = of_user()  # unread counts are the reader's own

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    last_read_number: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reaction(db.Model):
    """A member found a post helpful (one per person per post)."""

    __tablename__ = "post_reactions"
    __cache_rule__ = like("post_id")

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Watch(db.Model):
    """Whether a member hears of new replies in a thread (authors and repliers watch by default)."""

    __tablename__ = "thread_watches"
    __cache_rule__ = of_user()

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    watching: Mapped[bool] = mapped_column(Boolean, default=True)


class Mention(db.Model):
    """A member named with @ in a post (kept so an edit notifies only the newly mentioned)."""

    __tablename__ = "post_mentions"
    __cache_rule__ = like("post_id")

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Report(db.Model):
    """A member flagged a post for the conveners, with a reason."""

    __tablename__ = "post_reports"
    __cache_rule__ = of_community()
    __table_args__ = (Index("ix_post_reports_community_open", "community_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(20), default="")  # dismissed, deleted

    post = relationship("Post")
    reporter = relationship("User", foreign_keys=[reporter_id])


class Attachment(db.Model):
    """A file or image uploaded for a post (through the blob store); posts link to it from Markdown."""

    __tablename__ = "discussion_attachments"
    __cache_rule__ = of_community()
    __table_args__ = (Index("ix_discussion_attachments_community", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    blob = relationship("Blob")

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


# "Discuss this": a thread links the record it discusses (links.Link, role "subject").
register_kind("thread", Thread)
