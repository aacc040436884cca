"""Activity services without HTTP: planning and its refusals, series, time zones, sign-in by token,
the attendance table and its audit trail, leave, the minutes, cancelling.

Clocks are frozen with the services' `now=` parameter; time zones are set on app.config["TIMEZONE"].
"""

from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from sqlalchemy import select

from tests.activities.helpers import make_club, now_local
from tests.factories import add_member, make_reviewer, make_user
from workspace.activities import services
from workspace.activities.models import Activity, Attendance, LeaveRequest, Method
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.core.pagination import PageNotFound
from workspace.core.permissions import can
from workspace.extensions import db

START = dt.datetime(2026, 12, 2, 14, 0)  # local wall-clock time (Asia/Taipei unless a test says otherwise)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture()
def club(ctx):
    return make_club()


def fields(**overrides) -> services.ActivityFields:
    values = dict(title="五年級數學共同備課", method="collaborative_planning", starts_at=START,
                  ends_at=START + dt.timedelta(hours=2))
    values.update(overrides)
    return services.ActivityFields(**values)


def refused(club, **overrides) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        services.create_activity(club.community, fields(**overrides), actor=club.convener)
    return caught.value


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- planning ------------------------------------------------------------------------------------


def test_an_activity_is_planned_in_utc_with_its_fields(club):
    activity = services.create_activity(club.community, fields(
        mode="hybrid", place="自然教室", meeting_url="https://meet.example/abc", agenda="- 暖身\n- **討論**",
        subjects="數學, 自然、數學，語文", tags=["同步課堂", " 同步課堂 ", "送教下鄉"],
        school_ids=[school.id for school in club.community.schools], recorder_id=club.member.id),
        actor=club.convener)
    db.session.commit()
    assert activity.starts_at == utc(2026, 12, 2, 6, 0) and activity.ends_at == utc(2026, 12, 2, 8, 0)
    assert services.hours_of(activity) == 2 and activity.minutes_long == 120
    assert activity.mode == "hybrid" and activity.meeting_url == "https://meet.example/abc"
    assert activity.subjects == ["數學", "自然", "語文"] and activity.tags == ["同步課堂", "送教下鄉"]
    assert [school.id for school in activity.schools] == [school.id for school in club.community.schools]
    assert activity.recorder_id == club.member.id
    assert "<strong>討論</strong>" in activity.agenda_html
    assert activity.sign_in_nonce and activity.version == 1


def test_every_one_of_the_15_methods_is_accepted_and_nothing_else(club):
    assert len(Method) == 15
    for method in Method:
        services.create_activity(club.community, fields(method=method.value), actor=club.convener)
    assert refused(club, method="dancing").field == "method"
    assert refused(club, method="").field == "method"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ""}, "title", "required"),
    ({"title": " \u200b "}, "title", "required"),
    ({"title": "x" * 201}, "title", "at most"),
    ({"mode": "telepathy"}, "mode", "Choose"),
    ({"starts_at": None}, "starts_at", "start"),
    ({"ends_at": None}, "ends_at", "end"),
    ({"ends_at": START - dt.timedelta(hours=1)}, "ends_at", "after the start"),
    ({"ends_at": START}, "ends_at", "after the start"),  # 0 minutes
    ({"ends_at": START + dt.timedelta(hours=24, minutes=1)}, "ends_at", "at most 24 hours"),
    ({"meeting_url": "javascript:alert(1)"}, "meeting_url", "https://"),
    ({"meeting_url": "ftp://files.example/x"}, "meeting_url", "https://"),
    ({"meeting_url": "meet.example/abc"}, "meeting_url", "https://"),
    ({"meeting_url": "https://"}, "meeting_url", "https://"),
    ({"subjects": ", ".join(f"科目{number}" for number in range(11))}, "subjects", "entries"),
    ({"tags": ["x" * 61]}, "tags", "at most"),
])
def test_bad_planning_input_is_refused_beside_its_field(club, overrides, field, message):
    error = refused(club, **overrides)
    assert error.field == field and message in error.message


def test_every_bad_field_is_refused_at_once(club):
    """One ValidationError names every field that breaks a rule, so the form can show them all together."""
    error = refused(club, title="", mode="telepathy", ends_at=START - dt.timedelta(hours=1),
                    meeting_url="ftp://files.example/x", tags=["x" * 61], recorder_id=999_999,
                    speakers=[services.SpeakerFields(name="張教授", hours="一小時")])
    assert [field for field, _message in error.errors] == [
        "title", "mode", "ends_at", "meeting_url", "tags", "recorder_id", "speakers"]
    assert error.field == "title" and "required" in error.message  # the first, for callers that show one


def test_a_series_is_refused_with_its_count_and_its_fields_together(club):
    with pytest.raises(ValidationError) as caught:
        services.create_series(club.community, fields(starts_at=None, ends_at=None), actor=club.convener,
                               repeat="yearly", count=0)
    assert {field for field, _message in caught.value.errors} == {"starts_at", "ends_at", "repeat", "count"}


def test_an_activity_of_exactly_24_hours_is_accepted(club):
    activity = services.create_activity(club.community, fields(ends_at=START + dt.timedelta(hours=24)),
                                        actor=club.convener)
    assert services.hours_of(activity) == 24


def test_the_recorder_must_be_a_member(club):
    outsider = make_user()
    assert refused(club, recorder_id=outsider.id).field == "recorder_id"
    assert refused(club, recorder_id=999_999).field == "recorder_id"


def test_speakers_with_hours_and_the_external_flag(club):
    activity = services.create_activity(club.community, fields(speakers=[
        services.SpeakerFields(name="張教授", affiliation="師範大學", external=True, hours="1.5", topic="分數教學"),
        services.SpeakerFields(name=""),  # an empty row of the form is skipped
        services.SpeakerFields(name="林老師", hours=0.75, user_id=club.member.id),
        services.SpeakerFields(name="冒名者", hours="", user_id=make_user().id),
    ]), actor=club.convener)
    db.session.commit()
    professor, member, stranger = activity.speakers
    assert (professor.name, professor.external, float(professor.hours), professor.topic) == ("張教授", True, 1.5,
                                                                                             "分數教學")
    assert (member.external, float(member.hours), member.user_id) == (False, 0.8, club.member.id)
    assert stranger.user_id is None and float(stranger.hours) == 0  # not a member: kept by name only
    for hours in ("abc", "-1", "25", "nan"):
        error = refused(club, speakers=[services.SpeakerFields(name="張教授", hours=hours)])
        assert error.field == "speakers" and "number" in error.message, hours


