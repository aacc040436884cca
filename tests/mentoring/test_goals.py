"""Goals of a pairing: checks, version conflicts, trash, sharing, evidence links through core/links, and the
routes (page and fragment, 422 with the input kept, 404s, privacy)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.mentoring.helpers import freeze_clock, make_pair
from workspace.core import links
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.records import local_day
from workspace.extensions import db
from workspace.mentoring.models import Goal, Milestone, MilestoneKind, Observation, ObservationForm
from workspace.mentoring.services import goals as services
from workspace.mentoring.services.goals import GoalFields
from workspace.resources.models import Resource


def _url(pair, suffix: str = "") -> str:
    return f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/goals/{suffix}"


def _goal(pair, **overrides) -> Goal:
    fields = GoalFields(**{"title": "提升提問技巧", "success_criteria": "每節課至少三個開放式問題",
                           "due_on": dt.date(2027, 1, 15), **overrides})
    goal = services.create_goal(pair.pairing, fields, actor=pair.mentee)
    db.session.commit()
    return goal


def _resource(community, **overrides) -> Resource:
    resource = Resource(community_id=community.id, title=overrides.pop("title", "提問教案"), kind="lesson_plan",
                        **overrides)
    db.session.add(resource)
    db.session.commit()
    return resource


def test_a_goal_is_added_checked_and_ticks_its_milestone(ctx):
    pair = make_pair(starts_on=dt.date.today() - dt.timedelta(days=3))
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="Goals set", due_on=dt.date.today(),
                             kind=MilestoneKind.GOAL))
    db.session.commit()
    goal = _goal(pair)
    assert goal.status == "open" and goal.created_by_id == pair.mentee.id
    assert db.session.scalar(select(Milestone.done_at)) is not None


def test_a_goal_set_on_the_pairing_s_first_local_day_ticks_its_milestone(ctx, monkeypatch):
    """At 23:30 UTC it is already the next day in Taipei: a pairing starting that day counts the goal."""
    moment = freeze_clock(monkeypatch)
    pair = make_pair(starts_on=local_day(moment))
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="Goals set", due_on=local_day(moment),
                             kind=MilestoneKind.GOAL))
    db.session.commit()
    _goal(pair, due_on=local_day(moment) + dt.timedelta(days=90))  # due within the pairing, which starts today
    assert db.session.scalar(select(Milestone.done_at)) is not None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "  "}, "title"), ({"title": "長" * 201}, "title"), ({"status": "finished"}, "status"),
    ({"success_criteria": "x" * 4001}, "success_criteria"), ({"due_on": dt.date(1800, 1, 1)}, "due_on"),
])
def test_a_goal_is_checked_field_by_field(ctx, overrides, field):
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        _goal(pair, **overrides)
    assert field in {name for name, _message in refused.value.errors}


def test_a_stale_goal_edit_is_refused(ctx):
    pair = make_pair()
    goal = _goal(pair)
    services.update_goal(goal, GoalFields("新的標題", status="in_progress"), actor=pair.mentor, base_version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_goal(goal, GoalFields("舊的標題"), actor=pair.mentee, base_version=1)
    db.session.rollback()
    assert db.session.get(Goal, goal.id).title == "新的標題"


def test_trash_restore_share_and_who_reads(ctx):
    pair = make_pair()
    goal, hidden = _goal(pair), _goal(pair, title="未分享")
    with pytest.raises(NotAllowed):
        services.trash_goal(goal, actor=pair.convener)
    services.share_goal(goal, True, actor=pair.mentor)
    db.session.commit()
    assert [item.id for item in services.goals_of(pair.pairing, pair.convener)] == [goal.id]
    assert {item.id for item in services.goals_of(pair.pairing, pair.mentee)} == {goal.id, hidden.id}
    assert services.goals_of(pair.pairing, pair.colleague) == []
    services.trash_goal(goal, actor=pair.mentee)
    db.session.commit()
    assert services.goals_of(pair.pairing, pair.convener) == []
    assert [item.id for item in services.goals_of(pair.pairing, pair.mentor, trashed=True)] == [goal.id]
    services.restore_goal(goal, actor=pair.mentor)
    db.session.commit()
    assert services.goal_counts(pair.pairing)["open"] == 2


def test_evidence_links_a_resource_and_an_observation_of_the_pair(ctx):
    pair, other = make_pair(), make_pair()
    goal = _goal(pair)
    resource = _resource(pair.community)
    foreign = _resource(other.community)
    form = ObservationForm(title="觀課紀錄表")
    db.session.add(form)
    db.session.flush()
    observation = Observation(community_id=pair.community.id, pairing_id=pair.pairing.id, observer_id=pair.mentor.id,
                              observed_id=pair.mentee.id, form_id=form.id, observed_on=dt.date(2026, 10, 1))
    db.session.add(observation)
    db.session.commit()
    services.add_evidence(goal, "resource", resource.id, actor=pair.mentee)
    services.add_evidence(goal, "observation", observation.id, actor=pair.mentor)
    with pytest.raises(ValidationError):
        services.add_evidence(goal, "resource", foreign.id, actor=pair.mentee)
    with pytest.raises(ValidationError):
        services.add_evidence(goal, "activity", resource.id, actor=pair.mentee)
    db.session.commit()
    found = services.evidence_of([goal])[goal.id]
    assert [(link.role, record) for link, record in found] == [("evidence", resource), ("evidence", observation)]
    services.remove_evidence(goal, found[0][0], actor=pair.mentee)
    db.session.commit()
    assert [record for _link, record in services.evidence_of([goal])[goal.id]] == [observation]
    assert db.session.scalar(select(links.Link.from_type)) == "goal"


def test_the_other_s_draft_observation_is_neither_offered_nor_linked(ctx):
    """The mentor's draft is theirs until shared: the new teacher may not see its subject in the evidence list
    nor link it (and through a shared goal, show it to the conveners)."""
    pair = make_pair()
    goal = _goal(pair)
    form = ObservationForm(title="觀課紀錄表")
    db.session.add(form)
    db.session.flush()
    draft = Observation(community_id=pair.community.id, pairing_id=pair.pairing.id, observer_id=pair.mentor.id,
                        observed_id=pair.mentee.id, form_id=form.id, observed_on=dt.date(2026, 10, 1),
                        subject="草稿的科目")
    db.session.add(draft)
    db.session.commit()
    assert f"observation:{draft.id}" not in dict(services.evidence_choices(pair.pairing, pair.mentee))
    assert f"observation:{draft.id}" in dict(services.evidence_choices(pair.pairing, pair.mentor))
    with pytest.raises(ValidationError):
        services.add_evidence(goal, "observation", draft.id, actor=pair.mentee)
    services.add_evidence(goal, "observation", draft.id, actor=pair.mentor)


def test_the_goals_page_and_fragment(client, ctx):
    pair = make_pair()
    _goal(pair)
    client.login(pair.mentee)
    page = client.get(_url(pair))
    assert page.status_code == 200 and "提升提問技巧" in page.get_data(as_text=True)
    fragment = client.get(_url(pair), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="goals"' in fragment


def test_adding_a_goal_and_a_bad_one(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    response = client.post_form(_url(pair), {"title": "班級經營", "status": "open", "due_on": "2027-01-31"})
    assert response.status_code == 302
    response = client.post_form(_url(pair), {"title": "", "success_criteria": "保留我", "status": "open",
                                             "due_on": "明天"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "保留我" in body and "明天" in body
    assert 'id="title-error"' in body and 'id="due_on-error"' in body
    response = client.hx("POST", _url(pair), {"title": "", "status": "open"})
    assert response.status_code == 422 and "<html" not in response.get_data(as_text=True)
    assert db.session.scalar(select(Goal.title)) == "班級經營"


def test_a_stale_goal_edit_keeps_the_input(client, ctx):
    pair = make_pair()
    goal = _goal(pair)
    goal.version = 2
    db.session.commit()
    client.login(pair.mentor)
    response = client.post_form(_url(pair, f"{goal.id}/edit"), {"title": "我的版本", "status": "open",
                                                                "base_version": "1"})
    assert response.status_code == 409 and "我的版本" in response.get_data(as_text=True)


def test_linking_evidence_through_the_page(client, ctx):
    pair = make_pair()
    goal = _goal(pair)
    resource = _resource(pair.community)
    client.login(pair.mentee)
    page = client.get(_url(pair)).get_data(as_text=True)
    assert f'value="resource:{resource.id}"' in page
    response = client.post_form(_url(pair, f"{goal.id}/evidence"), {"target": f"resource:{resource.id}"})
    assert response.status_code == 302
    assert "提問教案" in client.get(_url(pair)).get_data(as_text=True)
    response = client.post_form(_url(pair, f"{goal.id}/evidence"), {"target": "resource:abc"})
    assert response.status_code == 422
    link_id = db.session.scalar(select(links.Link.id))
    assert client.post_form(_url(pair, f"{goal.id}/evidence/{link_id}/remove")).status_code == 302
    assert client.post_form(_url(pair, f"{goal.id}/evidence/{link_id}/remove")).status_code == 404


def test_a_convener_sees_counts_not_unshared_goals(client, ctx):
    pair = make_pair()
    _goal(pair, title="私下的目標")
    client.login(pair.convener)
    body = client.get(_url(pair)).get_data(as_text=True)
    assert "私下的目標" not in body and "Not started: 1" in body
    for person in (pair.colleague, make_user()):
        client.logout().login(person)
        assert client.get(_url(pair)).status_code == 404


def test_foreign_and_malformed_goal_ids_are_not_found(client, ctx):
    pair, other = make_pair(), make_pair()
    foreign = _goal(other)
    client.login(make_user(is_admin=True))
    for url in (_url(pair, f"{foreign.id}/edit"), _url(pair, "0/edit"), _url(pair, "x/edit")):
        assert client.get(url).status_code == 404, url
    assert client.post_form(_url(pair, f"{foreign.id}/trash")).status_code == 404


def test_the_goals_page_runs_the_same_queries_for_1_or_20_goals(client, ctx, count_queries):
    def measure(pair) -> int:
        client.logout().login(pair.mentee)
        client.get(_url(pair))
        with count_queries() as queries:
            assert client.get(_url(pair)).status_code == 200
        return len(queries)

    one, many = make_pair(), make_pair()
    resource = _resource(many.community)
    first = _goal(one)
    services.add_evidence(first, "resource", _resource(one.community).id, actor=one.mentee)
    for number in range(20):
        goal = _goal(many, title=f"目標 {number}")
        services.add_evidence(goal, "resource", resource.id, actor=many.mentee)
    db.session.commit()
    assert measure(many) == measure(one)


def test_the_open_goals_of_many_pairings_at_once(ctx):
    pair, other = make_pair(), make_pair()
    _goal(pair, title="後到期", due_on=dt.date(2027, 3, 1))
    _goal(pair, title="先到期", due_on=dt.date(2026, 12, 1))
    _goal(pair, title="已達成", status="achieved")
    _goal(other, title="別組")
    found = services.open_goals_for([pair.pairing.id, other.pairing.id])
    assert [goal.title for goal in found[pair.pairing.id]] == ["先到期", "後到期"]
    assert [goal.title for goal in found[other.pairing.id]] == ["別組"]
