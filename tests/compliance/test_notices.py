"""What compliance tells people about a submission (services/notices.py): who is told, who is not, what it says,
where it opens and whether it is e-mailed."""

from __future__ import annotations

import flask_babel
import pytest
from flask import g
from sqlalchemy import func, select

from tests.compliance.helpers import PAST_FIRST, PAST_LAST, enrolled, judge, program_copy
from tests.factories import add_member, make_reviewer, make_school, make_user
from workspace.communities.policy import reviews
from workspace.compliance import services
from workspace.compliance.services import review
from workspace.core.permissions import can
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification


@pytest.fixture()
def mail_on(app, monkeypatch):
    """Pretend a mail server is configured (nothing is sent: the batch is not run)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")


def told(kind: str) -> dict[int, Notification]:
    """The notifications of this kind, by recipient."""
    return {found.user_id: found for found in db.session.scalars(select(Notification).where(Notification.kind == kind))}


def people():
    """A club in a program, its co-convener, the reviewers of its school, of all schools and of another school."""
    setup = enrolled()
    community = setup.club.community
    co = add_member(community, make_user(display_name="周副召"), role="co_convener").user
    school_reviewer = make_reviewer(community.schools[0], display_name="校內審查")
    county = make_reviewer(None, display_name="縣市審查")
    elsewhere = make_reviewer(make_school(name="別校"), display_name="別校審查")
    admin = make_user(is_admin=True)
    return setup, co, school_reviewer, county, elsewhere, admin


def test_a_submission_tells_the_reviewers_in_scope_and_nobody_else(ctx):
    setup, co, school_reviewer, county, elsewhere, admin = people()
    submission = review.submit(judge(setup), "請審查", setup.club.convener)
    db.session.commit()
    heard = told("submitted")
    assert set(heard) == {school_reviewer.id, county.id}
    # The same people the policy lets decide as reviewers (the notice and the decide button never disagree).
    everyone = [setup.club.convener, co, setup.club.member, setup.club.other, school_reviewer, county, elsewhere, admin]
    g.pop("_reviewer_scopes", None)
    in_scope = set()
    for person in everyone:
        g.pop("_reviewer_scopes", None)
        if reviews(person, setup.club.community) and can(person, "decide", setup.enrollment):
            in_scope.add(person.id)
    assert set(heard) == in_scope
    notice = heard[county.id]
    assert notice.actor_id == setup.club.convener.id and notice.community_id == setup.club.community.id
    assert notice.path == f"/c/{setup.club.community.slug}/compliance/#submissions-{setup.enrollment.id}"
    assert notice.excerpt == "請審查" and notice.subject_id == submission.id
    assert setup.program.name in notice.title


def test_a_return_tells_the_conveners_with_the_comment_and_not_the_reviewers_or_members(ctx):
    setup, co, school_reviewer, county, elsewhere, admin = people()
    submission = review.submit(judge(setup), "", setup.club.convener)
    review.decide(submission, approve=False, comment="請補上第3次活動的照片", actor=school_reviewer)
    db.session.commit()
    heard = told("returned")
    assert set(heard) == {setup.club.convener.id, co.id}
    assert all(notice.excerpt == "請補上第3次活動的照片" for notice in heard.values())
    assert heard[co.id].path.endswith(f"#submissions-{setup.enrollment.id}")
    with flask_babel.force_locale("zh_Hant"):
        said = notifications.describe(heard[co.id])
    assert "校內審查" in said and setup.program.name in said and "退回" in said
    # Handed in again: the reviewers hear of it again (the one who acts never hears of their own action).
    again = review.submit(judge(setup), "已補上", co)
    db.session.commit()
    assert [notice.user_id for notice in db.session.scalars(
        select(Notification).where(Notification.kind == "submitted", Notification.subject_id == again.id))
            ] == sorted([school_reviewer.id, county.id])
    review.decide(again, approve=True, comment="通過", actor=county)
    db.session.commit()
    approved = told("approved")
    assert set(approved) == {setup.club.convener.id, co.id} and approved[co.id].excerpt == "通過"
    assert not told("returned").keys() & {school_reviewer.id, county.id, elsewhere.id, admin.id,
                                          setup.club.member.id}


def test_a_convener_who_is_also_a_reviewer_is_not_told_of_their_own_action(ctx):
    setup = enrolled()
    community = setup.club.community
    both = make_reviewer(community.schools[0], display_name="兼任審查")
    add_member(community, both, role="co_convener")
    review.submit(judge(setup), "", both)
    db.session.commit()
    assert both.id not in told("submitted")


@pytest.mark.parametrize(("wants", "state"), [(True, "pending"), (False, "none")])
def test_the_notices_are_emailed_to_those_who_want_them(ctx, mail_on, wants, state):
    setup = enrolled()
    reviewer = make_reviewer(setup.club.community.schools[0])
    notifications.update_settings(setup.club.convener, notify_replies=True, email_mentions=True, email_replies=True,
                                  email_reviews=wants)
    submission = review.submit(judge(setup), "", setup.club.convener)
    assert told("submitted")[reviewer.id].email_state == "pending"
    review.decide(submission, approve=False, comment="再補", actor=reviewer)
    db.session.commit()
    assert told("returned")[setup.club.convener.id].email_state == state


def test_the_program_s_name_in_a_notice_is_in_the_reader_s_script(ctx):
    from workspace.core.i18n import script_converter

    setup, _co, _school_reviewer, county, _elsewhere, _admin = people()
    review.submit(judge(setup), "請審查", setup.club.convener)
    db.session.commit()
    notice = told("submitted")[county.id]
    name = setup.enrollment.program.name
    with flask_babel.force_locale("zh_Hans"):
        simplified = notifications.describe(notice)
    with flask_babel.force_locale("zh_Hant"):
        traditional = notifications.describe(notice)
    assert script_converter("t2s").convert(name) in simplified and name not in simplified
    assert name in traditional


def test_an_enrolment_tells_the_reviewers_its_confirmation_and_an_amount_change_tell_the_conveners(ctx):
    """The county's reviewers should not have to find a small "waiting" badge: an enrolment tells them, with the
    amount asked; the conveners hear that it is confirmed, and when a reviewer changes the approved amount, from
    what to what (only they can set expenses aside when it falls below what is claimable)."""
    setup, co, school_reviewer, county, _elsewhere, _admin = people()
    community = setup.club.community
    second = program_copy("plc-100", PAST_FIRST, PAST_LAST)
    enrollment = services.enrol(community, second, 30_000, setup.club.convener)
    db.session.commit()
    heard = told("enrolled")
    assert set(heard) == {school_reviewer.id, county.id}  # not the reviewer of another school, not the convener
    notice = heard[county.id]
    assert notice.title == second.name and notice.excerpt == f"{community.name} · NT$30,000"
    assert notice.path == f"/c/{community.slug}/compliance/#enrollment-{enrollment.id}"
    with flask_babel.force_locale("zh_Hant"):
        assert "等待您確認" in notifications.describe(notice)
    services.confirm(enrollment, county)
    db.session.commit()
    assert set(told("confirmed")) == {setup.club.convener.id, co.id}
    services.change_amount(enrollment, 3_000, school_reviewer)
    services.change_amount(enrollment, 3_000, school_reviewer)  # the same amount again: nothing to tell
    db.session.commit()
    changed = told("amount_changed")
    assert set(changed) == {setup.club.convener.id, co.id}
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "amount_changed")) == 2
    assert changed[co.id].excerpt == f"{community.name} · NT$30,000 → NT$3,000"


def test_an_enrolment_no_reviewer_in_scope_would_hear_of_tells_the_administrators(ctx):
    """QA 13: a new school has no reviewer, so the site administrator is the only one who can confirm; nobody told
    them. The administrators in office hear of it then, and only then."""
    admin, retired_admin = make_user(is_admin=True), make_user(is_admin=True, active=False)
    elsewhere = make_reviewer(make_school(name="別校"))
    setup = enrolled(confirmed=False)
    community = setup.club.community
    co = add_member(community, make_user(display_name="周副召"), role="co_convener").user
    heard = told("enrolled")
    assert set(heard) == {admin.id} and heard[admin.id].path == (
        f"/c/{community.slug}/compliance/#enrollment-{setup.enrollment.id}")
    assert not heard.keys() & {retired_admin.id, co.id, elsewhere.id, setup.club.convener.id, setup.club.member.id}
    with flask_babel.force_locale("zh_Hant"):
        assert "等待您確認" in notifications.describe(heard[admin.id])
    # A reviewer of the school who is away (account closed), or only the one who enrolled: still nobody else.
    away = make_reviewer(community.schools[0], active=False)
    both = make_reviewer(community.schools[0])
    add_member(community, both, role="co_convener")
    services.enrol(community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 1_000, both)
    db.session.commit()
    assert {notice.user_id for notice in db.session.scalars(select(Notification).where(
        Notification.kind == "enrolled", Notification.user_id != admin.id))} == set()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "enrolled", Notification.user_id == admin.id)) == 2
    assert away.id not in told("enrolled")
    # With a reviewer in scope (of the school, or county-wide), the reviewers are told and the administrators not.
    for reviewer in (make_reviewer(community.schools[0]), make_reviewer(None)):
        before = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "enrolled", Notification.user_id == admin.id))
        services.enrol(community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 1_000, setup.club.convener)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "enrolled", Notification.user_id == admin.id)) == before
        assert reviewer.id in told("enrolled")


@pytest.mark.parametrize(("wants", "state"), [(True, "pending"), (False, "none")])
def test_the_administrators_enrolment_notice_is_emailed_by_their_reviews_setting(ctx, mail_on, wants, state):
    admin = make_user(is_admin=True)
    notifications.update_settings(admin, notify_replies=True, email_mentions=True, email_replies=True,
                                  email_reviews=wants)
    enrolled(confirmed=False)
    assert told("enrolled")[admin.id].email_state == state


def test_enrolment_notices_are_emailed_by_the_reviews_setting(ctx, mail_on):
    setup, _co, school_reviewer, county, _elsewhere, _admin = people()
    notifications.update_settings(county, notify_replies=True, email_mentions=True, email_replies=True,
                                  email_reviews=False)
    services.enrol(setup.club.community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 1_000, setup.club.convener)
    db.session.commit()
    heard = told("enrolled")
    assert heard[county.id].email_state == "none" and heard[school_reviewer.id].email_state == "pending"


def test_a_withdrawal_tells_both_sides_but_not_whoever_withdrew(ctx):
    """A community leaving a program changes the reviewers' table and the convener's panel: both hear of it."""
    setup, co, school_reviewer, county, _elsewhere, _admin = people()
    services.withdraw(setup.enrollment, school_reviewer)
    db.session.commit()
    heard = told("withdrawn")
    assert set(heard) == {setup.club.convener.id, co.id, county.id}
    assert heard[co.id].title == setup.program.name
    with flask_babel.force_locale("zh_Hant"):
        assert setup.program.name in notifications.describe(heard[co.id])


def test_a_convener_may_withdraw_an_enrolment_until_it_is_confirmed(ctx):
    setup, co, school_reviewer, _county, elsewhere, admin = people()
    convener = setup.club.convener

    def may_withdraw(person, enrollment) -> bool:
        g.pop("_reviewer_scopes", None)  # one person per request: the request's cache is theirs
        return can(person, "withdraw", enrollment)

    assert not may_withdraw(convener, setup.enrollment) and not may_withdraw(co, setup.enrollment)
    assert may_withdraw(school_reviewer, setup.enrollment) and may_withdraw(admin, setup.enrollment)
    assert not may_withdraw(elsewhere, setup.enrollment)
    waiting = services.enrol(setup.club.community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 1_000, convener)
    db.session.commit()
    assert may_withdraw(convener, waiting)


@pytest.mark.parametrize(("locale", "round_words"), [
    ("zh_Hant", "第 2 次送審"), ("zh_Hans", "第 2 次送审"), ("en", "Round 2")])
def test_a_notice_names_the_round_as_the_panel_does(ctx, locale, round_words):
    """QA 10: notices read 「… · #1」 where the panel and the submission's page say 第 1 次送審."""
    setup, co, school_reviewer, _county, _elsewhere, _admin = people()
    first = review.submit(judge(setup), "", setup.club.convener)
    review.decide(first, approve=False, comment="請補件", actor=school_reviewer)
    second = review.submit(judge(setup), "已補上", setup.club.convener)
    review.decide(second, approve=True, comment="", actor=school_reviewer)
    db.session.commit()
    notice = told("approved")[co.id]
    with flask_babel.force_locale(locale):
        said = notifications.describe(notice)
        email = notifications.compose_email(co, [notice])[1]
    assert round_words in said and "#2" not in said, said
    assert round_words in email and "#" not in email.split("\n")[4], email


