"""A community-year ready for its results report, shared by the report's tests: a club enrolled in a copy of the
PLC preset over a past school year, with held activities (minutes, photos, a video, attendance, feedback with
comments), a resource in the library, an expense, and the convener's texts."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import docx
from PIL import Image

from tests.compliance.helpers import PAST_FIRST, Enrolled, enrolled
from tests.media import mp4_bytes
from workspace.activities import services as activities
from workspace.activities.models import Activity, Feedback
from workspace.compliance.services import budget
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.resources import services as resources

AFTER = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # long after the period's activities: feedback is open


def jpeg_bytes(width: int = 2400, height: int = 1800, color: str = "blue") -> bytes:
    """A large real photo (a camera's size), so the report must shrink it for print."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=70)
    return out.getvalue()


def docx_bytes(*paragraphs: str | tuple[str, ...]) -> bytes:
    """A DOCX with a paragraph per item; a tuple is one paragraph of several runs (as Word splits text)."""
    document = docx.Document()
    for item in paragraphs:
        paragraph = document.add_paragraph()
        for text in (item,) if isinstance(item, str) else item:
            paragraph.add_run(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class ReportWorld:
    """The enrolment and what was made in it, by name."""

    setup: Enrolled
    activities: list[Activity] = field(default_factory=list)
    chosen: Feedback | None = None
    unchosen: Feedback | None = None

    @property
    def enrollment(self):
        return self.setup.enrollment

    @property
    def convener(self):
        return self.setup.club.convener

    @property
    def slug(self) -> str:
        return self.setup.slug


def report_world(slug: str = "report", *, minutes: str = "## 討論\n\n討論了**教學觀察**的重點。") -> ReportWorld:
    """Three held activities (two methods, one online), photos, a video, marks, feedback and a library resource."""
    setup = enrolled(slug)
    club = setup.club
    world = ReportWorld(setup)
    plans = [(dt.date(2025, 9, 10), "共同備課：分數", "collaborative_planning", "offline"),
             (dt.date(2025, 10, 15), "觀課與議課", "observation_feedback", "offline"),
             (dt.date(2025, 10, 29), "線上讀書會", "topic_study", "online")]
    for day, title, method, mode in plans:
        activity = club.activity(title, starts=dt.datetime.combine(day, dt.time(14, 0)), method=method, mode=mode)
        activities.save_minutes(activity, minutes, "教案一份", actor=club.convener,
                                base_version=activity.minutes_version)
        activities.add_evidence(activity, store_upload(io.BytesIO(jpeg_bytes()), "photo.jpg"), actor=club.convener,
                                caption=f"{title} 的照片")
        activities.set_attendance(activity, {club.member.id: "present", club.other.id: "absent",
                                             club.convener.id: "late"}, actor=club.convener, now=activity.starts_at)
        world.activities.append(activity)
    activities.add_evidence(world.activities[1], store_upload(io.BytesIO(mp4_bytes()), "觀課.mp4"),
                            actor=club.convener)
    first, second = world.activities[0], world.activities[1]
    world.chosen = activities.give_feedback(first, 5, "非常實用，想再參加", actor=club.member, now=AFTER)
    world.unchosen = activities.give_feedback(first, 3, "時間太短了不夠討論", actor=club.other, now=AFTER)
    activities.give_feedback(second, 4, "", actor=club.member, now=AFTER)
    resource = resources.create_text_resource(
        club.community, resources.ResourceFields(title="分數教案", kind="lesson_plan"), "教案內容", actor=club.convener)
    resource.created_at = dt.datetime(2025, 10, 1, 4, 0, tzinfo=dt.UTC)
    budget.add_expense(setup.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST + dt.timedelta(days=40),
                                                              150), club.convener)
    db.session.commit()
    return world
