"""Every audit event the code records has a sentence in the reader's language that names whom or what it
acted on, in which community (and school), and the old and new value where there is one; a page reads the
names for all its events at once."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from flask_babel import force_locale

from tests.discussions.helpers import make_board
from tests.factories import add_member, make_community, make_school, make_user
from tests.measuring import measure
from workspace.auth import services as auth_services
from workspace.communities import services as communities
from workspace.core.audit import EVENT_MESSAGES, describe_event, describe_events
from workspace.core.models import AuditEvent
from workspace.discussions import services
from workspace.extensions import db

ROOT = Path(__file__).resolve().parents[2] / "workspace"
ACTION = re.compile(r'"((?:community|membership|invitation|resource|discussions|user|school|reviewer_scope|'
                    r'activity|attendance|evidence|monthly_plan|plans|program|enrollment|rule|submission|deliverable|expense|book)\.[a-z_]+)"')
# Events of no community: what they name instead.
SITE_EVENTS = {"school.saved": "%(school)s", "reviewer_scope.granted": "%(user)s",
               "reviewer_scope.revoked": "%(user)s", "school.domain_added": "%(school)s",
               "school.domain_removed": "%(school)s", "program.created": "%(name)s", "program.changed": "%(name)s",
               "program.archived": "%(name)s", "program.unarchived": "%(name)s",
               "template.uploaded": "%(name)s", "template.trashed": "%(name)s", "template.restored": "%(name)s",
               "export.review_summary": "%(document)s"}


def recorded_actions() -> set[str]:
    actions = set()
    for path in ROOT.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if "record_event(" in line:
                window = " ".join(lines[index:index + 2])  # the action may sit on the next line
                actions.update(ACTION.findall(window))
    return actions


@contextmanager
def reading_in(locale: str):
    """Read the trail as a reader of `locale` (the catalog is kept per request, so drop it around)."""
    with force_locale(locale):
        g.pop("_workspace_translations", None)
        yield
    g.pop("_workspace_translations", None)


def _all_events() -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)))


def _said(action: str) -> list[str]:
    return [describe_event(event) for event in _all_events() if event.action == action]


def test_every_recorded_action_has_a_message():
    actions = recorded_actions()
    assert {"discussions.pinned", "discussions.unpinned", "resource.trashed", "user.deactivated",
            "attendance.changed", "evidence.restored", "plans.created"} <= actions
    assert not actions - EVENT_MESSAGES.keys(), sorted(actions - EVENT_MESSAGES.keys())


def test_every_message_names_its_subject_and_its_community():
    """Issue 11: "changed a member's role to Mentor" said neither whose role nor where."""
    for action, message in EVENT_MESSAGES.items():
        if action.startswith("user."):
            assert "%(user)s" in message, action
        elif action in SITE_EVENTS:
            assert SITE_EVENTS[action] in message, action
        else:
            assert "%(community)s" in message, action


def test_a_role_change_says_whose_role_where_and_from_what_to_what(ctx):
    school = make_school(name="和平國小")
    convener = make_user(display_name="陳召集")
    community = make_community(convener, name="五年級數學社群", schools=[school])
    member = add_member(community, make_user(display_name="林老師"))
    communities.change_role(member, "mentor", actor=convener)
    db.session.commit()
    assert _said("membership.role_changed") == [
        "changed the role of “林老師” in “五年級數學社群” (和平國小) from Member to Mentor"]
    with reading_in("zh_Hant"):
        assert _said("membership.role_changed") == ["將「林老師」在「五年級數學社群」（和平國小）的角色從成員改為導師"]
    with reading_in("zh_Hans"):
        assert _said("membership.role_changed") == ["将“林老師”在“五年級數學社群”（和平國小）的角色从成员改为导师"]


def test_community_and_account_events_name_their_people_and_values(ctx):
    school = make_school(name="和平國小")
    admin = make_user(display_name="管理員", is_admin=True)
    convener = make_user(display_name="陳召集")
    community = make_community(convener, name="閱讀社群", slug="reading", schools=[school])
    member = add_member(community, make_user(display_name="林老師"))
    leaver = add_member(community, make_user(display_name="王老師"))
    communities.set_evaluation_flag(member, True, actor=convener)
    invitation = communities.create_invitation(community, actor=convener, role="mentor", email="new@school.test")
    communities.revoke_invitation(invitation, actor=convener)
    link = communities.create_invitation(community, actor=convener, role="member")
    newcomer = make_user(display_name="張老師")
    communities.accept_invitation(link, newcomer)
    communities.leave_community(leaver, actor=leaver.user)
    communities.remove_member(communities.membership_for(community, newcomer), actor=convener)
    communities.transfer_convenership(community, member, actor=convener)
    communities.update_community(community, actor=admin, name="閱讀社群", kind="subject", slug="reading-club",
                                 description="", vision="", school_ids=[school.id])
    communities.grant_reviewer_scope(newcomer, school, actor=admin)
    communities.grant_reviewer_scope(newcomer, None, actor=admin)
    auth_services.set_user_active(leaver.user, False, actor=admin)
    db.session.commit()
    place = "“閱讀社群” (和平國小)"
    said = [text for _event, text in describe_events(_all_events())]
    assert said == [
        f"created the community {place}",
        f"changed whether “林老師” takes part in the evaluation programme, in {place}, from No to Yes",
        f"invited “new@school.test” to {place} as Mentor",
        f"withdrew the invitation of “new@school.test” to {place}",
        f"invited whoever opens a link (Member) to {place} as Member",
        f"joined {place} as Member",
        f"left {place}",
        f"removed “張老師” from {place}",
        f"handed the convenership of {place} from “陳召集” to “林老師”",
        f"changed the web address of {place} from /c/reading/ to /c/reading-club/",
        "gave “張老師” reviewer access to “和平國小”",
        "gave “張老師” reviewer access to all schools",
        "deactivated the account of “王老師”",
    ]


def test_an_invitee_s_address_is_quoted_not_run_into_a_chinese_sentence(ctx):
    """QA 13: the home news read 「it 邀請zhang.zhiwei@gmail.com以成員身分加入…」, the address run into the words."""
    convener = make_user(display_name="it")
    community = make_community(convener, name="五年級數學社群", schools=[make_school(name="新校國小")])
    communities.create_invitation(community, actor=convener, role="member", email="zhang.zhiwei@gmail.com")
    db.session.commit()
    with reading_in("zh_Hant"):
        assert _said("invitation.created") == [
            "邀請「zhang.zhiwei@gmail.com」以成員身分加入「五年級數學社群」（新校國小）"]
    with reading_in("zh_Hans"):
        assert _said("invitation.created") == [
            "邀请“zhang.zhiwei@gmail.com”以成员身份加入“五年級數學社群”（新校國小）"]


def test_board_events_name_the_thread_and_the_posts_author(ctx):
    board = make_board()
    thread = board.thread(title="<b>分數</b>")
    post = board.reply(thread, "我的做法")
    services.set_locked(thread, True, actor=board.convener)
    services.set_locked(thread, False, actor=board.convener)
    services.delete_post(post, actor=board.convener)
    db.session.commit()
    assert _said("discussions.locked") == [f"locked the thread “<b>分數</b>” in “{board.community.name}”"]
    assert _said("discussions.post_deleted") == [
        f"deleted post #2 by “王老師” in the thread “<b>分數</b>” in “{board.community.name}”"]


def test_the_page_escapes_what_people_typed(client, ctx):
    board = make_board()
    thread = board.thread(title="<b>分數</b>")
    services.set_locked(thread, True, actor=board.convener)
    db.session.commit()
    client.login(board.convener)
    page = client.get("/c/board/members/").get_data(as_text=True)  # the audit trail is on the members page
    assert 'locked the thread <span lang="zh-Hant">“&lt;b&gt;分數&lt;/b&gt;”</span>' in page  # marked, and escaped


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
    place = f"“{club.community.name}” (光華國小 audit)"
    assert _said("attendance.changed") == [
        f"changed the attendance of “林老師” at “五年級數學共同備課” in {place} from Present to Late"]


@pytest.fixture()
def _no_page_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


@pytest.mark.usefixtures("_no_page_cache")
@pytest.mark.parametrize("path", ["/admin/audit/", "/c/{slug}/members/", "/"])
def test_reading_the_names_costs_no_query_per_event(client, ctx, count_queries, path):
    """Three events or thirty, of people, schools, threads and posts: the same number of queries."""
    admin = make_user(is_admin=True)
    school = make_school()
    board = make_board()
    board.community.schools = [school]
    add_member(board.community, admin, role="co_convener")
    db.session.commit()

    def some_events(count: int) -> None:
        for number in range(count):
            member = add_member(board.community)
            communities.change_role(member, "mentor", actor=board.convener)
            thread = board.thread(title=f"問題 {number}")
            services.delete_post(board.reply(thread, "回覆"), actor=board.convener)
            communities.grant_reviewer_scope(member.user, school, actor=admin)
            db.session.commit()

    some_events(1)
    client.login(admin)
    few = measure(client, count_queries, path.format(slug=board.community.slug))
    some_events(8)
    many = measure(client, count_queries, path.format(slug=board.community.slug))
    assert many == few, (few, many)
