"""Schools, communities, memberships, invitations and reviewer scopes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import of_community, of_user, site_wide
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.extensions import db


class CommunityType(enum.StrEnum):
    GRADE = "grade"
    SUBJECT = "subject"
    SCHOOL_TASK = "school_task"
    PD_THEME = "pd_theme"
    MASTER_STUDIO = "master_studio"
    URBAN_RURAL = "urban_rural"


class Role(enum.StrEnum):
    CONVENER = "convener"
    CO_CONVENER = "co_convener"
    MEMBER = "member"
    MENTOR = "mentor"
    GUEST_EXPERT = "guest_expert"


class SchoolRole(enum.StrEnum):
    """A school's part in an urban–rural education community (教共體): the core school (核心學校, the one that
    leads) or a member school (成員學校)."""

    CORE = "core"
    MEMBER = "member"


# The role the read module gives the school of any other type of community (never stored).
OWN_SCHOOL = "own"


# Roles a person can be given by invitation or role change; convenership moves only by transfer.
ASSIGNABLE_ROLES = (Role.CO_CONVENER, Role.MEMBER, Role.MENTOR, Role.GUEST_EXPERT)
ROLE_ORDER = {role: index for index, role in enumerate(Role)}



class School(db.Model):
    """A school; its class count sets the minimum community size in the PLC rules."""

    __tablename__ = "schools"
    __cache_rule__ = site_wide()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    class_count: Mapped[int] = mapped_column(Integer, default=0)
    in_evaluation_programme: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains = relationship("SchoolEmailDomain", order_by="SchoolEmailDomain.domain", back_populates="school",
                           cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<School {self.id} {self.name}>"


class SchoolEmailDomain(db.Model):
    """An email domain an administrator registered for a school: a confirmed address there belongs to the school."""

    __tablename__ = "school_email_domains"
    __cache_rule__ = site_wide()

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)  # lower-case, without "@"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    school = relationship("School", back_populates="domains")


community_schools = Table(
    "community_schools",
    db.metadata,
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True),
    # The school's role in an urban–rural community (core or member); read only for that type of community, so
    # a school added through `Community.schools` is a member until the settings name it the core school.
    Column("role", String(10), nullable=False, default=SchoolRole.MEMBER.value,
           server_default=SchoolRole.MEMBER.value),
    one_of("role", SchoolRole),
)


class Community(db.Model):
    """A professional learning community, at /c/<slug>/."""

    __tablename__ = "communities"
    __cache_rule__ = of_community("id")
    __table_args__ = (one_of("kind", CommunityType),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    vision: Mapped[str] = mapped_column(Text, default="")
    vision_html: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The urban–rural agreement's term (協議期程), first and last day included; None until the settings give it.
    agreement_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    agreement_ends_on: Mapped[dt.date | None] = mapped_column(Date)

    schools = relationship("School", secondary=community_schools, lazy="selectin", order_by="School.name")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_urban_rural(self) -> bool:
        """An urban–rural education community: its schools have roles, and it keeps exchanged teachers."""
        return self.kind == CommunityType.URBAN_RURAL.value

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class Membership(db.Model):
    """A stint of a person in a community, from joined_at to left_at. Leaving keeps the row (left_at) for the
    records; coming back starts a new row, so the first stint stays as it was (a past period reads the same)."""

    __tablename__ = "memberships"
    __cache_rule__ = of_community() | of_user()  # the community's pages and what the member may see
    __table_args__ = (
        one_of("role", Role),
        Index("ix_memberships_user_active", "user_id", "left_at"),
        Index("ix_memberships_community_active", "community_id", "left_at"),
        # Exactly one convener: the database itself refuses a second active one.
        Index(
            "uq_memberships_one_convener",
            "community_id",
            unique=True,
            sqlite_where=text("role = 'convener' AND left_at IS NULL"),
            postgresql_where=text("role = 'convener' AND left_at IS NULL"),
        ),
        # At most one live stint per person and community: a rejoin adds a row, never a second live one.
        Index(
            "uq_memberships_one_live",
            "community_id",
            "user_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    in_evaluation_programme: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("left_at")  # a member now (leaving keeps the row)

    # Loaded on access (the identity map usually has them) or eagerly where a page lists them.
    community = relationship("Community")
    user = relationship("User")

    __mapper_args__ = {"confirm_deleted_rows": False}

    @property
    def is_active(self) -> bool:
        return self.live


class Invitation(db.Model):
    """An invitation by email or by a shareable link, with a role, an expiry and a use limit."""

    __tablename__ = "invitations"
    __cache_rule__ = of_community()
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    single_use: Mapped[bool] = mapped_column(Boolean, default=True)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    community = relationship("Community", lazy="joined")
    created_by = relationship("User", lazy="joined")

    @property
    def is_used_up(self) -> bool:
        return self.single_use and self.use_count > 0

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and not self.is_used_up and not self.is_expired(now)


class ReviewerScope(db.Model):
    """Read-only reviewer access to the communities of one school, or of all schools (school_id NULL)."""

    ALL = "all"  # the marker reviewer_school_ids() uses for a NULL school: every school

    __tablename__ = "reviewer_scopes"
    __cache_rule__ = of_user()  # what the reviewer may see
    __table_args__ = (Index("uq_reviewer_scopes_user_school", "user_id", "school_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    school = relationship("School", lazy="joined")


class ExchangedTeacher(db.Model):
    """A teacher exchanged within an urban–rural community (交流教師): name, school, subject, and optionally
    the account of a member. The funder's rule asks that every member school be covered."""

    __tablename__ = "exchanged_teachers"
    __cache_rule__ = of_community()

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community = relationship("Community")
    school = relationship("School", lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
