"""The communities' read module: who was a member during a period, with role, joined and left."""

from __future__ import annotations

import datetime as dt

from tests.factories import add_member, make_community, make_school, make_user
from workspace.communities import records
from workspace.communities.models import Membership
from workspace.core.records import Period
from workspace.extensions import db

SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))  # Taipei: 2026-01-31 16:00 UTC to 2026-06-30 16:00 UTC
UTC = dt.UTC


def at(membership, joined: dt.datetime, left: dt.datetime | None = None) -> None:
    membership.joined_at, membership.left_at = joined, left
    db.session.commit()


def community_membership(community, user):
    return db.session.scalar(db.select(Membership).where(Membership.community_id == community.id,
                                                         Membership.user_id == user.id))


def test_members_during_a_period_keep_those_who_left_in_it_and_drop_those_outside_it(ctx):
    convener = make_user(display_name="陳召集")
    community = make_community(convener)
    at(community_membership(community, convener), dt.datetime(2025, 9, 1, tzinfo=UTC))
    stayed = add_member(community, make_user(display_name="林老師"), role="mentor")
    at(stayed, dt.datetime(2025, 9, 1, tzinfo=UTC))
    left_in = add_member(community, make_user(display_name="王老師"))
    at(left_in, dt.datetime(2025, 9, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC))
    left_before = add_member(community, make_user(display_name="早走"))
    at(left_before, dt.datetime(2025, 9, 1, tzinfo=UTC), dt.datetime(2026, 1, 31, 16, tzinfo=UTC))  # the first moment
    joined_after = add_member(community, make_user(display_name="晚來"))
    at(joined_after, dt.datetime(2026, 6, 30, 16, tzinfo=UTC))  # the first moment after the period
    last_minute = add_member(community, make_user(display_name="最後一刻"))
    at(last_minute, dt.datetime(2026, 6, 30, 15, 59, tzinfo=UTC))

    rows = records.members_during([community.id], SPRING)

    by_name = {row.display_name: row for row in rows}
    assert set(by_name) == {"陳召集", "林老師", "王老師", "最後一刻"}
    assert (by_name["林老師"].role, by_name["陳召集"].role, by_name["王老師"].current) == ("mentor", "convener", False)
    assert by_name["王老師"].left_at == dt.datetime(2026, 4, 1, tzinfo=UTC)
    assert by_name["王老師"].member_at(dt.datetime(2026, 3, 1, tzinfo=UTC))
    assert not by_name["王老師"].member_at(dt.datetime(2026, 5, 1, tzinfo=UTC))
    now = {row.display_name for row in records.current_members([community.id])}
    assert now == {"陳召集", "林老師", "晚來", "最後一刻"}


def test_several_communities_at_once_and_a_bounded_query(ctx, count_queries):
    first, second = make_community(), make_community()
    for community in (first, second):
        for _ in range(5):
            at(add_member(community, make_user()), dt.datetime(2025, 9, 1, tzinfo=UTC))

    ids = [first.id, second.id]
    with count_queries() as queries:
        rows = records.members_during(ids, SPRING)

    assert len(queries) == 1
    assert {row.community_id for row in rows} == {first.id, second.id}
    assert sum(1 for row in rows if row.community_id == first.id) == 5  # the conveners joined today, after spring
    assert [row.community_id for row in rows] == sorted(row.community_id for row in rows)


def test_communities_and_their_schools_in_one_query_each(ctx, count_queries):
    first, second = make_school(name="甲校", class_count=30), make_school(name="乙校")
    community = make_community(make_user(), slug="two-schools", schools=[second, first])
    community.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    community_id = community.id
    with count_queries() as queries:
        rows = records.communities([community_id])
        schools = records.schools_of([community_id])
    assert len(queries) == 2
    assert [(row.slug, row.archived_at is not None) for row in rows] == [("two-schools", True)]
    assert [(school.name, school.class_count) for school in schools] == [("乙校", 20), ("甲校", 30)]


# --- the urban–rural reads: schools with their roles, exchanged teachers, members' titles and subjects -------------


