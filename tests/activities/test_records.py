"""The activities' read module: activities, attendance, participation and feedback of communities in a period."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest

from tests.activities.helpers import make_club
from workspace.activities import records, services
from workspace.activities.models import Evidence, Feedback
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.models import Blob
from workspace.core.records import Period, local_midnight
from workspace.extensions import db

YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
AFTER = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)  # "now": everything of 2026 has been held


def evidence(activity, kind: str, *, removed: bool = False) -> None:
    blob = Blob(sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(), size=1, media_type="image/png")
    db.session.add(blob)
    db.session.flush()
    db.session.add(Evidence(activity_id=activity.id, blob_id=blob.id, kind=kind, filename=f"{kind}.png",
                            media_type="image/png", size=1, deleted_at=utcnow() if removed else None))
    db.session.commit()


def joined_long_ago(club) -> None:
    """Everyone of the club a member since 2025 (the factories make them members today)."""
    for membership in db.session.scalars(db.select(Membership).where(Membership.community_id == club.community.id)):
        membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    db.session.commit()


@pytest.fixture()
def club(ctx):
    return make_club("records")


def test_activities_of_the_period_carry_their_method_mode_hours_minutes_and_evidence(club):
    observed = club.activity("觀課", starts=dt.datetime(2026, 3, 4, 14), hours=1.5, method="observation_feedback",
                             mode="online")
    services.save_minutes(observed, "## 討論\n學生的提問", "", actor=club.convener,
                          base_version=observed.minutes_version)
    evidence(observed, "photo")
    evidence(observed, "photo")
    evidence(observed, "video")
    evidence(observed, "document")
    evidence(observed, "photo", removed=True)  # put aside: not evidence
    plain = club.activity("讀書會", starts=dt.datetime(2026, 5, 6, 14))
    db.session.commit()

    rows = records.activities([club.community.id], YEAR, now=AFTER)

    assert [row.id for row in rows] == [observed.id, plain.id]
    first = rows[0]
    assert (first.method, first.mode, first.hours, first.status, first.has_minutes) == (
        "observation_feedback", "online", 1.5, "held", True)
    assert (first.photos, first.videos, first.documents, first.sheets) == (2, 1, 1, 0)
    assert (rows[1].has_minutes, rows[1].photos) == (False, 0)


def test_cancelled_activities_count_for_nothing(club):
    kept = club.activity("照常", starts=dt.datetime(2026, 3, 4, 14))
    dropped = club.activity("取消", starts=dt.datetime(2026, 3, 11, 14))
    services.set_attendance(dropped, {club.member.id: "present"}, actor=club.convener, now=dropped.starts_at)
    services.cancel_activity(dropped, "颱風", actor=club.convener)
    db.session.commit()

    assert [row.id for row in records.activities([club.community.id], YEAR, now=AFTER)] == [kept.id]
    assert records.attendance([club.community.id], YEAR, now=AFTER) == []
    assert [row.activity.id for row in records.participation([club.community.id], YEAR, now=AFTER).activities] == [
        kept.id]


def test_speakers_of_the_period_in_the_order_of_their_activities(club):
    later = club.activity("專題講座", starts=dt.datetime(2026, 5, 6, 14), speakers=[
        services.SpeakerFields(name="張教授", affiliation="師範大學", external=True, hours="2", topic="差異化教學"),
        services.SpeakerFields(name="林老師", hours="1", topic="課堂實例")])
    earlier = club.activity("讀書會", starts=dt.datetime(2026, 3, 4, 14), speakers=[
        services.SpeakerFields(name="王老師", hours="1.5")])
    dropped = club.activity("取消", starts=dt.datetime(2026, 4, 1, 14), speakers=[services.SpeakerFields(name="不來")])
    club.activity("明年", starts=dt.datetime(2027, 3, 1, 14), speakers=[services.SpeakerFields(name="明年的講者")])
    services.cancel_activity(dropped, "颱風", actor=club.convener)
    db.session.commit()

    found = records.speakers([club.community.id], YEAR)

    assert [(row.activity_id, row.name) for row in found] == [
        (earlier.id, "王老師"), (later.id, "張教授"), (later.id, "林老師")]
    assert found[1] == records.SpeakerRecord(later.id, "張教授", "師範大學", True, "差異化教學", 2.0)
    assert found[0].hours == 1.5 and not found[0].external


def test_an_activity_counts_in_the_period_its_start_falls_in_local_days_both_included(club):
    first_minute = club.activity("元旦", starts=dt.datetime(2026, 1, 1, 0, 0))
    last_minute = club.activity("除夕", starts=dt.datetime(2026, 12, 31, 23, 30), hours=1)  # ends next year
    club.activity("前一天", starts=dt.datetime(2025, 12, 31, 23, 59), hours=1)
    club.activity("隔年", starts=dt.datetime(2027, 1, 1, 0, 0))

    rows = records.activities([club.community.id], YEAR, now=AFTER)

    assert [row.id for row in rows] == [first_minute.id, last_minute.id]
    assert YEAR.starts_at == local_midnight(dt.date(2026, 1, 1)) == dt.datetime(2025, 12, 31, 16, tzinfo=dt.UTC)
    assert YEAR.ends_at == dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC)  # Taipei is UTC+8


def test_held_means_ended_by_now(club):
    past = club.activity("已舉行", starts=dt.datetime(2026, 3, 4, 14), hours=2)
    club.activity("還沒到", starts=dt.datetime(2026, 3, 25, 14), hours=2)
    now = past.ends_at + dt.timedelta(days=1)

    assert [row.status for row in records.activities([club.community.id], YEAR, now=now)] == ["held", "scheduled"]
    assert [row.id for row in records.held_activities([club.community.id], YEAR, now=now)] == [past.id]


def test_attendance_and_participation_per_member_and_activity(club):
    one = club.activity("一", starts=dt.datetime(2026, 3, 4, 14), hours=2)
    two = club.activity("二", starts=dt.datetime(2026, 4, 1, 14), hours=1)
    services.set_attendance(one, {club.member.id: "present", club.other.id: "late", club.convener.id: "absent"},
                            actor=club.convener, now=one.starts_at)
    services.set_attendance(two, {club.member.id: "excused", club.other.id: "left_early"},
                            actor=club.convener, now=two.starts_at)
    db.session.commit()

    marks = records.attendance([club.community.id], YEAR, now=AFTER)
    assert {(mark.activity_id, mark.user_id, mark.status, mark.attended) for mark in marks} == {
        (one.id, club.member.id, "present", True), (one.id, club.other.id, "late", True),
        (one.id, club.convener.id, "absent", False), (two.id, club.member.id, "excused", False),
        (two.id, club.other.id, "left_early", True)}

    report = records.participation([club.community.id], YEAR, now=AFTER)
    by_name = {row.display_name: row for row in report.members}
    assert (by_name["王老師"].attended, by_name["王老師"].held, by_name["王老師"].hours, by_name["王老師"].rate) == (
        2, 2, 3.0, 1.0)
    assert (by_name["林老師"].attended, by_name["林老師"].rate) == (1, 0.5)
    assert by_name["陳召集"].role == "convener" and by_name["陳召集"].rate == 0
    first = report.activities[0]
    assert (first.attended, first.members, first.statuses) == (2, 3, (("present", 1), ("late", 1), ("absent", 1)))
    assert report.hours_by_method == (("collaborative_planning", 3.0),)


def test_a_member_who_left_counts_for_the_time_they_were_one(club):
    before = club.activity("在的時候", starts=dt.datetime(2026, 3, 4, 14))
    after = club.activity("離開以後", starts=dt.datetime(2026, 6, 3, 14))
    services.set_attendance(before, {club.other.id: "present"}, actor=club.convener, now=before.starts_at)
    joined_long_ago(club)
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == club.other.id))
    membership.joined_at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    membership.left_at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    db.session.commit()

    report = records.participation([club.community.id], YEAR, now=AFTER)

    left = next(row for row in report.members if row.user_id == club.other.id)
    assert (left.attended, left.held) == (1, 1)
    rows = {row.activity.id: row for row in report.activities}
    assert (rows[before.id].members, rows[after.id].members) == (3, 2)


def test_an_activity_nobody_was_marked_at_is_left_out_of_every_total(club):
    """QA: an activity held without a roll call said 未點名 for itself, yet every total counted it as 0 of 3: the
    members' "1 / 2", the average and the expected person-times. It is not taken, and counted nowhere but its
    own row, which says so."""
    joined_long_ago(club)
    marked = club.activity("點了名", starts=dt.datetime(2026, 3, 4, 14))
    unmarked = club.activity("沒點名", starts=dt.datetime(2026, 3, 11, 14))
    services.set_attendance(marked, {club.member.id: "present", club.other.id: "absent", club.convener.id: "present"},
                            actor=club.convener, now=marked.starts_at)
    db.session.commit()

    report = records.participation([club.community.id], YEAR, now=AFTER)

    rows = {row.activity.id: row for row in report.activities}
    assert rows[marked.id].taken and (rows[marked.id].attended, rows[marked.id].members) == (2, 3)
    assert not rows[unmarked.id].taken and rows[unmarked.id].rate is None
    assert rows[unmarked.id].members == 3  # the members then, shown beside "not taken"
    assert {row.user_id: (row.attended, row.held) for row in report.members} == {
        club.member.id: (1, 1), club.other.id: (0, 1), club.convener.id: (1, 1)}
    assert (report.attended, report.expected, report.not_taken) == (2, 3, 1)
    assert report.average_rate == report.overall_rate == round(2 / 3, 3)


def test_several_communities_at_once_keep_their_own_members(ctx):
    north, south = make_club("north"), make_club("south")
    a = north.activity("北", starts=dt.datetime(2026, 3, 4, 14))
    b = south.activity("南", starts=dt.datetime(2026, 3, 5, 14))
    services.set_attendance(a, {north.member.id: "present"}, actor=north.convener, now=a.starts_at)
    services.set_attendance(b, {south.member.id: "present", south.other.id: "present"}, actor=south.convener,
                            now=b.starts_at)
    joined_long_ago(north)
    joined_long_ago(south)
    both = [north.community.id, south.community.id]

    assert {(row.id, row.community_id) for row in records.activities(both, YEAR, now=AFTER)} == {
        (a.id, north.community.id), (b.id, south.community.id)}
    report = records.participation(both, YEAR, now=AFTER)
    assert {(row.activity.id, row.attended, row.members) for row in report.activities} == {(a.id, 1, 3), (b.id, 2, 3)}
    assert len(report.members) == 6
    assert all(row.held == 1 for row in report.members)
    assert records.activities([north.community.id], YEAR, now=AFTER)[0].id == a.id


def test_feedback_summaries_are_anonymous_with_averages_and_comments(club):
    held = club.activity("回饋", starts=dt.datetime(2026, 3, 4, 14))
    services.give_feedback(held, 5, "很實用", actor=club.member, now=AFTER)
    services.give_feedback(held, 3, "", actor=club.other, now=AFTER)
    club.activity("沒有回饋", starts=dt.datetime(2026, 3, 11, 14))
    db.session.commit()

    summaries = records.feedback([club.community.id], YEAR, now=AFTER)

    assert summaries == [records.ActivityFeedback(held.id, 2, 4.0, (0, 0, 1, 0, 1), ("很實用",))]
    db.session.add(Feedback(activity_id=held.id, user_id=club.convener.id, satisfaction=1))
    db.session.commit()
    assert records.feedback([club.community.id], Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)), now=AFTER) == []


def test_the_reads_take_the_same_queries_whatever_the_data(ctx, count_queries):
    def measured(clubs) -> list[int]:
        ids = [club.community.id for club in clubs]
        counts = []
        for read in (records.activities, records.attendance, records.participation, records.feedback):
            with count_queries() as queries:
                read(ids, YEAR, now=AFTER)
            counts.append(len(queries))
        return counts

    def grow(club, number: int) -> None:
        for day in range(number):
            activity = club.activity(f"第{day}次", starts=dt.datetime(2026, 2, 1 + day, 14))
            services.set_attendance(activity, {club.member.id: "present", club.other.id: "absent"},
                                    actor=club.convener, now=activity.starts_at)
            evidence(activity, "photo")
            services.give_feedback(activity, 4, "好", actor=club.member, now=AFTER)
        db.session.commit()

    small = [make_club("small")]
    grow(small[0], 1)
    few = measured(small)
    large = [make_club("large-1"), make_club("large-2")]
    for club in large:
        grow(club, 8)
    assert measured(large) == few
    assert few == [2, 1, 4, 1]


def test_the_participation_page_reads_the_same_report(client, ctx):
    club = make_club("page")
    held = club.activity("頁面上的觀課", starts=dt.datetime(2026, 3, 4, 14), hours=2)
    services.set_attendance(held, {club.member.id: "present"}, actor=club.convener, now=held.starts_at)
    db.session.commit()
    client.login(club.convener)

    page = client.get("/c/page/activities/participation?start=2026-01-01&end=2026-12-31").get_data(as_text=True)

    assert "頁面上的觀課" in page and "林老師" in page and "1 / 1" in page
    # An activity where nobody was marked has no bar (a 0 % bar said everyone was absent): a dash, "Not marked".
    club.activity("只有簽到表", starts=dt.datetime(2026, 3, 11, 14), hours=2)
    db.session.commit()
    page = client.get("/c/page/activities/participation?start=2026-01-01&end=2026-12-31").get_data(as_text=True)
    chart = page.split('class="chart"')[1].split("</svg>")[0]
    assert "<title>只有簽到表: Not marked</title>" in chart and "只有簽到表: 0%" not in chart
    assert chart.count('class="bar"') == 1


def test_the_participation_page_leaves_an_activity_without_a_roll_call_out_of_its_figures(client, ctx):
    club = make_club("page")
    joined_long_ago(club)
    marked = club.activity("點了名", starts=dt.datetime(2026, 3, 4, 14), hours=2)
    club.activity("沒點名", starts=dt.datetime(2026, 3, 11, 14), hours=2)
    club.activity("也沒點名", starts=dt.datetime(2026, 3, 18, 14), hours=2)
    services.set_attendance(marked, {club.member.id: "present", club.other.id: "absent", club.convener.id: "present"},
                            actor=club.convener, now=marked.starts_at)
    db.session.commit()
    client.login(club.convener)

    page = client.get("/c/page/activities/participation?start=2026-01-01&end=2026-12-31").get_data(as_text=True)

    assert "3 activities held" in page and "average attendance 67%" in page
    assert "2 activities without a roll call are not counted in the attendance figures." in page
    members = page.split('class="data participation-members"')[1].split("</table>")[0]
    assert "1 / 1" in members and "0 / 1" in members and "/ 3" not in members
    activities = page.split('id="participation-activities-title"')[1].split("</table>")[0]
    assert activities.count("Not taken") == 2


def test_the_schools_an_activity_went_to_and_the_monthly_plans_of_the_period(club, count_queries):
    from tests.factories import make_school

    rural = make_school(name="山海國小")
    club.community.schools.append(rural)  # an activity goes to the community's own schools
    db.session.commit()
    sent = club.activity("送教下鄉", starts=dt.datetime(2026, 4, 8, 9), school_ids=[rural.id])
    club.activity("校內研習", starts=dt.datetime(2026, 4, 9, 9))
    outside = club.activity("明年", starts=dt.datetime(2027, 1, 5, 9), school_ids=[rural.id])
    club.activity("五月讀書會", starts=dt.datetime(2026, 5, 12, 14))
    plan = services.submit_monthly_plan(club.community, dt.date(2026, 5, 1), "五月", actor=club.convener,
                                        now=dt.datetime(2026, 4, 15, 2, tzinfo=dt.UTC))  # handed in in April
    db.session.commit()
    community_id, sent_id, outside_id = club.community.id, sent.id, outside.id
    with count_queries() as queries:
        schools = records.activity_schools([community_id], YEAR)
        plans = records.monthly_plans([community_id], YEAR)
    assert len(queries) == 2
    assert schools == {sent_id: (rural.id,)} and outside_id not in schools
    assert plans[0].planned == 1
    assert [(row.month, row.submitted_at is not None) for row in plans] == [(plan.month, True)]


def test_an_activity_of_named_people_counts_only_those_it_marks(club):
    """A pair's meeting recorded by mentoring (record_activity) is not every member's to miss: it counts for the
    two it marks, and the other members' rates are what they were."""
    joined_long_ago(club)
    meeting = services.record_activity(club.community, services.ActivityFields(
        title="新進教師輔導", method="new_teacher_mentoring", starts_at=dt.datetime(2026, 3, 4, 15),
        ends_at=dt.datetime(2026, 3, 4, 16)), actor=club.convener, present=[club.convener.id, club.member.id])
    everyone = club.activity("全體共備", starts=dt.datetime(2026, 3, 11, 14))
    services.set_attendance(everyone, {club.member.id: "present"}, actor=club.convener, now=everyone.ends_at)
    db.session.commit()
    assert meeting.named_only and not everyone.named_only

    found = records.participation([club.community.id], YEAR, now=AFTER)

    rows = {row.activity.id: row for row in found.activities}
    assert rows[meeting.id].members == 2 and rows[everyone.id].members == len(found.members)
    people = {row.user_id: row for row in found.members}
    assert (people[club.other.id].attended, people[club.other.id].held) == (0, 1)  # only the one for everybody
    assert (people[club.member.id].attended, people[club.member.id].held) == (2, 2)


