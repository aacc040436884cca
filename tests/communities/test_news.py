"""The home page's news: the managers read their community's whole trail; members read only the news areas
registered, each event only if they may see its record (a pairing's events by the pair, not the staff room)."""

from __future__ import annotations

import datetime as dt

from tests.factories import add_member, make_user
from tests.mentoring.helpers import make_pair
from workspace.communities.services import recent_events_for_user
from workspace.core.models import record_event
from workspace.extensions import db
from workspace.mentoring.services import observations, pairings


def _actions(user, community) -> set[str]:
    return {event.action for event in recent_events_for_user(user, [community.id], limit=50)}


def _world():
    pair = make_pair()
    community = pair.community
    record_event(pair.convener, "community.archived", community, community)
    record_event(pair.convener, "membership.role_changed", pair.colleague, community, user_id=pair.colleague.id,
                 before="member", after="co_convener")
    record_event(pair.convener, "attendance.changed", pair.pairing, community, title="期初會議", before="present",
                 after="absent")
    record_event(pair.convener, "pairing.created", pair.pairing, community, user_id=pair.mentee.id)
    observation = observations.create_observation(community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 6), lesson_starts_at=dt.time(9, 0), subject="數學",
        focus="提問", pairing_id=pair.pairing.id), actor=pair.mentor)
    observations.share_with_observed(observation, actor=pair.mentor)
    db.session.commit()
    return pair


def test_a_member_reads_the_community_s_news_but_not_its_trail_nor_another_pair_s_mentoring(ctx):
    pair = _world()
    assert _actions(pair.colleague, pair.community) == {"community.created", "community.archived"}


def test_the_pair_reads_their_own_mentoring_news(ctx):
    pair = _world()
    expected = {"community.created", "community.archived", "pairing.created", "observation.shared_with_observed"}
    assert _actions(pair.mentee, pair.community) == expected
    assert _actions(pair.mentor, pair.community) == expected


def test_the_convener_and_an_admin_read_the_whole_trail(ctx):
    pair = _world()
    everything = {"community.created", "community.archived", "membership.role_changed", "attendance.changed",
                  "pairing.created", "observation.shared_with_observed"}
    assert _actions(pair.convener, pair.community) == everything
    assert _actions(make_user(is_admin=True), pair.community) == everything


def test_a_member_s_home_page_does_not_say_who_was_paired_or_who_was_absent(client, ctx):
    pair = make_pair()
    pairings.end_pairing(pair.pairing, dt.date(2026, 11, 1), "調校", pair.convener)
    db.session.commit()
    other = add_member(pair.community, make_user(display_name="張老師")).user
    page = client.login(other).get("/").get_data(as_text=True)
    assert "林老師" not in page  # the mentee, named by the pairing's end
    mentee_page = client.login(pair.mentee).get("/").get_data(as_text=True)
    assert 'id="whats-new"' in mentee_page and "林老師" in mentee_page
