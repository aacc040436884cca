"""Meeting logs (輔導紀錄): the services (carry-over of next steps, private notes, version conflicts, validations,
the meeting as a community activity) and the routes (page and fragment, 422 with the input kept, 404s, privacy
per role, bounded queries)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from tests.mentoring.helpers import freeze_clock, make_pair
from workspace.activities.models import Activity, Attendance
from workspace.activities.services import to_local
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.extensions import db
from workspace.mentoring.models import MeetingLog, Milestone, MilestoneKind, NextStep, Owner
from workspace.mentoring.services import logs as services
from workspace.mentoring.services.logs import LogFields

DAY = dt.date(2026, 9, 10)
SECRET = "只給導師看的私人筆記 XYZZY"


def _fields(**overrides) -> LogFields:
    values = dict(held_on=DAY, duration_minutes=45, topics="班級經營", notes="談了**座位**安排",
                  next_steps=[("觀摩王老師的課", Owner.MENTEE.value), ("提供教案範例", Owner.MENTOR.value)])
    values.update(overrides)
    return LogFields(**values)


def _url(pair, suffix: str = "") -> str:
    return f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/{suffix}"


# --- services ------------------------------------------------------------------------------------


def test_a_log_keeps_its_next_steps_and_the_next_log_ticks_them_off(ctx):
    pair = make_pair()
    first = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    assert [(step.text, step.owner) for step in first.next_steps] == [
        ("觀摩王老師的課", "mentee"), ("提供教案範例", "mentor")]
    open_steps = services.open_steps(pair.pairing)
    assert [step.text for step in open_steps] == ["觀摩王老師的課", "提供教案範例"]
    second = services.create_log(pair.pairing, _fields(held_on=DAY + dt.timedelta(days=7), next_steps=[],
                                                       done_step_ids=[open_steps[0].id]), actor=pair.mentee)
    db.session.commit()
    ticked = db.session.get(NextStep, open_steps[0].id)
    assert ticked.done_at is not None and ticked.done_in_log_id == second.id
    assert [step.text for step in services.open_steps(pair.pairing)] == ["提供教案範例"]


def test_a_step_ticked_at_a_backdated_meeting_is_done_on_the_meeting_s_day(client, ctx, monkeypatch):
    """The QA case: a meeting held on the 10th, logged on the 20th, ticks a step: it was done at the meeting,
    so it says the 10th (and follows an edit of that date). A step ticked on its own is done the day it is
    ticked, in Taipei: at 23:30 UTC on the 19th, that is the 20th."""
    freeze_clock(monkeypatch, dt.datetime(2026, 9, 19, 23, 30, tzinfo=dt.UTC))
    pair = make_pair()
    services.create_log(pair.pairing, _fields(held_on=dt.date(2026, 9, 3)), actor=pair.mentor)
    first, second = services.open_steps(pair.pairing)
    later = services.create_log(pair.pairing, _fields(held_on=DAY, next_steps=[], done_step_ids=[first.id]),
                                actor=pair.mentee)
    services.tick_step(second, True, actor=pair.mentor)
    db.session.commit()
    logs = services.logs_of(pair.pairing, pair.mentor)
    assert services.done_days(logs) == {first.id: DAY, second.id: dt.date(2026, 9, 20)}
    services.update_log(later, _fields(held_on=dt.date(2026, 9, 11), next_steps=[]), actor=pair.mentor,
                        base_version=later.version)
    db.session.commit()
    assert services.done_days(services.logs_of(pair.pairing, pair.mentor))[first.id] == dt.date(2026, 9, 11)
    client.login(pair.mentee)
    page = client.get(_url(pair)).get_data(as_text=True)
    step = page.split(f'id="step-{first.id}"')[1].split("</li>")[0]
    assert "done Sep 11, 2026" in step


def test_a_step_of_another_pairing_is_not_ticked(ctx):
    pair, other = make_pair(), make_pair()
    services.create_log(other.pairing, _fields(), actor=other.mentor)
    foreign = services.open_steps(other.pairing)[0]
    services.create_log(pair.pairing, _fields(done_step_ids=[foreign.id]), actor=pair.mentor)
    db.session.commit()
    assert db.session.get(NextStep, foreign.id).done_at is None


def test_steps_are_read_one_per_line_without_their_bullets():
    assert services.steps_from_lines("- 讀一本書\n\n2. 試教\n  * 反思 ", "mentee") == [
        ("讀一本書", "mentee"), ("試教", "mentee"), ("反思", "mentee")]


def test_only_the_mentor_writes_private_notes(ctx):
    pair = make_pair()
    mine = services.create_log(pair.pairing, _fields(private_notes=SECRET), actor=pair.mentor)
    theirs = services.create_log(pair.pairing, _fields(private_notes="the mentee tried"), actor=pair.mentee)
    db.session.commit()
    assert mine.private_notes == SECRET and theirs.private_notes == ""
    services.update_log(mine, _fields(private_notes="overwritten"), actor=pair.mentee, base_version=mine.version)
    db.session.commit()
    assert db.session.get(MeetingLog, mine.id).private_notes == SECRET
    assert services.may_read_private(pair.mentor, pair.pairing)
    for other in (pair.mentee, pair.convener, make_user(is_admin=True), pair.colleague):
        assert not services.may_read_private(other, pair.pairing)


def test_only_a_log_s_author_or_an_admin_moves_it_to_the_trash(client, ctx):
    """The mentor's log holds her private notes: the new teacher cannot make it disappear (nor sees the button);
    the new teacher's own log is hers to trash; an admin may trash and restore either."""
    pair = make_pair()
    mine = services.create_log(pair.pairing, _fields(private_notes=SECRET), actor=pair.mentor)
    theirs = services.create_log(pair.pairing, _fields(topics="新教師的紀錄"), actor=pair.mentee)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.trash_log(mine, actor=pair.mentee)
    client.login(pair.mentee)
    page = client.get(_url(pair)).get_data(as_text=True)
    assert _url(pair, f"{mine.id}/trash") not in page and _url(pair, f"{theirs.id}/trash") in page
    assert client.post_form(_url(pair, f"{mine.id}/trash")).status_code == 403
    assert db.session.get(MeetingLog, mine.id).live
    assert client.post_form(_url(pair, f"{theirs.id}/trash")).status_code == 302
    admin = make_user(is_admin=True)
    services.trash_log(mine, actor=admin)
    services.restore_log(mine, actor=admin)
    db.session.commit()
    assert db.session.get(MeetingLog, mine.id).live


