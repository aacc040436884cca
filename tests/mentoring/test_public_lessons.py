"""Public lessons (公開課): scheduling records a community activity, moving and cancelling follow through, the plan
is linked, the form refuses what it must (services), and the pages answer as pages, fragments, 422 and 404."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.exports.sheets_data import community_year
from tests.factories import add_member, make_community, make_user
from tests.mentoring import helpers
from tests.mentoring.helpers import Pair
from workspace.activities import records as activity_records
from workspace.activities import services as activities
from workspace.activities.models import Activity, Attendance
from workspace.communities.models import Community, Membership
from workspace.core import links
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.records import Period, local_day
from workspace.exports import ledger
from workspace.extensions import db
from workspace.mentoring.models import (
    Milestone,
    MilestoneKind,
    Observation,
    ObservationForm,
    ObservationStatus,
    Pairing,
    PublicLesson,
)
from workspace.mentoring.services import public_lessons as services
from workspace.mentoring.services.terms import school_year_around
from workspace.notifications.models import Notification
from workspace.plans.models import PlanDoc

FUTURE = dt.date(2037, 3, 10)  # a day in a semester still to come, whatever the clock says
PAST = dt.date(2026, 10, 14)  # a day of the first semester of 2026, already over


def make_pair(starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> Pair:
    """A pair whose pairing spans PAST and FUTURE: a lesson is dated within its teacher's pairing."""
    return helpers.make_pair(starts_on or dt.date(2026, 9, 1), ends_on or dt.date(2038, 7, 31))


def fields(pair: Pair, day: dt.date = FUTURE, **overrides) -> services.LessonFields:
    values = dict(teacher_id=pair.mentee.id, topic="分數的加減", day=day, starts=dt.time(10, 0),
                  ends=dt.time(10, 40), subject="數學", place="五年甲班")
    values.update(overrides)
    return services.LessonFields(**values)


def schedule(pair: Pair, day: dt.date = FUTURE, actor=None, **overrides) -> PublicLesson:
    lesson = services.schedule_lesson(pair.community, fields(pair, day, **overrides), actor=actor or pair.mentee)
    db.session.commit()
    return lesson


def make_plan(pair: Pair, topic: str = "分數教案", **values) -> PlanDoc:
    plan = PlanDoc(community_id=pair.community.id, topic=topic, created_by_id=pair.convener.id, **values)
    db.session.add(plan)
    db.session.commit()
    return plan


def make_form(community_id: int | None = None, title: str = "觀課紀錄表") -> ObservationForm:
    form = ObservationForm(community_id=community_id, title=title, rows=[], levels=[])
    db.session.add(form)
    db.session.commit()
    return form


def observe(pair: Pair, lesson: PublicLesson, observer, *, status: str = ObservationStatus.DRAFT.value,
            deleted: bool = False) -> Observation:
    form = lesson.form or make_form()
    observation = Observation(community_id=pair.community.id, public_lesson_id=lesson.id, observer_id=observer.id,
                              observed_id=lesson.teacher_id, form_id=form.id, observed_on=FUTURE, status=status,
                              strengths="很清楚", deleted_at=utcnow() if deleted else None)
    db.session.add(observation)
    db.session.commit()
    return observation


# --- services ------------------------------------------------------------------------------------


