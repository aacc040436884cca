"""Buttons a list repeats (a log's, a goal's, a milestone's) name their item for screen readers."""

from __future__ import annotations

import re

from tests.mentoring import pairings_world as world
from tests.mentoring.helpers import make_pair


def test_repeated_buttons_name_their_item(client, ctx):
    """Lists repeat the same buttons: each one's accessible name carries its item's title."""
    import datetime as dt

    pair = make_pair()
    entry = world.log(pair.pairing, dt.date(2026, 9, 10))
    goal = world.goal(pair.pairing, "提升提問技巧")
    world.milestone(pair.pairing, dt.date(2026, 10, 1), title="第一次入班觀察")
    client.login(pair.mentor)
    base = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}"
    logs = client.get(f"{base}/logs/").get_data(as_text=True)
    item = logs.split(f'id="log-{entry.id}"')[1]
    for label in ("Edit", "Share with the conveners", "Move to the trash"):
        assert re.search(rf'aria-label="{label}: Sep 10, 2026[^"]*"', item), label
    goals = client.get(f"{base}/goals/").get_data(as_text=True)
    for label in ("Edit", "Share with the conveners", "Move to the trash"):
        assert f'aria-label="{label}: 提升提問技巧"' in goals, label
    assert goal.id
    pairing = client.get(base).get_data(as_text=True)
    assert re.search(r'aria-pressed="false"\s+aria-label="Done: 第一次入班觀察">', pairing)


def test_a_milestone_is_one_toggle_whose_name_does_not_change(client, ctx):
    """Ticked or not, the milestone's button is the same toggle, "Done: …", its state said by aria-pressed: the name
    "Take back the tick" with pressed=true read as a double negative."""
    import datetime as dt

    from tests.stacked import element

    pair = make_pair()
    milestone = world.milestone(pair.pairing, dt.date(2026, 10, 1), title="第一次入班觀察")
    client.login(pair.mentor)
    base = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}"
    tick = f"{base}/milestones/{milestone.id}/tick"
    states = []
    for done in ("1", "0"):
        [button] = element(client.get(base).get_data(as_text=True), f"//li[@id='milestone-{milestone.id}']//button")
        states.append((button.get("aria-label"), button.get("aria-pressed"), button.text_content().split()[-1]))
        assert client.post_form(tick, {"done": done}).status_code in (200, 302)
    [button] = element(client.get(base).get_data(as_text=True), f"//li[@id='milestone-{milestone.id}']//button")
    states.append((button.get("aria-label"), button.get("aria-pressed"), button.text_content().split()[-1]))
    assert states == [("Done: 第一次入班觀察", "false", "Done"), ("Done: 第一次入班觀察", "true", "Done"),
                      ("Done: 第一次入班觀察", "false", "Done")]


def test_the_mentor_s_comment_is_called_a_comment_on_every_label(client, ctx):
    """QA: the button said 留言 (a message), the heading 導師評語 and the edit button 修改評語: the mentor writes a
    評語 (撰寫評語) from the first click to the last."""
    from tests.stacked import element
    from workspace.extensions import db
    from workspace.mentoring.services import handbook

    pair = make_pair()
    book = handbook.open_handbook(pair.community, pair.mentee.id, 2026, actor=pair.mentee)
    db.session.commit()
    pair.mentor.locale = "zh_Hant"
    db.session.commit()
    client.login(pair.mentor)
    page = client.get(f"/c/{pair.community.slug}/mentoring/handbooks/{pair.mentee.id}/2026").get_data(as_text=True)
    [summary] = element(page, f"//section[@id='handbook-{book.sections[0].key}']//details[contains(@class, "
                              "'handbook-comment-edit')]/summary")
    assert summary.text_content().strip() == "撰寫評語"
