"""A state change sent twice (a second tab, the back button, a double click) is answered as done, with a message
that says the record already is in that state; the people who never could do it are still refused (403)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.mentoring.helpers import make_pair
from workspace.extensions import db
from workspace.mentoring.models import Goal, MeetingLog, Observation, ObservationStatus
from workspace.mentoring.services import goals as goal_services
from workspace.mentoring.services import logs as log_services
from workspace.mentoring.services import observations as services


def _observation(pair, status: str = "draft", trashed: bool = False) -> Observation:
    observation = services.create_observation(pair.community, services.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0),
        subject="數學", focus="提問", pairing_id=pair.pairing.id), actor=pair.mentor)
    if status in {"shared", "finalized"}:
        services.share_with_observed(observation, actor=pair.mentor)
    if status == "finalized":
        services.finalize(observation, actor=pair.mentor)
    if trashed:
        services.trash(observation, actor=pair.mentor)
    db.session.commit()
    return observation


def _url(pair, observation: Observation, tail: str) -> str:
    return f"/c/{pair.community.slug}/mentoring/observations/{observation.id}/{tail}"


# (the change, the state it starts from, the form it posts, the message of the repeat, the state it leads to)
CHANGES = [
    ("share-with-observed", "draft", False, {}, "The observed teacher can already read this observation.",
     (ObservationStatus.SHARED.value, True)),
    ("finalize", "shared", False, {}, "The observation is already finalized.",
     (ObservationStatus.FINALIZED.value, True)),
    ("reopen", "finalized", False, {"reason": "補評分"}, "The observation is already open.",
     (ObservationStatus.SHARED.value, True)),
    ("trash", "draft", False, {}, "The observation is already in the trash.", (ObservationStatus.DRAFT.value, False)),
    ("restore", "draft", True, {}, "The observation is already out of the trash.",
     (ObservationStatus.DRAFT.value, True)),
]


@pytest.mark.parametrize(("tail", "status", "trashed", "data", "already", "after"), CHANGES,
                         ids=[change[0] for change in CHANGES])
def test_an_observation_s_change_sent_twice_says_it_is_already_done(client, ctx, tail, status, trashed, data,
                                                                    already, after):
    pair = make_pair()
    observation = _observation(pair, status, trashed)
    client.login(pair.mentor)
    first = client.post_form(_url(pair, observation, tail), data)
    assert first.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Observation, observation.id)
    assert (changed.status, changed.live) == after
    moment = changed.finalized_at, changed.deleted_at
    second = client.post_form(_url(pair, observation, tail), data)
    assert second.status_code == 302 and second.location == first.location
    page = client.get(second.location).get_data(as_text=True)
    assert already in page and "permission" not in page
    db.session.expire_all()
    again = db.session.get(Observation, observation.id)
    assert (again.status, again.live) == after and (again.finalized_at, again.deleted_at) == moment


@pytest.mark.parametrize(("tail", "status", "trashed", "data", "already", "after"), CHANGES,
                         ids=[change[0] for change in CHANGES])
def test_who_never_could_is_still_refused_once_the_change_is_done(client, ctx, tail, status, trashed, data,
                                                                  already, after):
    pair = make_pair()
    observation = _observation(pair, status, trashed)
    client.login(pair.mentor)
    assert client.post_form(_url(pair, observation, tail), data).status_code == 302
    client.logout().login(pair.mentee)  # the observed teacher shares, finalizes, reopens, trashes nothing
    assert client.post_form(_url(pair, observation, tail), data).status_code in (403, 404)


def test_finalizing_a_draft_is_still_refused(client, ctx):
    """Neither where finalize starts (shared) nor where it leads: not a repeat."""
    pair = make_pair()
    observation = _observation(pair)
    client.login(pair.mentor)
    assert client.post_form(_url(pair, observation, "finalize")).status_code == 403


@pytest.mark.parametrize("htmx", [False, True])
def test_a_goal_restored_twice_says_it_is_already_out_of_the_trash(client, ctx, htmx):
    pair = make_pair()
    goal = goal_services.create_goal(pair.pairing, goal_services.GoalFields("提升提問技巧", "", dt.date(2027, 1, 15)),
                                     actor=pair.mentee)
    goal_services.trash_goal(goal, actor=pair.mentee)
    db.session.commit()
    url = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/goals/{goal.id}/restore"
    client.login(pair.mentee)
    send = (lambda: client.hx("POST", url)) if htmx else (lambda: client.post_form(url))
    first, second = send(), send()
    assert first.status_code == second.status_code == (200 if htmx else 302)
    shown = second.get_data(as_text=True) if htmx else client.get(second.location).get_data(as_text=True)
    assert "The goal is already out of the trash." in shown
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).live
    client.logout().login(pair.convener)
    assert client.post_form(url).status_code == 403


def test_a_log_restored_twice_says_it_is_already_out_of_the_trash(client, ctx):
    pair = make_pair()
    log = log_services.create_log(pair.pairing, log_services.LogFields(
        held_on=dt.date(2026, 10, 1), duration_minutes=30, topics="班級經營", notes="談了"), actor=pair.mentor)
    log_services.trash_log(log, actor=pair.mentor)
    db.session.commit()
    url = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/{log.id}/restore"
    client.login(pair.mentor)
    assert client.post_form(url).status_code == 302
    second = client.post_form(url)
    assert second.status_code == 302
    assert "The log is already out of the trash." in client.get(second.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingLog, log.id).live


def test_the_policy_keeps_the_state_in_can_and_tells_a_repeat_apart(ctx):
    from werkzeug.exceptions import Forbidden

    from workspace.core.permissions import can, change_state

    pair = make_pair()
    observation = _observation(pair, "finalized")
    assert not can(pair.mentor, "finalize", observation)  # the button is not offered again
    assert change_state(pair.mentor, "finalize", observation) == "The observation is already finalized."
    assert change_state(pair.mentor, "reopen", observation) is None  # allowed: the route acts
    for never in (pair.mentee, pair.colleague, pair.convener):
        with pytest.raises(Forbidden):
            change_state(never, "finalize", observation)
