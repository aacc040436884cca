"""Minutes: the template, saving them, and the members listed on the sign-in sheet."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from workspace.activities.models import Activity
from workspace.activities.records import minutes_written
from workspace.activities.services._common import MINUTES_TEMPLATE, _text, community_members
from workspace.auth.models import User
from workspace.core.database import advance, utcnow
from workspace.core.errors import Conflict, NotAllowed
from workspace.core.permissions import can
from workspace.core.text import render_markdown

# --- minutes -------------------------------------------------------------------------------------


def minutes_template(activity: Activity, gettext: Any) -> str:
    """The headings a new record starts from, in the writer's language, the agenda already filled in."""
    sections = []
    for heading in MINUTES_TEMPLATE:
        body = activity.agenda if heading == "Agenda" and activity.agenda else ""
        sections.append(f"## {gettext(heading)}\n\n{body}".rstrip() + "\n")
    return "\n".join(sections)


def private_minutes_reason() -> str:
    """Why nobody writes the minutes of a pair's private meeting or observation on the activity."""
    return str(_l("The pair's own record (the meeting's log, the observation's notes) is the minutes of this "
                  "activity; nothing is written here, since it would go into no export."))


def save_minutes(activity: Activity, minutes: str, outcomes: str, *, actor: User, base_version: int) -> None:
    """Save the minutes and outcomes; a save that started from an older version is refused (and any on a pair's
    private activity, whose minutes are the pair's own record)."""
    if activity.private:
        raise NotAllowed(private_minutes_reason())
    if not can(actor, "write_minutes", activity):
        raise NotAllowed(str(_l("Only the conveners and the named recorder write the minutes.")))
    # The version moves in the database, only from the one the writer started from (a compare-and-swap).
    if base_version != activity.minutes_version or not advance(activity, "minutes_version", expected=base_version):
        raise Conflict(str(_l("Someone saved the minutes while you were writing. Your text is below; "
                              "compare it with the saved version and save again.")), field="minutes")
    activity.minutes = _text(minutes, "minutes")
    # The template's sections left unfilled are not shown (nor exported): the text keeps them, to fill later. The
    # template saved as it came (headings and the agenda it copied in) is not minutes yet (records.minutes_written).
    activity.minutes_html = str(render_markdown(minutes_written(activity.minutes, activity.agenda)))
    activity.outcomes = _text(outcomes, "outcomes")
    activity.outcomes_html = str(render_markdown(activity.outcomes))
    activity.minutes_updated_at, activity.minutes_updated_by_id = utcnow(), actor.id


def members_for_sheet(activity: Activity) -> list[User]:
    """The names on the paper sign-in sheet."""
    return community_members(activity.community)
