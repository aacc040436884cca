"""The pairings' permission walk: the overview, a pairing, pairing, ending, re-pairing, milestones, the settings
and the home, as each role.

Roles: anonymous, outsider (and a departed member and a reviewer of another school, answering as outsiders),
guest expert, member, the pair (`mentor`, a member with the mentor role, and `mentee`, a plain member),
co-convener, convener, reviewer (in scope: reviewers see the community but not its mentoring), site admin.
A pairing is seen by the pair, the conveners and admins (others of the community: 404); conveners manage it;
only the pair ticks its milestones.
"""

from __future__ import annotations

import datetime as dt

from tests.permission_walk import DONE, FB, LOGIN, NF, OK, Step, Table, World, build_world, csrf_test, route_test
from workspace.extensions import db
from workspace.mentoring.models import Milestone, Pairing

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "mentor", "mentee",
         "co_convener", "convener", "reviewer", "admin")


def build_pairings_world() -> World:
    """Every role; the mentor paired with the mentee (from 2026-09-01, two years) with one milestone."""
    world = build_world(ROLES, name="pairs")
    pairing = Pairing(community_id=world.community_id, mentor_id=world.users["mentor"].id,
                      mentee_id=world.users["mentee"].id, starts_on=dt.date(2026, 9, 1),
                      ends_on=dt.date(2028, 8, 31), created_by_id=world.users["convener"].id)
    db.session.add(pairing)
    db.session.flush()
    milestone = Milestone(pairing_id=pairing.id, title="First meeting", due_on=dt.date(2026, 9, 15))
    db.session.add(milestone)
    db.session.commit()
    world.ids = {"pairing_id": pairing.id, "milestone_id": milestone.id}
    return world


COMMUNITY = dict(anonymous=LOGIN, outsider=NF, reviewer=FB, guest_expert=FB)  # use_mentoring: contributors
PAIRING = dict(COMMUNITY, member=NF)  # the pair, the conveners, admins
MANAGE = dict(COMMUNITY, member=FB, mentor=FB, mentee=FB, default=DONE)  # manage_mentoring
MANAGE_PAIRING = dict(PAIRING, mentor=FB, mentee=FB, default=DONE)
TICK = dict(PAIRING, co_convener=FB, convener=FB, admin=FB, default=DONE)
BASE = "/c/{slug}/mentoring"
ONE = BASE + "/pairings/{pairing_id}"
MILESTONE = ONE + "/milestones/{milestone_id}"
EDIT = {"title": "First meeting", "due_on": "2026-09-20", "owner": "mentor", "kind": "meeting"}

STEPS = [
    Step("GET", "mentoring.index", BASE + "/", None, COMMUNITY),
    Step("GET", "mentoring.home", "/mentoring/", None, {"anonymous": LOGIN}),
    Step("GET", "mentoring.pairing", ONE, None, PAIRING),
    Step("GET", "mentoring.new_pairing", BASE + "/pairings/new", None, dict(MANAGE, default=OK)),
    Step("POST", "mentoring.create_pairing", BASE + "/pairings",
         {"mentor_id": "{mentor_id}", "mentee_ids": "{member_id}", "starts_on": "2026-09-01"}, MANAGE,
         consuming=True),
    Step("POST", "mentoring.end_pairing", ONE + "/end", {"ends_on": "2026-10-31", "reason": "moved"},
         MANAGE_PAIRING, consuming=True),
    Step("POST", "mentoring.repair_pairing", ONE + "/repair",
         {"mentor_id": "{member_id}", "starts_on": "2026-11-02", "reason": "moved"}, MANAGE_PAIRING, consuming=True),
    # a reminder's link: whoever sees the pairing goes to the milestone on its page
    Step("GET", "mentoring.show_milestone", MILESTONE, None, dict(PAIRING, default=DONE)),
    Step("POST", "mentoring.add_milestone", ONE + "/milestones", EDIT, MANAGE_PAIRING),
    Step("POST", "mentoring.update_milestone", MILESTONE, EDIT, MANAGE_PAIRING),
    Step("POST", "mentoring.trash_milestone", MILESTONE + "/trash", {}, MANAGE_PAIRING),
    Step("POST", "mentoring.restore_milestone", MILESTONE + "/restore", {}, MANAGE_PAIRING),
    Step("POST", "mentoring.tick_milestone", MILESTONE + "/tick", {"done": "1"}, TICK,
         effect=(lambda world: db.session.get(Milestone, world.ids["milestone_id"]).done_at is not None,
                 frozenset({"mentor", "mentee"})),
         reset=lambda world: _untick(world)),
    Step("GET", "mentoring.settings", BASE + "/settings", None, dict(MANAGE, default=OK)),
    Step("POST", "mentoring.save_settings", BASE + "/settings",
         {"term_months": "24", "milestones-0-title": "見面", "milestones-0-days": "14", "milestones-0-owner": "mentor",
          "milestones-0-kind": "meeting"}, MANAGE),
]


def _untick(world: World) -> None:
    db.session.expire_all()
    db.session.get(Milestone, world.ids["milestone_id"]).done_at = None
    db.session.commit()


TABLE = Table(ROLES, build_pairings_world, STEPS,
              csrf_as=lambda step: "mentor" if step.endpoint == "mentoring.tick_milestone" else "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_an_archived_community_s_pairings_are_read_but_not_changed(client, ctx):
    world = build_pairings_world()
    world.community().archived_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    fields = world.fields()
    client.login(world.users["convener"])
    assert client.get(ONE.format(**fields)).status_code == OK
    assert client.post_form((ONE + "/end").format(**fields), {"reason": "x"}).status_code == FB
    client.login(world.users["mentor"])
    assert client.post_form((MILESTONE + "/tick").format(**fields), {"done": "1"}).status_code == FB