def test_only_managers_plan_and_change_activities(club):
    with pytest.raises(NotAllowed):
        services.create_activity(club.community, fields(), actor=club.member)
    reviewer = make_reviewer(club.community.schools[0])
    with pytest.raises(NotAllowed):
        services.create_activity(club.community, fields(), actor=reviewer)
    co = add_member(club.community, role="co_convener").user
    activity = services.create_activity(club.community, fields(), actor=co)
    with pytest.raises(NotAllowed):
        services.update_activity(activity, fields(title="改"), actor=club.member, base_version=1)
    admin = make_user(is_admin=True)
    services.update_activity(activity, fields(title="管理員改的"), actor=admin, base_version=1)
    assert activity.title == "管理員改的" and activity.version == 2


def test_a_stale_edit_is_refused_and_changes_nothing(club):
    activity = club.activity()
    services.update_activity(activity, fields(title="第一次修改"), actor=club.convener, base_version=1)
    with pytest.raises(Conflict):
        services.update_activity(activity, fields(title="舊版修改"), actor=club.convener, base_version=1)
    assert activity.title == "第一次修改" and activity.version == 2


def test_a_held_activity_moves_to_a_time_still_to_come_only_when_the_convener_says_so(club):
    """Moved into the future, a held activity leaves the counts and the reports until then: refused beside the box
    that moves it anyway, naming the day it was held and its attendance marks; with the box, it moves."""
    activity = club.activity(starts=dt.datetime(2025, 3, 5, 14, 0))
    services.set_attendance(activity, {club.member.id: "present"}, actor=club.convener)
    ahead = fields(starts_at=dt.datetime(2037, 3, 5, 14, 0), ends_at=dt.datetime(2037, 3, 5, 16, 0))
    with pytest.raises(ValidationError) as caught:
        services.update_activity(activity, ahead, actor=club.convener, base_version=1)
    assert caught.value.field == "move_ahead"
    assert "Mar 5, 2025, with 1 attendance mark." in caught.value.message
    db.session.rollback()
    db.session.refresh(activity)
    assert activity.starts_at.year == 2025 and activity.version == 1  # nothing changed
    # Within the past, or with the second word, it moves.
    earlier = fields(starts_at=dt.datetime(2025, 3, 4, 14, 0), ends_at=dt.datetime(2025, 3, 4, 16, 0))
    services.update_activity(activity, earlier, actor=club.convener, base_version=1)
    services.update_activity(activity, ahead, actor=club.convener, base_version=2, move_ahead=True)
    assert activity.starts_at.year == 2037 and activity.version == 3


