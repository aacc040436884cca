"""Removing a mentor or a new teacher ends their pairings (communities' member_departed): the convener's Remove asks
with that said (QA: "Remove 王淑芬 from the community?" ended a two-year pairing without a word)."""

from __future__ import annotations

import html

from flask_babel import force_locale

from tests.mentoring.helpers import make_pair
from workspace.communities import services as communities


def test_the_notes_name_the_pairing_each_removal_ends(ctx):
    pair = make_pair()
    notes = communities.departure_notes(pair.community, [pair.mentor.id, pair.mentee.id, pair.colleague.id,
                                                         pair.convener.id])
    assert notes == {pair.mentor.id: "This also ends their mentoring pairing with 林老師.",
                     pair.mentee.id: "This also ends their mentoring pairing with 王老師."}
    with force_locale("zh_Hant"):
        said = communities.departure_notes(pair.community, [pair.mentor.id])[pair.mentor.id]
    assert "林老師" in said and "師徒結對" in said


def test_the_convener_s_remove_asks_with_the_pairing_said(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    page = html.unescape(client.get(f"/c/{pair.community.slug}/members/").get_data(as_text=True))
    assert "Remove 王老師 from the community? This also ends their mentoring pairing with 林老師." in page
    assert "Remove 陳老師 from the community?\"" in page  # a colleague: nothing more to say


def test_in_chinese_the_two_sentences_follow_without_a_space(client, ctx):
    pair = make_pair()
    pair.convener.locale = "zh_Hant"
    from workspace.extensions import db

    db.session.commit()
    client.login(pair.convener)
    page = html.unescape(client.get(f"/c/{pair.community.slug}/members/").get_data(as_text=True))
    assert "要將王老師移出社群嗎？這也會結束此人與林老師的師徒結對。" in page


def test_leaving_yourself_asks_with_your_pairing_said(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    page = html.unescape(client.get(f"/c/{pair.community.slug}/members/").get_data(as_text=True))
    assert "Leave this community? This also ends your mentoring pairing with 王老師." in page
    client.login(pair.colleague)
    page = html.unescape(client.get(f"/c/{pair.community.slug}/members/").get_data(as_text=True))
    assert 'hx-confirm="Leave this community?"' in page  # a colleague: nothing more to say


def test_the_other_of_the_pair_is_told_that_the_leaver_left_the_community(ctx):
    from sqlalchemy import select

    from workspace.communities.models import Membership
    from workspace.extensions import db
    from workspace.notifications import services as notifications
    from workspace.notifications.models import Notification

    pair = make_pair()
    membership = db.session.scalar(select(Membership).where(Membership.community_id == pair.community.id,
                                                            Membership.user_id == pair.mentee.id))
    communities.leave_community(membership, actor=pair.mentee)
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == pair.mentor.id))
    assert notifications.describe(notice).startswith("林老師 left the community, which ends your mentoring pairing")