def test_scheduling_records_a_community_activity_with_the_method_the_tag_and_the_teacher_present(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    activity = db.session.get(Activity, lesson.activity_id)
    assert activity.community_id == pair.community.id
    assert activity.method == "observation_feedback" and activity.tags == ["公開課"]
    assert activity.title == "公開課：分數的加減（林老師）"  # the community's records language, not the request's
    assert activity.subjects == ["數學"] and activity.place == "五年甲班"
    assert activities.to_local(activity.starts_at).replace(tzinfo=None) == dt.datetime(2037, 3, 10, 10, 0)
    marks = db.session.execute(select(Attendance.user_id, Attendance.status)
                               .where(Attendance.activity_id == activity.id)).all()
    assert marks == [(pair.mentee.id, "present")]
    assert lesson.pairing_id == pair.pairing.id and lesson.created_by_id == pair.mentee.id


def test_the_public_lesson_tag_is_read_in_the_reader_s_script_and_stored_as_shipped(client, ctx):
    """QA: the tag was 公開課 on Simplified and English pages and in a Simplified ledger, where the form promised
    #公开课. It is the app's word: stored as shipped (the rules fold the scripts), read in the reader's script, in
    the records every export reads as on the activity's page; a tag people typed stays as typed."""
    pair = make_pair()
    lesson = schedule(pair)
    typed = activities.create_activity(pair.community, activities.ActivityFields(
        title="共同備課", method="collaborative_planning", starts_at=dt.datetime.combine(FUTURE, dt.time(14, 0)),
        ends_at=dt.datetime.combine(FUTURE, dt.time(15, 0)), tags=["數學"]), actor=pair.convener)
    db.session.commit()
    assert lesson.activity.tags == ["公開課"]
    that_day = Period(FUTURE, FUTURE)
    for locale, tag in (("zh_Hans", "公开课"), ("zh_Hant", "公開課"), ("en", "公開課")):
        with force_locale(locale):
            read = {row.id: row.tags for row in activity_records.activities([pair.community.id], that_day)}
        assert read == {lesson.activity_id: (tag,), typed.id: ("數學",)}, locale
    client.login(pair.colleague)
    path = f"/c/{pair.community.slug}/activities/{lesson.activity_id}"
    pair.colleague.locale = "zh_Hans"
    db.session.commit()
    simplified = client.get(path).text
    assert "#公开课" in simplified and "公開課</span>" not in simplified
    assert '<span class="tag" lang="zh-Hant">#數學</span>' in client.get(
        f"/c/{pair.community.slug}/activities/{typed.id}").text  # as typed, marked
    pair.colleague.locale = "en"
    db.session.commit()
    assert '<span class="tag" lang="zh-Hant">#公開課</span>' in client.get(path).text


def test_a_simplified_convener_editing_the_lesson_s_activity_reads_and_keeps_the_shipped_tag(client, ctx):
    """QA 12: the activity's edit form showed the stored 公開課 on a Simplified page; saved back as 公开课, the tag
    would no longer be the app's word (a Traditional reader would read #公开课)."""
    pair = make_pair()
    lesson = schedule(pair)
    pair.convener.locale = "zh_Hans"
    db.session.commit()
    client.login(pair.convener)
    edit = f"/c/{pair.community.slug}/activities/{lesson.activity_id}/edit"
    page = client.get(edit).text
    assert 'value="公开课"' in page and "公開課</" not in page.split('name="tags"')[1].split(">")[0]
    fields = dataclasses.replace(activities.fields_of(lesson.activity), tags="公开课, 数学, 公開課")
    saved = activities.update_activity(lesson.activity, fields, actor=pair.convener,
                                       base_version=lesson.activity.version)
    db.session.commit()
    assert saved.tags == ["公開課", "数学"]  # the shipped word as shipped, once; a typed one as typed


def test_a_simplified_ledger_names_the_public_lesson_tag_in_simplified(ctx):
    year = community_year()
    enrollment = year.enrollment
    community = db.session.get(Community, enrollment.community_id)
    day = local_day(utcnow()) + dt.timedelta(days=30)
    activities.record_activity(community, activities.ActivityFields(
        title="公開課：分數的大小比較（林老師）", method="observation_feedback",
        starts_at=dt.datetime.combine(day, dt.time(10, 0)), ends_at=dt.datetime.combine(day, dt.time(10, 40)),
        tags=[services.TAG]), actor=year.enrolled.club.convener)
    db.session.commit()
    simplified = ledger.ledger_csv(enrollment, "zh_Hans").data.decode("utf-8-sig")
    assert "公开课" in simplified and "公開課" not in simplified.replace("公開課：", "")  # the title is the records'
    assert "公開課" in ledger.ledger_csv(enrollment, "zh_Hant").data.decode("utf-8-sig")


def test_scheduling_ticks_the_pairing_s_public_lesson_milestone(ctx):
    pair = make_pair()
    milestone = Milestone(pairing_id=pair.pairing.id, title="第一次公開課", due_on=dt.date(2027, 1, 31),
                          kind=MilestoneKind.PUBLIC_LESSON.value)
    db.session.add(milestone)
    db.session.commit()
    schedule(pair)
    assert db.session.get(Milestone, milestone.id).done_at is not None


def test_a_convener_schedules_for_a_member_but_a_colleague_cannot_schedule(ctx):
    pair = make_pair()
    this_year = school_year_around(local_day(utcnow())).last  # a teacher in no pairing: within this school year
    lesson = schedule(pair, this_year, actor=pair.convener, teacher_id=pair.colleague.id)  # not a mentee: convener may
    assert lesson.teacher_id == pair.colleague.id and lesson.pairing_id is None
    with pytest.raises(NotAllowed):
        services.schedule_lesson(pair.community, fields(pair, teacher_id=pair.colleague.id), actor=pair.colleague)


def test_a_new_teacher_schedules_only_for_themselves_and_only_members_are_chosen(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, teacher_id=pair.colleague.id), actor=pair.mentee)
    assert refused.value.field == "teacher_id"
    outsider = make_user()
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, teacher_id=outsider.id), actor=pair.convener)
    assert refused.value.field == "teacher_id"


