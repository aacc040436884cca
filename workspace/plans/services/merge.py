"""How a section save that started from an older version is reconciled with the saves made since, so that
two people editing one section never lose work.

A save carries the version it started from (its base). When nobody saved in between, it is taken as is.
Otherwise the three texts are merged line by line (diff3, the `merge3` library): changes on different
lines of the section merge by themselves; changes to the same or adjacent lines are a conflict. A
conflict is never settled silently: the editor gets both texts and a proposal that holds every line of
both, in the order of the section, to settle by hand. Plain functions, no database: tested by themselves
(tests/plans/test_merge.py, with hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass

import merge3

from workspace.plans.services._common import _lines


@dataclass(frozen=True)
class ConflictRegion:
    """One place where both saves changed the same lines: the lines as they were, and each side's."""

    base: tuple[str, ...]
    mine: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass(frozen=True)
class MergeResult:
    """The merged text (when clean) or the proposal to settle (when not), and the regions in conflict."""

    text: str
    conflicts: tuple[ConflictRegion, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_texts(base: str, mine: str, theirs: str) -> MergeResult:
    """Merge the editor's text (`mine`) with what was saved meanwhile (`theirs`), both started from `base`.

    Where only one side changed lines, that side wins; where both made the same change, it is kept once;
    where both changed the same (or adjacent) lines differently, the region is a conflict and the
    proposal holds what was saved meanwhile, then the editor's lines: nothing of either is dropped.
    """
    if mine == theirs or theirs == base:
        return MergeResult(mine, ())
    if mine == base:
        return MergeResult(theirs, ())
    base_lines, mine_lines, theirs_lines = _lines(base), _lines(mine), _lines(theirs)
    merged: list[str] = []
    conflicts: list[ConflictRegion] = []
    for region in merge3.Merge3(base_lines, mine_lines, theirs_lines).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            merged.extend(base_lines[region[1]:region[2]])
        elif kind in {"a", "same"}:
            merged.extend(mine_lines[region[1]:region[2]])
        elif kind == "b":
            merged.extend(theirs_lines[region[1]:region[2]])
        else:  # conflict: base, mine, theirs ranges
            _kind, base_start, base_end, mine_start, mine_end, theirs_start, theirs_end = region
            ours, others = mine_lines[mine_start:mine_end], theirs_lines[theirs_start:theirs_end]
            conflicts.append(ConflictRegion(tuple(base_lines[base_start:base_end]), tuple(ours), tuple(others)))
            merged.extend(others)
            merged.extend(line for line in ours if line not in others or line == "")
    return MergeResult("\n".join(merged), tuple(conflicts))


@dataclass(frozen=True)
class SaveOutcome:
    """What a section save leads to: the text to store (accepted), or a conflict to settle first."""

    accepted: bool
    text: str  # the text stored when accepted; the proposal when not
    merged: bool  # accepted after merging with saves made meanwhile
    conflicts: tuple[ConflictRegion, ...] = ()


def reconcile(*, current_text: str, current_version: int, base_text: str, base_version: int,
              new_text: str) -> SaveOutcome:
    """Decide a save that started from `base_version` when the section is at `current_version` now."""
    if base_version == current_version:
        return SaveOutcome(True, new_text, False)
    result = merge_texts(base_text, new_text, current_text)
    if result.clean:
        return SaveOutcome(True, result.text, True)
    return SaveOutcome(False, result.text, False, result.conflicts)
