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


def test_evidence_feedback_and_the_checklist(client, ctx):
    import io

    from PIL import Image

    club = make_club("evidence")
    started = services.to_local(services.utcnow()).replace(tzinfo=None, microsecond=0) - dt.timedelta(hours=1)
    activity = club.activity(starts=started)
    base = f"/c/evidence/activities/{activity.id}"
    client.login(club.convener)
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(photo, format="JPEG")
    response = client.post_form(f"{base}/evidence", {"files": [(io.BytesIO(photo.getvalue()), "板書.jpg")]},
                                content_type="multipart/form-data", headers={"X-Upload": "1"})
    assert response.status_code == 201 and "板書.jpg" in response.get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert "/thumbnail" in page and "1/4" in page  # a photo: one of four
    client.login(club.member)
    assert client.post_form(f"{base}/feedback", {"satisfaction": "4", "comment": "很實用"}).status_code == 302
    again = client.post_form(f"{base}/feedback", {"satisfaction": "5", "comment": "再一次"})
    assert again.status_code == 422 and "already given" in again.get_data(as_text=True)
    client.login(club.convener)
    page = client.get(base).get_data(as_text=True)
    assert "很實用" in page and "林老師" not in page.split('id="feedback-summary"')[1].split("</section>")[0]
    assert "2/4" in page