def test_hours_are_added_as_minutes_and_rounded_once(club):
    """310 minutes are 5.17 hours: adding each activity's hours rounded to two decimals would give 5.16."""
    lengths = (50, 50, 50, 50, 50, 60)  # 0.83 × 5 + 1 = 5.15 if each were rounded first
    for day, minutes in enumerate(lengths, start=2):
        activity = club.activity(f"第{day}次", starts=dt.datetime(2026, 3, day, 14), hours=minutes / 60)
        services.set_attendance(activity, {club.member.id: "present"}, actor=club.convener, now=activity.starts_at)
    db.session.commit()

    rows = records.activities([club.community.id], YEAR, now=AFTER)
    assert sum(row.minutes for row in rows) == 310 and rows[0].hours == 0.83
    assert records.total_hours(rows) == 5.17
    report = records.participation([club.community.id], YEAR, now=AFTER)
    assert report.hours_by_method == (("collaborative_planning", 5.17),)
    assert {row.user_id: row.hours for row in report.members}[club.member.id] == 5.17


def test_the_next_activities_of_several_communities_in_one_query(ctx, count_queries):
    """upcoming: not ended, not cancelled, soonest first across the communities, with the person's own mark and
    leave request; a pair's private meeting only for those it marks."""
    from tests.activities.helpers import now_local

    first, second = make_club("next-a"), make_club("next-b")
    soon = now_local(24 * 60)
    later = first.activity("A 之後", starts=soon + dt.timedelta(days=2))
    sooner = second.activity("B 先", starts=soon)
    services.cancel_activity(first.activity("A 取消", starts=soon + dt.timedelta(days=1)), "颱風",
                             actor=first.convener)
    first.activity("A 已結束", starts=now_local(-600))
    services.request_leave(later, "研習", actor=first.member)
    services.record_activity(first.community, services.ActivityFields(
        title="輔導", method="new_teacher_mentoring", starts_at=soon + dt.timedelta(days=3),
        ends_at=soon + dt.timedelta(days=3, hours=1)), actor=first.convener, present=[first.member.id], private=True)
    db.session.commit()
    ids, person = [first.community.id, second.community.id], first.member.id
    with count_queries() as queries:
        rows = records.upcoming(ids, person_id=person, limit=5)
    assert len(queries) == 1
    assert [(row.title, row.leave, row.marked) for row in rows] == [
        ("B 先", "", False), ("A 之後", "pending", False), ("輔導", "", True)]
    assert [row.title for row in records.upcoming(ids, person_id=first.other.id)] == ["B 先", "A 之後"]
    assert [row.id for row in records.upcoming(ids, person_id=None, limit=1)] == [sooner.id]
