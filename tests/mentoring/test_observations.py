"""Classroom observations: the services (validations, the status flow, idempotent notes) and the routes (page
and fragment, 422 with what was typed kept, 404s), and the list's bounded queries."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.factories import make_user
from tests.media import png_bytes
from tests.mentoring.helpers import make_pair
from workspace.activities.models import Activity, Attendance
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.mentoring.models import (
    Milestone,
    MilestoneKind,
    Observation,
    ObservationNote,
    ObservationStatus,
)
from workspace.mentoring.services import observations as services
from workspace.mentoring.services import rubrics

DAY = dt.date(2026, 10, 5)


def plan(pair, **overrides) -> services.PlanFields:
    values = dict(observed_id=pair.mentee.id, observed_on=DAY, lesson_starts_at=dt.time(9, 0), subject="數學 七年三班",
                  focus="提問與小組討論", pairing_id=pair.pairing.id)
    values.update(overrides)
    return services.PlanFields(**values)


def observe(pair, **overrides) -> Observation:
    observation = services.create_observation(pair.community, plan(pair, **overrides), actor=pair.mentor)
    db.session.commit()
    return observation


def fields_of(error: ValidationError) -> set[str | None]:
    return {name for name, _message in error.errors}


# --- services ------------------------------------------------------------------------------------


def test_an_observation_of_the_pairing_ticks_its_milestone_both_ways(ctx):
    pair = make_pair()
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="第一次觀課", due_on=DAY,
                             kind=MilestoneKind.OBSERVATION.value))
    db.session.commit()
    observation = observe(pair)
    assert observation.status == ObservationStatus.DRAFT.value and observation.form.community_id is None
    assert observation.lesson_starts_at is not None
    assert db.session.scalar(select(Milestone.done_at)) is not None
    back = services.create_observation(pair.community, plan(pair, observed_id=pair.mentor.id), actor=pair.mentee)
    assert back.observer_id == pair.mentee.id and back.observed_id == pair.mentor.id


@pytest.mark.parametrize(("change", "field"), [
    ("self", "observed_id"), ("non_member", "observed_id"), ("departed", "observed_id"), ("no_date", "observed_on"),
    ("far_date", "observed_on"), ("other_pairing", None), ("not_the_pair", "observed_id"),
    ("other_form", "form_id"),
])
def test_the_pre_conference_is_checked_beside_each_field(ctx, change, field):
    pair = make_pair()
    overrides: dict = {}
    if change == "self":
        overrides = {"observed_id": pair.mentor.id, "pairing_id": None}
    elif change == "non_member":
        overrides = {"observed_id": make_user().id, "pairing_id": None}
    elif change == "departed":
        membership = db.session.scalar(select(Membership).where(Membership.user_id == pair.colleague.id))
        membership.left_at = utcnow()
        overrides = {"observed_id": pair.colleague.id, "pairing_id": None}
    elif change == "no_date":
        overrides = {"observed_on": None}
    elif change == "far_date":
        overrides = {"observed_on": dt.date(1800, 1, 1)}
    elif change == "other_pairing":
        overrides = {"pairing_id": make_pair().pairing.id}
    elif change == "not_the_pair":
        overrides = {"observed_id": pair.colleague.id}
    elif change == "other_form":
        other = make_pair()
        overrides = {"form_id": rubrics.create_form(other.community, rubrics.FormFields(
            "x", [{"key": "a", "label": "A"}], [{"value": 1, "label": "1"}, {"value": 2, "label": "2"}]),
            actor=other.convener).id}
    with pytest.raises(ValidationError) as error:
        services.create_observation(pair.community, plan(pair, **overrides), actor=pair.mentor)
    assert field in fields_of(error.value)


def test_an_observation_ticks_one_milestone_of_its_direction_the_earliest_open(ctx):
    """QA: the first observation ticked both directions' milestones and a later one of the next semester. The
    mentor's observation ticks the earliest open "observe the new teacher" milestone only; the new teacher's
    ticks the earliest open "observe the mentor" one only."""
    pair = make_pair()
    first, second, back = (
        Milestone(pairing_id=pair.pairing.id, title=title, due_on=due, owner=owner, kind=kind, position=position)
        for position, (title, due, owner, kind) in enumerate((
            ("第一次觀課", DAY + dt.timedelta(days=7), "mentor", MilestoneKind.OBSERVATION.value),
            ("第二次觀課（下學期）", dt.date(2027, 3, 15), "mentor", MilestoneKind.OBSERVATION.value),
            ("新進教師觀摩導師教學", DAY + dt.timedelta(days=30), "mentee", MilestoneKind.OBSERVE_MENTOR.value))))
    db.session.add_all([first, second, back])
    db.session.flush()
    observe(pair)
    assert (first.done_at is not None, second.done_at, back.done_at) == (True, None, None)
    services.create_observation(pair.community, plan(pair, observed_id=pair.mentor.id), actor=pair.mentee)
    assert second.done_at is None and back.done_at is not None
    observe(pair, observed_on=DAY + dt.timedelta(days=1))
    assert second.done_at is not None


def test_an_observation_between_a_pair_started_from_the_community_list_counts_for_their_pairing(ctx):
    """Started without the pairing (the community's "observe a colleague"), it is linked all the same: the
    milestone ticks and the overview counts it; between two who are not a pair, it stays the community's."""
    pair = make_pair()
    milestone = Milestone(pairing_id=pair.pairing.id, title="第一次觀課", due_on=DAY + dt.timedelta(days=7),
                          owner="mentor", kind=MilestoneKind.OBSERVATION.value, position=0)
    db.session.add(milestone)
    db.session.flush()
    linked = services.create_observation(pair.community, plan(pair, pairing_id=None), actor=pair.mentor)
    back = services.create_observation(pair.community, plan(pair, pairing_id=None, observed_id=pair.mentor.id),
                                       actor=pair.mentee)
    assert linked.pairing_id == pair.pairing.id and back.pairing_id == pair.pairing.id
    assert milestone.done_at is not None
    apart = services.create_observation(pair.community, plan(pair, pairing_id=None, observed_id=pair.colleague.id),
                                        actor=pair.mentor)
    before = services.create_observation(pair.community, plan(
        pair, pairing_id=None, observed_on=pair.pairing.starts_on - dt.timedelta(days=3)), actor=pair.mentor)
    assert apart.pairing_id is None and before.pairing_id is None


def test_a_non_member_may_not_observe_in_the_community(ctx):
    pair = make_pair()
    with pytest.raises(NotAllowed):
        services.create_observation(pair.community, plan(pair, pairing_id=None), actor=make_user())


def test_the_status_moves_draft_shared_finalized_and_reopens_with_a_trail(ctx):
    pair = make_pair()
    observation = observe(pair)
    with pytest.raises(NotAllowed):
        services.reflect(observation, "還沒分享", actor=pair.mentee)
    with pytest.raises(NotAllowed):
        services.finalize(observation, actor=pair.mentor)  # a draft is shared first
    services.share_with_observed(observation, actor=pair.mentor)
    services.reflect(observation, "我會多留等待時間。", actor=pair.mentee)
    services.update_feedback(observation, "提問清楚", "多給小組時間", actor=pair.mentor)
    with pytest.raises(NotAllowed):
        services.reopen(observation, "", actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    db.session.commit()
    assert observation.status == ObservationStatus.FINALIZED.value and observation.finalized_at is not None
    with pytest.raises(NotAllowed):
        services.update_feedback(observation, "x", "y", actor=pair.mentor)
    with pytest.raises(NotAllowed):
        services.reopen(observation, "補充", actor=pair.mentee)  # only its observer or an admin
    services.reopen(observation, "補充評分", actor=pair.mentor)
    db.session.commit()
    assert observation.status == ObservationStatus.SHARED.value
    actions = [event.action for event, _name in services.trail_of(observation)]
    assert actions == ["observation.shared_with_observed", "observation.finalized", "observation.reopened"]
    assert services.trail_of(observation)[-1][0].data["reason"] == "補充評分"
    admin = make_user(is_admin=True)
    services.finalize(observation, actor=pair.mentor)
    services.reopen(observation, "管理者", actor=admin)
    assert observation.status == ObservationStatus.SHARED.value


def test_a_reflection_sent_after_finalizing_is_a_conflict_for_the_observed_teacher_alone(ctx):
    """Finalized while the observed teacher was writing: her reflection is refused as a conflict that says who
    may reopen it (nothing stored); anyone else is still simply not allowed."""
    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        services.reflect(observation, "晚到的省思", actor=pair.mentee)
    assert pair.mentor.display_name in refused.value.message and "reopen" in refused.value.message
    assert observation.reflection == ""
    for other in (pair.mentor, pair.colleague, pair.convener, make_user(is_admin=True)):
        with pytest.raises(NotAllowed):
            services.reflect(observation, "x", actor=other)


def test_finalizing_records_one_activity_without_content(ctx):
    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    with pytest.raises(ValidationError) as refused:  # a finalized record reopened says why
        services.reopen(observation, " ", actor=pair.mentor)
    assert fields_of(refused.value) == {"reason"}
    services.reopen(observation, "補評分", actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    db.session.commit()
    activities = list(db.session.scalars(select(Activity)))
    assert len(activities) == 1 and observation.activity_id == activities[0].id
    assert activities[0].method == "observation_feedback" and "提問" not in (activities[0].agenda or "")
    present = set(db.session.scalars(select(Attendance.user_id)))
    assert present == {pair.mentor.id, pair.mentee.id}


def test_only_the_observer_trashes_a_draft_and_restores_it(ctx):
    pair = make_pair()
    observation = observe(pair)
    with pytest.raises(NotAllowed):
        services.trash(observation, actor=pair.mentee)
    services.trash(observation, actor=pair.mentor)
    assert not observation.live
    assert services.list_observations(pair.community, pair.mentor) == []
    assert [row.id for row in services.list_observations(pair.community, pair.mentor, trashed=True)] == [observation.id]
    services.restore(observation, actor=pair.mentor)
    assert observation.live


def test_a_note_sent_twice_is_stored_once(ctx):
    pair = make_pair()
    observation = observe(pair)
    fields = services.NoteFields(client_key="k-1", text="學生分組討論", minute=12, row_key="learning")
    first, created = services.add_note(observation, fields, actor=pair.mentor)
    again, created_again = services.add_note(observation, services.NoteFields(client_key="k-1", text="changed"),
                                             actor=pair.mentor)
    db.session.commit()
    assert created and not created_again and first.id == again.id and again.text == "學生分組討論"
    assert db.session.scalar(select(func.count()).select_from(ObservationNote)) == 1


def test_a_racing_repeat_meets_the_unique_key_and_answers_the_stored_note(ctx, monkeypatch):
    pair = make_pair()
    observation = observe(pair)
    stored, _created = services.add_note(observation, services.NoteFields(client_key="race", text="a"),
                                         actor=pair.mentor)
    db.session.commit()
    real = services._note_by_key
    calls = []

    def late(observation_, key):  # the first look finds nothing: the other request had not committed yet
        calls.append(key)
        return None if len(calls) == 1 else real(observation_, key)

    monkeypatch.setattr(services, "_note_by_key", late)
    note, created = services.add_note(observation, services.NoteFields(client_key="race", text="a"),
                                      actor=pair.mentor)
    assert not created and note.id == stored.id and len(calls) == 2
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ObservationNote)) == 1


def test_notes_are_stamped_with_the_minute_of_the_lesson_and_checked(ctx):
    pair = make_pair()
    observation = observe(pair)
    typed = observation.lesson_starts_at + dt.timedelta(minutes=17, seconds=40)
    note, _ = services.add_note(observation, services.NoteFields(client_key="t", text="x", typed_at=typed),
                                actor=pair.mentor)
    assert note.minute == 17
    early, _ = services.add_note(observation, services.NoteFields(
        client_key="e", text="x", typed_at=observation.lesson_starts_at - dt.timedelta(minutes=5)), actor=pair.mentor)
    assert early.minute == 0
    # Long after the lesson (written up later, yesterday's lesson) the clock no longer runs: minute 0, not 600.
    late, _ = services.add_note(observation, services.NoteFields(
        client_key="l", text="x", typed_at=observation.lesson_starts_at + dt.timedelta(hours=20)), actor=pair.mentor)
    assert late.minute == 0
    for fields, field in ((services.NoteFields(client_key="", text="x"), "client_key"),
                          (services.NoteFields(client_key="a", text="  "), "text"),
                          (services.NoteFields(client_key="b", text="x", row_key="nope"), "row_key"),
                          (services.NoteFields(client_key="c", text="x", minute=601), "minute")):
        with pytest.raises(ValidationError) as error:
            services.add_note(observation, fields, actor=pair.mentor)
        assert field in fields_of(error.value)
    with pytest.raises(NotAllowed):
        services.add_note(observation, services.NoteFields(client_key="m", text="x"), actor=pair.mentee)


def test_a_note_keeps_a_photo_and_refuses_other_files(ctx):
    pair = make_pair()
    observation = observe(pair)
    photo = store_upload(io.BytesIO(png_bytes()), "板書.png")
    note, _ = services.add_note(observation, services.NoteFields(client_key="p", text=""), actor=pair.mentor,
                                photo=photo)
    assert note.photo_blob_id == photo.blob.id
    text = store_upload(io.BytesIO(b"plain words\n"), "a.txt")
    with pytest.raises(ValidationError) as error:
        services.add_note(observation, services.NoteFields(client_key="q", text="x"), actor=pair.mentor, photo=text)
    assert "photo" in fields_of(error.value)


def test_the_list_shows_content_only_to_those_who_read_it(ctx):
    pair = make_pair()
    observation = observe(pair)
    rows = services.list_observations(pair.community, pair.convener)
    assert len(rows) == 1 and not rows[0].readable and rows[0].focus == "" and rows[0].subject == ""
    draft = services.list_observations(pair.community, pair.mentee)  # a draft: its day and status, no content
    assert len(draft) == 1 and not draft[0].readable and draft[0].focus == ""
    assert services.list_observations(pair.community, pair.colleague) == []
    services.share_with_observed(observation, actor=pair.mentor)
    assert services.list_observations(pair.community, pair.mentee)[0].focus == "提問與小組討論"
    services.set_shared(observation, True, actor=pair.mentee)
    assert services.list_observations(pair.community, pair.convener)[0].readable


# --- routes --------------------------------------------------------------------------------------


def url(pair, observation=None, tail: str = "") -> str:
    base = f"/c/{pair.community.slug}/mentoring/observations/"
    return base + (f"{observation.id}" if observation else "") + tail


def test_starting_an_observation_from_the_form_and_422_keeps_what_was_typed(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    page = client.get(url(pair, tail=f"new?pairing={pair.pairing.id}"))
    assert page.status_code == 200 and f'selected value="{pair.mentee.id}"' in page.get_data(as_text=True)
    data = {"observed_id": str(pair.mentor.id), "observed_on": "2026-10-05", "lesson_starts_at": "09:00",
            "subject": "自然 五年二班", "focus": "實驗操作的安全", "form_id": "", "pairing_id": "",
            "public_lesson_id": ""}
    refused = client.post_form(url(pair, tail="new"), data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "You cannot observe yourself" in body and "實驗操作的安全" in body
    refused = client.post_form(url(pair, tail="new"), dict(data, observed_id=str(pair.mentee.id),
                                                           observed_on="2026-02-30"))
    assert refused.status_code == 422 and "自然 五年二班" in refused.get_data(as_text=True)
    form_id = re.search(r'<option (?:selected )?value="(\d+)">', page.get_data(as_text=True).split('id="form_id"')[1])
    assert form_id, "the default form is offered (and exists)"
    done = client.post_form(url(pair, tail="new"), dict(data, observed_id=str(pair.mentee.id), form_id=form_id.group(1),
                                                        pairing_id=str(pair.pairing.id)))
    assert done.status_code == 302
    observation = db.session.scalar(select(Observation))
    assert done.headers["Location"].endswith(url(pair, observation)) and observation.pairing_id == pair.pairing.id


def test_from_a_pairing_the_teacher_is_the_pair_s_other_and_a_refusal_shows_beside_the_field(client, ctx):
    """The QA case: started from a pairing, the list offered every member and choosing another one answered a
    bare 422 (the message sat on the hidden pairing field). Now the list holds the pair's other one, a link
    starts an observation outside the pairing, and a post naming someone else says why beside the teacher."""
    pair = make_pair()
    client.login(pair.mentor)
    page = client.get(url(pair, tail=f"new?pairing={pair.pairing.id}")).get_data(as_text=True)
    teacher = page.split('id="observed_id"')[1].split("</select>")[0]
    assert f'value="{pair.mentee.id}"' in teacher and f'value="{pair.colleague.id}"' not in teacher
    assert 'id="pairing-observed"' in page and f'href="{url(pair, tail="new")}"' in page
    outside = client.get(url(pair, tail="new")).get_data(as_text=True).split('id="observed_id"')[1]
    assert f'value="{pair.colleague.id}"' in outside.split("</select>")[0]
    data = {"observed_id": str(pair.colleague.id), "observed_on": "2026-10-05", "lesson_starts_at": "09:00",
            "subject": "國語", "focus": "朗讀的節奏", "form_id": "", "pairing_id": str(pair.pairing.id),
            "public_lesson_id": ""}
    refused = client.post_form(url(pair, tail="new"), data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "朗讀的節奏" in body
    error = re.search(r'<p class="field-error" id="observed_id-error">(.*?)</p>', body, re.S)
    assert error and "observe each other" in error.group(1)
    foreign = client.post_form(url(pair, tail="new"), dict(data, pairing_id="", observed_id=str(pair.mentee.id),
                                                           public_lesson_id="99999"))
    assert foreign.status_code == 422 and "Choose a public lesson of this community." in foreign.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0


def test_the_button_to_start_one_is_offered_only_where_it_opens(client, make_client, ctx):
    """A pairing's list offers "Start an observation" to its two, not to the convener or an administrator who
    may read the list but not observe within the pairing (the button would answer 403)."""
    pair = make_pair()
    admin = make_user(display_name="管理員", is_admin=True)
    listing = url(pair, tail=f"?pairing={pair.pairing.id}")
    for person, offered in ((pair.mentor, True), (pair.mentee, True), (pair.convener, False), (admin, False)):
        reader = make_client().login(person)
        page = reader.get(listing)
        assert page.status_code == 200, person.display_name
        button = re.search(r'href="([^"]*/observations/new\?pairing=\d+)"', page.get_data(as_text=True))
        assert bool(button) == offered, person.display_name
        if button:
            assert reader.get(button.group(1).replace("&amp;", "&")).status_code == 200
    assert "/observations/new" in make_client().login(pair.convener).get(url(pair)).get_data(as_text=True)


def test_malformed_and_foreign_ids_answer_404(client, ctx):
    pair, other = make_pair(), make_pair()
    observation, foreign = observe(pair), observe(other)
    client.login(pair.mentor)
    for path in (url(pair, tail="?pairing=abc"), url(pair, tail=f"?pairing={other.pairing.id}"),
                 url(pair, tail="?pairing=99999"), url(pair, foreign), url(pair, tail="99999"),
                 url(pair, tail="new?pairing=x"), url(pair, tail=f"new?pairing={other.pairing.id}"),
                 url(pair, observation, "/notes/99999/photo")):
        assert client.get(path).status_code == 404, path
    assert client.post_form(url(pair, foreign, "/notes"), {"client_key": "a", "text": "x"}).status_code == 404


def test_a_note_posted_by_the_script_answers_its_fragment_once(client, ctx):
    pair = make_pair()
    observation = observe(pair)
    client.login(pair.mentor)
    data = {"client_key": "dev-1", "minute": "5", "row_key": "teaching", "text": "提問 <b>清楚</b>", "typed_at": ""}
    headers = {"X-Observe": "1", "X-CSRFToken": client.csrf_token()}
    first = client.post(url(pair, observation, "/notes"), data=data, headers=headers)
    again = client.post(url(pair, observation, "/notes"), data=data, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    body = first.get_data(as_text=True)
    assert body.lstrip().startswith('<li class="note"') and "&lt;b&gt;" in body and "<html" not in body
    assert db.session.scalar(select(func.count()).select_from(ObservationNote)) == 1
    refused = client.post(url(pair, observation, "/notes"), data=dict(data, client_key="dev-2", minute="900"),
                          headers=headers)
    assert refused.status_code == 422 and "note-problem" in refused.get_data(as_text=True)


def test_a_plain_note_post_redirects_and_a_bad_one_keeps_the_text(client, ctx):
    pair = make_pair()
    observation = observe(pair)
    client.login(pair.mentor)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]+)"', page) or re.search(
        r'id="client_key" name="client_key" type="hidden" value="([0-9a-f]+)"', page)
    assert key, "the page brings a key for a plain post"
    done = client.post_form(url(pair, observation, "/notes"), {
        "client_key": key.group(1), "minute": "", "row_key": "", "text": "開場", "typed_at": "",
        "photo": (io.BytesIO(png_bytes()), "photo.png")}, content_type="multipart/form-data")
    assert done.status_code == 302 and done.headers["Location"].endswith("#notes")
    note = db.session.scalar(select(ObservationNote))
    assert note.photo_blob_id is not None
    photo = client.get(url(pair, observation, f"/notes/{note.id}/photo"))
    assert photo.status_code == 200 and photo.mimetype.startswith("image/")
    bad = client.post_form(url(pair, observation, "/notes"), {"client_key": "x2", "text": "下課前", "minute": "abc"})
    assert bad.status_code == 422 and "下課前" in bad.get_data(as_text=True)
    # QA: an SVG was answered with every kind of file the site takes; this field takes photos, and says so.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data in (("p.svg", svg), ("p.pdf", b"%PDF-1.4\n%%EOF\n")):
        refused = client.post_form(url(pair, observation, "/notes"), {
            "client_key": f"x-{name}", "minute": "", "row_key": "", "text": "板書", "typed_at": "",
            "photo": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "Add a photo (JPEG, PNG, GIF or WebP)." in page, name
        assert "PowerPoint" not in page and "板書" in page


def test_a_rating_outside_the_levels_is_a_422_beside_its_row(client, ctx):
    pair = make_pair()
    observation = observe(pair)
    client.login(pair.mentor)
    refused = client.post_form(url(pair, observation, "/ratings"), {"rating_teaching": "9", "rating_design": "3"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="rating_teaching-error"' in body
    assert 'name="rating_design" value="3" checked' in body  # what was chosen is kept
    done = client.post_form(url(pair, observation, "/ratings"), {"rating_teaching": "4", "rating_design": ""})
    assert done.status_code == 302
    db.session.refresh(observation)
    assert observation.ratings == {"teaching": 4}


def test_a_form_typed_without_keys_is_rated_row_by_row(client, ctx):
    pair = make_pair()
    form = rubrics.create_form(pair.community, rubrics.FormFields(
        "語文觀課表", rubrics.parse_rows("朗讀 | 流暢\n提問｜引導思考"), rubrics.parse_levels("1 | 待加強\n2 | 良好")),
        actor=pair.convener)
    db.session.commit()
    observation = observe(pair, form_id=form.id)
    client.login(pair.mentor)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert 'name="rating_row-1"' in page and 'name="rating_row-2"' in page and "朗讀" in page
    assert client.post_form(url(pair, observation, "/ratings"), {"rating_row-2": "2"}).status_code == 302
    db.session.refresh(observation)
    assert observation.ratings == {"row-2": 2}


def test_the_flow_through_the_pages_and_what_each_reads(client, ctx):
    pair = make_pair()
    observation = observe(pair)
    services.add_note(observation, services.NoteFields(client_key="n", text="秘密筆記"), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentee)
    draft = client.get(url(pair, observation)).get_data(as_text=True)  # a draft: the observer's content
    assert "秘密筆記" not in draft and "observation-private" in draft
    # QA: the observed teacher is told who is writing it and that it comes to them, not "until shared with the
    # conveners"
    name = f'<span lang="zh-Hant">{pair.mentor.display_name}</span>'
    assert f"{name} is still writing this observation: you can read it once they share it" in draft
    assert "until they share it with the conveners" not in draft
    client.login(pair.mentor)
    assert client.post_form(url(pair, observation, "/share-with-observed")).status_code == 302
    client.login(pair.mentee)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert "秘密筆記" in page and 'name="reflection"' in page
    assert client.post_form(url(pair, observation, "/reflection"), {"reflection": "下次試試看"}).status_code == 302
    client.login(pair.convener)
    page = client.get(url(pair, observation))
    assert page.status_code == 200 and "秘密筆記" not in page.get_data(as_text=True)
    assert "observation-private" in page.get_data(as_text=True)
    assert "until they share it with the conveners" in page.get_data(as_text=True)
    assert client.get(url(pair, observation, f"/notes/{observation.notes[0].id}/photo")).status_code in (403, 404)
    client.login(pair.mentor)
    assert client.post_form(url(pair, observation, "/finalize")).status_code == 302
    assert client.post_form(url(pair, observation, "/reopen"), {"reason": "補評分"}).status_code == 302
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert "補評分" in page and "reopened it" in page


def test_a_reflection_saved_after_the_mentor_finalized_answers_409_with_the_text_kept(client, make_client, ctx):
    """The QA case: the mentor finalizes while the new teacher writes; her save explains and keeps the text."""
    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    db.session.commit()
    teacher = make_client().login(pair.mentee)
    assert 'name="reflection"' in teacher.get(url(pair, observation)).get_data(as_text=True)
    mentor = make_client().login(pair.mentor)
    assert mentor.post_form(url(pair, observation, "/finalize")).status_code == 302
    response = teacher.post_form(url(pair, observation, "/reflection"), {"reflection": "REFLWORD <b>after</b>"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    kept = re.search(r'<textarea id="reflection-kept"[^>]*readonly>(.*?)</textarea>', body, re.S)
    assert kept and "REFLWORD &lt;b&gt;after&lt;/b&gt;" in kept.group(1)
    assert 'id="reflection-conflict"' in body and pair.mentor.display_name in body and "reopen" in body
    assert 'data-status="finalized"' in body and 'name="reflection"' not in body
    db.session.expire_all()
    assert db.session.get(Observation, observation.id).reflection == ""
    for other in (pair.mentor, pair.convener):  # never allowed to reflect: the refusal stays
        assert make_client().login(other).post_form(url(pair, observation, "/reflection"),
                                                    {"reflection": "x"}).status_code == 403


BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


def _boosted(page: str, action: str) -> bool:
    """Whether the form posting to `action` is boosted: the nearest `hx-boost` around it (the body's) says true."""
    from html.parser import HTMLParser

    class Boosts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[str | None] = []
            self.found: list[str | None] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "form" and values.get("action") == action:
                self.found.append(values.get("hx-boost") or next((v for v in reversed(self.stack) if v), None))
            if tag not in {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}:
                self.stack.append(values.get("hx-boost"))

        def handle_endtag(self, tag: str) -> None:
            if self.stack and tag not in {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}:
                self.stack.pop()

    parser = Boosts()
    parser.feed(page)
    assert parser.found, f"no form posts to {action}"
    return all(value == "true" for value in parser.found)


def test_a_refused_reopen_or_late_reflection_keeps_the_observation_s_address(client, make_client, ctx):
    """QA: a reopen without a reason and a reflection refused (finalized meanwhile) were plain posts: the bar kept
    …/reopen or …/reflection, a reload sent the form again, and opening that address was 405. The page's forms are
    boosted as the site's are, and a refusal, 422 or 409, tells htmx to keep the page's address."""
    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    db.session.commit()
    teacher = make_client().login(pair.mentee)
    page = teacher.get(url(pair, observation)).get_data(as_text=True)
    assert _boosted(page, url(pair, observation, "/reflection"))
    assert mentor_finalizes(make_client().login(pair.mentor), pair, observation)
    late = teacher.post_form(url(pair, observation, "/reflection"), {"reflection": "晚到的省思"}, headers=BOOSTED)
    assert late.status_code == 409 and late.headers["HX-Push-Url"] == "false"
    assert "晚到的省思" in late.get_data(as_text=True)
    client.login(pair.mentor)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert _boosted(page, url(pair, observation, "/reopen"))
    refused = client.post_form(url(pair, observation, "/reopen"), {"reason": ""}, headers=BOOSTED)
    assert refused.status_code == 422 and refused.headers["HX-Push-Url"] == "false"
    assert 'id="reason-error"' in refused.get_data(as_text=True)


def mentor_finalizes(mentor, pair, observation) -> bool:
    return mentor.post_form(url(pair, observation, "/finalize")).status_code == 302


def test_the_list_is_a_page_and_a_fragment(client, ctx):
    pair = make_pair()
    observe(pair)
    client.login(pair.convener)
    page = client.get(url(pair))
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True) and "HX-Request" in page.headers["Vary"]
    fragment = client.get(url(pair), headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="observations"' in body and "提問與小組討論" not in body


def test_forms_pages_make_a_new_version_when_used(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    base = f"/c/{pair.community.slug}/mentoring/observation-forms/"
    assert client.get(base).status_code == 200
    assert client.get(base + "new").status_code == 200
    new_page = client.get(base + "new").get_data(as_text=True)
    # the default's rows in the reader's words (English here), no ASCII keys to keep or invent
    assert "Lesson preparation | Clear goals" in new_page and "design |" not in new_page
    refused = client.post_form(base + "new", {"title": "語文觀課表", "rows": "Bad Key | x | y",
                                              "levels": "1 | a\n2 | b"})
    assert refused.status_code == 422 and "語文觀課表" in refused.get_data(as_text=True)
    assert client.post_form(base + "new", {"title": "語文觀課表", "rows": "read | 朗讀 | 流暢",
                                           "levels": "1 | 待加強\n2 | 良好"}).status_code == 302
    form = db.session.scalar(select(rubrics.ObservationForm).where(rubrics.ObservationForm.community_id.is_not(None)))
    observe(pair, form_id=form.id)
    assert "version 2" in client.get(base + f"{form.id}/edit").get_data(as_text=True)
    assert client.post_form(base + f"{form.id}/edit", {"title": "語文觀課表", "rows": "read | 朗讀",
                                                       "levels": "1 | a\n2 | b\n3 | c"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(rubrics.ObservationForm).where(
        rubrics.ObservationForm.family_id == form.id)) == 2
    client.login(pair.mentor)
    assert client.get(base + f"{form.id}/edit").status_code == 403


# --- queries -------------------------------------------------------------------------------------


def _grow(pair, count: int) -> None:
    for number in range(count):
        day = DAY + dt.timedelta(days=number)
        observation = services.create_observation(pair.community, plan(pair, observed_on=day), actor=pair.mentor)
        services.add_note(observation, services.NoteFields(client_key=f"k{number}", text="x"), actor=pair.mentor)
    db.session.commit()


@pytest.mark.parametrize("who", ["mentor", "convener"])
def test_the_list_and_the_page_run_the_same_queries_for_1_or_20(client, ctx, count_queries, app, monkeypatch, who):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    small, large = make_pair(), make_pair()
    _grow(small, 1)
    _grow(large, 20)
    counts = []
    for pair in (small, large):
        client.login(getattr(pair, who))
        client.get(url(pair))  # warm: the default form, the session
        with count_queries() as queries:
            assert client.get(url(pair)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    pages = []
    for pair in (small, large):
        client.login(pair.mentor)
        observation = db.session.scalar(select(Observation).where(Observation.community_id == pair.community.id)
                                        .limit(1))
        for number in range(20 if pair is large else 1):
            services.add_note(observation, services.NoteFields(client_key=f"more{number}", text="y"),
                              actor=pair.mentor)
        db.session.commit()
        with count_queries() as queries:
            assert client.get(url(pair, observation)).status_code == 200
        pages.append(len(queries))
    assert pages[0] == pages[1], pages


def test_the_unique_key_holds_in_the_database(ctx):
    pair = make_pair()
    observation = observe(pair)
    db.session.add_all([ObservationNote(observation_id=observation.id, client_key="same", text="a"),
                        ObservationNote(observation_id=observation.id, client_key="same", text="b")])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_community_trail_says_what_happened_but_not_what_was_written(ctx):
    from workspace.core.audit import describe_event

    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    services.reopen(observation, "補評分的理由", actor=pair.mentor)
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "Observation")))
    sentences = [describe_event(event) for event in events]
    assert len(sentences) == 3 and all("observation" in sentence for sentence in sentences)
    assert not any(sentence.startswith("observation.") or "補評分" in sentence for sentence in sentences)


def test_a_convener_sees_the_trail_of_an_unshared_observation_without_the_reopen_reason(client, ctx):
    """The reason an observer gives for reopening is content: it shows to those who read the observation."""
    pair = make_pair()
    observation = observe(pair)
    services.share_with_observed(observation, actor=pair.mentor)
    services.finalize(observation, actor=pair.mentor)
    services.reopen(observation, "新進教師這節課很吃力", actor=pair.mentor)
    db.session.commit()
    client.login(pair.convener)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert "reopened it" in page and "新進教師這節課很吃力" not in page
    client.logout().login(pair.mentee)
    assert "新進教師這節課很吃力" in client.get(url(pair, observation)).get_data(as_text=True)


def test_without_a_start_time_the_observer_starts_the_lesson_clock_on_the_lesson_s_day(client, ctx):
    """No start in the pre-conference: the page says notes would be stamped minute 0 and offers to start the clock
    now; the next note is stamped with the minute since. On another day it points to the pre-conference."""
    today = services.to_local(services.utcnow()).date()
    pair = make_pair(dt.date(2026, 9, 1), today + dt.timedelta(days=30))
    observation = observe(pair, observed_on=today, lesson_starts_at=None)
    client.login(pair.mentor)
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert "notes are stamped minute 0" in page and "Start the lesson clock now" in page
    assert client.post_form(url(pair, observation, "/clock")).status_code == 302
    db.session.expire_all()
    started = db.session.get(Observation, observation.id).lesson_starts_at
    assert started is not None and started.second == 0
    page = client.get(url(pair, observation)).get_data(as_text=True)
    assert "data-lesson-clock" in page and "Start the lesson clock now" not in page
    note, _created = services.add_note(observation, services.NoteFields(
        client_key=str(uuid.uuid4()), text="開始分組", typed_at=started + dt.timedelta(minutes=7, seconds=10)),
        actor=pair.mentor)
    assert note.minute == 7
    with pytest.raises(ValidationError):  # set already
        services.start_clock(observation, actor=pair.mentor)
    client.logout().login(pair.mentee)  # not the observer
    assert client.post_form(url(pair, observation, "/clock")).status_code == 403
    other_day = observe(pair, observed_on=today - dt.timedelta(days=1), lesson_starts_at=None)
    with pytest.raises(ValidationError):
        services.start_clock(other_day, actor=pair.mentor)
    client.logout().login(pair.mentor)
    page = client.get(url(pair, other_day)).get_data(as_text=True)
    assert "Start the lesson clock now" not in page and "in the pre-conference above" in page


def test_the_observation_page_speaks_the_reader_s_language(client, ctx):
    pair = make_pair()
    observation = observe(pair)
    client.login(pair.mentor)
    page = client.get(url(pair, observation), headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "觀課前會談" in page and "課堂觀察筆記" in page and "尚未送出" in page
    page = client.get(url(pair, observation), headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "课前会谈" in page and "尚未发送" in page and "尚未送出" not in page  # one way: 条/发送


def _public_lesson(pair):
    from workspace.activities.services import ActivityFields, record_activity
    from workspace.mentoring.models import PublicLesson

    starts = dt.datetime(2026, 10, 20, 10, 0)
    activity = record_activity(pair.community, ActivityFields(title="公開課", method="observation_feedback",
                                                              starts_at=starts, ends_at=starts + dt.timedelta(hours=1)),
                               actor=pair.mentee)
    lesson = PublicLesson(community_id=pair.community.id, teacher_id=pair.mentee.id, activity_id=activity.id,
                          topic="分數的加減", subject="數學")
    db.session.add(lesson)
    db.session.commit()
    return lesson


def test_a_colleague_observes_a_public_lesson_prefilled_and_the_teacher_may_not(client, ctx):
    pair = make_pair()
    lesson = _public_lesson(pair)
    client.login(pair.colleague)
    page = client.get(url(pair, tail=f"new?public_lesson={lesson.id}")).get_data(as_text=True)
    assert f'selected value="{pair.mentee.id}"' in page and "分數的加減" in page and 'value="2026-10-20"' in page
    observation = services.create_observation(pair.community, plan(
        pair, pairing_id=None, public_lesson_id=lesson.id, observed_on=dt.date(2026, 10, 20)), actor=pair.colleague)
    assert observation.public_lesson_id == lesson.id and observation.observed_id == pair.mentee.id
    with pytest.raises(ValidationError) as error:
        services.create_observation(pair.community, plan(pair, observed_id=pair.mentor.id, pairing_id=None,
                                                         public_lesson_id=lesson.id), actor=pair.colleague)
    assert "observed_id" in fields_of(error.value)
    client.login(pair.mentee)
    assert client.get(url(pair, tail=f"new?public_lesson={lesson.id}")).status_code == 403
    services.share_with_observed(observation, actor=pair.colleague)
    services.finalize(observation, actor=pair.colleague)
    assert observation.activity_id is None  # the public lesson is the activity already


def test_a_note_that_is_not_there_is_404_before_whether_its_observation_is_read(client, ctx):
    """The convener sees that the observation exists, not its notes: a note id that names nothing is 404, a real
    note's photo stays refused."""
    pair = make_pair()
    observation = observe(pair)
    client.login(pair.convener)
    assert client.get(url(pair, observation, "/notes/99999999/photo")).status_code == 404
    client.logout().login(pair.mentor)
    assert client.get(url(pair, observation, "/notes/99999999/photo")).status_code == 404


@pytest.mark.parametrize(("form_id", "status"), [("abc", 404), ("-1", 404), ("99999999", 422)])
def test_a_malformed_or_unknown_form_id_is_refused_not_replaced_by_the_default(client, ctx, form_id, status):
    pair = make_pair()
    client.login(pair.mentor)
    response = client.post_form(url(pair, tail="new"), {
        "observed_id": str(pair.mentee.id), "observed_on": "2026-10-05", "pairing_id": str(pair.pairing.id),
        "form_id": form_id})
    assert response.status_code == status
    if status == 422:
        assert 'id="form_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0


def test_the_observed_teacher_s_list_says_the_draft_is_waiting_for_them(client, ctx):
    """QA: the observed teacher read, under a draft of their own observation, the conveners' sentence ("the content
    belongs to the two teachers until they share it"), as if locked out of their own pair's record; they get the
    observation page's own words. A convener still reads the conveners' sentence."""
    pair = make_pair()
    observe(pair)
    path = f"/c/{pair.community.slug}/mentoring/observations/?pairing={pair.pairing.id}"
    client.login(pair.mentee)
    body = client.get(path).get_data(as_text=True)
    assert f"{pair.mentor.display_name} is still writing this observation: you can read it once they share it" in body
    assert "the content belongs to the two teachers" not in body
    client.login(pair.convener)
    body = client.get(path).get_data(as_text=True)
    assert "the content belongs to the two teachers until they share it" in body
    assert "is still writing this observation" not in body
