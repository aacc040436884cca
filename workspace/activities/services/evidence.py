"""Evidence of an activity (photos, sheets, files) and the checklist of what an activity still lacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workspace.activities.models import Activity, Attendance, Evidence, Feedback
from workspace.activities.records import KeptRecord, kept_record
from workspace.activities.services._common import _line, marked_ahead
from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed
from workspace.core.models import record_event
from workspace.core.permissions import can
from workspace.core.text import has_visible_text, html_to_text
from workspace.extensions import db

# --- evidence ------------------------------------------------------------------------------------

EVIDENCE_KINDS = ("photo", "video", "document", "sheet")
MAX_CAPTION = 300


def evidence_kind(media_type: str, *, sheet: bool = False) -> str:
    """What an upload is: a scanned sign-in sheet (when the uploader says so), a photo, a video or a document."""
    if sheet:
        return "sheet"
    if media_type.startswith("image/"):
        return "photo"
    if media_type.startswith(("video/", "audio/")):
        return "video"
    return "document"


def add_evidence(activity: Activity, stored: Any, *, actor: User, caption: str = "", sheet: bool = False) -> Evidence:
    """Keep a checked upload (core/storage did the checks and re-encoding) as evidence of the activity."""
    if not can(actor, "manage", activity) and not can(actor, "add_evidence", activity):
        raise NotAllowed(str(_l("Only the conveners and the recorder add evidence.")))
    evidence = Evidence(activity_id=activity.id, blob=stored.blob, kind=evidence_kind(stored.media_type, sheet=sheet),
                        filename=stored.filename, media_type=stored.media_type, size=stored.size,
                        caption=_line(caption, "caption", MAX_CAPTION), uploader_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def evidence_of(activity: Activity, *, include_deleted: bool = False) -> list[Any]:
    query = select(Evidence).where(Evidence.activity_id == activity.id)
    if not include_deleted:
        query = query.where(Evidence.live)
    return list(db.session.scalars(query.order_by(Evidence.created_at, Evidence.id)))


def set_caption(evidence: Any, caption: str, *, actor: User) -> None:
    activity = db.session.get(Activity, evidence.activity_id)
    if not can(actor, "manage", activity) and not can(actor, "add_evidence", activity):
        raise NotAllowed(str(_l("Only the conveners and the recorder add evidence.")))
    evidence.caption = _line(caption, "caption", MAX_CAPTION)


def remove_evidence(evidence: Any, *, actor: User, restore: bool = False) -> None:
    """Move evidence out of the bundle (kept, so a convener can bring it back) or back into it."""
    activity = db.session.get(Activity, evidence.activity_id)
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can remove evidence.")))
    evidence.deleted_at = None if restore else utcnow()
    record_event(actor, "evidence.restored" if restore else "evidence.removed", evidence, activity.community,
                 title=activity.title, filename=evidence.filename)


@dataclass
class Checklist:
    """What a funder asks of every activity, ticked off as it is recorded."""

    minutes: bool
    attendance: bool
    photo: bool
    feedback: bool
    kept: KeptRecord = field(default_factory=KeptRecord)  # what the pair's own record holds (a private activity)

    @property
    def done(self) -> int:
        return sum((self.minutes, self.attendance, self.photo, self.feedback))

    @property
    def complete(self) -> bool:
        return self.done == 4


def checklist(activity: Activity, evidence: Sequence[Evidence] | None = None,
              feedback_count: int | None = None, *, now: dt.datetime | None = None) -> Checklist:
    """Minutes written, attendance taken, at least one photo, feedback collected. A mark given ahead of an activity
    still to come (a public lesson's teacher) is no attendance taken (`marked_ahead`)."""
    evidence = evidence if evidence is not None else evidence_of(activity)
    attended = db.session.scalar(select(func.count()).select_from(Attendance)
                                 .join(Activity, Activity.id == Attendance.activity_id)
                                 .where(Attendance.activity_id == activity.id,
                                        ~marked_ahead(now or utcnow()))) or 0
    if feedback_count is None:
        feedback_count = db.session.scalar(select(func.count()).select_from(Feedback).where(
            Feedback.activity_id == activity.id)) or 0
    # A pair's meeting or observation: its log or its notes are its minutes, their photos its photos, as the
    # compliance panel counts them (records.record_kept); the page said "no minutes" where the panel said met.
    kept = kept_record(activity)
    # Minutes as the page shows them: the template's headings saved unfilled are not minutes yet. A private one's
    # are the pair's record alone: text typed on it goes into no export, so it ticks nothing (QA round 13).
    written = bool(activity.minutes_html and has_visible_text(html_to_text(activity.minutes_html)))
    return Checklist(minutes=kept.minutes if activity.private else written,
                     attendance=attended > 0,
                     photo=any(item.kind == "photo" for item in evidence) or kept.photos > 0,
                     feedback=feedback_count > 0, kept=kept)
