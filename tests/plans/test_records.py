"""The plans' read module: plans of a period with their status, lessons taught and reflections, trash left out."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_community, make_user
from workspace.core.records import Period
from workspace.extensions import db
from workspace.plans import records
from workspace.plans.models import LessonTaught, PlanDoc

SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))  # Taipei: 2026-01-31 16:00 UTC to 2026-06-30 16:00 UTC
UTC = dt.UTC


def plan(community, topic: str, made: dt.datetime, *lessons: tuple[dt.date, str], **fields) -> PlanDoc:
    doc = PlanDoc(community_id=community.id, topic=topic, created_at=made, updated_at=made, **fields)
    db.session.add(doc)
    db.session.flush()
    for taught_on, reflection in lessons:
        db.session.add(LessonTaught(doc_id=doc.id, taught_on=taught_on, class_name="五年二班", reflection=reflection))
    db.session.commit()
    return doc


def test_plans_made_or_taught_in_the_period_with_lessons_and_reflections(ctx):
    community = make_community(make_user())
    made = plan(community, "分數的加法", dt.datetime(2026, 1, 31, 16, tzinfo=UTC), status="final", subject="數學")
    taught = plan(community, "去年的教案", dt.datetime(2025, 10, 1, tzinfo=UTC),
                  (dt.date(2026, 2, 1), "學生很投入"), (dt.date(2026, 6, 30), "  "), (dt.date(2026, 7, 1), "暑假"))
    plan(community, "太早", dt.datetime(2026, 1, 31, 15, 59, tzinfo=UTC), (dt.date(2026, 1, 31), "前一天"))
    plan(community, "丟掉了", dt.datetime(2026, 3, 1, tzinfo=UTC), (dt.date(2026, 3, 2), "反思"),
         deleted_at=dt.datetime(2026, 3, 3, tzinfo=UTC))

    rows = records.plans([community.id], SPRING)

    assert [row.id for row in rows] == [taught.id, made.id]
    by_id = {row.id: row for row in rows}
    assert (by_id[made.id].status, by_id[made.id].subject, by_id[made.id].lessons) == ("final", "數學", 0)
    assert (by_id[taught.id].status, by_id[taught.id].lessons, by_id[taught.id].reflections) == ("draft", 2, 1)
    lessons = records.lessons_taught([community.id], SPRING)
    assert [(lesson.plan_id, lesson.taught_on, lesson.has_reflection) for lesson in lessons] == [
        (taught.id, dt.date(2026, 2, 1), True), (taught.id, dt.date(2026, 6, 30), False)]


def test_several_communities_at_once_in_a_fixed_number_of_queries(ctx, count_queries):
    def fill(number: int) -> list[int]:
        ids = []
        for _ in range(2):
            community = make_community(make_user())
            for day in range(number):
                plan(community, f"教案 {day}", dt.datetime(2026, 3, 1 + day, tzinfo=UTC), (dt.date(2026, 4, 1), "好"))
            ids.append(community.id)
        return ids

    small, large = fill(1), fill(6)
    with count_queries() as few:
        records.plans(small, SPRING)
    with count_queries() as many:
        rows = records.plans(large, SPRING)

    assert len(few) == len(many) == 2
    assert len(rows) == 12 and {row.community_id for row in rows} == set(large)
    assert all((row.lessons, row.reflections) == (1, 1) for row in rows)


def test_an_adaptation_goes_with_its_shared_plan_to_the_trash(ctx):
    """QA: trashing a shared plan put a teacher's adaptation into the results report's materials in its place."""
    community = make_community(make_user())
    made = dt.datetime(2026, 3, 1, tzinfo=UTC)
    shared = plan(community, "分數的加減", made, status="final")
    adaptation = plan(community, "分數的加減", made, status="final", kind="adaptation", parent_id=shared.id)
    assert [row.id for row in records.plans([community.id], SPRING)] == [shared.id, adaptation.id]
    shared.deleted_at = dt.datetime(2026, 3, 5, tzinfo=UTC)
    db.session.commit()
    assert records.plans([community.id], SPRING) == []
    shared.deleted_at = None
    db.session.commit()
    assert [row.id for row in records.plans([community.id], SPRING)] == [shared.id, adaptation.id]
