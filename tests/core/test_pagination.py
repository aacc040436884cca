"""Every paginated list answers a page number the same way, through core.pagination.require_page: a page past the
last answers 404 (as a malformed one does), page 1 of an empty list shows the list's empty state."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.plans.helpers import make_team
from workspace.core.pagination import PageNotFound, page_count, require_page
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.plans.models import PlanSection


def test_the_helper_counts_pages_and_refuses_one_past_the_last():
    assert page_count(0, 20) == 1 and page_count(20, 20) == 1 and page_count(21, 20) == 2
    assert require_page(1, 0, 20) == 1  # an empty list has its page 1, where it says it is empty
    assert require_page(2, 21, 20) == 2
    for page, total in [(2, 0), (2, 20), (3, 21), (0, 5)]:
        with pytest.raises(PageNotFound):
            require_page(page, total, 20)


def _plan_section(team) -> tuple[int, int]:
    doc = team.plan()
    section_id = db.session.scalar(select(PlanSection.id).where(PlanSection.doc_id == doc.id).limit(1))
    return doc.id, section_id


def _thread(team) -> int:
    thread = discussions.create_thread(team.community, category=discussions.categories_of(team.community)[0],
                                       title="分數教學", body="第一帖", actor=team.convener)
    db.session.commit()
    return thread.id


# Each list: who reads it, its address, and how many pages it has (all but the thread are empty or one page long).
LISTS = {
    "admin users": lambda team: (make_user(is_admin=True), "/admin/users/"),
    "admin audit trail": lambda team: (make_user(is_admin=True), "/admin/audit/"),
    "notifications": lambda team: (team.lead, "/notifications/"),
    "mentoring overview": lambda team: (team.convener, f"/c/{team.community.slug}/mentoring/"),
    "discussion board": lambda team: (team.lead, f"/c/{team.community.slug}/discussions/"),
    "a thread's posts": lambda team: (team.lead, f"/c/{team.community.slug}/discussions/{_thread(team)}"),
    "activities": lambda team: (team.lead, f"/c/{team.community.slug}/activities/"),
    "resources": lambda team: (team.lead, f"/c/{team.community.slug}/resources/"),
    "library": lambda team: (team.lead, "/library/"),
    "plans": lambda team: (team.lead, f"/c/{team.community.slug}/plans/"),
    "a plan's history": lambda team: (team.lead, f"/c/{team.community.slug}/plans/{_plan_section(team)[0]}/history"),
    "a section's history": lambda team: (team.lead, "/c/{}/plans/{}/sections/{}/history".format(
        team.community.slug, *_plan_section(team))),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_a_page_past_the_last_answers_404_as_a_malformed_one_does(client, ctx, name):
    team = make_team()
    reader, address = LISTS[name](team)
    client.login(reader)
    joiner = "&" if "?" in address else "?"
    assert client.get(address).status_code == 200
    assert client.get(f"{address}{joiner}page=1").status_code == 200
    assert client.get(f"{address}{joiner}page=2").status_code == 404
    assert client.get(f"{address}{joiner}page=999999").status_code == 404
    assert client.get(f"{address}{joiner}page=x").status_code == 404
    assert client.get(f"{address}{joiner}page=0").status_code == 404


def test_a_list_of_several_pages_shows_its_last_and_refuses_the_one_after(client, ctx):
    team = make_team()
    for number in range(notifications.PER_PAGE + 1):
        notifications.notify([team.lead], "mention", actor=team.member, community=team.community,
                             subject_type="post", subject_id=number + 1, title=f"#{number}", excerpt="", path="/")
    db.session.commit()
    client.login(team.lead)
    last = client.get("/notifications/?page=2")
    assert last.status_code == 200 and "#0" in last.text
    assert client.get("/notifications/?page=3").status_code == 404


def test_page_1_of_an_empty_list_shows_its_empty_state(client, ctx):
    team = make_team()
    client.login(team.lead)
    answer = client.get(f"/c/{team.community.slug}/plans/?page=1")
    assert answer.status_code == 200 and 'class="empty"' in answer.text
