"""The resources' read module: the materials communities shared in a period, trash left out."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_community, make_user
from workspace.core.records import Period
from workspace.extensions import db
from workspace.resources import records, services
from workspace.resources.services import ResourceFields

SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))  # Taipei: 2026-01-31 16:00 UTC to 2026-06-30 16:00 UTC
UTC = dt.UTC


def shared(community, author, title: str, at: dt.datetime, **fields):
    resource = services.create_text_resource(
        community, ResourceFields(title=title, kind=fields.pop("kind", "lesson_plan"), **fields), "# 教案",
        actor=author)
    resource.created_at = at
    db.session.commit()
    return resource


def test_resources_shared_in_the_period_with_their_kind_and_versions(ctx):
    author = make_user()
    community = make_community(author)
    first = shared(community, author, "分數的加法", dt.datetime(2026, 1, 31, 16, tzinfo=UTC), subject="數學",
                   grade="五年級")
    services.add_text_version(first, "# 教案 v2", actor=author)
    last = shared(community, author, "最後一刻", dt.datetime(2026, 6, 30, 15, 59, tzinfo=UTC), kind="courseware")
    shared(community, author, "太早", dt.datetime(2026, 1, 31, 15, 59, tzinfo=UTC))
    shared(community, author, "太晚", dt.datetime(2026, 6, 30, 16, tzinfo=UTC))
    trashed = shared(community, author, "丟掉了", dt.datetime(2026, 3, 1, tzinfo=UTC))
    services.trash_resource(trashed, actor=author)
    db.session.commit()

    rows = records.shared_resources([community.id], SPRING)

    assert [row.id for row in rows] == [first.id, last.id]
    assert (rows[0].title, rows[0].kind, rows[0].subject, rows[0].grade, rows[0].versions, rows[0].author_id) == (
        "分數的加法", "lesson_plan", "數學", "五年級", 2, author.id)
    assert (rows[1].kind, rows[1].versions) == ("courseware", 1)


def test_several_communities_at_once_in_one_query(ctx, count_queries):
    def fill(number: int) -> list[int]:
        ids = []
        for _ in range(2):
            author = make_user()
            community = make_community(author)
            for day in range(number):
                shared(community, author, f"教材 {day}", dt.datetime(2026, 3, 1 + day, tzinfo=UTC))
            ids.append(community.id)
        return ids

    small, large = fill(1), fill(6)
    with count_queries() as few:
        records.shared_resources(small, SPRING)
    with count_queries() as many:
        rows = records.shared_resources(large, SPRING)

    assert len(few) == len(many) == 1
    assert len(rows) == 12 and {row.community_id for row in rows} == set(large)
