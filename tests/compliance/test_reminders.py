"""Deadline reminders (compliance/services/reminders.py, the daily job in workspace.tasks): who hears of a deliverable
not done yet, at which thresholds, once only, and in which words; tested without HTTP, on fixed days."""

from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from sqlalchemy import select

from tests.compliance.helpers import enrolled
from tests.factories import add_member, make_reviewer, make_user
from workspace import tasks
from workspace.activities.models import MonthlyPlan
from workspace.communities import services as communities
from workspace.compliance import services
from workspace.compliance.services import reminders, review
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification

FIRST, LAST = dt.date(2026, 8, 1), dt.date(2027, 7, 31)
MONTHLY = {"id": "monthly", "version": 1, "kind": "deliverable", "message": "每月20日前上報次月計畫。",
           "citation": "每月20日前上報", "item": "monthly_plan", "each_month": {"day": 20, "months_before": 1}}
APPLICATION = {"id": "application", "version": 1, "kind": "deliverable", "message": "11月14日前繳交申請書。",
               "citation": "申請須知", "item": "application", "due": "2026-11-14"}


def morning(day: int, month: int = 11) -> dt.datetime:
    """07:05 in Taipei on that day of 2026 (23:05 UTC the day before)."""
    return dt.datetime(2026, month, day, 7, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


@pytest.fixture()
def mail_on(app, monkeypatch):
    """Pretend a mail server is configured; what would be sent is kept instead."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    sent: list[tuple[str, str, str]] = []
    monkeypatch.setattr(notifications, "send_mail",
                        lambda to, subject, body, **_: sent.append((to, subject, body)) or True)
    return sent


def club(slug: str = "club", **options):
    """A club (convener, two members and three more) with a co-convener, enrolled over FIRST–LAST in a program with a
    monthly plan due by the 20th of the month before and an application form due on 14 November 2026."""
    setup = enrolled(slug, first=FIRST, last=LAST, **options)
    document = dict(setup.program.definition)
    document["rules"] = [*document["rules"], MONTHLY, APPLICATION]
    services.update_program(setup.program, document, None, version=setup.program.version)
    co = add_member(setup.club.community, make_user(display_name="周副召", locale="zh_Hans"), role="co_convener").user
    setup.club.convener.locale = "zh_Hant"
    db.session.commit()
    return setup, co


def heard(*, kind: str = "due") -> dict[int, list[Notification]]:
    """The reminders given, by person, oldest first."""
    found: dict[int, list[Notification]] = {}
    for notice in db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)):
        found.setdefault(notice.user_id, []).append(notice)
    return found


def run(day: int, month: int = 11) -> int:
    """The daily job's work on that morning, committed."""
    return tasks.send_reminders(morning(day, month))


def test_the_thresholds(ctx):
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 12)) is None  # 8 days: not yet
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 13)) == "due-7"
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 18)) == "due-7"
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 19)) == "due-1"
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 20)) == "due-1"  # a missed run: still
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 21)) == "overdue"
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 27)) == "overdue"
    assert reminders.threshold(dt.date(2026, 11, 20), dt.date(2026, 11, 28)) is None  # long gone: never a backlog


def test_the_conveners_hear_a_week_before_the_day_before_and_once_overdue_each_once(ctx):
    setup, co = club()
    reviewer = make_reviewer(setup.club.community.schools[0])
    assert run(13) == 4  # the December plan (a week) and the application form (tomorrow), to the two conveners
    told = heard()
    assert set(told) == {setup.club.convener.id, co.id}  # not the members, not the reviewer
    assert reviewer.id not in told and setup.club.member.id not in told
    notice = told[co.id][0]
    assert notice.community_id == setup.club.community.id and notice.actor_id is None
    assert notice.subject_type == "deliverable" and notice.subject_id == setup.enrollment.id
    paths = {item.path for item in told[co.id]}
    assert paths == {f"/c/{setup.slug}/compliance/#due-{setup.enrollment.id}-monthly-2026-12",
                     f"/c/{setup.slug}/compliance/#due-{setup.enrollment.id}-application"}
    assert run(13) == 0  # the job run twice
    assert run(14) == 0  # the application is due today (tomorrow given already), the plan still in its week
    assert run(15) == 2  # the application is overdue: once
    assert run(16) == 0
    assert run(19) == 2  # the December plan is due tomorrow
    assert run(21) == 2  # and overdue
    assert run(22) == 0 and run(30) == 0
    assert len(heard()[co.id]) == 5
    assert run(13, 12) == 2  # the January plan, a week before 20 December


def test_a_run_after_missed_days_sends_only_the_latest_threshold(ctx):
    setup, co = club()
    assert run(19) == 4  # first run on the 19th: the plan due tomorrow (no week notice), the application overdue
    with flask_babel.force_locale("en"):
        said = sorted(notifications.describe(notice) for notice in heard()[co.id])
    name = setup.program.name  # as its panel names it (QA: the file code "PLC-115" the convener never sees there)
    assert said == [f"Reminder: The application form was not done by Nov 14, 2026 ({name})",
                    f"Reminder: The monthly plan for December 2026 is due on Nov 20, 2026 ({name})"]


