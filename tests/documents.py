"""Reading the Word files the app builds, for the tests: one way to take a document's text."""

from __future__ import annotations

import io

import docx


def docx_text(data: bytes) -> str:
    """The text of a .docx: its paragraphs, then each table's cells row by row, one per line."""
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