def test_a_held_activity_moved_to_a_time_under_way_asks_too(club):
    """QA: moved to start a minute ago and end tonight, it left the counts (held is ended) with no question asked."""
    activity = club.activity(starts=dt.datetime(2025, 3, 5, 14, 0))
    now = services.to_local(services.utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    under_way = fields(starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as caught:
        services.update_activity(activity, under_way, actor=club.convener, base_version=1)
    assert caught.value.field == "move_ahead"


def test_an_activity_still_to_come_moves_freely(club):
    activity = club.activity(starts=dt.datetime(2037, 3, 5, 14, 0))
    later = fields(starts_at=dt.datetime(2038, 3, 5, 14, 0), ends_at=dt.datetime(2038, 3, 5, 16, 0))
    services.update_activity(activity, later, actor=club.convener, base_version=1)
    assert activity.starts_at.year == 2038


def test_fields_of_gives_local_times_back(club):
    activity = club.activity(starts=dt.datetime(2026, 12, 2, 22, 0), hours=3, subjects="數學")
    values = services.fields_of(activity)
    assert values.starts_at == dt.datetime(2026, 12, 2, 22, 0) and values.ends_at == dt.datetime(2026, 12, 3, 1, 0)
    assert values.subjects == ["數學"] and values.title == activity.title


# --- series --------------------------------------------------------------------------------------


def local_starts(activities) -> list[dt.datetime]:
    return [services.to_local(item.starts_at).replace(tzinfo=None) for item in activities]


def test_a_weekly_series_keeps_the_local_time(club):
    made = services.create_series(club.community, fields(), actor=club.convener, repeat="weekly", count=4)
    assert local_starts(made) == [START + dt.timedelta(weeks=week) for week in range(4)]
    assert len({item.series_key for item in made}) == 1 and made[0].series_key
    assert all(services.hours_of(item) == 2 for item in made)


def test_a_monthly_series_moves_the_31st_to_the_last_day_of_shorter_months(club):
    starts = dt.datetime(2027, 1, 31, 15, 0)
    made = services.create_series(club.community, fields(starts_at=starts, ends_at=starts + dt.timedelta(hours=2)),
                                  actor=club.convener, repeat="monthly", count=5)
    assert [day.date() for day in local_starts(made)] == [
        dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30), dt.date(2027, 5, 31)]
    assert all(day.time() == dt.time(15, 0) for day in local_starts(made))
    assert all(services.hours_of(item) == 2 for item in made)


def test_a_monthly_series_crossing_midnight_at_the_month_end_keeps_its_length(club):
    starts = dt.datetime(2027, 1, 30, 22, 0)
    made = services.create_series(club.community, fields(starts_at=starts, ends_at=starts + dt.timedelta(hours=3)),
                                  actor=club.convener, repeat="monthly", count=3)
    assert [day.date() for day in local_starts(made)] == [dt.date(2027, 1, 30), dt.date(2027, 2, 28),
                                                          dt.date(2027, 3, 30)]
    assert all(services.hours_of(item) == 3 for item in made)


def test_a_leap_year_february_gets_the_29th(club):
    starts = dt.datetime(2028, 1, 31, 9, 0)
    made = services.create_series(club.community, fields(starts_at=starts, ends_at=starts + dt.timedelta(hours=1)),
                                  actor=club.convener, repeat="monthly", count=2)
    assert local_starts(made)[1] == dt.datetime(2028, 2, 29, 9, 0)


def test_a_monthly_series_crosses_the_year(club):
    starts = dt.datetime(2026, 11, 15, 9, 0)
    made = services.create_series(club.community, fields(starts_at=starts, ends_at=starts + dt.timedelta(hours=1)),
                                  actor=club.convener, repeat="monthly", count=3)
    assert [day.date() for day in local_starts(made)] == [dt.date(2026, 11, 15), dt.date(2026, 12, 15),
                                                          dt.date(2027, 1, 15)]


@pytest.mark.parametrize(("repeat", "count", "field"), [
    ("weekly", 0, "count"), ("weekly", 53, "count"), ("monthly", -1, "count"), ("daily", 3, "repeat"),
])
def test_series_limits(club, repeat, count, field):
    with pytest.raises(ValidationError) as caught:
        services.create_series(club.community, fields(), actor=club.convener, repeat=repeat, count=count)
    assert caught.value.field == field


def test_the_largest_series_is_accepted_and_a_bad_time_refuses_the_whole_series(club):
    assert len(services.create_series(club.community, fields(), actor=club.convener, repeat="weekly",
                                      count=services.MAX_SERIES)) == 52
    with pytest.raises(ValidationError) as caught:
        services.create_series(club.community, fields(ends_at=START), actor=club.convener, repeat="weekly", count=2)
    assert caught.value.field == "ends_at"
    with pytest.raises(NotAllowed):
        services.create_series(club.community, fields(), actor=club.member, repeat="weekly", count=2)


# --- time zones ----------------------------------------------------------------------------------


def test_an_activity_crossing_midnight_lasts_3_hours_in_taipei(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Asia/Taipei")
    activity = services.create_activity(club.community, fields(starts_at=dt.datetime(2026, 12, 31, 22, 0),
                                                               ends_at=dt.datetime(2027, 1, 1, 1, 0)),
                                        actor=club.convener)
    assert activity.starts_at == utc(2026, 12, 31, 14, 0) and activity.ends_at == utc(2026, 12, 31, 17, 0)
    assert services.hours_of(activity) == 3


def test_the_night_the_clocks_go_back_has_an_extra_hour(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    activity = services.create_activity(club.community, fields(starts_at=dt.datetime(2026, 10, 25, 1, 30),
                                                               ends_at=dt.datetime(2026, 10, 25, 4, 30)),
                                        actor=club.convener)
    assert activity.starts_at == utc(2026, 10, 24, 23, 30) and activity.ends_at == utc(2026, 10, 25, 3, 30)
    assert services.hours_of(activity) == 4


def test_the_night_the_clocks_go_forward_loses_an_hour(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    activity = services.create_activity(club.community, fields(starts_at=dt.datetime(2026, 3, 29, 1, 30),
                                                               ends_at=dt.datetime(2026, 3, 29, 3, 30)),
                                        actor=club.convener)
    assert activity.starts_at == utc(2026, 3, 29, 0, 30) and activity.ends_at == utc(2026, 3, 29, 1, 30)
    assert services.hours_of(activity) == 1


def test_a_time_the_clocks_skip_moves_forward_and_a_repeated_one_takes_the_first_reading(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    skipped = services.to_utc(dt.datetime(2026, 3, 29, 2, 30))
    assert skipped == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, as a wall clock set forward shows
    assert services.to_local(skipped).replace(tzinfo=None) == dt.datetime(2026, 3, 29, 3, 30)
    assert services.to_utc(dt.datetime(2026, 10, 25, 2, 30)) == utc(2026, 10, 25, 0, 30)  # still CEST
    assert services.to_utc(dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)) == utc(2026, 10, 25, 2, 30)


def test_a_weekly_series_across_the_change_keeps_the_wall_clock_time(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    starts = dt.datetime(2026, 10, 14, 18, 0)
    made = services.create_series(club.community, fields(starts_at=starts, ends_at=starts + dt.timedelta(hours=2)),
                                  actor=club.convener, repeat="weekly", count=4)
    assert [day.time() for day in local_starts(made)] == [dt.time(18, 0)] * 4
    assert [item.starts_at.hour for item in made] == [16, 16, 17, 17]  # CEST, then CET
    assert all(services.hours_of(item) == 2 for item in made)


def test_month_calendar_files_a_late_activity_under_its_local_day(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "America/Los_Angeles")
    late = club.activity("月底夜間研習", starts=dt.datetime(2027, 1, 31, 23, 30), hours=1)
    assert late.starts_at.date() == dt.date(2027, 2, 1)  # the UTC date is the next month's
    january = {day.date: day
               for week in services.month_calendar(club.community, 2027, 1, club.convener) for day in week}
    assert [item.id for item in january[dt.date(2027, 1, 31)].activities] == [late.id]
    assert january[dt.date(2027, 1, 31)].in_month
    february = {day.date: day
                for week in services.month_calendar(club.community, 2027, 2, club.convener) for day in week}
    assert all(late not in day.activities for day in february.values())


def test_month_calendar_in_taipei_an_early_morning_on_the_1st_belongs_to_the_1st(club, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Asia/Taipei")
    early = club.activity("晨會", starts=dt.datetime(2027, 4, 1, 7, 0), hours=1)
    assert early.starts_at.date() == dt.date(2027, 3, 31)  # the UTC date is the month before
    weeks = services.month_calendar(club.community, 2027, 4, club.convener)
    days = {day.date: day for week in weeks for day in week}
    assert days[dt.date(2027, 4, 1)].activities == [early]
    assert all(len(week) == 7 for week in weeks) and weeks[0][0].date.weekday() == 0
    march = {day.date: day for week in services.month_calendar(club.community, 2027, 3, club.convener) for day in week}
    assert march[dt.date(2027, 3, 31)].activities == []
    assert march[dt.date(2027, 4, 1)].activities == [early] and not march[dt.date(2027, 4, 1)].in_month


# --- sign-in -------------------------------------------------------------------------------------


@pytest.fixture()
def meeting(club):
    return club.activity(starts=START, hours=2)


def at(activity, minutes: float) -> dt.datetime:
    """A moment `minutes` after the activity's start (negative: before)."""
    return activity.starts_at + dt.timedelta(minutes=minutes)


def spaced(text: str) -> str:
    """Babel puts a narrow no-break space (U+202F) before AM/PM: compare it as a plain space."""
    return text.replace("\u202f", " ")


def sign_in_error(activity, token, actor, now, error=ValidationError) -> str:
    with pytest.raises(error) as caught:
        services.sign_in(activity, token, actor=actor, now=now)
    assert db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                      Attendance.user_id == actor.id)) is None
    return caught.value.message


def test_signing_in_on_time_is_present_and_later_is_late(club, meeting):
    early = services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, -30)), actor=club.member,
                             now=at(meeting, -30))
    assert (early.status, early.how, early.signed_at) == ("present", "qr", at(meeting, -30))
    assert services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 10)), actor=club.other,
                            now=at(meeting, 10)).status == "present"
    late = services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 11)), actor=club.convener,
                            now=at(meeting, 10) + MINUTE)
    assert late.status == "late"


