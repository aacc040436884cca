"""Milestone reminders (mentoring/services/notices.remind_milestones, in the daily reminders): the owner of an open
milestone, the mentor or the new teacher, hears of it 3 days before its due day and once overdue, each once; nobody
else, and nobody who no longer sees the pairing."""

from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from sqlalchemy import select

from tests.mentoring.helpers import make_pair
from workspace import tasks
from workspace.communities import services as communities
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.mentoring.models import Milestone, PairingStatus
from workspace.mentoring.services import notices
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification


def morning(day: int) -> dt.datetime:
    """07:05 in Taipei on that day of November 2026."""
    return dt.datetime(2026, 11, day, 7, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def run(day: int) -> int:
    return tasks.send_reminders(morning(day))


def heard() -> dict[int, list[Notification]]:
    found: dict[int, list[Notification]] = {}
    for notice in db.session.scalars(select(Notification).where(Notification.kind == "due").order_by(Notification.id)):
        found.setdefault(notice.user_id, []).append(notice)
    return found


def pair_with_milestones():
    """A pairing with the mentor's first meeting due on 16 November 2026, the new teacher's observation of the mentor
    due on 14 November, one done and one in the trash (both due on 15 November)."""
    pair = make_pair(dt.date(2026, 9, 1))
    meeting = Milestone(pairing_id=pair.pairing.id, title="第一次會談", due_on=dt.date(2026, 11, 16), owner="mentor")
    observe = Milestone(pairing_id=pair.pairing.id, title="觀摩師傅的課", due_on=dt.date(2026, 11, 14), owner="mentee",
                        kind="observe_mentor")
    done = Milestone(pairing_id=pair.pairing.id, title="已完成", due_on=dt.date(2026, 11, 15), owner="mentor",
                     done_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    trashed = Milestone(pairing_id=pair.pairing.id, title="已刪除", due_on=dt.date(2026, 11, 15), owner="mentee",
                        deleted_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    db.session.add_all([meeting, observe, done, trashed])
    db.session.commit()
    return pair, meeting, observe


def test_the_owner_hears_three_days_before_and_once_overdue_each_once(ctx):
    pair, meeting, observe = pair_with_milestones()
    assert run(12) == 1  # the new teacher's, 2 days ahead; the mentor's is 4 days ahead
    assert run(13) == 1  # the mentor's, 3 days ahead
    told = heard()
    assert set(told) == {pair.mentor.id, pair.mentee.id}  # not the convener, not the colleague
    assert [notice.subject_id for notice in told[pair.mentor.id]] == [meeting.id]
    assert [notice.subject_id for notice in told[pair.mentee.id]] == [observe.id]
    notice = told[pair.mentor.id][0]
    assert notice.path == f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/milestones/{meeting.id}"
    assert notice.community_id == pair.community.id and notice.excerpt == "王老師 · 林老師"
    assert run(13) == 0  # run twice
    assert run(15) == 1  # the new teacher's is overdue
    assert run(16) == 0
    assert run(17) == 1  # the mentor's is overdue
    assert run(18) == 0 and run(30) == 0
    assert len(heard()[pair.mentee.id]) == 2


def test_a_run_after_missed_days_sends_the_latest_and_each_reads_it_in_their_language(ctx):
    pair, _meeting, _observe = pair_with_milestones()
    pair.mentee.locale = "zh_Hant"
    db.session.commit()
    assert run(16) == 2  # the mentor's due today (no earlier notice), the new teacher's overdue only
    told = heard()
    with flask_babel.force_locale("en"):
        assert notifications.describe(told[pair.mentor.id][0]) == "Reminder: 第一次會談 (due Nov 16, 2026)"
        assert (notifications.describe(told[pair.mentee.id][0])
                == "Reminder: 觀摩師傅的課 (overdue: it was due Nov 14, 2026)")
    with flask_babel.force_locale("zh_Hant"):
        said = notifications.describe(told[pair.mentee.id][0])
    assert "觀摩師傅的課" in said and "2026年11月14日" in said and "逾期" in said


@pytest.mark.parametrize("state", ["ended", "archived", "left"])
def test_an_ended_pairing_an_archived_community_or_an_owner_who_left_hears_nothing(ctx, state):
    pair, _meeting, _observe = pair_with_milestones()
    if state == "ended":
        pair.pairing.status = PairingStatus.ENDED.value
        pair.pairing.ended_at = utcnow()
    elif state == "archived":
        pair.community.archived_at = utcnow()
    else:  # left past the service, which also ends the pairing: the membership alone must keep the notice back
        communities.membership_for(pair.community, pair.mentee).left_at = utcnow()
    db.session.commit()
    run(13)
    run(15)
    told = heard()
    if state == "left":
        assert pair.mentee.id not in told and pair.mentor.id in told  # the mentor is still a member
    else:
        assert told == {}


def test_a_long_title_still_reads_as_its_words():
    milestone = Milestone(title="長" * 200, due_on=dt.date(2026, 11, 16))
    kept = notices._milestone_title(milestone, overdue=True)
    assert len(kept) <= notifications.MAX_TITLE
    assert '"overdue":true' in kept and kept.startswith('{"title":"長')


def test_the_reminders_read_the_same_whatever_the_number_of_pairings(ctx, count_queries):
    pair_with_milestones()
    with count_queries() as one:
        assert len(notices.remind_milestones(now=morning(13))) == 2
    pair_with_milestones()
    pair_with_milestones()
    with count_queries() as three:
        assert len(notices.remind_milestones(now=morning(13))) == 4  # the first pairing's given already

    def reads(statements: list[str]) -> int:
        return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))

    assert reads(three) <= reads(one), (reads(one), reads(three))


# --- a milestone trashed, a pairing ended: no reminder, no email waiting, and an earlier link says what became of it


@pytest.fixture()
def mail_on(app, monkeypatch):
    """Pretend a mail server is configured, so that reminders wait for the nightly email batch."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")


def emails_waiting(milestone: Milestone) -> int:
    return len(db.session.scalars(select(Notification).where(
        Notification.subject_type == notices.MILESTONE, Notification.subject_id == milestone.id,
        Notification.email_state == "pending")).all())


def test_a_milestone_trashed_after_its_reminder_is_reminded_no_more_and_its_email_stays_unsent(ctx, mail_on):
    from workspace.mentoring.services import milestones

    pair, meeting, _observe = pair_with_milestones()
    assert run(13) == 2  # the mentor's 3 days ahead, the new teacher's 1 day ahead
    assert emails_waiting(meeting) == 1
    milestones.trash_milestone(meeting, pair.convener)
    db.session.commit()
    assert emails_waiting(meeting) == 0  # the bell keeps the notice; tonight's email does not go out
    run(17)  # the day after its due day: it would be overdue
    assert [notice.subject_id for notice in heard()[pair.mentor.id]] == [meeting.id]  # the first notice only


@pytest.mark.parametrize("how", ["ended", "term_over"])
def test_a_pairing_ended_after_a_reminder_sends_no_email_and_no_further_reminder(ctx, mail_on, how):
    from workspace.mentoring.services import pairings

    pair, meeting, observe = pair_with_milestones()
    run(13)
    assert emails_waiting(meeting) == 1 and emails_waiting(observe) == 1
    if how == "ended":
        pairings.end_pairing(pair.pairing, dt.date(2026, 11, 13), "", pair.convener)
    else:
        pair.pairing.ends_on = dt.date(2026, 11, 12)
        pairings.end_finished_terms(dt.date(2026, 11, 13))
    db.session.commit()
    assert emails_waiting(meeting) == 0 and emails_waiting(observe) == 0
    assert run(15) == 0 and run(17) == 0


def open_notice(client, notice: Notification):
    """Open a notice from the bell as its reader does, following every redirect."""
    return client.post_form(f"/notifications/{notice.id}/open", follow_redirects=True)


def test_a_reminder_opens_its_milestone_and_once_trashed_says_so_in_the_reader_s_language(client, ctx):
    from workspace.mentoring.services import milestones

    pair, meeting, _observe = pair_with_milestones()
    run(13)
    notice = heard()[pair.mentor.id][0]
    client.login(pair.mentor)
    answer = open_notice(client, notice)
    assert answer.status_code == 200 and f'id="milestone-{meeting.id}"' in answer.text
    assert "moved to the trash" not in answer.text
    first = client.get(notice.path)  # the reminder's own address, as the email links it
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/mentoring/pairings/{pair.pairing.id}#milestone-{meeting.id}")

    milestones.trash_milestone(meeting, pair.convener)
    db.session.commit()
    gone = client.get(notice.path)
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/pairings/{pair.pairing.id}#milestones")
    answer = open_notice(client, notice)
    assert answer.status_code == 200
    assert "The milestone “第一次會談” was moved to the trash." in answer.text
    assert f'id="milestone-{meeting.id}"' not in answer.text

    pair.mentor.locale = "zh_Hant"
    db.session.commit()
    answer = open_notice(client, notice)
    assert "里程碑「第一次會談」已移到資源回收筒。" in answer.text


def test_a_milestone_s_address_is_for_those_who_see_its_pairing_only(client, ctx):
    pair, meeting, _observe = pair_with_milestones()
    other, *_rest = pair_with_milestones()
    path = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/milestones/{meeting.id}"
    client.login(pair.colleague)  # a member who is not of the pair
    assert client.get(path).status_code == 404
    client.login(pair.mentee)
    assert client.get(path).status_code == 302
    # a milestone of another pairing, under this pairing's address
    assert client.get(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/milestones/"
                      f"{other.pairing.id * 1000}").status_code == 404
