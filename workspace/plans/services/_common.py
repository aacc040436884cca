"""What every topic of the plans services shares: the limits, the default template's sections, the labels,
section titles, guidance and paths, splitting a text into lines, and the check that a community is open to
changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workspace.communities.models import Community
from workspace.core.errors import NotAllowed
from workspace.core.i18n import N_
from workspace.core.permissions import can
from workspace.plans.models import PlanDoc, PlanSection, PlanStatus, TemplateSection

# --- the domain: templates, plans, sections, history, comments, adaptations, lessons, links ------------

MAX_TOPIC = 200
MAX_LINE = 200
MAX_TEMPLATE_NAME = 100
MAX_SECTION_TITLE = 100
MAX_GUIDANCE = 2_000
MAX_COMMENT = 10_000
MAX_REFLECTION = 20_000
MAX_CLASS = 60
MAX_TEMPLATE_SECTIONS = 30
PRESENCE_SECONDS = 45  # an editor not heard from for this long is no longer shown as editing
PER_PAGE = 20
HISTORY_PER_PAGE = 50
PLAN_KIND = "plan"  # the search documents of plans

# The default template (DESIGN.md, from the seeds): key, title, guidance for the writer.
DEFAULT_SECTIONS = (
    ("objectives", N_("Three-dimensional objectives"),
     N_("Knowledge and skills, process and methods, attitudes and values: what students will be able to do.")),
    ("resources", N_("Teaching resources"),
     N_("Textbook pages, courseware, manipulatives, videos; link library resources here.")),
    ("learners", N_("Learner analysis"),
     N_("What students already know, typical misconceptions, differences within the class.")),
    ("process", N_("Learning process"),
     N_("The steps of the lesson with time for each: introduction, exploration, practice, summary.")),
    ("strategies", N_("Guiding strategies"),
     N_("Questions to ask, how to group students, how to support those who struggle.")),
    ("homework", N_("Homework design"),
     N_("Layered tasks: basic, extended, challenge; how they will be checked.")),
    ("reflection", N_("Adjustment and reflection"),
     N_("After teaching: what worked, what to change next time.")),
)
_DEFAULT_TITLES = {key: title for key, title, _guidance in DEFAULT_SECTIONS}
_DEFAULT_GUIDANCE = {key: guidance for key, _title, guidance in DEFAULT_SECTIONS}
STATUS_LABELS = {PlanStatus.DRAFT: N_("Draft"), PlanStatus.REVIEW: N_("Under review"), PlanStatus.FINAL: N_("Final")}
HOW_LABELS = {"created": N_("created"), "saved": N_("saved"), "merged": N_("merged with a save made meanwhile"),
              "resolved": N_("conflict settled by hand"), "restored": N_("restored"),
              "updated": N_("took the shared plan's changes")}


def max_section_length() -> int:
    return int(current_app.config.get("PLAN_MAX_SECTION", 100_000))


def section_title(section: PlanSection | TemplateSection) -> str:
    """A section's title: its own, or (a default section never renamed) the translated default."""
    if section.title:
        return section.title
    return str(_(_DEFAULT_TITLES[section.key])) if section.key in _DEFAULT_TITLES else ""


def section_guidance(section: PlanSection) -> str:
    if section.guidance:
        return section.guidance
    return str(_(_DEFAULT_GUIDANCE[section.key])) if section.key in _DEFAULT_GUIDANCE and not section.title else ""


def _check_open(community: Community) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived: nothing can be changed.")))


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def section_path(doc: PlanDoc, section: PlanSection) -> str:
    community = doc.community
    return f"/c/{community.slug}/plans/{doc.id}#section-{section.id}"


def comment_path(doc: PlanDoc, section: PlanSection, comment_id: int) -> str:
    """The plan page with the section's comments shown (drawn by the server), at this comment."""
    return f"/c/{doc.community.slug}/plans/{doc.id}?comments={section.id}#comment-{comment_id}"


def readers_of(doc: PlanDoc, people: Iterable[Any]) -> list[Any]:
    """Those of `people` who may read the plan now: a notice about it (a comment, with its text; an assignment;
    a reflection) goes to no one who has left the community since they led it, were assigned or replied."""
    return [person for person in people if can(person, "view", doc)]
