"""Every activity page renders for the people who may see it."""

from __future__ import annotations

import datetime as dt

from tests.activities.helpers import make_club
from workspace.activities import services
from workspace.discussions import services as discussions


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


def test_participation_and_monthly_plans(client, ctx, app):
    import datetime as dt_

    club = make_club("plans")
    past = services.to_local(services.utcnow()).replace(tzinfo=None, microsecond=0) - dt_.timedelta(days=3)
    held = club.activity(title="已舉行的觀課", starts=past, hours=2, method="observation_feedback")
    services.set_attendance(held, {club.member.id: "present", club.other.id: "absent"}, actor=club.convener)
    from workspace.extensions import db

    db.session.commit()
    report = services.participation(club.community, past.date() - dt_.timedelta(days=1), past.date())
    rows = {row.display_name: row for row in report.members}
    assert (rows["林老師"].attended, rows["林老師"].held, rows["林老師"].hours) == (1, 1, 2.0)
    assert rows["王老師"].rate == 0 and report.hours_by_method == (("observation_feedback", 2.0),)
    client.login(club.convener)
    page = client.get("/c/plans/activities/participation").get_data(as_text=True)
    assert "已舉行的觀課" in page and "<svg" in page
    upcoming = services.next_month(services.to_local(services.utcnow()).date())
    club.activity(title="下個月的共同備課", starts=dt_.datetime.combine(upcoming.replace(day=5), dt_.time(14)))
    page = client.get("/c/plans/activities/plans").get_data(as_text=True)
    assert "下個月的共同備課" in page
    response = client.post_form("/c/plans/activities/plans", {"month": upcoming.isoformat(), "note": "本月重點"})
    assert response.status_code == 302
    status = services.plan_status(club.community, upcoming)
    assert status.submitted and [item["title"] for item in status.plan.planned] == ["下個月的共同備課"]
    assert services.plan_deadline(dt_.date(2026, 3, 1)) == dt_.date(2026, 2, 20)


def test_an_outsider_with_the_genuine_code_is_told_why_and_a_guessed_link_is_not_found(client, ctx):
    from tests.factories import make_user

    club = make_club("outsiders")
    soon = services.to_local(services.utcnow()).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=5)
    activity = club.activity(starts=soon)
    client.login(make_user(display_name="外校老師"))
    base = f"/c/outsiders/activities/{activity.id}/sign-in"
    page = client.get(f"{base}?t={services.sign_in_token(activity)}")
    assert page.status_code == 403 and "Only members of the community can sign in" in page.get_data(as_text=True)
    refused = client.post_form(base, {"t": services.sign_in_token(activity)})
    assert refused.status_code == 403
    assert client.get(f"{base}?t=forged").status_code == 404
    assert client.get(f"/c/outsiders/activities/{activity.id}").status_code == 404


def test_resources_and_discussions_linked_to_an_activity(client, ctx):
    from workspace.discussions.models import Thread
    from workspace.extensions import db
    from workspace.resources import services as resources

    club = make_club("links")
    activity = club.activity()
    fields = resources.ResourceFields(title="備課後的教案", kind="lesson_plan")
    plan = resources.create_text_resource(club.community, fields, "內容", actor=club.member)
    db.session.commit()
    client.login(club.convener)
    base = f"/c/links/activities/{activity.id}"
    assert client.post_form(f"{base}/links", {"resource_id": str(plan.id)}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "備課後的教案" in page.split('id="produced"')[1]
    form = client.get(f"/c/links/discussions/new?activity={activity.id}").get_data(as_text=True)
    assert "About: 五年級數學共同備課" in form
    category = client.get("/c/links/discussions/new").get_data(as_text=True)
    import re

    section = re.search(r'<option (?:selected )?value="(\d+)"(?: selected)?>Questions</option>', category).group(1)
    response = client.post_form("/c/links/discussions/new", {
        "category_id": section, "title": "About: 五年級數學共同備課", "body": "會後討論", "submission_key": "k",
        "link_kind": "activity", "link_id": str(activity.id)})
    assert response.status_code == 302
    thread = db.session.scalar(db.select(Thread))
    assert discussions.subject_of(thread) is activity
    assert "會後討論" not in client.get(base).get_data(as_text=True)  # the thread's title is listed, not its text
    assert f"/c/links/discussions/{thread.id}" in client.get(base).get_data(as_text=True)
    thread_page = client.get(f"/c/links/discussions/{thread.id}").get_data(as_text=True)
    assert f"/c/links/activities/{activity.id}" in thread_page
