"""The real section saves under random interleavings, property-tested against the database: two or three
editors open a section, change, insert and delete lines of their copy and save in any order; a conflict is
settled by saving the proposal. Nothing an editor saved is lost, revisions count up without gaps, a
conflict stores nothing, and saves to different sections never get in each other's way.

Each example works on a plan of its own, rolled back at its end (the `ctx` fixture empties the tables
only between tests); the community and its members are made once per test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.plans.helpers import make_team
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import PlanSection, SectionRevision

INITIAL = "\n".join(f"第{number}段" for number in range(1, 6))
ACTIONS = ("open", "change", "insert", "insert", "delete", "save", "save")
STEPS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS), st.integers(0, 40)), min_size=1,
                 max_size=30)
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture()
def team(ctx):
    return make_team()


def lines(text: str) -> list[str]:
    return text.split("\n") if text else []


@dataclass
class Editor:
    user: Any
    name: str
    section: PlanSection | None = None
    base_version: int = 0
    base_text: str = ""
    text: str = ""


@dataclass
class Accepted:
    """An accepted save: the lines its editor had seen, and the lines they sent."""

    section_id: int
    seen: set[str]
    sent: set[str]


@dataclass
class Run:
    """A plan's sections under edit, with what the properties need to remember."""

    sections: list[PlanSection]
    accepted: list[Accepted] = field(default_factory=list)
    stored: dict[int, list[str]] = field(default_factory=dict)  # section id -> author of each stored version
    origin: dict[str, int] = field(default_factory=dict)  # a line an editor wrote -> the section it was written in
    conflicts: int = 0
    merges: int = 0

    def open(self, editor: Editor, section: PlanSection) -> None:
        db.session.refresh(section)
        editor.section, editor.base_version, editor.base_text, editor.text = (
            section, section.version, section.body, section.body)

    def edit(self, editor: Editor, action: str, where: int, token: str) -> None:
        current = lines(editor.text)
        if action == "insert" or (action == "change" and not current):
            current.insert(where % (len(current) + 1), token)
            self.origin[token] = editor.section.id
        elif action == "change":
            current[where % len(current)] = token
            self.origin[token] = editor.section.id
        elif current:  # delete
            del current[where % len(current)]
        editor.text = "\n".join(current)

    def revision(self, section: PlanSection, version: int) -> SectionRevision:
        return db.session.scalar(select(SectionRevision).where(SectionRevision.section_id == section.id,
                                                               SectionRevision.version == version))

    def save(self, editor: Editor) -> None:
        section = editor.section
        db.session.refresh(section)
        version, body = section.version, section.body
        me = editor.user.display_name
        others_since = [name for name in self.stored[section.id][editor.base_version:] if name != me]
        added = set(lines(editor.text)) - set(lines(editor.base_text))
        result = services.save_section(section, editor.text, actor=editor.user, base_version=editor.base_version)
        if not others_since:  # nobody else saved this section since the editor opened it: taken as is
            assert result.accepted and not result.outcome.merged, (editor.name, editor.base_version, version)
        if result.accepted:
            if result.outcome.merged:
                self.merges += 1
                assert others_since
                if result.outcome.text != body:  # stored: the editor is told whose saves were merged in
                    assert set(result.theirs_authors) == set(others_since)
            self.settle(editor, section, version, body, added, how="merged" if result.outcome.merged else "saved")
            return
        # (c) a conflict stores nothing; the proposal holds the editor's lines and the text saved meanwhile
        self.conflicts += 1
        assert others_since and set(result.theirs_authors) == set(others_since)
        db.session.refresh(section)
        assert (section.version, section.body) == (version, body)
        assert self.revision(section, version + 1) is None
        assert result.theirs == body
        proposal = result.outcome.text
        assert added <= set(lines(proposal)), sorted(added - set(lines(proposal)))
        for region in result.outcome.conflicts:  # where both changed the same lines, both are proposed
            assert set(region.mine) | set(region.theirs) <= set(lines(proposal))
        editor.base_text = "\n".join(dict.fromkeys(lines(editor.base_text) + lines(body)))  # seen: both texts
        editor.text, editor.base_version = proposal, version
        settled = services.save_section(section, proposal, actor=editor.user, base_version=version,
                                        resolving=True)
        assert settled.accepted and not settled.outcome.merged
        self.settle(editor, section, version, body, added, how="resolved")

    def settle(self, editor: Editor, section: PlanSection, version: int, body: str, added: set[str],
               how: str) -> None:
        """After an accepted save: (a) the stored text keeps every line the editor added."""
        db.session.refresh(section)
        if section.version == version:  # nothing new to store (the text was already there)
            assert section.body == body
        else:
            assert section.version == version + 1
            revision = self.revision(section, section.version)
            assert (revision.body, revision.how, revision.base_version, revision.author_id) == (
                section.body, how, editor.base_version, editor.user.id)
            self.stored[section.id].append(editor.user.display_name)
        if how == "saved":
            assert section.body == editor.text  # taken as sent
        assert added <= set(lines(section.body)), sorted(added - set(lines(section.body)))
        self.accepted.append(Accepted(section.id, set(lines(editor.base_text)), set(lines(editor.text))))
        self.open(editor, section)  # the editor goes on from what was stored

    def check(self) -> None:
        for section in self.sections:
            db.session.refresh(section)
            history = list(db.session.scalars(select(SectionRevision).where(SectionRevision.section_id == section.id)
                                              .order_by(SectionRevision.version)))
            # (b) revisions 1..n without gaps; the section is at n and shows the last revision's text
            assert [revision.version for revision in history] == list(range(1, len(history) + 1))
            assert section.version == len(history) == len(self.stored[section.id])
            assert section.body == history[-1].body
            final = set(lines(section.body))
            # (d) every line written in a section stays in that section
            assert all(self.origin.get(line, section.id) == section.id for line in final)
            # (a) a line once stored is gone only if someone who had seen it sent a text without it
            ever = set().union(*(lines(revision.body) for revision in history))
            for line in ever - final:
                assert any(line in save.seen and line not in save.sent for save in self.accepted
                           if save.section_id == section.id), line


