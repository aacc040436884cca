"""A section's and a plan's history, the text at a past moment, and line and word diffs."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workspace.core.pagination import require_page
from workspace.extensions import db
from workspace.plans.models import PlanDoc, PlanSection, SectionRevision
from workspace.plans.services._common import HISTORY_PER_PAGE, _lines, section_title

# --- history and diffs ---------------------------------------------------------------------------


@dataclass
class HistoryPage:
    revisions: list[SectionRevision]
    page: int
    pages: int
    total: int
    titles: dict[int, str] = field(default_factory=dict)  # section id -> title (document history)


def _history(condition: Any, newest_first: Any, page: int) -> HistoryPage:
    """One page of revisions with their authors (two queries whatever the length of the history)."""
    total = db.session.scalar(select(func.count()).select_from(SectionRevision).where(condition)) or 0
    pages = require_page(page, total, HISTORY_PER_PAGE)
    revisions = list(db.session.scalars(
        select(SectionRevision).where(condition).options(joinedload(SectionRevision.author))
        .order_by(newest_first).limit(HISTORY_PER_PAGE).offset((page - 1) * HISTORY_PER_PAGE)))
    return HistoryPage(revisions, page, pages, total)


def section_history(section: PlanSection, page: int = 1) -> HistoryPage:
    """A section's revisions, newest first."""
    return _history(SectionRevision.section_id == section.id, SectionRevision.version.desc(), page)


def document_history(doc: PlanDoc, page: int = 1) -> HistoryPage:
    """Every section's revisions of a plan, newest first, with the sections' titles."""
    history = _history(SectionRevision.doc_id == doc.id, SectionRevision.id.desc(), page)
    history.titles = {section.id: section_title(section) for section in doc.sections}
    return history


def revisions_at(section: PlanSection, versions: Sequence[int]) -> dict[int, SectionRevision]:
    return {revision.version: revision for revision in db.session.scalars(
        select(SectionRevision).where(SectionRevision.section_id == section.id,
                                      SectionRevision.version.in_(list(versions)))
        .options(joinedload(SectionRevision.author)))}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same, added, removed, gap (unchanged lines folded away)
    old_number: int | None
    new_number: int | None
    text: str
    # For a line changed in place (a removed line and its added counterpart): the line in pieces, each marked
    # as changed or not, so the page can show which words changed. Empty: the whole line is the change.
    pieces: tuple[tuple[bool, str], ...] = ()


WORD_DIFF_LIMIT = 2_000  # longer lines are compared as whole lines only (the comparison is quadratic)
WORD_DIFF_SIMILARITY = 0.4  # below this, two lines are different lines, not one line edited


def _pieces(old: str, new: str) -> tuple[tuple[tuple[bool, str], ...], tuple[tuple[bool, str], ...]]:
    """The changed characters of a line edited in place, on each side (Chinese has no spaces: by character)."""
    if max(len(old), len(new)) > WORD_DIFF_LIMIT:
        return (), ()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < WORD_DIFF_SIMILARITY:
        return (), ()
    before: list[tuple[bool, str]] = []
    after: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            before.append((tag != "equal", old[i1:i2]))
        if j2 > j1:
            after.append((tag != "equal", new[j1:j2]))
    return tuple(before), tuple(after)


def diff_lines(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """A line diff of two texts: removed and added lines with their numbers, unchanged runs folded to
    `context` lines around each change; a line edited in place also says which characters changed."""
    old_lines, new_lines = _lines(old), _lines(new)
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if out:
            out.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", i1 + n + 1, j1 + n + 1, old_lines[i1 + n]) for n in range(i2 - i1))
                continue
            paired = [_pieces(old_lines[i1 + n], new_lines[j1 + n]) for n in range(min(i2 - i1, j2 - j1))] \
                if tag == "replace" else []
            out.extend(DiffLine("removed", i1 + n + 1, None, old_lines[i1 + n],
                                paired[n][0] if n < len(paired) else ()) for n in range(i2 - i1))
            out.extend(DiffLine("added", None, j1 + n + 1, new_lines[j1 + n],
                                paired[n][1] if n < len(paired) else ()) for n in range(j2 - j1))
    return out
