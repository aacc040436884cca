"""The resource library: resources, their versions (files or Markdown), tags, comments, favourites."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community, of_user, site_wide
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.core.links import register_kind
from workspace.extensions import db


class ResourceKind(enum.StrEnum):
    LESSON_PLAN = "lesson_plan"
    TEACHING_CASE = "teaching_case"
    COURSEWARE = "courseware"
    TEST_PAPER = "test_paper"
    VIDEO = "video"
    READING = "reading"
    RESEARCH_OUTPUT = "research_output"


class Visibility(enum.StrEnum):
    COMMUNITY = "community"
    SCHOOL = "school"
    PUBLIC = "public"



resource_tags = Table(
    "resource_tags",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A free tag; names are unique once trimmed (case kept as first typed)."""

    __tablename__ = "tags"
    __cache_rule__ = site_wide()  # tag names show in every community

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Resource(db.Model):
    """A lesson plan, case, courseware … shared in a community; deleting moves it to the trash."""

    __tablename__ = "resources"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("kind", ResourceKind),
        one_of("visibility", Visibility),
        Index("ix_resources_community_live", "community_id", "deleted_at", "updated_at"),
        Index("ix_resources_visibility_live", "visibility", "deleted_at", "updated_at"),
        Index("ix_resources_downloads", "download_count"),
        # The link pickers' "most recently changed first": ordered by the index itself (IS NULL on deleted_at in
        # the index above does not let PostgreSQL read updated_at in order; a partial index does).
        Index("ix_resources_community_recent", "community_id", "updated_at",
              postgresql_where=text("deleted_at IS NULL"), sqlite_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(60), default="")
    grade: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.COMMUNITY.value)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_versions.id", ondelete="SET NULL", use_alter=True, name="fk_resources_current_version")
    )
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    live = unset("deleted_at")  # not in the trash

    community = relationship("Community")
    author = relationship("User", foreign_keys=[author_id])
    current_version = relationship("ResourceVersion", foreign_keys=[current_version_id], post_update=True)
    tags = relationship("Tag", secondary=resource_tags, order_by="Tag.name")

    @property
    def in_trash(self) -> bool:
        return not self.live


class ResourceVersion(db.Model):
    """One version of a resource: an uploaded file (a blob) or a Markdown text, with a note."""

    __tablename__ = "resource_versions"
    __cache_rule__ = like("resource_id")
    __table_args__ = (Index("uq_resource_versions_number", "resource_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    media_type: Mapped[str] = mapped_column(String(100), default="text/markdown")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    body: Mapped[str | None] = mapped_column(Text)  # Markdown of a text-only resource
    body_html: Mapped[str | None] = mapped_column(Text)
    extracted_text: Mapped[str | None] = mapped_column(Text)  # for search and the preview
    note: Mapped[str] = mapped_column(String(500), default="")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource = relationship("Resource", foreign_keys=[resource_id])
    blob = relationship("Blob")
    uploader = relationship("User")

    @property
    def is_text(self) -> bool:
        return self.blob_id is None


class ResourceComment(db.Model):
    """A member's comment on a resource, in Markdown (stored sanitized)."""

    __tablename__ = "resource_comments"
    __cache_rule__ = like("resource_id")
    __table_args__ = (Index("ix_resource_comments_resource_created", "resource_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")  # not removed

    author = relationship("User")


class Favourite(db.Model):
    """A resource a user marked to find again."""

    __tablename__ = "favourites"
    __cache_rule__ = of_user()

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


register_kind("resource", Resource, live=lambda: Resource.live)