def test_a_mark_given_ahead_is_no_attendance_until_the_activity_starts_and_a_sign_in_is(club):
    """QA13 #3: a public lesson three weeks away showed "✓ Attendance taken" and its teacher among those who came (she
    is marked present when it is scheduled, so that the counts have her once it is held). Until it starts such a
    mark says nothing of who came; a sign-in in the window before the start does, and the mark stays for the
    counts."""
    lesson = services.record_activity(club.community, services.ActivityFields(
        title="公開課：分數的大小比較（林老師）", method="observation_feedback", starts_at=START,
        ends_at=START + dt.timedelta(minutes=40), tags=["公開課"]), actor=club.member, present=[club.member.id])
    db.session.commit()
    weeks_before = at(lesson, -21 * 24 * 60)
    assert not services.checklist(lesson, now=weeks_before).attendance
    assert services.signed_in(lesson, now=weeks_before) == []
    upcoming = services.list_activities(club.community, club.member, now=weeks_before)
    assert lesson.id in [item.id for item in upcoming.items] and upcoming.mine == {}
    mark = services.my_attendance(lesson, club.member)
    assert mark.status == "present" and services.is_marked_ahead(lesson, mark, weeks_before)

    services.sign_in(lesson, services.sign_in_token(lesson, at(lesson, -20)), actor=club.other, now=at(lesson, -20))
    db.session.commit()
    early = at(lesson, -15)  # one who came early has signed in: that is attendance, the teacher's mark not yet
    assert [item.user_id for item in services.signed_in(lesson, now=early)] == [club.other.id]
    assert services.checklist(lesson, now=early).attendance

    started = at(lesson, 1)
    assert {item.user_id for item in services.signed_in(lesson, now=started)} == {club.member.id, club.other.id}
    assert services.checklist(lesson, now=started).attendance
    assert services.list_activities(club.community, club.member, now=started).mine == {lesson.id: "present"}
    assert not services.is_marked_ahead(lesson, mark, started)


def test_a_second_sign_in_changes_nothing(club, meeting):
    first = services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 1)), actor=club.member,
                             now=at(meeting, 1))
    db.session.commit()
    again = services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 60)), actor=club.member,
                             now=at(meeting, 60))
    assert again.id == first.id and again.status == "present" and again.signed_at == at(meeting, 1)
    assert len(db.session.scalars(select(Attendance)).all()) == 1


def test_a_member_marked_absent_who_then_signs_in_is_present(club, meeting):
    services.set_attendance(meeting, {club.member.id: "absent"}, actor=club.convener, now=at(meeting, -60))
    mark = services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 5)), actor=club.member,
                            now=at(meeting, 5))
    assert (mark.status, mark.how) == ("present", "qr")


def test_a_tampered_token_is_refused(club, meeting):
    token = services.sign_in_token(meeting, at(meeting, 0))
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, "", "not-a-token", token + "x"):
        assert "not valid" in sign_in_error(meeting, bad, club.member, at(meeting, 0))


def test_a_token_for_another_activity_is_refused(club, meeting):
    other = club.activity("另一場", starts=START)
    assert "another activity" in sign_in_error(meeting, services.sign_in_token(other, at(meeting, 0)), club.member,
                                               at(meeting, 0))


def test_a_token_for_another_communitys_activity_is_refused(club, meeting):
    elsewhere = make_club("elsewhere")
    add_member(elsewhere.community, club.member)
    theirs = elsewhere.activity("別的社群", starts=START)
    assert "another activity" in sign_in_error(meeting, services.sign_in_token(theirs, at(meeting, 0)), club.member,
                                               at(meeting, 0))


def test_a_token_forged_with_another_key_is_refused(club, meeting, app):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("guessed-key", salt="activity-sign-in").dumps(
        {"a": meeting.id, "c": meeting.community_id, "n": meeting.sign_in_nonce,
         "s": services.code_step(at(meeting, 0))})
    assert "not valid" in sign_in_error(meeting, forged, club.member, at(meeting, 0))


def test_a_regenerated_code_voids_the_old_one(club, meeting):
    old = services.sign_in_token(meeting, at(meeting, 0))
    services.regenerate_sign_in(meeting, actor=club.convener)
    assert "replaced" in sign_in_error(meeting, old, club.member, at(meeting, 0))
    assert services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 0)), actor=club.member,
                            now=at(meeting, 0)).status == "present"
    with pytest.raises(NotAllowed):
        services.regenerate_sign_in(meeting, actor=club.member)


def test_the_code_works_only_inside_its_window_and_says_when_with_the_date(club, meeting):
    before = at(meeting, -30) - MINUTE
    message = sign_in_error(meeting, services.sign_in_token(meeting, before), club.member, before)
    assert spaced(message) == "Sign-in opens at Dec 2, 2026, 13:30."  # 14:00 in Taipei, less 30 minutes
    after_end = meeting.ends_at + dt.timedelta(minutes=30) + MINUTE
    message = sign_in_error(meeting, services.sign_in_token(meeting, after_end), club.member, after_end)
    assert spaced(message) == "Sign-in closed at Dec 2, 2026, 16:30. Ask the convener to mark you."
    last_moment = meeting.ends_at + dt.timedelta(minutes=30)
    last = services.sign_in(meeting, services.sign_in_token(meeting, last_moment), actor=club.other, now=last_moment)
    assert last.status == "late"


@pytest.mark.parametrize(("locale", "opens", "closes"), [
    ("zh_Hant", "簽到將於 2026年12月2日 13:30 開放。", "簽到已於 2026年12月2日 16:30 截止。請召集人為您登記出席。"),
    ("zh_Hans", "签到将于 2026年12月2日 13:30 开放。", "签到已于 2026年12月2日 16:30 截止。请召集人为您登记出勤。"),
])
def test_the_window_messages_carry_the_date_in_chinese(club, meeting, locale, opens, closes):
    club.member.locale = locale
    flask_babel.refresh()
    with flask_babel.force_locale(locale):
        before = at(meeting, -31)
        assert sign_in_error(meeting, services.sign_in_token(meeting, before), club.member, before) == opens
        after = meeting.ends_at + dt.timedelta(minutes=31)
        assert sign_in_error(meeting, services.sign_in_token(meeting, after), club.member, after) == closes


def settings(app, monkeypatch, **values) -> None:
    """Set sign-in settings for one test (the app is shared by the whole run)."""
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)


