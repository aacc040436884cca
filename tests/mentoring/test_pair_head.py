"""One header on every page of a pairing (templates/mentoring/_pair_head.html): who the pair is (mentor → new
teacher), its term in the reader's language, "Ended" once it has ended, then the pair's navigation, then the page's
own title. The same element on each page, so that the tabs stay put when one moves between them (issue 14); shown
only to whoever may see the pairing, and never more than its names, days and state."""

from __future__ import annotations

import re

import lxml.html

from tests.mentoring.test_pair_nav import CURRENT, _pages
from tests.mentoring.test_public_lessons import make_pair, schedule
from workspace.extensions import db
from workspace.mentoring.models import PairingStatus

# Each page's own title, the h2 that follows the header (the community's name is every tab's h1).
TITLES = {
    "pairing": "Pairing overview", "logs": "Meeting logs", "log_edit": "Edit the log of Sep 10, 2026",
    "goals": "Goals", "goal_edit": "Edit the goal", "observations": "Classroom observations",
    "observation": "王老師 observes 林老師", "observation_new": "Start an observation",
    "handbook": None,  # its title names the school year: checked below as its own
    "public_lessons": "分數的加減 scheduled", "public_list": "Public lessons",
}


def _head(body: str) -> dict:
    """The pair header of a page: its names, term, state, where its nav sits and the title after it."""
    document = lxml.html.fromstring(body)
    heads = document.xpath('//*[contains(concat(" ", @class, " "), " pair-head ")]')
    assert len(heads) == 1, f"{len(heads)} pair headers"
    head = heads[0]
    navs = document.xpath('//nav[contains(@class, "pair-nav")]')
    assert len(navs) == 1 and navs[0].getparent() is head, "the pair nav is the header's, once"
    children = list(head)
    names = head.xpath('.//*[contains(@class, "pair-head-name")]/text()')
    after = head.xpath("following::h2[1]")
    return {
        "tag": head.tag,
        "names": names,
        "term": " ".join(head.xpath('.//*[contains(@class, "pair-head-term")]//text()')).split(),
        "ended": bool(head.xpath('.//*[contains(@class, "badge")][contains(., "Ended")]')),
        "nav_last": children[-1] is navs[0],
        "headings_inside": head.xpath(".//h1|.//h2|.//h3"),
        "title": " ".join(after[0].text_content().split()) if after else None,
        "before": document.xpath('//main//*[contains(concat(" ", @class, " "), " pair-head ")]'
                                 '/preceding-sibling::*[not(self::script)]/@class'),
    }


def test_every_pair_page_opens_with_the_one_header_for_the_mentor_and_the_new_teacher(client, ctx):
    pair = make_pair()
    pages = _pages(pair, schedule(pair))
    for who in (pair.mentor, pair.mentee):
        client.login(who)
        seen = []
        for page, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (who.display_name, page)
            head = _head(response.get_data(as_text=True))
            assert head["names"] == ["王老師", "林老師"], page  # mentor, then the new teacher
            assert head["term"] == ["Term:", "Sep", "1,", "2026", "–", "Jul", "31,", "2038"], (page, head["term"])
            assert not head["ended"] and head["nav_last"] and head["headings_inside"] == [], page
            expected = TITLES[page]
            if expected is None:
                assert head["title"] and "2026" in head["title"], page
            else:
                assert head["title"] == expected, (page, head["title"])
            seen.append((head["tag"], head["before"]))
        assert len(set(map(repr, seen))) == 1, seen  # the same element after the same things on every page
    assert seen[0][0] == "header"


def test_each_page_s_title_is_its_own(client, ctx):
    pair = make_pair()
    pages = _pages(pair, schedule(pair))
    client.login(pair.mentee)
    titles = [_head(client.get(url).get_data(as_text=True))["title"] for url in pages.values()]
    # the observations' list, its new observation and one observation share a tab, not a title
    assert len(set(titles)) == len(titles), titles
    assert set(CURRENT) == set(pages)


def test_a_convener_sees_the_names_and_the_term_and_an_ended_pairing_says_so(client, ctx):
    pair = make_pair()
    pages = _pages(pair, schedule(pair))
    pair.pairing.status = PairingStatus.ENDED.value
    db.session.commit()
    client.login(pair.convener)
    for page in ("pairing", "logs", "goals", "observations", "observation", "handbook", "public_list",
                 "public_lessons"):
        response = client.get(pages[page])
        assert response.status_code == 200, page
        head = _head(response.get_data(as_text=True))
        assert head["names"] == ["王老師", "林老師"] and head["ended"], page


def test_the_term_reads_in_the_reader_s_language(client, ctx):
    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    db.session.commit()
    client.login(pair.mentee)
    body = client.get(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/").get_data(as_text=True)
    term = "".join(_head(body)["term"])
    assert "2026年9月1日" in term and "2038年7月31日" in term, term
    assert re.search(r'<time datetime="2026-09-01">2026年9月1日</time>', body)


def test_no_header_where_the_reader_may_not_see_the_pairing_nor_outside_one(client, ctx):
    pair = make_pair()
    lesson = schedule(pair)
    base = f"/c/{pair.community.slug}/mentoring"
    client.login(pair.colleague)  # sees the public lesson, not the pairing
    assert "pair-head" not in client.get(f"{base}/public-lessons/{lesson.id}").get_data(as_text=True)
    client.login(pair.mentor)  # the community's lists, not opened from the pairing
    for url in (f"{base}/observations/", f"{base}/public-lessons/", f"{base}/observations/new"):
        response = client.get(url)
        assert response.status_code == 200 and "pair-head" not in response.get_data(as_text=True), url


def test_the_header_costs_no_query_of_its_own(client, ctx, count_queries, app):
    """The routes read a pairing with its two people (routes.WITH_PAIR): drawing the header runs no SQL of its own;
    given no links (a reader who may not see the pairing), it draws nothing."""
    from flask import g, render_template_string

    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.mentoring.models import Pairing
    from workspace.mentoring.routes import load_record, pair_nav

    pair = make_pair()
    community_id, pairing_id, mentee_id, mentor_name = (pair.community.id, pair.pairing.id, pair.mentee.id,
                                                        pair.mentor.display_name)
    line = '{% with pair_current="logs" %}{% include "mentoring/_pair_head.html" %}{% endwith %}'
    with app.test_request_context("/"):
        db.session.expunge_all()  # a request starts knowing nobody
        g._login_user = db.session.get(User, mentee_id)
        community = db.session.get(Community, community_id)
        pairing = load_record(community, Pairing, pairing_id)
        assert "pair-head" not in render_template_string(line, community=community, pairing=pairing, pair_nav=[])
        links = pair_nav(community, pairing)
        with count_queries() as queries:
            body = render_template_string(line, community=community, pairing=pairing, pair_nav=links)
        assert "pair-head" in body and mentor_name in body and len(queries) == 0, queries