def _said(notice: Notification, locale: str = "en") -> str:
    """The notice's sentence and excerpt as its reader reads them under the bell."""
    with flask_babel.force_locale(locale):
        return f"{notifications.describe(notice)} · {notifications.excerpt_of(notice)}"


def test_an_enrolment_confirmed_leaves_no_reviewer_a_notice_waiting_at_a_stale_amount(ctx, mail_on):
    """QA13 #1: after 許文彬 corrected the amount and confirmed, both reviewers' bells still said, unread, that the
    enrolment waited for their confirmation at NT$20,345, and the next e-mail batch would have said so too."""
    setup, _co, school_reviewer, county, _elsewhere, _admin = people()
    community = setup.club.community
    enrollment = services.enrol(community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 20_345,
                                setup.club.convener)
    db.session.commit()
    services.change_amount(enrollment, 20_000, school_reviewer)  # still waiting: quoted anew, still to do
    db.session.commit()
    waiting = told("enrolled")
    assert all(notice.read_at is None and notice.email_state == "pending" for notice in waiting.values())
    assert "NT$20,000" in _said(waiting[county.id]) and "20,345" not in _said(waiting[county.id])

    services.confirm(enrollment, school_reviewer)
    db.session.commit()
    done = told("enrolled")
    assert set(done) == {school_reviewer.id, county.id}
    for notice in done.values():  # the one who confirmed, and everyone else: read, worded, no e-mail
        assert notice.read_at is not None and notice.email_state == "none"
        assert f"{community.name} · Confirmed by 校內審查 at NT$20,000" in _said(notice)
        assert "20,345" not in _said(notice)
    assert notifications.unread_count(county) == 0 and notifications.unread_count(school_reviewer) == 0
    # The conveners' own notices of the enrolment are theirs to read, and still e-mailed.
    for kind in ("amount_changed", "confirmed"):
        assert {notice.email_state for notice in told(kind).values()} == {"pending"}
        assert all(notice.read_at is None for notice in told(kind).values())

    services.change_amount(enrollment, 18_000, county)  # changed once confirmed: the confirmer is still named
    db.session.commit()
    assert "Confirmed by 校內審查 at NT$18,000" in _said(told("enrolled")[county.id])