def test_the_code_changes_every_step_and_is_taken_for_the_grace_after(club, meeting, app, monkeypatch):
    settings(app, monkeypatch, SIGN_IN_CODE_SECONDS=15, SIGN_IN_CODE_GRACE_SECONDS=45)
    shown = at(meeting, 0)  # a step begins on the minute
    assert services.code_step(shown) == services.code_step(shown + dt.timedelta(seconds=14))
    assert services.code_step(shown + dt.timedelta(seconds=15)) == services.code_step(shown) + 1
    token = services.sign_in_token(meeting, shown)
    assert token == services.sign_in_token(meeting, shown + dt.timedelta(seconds=14))  # the same code all step
    assert token != services.sign_in_token(meeting, shown + dt.timedelta(seconds=15))  # the next step's differs
    replaced = services.code_replaced_at(services.code_step(shown))
    assert replaced == shown + dt.timedelta(seconds=15)
    services.check_token(meeting, token, replaced + dt.timedelta(seconds=45))  # the last moment of the grace
    with pytest.raises(services.CodeExpired) as caught:
        services.check_token(meeting, token, replaced + dt.timedelta(seconds=46))
    assert caught.value.message == ("This code has expired: the code on the screen changes every few seconds. "
                                    "Scan the code on the screen again.")
    late_scan = replaced + dt.timedelta(seconds=46)
    assert "Scan the code on the screen again" in sign_in_error(meeting, token, club.member, late_scan)
    assert services.sign_in(meeting, token, actor=club.member, now=replaced + dt.timedelta(seconds=30)).how == "qr"


def test_the_step_and_the_grace_follow_the_settings(club, meeting, app, monkeypatch):
    settings(app, monkeypatch, SIGN_IN_CODE_SECONDS=10, SIGN_IN_CODE_GRACE_SECONDS=30)
    shown = at(meeting, 0)
    token = services.sign_in_token(meeting, shown)
    assert token != services.sign_in_token(meeting, shown + dt.timedelta(seconds=10))
    services.check_token(meeting, token, shown + dt.timedelta(seconds=40))
    with pytest.raises(services.CodeExpired):
        services.check_token(meeting, token, shown + dt.timedelta(seconds=41))


def test_a_code_without_a_step_or_from_a_step_to_come_is_refused(club, meeting, app):
    from itsdangerous import URLSafeSerializer

    serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt="activity-sign-in")
    data = {"a": meeting.id, "c": meeting.community_id, "n": meeting.sign_in_nonce}
    now = at(meeting, 0)
    for step in (None, "1", True, services.code_step(now) + 2, services.code_step(now) + 10_000):
        token = serializer.dumps(data if step is None else {**data, "s": step})  # a code of before, or a forged clock
        with pytest.raises(services.CodeExpired):
            services.check_token(meeting, token, now)


def test_a_scan_receipt_keeps_the_moment_of_the_scan_through_a_login(club, meeting, app, monkeypatch):
    settings(app, monkeypatch, SIGN_IN_CODE_SECONDS=15, SIGN_IN_CODE_GRACE_SECONDS=45, SIGN_IN_LOGIN_MINUTES=10)
    scanned = at(meeting, 9)  # on time; the login ends after "late" begins (10 minutes), but the scan is what counts
    token = services.sign_in_token(meeting, scanned)
    receipt = services.scan_receipt(meeting, token, browser="browser-cookie", now=scanned)
    logged_in = scanned + dt.timedelta(minutes=4)  # long past the code's grace, and late
    assert "Scan the code on the screen again" in sign_in_error(meeting, token, club.member, logged_in)
    mark = services.sign_in(meeting, token, actor=club.member, receipt=receipt, browser="browser-cookie",
                            now=logged_in)
    assert (mark.status, mark.signed_at, mark.how) == ("present", scanned, "qr")  # on time, as scanned


def test_a_scan_receipt_is_refused_to_other_holders_other_codes_and_after_the_login_grace(club, meeting, app,
                                                                                          monkeypatch):
    settings(app, monkeypatch, SIGN_IN_CODE_SECONDS=15, SIGN_IN_CODE_GRACE_SECONDS=45, SIGN_IN_LOGIN_MINUTES=10)
    scanned = at(meeting, 0)
    token = services.sign_in_token(meeting, scanned)
    later = scanned + dt.timedelta(minutes=3)
    visitor = services.scan_receipt(meeting, token, browser="phone-a", now=scanned)
    mine = services.scan_receipt(meeting, token, user=club.member, now=scanned)

    def expired(receipt: str, *, actor=club.member, browser: str = "", now=later, code=token) -> str:
        with pytest.raises(ValidationError) as caught:
            services.sign_in(meeting, code, actor=actor, receipt=receipt, browser=browser, now=now)
        return caught.value.message

    assert "Scan the code" in expired(visitor, browser="phone-b")  # a link sent on to another phone
    assert "Scan the code" in expired(visitor)  # … or opened without the scan's cookie
    assert "Scan the code" in expired(mine, actor=club.other)  # someone else's receipt
    assert "Scan the code" in expired(visitor[:-2] + ("AA" if visitor[-2:] != "AA" else "BB"), browser="phone-a")
    other_code = services.sign_in_token(meeting, scanned + dt.timedelta(seconds=15))
    assert "Scan the code" in expired(visitor, browser="phone-a", code=other_code)  # the receipt of another code
    too_late = scanned + dt.timedelta(minutes=10, seconds=1)
    assert "Scan the code" in expired(visitor, browser="phone-a", now=too_late)
    assert "Scan the code" in expired(mine, now=too_late)
    services.regenerate_sign_in(meeting, actor=club.convener)  # "New code" voids receipts with their codes
    assert "replaced" in expired(mine)
    assert db.session.scalar(select(Attendance).where(Attendance.activity_id == meeting.id)) is None


def test_a_receipt_is_only_made_for_a_code_that_is_good_then(club, meeting, app, monkeypatch):
    settings(app, monkeypatch, SIGN_IN_CODE_SECONDS=15, SIGN_IN_CODE_GRACE_SECONDS=45)
    token = services.sign_in_token(meeting, at(meeting, 0))
    with pytest.raises(services.CodeExpired):
        services.scan_receipt(meeting, token, browser="phone", now=at(meeting, 2))
    with pytest.raises(ValidationError):
        services.scan_receipt(meeting, "forged", user=club.member, now=at(meeting, 0))


def test_the_board_state_before_during_and_after_the_window(club, meeting):
    assert services.sign_in_state(meeting, at(meeting, -31)) == "upcoming"
    assert services.sign_in_state(meeting, at(meeting, -30)) == "open"
    assert services.sign_in_state(meeting, meeting.ends_at + dt.timedelta(minutes=30)) == "open"
    assert services.sign_in_state(meeting, meeting.ends_at + dt.timedelta(minutes=31)) == "closed"
    services.cancel_activity(meeting, "颱風", actor=club.convener)
    assert services.sign_in_state(meeting, at(meeting, 0)) == "cancelled"


