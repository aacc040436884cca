"""The pairing pages: the overview, a pairing, the homes, pairing, ending, re-pairing, milestones, settings."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.factories import make_user
from tests.mentoring import pairings_world as world
from tests.mentoring.helpers import make_pair
from workspace.extensions import db
from workspace.mentoring.models import MentoringSettings, Milestone, NextStep, Pairing


def _index(pair) -> str:
    return f"/c/{pair.community.slug}/mentoring/"


def _page(pair, pairing_id=None) -> str:
    return f"/c/{pair.community.slug}/mentoring/pairings/{pairing_id or pair.pairing.id}"


def test_the_overview_is_a_page_and_a_fragment(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    page = client.get(_index(pair))
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert f"/c/{pair.community.slug}/mentoring/pairings/new" in page.get_data(as_text=True)
    form = client.get(f"/c/{pair.community.slug}/mentoring/pairings/new").get_data(as_text=True)
    assert 'name="mentee_ids"' in form and pair.mentee.display_name in form
    fragment = client.get(_index(pair), headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="pairings-overview"' in text
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_member_sees_only_their_own_pairings_and_no_pairing_form(client, ctx):
    pair = make_pair()
    client.login(pair.colleague)
    text = client.get(_index(pair)).get_data(as_text=True)
    assert "You are in no pairing here." in text and "/pairings/new" not in text
    client.login(pair.mentee)
    text = client.get(_index(pair)).get_data(as_text=True)
    assert f'id="pairing-{pair.pairing.id}"' in text


def test_a_malformed_or_foreign_page_or_id_is_404(client, ctx):
    pair = make_pair()
    other = make_pair()
    client.login(pair.convener)
    assert client.get(_index(pair) + "?page=abc").status_code == 404
    assert client.get(_index(pair) + "?page=9").status_code == 404
    assert client.get(_page(pair, other.pairing.id)).status_code == 404
    assert client.get(f"/c/{pair.community.slug}/mentoring/pairings/abc").status_code == 404
    assert client.get(_page(pair, 99999)).status_code == 404
    other_milestone = world.milestone(other.pairing, dt.date(2026, 10, 1))
    url = f"{_page(pair)}/milestones/{other_milestone.id}/tick"
    client.login(pair.mentee)
    assert client.post_form(url, {"done": "1"}).status_code == 404


def test_pairing_makes_one_pairing_per_new_teacher_and_redirects(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    response = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings", {
        "mentor_id": str(pair.mentor.id), "mentee_ids": [str(pair.colleague.id)], "starts_on": "2026-09-01",
        "ends_on": ""})
    assert response.status_code == 302
    made = db.session.scalar(select(Pairing).where(Pairing.mentee_id == pair.colleague.id))
    assert made.ends_on == dt.date(2028, 8, 31)


def test_pairing_a_new_teacher_who_has_a_mentor_warns_with_the_name_and_the_end(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    response = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings", {
        "mentor_id": str(pair.colleague.id), "mentee_ids": [str(pair.mentee.id)], "starts_on": "2026-10-01"},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "林老師 also has the mentor 王老師 until Aug 31, 2028" in text
    alone = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings", {
        "mentor_id": str(pair.mentor.id), "mentee_ids": [str(pair.colleague.id)], "starts_on": "2026-10-01"},
        follow_redirects=True)
    assert "also has the mentor" not in alone.get_data(as_text=True)


def test_a_refused_pairing_is_422_with_the_error_beside_the_field_and_the_input_kept(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    response = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings", {
        "mentor_id": str(pair.mentor.id), "mentee_ids": [str(pair.mentor.id)], "starts_on": "2026-09-01",
        "ends_on": "2026-08-01"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="mentee_ids-error"' in text and "cannot mentor themselves" in text
    assert 'id="ends_on-error"' in text and 'value="2026-08-01"' in text
    bad_date = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings", {
        "mentor_id": str(pair.mentor.id), "mentee_ids": [str(pair.colleague.id)], "starts_on": "2026-02-30"})
    assert bad_date.status_code == 422 and 'value="2026-02-30"' in bad_date.get_data(as_text=True)


def test_the_convener_sees_counts_not_content_and_the_pair_gets_the_links(client, ctx):
    pair = make_pair()
    world.log(pair.pairing, dt.date(2026, 9, 10), steps=(world.SECRET,))
    world.observation(pair.pairing, dt.date(2026, 9, 20), world.form().id)
    client.login(pair.convener)
    for url in (_index(pair), _page(pair)):
        text = client.get(url).get_data(as_text=True)
        assert world.SECRET not in text
    text = client.get(_page(pair)).get_data(as_text=True)
    # The logs page answers the convener (dates and lengths, not what was said): the nav links it, the secret stays.
    assert f"/mentoring/pairings/{pair.pairing.id}/logs/" in text and "End the pairing" in text
    assert client.get(f"{_page(pair)}/logs/").status_code == 200
    assert world.SECRET not in client.get(f"{_page(pair)}/logs/").get_data(as_text=True)
    client.login(pair.mentor)
    text = client.get(_page(pair)).get_data(as_text=True)
    assert f"/mentoring/pairings/{pair.pairing.id}/logs/" in text and "End the pairing" not in text
    text = client.get("/mentoring/").get_data(as_text=True)
    assert world.SECRET in text  # the mentor's own home lists the open next steps


def test_ending_and_re_pairing(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    refused = client.post_form(f"{_page(pair)}/end", {"ends_on": "2026-01-01", "reason": "搬家"})
    assert refused.status_code == 422 and 'id="ends_on-error"' in refused.get_data(as_text=True)
    assert 'value="搬家"' in refused.get_data(as_text=True)
    moved = client.post_form(f"{_page(pair)}/repair", {"mentor_id": str(pair.colleague.id),
                                                       "starts_on": "2026-11-02", "reason": "換導師"})
    assert moved.status_code == 302
    db.session.expire_all()
    old = db.session.get(Pairing, pair.pairing.id)
    assert old.status == "ended" and old.replaced_by_id
    assert client.post_form(f"{_page(pair)}/end", {"reason": "again"}).status_code == 422


def test_either_of_the_pair_ticks_a_milestone_and_htmx_gets_the_list(client, ctx):
    pair = make_pair()
    item = world.milestone(pair.pairing, dt.date(2026, 9, 15), title="第一次見面")
    client.login(pair.mentee)
    response = client.hx("POST", f"{_page(pair)}/milestones/{item.id}/tick", {"done": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.lstrip().startswith("{#") is False and 'id="milestones"' in text
    assert "<html" not in text
    db.session.expire_all()
    assert db.session.get(Milestone, item.id).done_at is not None
    client.login(pair.colleague)
    assert client.post_form(f"{_page(pair)}/milestones/{item.id}/tick", {"done": "0"}).status_code == 404
    client.login(pair.convener)  # a convener not in the pair sees the pairing but does not tick
    assert client.post_form(f"{_page(pair)}/milestones/{item.id}/tick", {"done": "0"}).status_code == 403


def test_a_convener_adds_changes_and_trashes_milestones(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    bad = client.post_form(f"{_page(pair)}/milestones", {"title": "共讀", "due_on": "", "owner": "mentee",
                                                         "kind": "other"})
    assert bad.status_code == 422 and 'id="due_on-error"' in bad.get_data(as_text=True)
    assert 'value="共讀"' in bad.get_data(as_text=True)
    assert client.post_form(f"{_page(pair)}/milestones", {"title": "共讀", "due_on": "2026-10-01",
                                                          "owner": "mentee", "kind": "other"}).status_code == 302
    item = db.session.scalar(select(Milestone).where(Milestone.pairing_id == pair.pairing.id))
    bad = client.post_form(f"{_page(pair)}/milestones/{item.id}", {"title": "", "due_on": "2026-10-02",
                                                                   "owner": "mentee", "kind": "other"})
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    assert client.post_form(f"{_page(pair)}/milestones/{item.id}", {
        "title": "共讀一本書", "due_on": "2026-10-02", "owner": "mentor", "kind": "other"}).status_code == 302
    assert client.post_form(f"{_page(pair)}/milestones/{item.id}/trash").status_code == 302
    db.session.expire_all()
    item = db.session.get(Milestone, item.id)
    assert item.title == "共讀一本書" and item.deleted_at is not None
    assert client.post_form(f"{_page(pair)}/milestones/{item.id}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, item.id).deleted_at is None


def test_the_settings_save_the_term_and_the_milestones_and_refuse_bad_input(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    url = f"/c/{pair.community.slug}/mentoring/settings"
    page = client.get(url).get_data(as_text=True)
    assert "First meeting" in page and 'value="24"' in page
    bad = client.post_form(url, {"term_months": "0", "milestones-0-title": "見面", "milestones-0-days": "x",
                                 "milestones-0-owner": "mentor", "milestones-0-kind": "meeting"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="term_months-error"' in text and 'value="見面"' in text
    # A term of 0 is told its range, not that nothing was typed (QA: 0 read "This field is required").
    term_error = re.search(r'id="term_months-error"[^>]*>([^<]*)<', text).group(1)
    assert term_error == "Give the term, between 1 and 120 months."
    done = client.post_form(url, {"term_months": "12", "milestones-0-title": "見面", "milestones-0-days": "7",
                                  "milestones-0-owner": "mentee", "milestones-0-kind": "meeting",
                                  "milestones-1-title": "", "milestones-1-days": ""})
    assert done.status_code == 302
    stored = db.session.get(MentoringSettings, pair.community.id)
    assert stored.term_months == 12 and stored.milestones == [
        {"title": "見面", "days": 7, "owner": "mentee", "kind": "meeting"}]
    client.login(pair.mentor)
    assert client.get(url).status_code == 403


def test_the_home_greets_someone_without_pairings(client, ctx):
    client.login(make_user())
    text = client.get("/mentoring/").get_data(as_text=True)
    assert "You are in no pairing at the moment." in text


def test_the_pages_run_a_bounded_number_of_queries(client, ctx, count_queries):
    from tests.factories import add_member
    pair = make_pair()
    client.login(pair.convener)
    client.get(_index(pair))
    counts = []
    for _round in range(2):
        for _ in range(10 if counts else 0):
            mentee = add_member(pair.community).user
            db.session.add(Pairing(community_id=pair.community.id, mentor_id=pair.mentor.id, mentee_id=mentee.id,
                                   starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31)))
        db.session.commit()
        with count_queries() as overview:
            assert client.get(_index(pair)).status_code == 200
        counts.append(len(overview))
    assert counts[0] == counts[1]
    client.login(pair.mentor)
    with count_queries() as home:
        assert client.get("/mentoring/").status_code == 200
    assert len(home) < 25


def test_the_home_page_links_to_my_mentoring_for_people_with_pairings_only(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    assert 'href="/mentoring/"' in client.get("/").get_data(as_text=True)
    client.login(pair.colleague)
    assert 'href="/mentoring/"' not in client.get("/").get_data(as_text=True)
    client.login(pair.convener)
    page = client.get(_index(pair)).get_data(as_text=True)
    assert 'aria-current="page">Mentoring</a>' in page.replace("\n", "")


def test_a_kept_overview_row_is_drawn_anew_when_its_figures_change(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    first = client.get(_index(pair)).get_data(as_text=True)
    assert "None yet" in first
    world.log(pair.pairing, dt.date(2026, 9, 10))
    again = client.get(_index(pair)).get_data(as_text=True)
    assert "None yet" not in again and "2026" in again.split(f'id="pairing-{pair.pairing.id}"')[1].split("</tr>")[0]


def test_a_kept_home_card_is_drawn_anew_when_what_it_shows_changes(client, ctx):
    from workspace.mentoring.services import health

    pair = make_pair()
    item = world.milestone(pair.pairing, health.today() + dt.timedelta(days=3), title="快到期的里程碑")
    client.login(pair.mentor)
    assert "快到期的里程碑" in client.get("/mentoring/").get_data(as_text=True)
    client.login(pair.mentee)
    assert "快到期的里程碑" in client.get("/mentoring/").get_data(as_text=True)
    client.post_form(f"{_page(pair)}/milestones/{item.id}/tick", {"done": "1"})
    assert "快到期的里程碑" not in client.get("/mentoring/").get_data(as_text=True)
    client.login(pair.mentor)
    assert "快到期的里程碑" not in client.get("/mentoring/").get_data(as_text=True)


def test_the_home_says_when_each_open_next_step_was_agreed(client, ctx):
    """A next step's date is the meeting's, said as such: read bare beside "due" dates it looked like a deadline."""
    from workspace.mentoring.services import logs

    pair = make_pair()
    logs.create_log(pair.pairing, logs.LogFields(held_on=dt.date(2026, 10, 14), duration_minutes=40,
                                                 next_steps=[("試教改過的引入活動", "mentee")]), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    page = client.get("/mentoring/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "試教改過的引入活動" in page and "2026年10月14日會談議定" in page


def test_the_home_card_leads_to_the_public_lessons_and_this_year_s_handbook(client, ctx):
    """A new teacher's home (and their mentor's) opens the community's public lessons and the handbook of this
    school year, which opens; a pairing that does not reach into this school year shows no handbook link."""
    from workspace.core.database import utcnow
    from workspace.core.records import local_day
    from workspace.mentoring.services.terms import school_year_of

    today = local_day(utcnow())
    pair = make_pair(starts_on=today - dt.timedelta(days=30))
    year = school_year_of(today)
    handbook = f"/c/{pair.community.slug}/mentoring/handbooks/{pair.mentee.id}/{year}"
    for person in (pair.mentee, pair.mentor):
        client.login(person)
        text = client.get("/mentoring/").get_data(as_text=True)
        assert f'href="/c/{pair.community.slug}/mentoring/public-lessons/"' in text
        assert f'href="{handbook}"' in text
        assert client.get(handbook).status_code == 200
    later = make_pair(starts_on=today + dt.timedelta(days=800))
    client.login(later.mentee)
    assert "/mentoring/handbooks/" not in client.get("/mentoring/").get_data(as_text=True)


def test_a_refused_milestone_change_keeps_its_own_field_ids_apart_from_the_add_form(client, ctx):
    """QA: refused (a due day after the term), the edit form took the WTForms ids (title, due_on …) that the add
    form on the same page has too: two fields per id, and the add form's labels named the edit form's fields."""
    import re

    pair = make_pair()
    item = world.milestone(pair.pairing, dt.date(2026, 9, 15), title="第一次見面")
    client.login(pair.convener)
    response = client.post_form(f"{_page(pair)}/milestones/{item.id}", {
        "title": "第一次見面", "due_on": "2099-01-01", "owner": "mentor", "kind": "meeting"})
    assert response.status_code == 422
    ids = re.findall(r'\bid="([^"]+)"', response.get_data(as_text=True))
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert f'id="m{item.id}-due"' in response.get_data(as_text=True)


def test_a_step_carried_to_a_new_pairing_is_ticked_by_the_new_pair_and_shown_as_carried_on_the_old_log(client, ctx):
    """After a re-pairing the new mentor ticks the open step from the new pairing; the outgoing mentor reads their
    log with the step marked as carried over (not whether it was done since) and cannot tick it (404)."""
    from workspace.mentoring.services import pairings as pairing_services

    pair = make_pair(dt.date(2026, 9, 1))
    world.log(pair.pairing, dt.date(2026, 10, 1), steps=("試教引入活動",))
    new_mentor = make_user(display_name="林志豪")
    from tests.factories import add_member
    add_member(pair.community, new_mentor, "mentor")
    new = pairing_services.repair(pair.pairing, new_mentor.id, None, "", pair.convener)
    db.session.commit()
    step_id = db.session.scalar(select(NextStep.id))
    tick = f"/c/{pair.community.slug}/mentoring/pairings/{new.id}/steps/{step_id}/tick"
    old_tick = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/steps/{step_id}/tick"
    client.login(pair.mentor)
    assert client.post_form(tick, {"done": "1"}).status_code == 404
    assert client.post_form(old_tick, {"done": "1"}).status_code == 404
    body = client.get(_page(pair) + "/logs/").get_data(as_text=True)
    assert "試教引入活動" in body and "Carried over to the next pairing" in body and old_tick not in body
    client.logout().login(new_mentor)
    assert client.post_form(tick, {"done": "1"}).status_code in (200, 302)
    assert db.session.get(NextStep, step_id).done_at is not None
    client.logout().login(pair.mentee)
    assert client.post_form(tick, {"done": "0"}).status_code in (200, 302)
    assert db.session.get(NextStep, step_id).done_at is None
    admin = make_user(is_admin=True)
    for person, status in ((pair.convener, 404), (pair.colleague, 404), (admin, 403)):
        client.logout().login(person)  # the conveners may not know it (unshared), the admin reads, ticks nothing
        assert client.post_form(tick, {"done": "1"}).status_code == status, person.display_name
    assert db.session.get(NextStep, step_id).done_at is None


def test_a_community_without_pairings_tells_its_conveners_how_to_start(client, make_client, ctx):
    """QA13 #8: the page said only "No pairings yet."; the way to pair was in the page's head only."""
    from tests.factories import add_member, make_community

    convener = make_user()
    community = make_community(convener, slug="no-pairs")
    member = add_member(community).user
    overview = client.login(convener).get("/c/no-pairs/mentoring/").get_data(as_text=True)
    overview = overview[overview.index('id="pairings-overview"'):]
    assert "No pairings yet. Pair a mentor with a new teacher" in overview
    assert 'href="/c/no-pairs/mentoring/pairings/new"' in overview
    text = make_client().login(member).get("/c/no-pairs/mentoring/").get_data(as_text=True)
    assert "You are in no pairing here." in text and "/pairings/new" not in text
