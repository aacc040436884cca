"""The new teacher's development handbook (教師專業發展手冊): one per teacher, school year and community, made when
the teacher first opens it, with eight sections the teacher writes (version-checked saves) and the mentor
comments on; the two semester summaries are offered at the end of each semester (services/terms.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workspace.core import audit
from workspace.core.database import advance, utcnow
from workspace.core.errors import Conflict, NotAllowed
from workspace.core.i18n import N_
from workspace.core.models import record_event
from workspace.core.permissions import can
from workspace.core.records import local_day
from workspace.core.text import checked_text, render_markdown
from workspace.extensions import db
from workspace.mentoring.models import Handbook, HandbookSection, MilestoneKind, Pairing, PairingStatus
from workspace.mentoring.services import notices
from workspace.mentoring.services.milestones import note_progress
from workspace.mentoring.services.terms import school_year_period, semester_number, semester_of
from workspace.notifications import services as notifications

MAX_BODY = 50_000
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the school years a handbook URL may name
SECTIONS: dict[str, Any] = {  # key → its heading (the words of the source documents: 優勢, 待改進 …)
    "strengths": _l("Strengths"),
    "weaknesses": _l("Areas to improve"),
    "goals": _l("Improvement goals"),
    "measures": _l("Concrete measures"),
    "cases": _l("Case records"),
    "evaluations": _l("Evaluation records"),
    "summary_1": _l("First semester summary"),
    "summary_2": _l("Second semester summary"),
}
GUIDANCE: dict[str, Any] = {  # the hint under an empty section, addressed to the new teacher who writes it
    "strengths": _l("What you already do well in teaching, class management and working with colleagues."),
    "weaknesses": _l("What you want to get better at this year."),
    "goals": _l("The goals you set with your mentor for this year."),
    "measures": _l("What you will do to reach them: observations, readings, trying new methods."),
    "cases": _l("Cases from your classes and what you learned from them."),
    "evaluations": _l("Observations, feedback and other evaluations of your teaching."),
    "summary_1": _l("Looking back on the first semester (due at its end)."),
    "summary_2": _l("Looking back on the second semester and the year (due at its end)."),
}
MENTOR_GUIDANCE: dict[str, Any] = {  # the same hints for the mentor, who comments ("you" is the mentor)
    **GUIDANCE,
    "strengths": _l("What your new teacher already does well in teaching, class management and working with "
                    "colleagues."),
    "weaknesses": _l("What your new teacher wants to get better at this year."),
    "goals": _l("The goals your new teacher sets with you for this year."),
    "measures": _l("What your new teacher will do to reach them: observations, readings, trying new methods."),
    "cases": _l("Cases from your new teacher's classes and what they learned from them."),
    "evaluations": _l("Observations, feedback and other evaluations of your new teacher's teaching."),
}
READER_GUIDANCE: dict[str, Any] = {  # and for anyone else who reads it (a convener it is shared with, an admin)
    **GUIDANCE,
    "strengths": _l("What the new teacher already does well in teaching, class management and working with "
                    "colleagues."),
    "weaknesses": _l("What the new teacher wants to get better at this year."),
    "goals": _l("The goals the new teacher sets with their mentor for this year."),
    "measures": _l("What the new teacher will do to reach them: observations, readings, trying new methods."),
    "cases": _l("Cases from the new teacher's classes and what they learned from them."),
    "evaluations": _l("Observations, feedback and other evaluations of the new teacher's teaching."),
}
SUMMARY_SOON_DAYS = 31  # a semester summary is "due" in the semester's last month


def section_title(section: HandbookSection | str) -> str:
    """A section's heading in the reader's language."""
    key = section if isinstance(section, str) else section.key
    return str(SECTIONS.get(key, key))


# A notice of the mentor's comment keeps the section's key; each reader reads its heading in their own language (a
# notice kept before, already worded, is not a key and reads as kept).
notifications.register_title_words(notices.HANDBOOK, section_title)


def section_guidance(handbook: Handbook, reader_id: int | None, *, comments: bool) -> dict[str, Any]:
    """The hints under the empty sections, addressed to whoever reads: the teacher, their mentor (who comments), or
    anyone else (in the third person)."""
    if reader_id is not None and reader_id == handbook.teacher_id:
        return GUIDANCE
    return MENTOR_GUIDANCE if comments else READER_GUIDANCE


def valid_year(year: int) -> bool:
    """Whether a school year from a URL is one a handbook may have."""
    return FIRST_YEAR <= year <= LAST_YEAR


def is_mentee(community_id: int, teacher_id: int, school_year: int | None = None) -> bool:
    """Whether the person is (or was) a new teacher of a pairing in the community; given a school year, of a
    pairing whose term overlaps it (a handbook is kept for the years of the mentoring, not any year an address
    names: opening one makes it)."""
    query = select(Pairing.id).where(Pairing.community_id == community_id, Pairing.mentee_id == teacher_id)
    if school_year is not None:
        year = school_year_period(school_year)
        query = query.where(Pairing.starts_on <= year.last, Pairing.ends_on >= year.first)
    return db.session.scalar(query.limit(1)) is not None


def find_handbook(community_id: int, teacher_id: int, school_year: int) -> Handbook | None:
    """The teacher's handbook of that year in the community, with its sections (one query for them)."""
    return db.session.scalar(select(Handbook).where(
        Handbook.community_id == community_id, Handbook.teacher_id == teacher_id,
        Handbook.school_year == school_year).options(selectinload(Handbook.sections)))