def test_an_end_before_the_start_and_missing_fields_are_refused_together(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, starts=dt.time(11, 0), ends=dt.time(10, 0), topic=""),
                                 actor=pair.mentee)
    assert {name for name, _message in refused.value.errors} == {"ends", "topic"}
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, day=None, starts=None), actor=pair.mentee)
    assert {name for name, _message in refused.value.errors} == {"day", "starts"}
    assert db.session.scalar(select(PublicLesson.id)) is None


def test_an_end_before_the_start_does_not_hide_a_day_outside_the_pairing(ctx):
    """QA: a day outside the pairing with an end before the start was told only the end; the day was told after the
    times were fixed, on a second send. Both are told at once, scheduling and changing a lesson alike."""
    pair = make_pair()
    outside = dt.date(2039, 3, 1)  # the pairing ends 2038-07-31
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, outside, starts=dt.time(10, 40), ends=dt.time(10, 0)),
                                 actor=pair.mentee)
    assert {name for name, _message in refused.value.errors} == {"day", "ends"}
    lesson = schedule(pair)
    with pytest.raises(ValidationError) as refused:
        services.update_lesson(lesson, fields(pair, outside, starts=dt.time(10, 40), ends=dt.time(10, 0)),
                               actor=pair.mentee)
    assert {name for name, _message in refused.value.errors} == {"day", "ends"}


def test_a_lesson_of_a_whole_day_is_refused_beside_its_end(ctx):
    """QA: 00:00–23:59 was saved, and recorded as a 24-hour activity counting toward the program's hours."""
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, starts=dt.time(0, 0), ends=dt.time(23, 59)),
                                 actor=pair.mentee)
    assert [name for name, _message in refused.value.errors] == ["ends"]
    assert "at most 4 hours" in refused.value.message
    assert db.session.scalar(select(PublicLesson.id)) is None
    services.schedule_lesson(pair.community, fields(pair, starts=dt.time(9, 0), ends=dt.time(13, 0)),
                             actor=pair.mentee)  # four hours, conferences included: taken


def test_the_plan_is_linked_once_through_the_link_table_and_only_a_readable_plan_of_the_community(ctx):
    pair = make_pair()
    plan = make_plan(pair)
    lesson = schedule(pair, plan_id=plan.id)
    assert [(link.to_type, link.to_id, link.role) for link in links.links_from(lesson)] == [("plan", plan.id, "plan")]
    assert services.linked_plan(lesson, pair.colleague) == plan
    other = make_community(make_user())
    elsewhere = PlanDoc(community_id=other.id, topic="別的教案")
    db.session.add(elsewhere)
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, FUTURE + dt.timedelta(days=7), plan_id=elsewhere.id),
                                 actor=pair.mentee)
    assert refused.value.field == "plan_id"
    plan.deleted_at = utcnow()  # in the trash: the link stays, the page no longer shows it
    db.session.commit()
    assert services.linked_plan(lesson, pair.colleague) is None


