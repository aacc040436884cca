"""What a notice about a plan keeps and how each reader reads it: a section's built-in name (學程預設, "Learning
process") and its built-in guidance are kept as the section's key and worded in the reader's language when the notice
is shown (the list, the e-mail), never in the language of whoever assigned or commented; a section a person renamed,
and their own guidance, keep the person's words. A lesson's reflection is kept as its class and text, joined by the
reader's "label: value" pattern.

Registered with the notifications area for the plan's notices (subject "plan": assigned, reflection) and its
comments' (subject "plan_comment": mention, reply, comment). A notice kept before (plain text) reads as kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from workspace.notifications import services as notifications
from workspace.plans.models import PlanDoc, PlanSection
from workspace.plans.services._common import _DEFAULT_GUIDANCE, _DEFAULT_TITLES

PLAN = "plan"  # the subject type of a notice about a plan (or one of its sections)
PLAN_COMMENT = "plan_comment"  # the subject type of a notice about a comment on a section


def notice_title(doc: PlanDoc, section: PlanSection | None) -> str:
    """The plan's topic and the section, kept for `title_words`: a default section never renamed by its key."""
    data: dict[str, Any] = {"topic": doc.topic}
    if section is not None:
        if section.title or section.key not in _DEFAULT_TITLES:
            data["title"] = section.title
        else:
            data["section"] = section.key
    return notifications.keep_data(data, notifications.MAX_TITLE)


def title_words(kept: str, *, mark: Callable[[str], str] = str) -> str:
    """A plan notice's title as its reader reads it: "分數的加減 · Learning process" for an English reader,
    「分數的加減 · 學程預設」 for a 繁體 one; `mark` wraps what people wrote (the topic, a renamed section's title)."""
    data = notifications.read_data(kept)
    if data is None or not isinstance(data.get("topic"), str):
        return mark(kept)
    topic = mark(data["topic"])
    if isinstance(data.get("title"), str):
        return topic + " · " + mark(data["title"])
    if isinstance(data.get("section"), str):
        name = _DEFAULT_TITLES.get(data["section"])
        return topic + " · " + (_(name) if name else mark(data["section"]))
    return topic


def assignment_excerpt(section: PlanSection) -> str:
    """What the assignee is asked to write: the section's own guidance, or its built-in guidance kept by key."""
    if section.guidance:
        return notifications.keep_data({"text": section.guidance}, notifications.MAX_EXCERPT)
    if not section.title and section.key in _DEFAULT_GUIDANCE:
        return notifications.keep_data({"guidance": section.key}, notifications.MAX_EXCERPT)
    return ""


def text_excerpt(text: str) -> str:
    """Words people wrote (the lines of a section that mention someone), kept as they are."""
    return notifications.keep_data({"text": text}, notifications.MAX_EXCERPT)


def reflection_excerpt(class_name: str, text: str) -> str:
    """A lesson's class and the first words of its reflection, joined when read (`excerpt_words`)."""
    return notifications.keep_data({"label": class_name, "text": text}, notifications.MAX_EXCERPT)


def excerpt_words(kept: str) -> str:
    """A plan notice's excerpt as its reader reads it: built-in guidance in the reader's language, a reflection as
    "4B: …" (「4B：…」), anything else as kept."""
    data = notifications.read_data(kept)
    if data is None:
        return kept
    guidance = _DEFAULT_GUIDANCE.get(str(data.get("guidance")))
    if guidance is not None:
        return _(guidance)
    text = data.get("text")
    if not isinstance(text, str):
        return kept
    label = data.get("label")
    return _("%(label)s: %(value)s", label=label, value=text) if isinstance(label, str) and label else text


for _subject in (PLAN, PLAN_COMMENT):
    notifications.register_title_words(_subject, title_words, marks=True)
notifications.register_excerpt_words(PLAN, excerpt_words)
