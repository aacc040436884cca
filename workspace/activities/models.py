"""Activities: what a community did, when and how, who came, what was said, the evidence and the
feedback — one record per activity, counted by every rule it satisfies (the compliance panel reads these).

Times are stored in UTC; they are shown in the deployment's time zone (TIMEZONE) and the user's locale.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community, of_user
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.core.i18n import gettext
from workspace.core.links import register_kind
from workspace.extensions import db


class Method(enum.StrEnum):
    """The 15 activity methods (進行方式) of the PLC grant (GRANT_RULES.md, preset 1)."""

    OBSERVATION_FEEDBACK = "observation_feedback"  # 教學觀察與回饋
    TEACHING_PORTFOLIO = "teaching_portfolio"  # 教學檔案製作
    TOPIC_STUDY = "topic_study"  # 主題探討（含影帶、專書）
    EXPERIENCE_SHARING = "experience_sharing"  # 主題經驗分享
    EXTERNAL_LECTURE = "external_lecture"  # 校外專題講座
    NEW_TEACHER_MENTORING = "new_teacher_mentoring"  # 新進教師輔導
    NEW_CURRICULUM = "new_curriculum"  # 新課程發展
    TEACHING_INNOVATION = "teaching_innovation"  # 教學方法創新
    MATERIALS_DEVELOPMENT = "materials_development"  # 教學媒材研發
    ACTION_RESEARCH = "action_research"  # 行動研究
    CO_TEACHING = "co_teaching"  # 協同教學
    PEER_REFLECTION = "peer_reflection"  # 同儕省思對話
    BENCHMARK_LEARNING = "benchmark_learning"  # 標竿楷模學習
    CASE_ANALYSIS = "case_analysis"  # 案例分析
    COLLABORATIVE_PLANNING = "collaborative_planning"  # 協同備課


class Mode(enum.StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    HYBRID = "hybrid"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    EXCUSED = "excused"
    ABSENT = "absent"



activity_schools = Table(
    "activity_schools",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(db.Model):
    """A meeting, lecture, observation … of a community: planned, held (or cancelled, and kept)."""

    __tablename__ = "activities"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("method", Method),
        one_of("mode", Mode),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_activities_community_starts", "community_id", "starts_at"),
        Index("ix_activities_starts", "starts_at"),
        Index("ix_activities_series", "series_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10), default=Mode.OFFLINE.value)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["數學", "語文"]: rules count distinct ones
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. 同步課堂, 送教下鄉: rules may count by tag
    series_key: Mapped[str | None] = mapped_column(String(32))  # the activities of one weekly/monthly series
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("cancelled_at")  # not cancelled (a cancelled activity is kept, and counts for nothing)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")  # 會議記錄, Markdown
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    minutes_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    minutes_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # writes minutes
    # Only the people it marks were expected (a pair's meeting or observation, a public lesson, recorded by another
    # area): the other members' attendance rates do not count it as missed.
    named_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A pair's meeting or observation recorded by mentoring: who guides whom and when is the pair's. Only the people
    # it marks, the conveners and admins read it; it counts for the funder's rules all the same.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    outcomes: Mapped[str] = mapped_column(Text, default="")
    outcomes_html: Mapped[str] = mapped_column(Text, default="")
    sign_in_nonce: Mapped[str] = mapped_column(String(32), default="")  # a new one voids every issued QR code
    version: Mapped[int] = mapped_column(Integer, default=1)  # stale edits of the activity are refused
    minutes_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # … and of the minutes
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    community = relationship("Community")
    schools = relationship("School", secondary=activity_schools, order_by="School.name")
    recorder = relationship("User", foreign_keys=[recorder_id])
    speakers = relationship("Speaker", order_by="Speaker.position", cascade="all, delete-orphan",
                            back_populates="activity")

    @property
    def cancel_reason_shown(self) -> str:
        """The reason as the reader reads it: a reason the app gave (a meeting log moved to the trash) is stored as
        its English message and read in the reader's language; one a person typed is shown as typed."""
        return gettext(self.cancel_reason) if self.cancel_reason else ""

    @property
    def cancelled(self) -> bool:
        return not self.live

    @property
    def minutes_long(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Speaker(db.Model):
    """Who led or spoke: a member or someone from outside, internal or external, for how many hours."""

    __tablename__ = "activity_speakers"
    __cache_rule__ = like("activity_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    external: Mapped[bool] = mapped_column(Boolean, default=False)  # 外聘 (external) or 內聘 (internal)
    hours: Mapped[float] = mapped_column(Numeric(4, 1), default=0)
    topic: Mapped[str] = mapped_column(String(200), default="")

    activity = relationship("Activity", back_populates="speakers")
    user = relationship("User")


class Attendance(db.Model):
    """Whether a member came: signed in by QR code, marked by the convener, or from the paper sheet."""

    __tablename__ = "attendances"
    __cache_rule__ = like("activity_id")
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_attendances_activity_user"),
        one_of("status", AttendanceStatus),
        Index("ix_attendances_user", "user_id", "activity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # when the member signed in themselves
    how: Mapped[str] = mapped_column(String(12), default="convener")  # qr, convener, sheet
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class LeaveRequest(db.Model):
    """A member asks to be excused (請假) before an activity; the convener approves or declines."""

    __tablename__ = "leave_requests"
    __cache_rule__ = like("activity_id")
    __table_args__ = (UniqueConstraint("activity_id", "user_id", name="uq_leave_requests_activity_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, approved, declined
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])


class Evidence(db.Model):
    """A photo, video or document of an activity (through the blob store), with a caption."""

    __tablename__ = "activity_evidence"
    __cache_rule__ = like("activity_id")
    __table_args__ = (Index("ix_activity_evidence_activity", "activity_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo, video, document, sheet (a scanned sign-in sheet)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    caption: Mapped[str] = mapped_column(String(300), default="")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")  # not removed (a removed one can be put back)

    blob = relationship("Blob")


class Feedback(db.Model):
    """A member's feedback after an activity: satisfaction 1–5 and a comment (shown to others without a name)."""

    __tablename__ = "activity_feedback"
    __cache_rule__ = like("activity_id")
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_activity_feedback_activity_user"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    satisfaction: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthlyPlan(db.Model):
    """A community's plan for one month (月計畫), submitted before the deadline of the month before."""

    __tablename__ = "monthly_plans"
    __cache_rule__ = of_community()
    __table_args__ = (UniqueConstraint("community_id", "month", name="uq_monthly_plans_community_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the planned month
    note: Mapped[str] = mapped_column(Text, default="")
    planned: Mapped[list[dict]] = mapped_column(JSON, default=list)  # the activities as submitted (id, title, start)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the first hand-in: the deadline's
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # submitted again last (None: never)


class CalendarFeed(db.Model):
    """A secret address of an ICS feed: a person's activities in all their communities, or one community's."""

    __tablename__ = "calendar_feeds"
    __cache_rule__ = of_user() | of_community()
    __table_args__ = (UniqueConstraint("user_id", "community_id", name="uq_calendar_feeds_user_community"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token in the URL
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


register_kind("activity", Activity)