def test_the_observation_form_is_one_offered_here(ctx):
    pair = make_pair()
    shipped, own = make_form(None, "預設觀課紀錄表"), make_form(pair.community.id, "社群觀課紀錄表")
    other = make_form(make_community(make_user()).id, "別的社群")
    assert {form.id for form in services.forms_to_use(pair.community, pair.mentee)} == {shipped.id, own.id}
    assert schedule(pair, form_id=own.id).form_id == own.id
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, FUTURE + dt.timedelta(days=7), form_id=other.id),
                                 actor=pair.mentee)
    assert refused.value.field == "form_id"


def test_a_second_lesson_of_the_same_teacher_at_the_same_time_is_refused(ctx):
    """A form sent twice, or a slip of the day: one teacher does not give two public lessons at once. Another
    teacher may; a cancelled lesson leaves the time free; a lesson moved onto itself is no clash."""
    pair = make_pair()
    first = schedule(pair)
    with pytest.raises(ValidationError) as refused:
        services.schedule_lesson(pair.community, fields(pair, topic="又一次"), actor=pair.mentee)
    assert refused.value.field == "day" and "already gives a public lesson" in refused.value.message
    assert services.update_lesson(first, services.fields_of(first), actor=pair.mentee).id == first.id
    services.cancel_lesson(first, "改期", actor=pair.mentee)
    db.session.commit()
    assert schedule(pair, topic="改期後").id != first.id


def test_changing_a_lesson_moves_its_activity_and_relinks_the_plan(ctx):
    pair = make_pair()
    first, second = make_plan(pair, "甲"), make_plan(pair, "乙")
    lesson = schedule(pair, plan_id=first.id)
    version = lesson.activity.version
    services.update_lesson(lesson, fields(pair, day=FUTURE + dt.timedelta(days=2), starts=dt.time(13, 30),
                                          ends=dt.time(14, 10), topic="小數", place="視聽教室", plan_id=second.id),
                           actor=pair.convener)
    db.session.commit()
    activity = db.session.get(Activity, lesson.activity_id)
    assert activities.to_local(activity.starts_at).replace(tzinfo=None) == dt.datetime(2037, 3, 12, 13, 30)
    assert activity.place == "視聽教室" and "小數" in activity.title and activity.tags == ["公開課"]
    assert activity.version > version  # a convener's form of the activity from before is refused
    assert lesson.teacher_id == pair.mentee.id
    assert [link.to_id for link in links.links_from(lesson)] == [second.id]
    with pytest.raises(NotAllowed):
        services.update_lesson(lesson, fields(pair), actor=pair.colleague)


