"""Every activity page renders for the people who may see it."""

from __future__ import annotations

import datetime as dt

from tests.activities.helpers import make_club
from workspace.activities import services


def test_every_page_renders_for_the_convener_and_a_member(client, ctx):
    club = make_club()
    soon = services.to_local(services.utcnow()).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=10)
    activity = club.activity(starts=soon, agenda="- 暖身\n- 討論")
    base = f"/c/club/activities/{activity.id}"
    client.login(club.convener)
    for path in ("/c/club/activities/", "/c/club/activities/?when=past", "/c/club/activities/calendar",
                 "/c/club/activities/calendar?month=2026-02", "/c/club/activities/new",
                 f"/c/club/activities/new?copy={activity.id}", base, f"{base}/edit", f"{base}/board",
                 f"{base}/attendance", f"{base}/sheet", f"{base}/minutes"):
        response = client.get(path)
        assert response.status_code == 200, path
    board = client.get(f"{base}/board").get_data(as_text=True)
    assert "<svg" in board and "sign-in?t=" in board
    client.login(club.member)
    token = services.sign_in_token(activity)
    assert client.get(f"{base}/sign-in?t={token}").status_code == 200
    assert client.post_form(f"{base}/sign-in", {"t": token}).status_code == 200
    assert "林老師" in client.get(base).get_data(as_text=True)
