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


def _news_links(page: str) -> list[tuple[str, str]]:
    """Each link of "What is new" as (its address, the name a screen reader gives it: the text of the elements its
    aria-labelledby names, else its own text)."""
    import re

    news = page[page.index('id="whats-new"'):page.index("</aside>", page.index('id="whats-new"'))]

    def text(html: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", html).split())

    links = []
    for attributes, inner in re.findall(r"<a ([^>]*)>(.*?)</a>", news, re.S):
        href = re.search(r'href="([^"]*)"', attributes).group(1)
        named_by = re.search(r'aria-labelledby="([^"]*)"', attributes)
        if named_by:
            parts = []
            for element_id in named_by.group(1).split():
                found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', news, re.S)
                parts.append(text(found.group(2)))
            links.append((href, " ".join(parts)))
        else:
            links.append((href, text(inner)))
    return links


def test_each_news_item_links_to_what_it_reports_and_no_two_links_read_alike(client, ctx):
    """QA13: every item ended with a link named after its community, to the community: twelve identical names, and
    nothing led to the observation or the pairing reported. An item links to its record where its area says where
    that is; the others keep the community's link, named by the item, its community and its time."""
    pair = _world()
    record_event(pair.convener, "membership.role_changed", pair.colleague, pair.community,
                 user_id=pair.colleague.id, before="member", after="mentor")  # a second item of the same words
    db.session.commit()
    slug = pair.community.slug
    links = _news_links(client.login(pair.convener).get("/").get_data(as_text=True))
    addresses = [href for href, _name in links]
    assert f"/c/{slug}/mentoring/pairings/{pair.pairing.id}" in addresses  # pairing.created
    observation_links = [href for href in addresses if "/mentoring/observations/" in href]
    assert len(observation_links) == 1  # observation.shared_with_observed
    assert f"/c/{slug}/" in addresses  # the community's own events, and those of no page of their own
    # Two links read alike only when they say the same thing of the same place (the same change made twice).
    places: dict[str, set[str]] = {}
    for href, name in links:
        places.setdefault(name, set()).add(href)
        assert name.startswith(("召集人 ", "王老師 ")), name  # who acted and what happened, not the community alone
    assert all(len(hrefs) == 1 for hrefs in places.values()), places
    role_changes = [name for _href, name in links if "changed the role" in name]
    assert len(role_changes) == 2 and role_changes[0].endswith(tuple("0123456789")), role_changes  # and when


def test_the_news_links_cost_no_query(client, ctx, count_queries, app, monkeypatch):
    """The link of each item is built from the event and its community, already read: twelve items cost the queries
    of two."""
    from tests.measuring import measure

    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    pair = _world()
    client.login(pair.convener)
    few = measure(client, count_queries, "/")
    for _index in range(10):
        record_event(pair.convener, "pairing.repaired", pair.pairing, pair.community, user_id=pair.mentee.id)
        record_event(pair.convener, "discussions.pinned", pair.pairing, pair.community, title="置頂")
    db.session.commit()
    assert measure(client, count_queries, "/") == few


def test_a_member_s_news_names_the_community_once_without_its_schools_and_the_trail_keeps_them(client, ctx):
    """QA13 (co-planning) #9: a member's news read 周建国 在“城关一小城乡教育共同体”（three schools）建立了教案…
    · the community again, four lines a piece on a phone. The home names the community alone; the
    administrators' trail, read across schools, still names its schools."""
    from tests.factories import make_community, make_school
    from workspace.core.audit import describe_events

    convener = make_user(display_name="周建国")
    community = make_community(convener, slug="urc", name="城關教共體",
                               schools=[make_school(name="城關一小"), make_school(name="桃嶺村小")])
    record_event(convener, "activity.cancelled", community, community, title="期初會議")  # names its community
    db.session.commit()
    page = client.login(convener).get("/").get_data(as_text=True)
    news = page[page.index('id="whats-new"'):page.index("</aside>", page.index('id="whats-new"'))]
    assert "期初會議" in news and "城關教共體" in news and "城關一小" not in news and "桃嶺村小" not in news
    events = recent_events_for_user(convener, [community.id], limit=5)
    with client.application.test_request_context():
        trail = " ".join(text for _event, text in describe_events(events))
    assert "城關一小" in trail and "桃嶺村小" in trail