def test_a_done_deliverable_or_a_plan_handed_in_reminds_of_nothing(ctx):
    setup, _co = club()
    review.mark_done(setup.enrollment, "application", dt.date(2026, 11, 10), "", setup.club.convener,
                     today=dt.date(2026, 11, 13))
    db.session.add(MonthlyPlan(community_id=setup.club.community.id, month=dt.date(2026, 12, 1),
                               submitted_at=dt.datetime(2026, 11, 11, 2, 0, tzinfo=dt.UTC)))
    db.session.commit()
    assert run(13) == 0 and run(19) == 0 and run(21) == 0
    assert heard() == {}


@pytest.mark.parametrize("state", ["withdrawn", "unconfirmed", "archived", "waived"])
def test_a_withdrawn_or_unconfirmed_enrolment_an_archived_community_or_a_waived_rule_reminds_of_nothing(ctx, state):
    setup, _co = club(confirmed=state != "unconfirmed")
    if state == "withdrawn":
        services.withdraw(setup.enrollment, setup.club.convener)
    elif state == "archived":
        setup.club.community.archived_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    elif state == "waived":
        admin = make_user(is_admin=True)
        services.waive(setup.enrollment, "monthly", "縣府同意免交", admin)
        services.waive(setup.enrollment, "application", "縣府同意免交", admin)
    db.session.commit()
    assert run(13) == 0 and run(15) == 0
    assert heard() == {}


def test_a_departed_co_convener_or_a_closed_account_is_not_reminded(ctx):
    setup, co = club()
    communities.remove_member(communities.membership_for(setup.club.community, co), actor=setup.club.convener)
    other = add_member(setup.club.community, make_user(), role="co_convener").user
    other.active = False
    db.session.commit()
    assert run(13) == 2
    assert set(heard()) == {setup.club.convener.id}


def test_each_reader_reads_the_reminder_in_their_language_and_the_email_too(ctx, mail_on):
    setup, co = club()
    run(13)
    db.session.expire_all()
    told = heard()
    with flask_babel.force_locale("zh_Hant"):
        hant = sorted(notifications.describe(notice) for notice in told[setup.club.convener.id])
    with flask_babel.force_locale("zh_Hans"):
        hans = sorted(notifications.describe(notice) for notice in told[co.id])
    assert any("2026年12月" in text and "2026年11月20日" in text for text in hant)
    assert any("申請書" in text and "2026年11月14日" in text for text in hant)
    assert any("申请书" in text for text in hans)  # the co-convener reads Simplified
    assert all(notice.email_state == "pending" for notices in told.values() for notice in notices)
    assert notifications.send_pending_emails(now=utcnow() + dt.timedelta(hours=1)) == 2
    bodies = {to: body for to, _subject, body in mail_on}
    assert "2026年11月20日" in bodies[setup.club.convener.email] and "申請書" in bodies[setup.club.convener.email]
    assert "申请书" in bodies[co.email] and setup.club.community.name in bodies[co.email]
    assert f"/c/{setup.slug}/compliance/#due-{setup.enrollment.id}-application" in bodies[co.email]


def test_a_person_who_turned_reminders_off_hears_nothing_and_email_follows_its_own_setting(ctx, mail_on):
    setup, co = club()
    notifications.update_settings(setup.club.convener, notify_replies=True, email_mentions=True, email_replies=True,
                                  notify_deadlines=False)
    notifications.update_settings(co, notify_replies=True, email_mentions=True, email_replies=True,
                                  email_deadlines=False)
    db.session.commit()
    run(13)
    told = heard()
    assert setup.club.convener.id not in told
    assert [notice.email_state for notice in told[co.id]] == ["none", "none"]
    notifications.update_settings(setup.club.convener, notify_replies=True, email_mentions=True, email_replies=True,
                                  notify_deadlines=True)
    db.session.commit()
    assert run(13) == 0  # turned on again: no burst of what was passed over


def test_the_daily_job_acts_only_at_the_reminder_hour(ctx):
    club()
    at_three = dt.datetime(2026, 11, 13, 3, 0, tzinfo=dt.UTC)  # 11:00 in Taipei
    assert tasks.send_reminders_job.call_local(at_three) == 0
    assert heard() == {}
    assert tasks.send_reminders_job.call_local(morning(13)) == 4
    assert tasks.send_reminders_job.call_local(morning(13) + dt.timedelta(minutes=30)) == 0