def test_a_stale_edit_is_refused_and_changes_nothing(ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    services.update_log(log, _fields(topics="first edit"), actor=pair.mentor, base_version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_log(log, _fields(topics="stale edit"), actor=pair.mentee, base_version=1)
    db.session.rollback()
    assert db.session.get(MeetingLog, log.id).topics == "first edit"


def test_an_edit_keeps_done_steps_and_replaces_the_open_ones(ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    done = log.next_steps[0]
    services.tick_step(done, True, actor=pair.mentee)
    services.update_log(log, _fields(next_steps=[("新的一步", "mentor")]), actor=pair.mentor, base_version=1)
    db.session.commit()
    assert sorted(step.text for step in db.session.get(MeetingLog, log.id).next_steps) == ["新的一步", "觀摩王老師的課"]


@pytest.mark.parametrize(("overrides", "field"), [
    (dict(held_on=None), "held_on"), (dict(duration_minutes=0), "duration_minutes"),
    (dict(duration_minutes=601), "duration_minutes"), (dict(duration_minutes=None), "duration_minutes"),
    (dict(topics="字" * 501), "topics"), (dict(held_on=dt.date(1850, 1, 1)), "held_on"),
    (dict(next_steps=[("長" * 501, "mentee")]), "mentee_steps"),
])
def test_a_log_is_checked_field_by_field(ctx, overrides, field):
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        services.create_log(pair.pairing, _fields(**overrides), actor=pair.mentor)
    assert field in {name for name, _message in refused.value.errors}


def test_a_meeting_is_dated_within_the_pairing_and_not_after_today(ctx):
    """A log records a meeting held during the pairing: not before it started, not after it ended, not to come."""
    from workspace.core.database import utcnow
    from workspace.core.records import local_day

    pair = make_pair()  # from 2026-09-01
    today = local_day(utcnow())
    for day in (dt.date(2026, 8, 31), dt.date(2099, 11, 30), today + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            services.create_log(pair.pairing, _fields(held_on=day), actor=pair.mentor)
        assert [name for name, _message in refused.value.errors] == ["held_on"], day
        assert "within the pairing" in refused.value.message
    log = services.create_log(pair.pairing, _fields(held_on=dt.date(2026, 9, 1)), actor=pair.mentor)
    db.session.commit()
    pair.pairing.ends_on = dt.date(2026, 10, 31)  # ended early
    db.session.commit()
    with pytest.raises(ValidationError):
        services.update_log(log, _fields(held_on=dt.date(2026, 11, 2)), actor=pair.mentor, base_version=1)


def test_only_the_pair_of_an_active_pairing_logs(ctx):
    pair = make_pair()
    for outsider in (pair.convener, pair.colleague):
        with pytest.raises(NotAllowed):
            services.create_log(pair.pairing, _fields(), actor=outsider)
    pair.pairing.status = "ended"
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.create_log(pair.pairing, _fields(), actor=pair.mentor)


def test_a_meeting_recorded_as_an_activity_has_no_content_and_the_pair_present(ctx):
    pair = make_pair()
    pair.mentor.locale = "en"
    log = services.create_log(pair.pairing, _fields(as_activity=True, private_notes=SECRET, starts_at=dt.time(15, 30)),
                              actor=pair.mentor)
    db.session.commit()
    activity = db.session.get(Activity, log.activity_id)
    assert activity.method == "new_teacher_mentoring" and activity.mode == "offline"
    # In the community's records language (its members read the default), not the mentor's English.
    assert activity.title == "新進教師輔導：林老師"
    for text in ("座位", "班級經營", SECRET, "觀摩"):
        assert text not in " ".join([activity.title, activity.agenda or "", activity.minutes or ""])
    present = set(db.session.scalars(select(Attendance.user_id).where(Attendance.activity_id == activity.id)))
    assert present == {pair.mentor.id, pair.mentee.id}
    assert (activity.ends_at - activity.starts_at) == dt.timedelta(minutes=45)


def test_whoever_recorded_the_meeting_adds_its_photos_and_its_log_is_its_minutes(client, ctx):
    """The funder's rules ask each activity for minutes and a photo: the log is the meeting's minutes (QA round 13:
    minutes written on the private activity reached no export while its checklist ticked them), so nobody writes
    any on the activity; the mentor who recorded the meeting adds its photo there, as the conveners may."""
    import io

    from tests.media import png_bytes
    from workspace.activities import services as activities
    from workspace.core.errors import NotAllowed
    from workspace.core.permissions import can
    from workspace.core.storage import store_upload

    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(as_activity=True), actor=pair.mentor)
    db.session.commit()
    activity = db.session.get(Activity, log.activity_id)
    assert activity.recorder_id == pair.mentor.id
    assert can(pair.mentor, "add_evidence", activity) and can(pair.convener, "add_evidence", activity)
    assert not can(pair.colleague, "add_evidence", activity)
    for person in (pair.mentor, pair.mentee, pair.convener, pair.colleague):
        assert not can(person, "write_minutes", activity), person.display_name
    with pytest.raises(NotAllowed):
        activities.save_minutes(activity, "新進教師輔導：討論班級常規。", "", actor=pair.convener,
                                base_version=activity.minutes_version)
    activities.add_evidence(activity, store_upload(io.BytesIO(png_bytes()), "輔導.png"), actor=pair.mentor)
    db.session.commit()
    assert activities.checklist(activity).minutes and activities.checklist(activity).photo
    client.login(pair.mentor)
    assert "For the funder this log serves as the meeting's minutes" in client.get(_url(pair)).get_data(as_text=True)


def test_a_log_s_editor_opened_in_place_has_ids_of_its_own(client, ctx):
    """The editor opens in place on the page that holds the form for a new log: with the same ids, each label of
    the editor named the new log's box (typing in "Topics" went to the other form)."""
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    page = client.get(_url(pair)).get_data(as_text=True)
    editor = client.get(_url(pair, f"{log.id}/edit"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="topics"' in page and 'id="topics"' not in editor
    assert f'id="log-{log.id}-topics"' in editor and f'for="log-{log.id}-topics"' in editor
    saved = client.post_form(_url(pair, f"{log.id}/edit"), {"held_on": DAY.isoformat(), "duration_minutes": "0",
                                                             "base_version": "1"}, headers={"HX-Request": "true"})
    assert saved.status_code == 422 and f'id="log-{log.id}-duration_minutes-error"' in saved.get_data(as_text=True)


def test_the_recorded_activity_follows_the_log_into_a_new_day_and_the_trash(ctx):
    """Recorded once: a log moved to another day moves its activity (its time of day kept), a trashed log's
    activity is cancelled (kept, counting for nothing) and a restored one's reinstated."""
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(as_activity=True, starts_at=dt.time(15, 30)), actor=pair.mentor)
    db.session.commit()
    services.update_log(log, _fields(held_on=DAY + dt.timedelta(days=7), duration_minutes=60), actor=pair.mentor,
                        base_version=log.version)
    db.session.commit()
    activity = db.session.get(Activity, log.activity_id)
    starts = to_local(activity.starts_at)
    assert (starts.date(), starts.time()) == (DAY + dt.timedelta(days=7), dt.time(15, 30))
    assert activity.ends_at - activity.starts_at == dt.timedelta(minutes=60)
    services.trash_log(log, actor=pair.mentor)
    db.session.commit()
    cancelled = db.session.get(Activity, log.activity_id)
    assert cancelled.cancelled
    # The reason the app gave is read in each reader's language, whoever trashed the log (QA: an English admin's
    # trash left "The meeting log was moved to the trash." on a 简体中文 convener's page).
    import flask_babel
    from flask import g

    for locale, reason in (("zh_Hant", "輔導紀錄已移到資源回收筒。"),
                           ("en", "The meeting log was moved to the trash.")):
        with flask_babel.force_locale(locale):
            g.pop("_workspace_translations", None)
            assert cancelled.cancel_reason_shown == reason
    services.restore_log(log, actor=pair.mentor)
    db.session.commit()
    assert not db.session.get(Activity, log.activity_id).cancelled


def test_the_first_log_ticks_the_meeting_milestone(ctx):
    pair = make_pair()
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="First meeting", due_on=DAY, kind=MilestoneKind.MEETING))
    db.session.commit()
    services.create_log(pair.pairing, _fields(), actor=pair.mentee)
    db.session.commit()
    assert db.session.scalar(select(Milestone.done_at)) is not None


def test_the_list_shows_the_convener_only_shared_logs(ctx):
    pair = make_pair()
    shown = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    services.share_log(shown, True, actor=pair.mentor)
    db.session.commit()
    assert [log.id for log in services.logs_of(pair.pairing, pair.convener)] == [shown.id]
    assert len(services.logs_of(pair.pairing, pair.mentee)) == 2
    assert services.logs_of(pair.pairing, pair.colleague) == []
    assert len(services.log_dates(pair.pairing, pair.convener)) == 2


def test_only_the_author_shares_a_log_with_the_conveners(client, ctx):
    """QA: the new teacher shared the mentor's log with the conveners, unasked and untold. A log is shared (and
    unshared) by whoever wrote it: the other of the pair gets 403 and no button."""
    pair = make_pair()
    mentors = services.create_log(pair.pairing, _fields(topics="導師寫的"), actor=pair.mentor)
    mentees = services.create_log(pair.pairing, _fields(topics="新進教師寫的"), actor=pair.mentee)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.share_log(mentors, True, actor=pair.mentee)
    with pytest.raises(NotAllowed):
        services.share_log(mentees, True, actor=pair.mentor)
    services.share_log(mentees, True, actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    assert client.post_form(_url(pair, f"{mentors.id}/share"), {"shared": "1"}).status_code == 403
    assert not db.session.get(MeetingLog, mentors.id).shared
    body = client.get(_url(pair)).get_data(as_text=True)
    assert _url(pair, f"{mentors.id}/share") not in body and _url(pair, f"{mentees.id}/share") in body
    client.logout().login(pair.mentor)
    body = client.get(_url(pair)).get_data(as_text=True)
    assert _url(pair, f"{mentors.id}/share") in body and _url(pair, f"{mentees.id}/share") not in body


def test_trash_and_restore(ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    services.trash_log(log, actor=pair.mentor)  # its author (the mentee may not: see above)
    db.session.commit()
    assert services.logs_of(pair.pairing, pair.mentor) == []
    assert services.open_steps(pair.pairing) == []
    services.restore_log(log, actor=pair.mentor)
    db.session.commit()
    assert len(services.logs_of(pair.pairing, pair.mentor)) == 1


# --- routes --------------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    values = {"held_on": "2026-09-10", "duration_minutes": "45", "topics": "班級經營", "notes": "談了座位",
              "private_notes": SECRET, "mentee_steps": "觀摩王老師的課\n閱讀《學習共同體》", "mentor_steps": ""}
    values.update(overrides)
    return values


def test_the_page_and_its_fragment(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    page = client.get(_url(pair))
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get(_url(pair), headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="meeting-logs"' in body


def test_logging_a_meeting_then_the_next_form_lists_its_open_steps(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    response = client.post_form(_url(pair), _form(as_activity="y"))
    assert response.status_code == 302
    log = db.session.scalar(select(MeetingLog))
    assert log.activity_id is not None and len(log.next_steps) == 2
    page = client.get(_url(pair)).get_data(as_text=True)
    assert f'name="done_steps" value="{log.next_steps[0].id}"' in page
    response = client.hx("POST", _url(pair), _form(held_on="2026-09-17", done_steps=str(log.next_steps[0].id),
                                                    mentee_steps=""))
    assert response.status_code == 200 and 'id="meeting-logs"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NextStep, log.next_steps[0].id).done_in_log_id is not None


def test_a_bad_log_answers_422_with_the_input_kept_and_the_error_beside_the_field(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    response = client.post_form(_url(pair), _form(duration_minutes="0", held_on="2026-13-45", topics="保留這段文字"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "保留這段文字" in body and "2026-13-45" in body
    assert 'id="duration_minutes-error"' in body and 'id="held_on-error"' in body
    assert db.session.scalar(select(MeetingLog)) is None


def test_a_bad_duration_and_a_day_outside_the_pairing_are_told_at_once(client, ctx):
    """The day outside the pairing (a service rule) is said beside its field with the duration's problem, not
    after the duration is fixed."""
    pair = make_pair()
    client.login(pair.mentor)
    body = client.post_form(_url(pair), _form(duration_minutes="0", held_on="2026-08-01")).get_data(as_text=True)
    assert 'id="duration_minutes-error"' in body
    error = re.search(r'<p class="field-error" id="held_on-error">(.*?)</p>', body, re.S)
    assert error and "within the pairing" in error.group(1)


@pytest.mark.parametrize("typed", ["0", "601"])
def test_a_length_out_of_range_gets_the_range_s_message_not_required(client, ctx, typed):
    """0 is a number typed, not an empty field: it is told the range, as 601 is (DataRequired took 0 for empty)."""
    pair = make_pair()
    client.login(pair.mentor)
    body = client.post_form(_url(pair), _form(duration_minutes=typed)).get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="duration_minutes-error">(.*?)</p>', body, re.S)
    assert error and "between 1 and 600" in error.group(1) and "required" not in error.group(1)
    empty = client.post_form(_url(pair), _form(duration_minutes="")).get_data(as_text=True)
    assert "This field is required." in empty.split('id="duration_minutes-error"')[1].split("</p>")[0]


def test_a_stale_edit_answers_409_with_the_typed_text_kept(client, ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    log.version = 3
    db.session.commit()
    client.login(pair.mentee)
    response = client.post_form(_url(pair, f"{log.id}/edit"), _form(topics="我的修改", base_version="1"))
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "我的修改" in body and "Someone changed this log" in body
    assert db.session.get(MeetingLog, log.id).topics == "班級經營"
    response = client.post_form(_url(pair, f"{log.id}/edit"), _form(topics="我的修改", base_version="3"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingLog, log.id).topics == "我的修改"


def _base_version(body: str) -> str:
    found = re.search(r'name="base_version" value="(\d+)"', body)
    assert found, "the editor carries the version it saves over"
    return found.group(1)


def test_after_a_conflict_the_page_shows_the_saved_log_and_saving_again_works(client, make_client, ctx):
    """The QA case: two edit the same log; the second sees the first's saved version and can save over it."""
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    teacher, mentor = make_client().login(pair.mentee), make_client().login(pair.mentor)
    started = _base_version(teacher.get(_url(pair, f"{log.id}/edit")).get_data(as_text=True))
    mentor_base = _base_version(mentor.get(_url(pair, f"{log.id}/edit")).get_data(as_text=True))
    assert mentor.post_form(_url(pair, f"{log.id}/edit"), _form(notes="WANGNOTES 座位", base_version=mentor_base,
                                                               private_notes=SECRET)).status_code == 302
    mine = _form(topics="我的修改", notes="HUANGNOTES", private_notes="", base_version=started)
    refused = teacher.post_form(_url(pair, f"{log.id}/edit"), dict(mine, duration_minutes="abc"))
    assert refused.status_code == 422 and _base_version(refused.get_data(as_text=True)) == started
    conflict = teacher.post_form(_url(pair, f"{log.id}/edit"), mine)
    body = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "HUANGNOTES" in body and "我的修改" in body
    saved = body.split(f'id="log-{log.id}-saved"')[1].split("</details>")[0]
    assert "WANGNOTES" in saved and SECRET not in body  # the mentor's private notes stay hers
    db.session.expire_all()
    assert _base_version(body) == str(db.session.get(MeetingLog, log.id).version) != started
    again = teacher.post_form(_url(pair, f"{log.id}/edit"), dict(mine, base_version=_base_version(body)))
    assert again.status_code == 302
    db.session.expire_all()
    saved_log = db.session.get(MeetingLog, log.id)
    assert saved_log.topics == "我的修改" and "HUANGNOTES" in saved_log.notes and saved_log.private_notes == SECRET


def test_the_new_log_is_dated_the_deployment_s_day_late_in_the_utc_evening(client, ctx, monkeypatch):
    """At 23:30 UTC on 31 July it is already 1 August in Taipei (the QA case: 00:42 Taipei showed yesterday):
    the new log's date and the school year of the handbook the page links to are Taipei's."""
    freeze_clock(monkeypatch)
    pair = make_pair(starts_on=dt.date(2030, 7, 1))
    client.login(pair.mentor)
    page = client.get(_url(pair)).get_data(as_text=True)
    held_on = re.search(r'<input[^>]*name="held_on"[^>]*>', page)
    assert held_on and 'value="2030-08-01"' in held_on.group(0)
    assert f"/handbooks/{pair.mentee.id}/2030" in page


def test_editing_in_place_answers_the_list(client, ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    editor = client.get(_url(pair, f"{log.id}/edit"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in editor and f'id="log-{log.id}"' in editor and SECRET not in editor
    response = client.hx("POST", _url(pair, f"{log.id}/edit"), _form(base_version="1"))
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#meeting-logs"


def test_ids_of_another_pairing_or_nothing_are_not_found(client, ctx):
    pair, other = make_pair(), make_pair()
    foreign = services.create_log(other.pairing, _fields(), actor=other.mentor)
    db.session.commit()
    client.login(make_user(is_admin=True))
    for url in (_url(pair, f"{foreign.id}/edit"), _url(pair, "99999/edit"), _url(pair, "abc/edit"),
                f"/c/{pair.community.slug}/mentoring/pairings/{other.pairing.id}/logs/",
                f"/c/{pair.community.slug}/mentoring/pairings/99999/logs/"):
        assert client.get(url).status_code == 404, url
    step = foreign.next_steps[0]
    response = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/steps/{step.id}/tick")
    assert response.status_code == 404


def test_private_notes_reach_the_mentor_only(client, ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(private_notes=SECRET), actor=pair.mentor)
    services.share_log(log, True, actor=pair.mentor)
    db.session.commit()
    admin = make_user(is_admin=True)
    co_convener = make_user()
    add_member(pair.community, co_convener, "co_convener")
    client.login(pair.mentor)
    assert SECRET in client.get(_url(pair)).get_data(as_text=True)
    assert SECRET in client.get(_url(pair, f"{log.id}/edit")).get_data(as_text=True)
    for person in (pair.mentee, pair.convener, co_convener, admin):
        client.logout().login(person)
        for url, headers in ((_url(pair), {}), (_url(pair), {"HX-Request": "true"})):
            body = client.get(url, headers=headers).get_data(as_text=True)
            assert "談了" in body, person.display_name  # the shared notes are read
            assert SECRET not in body, person.display_name
        answer = client.get(_url(pair, f"{log.id}/edit"))
        assert SECRET not in answer.get_data(as_text=True)
        for path in ("share", "trash"):  # and the answers of writes
            if person is pair.mentee:
                body = client.hx("POST", _url(pair, f"{log.id}/{path}"), {"shared": "1"}).get_data(as_text=True)
                assert SECRET not in body
                if path == "trash":
                    client.hx("POST", _url(pair, f"{log.id}/restore"))


def test_a_convener_sees_dates_not_the_content_of_unshared_logs(client, ctx):
    pair = make_pair()
    services.create_log(pair.pairing, _fields(notes="不公開的內容"), actor=pair.mentor)
    db.session.commit()
    client.login(pair.convener)
    body = client.get(_url(pair)).get_data(as_text=True)
    assert "不公開的內容" not in body and "班級經營" not in body and "45 minutes" in body
    client.logout().login(pair.colleague)
    assert client.get(_url(pair)).status_code == 404


def test_the_logs_page_runs_the_same_queries_for_1_or_20_logs(client, ctx, count_queries):
    def measure(pair) -> int:
        client.logout().login(pair.mentor)
        client.get(_url(pair))
        with count_queries() as queries:
            assert client.get(_url(pair)).status_code == 200
        return len(queries)

    one, many = make_pair(), make_pair()
    services.create_log(one.pairing, _fields(as_activity=True), actor=one.mentor)
    for day in range(20):
        services.create_log(many.pairing, _fields(held_on=DAY + dt.timedelta(days=day), as_activity=True),
                            actor=many.mentor)
    db.session.commit()
    assert measure(many) == measure(one)


def test_another_community_s_member_is_not_a_pair(ctx):
    pair = make_pair()
    elsewhere = make_community()
    add_member(elsewhere, pair.mentor, "mentor")
    assert services.logs_of(pair.pairing, make_user()) == []


def test_the_open_steps_of_many_pairings_at_once(ctx):
    pair, other = make_pair(), make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    services.create_log(other.pairing, _fields(next_steps=[("另一組", "mentee")]), actor=other.mentor)
    services.tick_step(log.next_steps[0], True, actor=pair.mentee)
    db.session.commit()
    found = services.open_steps_for([pair.pairing.id, other.pairing.id])
    assert [step.text for step in found[pair.pairing.id]] == ["提供教案範例"]
    assert [step.text for step in found[other.pairing.id]] == ["另一組"]
    assert services.open_steps_for([]) == {}


def test_the_recorded_activity_shows_the_convener_nothing_of_the_log(client, ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(as_activity=True, private_notes=SECRET), actor=pair.mentor)
    db.session.commit()
    client.login(pair.convener)
    body = client.get(f"/c/{pair.community.slug}/activities/{log.activity_id}").get_data(as_text=True)
    assert "林老師" in body
    for text in (SECRET, "座位", "觀摩王老師的課"):
        assert text not in body


def test_a_log_recorded_as_an_activity_says_whether_the_conveners_read_it(client, ctx):
    """The note under a log recorded as an activity said "this log stays between the two of you" to a convener
    reading it once the pair had shared it."""
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(as_activity=True), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    assert "This log stays between the two of you" in client.get(_url(pair)).get_data(as_text=True)
    services.share_log(log, True, actor=pair.mentor)
    db.session.commit()
    for person in (pair.mentor, pair.convener):
        client.logout().login(person)
        body = client.get(_url(pair)).get_data(as_text=True)
        assert "This log is shared with the conveners (the mentor's private notes are not)" in body
        assert "stays between the two of you" not in body


# --- done steps in the editor --------------------------------------------------------------------


def test_an_edit_that_lists_a_done_step_unticked_opens_it_again_and_one_left_ticked_stays_done(ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    first, second = log.next_steps
    services.tick_step(first, True, actor=pair.mentee)
    services.tick_step(second, True, actor=pair.mentee)
    db.session.commit()
    done_at = first.done_at
    services.update_log(log, _fields(next_steps=[], listed_done_ids=[first.id, second.id],
                                     kept_done_ids=[first.id]), actor=pair.mentor, base_version=1)
    db.session.commit()
    db.session.expire_all()
    kept, reopened = db.session.get(NextStep, first.id), db.session.get(NextStep, second.id)
    assert kept.done_at == done_at and kept.log_id == log.id
    assert reopened.done_at is None and reopened.log_id == log.id
    assert [step.text for step in services.open_steps(pair.pairing)] == ["提供教案範例"]


def test_a_done_step_not_listed_in_the_editor_stays_done_and_its_text_typed_again_is_a_new_step(ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    done = log.next_steps[0]
    services.tick_step(done, True, actor=pair.mentee)  # ticked in another tab after the editor opened
    db.session.commit()
    services.update_log(log, _fields(next_steps=[("觀摩王老師的課", "mentee")]), actor=pair.mentor, base_version=1)
    db.session.commit()
    db.session.expire_all()
    steps = db.session.get(MeetingLog, log.id).next_steps
    assert db.session.get(NextStep, done.id).done_at is not None
    assert sorted((step.text, step.done_at is None) for step in steps) == [("觀摩王老師的課", False),
                                                                             ("觀摩王老師的課", True)]


def test_the_editor_shows_the_done_steps_ticked_with_their_day_and_saving_keeps_or_reopens_them(client, ctx):
    pair = make_pair()
    log = services.create_log(pair.pairing, _fields(), actor=pair.mentor)
    db.session.commit()
    first = log.next_steps[0]
    services.tick_step(first, True, actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    page = client.get(_url(pair, f"{log.id}/edit")).get_data(as_text=True)
    listed = page.split('class="field checks done-steps"')[1].split("</fieldset>")[0]
    assert "觀摩王老師的課" in listed and "提供教案範例" not in listed
    assert re.search(rf'name="kept_done" value="{first.id}"[^>]*checked', listed)
    assert f'name="listed_done" value="{first.id}"' in listed
    assert re.search(r'<time class="muted small" datetime="\d{4}-\d\d-\d\d">done ', listed)
    open_box = page.split('name="mentee_steps"')[1].split("</textarea>")[0]
    assert "觀摩王老師的課" not in open_box
    # saved with the box still ticked: the step stays done
    saved = client.post_form(_url(pair, f"{log.id}/edit"), _form(
        mentee_steps="", mentor_steps="提供教案範例", base_version="1", listed_done=str(first.id),
        kept_done=str(first.id)))
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(NextStep, first.id).done_at is not None
    # a refused save keeps the box as it was left (unticked)
    refused = client.post_form(_url(pair, f"{log.id}/edit"), _form(
        duration_minutes="0", mentee_steps="", mentor_steps="提供教案範例", base_version="2",
        listed_done=str(first.id)))
    assert refused.status_code == 422
    box = re.search(rf'<input[^>]*name="kept_done" value="{first.id}"[^>]*>', refused.get_data(as_text=True))
    assert box and "checked" not in box.group(0)
    # unticked and saved: open again, back in the open steps
    client.post_form(_url(pair, f"{log.id}/edit"), _form(mentee_steps="", mentor_steps="提供教案範例",
                                                         base_version="2", listed_done=str(first.id)))
    db.session.expire_all()
    assert db.session.get(NextStep, first.id).done_at is None
    assert sorted(step.text for step in services.open_steps(pair.pairing)) == ["提供教案範例", "觀摩王老師的課"]
