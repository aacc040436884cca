"""Reviewers (school or county officers with a ReviewerScope): where they land, and one answer per page.

A reviewer in scope sees a community's home, members and activities; its resources, discussions and
co-planning are its members' (DESIGN.md's matrix): every such page, list or record alike, answers 403.
A reviewer out of scope gets 404 for everything of the community, as any outsider does.
"""

from __future__ import annotations

import pytest

from tests.activities.helpers import make_club
from tests.factories import add_member, make_reviewer, make_school, make_user
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.resources import services as resources


def test_a_reviewer_without_communities_lands_on_the_review_page(client, ctx):
    """Issue 11: they landed on "You are not in a community yet" with an offer to create one."""
    club = make_club()
    reviewer = make_reviewer(club.community.schools[0], display_name="督學")
    client.login(reviewer)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
    page = client.get("/review/").get_data(as_text=True)
    assert club.community.name in page
    assert 'href="/review/"' in page  # the navigation leads back to it
    assert "You are not in a community yet" not in page


def test_a_reviewer_with_communities_of_their_own_keeps_them_and_a_link_to_the_review(client, ctx):
    club = make_club()
    reviewer = make_reviewer(club.community.schools[0])
    add_member(club.community, reviewer)
    client.login(reviewer)
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert club.community.name in page and 'href="/review/"' in page


def test_people_without_a_scope_still_land_on_their_communities(client, ctx):
    client.login(make_user())
    page = client.get("/").get_data(as_text=True)
    assert "You are not in a community yet" in page and 'href="/review/"' not in page


def _community_with_one_of_each():
    club = make_club()
    community = club.community
    resource = resources.create_text_resource(
        community, resources.ResourceFields(title="分數教案", kind="lesson_plan", visibility="community"),
        "# 分數", actor=club.member)
    from workspace.discussions.models import Category

    category = db.session.scalar(db.select(Category).where(Category.community_id == community.id,
                                                           Category.key == "sharing"))
    thread = discussions.create_thread(community, category=category, title="分數怎麼教", body="請教",
                                       actor=club.member)
    doc = plans.create_plan(community, plans.PlanFields(topic="分數的加減", subject="數學", grade="五年級",
                                                        lead_id=club.member.id, teacher_ids=[club.member.id]),
                            actor=club.member)
    activity = club.activity()
    db.session.commit()
    base = f"/c/{community.slug}"
    material = [  # (page, list or record): the members' own
        f"{base}/resources/", f"{base}/resources/{resource.id}", f"{base}/resources/{resource.id}/download",
        f"{base}/resources/trash",
        f"{base}/discussions/", f"{base}/discussions/{thread.id}",
        f"{base}/plans/", f"{base}/plans/{doc.id}",
    ]
    readable = [f"{base}/", f"{base}/members/", f"{base}/activities/", f"{base}/activities/{activity.id}"]
    return club, material, readable


@pytest.mark.parametrize("in_scope", [True, False], ids=["in scope", "out of scope"])
def test_a_reviewer_gets_one_answer_per_page_lists_and_records_alike(client, ctx, in_scope):
    club, material, readable = _community_with_one_of_each()
    reviewer = make_reviewer(club.community.schools[0] if in_scope else make_school())
    client.login(reviewer)
    answers = {path: client.get(path).status_code for path in material + readable}
    expected = {path: (403 if in_scope else 404) for path in material}
    expected.update({path: (200 if in_scope else 404) for path in readable})
    assert answers == expected
