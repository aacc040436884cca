"""What exports keep: background export jobs with their progress and file, the convener's own texts of the
results report, funders' DOCX templates, and the frozen files of a submission."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import NEUTRAL, like, site_wide
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.extensions import db

# The share of a report's build each of its steps takes (percent from, to): the photos are most of the work. A step
# not named (a frozen submission's report, ledger, pack: counted over the job as a whole) spans the whole bar.
STEP_SPANS = {"figures": (0, 5), "activities": (5, 35), "photos": (35, 95)}


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    """One export built in the background: what was asked (kind, enrolment, language, options), how far it is,
    and the file when it is ready (a stored blob). Only the person who asked (and admins) see it.

    Progress is written often while a job runs; no page is cached on it (NEUTRAL): the job page reads it fresh.
    """

    __tablename__ = "export_jobs"
    __cache_rule__ = NEUTRAL
    __table_args__ = (
        one_of("status", JobStatus),
        Index("ix_export_jobs_requester", "requested_by_id", "created_at"),
        Index("ix_export_jobs_enrollment", "enrollment_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # results_report, evidence_pack, submission …
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10), default="zh_Hant")
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"template_id": 3}
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    done: Mapped[int] = mapped_column(Integer, default=0)  # steps done of `total` (photos placed …)
    total: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(40), default="")  # what it is doing: a code the page words
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    error: Mapped[str] = mapped_column(Text, default="")  # what went wrong, for the person who asked
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    community = relationship("Community")
    enrollment = relationship("Enrollment")
    blob = relationship("Blob")
    requested_by = relationship("User")

    @property
    def percent(self) -> int:
        """How far the whole job is, 0–100 (a finished job is 100): each step's count (5 of 16 photos) moves the
        bar within the step's share of the job, so the bar never runs back when the next step starts."""
        if self.status == JobStatus.DONE.value:
            return 100
        share = self.done / self.total if self.total else 0
        first, last = STEP_SPANS.get(self.step, (0, 99))
        return min(99, round(first + (last - first) * min(share, 1)))

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE.value, JobStatus.FAILED.value}


class ReportText(db.Model):
    """What the convener writes for the results report and keeps between exports: the preface (前言), the change
    in school culture, the feedback comments chosen for the report and the activity whose video is cited."""

    __tablename__ = "report_texts"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (UniqueConstraint("enrollment_id", name="uq_report_texts_enrollment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    preface: Mapped[str] = mapped_column(Text, default="")  # Markdown
    culture_change: Mapped[str] = mapped_column(Text, default="")  # Markdown
    chosen_feedback_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # feedback whose comment is quoted
    video_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")


class FunderTemplate(db.Model):
    """A funder's own DOCX for the results report, with placeholders the report fills ({{ community }} …).

    Checked on upload: the placeholders found, and the problems (a placeholder Word split across runs, one that
    names nothing we fill) by name. A template with problems is kept but not offered until replaced.
    """

    __tablename__ = "funder_templates"
    __cache_rule__ = site_wide()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    placeholders: Mapped[list[str]] = mapped_column(JSON, default=list)
    problems: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"code": "split", "name": "community"} …]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    program = relationship("Program")
    blob = relationship("Blob")

    @property
    def usable(self) -> bool:
        return not self.problems


class SubmissionFile(db.Model):
    """One file exactly as it was handed to the funder with a submission: kept unchanged, with its checksum."""

    __tablename__ = "submission_files"
    __cache_rule__ = like("submission_id")
    __table_args__ = (Index("ix_submission_files_submission", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # results_report, ledger_xlsx, ledger_csv, evidence_pack
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    blob = relationship("Blob")
