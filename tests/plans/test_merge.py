"""The merge rules of section saves, property-tested: whatever two or three editors do, in whatever order,
every saved edit ends in the text or in a conflict its editor settles; no accepted text is lost."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from workspace.plans.services import merge_texts, reconcile

LINES = st.sampled_from(["三維目標", "教學資源", "學情分析", "", "- 暖身", "- 小組討論", "作業設計", "調整反思"])
TEXTS = st.lists(LINES, max_size=8).map("\n".join)


@given(TEXTS, TEXTS)
def test_one_side_unchanged_takes_the_other(base, other):
    assert merge_texts(base, base, other).text == other
    assert merge_texts(base, other, base).text == other
    assert merge_texts(base, other, other) == merge_texts(base, other, other)
    assert merge_texts(base, other, other).text == other and merge_texts(base, other, other).clean


@st.composite
def disjoint_edits(draw):
    """A text of distinct lines and edits of two editors on lines at least two apart."""
    size = draw(st.integers(min_value=2, max_value=12))
    base = [f"第{index}段原文" for index in range(size)]
    mine_at = draw(st.sets(st.integers(0, size - 1), max_size=3))
    theirs_at = draw(st.sets(st.integers(0, size - 1), max_size=3).filter(
        lambda chosen: all(abs(a - b) >= 2 for a in chosen for b in mine_at)))
    return base, mine_at, theirs_at


@given(disjoint_edits())
def test_changes_on_separate_lines_merge_by_themselves(case):
    base, mine_at, theirs_at = case
    mine = [f"{line}（林改）" if index in mine_at else line for index, line in enumerate(base)]
    theirs = [f"{line}（王改）" if index in theirs_at else line for index, line in enumerate(base)]
    expected = [mine[index] if index in mine_at else theirs[index] for index in range(len(base))]
    result = merge_texts("\n".join(base), "\n".join(mine), "\n".join(theirs))
    assert result.clean
    assert result.text == "\n".join(expected)


@given(TEXTS, TEXTS, TEXTS)
def test_nothing_either_side_wrote_is_lost(base, mine, theirs):
    result = merge_texts(base, mine, theirs)
    merged = set(result.text.split("\n")) if result.text else set()
    base_lines = set(base.split("\n")) if base else set()
    for side in (mine, theirs):
        lines = set(side.split("\n")) if side else set()
        assert lines - base_lines <= merged  # what a side added is never dropped, clean or not
    for region in result.conflicts:  # and where both changed the same lines, the proposal holds both
        assert region.mine != region.theirs
        assert set(region.mine) | set(region.theirs) <= merged


def test_the_same_line_changed_twice_is_a_conflict_with_both_texts():
    result = merge_texts("目標\n活動\n評量", "目標\n活動：分組\n評量", "目標\n活動：全班\n評量")
    assert not result.clean
    [region] = result.conflicts
    assert (region.base, region.mine, region.theirs) == (("活動",), ("活動：分組",), ("活動：全班",))
    assert result.text == "目標\n活動：全班\n活動：分組\n評量"


def test_a_save_from_the_current_version_is_taken_as_is():
    outcome = reconcile(current_text="a", current_version=3, base_text="a", base_version=3, new_text="b")
    assert outcome.accepted and outcome.text == "b" and not outcome.merged


@dataclass
class Editor:
    name: str
    base_version: int = 0
    base_text: str = ""
    text: str = ""
    inserted: list[str] = field(default_factory=list)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2, max_value=3), st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["open", "edit", "save"]), st.integers(0, 20)),
    min_size=1, max_size=40))
def test_interleaved_saves_of_two_or_three_editors_lose_no_accepted_text(count, steps):
    """Editors open the section, insert lines of their own, and save in any order; a conflict is settled by
    saving the proposal. Every line that was ever accepted is in the final text."""
    versions = ["第一段\n\n第二段\n\n第三段"]
    editors = [Editor(name) for name in ("林", "王", "陳")[:count]]
    accepted: set[str] = set()
    for number, (who, action, where) in enumerate(steps):
        editor = editors[who % count]
        if action == "open":
            editor.base_version, editor.base_text = len(versions) - 1, versions[-1]
            editor.text, editor.inserted = versions[-1], []
        elif action == "edit":
            lines = editor.text.split("\n")
            token = f"{editor.name}-{number}"
            lines.insert(where % (len(lines) + 1), token)
            editor.text = "\n".join(lines)
            editor.inserted.append(token)
        elif editor.inserted:
            outcome = reconcile(current_text=versions[-1], current_version=len(versions) - 1,
                                base_text=editor.base_text, base_version=editor.base_version, new_text=editor.text)
            if not outcome.accepted:  # the editor settles the conflict by keeping the proposal
                assert all(token in outcome.text.split("\n") for token in editor.inserted)
                outcome = reconcile(current_text=versions[-1], current_version=len(versions) - 1,
                                    base_text=versions[-1], base_version=len(versions) - 1, new_text=outcome.text)
            assert outcome.accepted
            versions.append(outcome.text)
            accepted.update(editor.inserted)
            editor.base_version, editor.base_text, editor.text = len(versions) - 1, outcome.text, outcome.text
            editor.inserted = []
    final = set(versions[-1].split("\n"))
    assert accepted <= final, sorted(accepted - final)