def test_people_who_are_not_members_cannot_sign_in(club, meeting):
    token = services.sign_in_token(meeting, at(meeting, 0))
    guest = add_member(club.community, role="guest_expert").user
    reviewer = make_reviewer(club.community.schools[0])
    for person in (make_user(), guest, reviewer):
        assert "Only members" in sign_in_error(meeting, token, person, at(meeting, 0), NotAllowed)


def test_a_cancelled_activity_takes_no_sign_in(club, meeting):
    token = services.sign_in_token(meeting, at(meeting, 0))
    services.cancel_activity(meeting, "颱風", actor=club.convener)
    assert "cancelled" in sign_in_error(meeting, token, club.member, at(meeting, 0))


def test_the_board_lists_who_came_in_order_of_arrival(club, meeting):
    services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, -5)), actor=club.other, now=at(meeting, -5))
    services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, -10)), actor=club.member,
                     now=at(meeting, -10))
    services.set_attendance(meeting, {club.convener.id: "present"}, actor=club.convener, now=at(meeting, 0))
    assert [row.user_id for row in services.signed_in(meeting)] == [club.member.id, club.other.id, club.convener.id]


# --- the attendance table ------------------------------------------------------------------------


def test_set_attendance_marks_several_at_once_and_unmarks(club, meeting):
    changed = services.set_attendance(meeting, {club.member.id: "present", club.other.id: "late",
                                                club.convener.id: "excused"}, actor=club.convener,
                                      now=at(meeting, 0))
    assert changed == 3
    statuses = {row.user.id: row.status for row in services.roster(meeting)}
    assert statuses == {club.member.id: "present", club.other.id: "late", club.convener.id: "excused"}
    assert services.set_attendance(meeting, {club.member.id: "present", club.other.id: ""}, actor=club.convener,
                                   now=at(meeting, 1)) == 1
    assert {row.user.id: row.status for row in services.roster(meeting)}[club.other.id] == ""
    outsider = make_user()
    assert services.set_attendance(meeting, {outsider.id: "present"}, actor=club.convener, now=at(meeting, 1)) == 0


def test_an_unknown_status_is_refused_beside_its_row(club, meeting):
    with pytest.raises(ValidationError) as caught:
        services.set_attendance(meeting, {club.member.id: "asleep"}, actor=club.convener)
    assert caught.value.field == f"status-{club.member.id}"


def test_only_managers_take_attendance(club, meeting):
    reviewer = make_reviewer(club.community.schools[0])
    for person in (club.member, reviewer, make_user()):
        with pytest.raises(NotAllowed):
            services.set_attendance(meeting, {club.member.id: "present"}, actor=person)
    co = add_member(club.community, role="co_convener").user
    assert services.set_attendance(meeting, {club.member.id: "present"}, actor=co, now=at(meeting, 0)) == 1


def test_changes_after_the_end_are_audited_and_before_it_are_not(club, meeting):
    services.set_attendance(meeting, {club.member.id: "present"}, actor=club.convener, now=at(meeting, 30))
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.changed")).all() == []
    after = meeting.ends_at + dt.timedelta(days=2)
    services.set_attendance(meeting, {club.member.id: "left_early", club.other.id: "absent"}, actor=club.convener,
                            now=after)
    services.set_attendance(meeting, {club.other.id: ""}, actor=club.convener, now=after)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.changed")
                                .order_by(AuditEvent.id)).all()
    changes = [(event.data["user_id"], event.data["before"], event.data["after"]) for event in events]
    assert changes == [(club.member.id, "present", "left_early"), (club.other.id, "", "absent"),
                       (club.other.id, "absent", "")]
    assert all(event.actor_id == club.convener.id and event.subject_type == "Activity"
               and event.subject_id == meeting.id and event.community_id == club.community.id for event in events)


def test_the_roster_keeps_someone_marked_who_left_the_community(club, meeting):
    from workspace.communities.models import Membership

    services.set_attendance(meeting, {club.other.id: "present"}, actor=club.convener, now=at(meeting, 0))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == club.other.id))
    membership.left_at = meeting.ends_at
    db.session.commit()
    rows = {row.user.id: row for row in services.roster(meeting)}
    assert rows[club.other.id].status == "present" and rows[club.other.id].role == ""


# --- leave ---------------------------------------------------------------------------------------


def test_leave_is_asked_before_the_start_only(club, meeting):
    leave = services.request_leave(meeting, "帶學生校外教學", actor=club.member, now=at(meeting, -60))
    assert (leave.status, leave.reason) == ("pending", "帶學生校外教學")
    with pytest.raises(ValidationError) as caught:
        services.request_leave(meeting, "遲到了", actor=club.other, now=at(meeting, 0))
    assert caught.value.field == "reason" and "before the activity starts" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        services.request_leave(meeting, "  ", actor=club.other, now=at(meeting, -60))
    assert caught.value.field == "reason"


def test_asking_twice_updates_the_reason(club, meeting):
    first = services.request_leave(meeting, "第一個理由", actor=club.member, now=at(meeting, -120))
    services.decide_leave(first, False, actor=club.convener, now=at(meeting, -100))
    again = services.request_leave(meeting, "第二個理由", actor=club.member, now=at(meeting, -60))
    assert again.id == first.id and again.reason == "第二個理由" and again.status == "pending"
    assert again.decided_at is None
    assert len(db.session.scalars(select(LeaveRequest)).all()) == 1


def test_approving_leave_marks_excused_and_declining_removes_it(club, meeting):
    leave = services.request_leave(meeting, "研習", actor=club.member, now=at(meeting, -60))
    services.decide_leave(leave, True, actor=club.convener, now=at(meeting, -30))
    assert (leave.status, leave.decided_by_id) == ("approved", club.convener.id)
    assert services.my_attendance(meeting, club.member).status == "excused"
    services.decide_leave(leave, False, actor=club.convener, now=at(meeting, -20))
    assert leave.status == "declined" and services.my_attendance(meeting, club.member) is None


def test_approving_leave_does_not_overwrite_someone_who_came(club, meeting):
    leave = services.request_leave(meeting, "可能不能來", actor=club.member, now=at(meeting, -60))
    services.sign_in(meeting, services.sign_in_token(meeting, at(meeting, 0)), actor=club.member, now=at(meeting, 0))
    services.decide_leave(leave, True, actor=club.convener, now=at(meeting, 5))
    assert services.my_attendance(meeting, club.member).status == "present"


def test_only_managers_decide_and_only_members_ask(club, meeting):
    leave = services.request_leave(meeting, "研習", actor=club.member, now=at(meeting, -60))
    for person in (club.other, make_reviewer(club.community.schools[0])):
        with pytest.raises(NotAllowed):
            services.decide_leave(leave, True, actor=person)
    for person in (make_user(), add_member(club.community, role="guest_expert").user):
        with pytest.raises(NotAllowed):
            services.request_leave(meeting, "不是成員", actor=person, now=at(meeting, -60))
    assert leave.status == "pending"


