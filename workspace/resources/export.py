"""A text resource as a Word document: its title, a table of what it is (community, author, subject, grade, tags,
version and its day), then its text as the page shows it, through the core DOCX builder.

Teachers open what they download in Word or LibreOffice on a school laptop: a `.md` file opens there as plain text
with its `#` and `**` showing, so the library offers a text resource as `.docx` first and its Markdown beside it.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from workspace.core.database import utcnow
from workspace.core.docx import EMPTY, DocxBuilder, ImageSource
from workspace.resources.models import Resource, ResourceVersion


def resource_docx(resource: Resource, version: ResourceVersion, *, language: str,
                  image_source: ImageSource | None = None) -> bytes:
    """The DOCX (bytes) of a text resource's version, labelled in the reader's language (`language`: zh_Hant,
    zh_Hans or en, for the East Asian font and the language tags). image_source: the pictures its text shows
    (`services.library_pictures(reader)`); without it, or for one it does not give, the picture's alt."""
    author = version.uploader or resource.author
    fields = [(_("Community"), resource.community.name),
              (_("Added by"), author.display_name if author else EMPTY),
              (_("Subject"), resource.subject or EMPTY), (_("Grade"), resource.grade or EMPTY),
              (_("Tags"), " ".join(f"#{tag.name}" for tag in resource.tags) or EMPTY),
              (_("Version"), _("Version %(number)d, %(date)s", number=version.number,
                               date=format_date(version.created_at, "long")))]
    footer = _("%(community)s · exported %(date)s", community=resource.community.name,
               date=format_date(utcnow(), "medium"))
    builder = DocxBuilder(language=language, title=resource.title, footer=footer, image_source=image_source)
    builder.cover(resource.title, fields=fields)
    builder.markdown(version.body or "", heading_offset=0, empty=EMPTY)
    return builder.to_bytes()