def start(team, count: int) -> tuple[Run, list[Editor]]:
    """A new plan with INITIAL in its first three sections (version 2 each), and `count` editors."""
    doc = services.create_plan(team.community, services.PlanFields(topic="並行編輯", lead_id=team.lead.id),
                               actor=team.lead)
    sections = list(doc.sections[:3])
    run = Run(sections)
    for section in sections:
        services.save_section(section, INITIAL, actor=team.lead, base_version=1)
        run.stored[section.id] = ["", "setup"]  # versions 1 and 2, by nobody the editors know
    people = [(team.lead, "林"), (team.teacher, "王"), (team.member, "張")][:count]
    return run, [Editor(user, name) for user, name in people]


def play(run: Run, editors: list[Editor], steps, choose) -> None:
    for editor in editors:
        run.open(editor, choose(editor, 0))
    for number, (who, action, where) in enumerate(steps):
        editor = editors[who % len(editors)]
        if action == "open":
            run.open(editor, choose(editor, where))
        elif action == "save":
            run.save(editor)
        else:
            run.edit(editor, action, where, f"{editor.name}{number}{'改' if action == 'change' else ''}")
    for editor in editors:  # everyone saves what they still have
        run.save(editor)
    run.check()
    event(f"conflicts: {min(run.conflicts, 3)}")  # shown by --hypothesis-show-statistics
    event(f"merges: {min(run.merges, 3)}")


@SETTINGS
@given(count=st.integers(min_value=2, max_value=3), steps=STEPS)
def test_two_or_three_editors_on_one_section_lose_nothing(team, count, steps):
    run, editors = start(team, count)
    try:
        play(run, editors, steps, lambda editor, where: run.sections[0])
        untouched = run.sections[1:]
        assert all(section.version == 2 and section.body == INITIAL for section in untouched)
    finally:
        db.session.rollback()


@SETTINGS
@given(count=st.integers(min_value=2, max_value=3), steps=STEPS)
def test_editors_on_different_sections_never_conflict(team, count, steps):
    run, editors = start(team, count)
    try:
        play(run, editors, steps, lambda editor, where: run.sections[editors.index(editor)])
        assert run.conflicts == 0 and run.merges == 0  # and each save was stored as sent (Run.settle)
        assert run.sections[2].version == 2 or count == 3
    finally:
        db.session.rollback()


@SETTINGS
@given(steps=STEPS)
def test_three_editors_moving_between_two_sections(team, steps):
    """A save is merged or refused only when someone else saved the same section since it was opened."""
    run, editors = start(team, 3)
    try:
        play(run, editors, steps, lambda editor, where: run.sections[where % 2])
        assert run.sections[2].version == 2
    finally:
        db.session.rollback()
