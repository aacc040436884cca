"""The homes' next activities are kept fragments: each reader, each change and each language draws its own."""

from __future__ import annotations

from tests.activities.helpers import make_club, now_local
from tests.factories import make_reviewer
from workspace.activities import services as activities
from workspace.extensions import db


def _item(page: str, activity_id: int) -> str:
    start = page.index(f'id="next-activity-{activity_id}"')
    return page[start:page.index("</li>", start)]


def test_a_next_activity_is_drawn_for_each_reader_change_and_language(ctx, client, make_client):
    club = make_club("kept-next")
    activity = club.activity("分數乘法共備", starts=now_local(5 * 24 * 60), place="五年級教室")
    home = "/c/kept-next/"
    member = client.login(club.member)
    assert "You are expected." in _item(member.get(home).get_data(as_text=True), activity.id)
    # Another reader, after the member's view filled the cache: not expected, no leave to ask.
    reviewer = make_client().login(make_reviewer(club.community.schools[0]))
    item = _item(reviewer.get(home).get_data(as_text=True), activity.id)
    assert "分數乘法共備" in item and "You are expected" not in item and "Ask to be excused" not in item
    # The same item on My communities names its community (a key of its own).
    assert club.community.name in _item(member.get("/").get_data(as_text=True), activity.id)

    activities.request_leave(activity, "校外教學", actor=club.member)
    db.session.commit()
    item = _item(member.get(home).get_data(as_text=True), activity.id)
    assert "Leave request: waiting for the conveners" in item and "You are expected" not in item

    activities.update_activity(activity, activities.ActivityFields(
        title="分數乘法共備（改地點）", method=activity.method, starts_at=activities.to_local(activity.starts_at)
        .replace(tzinfo=None), ends_at=activities.to_local(activity.ends_at).replace(tzinfo=None), place="視聽教室"),
        actor=club.convener, base_version=activity.version)
    db.session.commit()
    item = _item(member.get(home).get_data(as_text=True), activity.id)
    assert "改地點" in item and "視聽教室" in item and "五年級教室" not in item

    club.member.locale = "zh_Hant"
    db.session.commit()
    item = _item(member.get(home).get_data(as_text=True), activity.id)
    assert "請假申請" in item and "Leave request" not in item
