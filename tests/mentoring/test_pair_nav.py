"""One navigation between a pairing's pages (templates/mentoring/_pair_nav.html): the same links in the same order
on each page, the page shown marked aria-current, only what the viewer may open (each link answers them 200)."""

from __future__ import annotations

import datetime as dt
import re

from tests.mentoring.test_public_lessons import make_pair, schedule
from workspace.extensions import db
from workspace.mentoring.models import Goal, MeetingLog, PairingStatus
from workspace.mentoring.routes import PAIR_PAGES
from workspace.mentoring.services import observations as mentoring_services

ALL = list(PAIR_PAGES)  # pairing, logs, goals, observations, handbook, public_lessons


def _nav(body: str) -> tuple[list[str], list[str], list[str]] | None:
    """The keys of the pair navigation's links, the ones marked current, and their addresses (None: no nav)."""
    found = re.search(r'<nav class="tabs pair-nav"[^>]*>(.*?)</nav>', body, re.S)
    if found is None:
        return None
    links = re.findall(r'<a href="([^"]+)" data-pair-page="([a-z_]+)"( aria-current="page")?>', found.group(1))
    return ([key for _url, key, _current in links], [key for _url, key, current in links if current],
            [url.replace("&amp;", "&") for url, _key, _current in links])


def _pages(pair, lesson) -> dict[str, str]:
    base = f"/c/{pair.community.slug}/mentoring"
    pairing = f"{base}/pairings/{pair.pairing.id}"
    log = MeetingLog(pairing_id=pair.pairing.id, held_on=dt.date(2026, 9, 10), duration_minutes=30,
                     author_id=pair.mentor.id)
    goal = Goal(pairing_id=pair.pairing.id, title="班級經營")
    db.session.add_all([log, goal])
    db.session.commit()
    observation = mentoring_services.create_observation(pair.community, mentoring_services.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0),
        subject="數學", focus="提問", pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    return {
        "observations": f"{base}/observations/?pairing={pair.pairing.id}",
        "observation": f"{base}/observations/{observation.id}",
        "pairing": pairing,
        "logs": f"{pairing}/logs/",
        "log_edit": f"{pairing}/logs/{log.id}/edit",
        "goals": f"{pairing}/goals/",
        "goal_edit": f"{pairing}/goals/{goal.id}/edit",
        "handbook": f"{base}/handbooks/{pair.mentee.id}/2026",
        "public_lessons": f"{base}/public-lessons/{lesson.id}",
        "public_list": f"{base}/public-lessons/?pairing={pair.pairing.id}",
        "observation_new": f"{base}/observations/new?pairing={pair.pairing.id}",
    }


CURRENT = {"observations": "observations", "observation": "observations",
           "pairing": "pairing", "logs": "logs", "log_edit": "logs", "goals": "goals", "goal_edit": "goals",
           "handbook": "handbook", "public_lessons": "public_lessons", "public_list": "public_lessons",
           "observation_new": "observations"}


def test_every_pair_page_carries_the_same_links_in_the_same_order_with_its_own_marked(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    pages = _pages(pair, lesson)
    client.login(pair.mentor)
    seen_urls = set()
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        nav = _nav(response.get_data(as_text=True))
        assert nav is not None, page
        keys, current, urls = nav
        assert keys == ALL, page
        assert current == [CURRENT[page]], page
        seen_urls.add(tuple(urls))
    assert len(seen_urls) == 1  # the same addresses everywhere
    for url in next(iter(seen_urls)):
        assert client.get(url).status_code == 200, url


def test_the_observations_link_narrows_to_the_pairing_and_the_handbook_opens_its_school_year(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    _keys, _current, urls = _nav(client.get(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}")
                                 .get_data(as_text=True))
    assert "/mentoring/observations" in urls[3] and urls[3].endswith(f"?pairing={pair.pairing.id}")
    assert re.search(rf"/handbooks/{pair.mentee.id}/\d{{4}}$", urls[4])


def test_a_convener_s_nav_lists_every_page_they_may_open_and_marks_the_one_shown(client, ctx):
    """QA 9: a convener opened the pair's logs, goals, observations and handbook (their dates, counts and states),
    while the nav on those pages showed only Overview · Public lessons, nothing marked. The nav asks what the
    routes ask; what the pages show stays the metadata."""
    pair = make_pair()
    lesson = schedule(pair)
    pages = _pages(pair, lesson)
    client.login(pair.convener)
    for page in ("pairing", "logs", "goals", "observations", "handbook", "public_list"):
        response = client.get(pages[page])
        assert response.status_code == 200, page
        keys, current, urls = _nav(response.get_data(as_text=True))
        assert keys == ALL and current == [CURRENT[page]], (page, keys, current)
        for url in urls:
            assert client.get(url).status_code == 200, url
    body = client.get(pages["logs"]).get_data(as_text=True)
    assert 'id="new-log"' not in body  # nothing to write: the page is the convener's metadata view


def test_the_convener_s_observations_list_says_what_it_shows(client, ctx):
    pair = make_pair()
    pages = _pages(pair, schedule(pair))
    client.login(pair.convener)
    body = client.get(pages["observations"]).get_data(as_text=True)
    assert "Only the date, the number of notes and the status are shown" in body
    assert "Only the date and status are shown" not in body


def test_a_mentor_whose_pairing_ended_no_longer_gets_the_handbook_link(client, ctx):
    pair = make_pair()
    pair.pairing.status = PairingStatus.ENDED.value
    db.session.commit()
    client.login(pair.mentor)
    keys, _current, urls = _nav(client.get(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}")
                                .get_data(as_text=True))
    assert "handbook" not in keys and keys == [key for key in ALL if key != "handbook"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    handbook = f"/c/{pair.community.slug}/mentoring/handbooks/{pair.mentee.id}/2026"
    assert client.get(handbook).status_code == 404  # what the nav leaves out is what the policy refuses


def test_a_colleague_on_a_pair_s_public_lesson_gets_no_pair_navigation(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    client.login(pair.colleague)
    response = client.get(f"/c/{pair.community.slug}/mentoring/public-lessons/{lesson.id}")
    assert response.status_code == 200 and _nav(response.get_data(as_text=True)) is None


def test_the_nav_wraps_on_a_phone():
    with open("static/css/app.css", encoding="utf-8") as sheet:
        css = sheet.read()
    phones = css[css.index("Phones (issue 11)"):]
    assert ".tabs { flex-wrap: wrap;" in phones


def test_a_page_whose_route_passes_no_links_gets_them_from_the_partial(client, ctx, app):
    """The observations' pages add one line: the partial asks the policy itself, given the pairing (or none)."""
    from flask import g, render_template_string

    pair = make_pair()
    line = '{% with pair_current="observations" %}{% include "mentoring/_pair_nav.html" %}{% endwith %}'
    with app.test_request_context("/"):
        g._login_user = pair.mentee  # what Flask-Login's current_user reads
        keys, current, _urls = _nav(render_template_string(line, community=pair.community, pairing=pair.pairing))
        assert keys == ALL and current == ["observations"]
        assert _nav(render_template_string(line, community=pair.community, pairing=None)) is None
        g._login_user = pair.colleague  # not of the pair, no convener: nothing
        assert _nav(render_template_string(line, community=pair.community, pairing=pair.pairing)) is None
