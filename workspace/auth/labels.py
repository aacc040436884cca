"""The words the interface uses for a teacher's professional title (職稱), translated where shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workspace.auth.models import Title
from workspace.core.i18n import N_, translations

TITLE_LABELS = {
    Title.NONE: N_("No title"),
    Title.JUNIOR: N_("Junior title"),
    Title.INTERMEDIATE: N_("Intermediate title"),
    Title.SENIOR: N_("Senior title"),
    Title.PROFESSOR: N_("Professor-level title"),
}


def title_label(title: str | None) -> str:
    """The professional title in the user's language ("" for none: pages show nothing rather than "No title")."""
    if not title or title == Title.NONE:
        return ""
    label = TITLE_LABELS.get(title)  # type: ignore[call-overload]
    return translations().ugettext(label) if label else title


def title_choices() -> list[tuple[str, str]]:
    """The titles as select choices, lowest first, labelled when the form is rendered."""
    return [(title.value, _l(TITLE_LABELS[title])) for title in Title]  # type: ignore[misc]
