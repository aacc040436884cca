"""Mentor pairings (師徒結對) and what a pair writes: milestones, goals, meeting logs with next steps, classroom
observations on versioned forms with minute-stamped notes, public lessons and the yearly development handbook.

What a pair writes belongs to the pair (policy.py): the convener sees dates, counts and statuses, and content
only where the pair shared an item (`shared`). Meetings, observations and public lessons that are community
activities point at their activity (`activity_id`): the activity is the one record the compliance rules count.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.core.i18n import in_reader_script
from workspace.core.links import register_kind
from workspace.extensions import db


class PairingStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # ended early or at its term by the convener; kept with everything the pair wrote


class Owner(enum.StrEnum):
    """Who a milestone falls to."""

    MENTOR = "mentor"
    MENTEE = "mentee"


class MilestoneKind(enum.StrEnum):
    """What ticks a milestone off by itself: a record of its kind after the pairing starts ticks the earliest open
    milestone of that kind, one record one milestone. An observation has a direction: the mentor's observation of
    the new teacher ticks OBSERVATION, the new teacher's observation of the mentor OBSERVE_MENTOR."""

    MEETING = "meeting"
    OBSERVATION = "observation"  # the mentor observes the new teacher
    OBSERVE_MENTOR = "observe_mentor"  # the new teacher observes the mentor
    PUBLIC_LESSON = "public_lesson"
    GOAL = "goal"
    HANDBOOK = "handbook"
    OTHER = "other"  # ticked by hand


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class ObservationStatus(enum.StrEnum):
    DRAFT = "draft"  # only the observer sees it
    SHARED = "shared"  # the observed teacher reads it and writes a reflection
    FINALIZED = "finalized"  # after the post-conference; reopened only by its observer or an admin


