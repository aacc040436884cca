"""A person who leaves a community and comes back: each stint is a row of its own, so the first stays on record.

A report of a past period must not change because someone rejoined today; between the stints the person was not a
member; now they are one member, once, with the role they came back with.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.activities.helpers import make_club
from workspace.activities import records as activity_records
from workspace.activities import services as activities
from workspace.communities import records, services
from workspace.communities.models import Membership
from workspace.core.permissions import can
from workspace.core.records import Period
from workspace.extensions import db

UTC = dt.UTC
SPRING = Period(dt.date(2026, 2, 1), dt.date(2026, 6, 30))
YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
AFTER = dt.datetime(2027, 6, 1, tzinfo=UTC)


def rows_of(community, user) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == user.id).order_by(Membership.joined_at)))


def first_stint(club, *, joined=dt.datetime(2026, 1, 5, tzinfo=UTC), left=dt.datetime(2026, 5, 1, tzinfo=UTC)):
    """Everyone a member since 2025; 王老師 (club.other) from `joined` to `left`."""
    for membership in db.session.scalars(select(Membership).where(Membership.community_id == club.community.id)):
        membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=UTC)
    membership = rows_of(club.community, club.other)[0]
    membership.joined_at, membership.left_at = joined, left
    db.session.commit()
    return membership


def rejoin(club, role: str = "member", joined: dt.datetime | None = None) -> Membership:
    membership = services.add_member(club.community, club.other, role)
    if joined is not None:
        membership.joined_at = joined
    db.session.commit()
    return membership


@pytest.fixture()
def club(ctx):
    return make_club("stints")


def test_a_rejoin_makes_a_new_row_and_the_first_stint_keeps_its_dates(club):
    first = first_stint(club)
    again = rejoin(club, "co_convener")
    assert again.id != first.id and again.live and again.role == "co_convener"
    db.session.refresh(first)
    assert (first.joined_at, first.left_at) == (dt.datetime(2026, 1, 5, tzinfo=UTC),
                                                dt.datetime(2026, 5, 1, tzinfo=UTC))
    assert [row.id for row in rows_of(club.community, club.other)] == [first.id, again.id]
    # a live member added again keeps their place: no third row
    assert services.add_member(club.community, club.other, "member").id == again.id
    assert len(rows_of(club.community, club.other)) == 2


def test_one_who_comes_back_keeps_the_teacher_evaluation_flag_of_their_last_stint(club):
    """QA: the flag fell to No on a rejoin, and the rule "two members in the programme" turned behind silently."""
    first = first_stint(club)
    first.in_evaluation_programme = True
    db.session.commit()
    assert rejoin(club).in_evaluation_programme is True
    services.leave_community(services.membership_for(club.community, club.other), actor=club.other)
    db.session.commit()
    latest = services.membership_for(club.community, club.other)
    assert latest is None
    rows = rows_of(club.community, club.other)
    rows[-1].in_evaluation_programme = False  # untick before leaving: the next stint starts at No
    db.session.commit()
    assert rejoin(club).in_evaluation_programme is False


def test_leaving_again_ends_only_the_live_row(club):
    first = first_stint(club)
    again = rejoin(club)
    services.leave_community(again, actor=club.other)
    db.session.commit()
    db.session.refresh(first)
    assert first.left_at == dt.datetime(2026, 5, 1, tzinfo=UTC)
    assert again.left_at is not None and again.left_at > again.joined_at
    assert services.membership_for(club.community, club.other) is None


def test_the_database_refuses_a_second_live_row(club):
    db.session.add(Membership(community_id=club.community.id, user_id=club.other.id, role="member"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_past_period_reads_the_same_after_a_rejoin(club):
    held = club.activity("在的時候", starts=dt.datetime(2026, 3, 4, 14))
    gone = club.activity("離開以後", starts=dt.datetime(2026, 6, 3, 14))
    activities.set_attendance(held, {club.other.id: "present", club.member.id: "present"}, actor=club.convener,
                              now=held.starts_at)
    activities.set_attendance(gone, {club.member.id: "present"}, actor=club.convener, now=gone.starts_at)
    first_stint(club)
    before = (records.members_during([club.community.id], SPRING),
              activity_records.participation([club.community.id], SPRING, now=AFTER))

    rejoin(club)

    after = (records.members_during([club.community.id], SPRING),
             activity_records.participation([club.community.id], SPRING, now=AFTER))
    assert after == before
    members, report = after
    other = next(row for row in members if row.user_id == club.other.id)
    assert other.left_at == dt.datetime(2026, 5, 1, tzinfo=UTC) and not other.current
    rows = {row.activity.id: row for row in report.activities}
    assert (rows[held.id].members, rows[gone.id].members) == (3, 2)
    assert next(row for row in report.members if row.user_id == club.other.id).rate == 1.0


def test_the_gap_between_stints_is_not_membership_and_a_person_is_counted_once(club):
    held = club.activity("第一段", starts=dt.datetime(2026, 3, 4, 14))
    gap = club.activity("空檔", starts=dt.datetime(2026, 6, 3, 14))
    back = club.activity("回來以後", starts=dt.datetime(2026, 10, 7, 14))
    for activity in (held, gap, back):
        activities.set_attendance(activity, {club.member.id: "present"}, actor=club.convener, now=activity.starts_at)
    activities.set_attendance(back, {club.other.id: "present"}, actor=club.convener, now=back.starts_at)
    first_stint(club)
    rejoin(club, joined=dt.datetime(2026, 9, 1, tzinfo=UTC))

    members = records.members_during([club.community.id], YEAR)
    assert sorted(row.display_name for row in members) == ["林老師", "王老師", "陳召集"]
    other = next(row for row in members if row.user_id == club.other.id)
    assert other.current and other.joined_at == dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert len(other.stints) == 2
    assert other.member_at(dt.datetime(2026, 3, 1, tzinfo=UTC))
    assert not other.member_at(dt.datetime(2026, 7, 1, tzinfo=UTC))
    assert other.member_at(dt.datetime(2026, 10, 1, tzinfo=UTC))
    assert [row.user_id for row in records.current_members([club.community.id])].count(club.other.id) == 1

    report = activity_records.participation([club.community.id], YEAR, now=AFTER)
    rows = {row.activity.id: row for row in report.activities}
    assert (rows[held.id].members, rows[gap.id].members, rows[back.id].members) == (3, 2, 3)
    mine = [row for row in report.members if row.user_id == club.other.id]
    assert len(mine) == 1 and (mine[0].attended, mine[0].held) == (1, 2)


def test_the_compliance_facts_count_the_person_once_and_only_in_their_stints(club):
    from workspace.compliance.engine.membership import member_on
    from workspace.compliance.gather import _gather_period

    first_stint(club)
    rejoin(club, joined=dt.datetime(2026, 9, 1, tzinfo=UTC))
    facts = _gather_period([club.community.id], YEAR, AFTER)[club.community.id]
    mine = [member for member in facts.members if member.user_id == club.other.id]
    assert len(mine) == 1
    assert member_on(mine[0], dt.date(2026, 3, 1)) and member_on(mine[0], dt.date(2026, 10, 1))
    assert not member_on(mine[0], dt.date(2026, 7, 1))


def test_the_rejoined_person_is_a_member_once_with_their_new_role(club, client):
    first = first_stint(club)
    first.role = "co_convener"
    db.session.commit()
    rejoin(club, "member")
    assert can(club.other, "read_material", club.community)
    assert not can(club.other, "manage_activities", club.community)
    assert [card.member_count for card in services.communities_of(club.other)] == [3]
    assert [member.user_id for member in services.active_members(club.community)].count(club.other.id) == 1

    client.login(club.other)
    assert client.get(f"/c/{club.community.slug}/discussions/").status_code == 200
    client.logout().login(club.member)  # the page's header names the reader: a colleague reads it
    page = client.get(f"/c/{club.community.slug}/members/").get_data(as_text=True)
    assert page.count("王老師") == 1


def test_the_members_page_says_when_someone_who_came_back_was_a_member_before(club, client):
    first_stint(club)
    rejoin(club)
    client.login(club.convener)
    page = client.get(f"/c/{club.community.slug}/members/").get_data(as_text=True)
    row = page[page.index(f'id="member-{services.membership_for(club.community, club.other).id}"'):]
    row = row[:row.index("</tr>")]
    assert "Earlier: joined Jan 5, 2026, left May 1, 2026" in row
    assert "Earlier" not in page.replace(row, "")  # nobody else came back