# --- minutes -------------------------------------------------------------------------------------


def test_the_minutes_template_has_the_headings_and_the_agenda(club):
    activity = club.activity(agenda="- 暖身\n- 討論")
    text = services.minutes_template(activity, flask_babel.gettext)
    assert text.index("## Agenda") < text.index("## Discussion") < text.index("## Decisions") < text.index(
        "## Next steps")
    assert "## Agenda\n\n- 暖身\n- 討論" in text


def test_the_minutes_template_is_in_the_writers_language(club):
    activity = club.activity()
    with flask_babel.force_locale("zh_Hant"):
        text = services.minutes_template(activity, flask_babel.gettext)
        headings = [flask_babel.gettext(heading) for heading in services.MINUTES_TEMPLATE]
    assert [line for line in text.splitlines() if line.startswith("## ")] == [f"## {item}" for item in headings]
    translated = [item for item, english in zip(headings, services.MINUTES_TEMPLATE, strict=True) if item != english]
    # Once the catalog has the headings they are Chinese; until then this checks they go through gettext.
    assert all(not item.isascii() for item in translated)


def test_saving_the_minutes_bumps_the_version_and_a_stale_save_is_refused(club):
    activity = club.activity()
    services.save_minutes(activity, "## 決議\n\n下週**試教**", "教案一份", actor=club.convener, base_version=1)
    assert activity.minutes_version == 2 and "<strong>試教</strong>" in activity.minutes_html
    assert activity.outcomes == "教案一份" and activity.minutes_updated_by_id == club.convener.id
    with pytest.raises(Conflict) as caught:
        services.save_minutes(activity, "舊版", "", actor=club.convener, base_version=1)
    assert caught.value.field == "minutes" and activity.minutes.startswith("## 決議")


def test_the_templates_sections_left_unfilled_are_not_shown_nor_counted_as_minutes(club):
    """QA: the minutes start from ## 議程 / ## 討論 / ## 決議 / ## 後續工作; the sections left unfilled printed bare
    headings on the page and in the report, and the template saved untouched counted as minutes for the rules."""
    from workspace.activities import records
    from workspace.core.records import Period

    activity = club.activity(starts=dt.datetime(2025, 3, 5, 14, 0))
    template = services.minutes_template(activity, lambda text: text)
    services.save_minutes(activity, template, "", actor=club.convener, base_version=1)
    assert activity.minutes == template.strip()  # kept, to fill in later
    assert activity.minutes_html == "" and not services.checklist(activity).minutes
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert not records.activities([club.community.id], period)[0].has_minutes
    filled = template.replace("## Discussion\n", "## Discussion\n\n大家同意先用紙條操作。\n")
    services.save_minutes(activity, filled, "", actor=club.convener, base_version=2)
    assert "<h2>Discussion</h2>" in activity.minutes_html and "大家同意" in activity.minutes_html
    for empty in ("Agenda", "Decisions", "Next steps"):
        assert empty not in activity.minutes_html
        assert f"## {empty}" not in records.activity_texts([club.community.id], period)[activity.id].minutes
    assert services.checklist(activity).minutes
    assert records.activities([club.community.id], period)[0].has_minutes


def test_the_template_saved_with_only_its_agenda_is_not_minutes(club):
    """QA: the template copies the activity's agenda in; saved as it came (or with an empty bullet under a
    heading) it read as minutes written, and the evidence pack got minutes holding the agenda alone."""
    from workspace.activities import records
    from workspace.core.records import Period

    activity = club.activity(starts=dt.datetime(2025, 3, 5, 14, 0), agenda="1. 報告\n2. 分組討論")
    template = services.minutes_template(activity, lambda text: text)
    services.save_minutes(activity, template.replace("## Decisions\n", "## Decisions\n\n- \n"), "",
                          actor=club.convener, base_version=1)
    assert activity.minutes_html == "" and not services.checklist(activity).minutes
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert not records.activities([club.community.id], period)[0].has_minutes
    assert records.activity_texts([club.community.id], period)[activity.id].minutes == ""
    filled = template.replace("## Decisions\n", "## Decisions\n\n- 下週試教\n")
    services.save_minutes(activity, filled, "", actor=club.convener, base_version=2)
    assert "下週試教" in activity.minutes_html and "分組討論" in activity.minutes_html  # the agenda shown with them
    assert records.activities([club.community.id], period)[0].has_minutes


def test_only_managers_and_the_named_recorder_write_the_minutes(club):
    activity = club.activity(recorder_id=club.member.id)
    services.save_minutes(activity, "記錄者寫的", "", actor=club.member, base_version=1)
    for person in (club.other, make_reviewer(club.community.schools[0]), make_user()):
        with pytest.raises(NotAllowed):
            services.save_minutes(activity, "不該寫", "", actor=person, base_version=activity.minutes_version)
    services.save_minutes(activity, "召集人改的", "", actor=club.convener, base_version=2)
    assert activity.minutes == "召集人改的" and activity.minutes_version == 3


# --- cancelling ----------------------------------------------------------------------------------


def test_cancel_keeps_the_activity_and_records_an_event_then_reinstate(club, meeting):
    services.cancel_activity(meeting, "颱風停課", actor=club.convener)
    db.session.commit()
    assert meeting.cancelled and meeting.cancel_reason == "颱風停課" and meeting.version == 2
    page = services.list_activities(club.community, club.member, now=at(meeting, -60))
    assert [item.id for item in page.items] == [meeting.id]
    services.cancel_activity(meeting, "again", actor=club.convener)  # already cancelled: nothing changes
    assert meeting.cancel_reason == "颱風停課"
    services.reinstate_activity(meeting, actor=club.convener)
    db.session.commit()
    assert not meeting.cancelled and meeting.cancel_reason == ""
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "Activity",
                                                                   AuditEvent.subject_id == meeting.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["activity.cancelled", "activity.reinstated"]
    with pytest.raises(NotAllowed):
        services.cancel_activity(meeting, "", actor=club.member)
    with pytest.raises(NotAllowed):
        services.reinstate_activity(meeting, actor=club.member)


def test_a_cancelled_activity_takes_no_leave_or_minutes(club, meeting):
    services.cancel_activity(meeting, "", actor=club.convener)
    with pytest.raises(NotAllowed):
        services.request_leave(meeting, "研習", actor=club.member, now=at(meeting, -60))
    with pytest.raises(NotAllowed):
        services.save_minutes(meeting, "x", "", actor=club.convener, base_version=meeting.minutes_version)