def test_cancelling_a_lesson_cancels_its_activity_and_keeps_both(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    with pytest.raises(NotAllowed):
        services.cancel_lesson(lesson, "", actor=pair.colleague)
    services.cancel_lesson(lesson, "學校活動", actor=pair.mentee)
    db.session.commit()
    activity = db.session.get(Activity, lesson.activity_id)
    assert activity.cancelled and activity.cancel_reason == "學校活動"
    assert db.session.get(PublicLesson, lesson.id) is not None and services.status_of(lesson) == "cancelled"
    with pytest.raises(ValidationError):
        services.update_lesson(lesson, fields(pair), actor=pair.mentee)


def test_the_page_s_observations_are_counted_for_all_and_opened_only_where_the_viewer_may_read(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    mine = observe(pair, lesson, pair.colleague)  # the colleague's draft
    observe(pair, lesson, pair.mentor, status=ObservationStatus.SHARED.value)
    observe(pair, lesson, pair.convener, deleted=True)
    seen = services.observations_of(lesson, pair.colleague)
    assert seen.total == 2 and [(item.id, item.readable) for item in seen.visible] == [(mine.id, True)]
    teacher = services.observations_of(lesson, pair.mentee)  # observed: the shared one is readable, the draft not
    assert {item.observer: item.readable for item in teacher.visible} == {"王老師": True, "陳老師": False}
    convener = services.observations_of(lesson, pair.convener)  # sees them, reads none (not shared)
    assert len(convener.visible) == 2 and not any(item.readable for item in convener.visible)


def test_the_list_has_upcoming_and_past_lessons_and_each_new_teacher_s_status_this_semester(ctx):
    pair = make_pair()
    second = make_user(display_name="張老師")
    add_member(pair.community, second)
    db.session.add(Pairing(community_id=pair.community.id, mentor_id=pair.mentor.id, mentee_id=second.id,
                           starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31)))
    db.session.commit()
    held = schedule(pair, PAST)
    cancelled = schedule(pair, PAST + dt.timedelta(days=7), actor=pair.convener, teacher_id=second.id)
    services.cancel_lesson(cancelled, "", actor=pair.convener)
    upcoming = schedule(pair, FUTURE)
    db.session.commit()
    now = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.UTC)
    listing = services.lesson_list(pair.community, pair.colleague, now=now)
    assert [row.id for row in listing.upcoming] == [upcoming.id]
    assert [(row.id, row.status) for row in listing.past] == [(cancelled.id, "cancelled"), (held.id, "held")]
    assert {teacher.display_name: teacher.status for teacher in listing.teachers} == {
        "林老師": "held", "張老師": "not_scheduled"}
    early = services.lesson_list(pair.community, pair.colleague, now=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    assert {teacher.display_name: teacher.status for teacher in early.teachers}["林老師"] == "scheduled"


# --- routes --------------------------------------------------------------------------------------


def url(pair: Pair, name: str = "", lesson: PublicLesson | None = None) -> str:
    base = f"/c/{pair.community.slug}/mentoring/public-lessons/"
    if lesson is not None:
        base += f"{lesson.id}"
    return base + name


FORM = {"topic": "分數的加減", "subject": "數學", "day": "2037-03-10", "starts": "10:00", "ends": "10:40",
        "place": "五年甲班", "plan_id": "", "form_id": ""}


def test_the_list_and_the_lesson_are_pages_and_fragments(client, ctx):
    pair = make_pair()
    plan = make_plan(pair)
    lesson = schedule(pair, plan_id=plan.id)
    mine, theirs = observe(pair, lesson, pair.colleague), observe(pair, lesson, pair.mentor)
    client.login(pair.colleague)
    for path, region in ((url(pair), 'id="public-lessons"'),
                         (url(pair, lesson=lesson), f'id="public-lesson-{lesson.id}"')):
        page = client.get(path)
        assert page.status_code == 200 and "<html" in page.text and region in page.text
        assert "HX-Request" in page.headers["Vary"]
        fragment = client.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text and region in fragment.text
    page = client.get(url(pair, lesson=lesson)).text
    assert f"public_lesson={lesson.id}" in page  # the colleague may observe it
    assert f"/plans/{plan.id}" in page
    assert f"/observations/{mine.id}" in page and f"/observations/{theirs.id}" not in page  # only their own
    assert "分數的加減" in client.get(url(pair)).text


def test_each_new_teacher_s_status_takes_the_reader_s_colon(client, ctx):
    pair = make_pair()
    client.login(pair.colleague)
    name = pair.mentee.display_name
    for language, colon, shown in (("zh-TW", "：", name), ("en", ": ", f'<span lang="zh-Hant">{name}</span>')):
        page = client.get(url(pair), headers={"Accept-Language": language}).text
        item = page[page.index(f'id="public-lesson-teacher-{pair.mentee.id}"'):]
        item = item[:item.index("</li>")]
        assert f"{shown}{colon}<span class=\"badge" in item  # the name in its language on an English page


def test_the_lesson_s_time_is_written_the_way_its_reader_writes_a_day_and_the_timetable(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    client.login(pair.colleague)
    assert "2037年3月10日 10:00–10:40" in client.get(url(pair, lesson=lesson),
                                                    headers={"Accept-Language": "zh-TW"}).text
    assert "Mar 10, 2037 10:00–10:40" in client.get(url(pair, lesson=lesson), headers={"Accept-Language": "en"}).text


def test_the_teacher_does_not_get_the_observe_button_and_sees_the_feedback(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    client.login(pair.mentee)
    page = client.get(url(pair, lesson=lesson)).text
    assert f"public_lesson={lesson.id}" not in page and 'id="public-lesson-feedback"' in page
    client.login(pair.colleague)
    assert 'id="public-lesson-feedback"' not in client.get(url(pair, lesson=lesson)).text


def test_a_new_teacher_schedules_through_the_form(client, ctx):
    pair = make_pair()
    plan = make_plan(pair)
    client.login(pair.mentee)
    assert client.get(url(pair, "new")).status_code == 200
    response = client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.mentee.id), plan_id=str(plan.id)))
    assert response.status_code == 302
    lesson = db.session.scalar(select(PublicLesson))
    assert response.headers["Location"].endswith(f"/public-lessons/{lesson.id}")
    assert lesson.activity.tags == ["公開課"] and services.linked_plan(lesson, pair.mentee) == plan