def test_the_job_reads_a_bounded_number_of_times_whatever_the_number_of_conveners(ctx, count_queries):
    """The standings are read once for all the enrolments, the conveners of every community in one query: a second
    community with three times the conveners reads no more than the first did (the first's reminders, given already,
    cost nothing), never a read per person; what grows is the notices written."""
    club("club-a")
    with count_queries() as one:
        assert run(13) == 4
    setup_b, _co = club("club-b")
    for _ in range(4):
        add_member(setup_b.club.community, make_user(), role="co_convener")
    with count_queries() as two:
        assert run(13) == 12  # nothing again for club-a; club-b's six conveners, two reminders each

    def reads(statements: list[str]) -> int:
        return sum(1 for statement in statements if not statement.lstrip().upper().startswith("INSERT"))

    assert reads(two) <= reads(one), (reads(one), reads(two))
    written = [statement for statement in two if statement.lstrip().upper().startswith("INSERT")]
    notices = [statement for statement in written if "INTO notifications" in statement]
    # a statement per notice at most (the ORM's on SQLite; batched on PostgreSQL), the guard's rows and the counters
    assert len(notices) <= 12 and len(written) - len(notices) <= 3


def test_the_cron_command_reminds_and_commits_and_a_second_run_gives_nothing(ctx, app, monkeypatch):
    club()
    monkeypatch.setattr(reminders, "utcnow", lambda: morning(13))  # the command reads the clock: this morning's
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Deadline reminders given: 4" in result.output
    db.session.expire_all()
    assert sum(len(notices) for notices in heard().values()) == 4  # committed by the command
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "Deadline reminders given: 0" in result.output


def test_the_reminder_job_is_scheduled_hourly_to_act_once_a_day():
    periodic = {task.name: task for task in tasks.huey._registry.periodic_tasks}
    job = next(task for name, task in periodic.items() if name.endswith("send_reminders_job"))
    assert job.validate_datetime(dt.datetime(2027, 1, 4, 23, 23))  # 07:23 in Taipei
    assert job.validate_datetime(dt.datetime(2027, 1, 4, 5, 23))  # every hour: it checks the local hour itself
    assert not job.validate_datetime(dt.datetime(2027, 1, 4, 23, 24))


def test_the_reminder_reads_on_the_notifications_page_and_opens_the_rule(client, ctx):
    setup, co = club()
    co.locale = "en"
    db.session.commit()
    run(13)
    client.login(co)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "Reminder: The monthly plan for December 2026 is due on Nov 20, 2026" in html
    assert setup.club.community.name in html
    notice = next(item for item in heard()[co.id] if item.path.endswith("-monthly-2026-12"))
    response = client.post_form(f"/notifications/{notice.id}/open")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(
        f"/c/{setup.slug}/compliance/#due-{setup.enrollment.id}-monthly-2026-12")
    panel = client.get(f"/c/{setup.slug}/compliance/").get_data(as_text=True)
    assert f'id="due-{setup.enrollment.id}-monthly-2026-12"' in panel  # the anchor the notice opens


def test_open_lands_on_the_deliverable_under_its_program_with_its_due_day_in_a_community_in_two_programs(
        client, ctx):
    """The club is in two programs, each asking for an application form (by 14 and by 18 November): each reminder's
    Open lands on that program's line, which says the day, under a heading that names that program only."""
    import lxml.html

    from tests.compliance.helpers import program_copy

    setup, co = club()
    co.locale = "en"
    first = dict(setup.program.definition, name="甲縣教師專業學習社群計畫")
    services.update_program(setup.program, first, None, version=setup.program.version)
    other = program_copy(first=FIRST, last=LAST)
    document = dict(other.definition, name="乙縣城鄉共學計畫")
    document["rules"] = [*document["rules"], dict(APPLICATION, due="2026-11-18")]
    services.update_program(other, document, None, version=other.version)
    second = services.enrol(setup.club.community, other, 30_000, setup.club.convener)
    services.confirm(second, make_user(is_admin=True))
    db.session.commit()
    run(13)  # the first program's form is due tomorrow, the second's in five days
    client.login(co)
    expected = {setup.enrollment.id: ("甲縣教師專業學習社群計畫", "Nov 14, 2026", "乙縣城鄉共學計畫"),
                second.id: ("乙縣城鄉共學計畫", "Nov 18, 2026", "甲縣教師專業學習社群計畫")}
    notices = [item for item in heard()[co.id] if item.path.endswith("-application")]
    assert sorted(notice.subject_id for notice in notices) == sorted(expected)
    for notice in notices:
        name, day, other_name = expected[notice.subject_id]
        location = client.post_form(f"/notifications/{notice.id}/open").headers["Location"]
        address, anchor = location.split("#")
        assert anchor == f"due-{notice.subject_id}-application"
        root = lxml.html.fromstring(client.get(address).get_data(as_text=True))
        target = root.get_element_by_id(anchor)
        said = " ".join(target.text_content().split())
        assert day in said, said  # the day, in the panel's sentence (due on it, or not done by it once past)
        section = next(element for element in target.iterancestors("section")
                       if element.get("id", "").startswith("deliverables-"))
        assert section.get("id") == f"deliverables-{notice.subject_id}"
        heading = " ".join(section.find("h4").text_content().split())
        assert name in heading and other_name not in heading, heading