# --- the list ------------------------------------------------------------------------------------


def test_upcoming_soonest_first_and_past_latest_first_with_counts(club):
    now = utc(2026, 12, 10, 0, 0)
    old = club.activity("十一月", starts=dt.datetime(2026, 11, 5, 14, 0))
    older = club.activity("十月", starts=dt.datetime(2026, 10, 5, 14, 0))
    soon = club.activity("十二月中", starts=dt.datetime(2026, 12, 15, 14, 0))
    sooner = club.activity("十二月初", starts=dt.datetime(2026, 12, 11, 14, 0))
    services.set_attendance(old, {club.member.id: "present", club.other.id: "absent"}, actor=club.convener, now=now)
    upcoming = services.list_activities(club.community, club.member, now=now)
    assert [item.id for item in upcoming.items] == [sooner.id, soon.id] and upcoming.when == "upcoming"
    past = services.list_activities(club.community, club.member, when="past", now=now)
    assert [item.id for item in past.items] == [old.id, older.id]
    assert past.attendance == {old.id: 1} and past.mine == {old.id: "present"}
    paged = services.list_activities(club.community, club.member, when="past", page=2, per_page=1, now=now)
    assert (paged.page, paged.pages, paged.total, [item.id for item in paged.items]) == (2, 2, 2, [older.id])
    with pytest.raises(PageNotFound):  # past the last page
        services.list_activities(club.community, club.member, when="past", page=3, per_page=1, now=now)


def test_editing_the_activity_does_not_make_open_minutes_stale_nor_the_reverse(club, meeting):
    started_minutes, started_edit = meeting.minutes_version, meeting.version
    services.update_activity(meeting, services.fields_of(meeting), actor=club.convener, base_version=started_edit)
    services.cancel_activity(meeting, "颱風", actor=club.convener)
    services.reinstate_activity(meeting, actor=club.convener)
    db.session.commit()
    services.save_minutes(meeting, "## 決議\n\n照常進行", "", actor=club.convener, base_version=started_minutes)
    db.session.commit()
    assert meeting.minutes.startswith("## 決議")
    version = meeting.version
    services.reinstate_activity(meeting, actor=club.convener)  # not cancelled: nothing happens
    assert meeting.version == version


def test_the_attendance_table_lists_who_takes_part_not_guest_experts(club, meeting):
    from tests.factories import add_member, make_user

    add_member(club.community, make_user(display_name="客座專家"), role="guest_expert")
    names = [row.user.display_name for row in services.roster(meeting)]
    assert "客座專家" not in names and names == [user.display_name for user in services.members_for_sheet(meeting)]


def test_a_speaker_named_like_a_member_is_that_member(club):
    activity = services.create_activity(club.community, fields(speakers=[
        services.SpeakerFields(name="林老師", hours=1), services.SpeakerFields(name="張教授", external=True, hours=2)]),
        actor=club.convener)
    assert [(speaker.name, speaker.user_id) for speaker in activity.speakers] == [
        ("林老師", club.member.id), ("張教授", None)]


# --- the next activities of a home ----------------------------------------------------------------


def test_the_next_activities_are_the_soonest_not_cancelled_with_what_they_ask_of_the_reader(club):
    """QA13 #6: the homes show what comes next, and the activity's page's "you are expected" and leave request."""
    soon = now_local(24 * 60)
    club.activity("明天的共備", starts=soon)
    dropped = club.activity("取消的活動", starts=soon + dt.timedelta(hours=3))
    services.cancel_activity(dropped, "颱風", actor=club.convener)
    asked = club.activity("請過假的活動", starts=soon + dt.timedelta(days=1))
    services.request_leave(asked, "校外教學", actor=club.member)
    lesson = services.record_activity(club.community, fields(
        title="公開課", method="observation_feedback", starts_at=soon + dt.timedelta(days=2),
        ends_at=soon + dt.timedelta(days=2, hours=1)), actor=club.convener, present=[club.other.id])
    lesson.named_only = True
    club.activity("第四場", starts=soon + dt.timedelta(days=3))
    club.activity("已結束", starts=now_local(-300))
    db.session.commit()

    found = services.next_activities(club.member, [club.community])

    assert [item.activity.title for item in found] == ["明天的共備", "請過假的活動", "公開課"]  # three, soonest first
    tomorrow, excused, public = found
    assert (tomorrow.expected, tomorrow.may_ask_leave, tomorrow.started, tomorrow.activity.leave) == (
        True, True, False, "")
    assert (excused.activity.leave, excused.expected) == ("pending", True)
    # Only the people it names are expected: a colleague is welcome, with nothing to be excused from.
    assert (public.expected, public.may_ask_leave) == (False, False)
    named = services.next_activities(club.other, [club.community])[2]
    assert (named.activity.title, named.expected, named.may_ask_leave) == ("公開課", True, True)
    # As the activity's page and the policy answer them.
    for item, person in ((tomorrow, club.member), (public, club.member), (named, club.other)):
        activity = db.session.get(Activity, item.activity.id)
        assert item.expected == services.is_expected(activity, person)
        assert item.may_ask_leave == can(person, "request_leave", activity)


def test_a_pair_s_private_meeting_is_next_only_for_the_pair_and_a_reviewer_is_expected_nowhere(club):
    soon = now_local(24 * 60)
    meeting = services.record_activity(club.community, fields(
        title="林老師與王老師的輔導", method="new_teacher_mentoring", starts_at=soon,
        ends_at=soon + dt.timedelta(hours=1)), actor=club.convener, present=[club.member.id, club.other.id],
        private=True)
    club.activity("全體共備", starts=soon + dt.timedelta(days=1))
    db.session.commit()
    assert services.next_activities(club.member, [club.community])[0].activity.id == meeting.id
    assert [item.activity.title for item in services.next_activities(club.convener, [club.community])] == ["全體共備"]
    reviewer = make_reviewer(club.community.schools[0])
    [item] = services.next_activities(reviewer, [club.community])
    assert (item.expected, item.may_ask_leave) == (False, False)


def test_an_activity_under_way_is_still_next_and_an_archived_community_takes_no_leave_request(club):
    club.activity("進行中", starts=now_local(-30), hours=2)
    db.session.commit()
    [item] = services.next_activities(club.member, [club.community])
    assert item.started  # the home says it is under way, not "you are expected"
    club.activity("下週", starts=now_local(7 * 24 * 60))
    club.community.archived_at = services.utcnow()
    db.session.commit()
    assert [item.may_ask_leave for item in services.next_activities(club.member, [club.community])] == [False, False]
