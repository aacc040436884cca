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
    assert re.search(r'aria-pressed="false"\s+aria-label="Tick off: 第一次入班觀察">Tick off</button>', pairing)
