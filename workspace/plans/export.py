"""The DOCX of a co-planning document (教案): title, a table of fields, then one Heading 1 per section.

Only the plan's assembly is here; the document (styles, fonts, Markdown into Word) is `core.docx.DocxBuilder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workspace.core.docx import DEFAULT_LANGUAGE, EMPTY, DocxBuilder, ImageSource, xml_safe

__all__ = ["DocxLinked", "DocxSection", "plan_docx", "xml_safe"]


@dataclass(frozen=True)
class DocxSection:
    """One section of the plan: its heading and its body in Markdown (may be empty)."""

    title: str
    markdown: str


@dataclass(frozen=True)
class DocxLinked:
    """The plan's linked resources and activities, as the plan's page lists them: a heading, the table's header
    (kind, title, when) and a row per item (printed, the plan shows which courseware and meeting it goes with)."""

    heading: str
    header: tuple[str, str, str]
    rows: Sequence[tuple[str, str, str]]


def plan_docx(*, title: str, fields: Sequence[tuple[str, str]], sections: Sequence[DocxSection],
              footer: str = "", language: str = DEFAULT_LANGUAGE, east_asian_font: str | None = None,
              linked: DocxLinked | None = None, image_source: ImageSource | None = None) -> bytes:
    """The DOCX (bytes) of a co-planning document.

    title: the lesson topic (document heading, level 0/Title style). fields: label/value pairs shown as a
    two-column table under the title (科目, 年級, 單元, 主備人, 預定授課日期, 授課教師 …; empty values shown as "—").
    sections: each a Heading 1 with its body converted from Markdown. footer: a line in the page footer
    (e.g. "Exported 2026-11-24 from <community>"). language: zh_Hant, zh_Hans or en (the East Asian font and
    language tags); east_asian_font: a font to use instead of the language's. linked: the plan's resources and
    activities, a table after the sections (none: no heading). image_source: the bytes of a picture a section shows
    (`resources.library_pictures(reader)`: the library's pictures the exporting reader may see); without it, or
    for a picture it does not give, the picture's alt.
    """
    builder = DocxBuilder(language=language, title=title, footer=footer, east_asian_font=east_asian_font,
                          image_source=image_source)
    builder.cover(title, fields=fields)
    for section in sections:
        builder.heading(section.title, level=1)
        builder.markdown(section.markdown, empty=EMPTY)
    if linked is not None and linked.rows:
        builder.heading(linked.heading, level=1)
        builder.table([list(row) for row in linked.rows], header=list(linked.header))
    return builder.to_bytes()
