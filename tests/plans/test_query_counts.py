"""Co-planning pages run a fixed number of queries, whatever the size of the plan (no N+1): the plan page,
an adaptation, the list, a section's history, the plan's history, a diff and a section's comments, each
measured on a small and a large plan (or before and after the data grows)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_user
from tests.measuring import measure
from tests.plans.helpers import Team, make_team
from workspace.activities import services as activities
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import PlanDoc, PlanSection, SectionRevision
from workspace.resources import services as resources

LIMIT = 38  # a page, whatever the size of the plan (the plan page reads sections, counts, links, adaptations …)


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure the pages themselves, not the page cache (tests/core/test_cache.py covers that)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


@pytest.fixture()
def team(ctx):
    return make_team()


def members(team: Team, label: str, count: int) -> list:
    return [add_member(team.community, make_user(display_name=f"{label} 老師 {number}")).user
            for number in range(count)]


def plan_of_size(team: Team, size: int, label: str) -> tuple[PlanDoc, PlanDoc]:
    """A shared plan with `size` teachers (each with an adaptation and a lesson), `size` saves spread over its
    seven sections, `size` comments (replies, some resolved), `size` linked resources and a third as many
    linked activities, people editing; and the teacher's adaptation with `size` lessons and saves of its own.
    Every section is last saved by the lead planner and assigned to the same member, as in a small plan."""
    people = members(team, label, size)
    doc = team.plan(f"{label} 分數", teacher_ids=[team.lead.id, team.teacher.id, *(person.id for person in people)])
    sections = list(doc.sections)
    adaptation = services.adapt(doc, actor=team.teacher)
    for number in range(size):
        section = sections[number % len(sections)]
        author = people[number]
        services.save_section(section, f"第 {number} 版\n{label}", actor=author, base_version=section.version)
    for section in sections:
        services.save_section(section, f"定稿 {section.position}\n{label}", actor=team.lead,
                              base_version=section.version)
        services.assign_section(section, team.member.id, actor=team.lead)
    for number, person in enumerate(people):
        section = sections[number % len(sections)]
        comment = services.add_comment(section, f"意見 {number}", actor=person)
        if number % 2:
            services.add_comment(section, "回覆", actor=team.lead, parent=comment)
        if number % 3 == 0:
            services.set_resolved(comment, True, actor=team.lead)
        copy = services.adapt(doc, actor=person)
        services.record_lesson(copy, taught_on=dt.date(2026, 12, 1) + dt.timedelta(days=number),
                               class_name=f"五年{number}班", reflection=f"反思 **{number}**", actor=person)
        services.touch_section(section, person)
    starts = dt.datetime(2026, 12, 2, 14, 0)
    for number in range(size):
        resource = resources.create_text_resource(team.community, resources.ResourceFields(
            title=f"{label} 學習單 {number}", kind="courseware"), "內容", actor=team.lead)
        services.link_target(doc, "resource", resource.id, actor=team.lead)
        if number % 3 == 0:
            activity = activities.create_activity(team.community, activities.ActivityFields(
                title=f"{label} 觀課 {number}", method="collaborative_planning", starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2)), actor=team.convener)
            services.link_target(doc, "activity", activity.id, "observation", actor=team.lead)
    # The teacher's own copy: saves of its own, the shared plan changed since the copy, lessons taught.
    for section in list(adaptation.sections)[:3]:
        services.save_section(section, f"我的版本 {section.position}", actor=team.teacher,
                              base_version=section.version)
    for number in range(size):
        services.record_lesson(adaptation, taught_on=dt.date(2026, 12, 1) + dt.timedelta(days=number),
                               class_name=f"五年{number}班", reflection=f"反思 {number}", actor=team.teacher)
        services.add_comment(adaptation.sections[number % 7], f"自己的筆記 {number}", actor=team.teacher)
    services.link_target(adaptation, "resource", resource.id, actor=team.teacher)
    db.session.commit()
    return doc, adaptation


HX = {"HX-Request": "true"}


def plan_pages(team: Team, doc: PlanDoc, adaptation: PlanDoc) -> list[tuple[object, str, dict]]:
    """(reader, path, headers): the plan as its lead planner (with the assignment form) and as a member, a
    section's comments, the print view, the section fragment and the presence poll (htmx; also bringing every
    section in, as after saves), the adaptation as its teacher (the lesson form, the shared plan's changes) and
    its poll bringing every section in."""
    base = f"/c/team/plans/{doc.id}"
    section = doc.sections[0]
    return [(team.lead, base, {}), (team.member, base, {}),
            (team.lead, f"{base}/sections/{section.id}/comments", {}), (team.lead, f"{base}/print", {}),
            (team.lead, f"{base}/sections/{section.id}", HX), (team.lead, f"{base}/editing", HX),
            (team.lead, f"{base}/editing?shown=" + ",".join(f"{item.id}:0" for item in doc.sections), HX),
            (team.teacher, f"/c/team/plans/{adaptation.id}", {}),
            (team.teacher, f"/c/team/plans/{adaptation.id}/editing?shown="
             + ",".join(f"{item.id}:0" for item in adaptation.sections), HX),
            (team.teacher, f"/c/team/plans/{adaptation.id}/sections/{adaptation.sections[0].id}/comments", {})]


def test_a_plan_and_an_adaptation_do_not_grow_with_comments_adaptations_reflections_and_links(
        client, team, count_queries):
    def counts(doc: PlanDoc, adaptation: PlanDoc) -> list[int]:
        measured = []
        for reader, path, headers in plan_pages(team, doc, adaptation):
            client.login(reader)
            measured.append(measure(client, count_queries, path, headers=headers))
        return measured

    small = counts(*plan_of_size(team, 3, "小"))
    big = counts(*plan_of_size(team, 30, "大"))
    assert big == small, (small, big)
    assert max(big) <= LIMIT, big


def test_the_plan_page_does_not_grow_with_the_people_who_saved_and_were_assigned_the_sections(
        client, team, count_queries):
    """Each section shows who it is assigned to and who saved it last: loaded with the sections, not one by one."""

    def plan_by(people: list) -> int:
        doc = team.plan(f"由 {len(people)} 人寫", teacher_ids=[team.lead.id])
        for number, section in enumerate(doc.sections):
            person = people[number % len(people)]
            services.save_section(section, f"第 {number} 節", actor=person, base_version=1)
            services.assign_section(section, person.id, actor=team.lead)
        db.session.commit()
        return measure(client, count_queries, f"/c/team/plans/{doc.id}")

    client.login(team.member)  # not the lead planner: the page does not load every member for the assign form
    one = plan_by([team.member])
    seven = plan_by(members(team, "七", 7))
    assert seven == one, (one, seven)


def grow_plans(team: Team, count: int, start: int) -> None:
    """`count` shared plans, each commented on; every third adapted (with a lesson) and every fifth trashed."""
    for number in range(start, start + count):
        doc = team.plan(f"第 {number} 課", teacher_ids=[team.lead.id, team.teacher.id])
        services.add_comment(doc.sections[number % 7], f"意見 {number}", actor=team.member)
        if number % 3 == 0:
            copy = services.adapt(doc, actor=team.teacher)
            services.record_lesson(copy, taught_on=dt.date(2026, 12, 1), class_name="五年二班", reflection="好",
                                   actor=team.teacher)
        if number % 5 == 0:
            services.trash_plan(doc, actor=team.lead)
    db.session.commit()


def test_the_plans_list_does_not_grow_with_the_plans(client, team, count_queries):
    pages = ("/c/team/plans/", "/c/team/plans/?mine=1", "/c/team/plans/?status=draft", "/c/team/plans/?trash=1")
    grow_plans(team, 3, 0)
    client.login(team.teacher)  # the teacher also sees their own adaptations above the list
    small = [measure(client, count_queries, path) for path in pages]
    grow_plans(team, 57, 3)  # 60 plans: three pages, a full trash page
    big = [measure(client, count_queries, path) for path in pages]
    assert big == small, (small, big)
    assert max(big) <= LIMIT, big
    # a later page reads what the first does (with 3 plans it did not exist: past the last page is 404)
    assert measure(client, count_queries, "/c/team/plans/?page=2") == big[0]


def add_revisions(doc: PlanDoc, count: int, authors: list) -> None:
    """`count` more saves spread over the plan's sections, by turns of `authors` (rows as save_section writes
    them, without the search reindex of each one: the history pages read only these rows)."""
    sections = list(doc.sections)
    now = utcnow()
    for number in range(count):
        section = sections[0] if number % 2 == 0 else sections[number % len(sections)]
        version = section.version + 1
        body = f"第 {version} 版\n第二行 {number}"
        db.session.add(SectionRevision(section_id=section.id, doc_id=doc.id, version=version, body=body,
                                       author_id=authors[number % len(authors)].id, base_version=version - 1,
                                       how="merged" if number % 7 == 0 else "saved",
                                       created_at=now + dt.timedelta(seconds=number)))
        section.version, section.body = version, body
    db.session.commit()


def test_history_and_diff_pages_do_not_grow_with_the_revisions(client, team, count_queries):
    doc = team.plan()
    section = doc.sections[0]
    authors = [team.lead, team.teacher, team.member, *members(team, "多", 27)]
    add_revisions(doc, 5, authors)
    client.login(team.member)

    def pages() -> list[str]:
        db.session.expire_all()
        latest = db.session.scalar(select(PlanSection.version).where(PlanSection.id == section.id))
        base = f"/c/team/plans/{doc.id}"
        return [f"{base}/sections/{section.id}/history", f"{base}/history", f"{base}/sections/{section.id}/diff",
                f"{base}/sections/{section.id}/diff?from=1&to={latest}"]

    small = [measure(client, count_queries, path) for path in pages()]
    add_revisions(doc, 295, authors)  # 300: six pages of the plan's history, three of the section's
    big = [measure(client, count_queries, path) for path in pages()]
    assert big == small, (small, big)
    # a later page reads what the first does (with 5 revisions it did not exist: past the last page is 404)
    assert measure(client, count_queries, f"/c/team/plans/{doc.id}/history?page=2") == big[1]
    assert max(big) <= LIMIT, big