def test_a_bad_form_answers_422_with_the_errors_beside_the_fields_and_the_input_kept(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    response = client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.mentee.id), day="2037-02-31",
                                                       starts="11:00", ends="10:00", topic="保留的課題"))
    assert response.status_code == 422
    assert 'id="day-error"' in response.text and "保留的課題" in response.text
    response = client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.mentee.id), starts="11:00",
                                                       ends="10:00"))
    assert response.status_code == 422 and 'id="ends-error"' in response.text
    response = client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.colleague.id)))
    assert response.status_code == 422 and 'id="teacher_id-error"' in response.text
    assert db.session.scalar(select(PublicLesson.id)) is None


def test_the_form_shows_a_day_outside_the_pairing_and_an_end_before_the_start_together(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    response = client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.mentee.id), day="2039-03-01",
                                                       starts="10:40", ends="10:00", topic="保留的課題"))
    assert response.status_code == 422
    assert 'id="day-error"' in response.text and 'id="ends-error"' in response.text
    assert "保留的課題" in response.text and 'value="2039-03-01"' in response.text


def test_a_colleague_who_is_no_new_teacher_may_not_schedule(client, ctx):
    pair = make_pair()
    client.login(pair.colleague)
    assert client.get(url(pair, "new")).status_code == 403
    assert client.post_form(url(pair, "new"), dict(FORM, teacher_id=str(pair.colleague.id))).status_code == 403
    assert "Schedule a public lesson" not in client.get(url(pair)).text


