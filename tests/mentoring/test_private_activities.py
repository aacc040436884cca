"""A pair's meeting or observation recorded as a community activity counts for the funder's rules, but who guides
whom and when stays the pair's: only the pair, the conveners and admins read it, on its page, in the lists, the
month calendar, the calendar feeds and the participation rows; nobody else gives it feedback or asks leave; the
compliance panel counts it for everyone and names it only to those who see the pairings (QA: members and reviewers
read "新進教師輔導：林老師" with both names, and a member's feedback on it counted as evidence)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import make_reviewer, make_user
from tests.mentoring.helpers import make_pair
from workspace.activities import feeds
from workspace.activities import services as activities
from workspace.activities.models import Activity, Feedback
from workspace.core.errors import ValidationError
from workspace.core.permissions import can
from workspace.extensions import db
from workspace.mentoring.models import MeetingLog
from workspace.mentoring.services import logs
from workspace.mentoring.services.logs import LogFields

DAY = dt.date(2026, 9, 10)


@pytest.fixture()
def recorded(ctx):
    """A pair whose meeting was recorded as an activity, and an ordinary activity of the same day."""
    pair = make_pair()
    log = logs.create_log(pair.pairing, LogFields(held_on=DAY, duration_minutes=45, topics="班級經營", notes="",
                                                  as_activity=True), actor=pair.mentor)
    open_meeting = activities.create_activity(pair.community, activities.ActivityFields(
        title="全體共同備課", method="collaborative_planning", starts_at=dt.datetime(2026, 9, 10, 9, 0),
        ends_at=dt.datetime(2026, 9, 10, 10, 0)), actor=pair.convener)
    db.session.commit()
    pair.meeting = db.session.get(Activity, log.activity_id)
    pair.open_meeting = open_meeting
    pair.reviewer = make_reviewer(None)  # the county's: every community
    pair.admin = make_user(is_admin=True)
    db.session.commit()
    return pair


def test_the_recorded_meeting_is_private_and_read_by_the_pair_the_conveners_and_admins(recorded):
    meeting = recorded.meeting
    assert meeting.private and meeting.named_only
    for reader in (recorded.mentor, recorded.mentee, recorded.convener, recorded.admin):
        assert can(reader, "view", meeting), reader.display_name
    for outsider in (recorded.colleague, recorded.reviewer):
        assert not can(outsider, "view", meeting), outsider.display_name
        assert can(outsider, "view", recorded.open_meeting), outsider.display_name
    assert not can(recorded.colleague, "give_feedback", meeting)
    assert not can(recorded.colleague, "sign_in", meeting) and not can(recorded.colleague, "request_leave", meeting)
    assert can(recorded.mentee, "give_feedback", meeting)


def test_a_colleague_and_a_reviewer_neither_open_nor_list_it(client, recorded):
    slug, meeting = recorded.community.slug, recorded.meeting
    for outsider in (recorded.colleague, recorded.reviewer):
        client.login(outsider)
        assert client.get(f"/c/{slug}/activities/{meeting.id}").status_code == 404
        past = client.get(f"/c/{slug}/activities/?when=past").get_data(as_text=True)
        calendar = client.get(f"/c/{slug}/activities/calendar?month=2026-09").get_data(as_text=True)
        participation = client.get(f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30")
        for page in (past, calendar, participation.get_data(as_text=True)):
            assert "全體共同備課" in page  # the community's own activity is there
            assert meeting.title not in page
        assert "林老師" not in past and "林老師" not in calendar  # (participation lists her as a member, as before)
    client.login(recorded.convener)
    for path in (f"/c/{slug}/activities/{meeting.id}", f"/c/{slug}/activities/?when=past",
                 f"/c/{slug}/activities/calendar?month=2026-09"):
        assert meeting.title in client.get(path).get_data(as_text=True), path
    # The participation page reads the records, which call it by a neutral name (as every report does).
    participation = client.get(f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30")
    assert "A mentoring record kept to the pair" in participation.get_data(as_text=True)


def test_the_participation_page_counts_it_for_everyone_and_links_it_for_those_who_open_it(client, recorded):
    """QA: a reviewer's participation page said 2 activities held where the panel and the report they approve said
    4 (the pair's records were left out of its figures): the figures are the community's for every reader; the
    row is there by its neutral name, linked only for those who may open it."""
    slug, meeting = recorded.community.slug, recorded.meeting
    path = f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30"
    link = f'href="/c/{slug}/activities/{meeting.id}"'
    for reader, linked in ((recorded.convener, True), (recorded.mentor, True), (recorded.colleague, False),
                           (recorded.reviewer, False)):
        client.login(reader)
        page = client.get(path).get_data(as_text=True)
        assert "2 activities held" in page, reader.display_name
        assert "A mentoring record kept to the pair" in page and meeting.title not in page
        assert (link in page) is linked, reader.display_name
        assert f'href="/c/{slug}/activities/{recorded.open_meeting.id}"' in page


def test_a_colleagues_feedback_on_it_is_refused_and_not_stored(client, recorded):
    client.login(recorded.colleague)
    response = client.post_form(f"/c/{recorded.community.slug}/activities/{recorded.meeting.id}/feedback",
                                {"satisfaction": "1", "comment": "我沒去"})
    assert response.status_code == 404
    assert db.session.scalar(select(Feedback.id)) is None


def test_the_calendar_feeds_hold_it_only_for_the_pair(recorded):
    for person, expected in ((recorded.mentee, True), (recorded.colleague, False)):
        held = {activity.id for activity in feeds.feed_activities(feeds.ensure_feed(person, recorded.community),
                                                                  now=dt.datetime(2026, 9, 11, tzinfo=dt.UTC))}
        assert recorded.open_meeting.id in held
        assert (recorded.meeting.id in held) is expected, person.display_name


def test_its_sign_in_page_and_its_month_are_not_there_for_the_others(client, recorded):
    """QA: the sign-in page (403, titled with the pair) and the monthly plans page (planned and held, linked) named
    it to every member and reviewer."""
    slug, meeting = recorded.community.slug, recorded.meeting
    for outsider in (recorded.colleague, recorded.reviewer):
        client.login(outsider)
        assert client.get(f"/c/{slug}/activities/{meeting.id}/sign-in").status_code == 404
        assert client.get(f"/c/{slug}/activities/{meeting.id}/sign-in?t=x").status_code == 404
    assert activities.activities_in_month(recorded.community, DAY) == [recorded.open_meeting]
    # Held, it is counted in its month unnamed, as the results report counts the month (QA: "held 0" here, 2 there).
    status = activities.plan_status(recorded.community, DAY, DAY)
    assert status.held_kept_to_pairs == 1 and [item.id for item in status.held] == [recorded.open_meeting.id]


def test_a_plan_cannot_link_it_by_a_post_the_picker_would_not_make(client, recorded):
    """QA: the picker hid it, but a direct POST linked it and the plan then showed it to every member."""
    from workspace.core import links
    from workspace.plans import services as plans

    doc = plans.create_plan(recorded.community, plans.PlanFields(topic="分數"), actor=recorded.convener)
    db.session.commit()
    client.login(recorded.mentor)
    answer = client.post_form(f"/c/{recorded.community.slug}/plans/{doc.id}/links",
                              {"target": f"activity:{recorded.meeting.id}", "role": "meeting"})
    assert answer.status_code == 302  # back to the plan, which says why (as for any activity it cannot link)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Choose one of this community" in page and "activities." in page
    with pytest.raises(ValidationError):  # nor the convener, through the service
        plans.link_target(doc, "activity", recorded.meeting.id, "meeting", actor=recorded.convener)
    assert links.links_from(doc, to_kind="activity") == []


def test_it_counts_as_held_but_in_no_members_tally(recorded, app):
    """The read module counts it among the held activities (its row, its attendees unnamed) and its hours, but no
    member's attended / held counts it: counted against the two names, the figures told every reader who mentors
    whom (QA: 王淑芬 4 / 4 and 黃美玲 4 / 4 beside "2 activities held" and everyone else's 2 / 2)."""
    from workspace.activities import records
    from workspace.core.records import Period

    period = Period(dt.date(2026, 8, 1), dt.date(2027, 7, 31))
    _mark_everyone_present(recorded)
    report = records.participation([recorded.community.id], period, now=dt.datetime(2026, 9, 11, tzinfo=dt.UTC))
    row = next(row for row in report.activities if row.activity.id == recorded.meeting.id)
    assert row.activity.private and row.activity.title == "A mentoring record kept to the pair"
    assert (row.attended, row.members, row.rate) == (2, 2, 1)  # the pair expected, unnamed
    tallies = {member.user_id: (member.attended, member.held) for member in report.members}
    assert tallies[recorded.mentor.id] == tallies[recorded.colleague.id] == (1, 1)  # the open meeting only
    assert dict(report.hours_by_method)["new_teacher_mentoring"] == 0.75


def _mark_everyone_present(recorded) -> None:
    statuses = {user.id: "present" for user in (recorded.mentor, recorded.mentee, recorded.colleague,
                                                 recorded.convener)}
    activities.set_attendance(recorded.open_meeting, statuses, actor=recorded.convener,
                              now=dt.datetime(2026, 9, 10, 11, 0, tzinfo=dt.UTC))
    db.session.commit()


def test_the_participation_page_adds_up_to_the_community_s_figures_for_every_reader(client, recorded):
    """A colleague's participation page counts it as the panel does (its hours by method too), unlinked, and says
    under the members why no member's row counts it."""
    from workspace.activities import services as activity_services

    reports = {reader.id: activity_services.participation(
        recorded.community, dt.date(2026, 9, 1), dt.date(2026, 9, 30), viewer=reader,
        now=dt.datetime(2026, 9, 11, tzinfo=dt.UTC)) for reader in (recorded.colleague, recorded.convener)}
    colleague, convener = reports[recorded.colleague.id], reports[recorded.convener.id]
    assert colleague.unlinked == {recorded.meeting.id} and convener.unlinked == frozenset()
    assert ([row.activity.id for row in colleague.activities] == [row.activity.id for row in convener.activities]
            == [recorded.meeting.id, recorded.open_meeting.id] or
            {row.activity.id for row in colleague.activities} == {recorded.meeting.id, recorded.open_meeting.id})
    assert colleague.hours_by_method == convener.hours_by_method
    assert {method for method, _hours in colleague.hours_by_method} == {"collaborative_planning",
                                                                        "new_teacher_mentoring"}
    note = "1 mentoring record kept to the pair counts in the community's figures, not in any member's row."
    for reader in (recorded.colleague, recorded.convener):
        client.login(reader)
        page = client.get(f"/c/{recorded.community.slug}/activities/participation?start=2026-09-01&end=2026-09-30")
        assert note in page.get_data(as_text=True), reader.display_name


def test_its_minutes_files_and_feedback_stay_out_of_the_records_other_areas_read(recorded, app):
    """What the exports read of it: that it was held, whether it has minutes and how many files; never what the
    minutes say, the files or the feedback (QA: the pair's minutes went to the county in the evidence pack and
    the results report)."""
    from workspace.activities import records
    from workspace.core.records import Period

    meeting = recorded.meeting
    _written_on_it_earlier(meeting, "## 討論\n\n黃老師談到與家長溝通的壓力。")
    db.session.add(Feedback(activity_id=meeting.id, user_id=recorded.mentee.id, satisfaction=5, comment="很有幫助"))
    db.session.commit()
    period = Period(dt.date(2026, 8, 1), dt.date(2027, 7, 31))
    ids = [recorded.community.id]
    row = next(row for row in records.activities(ids, period) if row.id == meeting.id)
    assert row.has_minutes
    assert meeting.id not in records.activity_texts(ids, period)
    assert recorded.open_meeting.id in records.activity_texts(ids, period)
    now = dt.datetime(2026, 9, 11, tzinfo=dt.UTC)
    assert all(item.activity_id != meeting.id for item in records.feedback(ids, period, now=now))
    assert all(item.activity_id != meeting.id for item in records.feedback_comments(ids, period, now=now))
    assert all(item.activity_id != meeting.id for item in records.evidence_files(ids, period))


def _written_on_it_earlier(activity, text: str) -> None:
    """Minutes typed on the activity itself, as conveners and the recorder could before QA round 13."""
    from workspace.core.text import render_markdown

    activity.minutes, activity.minutes_html = text, str(render_markdown(text))
    activity.outcomes, activity.outcomes_html = "家長溝通", str(render_markdown("家長溝通"))
    db.session.commit()


def test_nobody_writes_minutes_on_it_and_what_was_written_earlier_counts_for_nothing(client, recorded):
    """QA round 13: a co-convener outside the pair was offered "Write the minutes" on it, saved text that no
    export carried, and the checklist then ticked "minutes written". The pair's record is its minutes: no editor
    for anyone, the route refuses saying why, and text written there earlier stays readable on the page, marked as
    going into no export, and ticks nothing (on the page, the panel's records, the exports)."""
    slug, meeting = recorded.community.slug, recorded.meeting
    minutes_url = f"/c/{slug}/activities/{meeting.id}/minutes"
    for person in (recorded.convener, recorded.mentor, recorded.mentee):
        assert not can(person, "write_minutes", meeting), person.display_name
        client.login(person)
        page = client.get(f"/c/{slug}/activities/{meeting.id}").get_data(as_text=True)
        assert minutes_url not in page and "Write the minutes" not in page
        refused = client.get(minutes_url)
        assert refused.status_code == 403 and "is the minutes of this activity" in refused.get_data(as_text=True)
        saved = client.post_form(minutes_url, {"minutes": "QA-CONVENER-MINUTES", "outcomes": "", "base_version": "1"})
        assert saved.status_code == 403
    assert db.session.get(Activity, meeting.id).minutes in ("", None)
    # An open activity's minutes are written as before.
    client.login(recorded.convener)
    assert client.get(f"/c/{slug}/activities/{recorded.open_meeting.id}/minutes").status_code == 200
    # Text written on it before stays readable there, said to go nowhere; only the pair's log ticks the minutes.
    _written_on_it_earlier(meeting, "QA-CHEN-MINUTES-9 討論家長溝通")
    log = db.session.scalar(select(MeetingLog).where(MeetingLog.activity_id == meeting.id))
    log.topics, log.notes = " ", ""
    db.session.commit()
    page = client.get(f"/c/{slug}/activities/{meeting.id}").get_data(as_text=True)
    assert "QA-CHEN-MINUTES-9" in page and "Written on this page earlier" in page and "goes into no export" in page
    assert '<span aria-hidden="true">○</span> Minutes written' in page
    assert "serves as its minutes once it is written" in page
    assert not _record_of(recorded, meeting.id).has_minutes
    log.topics = "班級經營"
    db.session.commit()
    page = client.get(f"/c/{slug}/activities/{meeting.id}").get_data(as_text=True)
    assert '<span aria-hidden="true">✓</span> Minutes written' in page
    assert "serves as its minutes; what it says stays between the two" in page
    assert _record_of(recorded, meeting.id).has_minutes


def test_its_attendance_page_lists_only_the_pair_and_gives_no_one_else_a_mark(client, recorded):
    """A mark is what lets a member read it: the conveners' table lists the pair only, and a mark posted for a
    colleague is not given (QA: marking a colleague absent opened the meeting to them)."""
    meeting, slug = recorded.meeting, recorded.community.slug
    assert {row.user.id for row in activities.roster(meeting)} == {recorded.mentor.id, recorded.mentee.id}
    client.login(recorded.convener)
    page = client.get(f"/c/{slug}/activities/{meeting.id}/attendance").get_data(as_text=True)
    assert recorded.colleague.display_name not in page
    response = client.post_form(f"/c/{slug}/activities/{meeting.id}/attendance",
                                data={f"status-{recorded.colleague.id}": "absent",
                                      f"status-{recorded.mentee.id}": ""})
    assert response.status_code == 302
    assert not can(recorded.colleague, "view", db.session.get(Activity, meeting.id))
    assert can(recorded.mentee, "view", db.session.get(Activity, meeting.id))  # not taken off it either


def test_it_has_no_paper_sheet_no_copy_and_no_thread_about_it(client, recorded):
    """Its paper sign-in sheet would list every member under the pair's title; a copy of it would be an open
    activity named for the pair; a thread about it would be everyone's (QA: each prefilled the pair's names)."""
    meeting, slug = recorded.meeting, recorded.community.slug
    client.login(recorded.convener)
    assert client.get(f"/c/{slug}/activities/{meeting.id}/sheet").status_code == 404
    page = client.get(f"/c/{slug}/activities/{meeting.id}").get_data(as_text=True)
    assert f"copy={meeting.id}" not in page and f"/activities/{meeting.id}/sheet" not in page
    copy = client.get(f"/c/{slug}/activities/new?copy={meeting.id}").get_data(as_text=True)
    assert meeting.title not in copy
    open_copy = client.get(f"/c/{slug}/activities/new?copy={recorded.open_meeting.id}").get_data(as_text=True)
    assert "全體共同備課" in open_copy
    client.login(recorded.mentee)
    page = client.get(f"/c/{slug}/activities/{meeting.id}").get_data(as_text=True)
    assert f"discussions/new?activity={meeting.id}" not in page
    thread = client.get(f"/c/{slug}/discussions/new?activity={meeting.id}").get_data(as_text=True)
    assert meeting.title not in thread


def _record_of(recorded, activity_id: int):
    from workspace.activities import records
    from workspace.core.records import Period

    rows = records.activities([recorded.community.id], Period(dt.date(2026, 8, 1), dt.date(2027, 7, 31)),
                              now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    return next(row for row in rows if row.id == activity_id)


def test_the_meeting_s_log_is_its_minutes(recorded):
    """QA: the pair's meetings counted among the activities and stayed "no minutes" on the panel, in the report and
    in the submission, though the log of the meeting is its minutes: the convener could only clear the gap by
    writing into the pair's private record. A log with topics or notes is the minutes; one with neither, or in the
    trash, is not; what it says stays out of the records."""
    meeting = recorded.meeting
    assert _record_of(recorded, meeting.id).has_minutes  # its topics: 班級經營
    log = db.session.scalar(select(MeetingLog).where(MeetingLog.activity_id == meeting.id))
    log.topics, log.notes = " ", ""
    db.session.commit()
    assert not _record_of(recorded, meeting.id).has_minutes
    log.notes = "談了與家長溝通的方式"
    db.session.commit()
    assert _record_of(recorded, meeting.id).has_minutes
    log.deleted_at = dt.datetime(2026, 9, 12, tzinfo=dt.UTC)
    db.session.commit()
    assert not _record_of(recorded, meeting.id).has_minutes
    assert not _record_of(recorded, recorded.open_meeting.id).has_minutes  # the open meeting: its own minutes only


def test_an_observation_s_notes_are_its_minutes_and_their_photos_its_photos(recorded):
    import io

    from tests.media import png_bytes
    from workspace.core.storage import store_upload
    from workspace.mentoring.services import observations

    observation = observations.create_observation(recorded.community, observations.PlanFields(
        observed_id=recorded.mentee.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0),
        subject="數學", focus="提問", pairing_id=recorded.pairing.id), actor=recorded.mentor)
    photo = store_upload(io.BytesIO(png_bytes()), "板書.png")
    observations.add_note(observation, observations.NoteFields(client_key="p", text="板書清楚"),
                          actor=recorded.mentor, photo=photo)
    observations.share_with_observed(observation, actor=recorded.mentor)
    observations.finalize(observation, actor=recorded.mentor)
    db.session.commit()
    row = _record_of(recorded, observation.activity_id)
    assert row.private and row.has_minutes and row.photos == 1


def test_the_activity_page_says_the_pair_s_record_is_its_minutes(client, recorded):
    """QA: the panel counted the meeting's log as its minutes while the activity page said "No minutes yet." and its
    checklist left minutes unticked: the page and the panel say the same."""
    meeting = recorded.meeting
    client.login(recorded.mentor)
    page = client.get(f"/c/{recorded.community.slug}/activities/{meeting.id}").get_data(as_text=True)
    assert "serves as its minutes" in page and "No minutes yet." not in page
    assert '<span aria-hidden="true">✓</span> Minutes written<span class="visually-hidden">: Done</span>' in page
    open_page = client.get(f"/c/{recorded.community.slug}/activities/{recorded.open_meeting.id}").get_data(
        as_text=True)
    missing = '<span aria-hidden="true">○</span> Minutes written<span class="visually-hidden">: Not done yet</span>'
    assert "No minutes yet." in open_page and missing in open_page
