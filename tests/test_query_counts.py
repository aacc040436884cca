"""Pages run a bounded number of SQL queries whatever the data size (5 versus 200 members)."""

from __future__ import annotations

import itertools

import pytest

from tests.factories import add_member, make_community, make_school, make_user
from tests.measuring import measure
from workspace.auth.services import hash_password
from workspace.communities import services
from workspace.extensions import db

PASSWORD_HASH = None


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure the pages themselves, not the page cache (tests/core/test_cache.py covers that)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


def _fast_users(count: int) -> list:
    """Insert many users at once (sharing one hash) so that the 200-member case stays quick."""
    from workspace.auth.models import User

    global PASSWORD_HASH
    PASSWORD_HASH = PASSWORD_HASH or hash_password("a good long password")
    users = [User(email=f"bulk{next(_numbers)}@school.test", display_name=f"Bulk {i}",
                  password_hash=PASSWORD_HASH) for i in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return users


_numbers = itertools.count()


def _community_with_members(size: int, schools=()):
    convener = make_user()
    community = make_community(convener, schools=list(schools))
    for user in _fast_users(size - 1):
        services.add_member(community, user, "member")
    db.session.commit()
    return convener, community


@pytest.mark.parametrize("path", ["/c/{slug}/", "/c/{slug}/members/"])
def test_community_pages_run_the_same_queries_for_5_and_200_members(client, ctx, count_queries, path):
    school = make_school()
    small_convener, small = _community_with_members(5, [school])
    large_convener, large = _community_with_members(200, [school])
    small_count = measure(client.login(small_convener), count_queries, path.format(slug=small.slug))
    client.logout()
    large_count = measure(client.login(large_convener), count_queries, path.format(slug=large.slug))
    assert small_count == large_count, (small_count, large_count)
    assert small_count <= 13  # the home's next activities are one of them (QA13 #6: 12 before)


def test_community_list_runs_the_same_queries_for_5_and_200_communities(client, ctx, count_queries):
    school = make_school()
    few, many = make_user(), make_user()
    for index in range(5):
        community = make_community(slug=f"few-{index}", schools=[school])
        add_member(community, few)
    for index in range(200):
        community = services.create_community(actor=make_user() if index < 3 else many, name=f"C{index}",
                                              kind="grade", slug=f"many-{index}", school_ids=[school.id])
        services.add_member(community, many, "member")
    db.session.commit()
    few_count = measure(client.login(few), count_queries, "/")
    client.logout()
    many_count = measure(client.login(many), count_queries, "/")
    assert few_count == many_count, (few_count, many_count)
    assert few_count <= 9  # 8, and the next activities across the communities in one (QA13 #6)


def test_the_homes_next_activities_cost_the_same_whatever_the_activities(client, ctx, count_queries):
    """QA13 #6: the community home and My communities show the next activities, each with what it asks of the
    reader (expected, a leave request, one of named people, a pair's own meeting): one query, whatever they are."""
    import datetime as dt

    from tests.activities.helpers import make_club, now_local
    from workspace.activities import services as activities

    club = make_club("next")
    others = [make_community(slug=f"next-{index}") for index in range(3)]
    for community in others:
        add_member(community, club.member)
    client.login(club.member)
    paths = ("/", f"/c/{club.community.slug}/")
    before = [measure(client, count_queries, path) for path in paths]
    soon = now_local(24 * 60)
    for day in range(6):
        activity = club.activity(f"共備 {day}", starts=soon + dt.timedelta(days=day))
        if day == 1:
            activities.request_leave(activity, "校外教學", actor=club.member)
    activities.record_activity(club.community, activities.ActivityFields(
        title="輔導", method="new_teacher_mentoring", starts_at=soon - dt.timedelta(hours=3),
        ends_at=soon - dt.timedelta(hours=2)), actor=club.convener, present=[club.member.id], private=True)
    public = activities.record_activity(club.community, activities.ActivityFields(
        title="公開課", method="observation_feedback", starts_at=soon - dt.timedelta(hours=5),
        ends_at=soon - dt.timedelta(hours=4)), actor=club.convener, present=[club.other.id])
    public.named_only = True
    db.session.commit()
    after = [measure(client, count_queries, path) for path in paths]
    assert after == before, (before, after)
    assert "輔導" in client.get("/").get_data(as_text=True)


def test_review_page_is_bounded(client, ctx, count_queries):
    from tests.factories import make_reviewer

    school = make_school()
    reviewer = make_reviewer(None)
    for index in range(3):
        make_community(slug=f"r-small-{index}", schools=[school])
    small = measure(client.login(reviewer), count_queries, "/review/")
    for _ in range(40):
        _community_with_members(3, [school])
    large = measure(client, count_queries, "/review/")
    assert small == large, (small, large)


def test_budget_page_is_bounded_whatever_the_number_of_expenses(client, ctx, count_queries):
    """Each expense set aside is judged again by the caps as they are now, and each claimable one of a cancelled
    activity is asked about, in the engine: no query per expense."""
    import datetime as dt

    from tests.compliance.helpers import PAST_FIRST, enrolled
    from workspace.activities import services as activities
    from workspace.compliance.services import budget

    setup = enrolled(amount=0)
    convener = setup.club.convener

    def add(count: int, offset: int) -> None:
        for number in range(offset, offset + count):
            day = PAST_FIRST + dt.timedelta(days=number + 1)
            activity = setup.activity(day, photo=False, minutes=False)
            budget.add_expense(setup.enrollment, budget.ExpenseFields(
                "printing_materials", day, 100, persons=None, activity_id=activity.id), convener,
                activity_ids={activity.id})
            budget.add_expense(setup.enrollment, budget.ExpenseFields(
                "internal_speaker_hourly", day, 2_000, hours=2, keep_unclaimable=True), convener)
            activities.cancel_activity(activity, "停課", actor=convener)
        db.session.commit()

    add(1, 0)
    path = f"/c/{setup.slug}/compliance/{setup.enrollment.id}/budget"
    few = measure(client.login(convener), count_queries, path)
    add(12, 1)
    many = measure(client, count_queries, path)
    assert few == many, (few, many)
