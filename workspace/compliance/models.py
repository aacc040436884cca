"""Programs (a funder's rule set, stored as the validated JSON document), enrolments of communities in them,
and reviewers' waivers of a rule."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import like, of_community, site_wide
from workspace.core.database import UTCDateTime, one_of, unset, utcnow
from workspace.extensions import db


class EnrollmentStatus(enum.StrEnum):
    REQUESTED = "requested"  # the convener enrolled the community; an admin or reviewer has not confirmed it yet
    CONFIRMED = "confirmed"


class Program(db.Model):
    """A funder's program: a name, a period, a currency and its rules, as one JSON document.

    `definition` is the whole document (docs/rules.md); name, key, currency and the period are copied out
    of it into columns so lists can sort and filter on them. Editing bumps `version`; an enrolment's
    submission keeps the definition it was judged by (issue 15 freezes it with the files).
    """

    __tablename__ = "programs"
    __cache_rule__ = site_wide()

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # plc-100, urc, or the admin's own
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="TWD")
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    definition: Mapped[dict] = mapped_column(JSON)
    preset_key: Mapped[str | None] = mapped_column(String(60))  # the shipped preset it came from, if any
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("archived_at")  # offered for new enrolments; an archived program still judges its enrolments

    @property
    def code(self) -> str:
        """Its short name, where the whole name is too long (a file's name, a notice): the key in capitals
        (PLC-100, URC). Keys are lower case and unique, so two programs never share a code."""
        return (self.key or "").upper()

    def ended(self, today: dt.date) -> bool:
        """Whether the period is over on this local day (its last day is still in it): no new enrolment then."""
        return self.last_day < today

    def __repr__(self) -> str:
        return f"<Program {self.id} {self.key}>"


class Enrollment(db.Model):
    """A community enrolled in a program, with the amount the funder approved (minor units)."""

    __tablename__ = "enrollments"
    __cache_rule__ = of_community()
    __table_args__ = (
        one_of("status", EnrollmentStatus),
        UniqueConstraint("community_id", "program_id", name="uq_enrollments_community_program"),
        Index("ix_enrollments_program", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="RESTRICT"))
    approved_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default=EnrollmentStatus.REQUESTED.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("withdrawn_at")  # a withdrawn enrolment is kept (with its waivers), and judged no more

    community = relationship("Community")
    program = relationship("Program")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def confirmed(self) -> bool:
        return self.status == EnrollmentStatus.CONFIRMED.value


class Waiver(db.Model):
    """A reviewer's decision that one rule does not apply to one enrolment, with the reason (kept and shown)."""

    __tablename__ = "rule_waivers"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (Index("ix_rule_waivers_enrollment", "enrollment_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    waived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("revoked_at")

    enrollment = relationship("Enrollment")
    waived_by = relationship("User")


class Expense(db.Model):
    """One expense of an enrolment's budget ledger (經費): a category of the program, a date, an amount (minor
    units) and what the category's caps need (hours, persons), with its receipt.

    An expense that breaks a cap is kept when the convener says so, marked not claimable: nothing typed is lost,
    and the ledger's claimable totals stay within the rules. Deleting moves it to the trash.
    """

    __tablename__ = "expenses"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (Index("ix_expenses_enrollment_day", "enrollment_id", "spent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(60))  # a category key of the program's budget
    spent_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of the program's currency
    hours: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))  # per-hour caps (a speaker's hours)
    persons: Mapped[int | None] = mapped_column(Integer)  # per-person caps (refreshments)
    payee: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    receipt_blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id", ondelete="SET NULL"))
    receipt_filename: Mapped[str] = mapped_column(String(200), default="")
    claimable: Mapped[bool] = mapped_column(Boolean, default=True)
    breaches: Mapped[list[dict]] = mapped_column(JSON, default=list)  # the caps it broke when kept not claimable
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")  # not in the trash

    enrollment = relationship("Enrollment")
    receipt = relationship("Blob")


class BookListItem(db.Model):
    """A title of the materials book list (資料蒐集費 needs one), with its relevance to the community."""

    __tablename__ = "book_list_items"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (Index("ix_book_list_items_enrollment", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200), default="")
    relevance: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live = unset("deleted_at")

    enrollment = relationship("Enrollment")


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # with the reviewers
    RETURNED = "returned"  # sent back with comments: the convener answers and submits again
    APPROVED = "approved"


class Submission(db.Model):
    """What a convener handed to the reviewers for an enrolment, as it stood that day.

    `snapshot` keeps the program's definition (the rules as they were) and every rule's result at the moment
    of submission, so a later change of the program or the records never rewrites what was judged. Each round
    is its own row (numbered): returned, answered, submitted again, the history stays.
    """

    __tablename__ = "submissions"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (
        one_of("status", SubmissionStatus),
        UniqueConstraint("enrollment_id", "number", name="uq_submissions_enrollment_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first round, then 2, 3 …
    status: Mapped[str] = mapped_column(String(12), default=SubmissionStatus.SUBMITTED.value)
    note: Mapped[str] = mapped_column(Text, default="")  # the convener's words: a cover note, an answer
    snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")  # the reviewer's, when returned or approved

    enrollment = relationship("Enrollment")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Appraisal(db.Model):
    """A reviewer's appraisal of an enrolment at the end of the period: a rating and a comment (one per
    enrolment; recording it again replaces it, the trail keeps the old)."""

    __tablename__ = "appraisals"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (UniqueConstraint("enrollment_id", name="uq_appraisals_enrollment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    rating: Mapped[str] = mapped_column(String(20))  # excellent, good, fair, poor (優等、甲等、乙等、丙等)
    comment: Mapped[str] = mapped_column(Text, default="")
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appraised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment = relationship("Enrollment")
    appraised_by = relationship("User")


class Deliverable(db.Model):
    """A deliverable marked done by the convener (a results report, the application …), with its file.

    One live row per item: marking the item again (a corrected file, another day) keeps the old row out of the
    live set (`deleted_at`) with `superseded_by_id` pointing at the new one, so the history stays."""

    __tablename__ = "deliverables"
    __cache_rule__ = like("enrollment_id")
    __table_args__ = (
        Index("ix_deliverables_enrollment", "enrollment_id", "item"),
        Index("uq_deliverables_live_item", "enrollment_id", "item", unique=True,
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(40))  # results_report, book_list, application, implementation_plan …
    done_on: Mapped[dt.date] = mapped_column(Date)
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("deliverables.id", ondelete="SET NULL"))
    live = unset("deleted_at")

    enrollment = relationship("Enrollment")
    blob = relationship("Blob")