def open_handbook(community: Any, teacher_id: int, school_year: int, *, actor: Any) -> Handbook:
    """The handbook, made with its eight empty sections when the teacher opens it the first time."""
    found = find_handbook(community.id, teacher_id, school_year)
    if found is not None:
        return found
    if actor.id != teacher_id or not is_mentee(community.id, teacher_id, school_year):
        raise NotAllowed(str(_l("The new teacher starts their handbook.")))
    handbook = Handbook(community_id=community.id, teacher_id=teacher_id, school_year=school_year)
    handbook.community = community
    if not can(actor, "write", handbook):
        raise NotAllowed(str(_l("The new teacher starts their handbook.")))
    for position, key in enumerate(SECTIONS):
        handbook.sections.append(HandbookSection(key=key, position=position))
    db.session.add(handbook)
    db.session.flush()
    return handbook


def save_section(section: HandbookSection, body: str | None, *, actor: Any, base_version: int) -> HandbookSection:
    """Save the teacher's text of a section; a save started from an older version is refused (Conflict) and
    nothing is overwritten. The first text ticks the pairing's handbook milestone."""
    handbook = section.handbook
    if not can(actor, "write", handbook):
        raise NotAllowed(str(_l("Only the new teacher writes their handbook.")))
    text = checked_text(body, "body", MAX_BODY)
    if base_version != section.version or not advance(section, expected=base_version):
        raise Conflict(str(_l("This section was saved elsewhere (another tab or device) while you were writing. "
                              "Nothing was saved; your text is kept below. Compare it with the saved text above "
                              "and save again.")))
    section.body, section.body_html = text, str(render_markdown(text))
    section.updated_at, section.updated_by_id = utcnow(), actor.id
    handbook.updated_at = utcnow()
    if text:
        for pairing in db.session.scalars(select(Pairing).where(
                Pairing.community_id == handbook.community_id, Pairing.mentee_id == handbook.teacher_id,
                Pairing.status == PairingStatus.ACTIVE.value)):
            note_progress(pairing, MilestoneKind.HANDBOOK, local_day(utcnow()), actor_id=actor.id)
    return section


def save_comment(section: HandbookSection, comment: str | None, *, actor: Any, base_comment: str) -> HandbookSection:
    """Save the mentor's comment on a section; refused (Conflict) when the comment changed since the form was
    loaded (the teacher's saves meanwhile do not get in the way)."""
    if not can(actor, "comment", section.handbook):
        raise NotAllowed(str(_l("Only the new teacher's mentor comments on the handbook.")))
    text = checked_text(comment, "comment", MAX_BODY)
    if (section.comment or "") != (base_comment or "").replace("\r\n", "\n"):
        raise Conflict(str(_l("Someone changed this comment while you were writing. Nothing was saved; your text "
                              "is kept below.")), field="comment")
    first = not section.comment
    section.comment, section.comment_html = text, str(render_markdown(text))
    section.updated_at = utcnow()
    if first and text:
        notices.handbook_commented(section, actor)
    return section


def share_handbook(handbook: Handbook, shared: bool, *, actor: Any) -> None:
    """Let the community's conveners read the handbook (or stop)."""
    if not can(actor, "share", handbook):
        raise NotAllowed(str(_l("Only the new teacher shares their handbook.")))
    handbook.shared = shared


@dataclass(frozen=True)
class SummaryDue:
    """Which semester summary the page points to: its key, the semester's last day, and whether it is close."""

    key: str
    by: dt.date
    soon: bool
    past: bool


def summary_due(school_year: int, today: dt.date) -> SummaryDue | None:
    """The semester summary due now for a handbook of `school_year` (None: the year has not begun).

    In the first semester (Aug–Jan) the first summary, in the second (Feb–Jul) the second, each by the semester's
    last day (services/terms.py); after the year the second is named, past due."""
    year = school_year_period(school_year)
    if today < year.first:
        return None
    if today > year.last:
        return SummaryDue("summary_2", year.last, soon=False, past=True)
    semester = semester_of(today)
    key = f"summary_{semester_number(today)}"
    return SummaryDue(key, semester.last, soon=(semester.last - today).days < SUMMARY_SOON_DAYS, past=False)


AUDIT_MESSAGES = {
    "handbook.exported": N_("exported the development handbook of %(member)s for the school year %(number)s "
                            "of %(community)s"),
}


def register_audit() -> None:
    """Give the trail the handbook's sentences."""
    audit.register_messages(AUDIT_MESSAGES)


def record_export(handbook: Handbook, *, actor: Any) -> None:
    """Note in the audit trail that the handbook left the site as a Word file."""
    record_event(actor, "handbook.exported", handbook, handbook.community, number=handbook.school_year,
                 user_id=handbook.teacher_id)
