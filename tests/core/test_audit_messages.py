"""Every audit event the code records has a sentence in the user's language, naming what it acted on."""

from __future__ import annotations

import re
from pathlib import Path

from tests.discussions.helpers import make_board
from workspace.core.models import AuditEvent
from workspace.core.templating import EVENT_MESSAGES, describe_event
from workspace.discussions import services
from workspace.extensions import db

ROOT = Path(__file__).resolve().parents[2] / "workspace"
ACTION = re.compile(r'"((?:community|membership|invitation|resource|discussions|user|school|reviewer_scope|'
                    r'activity|attendance|evidence|monthly_plan)\.[a-z_]+)"')


def recorded_actions() -> set[str]:
    actions = set()
    for path in ROOT.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if "record_event(" in line:
                window = " ".join(lines[index:index + 2])  # the action may sit on the next line
                actions.update(ACTION.findall(window))
    return actions


def test_every_recorded_action_has_a_message():
    actions = recorded_actions()
    assert {"discussions.pinned", "discussions.unpinned", "resource.trashed", "user.deactivated",
            "attendance.changed", "evidence.restored"} <= actions
    assert not actions - EVENT_MESSAGES.keys(), sorted(actions - EVENT_MESSAGES.keys())


def test_messages_name_the_thread_and_the_page_escapes_it(client, ctx):
    board = make_board()
    thread = board.thread(title="<b>分數</b>")
    services.set_locked(thread, True, actor=board.convener)
    db.session.commit()
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "discussions.locked"))
    assert describe_event(event) == "locked the thread “<b>分數</b>”"
    client.login(board.convener)
    page = client.get("/c/board/members/").get_data(as_text=True)  # the audit trail is on the members page
    assert "locked the thread “&lt;b&gt;分數&lt;/b&gt;”" in page


def test_a_late_attendance_change_names_the_member_and_both_statuses(ctx):
    import datetime as dt

    from tests.activities.helpers import make_club
    from workspace.activities import services as activities

    club = make_club("audit")
    activity = club.activity(starts=dt.datetime(2026, 3, 2, 14, 0))
    activities.set_attendance(activity, {club.member.id: "present"}, actor=club.convener,
                              now=activity.starts_at)  # during the activity: not audited
    activities.set_attendance(activity, {club.member.id: "late"}, actor=club.convener,
                              now=activity.ends_at + dt.timedelta(days=1))
    db.session.commit()
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "attendance.changed")).all()
    assert [describe_event(event) for event in events] == [
        "changed the attendance of “林老師” at “五年級數學共同備課” from Present to Late"]