class MentoringSettings(db.Model):
    """A community's mentoring settings: the default term and the default milestones of a new pairing."""

    __tablename__ = "mentoring_settings"
    __cache_rule__ = of_community()

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    term_months: Mapped[int] = mapped_column(Integer, default=24)  # 師徒結對: two years
    # [{"title": str, "days": int, "owner": "mentor"|"mentee", "kind": MilestoneKind}], copied into each pairing
    milestones: Mapped[list[dict]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pairing(db.Model):
    """A mentor guiding one new teacher in a community, from `starts_on` to `ends_on` (both days included)."""

    __tablename__ = "pairings"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("status", PairingStatus),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_pairings_community_status", "community_id", "status"),
        Index("ix_pairings_mentor", "mentor_id", "status"),
        Index("ix_pairings_mentee", "mentee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=PairingStatus.ACTIVE.value)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="SET NULL"))  # re-paired
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    community = relationship("Community")
    mentor = relationship("User", foreign_keys=[mentor_id])
    mentee = relationship("User", foreign_keys=[mentee_id])

    @property
    def active(self) -> bool:
        return self.status == PairingStatus.ACTIVE.value

    def member_ids(self) -> tuple[int, int]:
        """The two people of the pair: the mentor, then the new teacher."""
        return (self.mentor_id, self.mentee_id)

    def __repr__(self) -> str:
        return f"<Pairing {self.id} {self.mentor_id}→{self.mentee_id}>"


class Milestone(db.Model):
    """A step due a set time after the pairing starts (the first meeting within two weeks …)."""

    __tablename__ = "pairing_milestones"
    __cache_rule__ = like("pairing_id")
    __table_args__ = (
        one_of("owner", Owner),
        one_of("kind", MilestoneKind),
        Index("ix_pairing_milestones_pairing_due", "pairing_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(10), default=Owner.MENTOR.value)
    kind: Mapped[str] = mapped_column(String(20), default=MilestoneKind.OTHER.value)
    position: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    pairing = relationship("Pairing")


class Goal(db.Model):
    """A new teacher's improvement goal: what success looks like, by when, and the records that show it."""

    __tablename__ = "mentoring_goals"
    __cache_rule__ = like("pairing_id")
    __table_args__ = (one_of("status", GoalStatus), Index("ix_mentoring_goals_pairing", "pairing_id", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=GoalStatus.OPEN.value)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # the pair lets the conveners read it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    pairing = relationship("Pairing")


class MeetingLog(db.Model):
    """A mentoring meeting (輔導紀錄): when, how long, the topics, notes and the next steps agreed.

    `private_notes` are the mentor's own: nobody else reads them, not even the new teacher or an admin.
    """

    __tablename__ = "meeting_logs"
    __cache_rule__ = like("pairing_id")
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_meeting_logs_pairing_held", "pairing_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # Markdown
    notes_html: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")  # the mentor's only; plain text
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    pairing = relationship("Pairing")
    next_steps = relationship("NextStep", order_by="NextStep.position", back_populates="log",
                              foreign_keys="NextStep.log_id", cascade="all, delete-orphan")


class NextStep(db.Model):
    """A step agreed at a meeting; open until ticked off (the next meeting's log starts from the open ones).

    `pairing_id` is the pairing the step is open in: its log's, unless a re-pairing carried it on to the new
    pairing (the log stays where the meeting was held; policy: a carried step is the new pair's).
    """

    __tablename__ = "meeting_next_steps"
    __cache_rule__ = like("pairing_id")
    __table_args__ = (Index("ix_meeting_next_steps_pairing_open", "pairing_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    log_id: Mapped[int] = mapped_column(ForeignKey("meeting_logs.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(10), default=Owner.MENTEE.value)
    position: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_in_log_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_logs.id", ondelete="SET NULL"))

    log = relationship("MeetingLog", foreign_keys=[log_id], back_populates="next_steps")
    pairing = relationship("Pairing")

    @property
    def carried(self) -> bool:
        """Whether a re-pairing carried the step on from its log's pairing to a later one."""
        return self.pairing_id != self.log.pairing_id


class ObservationForm(db.Model):
    """One version of an observation form (觀課紀錄表): rubric rows and the levels each is rated on.

    A form's versions share `family_id` (the id of its first version). Editing a version that an observation
    used makes a new version; the observation keeps the one it was made on. `community_id` None is the
    shipped default form, offered in every community.
    """

    __tablename__ = "observation_forms"
    __cache_rule__ = of_community()
    __table_args__ = (
        UniqueConstraint("family_id", "version", name="uq_observation_forms_family_version"),
        Index("ix_observation_forms_community", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("observation_forms.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    rows: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"key": str, "label": str, "hint": str}]
    levels: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"value": int, "label": str}], lowest first
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a newer version exists
    current = unset("superseded_at")
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("archived_at")

    community = relationship("Community")

    # What readers see of the form: a shipped one is stored in the deployment's script (Traditional) and read in the
    # reader's words, the catalogue's (DEFAULT_FORM_WORDS: English, and the mainland's 教学观察记录表 where a
    # character-by-character conversion gave 纪录 beside the record's own 记录); a word the catalogue does not know
    # (a version an admin changed) in the reader's script, as the funders' clauses are. A community's own forms are
    # people's words, shown as written.
    def _shown(self, text: str) -> str:
        if self.community_id is not None:
            return text
        if text in DEFAULT_FORM_WORDS:
            return str(DEFAULT_FORM_WORDS[text])
        return in_reader_script(text)

    @property
    def shown_title(self) -> str:
        return self._shown(self.title)

    @property
    def shown_rows(self) -> list[dict]:
        return [{**row, "label": self._shown(row.get("label", "")), "hint": self._shown(row.get("hint") or "")}
                for row in self.rows]

    @property
    def shown_levels(self) -> list[dict]:
        return [{**level, "label": self._shown(level.get("label", ""))} for level in self.levels]


# The shipped forms' words, stored in Chinese (as the funders' form is), by their English message: an English reader
# saw 教學準備 … 待改進 尚可 良好 優良 on every observation, and a Simplified one 教学观察纪录表 (紀錄 converted) under
# the record's title 教学观察记录表. The Traditional catalogue says each as stored.
DEFAULT_FORM_WORDS = {
    "教學觀察紀錄表": _l("Classroom observation form"),
    "教學準備": _l("Lesson preparation"),
    "教學目標明確，教材與活動設計符合學生程度": _l(
        "Clear goals; materials and activities suited to the students' level"),
    "教學實施": _l("Teaching"),
    "講解清楚、提問引導思考，善用教學策略與媒材": _l(
        "Clear explanations, questions that make students think, good use of strategies and media"),
    "班級經營": _l("Classroom management"),
    "常規建立、時間掌握，營造安全專注的學習氣氛": _l(
        "Routines in place, time well kept, a safe and focused atmosphere for learning"),
    "學習評量": _l("Assessment"),
    "適時檢核學習成效並給予回饋": _l("Checks learning as it happens and gives feedback"),
    "學生學習": _l("Student learning"),
    "學生參與投入、互動討論，能展現學習成果": _l(
        "Students take part, discuss with each other and show what they have learned"),
    "待改進": _l("Needs improvement"),
    "尚可": _l("Fair"),
    "良好": _l("Good"),
    "優良": _l("Excellent"),
    "觀課學習單": _l("Observing to learn"),
    "老師的做法": _l("What the teacher did"),
    "老師說了什麼、問了什麼，怎麼安排活動與時間": _l(
        "What the teacher said and asked, how the activities and the time were arranged"),
    "學生的回應": _l("How the students answered"),
    "學生怎麼回答、討論、練習，哪裡卡住、哪裡想通": _l(
        "How the students answered, discussed and practised; where they got stuck, where it clicked"),
    "我學到的": _l("What I learned"),
    "這堂課讓我看見或想通的一件事": _l("One thing this lesson showed me or made clear to me"),
    "我想在自己班上試試": _l("What I will try in my own class"),
    "下一堂課我打算怎麼用在自己的學生身上": _l("How I mean to use it with my own students in my next lessons"),
}


class Observation(db.Model):
    """A classroom observation (教學觀察與回饋) in three steps: the pre-conference's focus, the lesson (notes
    stamped with its minute, ratings on the form's rows) and the post-conference (strengths, suggestions,
    the observed teacher's reflection). Either of a pair observes the other; colleagues observe a public lesson.
    """

    __tablename__ = "observations"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("status", ObservationStatus),
        CheckConstraint("observer_id <> observed_id", name="not_self"),
        Index("ix_observations_community_day", "community_id", "observed_on"),
        Index("ix_observations_pairing", "pairing_id", "observed_on"),
        Index("ix_observations_public_lesson", "public_lesson_id"),
        Index("ix_observations_observer", "observer_id"),
        Index("ix_observations_observed", "observed_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="SET NULL"))
    public_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("public_lessons.id", ondelete="SET NULL"))
    observer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    observed_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_id: Mapped[int] = mapped_column(ForeignKey("observation_forms.id", ondelete="RESTRICT"))
    observed_on: Mapped[dt.date] = mapped_column(Date)
    lesson_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # notes are stamped from here
    subject: Mapped[str] = mapped_column(String(100), default="")
    focus: Mapped[str] = mapped_column(Text, default="")  # agreed at the pre-conference
    ratings: Mapped[dict] = mapped_column(JSON, default=dict)  # {row key: level value}
    strengths: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")  # the observed teacher's
    status: Mapped[str] = mapped_column(String(10), default=ObservationStatus.DRAFT.value)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # the conveners may read the content
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    community = relationship("Community")
    pairing = relationship("Pairing")
    observer = relationship("User", foreign_keys=[observer_id])
    observed = relationship("User", foreign_keys=[observed_id])
    form = relationship("ObservationForm")
    notes = relationship("ObservationNote", order_by="(ObservationNote.minute, ObservationNote.id)",
                         back_populates="observation", cascade="all, delete-orphan")


class ObservationNote(db.Model):
    """A note taken during the lesson, stamped with its minute, maybe tied to a rubric row, maybe with a photo.

    `client_key` is the idempotency key the observer's device made when the note was typed: a note sent
    again after the connection came back is stored once.
    """

    __tablename__ = "observation_notes"
    __cache_rule__ = like("observation_id")
    __table_args__ = (
        UniqueConstraint("observation_id", "client_key", name="uq_observation_notes_client_key"),
        CheckConstraint("minute >= 0", name="minute_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"))
    client_key: Mapped[str] = mapped_column(String(64))
    minute: Mapped[int] = mapped_column(Integer, default=0)
    row_key: Mapped[str] = mapped_column(String(60), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    photo_blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    typed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # on the device, maybe while offline
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    observation = relationship("Observation", back_populates="notes")
    photo = relationship("Blob")


class PublicLesson(db.Model):
    """A public lesson (公開課) a new teacher gives, once a semester: a community activity that colleagues
    observe with the same form; its plan document is linked through core links (role "plan")."""

    __tablename__ = "public_lessons"
    __cache_rule__ = of_community()
    __table_args__ = (
        Index("ix_public_lessons_community", "community_id"),
        Index("ix_public_lessons_teacher", "teacher_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id", ondelete="SET NULL"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(100), default="")
    form_id: Mapped[int | None] = mapped_column(ForeignKey("observation_forms.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    community = relationship("Community")
    teacher = relationship("User", foreign_keys=[teacher_id])
    activity = relationship("Activity")
    form = relationship("ObservationForm")


class Handbook(db.Model):
    """A new teacher's development handbook (教師專業發展手冊) for one school year (1 August – 31 July,
    `school_year` is the year it starts in), written by the teacher and commented by the mentor."""

    __tablename__ = "handbooks"
    __cache_rule__ = of_community()
    __table_args__ = (
        UniqueConstraint("community_id", "teacher_id", "school_year", name="uq_handbooks_teacher_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_year: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    community = relationship("Community")
    teacher = relationship("User")
    sections = relationship("HandbookSection", order_by="HandbookSection.position", back_populates="handbook",
                            cascade="all, delete-orphan")


class HandbookSection(db.Model):
    """One section of a handbook (strengths, weaknesses, goals, measures, case records, evaluation records,
    the first and second semester's summary): the teacher's text and the mentor's comment, each versioned."""

    __tablename__ = "handbook_sections"
    __cache_rule__ = like("handbook_id")
    __table_args__ = (UniqueConstraint("handbook_id", "key", name="uq_handbook_sections_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handbook_id: Mapped[int] = mapped_column(ForeignKey("handbooks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    body_html: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")  # the mentor's, Markdown
    comment_html: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    handbook = relationship("Handbook", back_populates="sections")


register_kind("public_lesson", PublicLesson)  # it links its plan document (role "plan")
