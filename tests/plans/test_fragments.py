"""A shared plan's sections are cached fragments: a save, an assignment or a final plan draws them anew."""

from __future__ import annotations

import re

import pytest

from tests.plans.helpers import make_team
from workspace.extensions import db
from workspace.plans import services


@pytest.fixture()
def team(ctx):
    return make_team()


def _section_html(page: str, section_id: int) -> str:
    match = re.search(rf'<section class="plan-section card[^"]*" id="section-{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_a_save_an_assignment_and_a_final_plan_each_redraw_the_section(team, client):
    doc = team.plan()
    section = doc.sections[0]
    path = f"/c/team/plans/{doc.id}"
    client.login(team.lead)
    first = _section_html(client.get(path).get_data(as_text=True), section.id)
    assert f"/sections/{section.id}/edit" in first and "Version 1" in first

    services.save_section(section, "新的學習目標：通分", actor=team.teacher, base_version=section.version)
    db.session.commit()
    saved = _section_html(client.get(path).get_data(as_text=True), section.id)
    assert "新的學習目標：通分" in saved and "Version 2" in saved and "王老師" in saved

    services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.commit()
    assigned = _section_html(client.get(path).get_data(as_text=True), section.id)
    assert 'Assigned to <span lang="zh-Hant">王老師</span>' in assigned

    services.set_status(doc, "final", actor=team.lead)
    db.session.commit()
    final = _section_html(client.get(path).get_data(as_text=True), section.id)
    assert f"/sections/{section.id}/edit" not in final and "新的學習目標：通分" in final


def test_each_readers_page_carries_their_own_token_in_the_sections_forms(team, make_client):
    doc = team.plan()
    path = f"/c/team/plans/{doc.id}"
    for person in (team.lead, team.teacher):
        page = make_client().login(person).get(path).get_data(as_text=True)
        own = re.search(r'id="csrf-token" data-token="([^"]+)"', page).group(1)
        assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {own}