def test_schools_carry_their_role_core_first_and_own_for_other_types(ctx, count_queries):
    from tests.communities.urban_rural import make_partnership
    from tests.factories import make_school

    team = make_partnership(2)
    own_school = make_school(name="AAA 國小")  # sorts first by name: the core still comes first in its community
    plain = make_community(schools=[own_school])
    ids = [team.community.id, plain.id]

    with count_queries() as queries:
        rows = records.schools_of(ids)

    assert len(queries) == 1
    urc = [row for row in rows if row.community_id == team.community.id]
    assert urc[0].school_id == team.core.id and urc[0].role == "core"
    assert {row.school_id: row.role for row in urc[1:]} == {school.id: "member" for school in team.members}
    assert [(row.school_id, row.role) for row in rows if row.community_id == plain.id] == [(own_school.id, "own")]


def test_exchanged_teachers_of_many_communities_in_one_query(ctx, count_queries):
    from tests.communities.urban_rural import make_partnership
    from workspace.communities.services import ExchangedTeacherFields, add_exchanged_teacher

    teams = [make_partnership(1) for _ in range(3)]
    for team in teams:
        member = add_member(team.community, make_user(display_name="帳號名")).user
        add_exchanged_teacher(team.community, ExchangedTeacherFields(
            name="林老師", school_id=team.members[0].id, subject="數學", user_id=member.id, note="每週三"),
            actor=team.convener)
        add_exchanged_teacher(team.community, ExchangedTeacherFields(
            name="陳老師", school_id=team.core.id, subject="語文"), actor=team.convener)
    db.session.commit()
    ids = [team.community.id for team in teams]

    with count_queries() as queries:
        rows = records.exchanged_teachers(ids)

    assert len(queries) == 1
    assert len(rows) == 6 and [row.community_id for row in rows] == sorted(row.community_id for row in rows)
    first = [row for row in rows if row.community_id == teams[0].community.id]
    lin = next(row for row in first if row.name == "林老師")
    assert (lin.school_id, lin.school_name, lin.subject, lin.user_name, lin.note) == (
        teams[0].members[0].id, teams[0].members[0].name, "數學", "帳號名", "每週三")
    assert next(row for row in first if row.name == "陳老師").user_id is None
    assert records.exchanged_teachers([make_community().id]) == []


def test_members_carry_their_title_and_subjects(ctx, count_queries):
    community = make_community()
    mentor = make_user(display_name="林老師", title="intermediate", subjects=["數學", "自然"])
    add_member(community, mentor, role="mentor")
    add_member(community, make_user(display_name="王老師"))
    ids = [community.id]

    with count_queries() as queries:
        rows = {row.display_name: row for row in records.current_members(ids)}

    assert len(queries) == 1
    assert (rows["林老師"].title, rows["林老師"].subjects, rows["林老師"].title_level) == (
        "intermediate", ("數學", "自然"), 2)
    assert (rows["王老師"].title, rows["王老師"].subjects, rows["王老師"].title_level) == ("none", (), 0)
    during = {row.display_name: row for row in records.members_during(
        [community.id], Period(dt.date(2026, 1, 1), dt.date(2040, 12, 31)))}
    assert during["林老師"].subjects == ("數學", "自然")


def test_the_agreement_term_comes_with_the_community(ctx):
    from tests.communities.urban_rural import make_partnership

    team = make_partnership(1)

    [row] = records.communities([team.community.id])

    assert (row.kind, row.agreement_starts_on, row.agreement_ends_on) == (
        "urban_rural", dt.date(2026, 8, 1), dt.date(2028, 7, 31))


def test_the_records_language_is_the_one_most_members_read(ctx):
    """Who chose no language reads the deployment's default (zh_Hant); a tie with it keeps it; departed members and
    other communities do not count."""
    convener = make_user(locale=None)
    community = make_community(convener)
    assert records.records_language(community.id) == "zh_Hant"
    english = [make_user(locale="en") for _ in range(2)]
    for person in english:
        add_member(community, person)
    assert records.records_language(community.id) == "en"  # two English readers, one who chose nothing
    add_member(community, make_user(locale="zh_Hant"))
    assert records.records_language(community.id) == "zh_Hant"  # two and two: the default
    db.session.execute(db.update(Membership).where(Membership.user_id == english[0].id)
                       .values(left_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    add_member(make_community(make_user(locale="en")), make_user(locale="en"))
    assert records.records_language(community.id) == "zh_Hant"
    hans = make_community(make_user(locale="zh_Hans"))
    assert records.records_language(hans.id) == "zh_Hans"