def test_an_enrolment_withdrawn_before_its_confirmation_leaves_no_notice_asking_for_it(ctx, mail_on):
    setup, _co, _school_reviewer, county, _elsewhere, _admin = people()
    enrollment = services.enrol(setup.club.community, program_copy("plc-100", PAST_FIRST, PAST_LAST), 1_000,
                                setup.club.convener)
    db.session.commit()
    services.withdraw(enrollment, setup.club.convener)
    db.session.commit()
    asked = told("enrolled")
    assert all(notice.read_at is not None and notice.email_state == "none" for notice in asked.values())
    assert f"Withdrawn from the program by {setup.club.convener.display_name}" in _said(asked[county.id])
    # The withdrawal itself is news to the reviewers: unread, e-mailed.
    assert {(notice.read_at, notice.email_state) for notice in told("withdrawn").values()} == {(None, "pending")}


def test_a_decided_round_leaves_no_reviewer_its_submitted_notice_as_open_work(ctx, mail_on):
    """QA13 #1: the notices of a round 許文彬 had returned stayed new in the county's bell (and in its e-mail)."""
    setup, co, school_reviewer, county, _elsewhere, _admin = people()
    submission = review.submit(judge(setup), "請審查", setup.club.convener)
    db.session.commit()
    review.decide(submission, approve=False, comment="請補上照片", actor=school_reviewer)
    db.session.commit()
    asked = told("submitted")
    assert set(asked) == {school_reviewer.id, county.id}
    for notice in asked.values():
        assert notice.read_at is not None and notice.email_state == "none"
        assert _said(notice).endswith("Returned with comments by 校內審查 · 請審查")
    returned = told("returned")
    assert {(notice.read_at, notice.email_state) for notice in returned.values()} == {(None, "pending")}
    assert returned[co.id].excerpt == "請補上照片"  # the comment, not the reviewers' notice's words

    again = review.submit(judge(setup), "已補上", setup.club.convener)
    review.decide(again, approve=True, comment="", actor=county)
    db.session.commit()
    second = db.session.scalars(select(Notification).where(Notification.kind == "submitted",
                                                           Notification.subject_id == again.id)).all()
    assert all(_said(notice).endswith("” to the reviewers · Approved by 縣市審查 · 已補上") for notice in second)
    assert len(second) == 2
    assert all(notice.read_at is not None for notice in second)