def test_edit_and_cancel_through_the_pages(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    client.login(pair.mentee)
    assert client.get(url(pair, "/edit", lesson)).status_code == 200
    response = client.post_form(url(pair, "/edit", lesson), dict(FORM, starts="09:00", ends="09:40", place="禮堂"))
    assert response.status_code == 302 and db.session.get(Activity, lesson.activity_id).place == "禮堂"
    response = client.post_form(url(pair, "/edit", lesson), dict(FORM, starts="09:00", ends="08:00", place="保留"))
    assert response.status_code == 422 and "保留" in response.text
    assert client.post_form(url(pair, "/cancel", lesson), {"reason": "颱風"}).status_code == 302
    assert db.session.get(Activity, lesson.activity_id).cancelled
    client.login(pair.colleague)
    assert client.post_form(url(pair, "/cancel", lesson), {"reason": ""}).status_code == 403


def test_malformed_unknown_and_other_communities_lessons_are_not_found(client, ctx):
    pair, other = make_pair(), make_pair()
    lesson = schedule(other)
    client.login(pair.convener)
    for path in (url(pair, "abc/"), url(pair) + "99999", url(pair, lesson=lesson), url(pair, "/edit", lesson)):
        assert client.get(path).status_code == 404, path
    assert client.post_form(url(pair, "/cancel", lesson), {}).status_code == 404


def test_the_list_runs_a_bounded_number_of_queries(client, ctx, count_queries):
    pair = make_pair()
    schedule(pair)
    client.login(pair.colleague)

    def queries() -> int:
        client.get(url(pair))
        with count_queries() as seen:
            assert client.get(url(pair)).status_code == 200
        return len(seen)

    one = queries()
    for index in range(19):
        lesson = schedule(pair, FUTURE + dt.timedelta(days=index + 1))
        observe(pair, lesson, pair.colleague)
    assert queries() == one


def test_a_shared_plan_and_a_teacher_s_adaptation_of_it_are_told_apart_in_the_choices(ctx):
    """Both carry the same topic: the adaptation's choice names whose it is (the lesson's plan list and a goal's
    evidence list alike)."""
    from workspace.mentoring.forms.public_lessons import LessonForm
    from workspace.mentoring.services import goals

    pair = make_pair()
    shared = make_plan(pair, "分數的加減")
    copy = make_plan(pair, "分數的加減", kind="adaptation", parent_id=shared.id, owner_id=pair.mentee.id)
    form = LessonForm(formdata=None)
    form.set_choices([], services.plans_to_link(pair.community, pair.mentor), [])
    labels = dict(form.plan_id.choices)
    assert labels[str(shared.id)] == "分數的加減"
    assert labels[str(copy.id)] == f"分數的加減 (adaptation by {pair.mentee.display_name})"
    evidence = dict(goals.evidence_choices(pair.pairing, pair.mentor))
    assert evidence[f"plan:{copy.id}"] == f"Plan: 分數的加減 (adaptation by {pair.mentee.display_name})"
    assert evidence[f"plan:{shared.id}"] == "Plan: 分數的加減"


def test_cancelling_asks_first_and_a_cancelled_lesson_invites_no_feedback(client, ctx):
    """QA 9: one click cancelled the lesson and told the whole community, with no confirmation (the activities'
    cancel asks); and the cancelled page still said "Activity: sign in and feedback" and "Give feedback…"."""
    pair = make_pair()
    lesson = schedule(pair)
    client.login(pair.mentee)
    page = client.get(url(pair, lesson=lesson)).text
    form = page[page.index('id="public-lesson-cancel"'):]
    assert 'hx-confirm="Cancel this public lesson?' in form[:800]
    assert "Give feedback on the activity&#39;s page" in page or "Give feedback on the activity's page" in page
    services.cancel_lesson(lesson, "颱風", actor=pair.mentee)
    db.session.commit()
    for person in (pair.mentee, pair.mentor, pair.convener):
        client.login(person)
        page = client.get(url(pair, lesson=lesson)).text
        assert "This public lesson was cancelled." in page
        assert "Give feedback" not in page and "sign in and feedback" not in page, person
        assert 'id="public-lesson-feedback"' not in page  # no feedback was given: nothing to show


def _membership_of(pair: Pair, user) -> Membership:
    return db.session.scalars(select(Membership).where(Membership.community_id == pair.community.id,
                                                       Membership.user_id == user.id, Membership.live)).one()


def test_a_teacher_who_leaves_gives_no_lesson_still_to_come_and_is_told_so_before_leaving(ctx):
    """QA: a departed teacher's public lesson stayed on the list, scheduled, her attendance marked."""
    from workspace.communities import services as communities

    pair = make_pair()
    given = schedule(pair, PAST)
    coming = schedule(pair, FUTURE)
    notes = communities.departure_notes(pair.community, [pair.mentee.id], own=True)
    assert "This also cancels your public lesson of Mar 10, 2037." in notes[pair.mentee.id]
    assert "public lesson" in communities.departure_notes(pair.community, [pair.mentee.id])[pair.mentee.id]
    assert "public lesson" not in communities.departure_notes(pair.community, [pair.mentor.id]).get(pair.mentor.id, "")

    communities.leave_community(_membership_of(pair, pair.mentee), actor=pair.mentee)
    db.session.commit()

    assert coming.activity.cancelled and coming.activity.cancel_reason == "林老師 left the community."
    assert not given.activity.cancelled  # given already: a record of what happened
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "lesson_cancelled")).all()
    assert pair.colleague.id in told


def test_a_mentor_who_leaves_cancels_no_one_else_s_lesson(ctx):
    from workspace.communities import services as communities

    pair = make_pair()
    coming = schedule(pair, FUTURE)
    communities.remove_member(_membership_of(pair, pair.mentor), actor=pair.convener)
    db.session.commit()
    assert not coming.activity.cancelled


def test_the_lessons_a_departure_would_cancel_are_read_in_one_query(ctx):
    """Review 12 #3: the members page asks this of every member; each lesson's activity was one more query."""
    from sqlalchemy import event

    from workspace.communities import services as communities

    pair = make_pair()
    for day in (FUTURE, FUTURE + dt.timedelta(days=7), FUTURE + dt.timedelta(days=14)):
        schedule(pair, day)
    db.session.expire_all()
    statements: list[str] = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        notes = services.lessons_cancelled_with(pair.community, user_ids=[pair.mentee.id], own=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    lessons_read = [statement for statement in statements if "activities" in statement]
    assert len(notes[pair.mentee.id]) == 3 and len(lessons_read) == 1, lessons_read
    assert communities.departure_notes(pair.community, [pair.mentee.id], own=True)
