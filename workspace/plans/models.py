"""Co-planning (集體備課): templates, plan documents (shared plans and each teacher's adaptation), their
sections with every saved body kept as a revision, comments on sections, the lessons taught with their
reflections, links to resources and activities, and who is editing which section right now.

A section's body is a versioned row: a save is a compare-and-swap on `version` (services.save_section), and
each accepted save adds a SectionRevision, so history is never rewritten (a restore is a new revision).
A section copies its title and guidance from the template when the plan is made: removing or renaming a
template section later leaves existing plans and their history alone.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.core.links import register_kind
from workspace.extensions import db


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿
    REVIEW = "review"  # 審閱中
    FINAL = "final"  # 定稿


class PlanKind(enum.StrEnum):
    SHARED = "shared"  # the community's shared plan (共同教案)
    ADAPTATION = "adaptation"  # one teacher's copy for their class (二次備課)



class PlanTemplate(db.Model):
    """A community's own template (the built-in default lives in code: services.DEFAULT_SECTIONS)."""

    __tablename__ = "plan_templates"
    __cache_rule__ = of_community()
    __table_args__ = (Index("ix_plan_templates_community", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")  # not removed

    sections = relationship("TemplateSection", order_by="TemplateSection.position", cascade="all, delete-orphan",
                            back_populates="template")


class TemplateSection(db.Model):
    """One section of a community template: a title and the guidance shown to the writer."""

    __tablename__ = "plan_template_sections"
    __cache_rule__ = like("template_id")
    __table_args__ = (Index("ix_plan_template_sections_template", "template_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(20))  # a default section's key, kept when copied
    title: Mapped[str] = mapped_column(String(100))
    guidance: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    template = relationship("PlanTemplate", back_populates="sections")


plan_teachers = Table(
    "plan_teachers",
    db.metadata,
    Column("plan_id", ForeignKey("plan_docs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PlanDoc(db.Model):
    """A lesson plan: the shared one a community writes together, or a teacher's adaptation of it."""

    __tablename__ = "plan_docs"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("status", PlanStatus),
        one_of("kind", PlanKind),
        Index("ix_plan_docs_community_updated", "community_id", "kind", "updated_at"),
        Index("ix_plan_docs_parent", "parent_id"),
        UniqueConstraint("parent_id", "owner_id", name="uq_plan_docs_adaptation_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default=PlanKind.SHARED.value)
    topic: Mapped[str] = mapped_column(String(200))  # 課題
    subject: Mapped[str] = mapped_column(String(60), default="")
    grade: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")  # textbook unit (教材單元)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)  # 主備人
    planned_on: Mapped[dt.date | None] = mapped_column(Date)  # planned teaching date
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.DRAFT.value)
    template_name: Mapped[str] = mapped_column(String(100), default="")  # the template it was made from
    # An adaptation (二次備課): the shared plan it copies and the teacher it belongs to.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A new round (下一輪備課) starts from a final plan and its reflections.
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("plan_docs.id", ondelete="SET NULL"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    published_resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)  # of the fields: stale field edits are refused
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)  # any field or section saved
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # in the trash
    live = unset("deleted_at")  # not in the trash
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community = relationship("Community")
    lead = relationship("User", foreign_keys=[lead_id])
    owner = relationship("User", foreign_keys=[owner_id])
    teachers = relationship("User", secondary=plan_teachers, order_by="User.display_name")
    parent = relationship("PlanDoc", foreign_keys=[parent_id], remote_side=[id])
    sections = relationship("PlanSection", order_by="PlanSection.position", back_populates="doc",
                            cascade="all, delete-orphan")

    @property
    def adaptation(self) -> bool:
        return self.kind == PlanKind.ADAPTATION.value

    @property
    def final(self) -> bool:
        return self.status == PlanStatus.FINAL.value


class PlanSection(db.Model):
    """One section of a plan: its current body and version (each save is a compare-and-swap on it)."""

    __tablename__ = "plan_sections"
    __cache_rule__ = like("doc_id")
    __table_args__ = (
        Index("ix_plan_sections_doc", "doc_id", "position"),
        Index("ix_plan_sections_assignee", "assignee_id"),  # "Mine": plans with a section assigned to me
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(20))  # a default section: its title is translated
    title: Mapped[str] = mapped_column(String(100), default="")  # empty: the translated default title
    guidance: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # In an adaptation: the shared plan's section it was copied from, and that section's version then.
    source_section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_sections.id", ondelete="SET NULL"))
    source_version: Mapped[int | None] = mapped_column(Integer)

    doc = relationship("PlanDoc", back_populates="sections")
    assignee = relationship("User", foreign_keys=[assignee_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])


class SectionRevision(db.Model):
    """Every body a section has had: version 1 when the plan was made, then one per accepted save."""

    __tablename__ = "plan_section_revisions"
    __cache_rule__ = like("doc_id")
    __table_args__ = (
        UniqueConstraint("section_id", "version", name="uq_plan_section_revisions_version"),
        Index("ix_plan_section_revisions_doc", "doc_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"))
    doc_id: Mapped[int] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version the editor started from
    how: Mapped[str] = mapped_column(String(12), default="saved")  # created, saved, merged, resolved, restored
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the version a restore brought back
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class PlanComment(db.Model):
    """A comment on a section (Markdown, mentions); replies point at the comment they answer."""

    __tablename__ = "plan_comments"
    __cache_rule__ = like("doc_id")
    __table_args__ = (
        Index("ix_plan_comments_section", "section_id", "id"),
        Index("ix_plan_comments_doc_open", "doc_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # of a top-level comment
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])


class LessonTaught(db.Model):
    """A lesson taught from an adaptation (date, class) and the teacher's reflection on it (課後反思)."""

    __tablename__ = "plan_lessons"
    __cache_rule__ = like("doc_id")
    __table_args__ = (Index("ix_plan_lessons_doc", "doc_id", "taught_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taught_on: Mapped[dt.date] = mapped_column(Date)
    class_name: Mapped[str] = mapped_column(String(60))
    reflection: Mapped[str] = mapped_column(Text, default="")
    reflection_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class SectionPresence(db.Model):
    """Who has a section's editor open, as last heard from their page (a soft indicator, never a lock).

    Its heartbeats do not count as changes for the page cache: the plan page's own poll shows presence.
    """

    __tablename__ = "plan_presence"
    # The plan page shows who is editing when it renders: someone opening or closing an editor refreshes it,
    # their heartbeats (seen_at) do not (the page's own poll keeps the indicator current).
    __cache_rule__ = like("doc_id", ignoring=("seen_at",))
    __table_args__ = (Index("ix_plan_presence_doc", "doc_id", "seen_at"),)

    section_id: Mapped[int] = mapped_column(ForeignKey("plan_sections.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("plan_docs.id", ondelete="CASCADE"))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)



register_kind("plan", PlanDoc, live=lambda: PlanDoc.live)
