"""The one link table (core/links.py): links both ways, batched reads, records that no longer show, purges."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.plans.helpers import make_team
from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.core import links
from workspace.core.links import Link
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.resources import services as resources
from workspace.resources.models import Resource


@pytest.fixture()
def team(ctx):
    return make_team()


def _resource(team, title: str) -> Resource:
    return resources.create_text_resource(team.community, resources.ResourceFields(title=title, kind="courseware"),
                                          "內容", actor=team.lead)


def _activity(team, title: str, days: int = 0) -> Activity:
    starts = dt.datetime(2026, 12, 2, 14, 0) + dt.timedelta(days=days)
    return activities.create_activity(team.community, activities.ActivityFields(
        title=title, method="collaborative_planning", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)),
        actor=team.convener)


def test_a_link_is_read_from_both_ends_and_made_once(team):
    meeting, sheet = _activity(team, "備課"), _resource(team, "學習單")
    first = links.add_link(meeting, sheet, "output", actor=team.convener)
    again = links.add_link(meeting, sheet, "output", actor=team.convener)
    other_role = links.add_link(meeting, sheet, "used", actor=team.convener)
    db.session.commit()

    assert again.id == first.id and other_role.id != first.id
    assert (first.from_type, first.from_id, first.to_type, first.to_id, first.created_by_id) == (
        "activity", meeting.id, "resource", sheet.id, team.convener.id)
    assert [link.id for link in links.links_from(meeting)] == [first.id, other_role.id]
    assert [link.id for link in links.links_from(meeting, roles=("output",))] == [first.id]
    assert [link.id for link in links.links_to(sheet, from_kind="activity")] == [first.id, other_role.id]
    assert links.links_to(sheet, from_kind="plan") == []
    assert [record.id for _link, record in links.resolve(links.links_to(sheet), end="from")] == [meeting.id] * 2

    links.remove_link(first)
    db.session.commit()
    assert [link.role for link in links.links_from(meeting)] == ["used"]


def test_links_of_a_list_of_records_are_read_in_one_query_and_resolved_in_one_per_kind(team, count_queries):
    meetings = [_activity(team, f"備課 {number}", days=number) for number in range(5)]
    sheets = [_resource(team, f"學習單 {number}") for number in range(5)]
    doc = team.plan()
    for meeting, sheet in zip(meetings, sheets, strict=True):
        links.add_link(meeting, sheet, "output")
        links.add_link(doc, sheet, "attachment")
        links.add_link(doc, meeting, "meeting")
    db.session.commit()
    expected = {meeting.id: [sheet.id] for meeting, sheet in zip(meetings, sheets, strict=True)}
    db.session.expire_all()

    with count_queries() as queries:
        found = links.links_from_many("activity", list(expected))
    assert len(queries) == 1
    assert {meeting_id: [link.to_id for link in found_links] for meeting_id, found_links in found.items()} == expected

    doc_links = links.links_from(doc)
    with count_queries() as queries:
        resolved = links.resolve(doc_links)
    assert len(queries) == 2  # the resources, the activities
    assert len(resolved) == 10


def test_a_record_in_the_trash_is_left_out_and_comes_back_with_its_links(team):
    doc, sheet = team.plan(), _resource(team, "學習單")
    plans.link_target(doc, "resource", sheet.id, actor=team.lead)
    resources.trash_resource(sheet, actor=team.lead)
    db.session.commit()
    assert plans.links_of(doc) == []
    resources.restore_resource(sheet, actor=team.lead)
    db.session.commit()
    assert [item.target.id for item in plans.links_of(doc)] == [sheet.id]


def test_purging_a_record_for_good_removes_its_links_both_ways(team):
    doc, meeting = team.plan(), _activity(team, "備課")
    sheet, kept = _resource(team, "學習單"), _resource(team, "簡報")
    plans.link_target(doc, "resource", sheet.id, actor=team.lead)
    plans.link_target(doc, "resource", kept.id, actor=team.lead)
    activities.link_resource(meeting, sheet, actor=team.convener)
    links.add_link(sheet, kept, "see_also")
    db.session.commit()

    resources.trash_resource(sheet, actor=team.lead)
    resources.purge_resource(sheet, actor=team.convener)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Link)) == 1
    assert [item.target.id for item in plans.links_of(doc)] == [kept.id]
    assert activities.linked_resources(meeting) == []


def test_a_kind_is_one_model(app):
    with pytest.raises(ValueError):
        links.register_kind("resource", Activity)
    with pytest.raises(LookupError):
        links.kind_of(object())
