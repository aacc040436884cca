"""One-time form tokens (core/once.py): a create form sent twice creates once and the repeat is answered as the
first was; the token belongs to one person; a form without one is saved as before; the table migrates both ways."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select, text

from tests.activities.helpers import make_club
from tests.compliance.helpers import enrolled
from tests.factories import make_user
from tests.mentoring.helpers import make_pair
from workspace.activities.models import Activity
from workspace.compliance.models import BookListItem, Expense
from workspace.core import once
from workspace.core.models import FormSubmission
from workspace.extensions import db
from workspace.mentoring.models import Goal, MeetingLog, Observation, PublicLesson
from workspace.plans.models import PlanDoc
from workspace.resources.models import Resource

ALREADY = "This was already saved: the form was sent twice and is kept once."


def _token(html: str) -> str:
    found = re.search(r'name="once_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="once_token"', html)
    assert found, "no one-time token in the form"
    return found.group(1) or found.group(2)


class _Field:
    def __init__(self, value: str | None) -> None:
        self.raw_data = [value] if value is not None else []

    posted = once.OnceTokenField.posted


def test_a_claimed_token_answers_the_first_address_to_its_person_only(ctx):
    person, other = make_user(), make_user()
    token = once.new_token()
    first = once.claim(_Field(token), person)
    assert first.repeat is None
    first.answered("/c/x/thing/1")
    db.session.commit()
    assert once.claim(_Field(token), person).repeat == "/c/x/thing/1"
    assert once.claim(_Field(token), other).repeat is None  # another person's form: their own
    for missing in (None, "", "short", "x" * 65, "<script>alert(1)</script>aaaaaaaa"):
        assert once.claim(_Field(missing), person).repeat is None
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 2


def test_a_refused_submission_leaves_its_token_free(ctx):
    person, token = make_user(), once.new_token()
    once.claim(_Field(token), person)
    db.session.rollback()  # the service refused: nothing was created, the claim goes with it
    assert once.claim(_Field(token), person).repeat is None


def test_tokens_older_than_a_day_are_forgotten(ctx):
    person = make_user()
    db.session.add(FormSubmission(user_id=person.id, token="a" * 24, location="/old",
                                  created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
    db.session.commit()
    once.claim(_Field(once.new_token()), person)
    db.session.commit()
    assert db.session.scalar(select(FormSubmission.location).where(FormSubmission.token == "a" * 24)) is None


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_expense_and_a_title_sent_twice_are_kept_once(client, ctx):
    setup = enrolled()
    client.login(setup.club.convener)
    budget = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    page = client.get(budget + "/budget").get_data(as_text=True)
    expense = {"category": "printing_materials", "spent_on": "114/09/20", "amount": "150", "payee": "dup",
               "once_token": _token(page[page.index('id="expenses"'):])}
    first, second = client.post_form(budget + "/expenses", expense), client.post_form(budget + "/expenses", expense)
    assert first.status_code == second.status_code == 302 and second.location == first.location
    assert _count(Expense) == 1
    assert ALREADY in client.get(second.location).get_data(as_text=True)
    book = {"title": "教學觀察", "relevance": "觀課的依据", "once_token": _token(page[page.index('id="books"'):])}
    answers = [client.post_form(budget + "/books", book) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert _count(BookListItem) == 1
    fresh = client.get(budget + "/budget").get_data(as_text=True)  # the next form: a new token, a new expense
    assert client.post_form(budget + "/expenses", dict(expense, once_token=_token(fresh))).status_code == 302
    assert _count(Expense) == 2


def test_two_views_of_a_kept_page_are_two_forms(client, ctx):
    """The budget page is kept by the page cache: a second tab (or a later visit before any change) is answered from
    it, and its forms must carry their own tokens, or a second expense typed there would be taken for a repeat of
    the first and not saved."""
    setup = enrolled()
    client.login(setup.club.convener)
    budget = f"/c/{setup.slug}/compliance/{setup.enrollment.id}"
    client.get(budget + "/budget")  # the session's first form (its CSRF token set): a page with a cookie is not kept
    first_tab, second_tab = (client.get(budget + "/budget") for _ in range(2))
    first_tab, second_tab = first_tab.get_data(as_text=True), second_tab.get_data(as_text=True)
    first, second = (_token(page[page.index('id="expenses"'):]) for page in (first_tab, second_tab))
    assert first != second
    for amount, token in (("150", first), ("90", second)):
        answer = client.post_form(budget + "/expenses", {"category": "printing_materials", "spent_on": "114/09/20",
                                                         "amount": amount, "payee": "印刷行", "once_token": token})
        assert answer.status_code == 302
    assert _count(Expense) == 2


@pytest.mark.parametrize("htmx", [False, True])
def test_a_log_and_a_goal_sent_twice_are_kept_once(client, ctx, htmx):
    pair = make_pair(starts_on=dt.date.today() - dt.timedelta(days=30))
    client.login(pair.mentor)
    base = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}"
    log = {"held_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(), "duration_minutes": "30",
           "topics": "班級經營", "once_token": _token(client.get(base + "/logs/").get_data(as_text=True))}
    goal = {"title": "提升提問技巧", "status": "open",
            "once_token": _token(client.get(base + "/goals/").get_data(as_text=True))}
    for url, data in ((base + "/logs/", log), (base + "/goals/", goal)):
        answers = [client.hx("POST", url, data) if htmx else client.post_form(url, data) for _ in range(2)]
        assert {answer.status_code for answer in answers} == {200 if htmx else 302}
        if htmx:
            assert ALREADY in answers[1].get_data(as_text=True)
    assert (_count(MeetingLog), _count(Goal)) == (1, 1)


def test_a_public_lesson_and_an_observation_started_twice_are_one(client, ctx):
    pair = make_pair(starts_on=dt.date.today() - dt.timedelta(days=30))
    client.login(pair.mentee)
    slug = pair.community.slug
    form = client.get(f"/c/{slug}/mentoring/public-lessons/new").get_data(as_text=True)
    lesson = {"teacher_id": str(pair.mentee.id), "topic": "分數的加法", "day": dt.date.today().isoformat(),
              "starts": "09:00", "ends": "09:40", "once_token": _token(form)}
    first = client.post_form(f"/c/{slug}/mentoring/public-lessons/new", lesson)
    second = client.post_form(f"/c/{slug}/mentoring/public-lessons/new", lesson)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert _count(PublicLesson) == 1
    client.logout().login(pair.mentor)
    form = client.get(f"/c/{slug}/mentoring/observations/new?pairing={pair.pairing.id}").get_data(as_text=True)
    form_id = re.search(r'<option (?:selected )?value="(\d+)">', form.split('id="form_id"')[1]).group(1)
    plan = {"observed_id": str(pair.mentee.id), "observed_on": dt.date.today().isoformat(),
            "pairing_id": str(pair.pairing.id), "form_id": form_id, "once_token": _token(form)}
    answers = [client.post_form(f"/c/{slug}/mentoring/observations/new", plan) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302] and answers[0].location == answers[1].location
    assert _count(Observation) == 1


def test_an_activity_a_plan_and_a_written_resource_sent_again_are_kept_once(client, ctx):
    """QA 12 #3: a create form sent again (Send again after a lost answer, not a double click) made two
    activities, two co-planning plans, two library resources; each now saves once and the repeat goes where the
    first answer went."""
    club = make_club()
    client.login(club.convener)
    base = f"/c/{club.community.slug}"
    activity = {"title": "重送活動", "method": "collaborative_planning", "mode": "offline",
                "starts_at": "2037-12-02T14:00", "ends_at": "2037-12-02T16:00", "place": "自然教室",
                "agenda": "- 暖身", "repeat": "", "count": "1",
                "once_token": _token(client.get(base + "/activities/new").get_data(as_text=True))}
    plan = {"template": "default", "topic": "重送教案", "subject": "數學", "grade": "五年級",
            "lead_id": str(club.convener.id), "teacher_ids": [str(club.convener.id)],
            "once_token": _token(client.get(base + "/plans/new").get_data(as_text=True))}
    resource = {"source": "text", "title": "重送資源", "kind": "lesson_plan", "visibility": "community",
                "body": "# 分數", "once_token": _token(client.get(base + "/resources/new").get_data(as_text=True))}
    for url, data, model in ((base + "/activities/new", activity, Activity), (base + "/plans/new", plan, PlanDoc),
                             (base + "/resources/new", resource, Resource)):
        first, second = client.post_form(url, data), client.post_form(url, data)
        assert first.status_code == second.status_code == 302, url
        assert second.location == first.location, url
        assert _count(model) == 1, url
        assert ALREADY in client.get(second.location).get_data(as_text=True)
        # The next form is a new one: a second record.
        fresh = _token(client.get(url).get_data(as_text=True))
        assert client.post_form(url, dict(data, once_token=fresh)).status_code == 302
        assert _count(model) == 2, url


def test_files_uploaded_one_by_one_from_one_form_are_each_added(client, ctx):
    """The upload script sends each file in its own request with the page's one token: not repeats."""
    club = make_club()
    client.login(club.convener)
    base = f"/c/{club.community.slug}"
    token = _token(client.get(base + "/resources/new").get_data(as_text=True))
    for name in ("a.txt", "b.txt"):
        data = {"source": "files", "kind": "courseware", "visibility": "community", "once_token": token,
                "files": (io.BytesIO(b"hello"), name)}
        answer = client.post_form(base + "/resources/new", data, headers={"X-Upload": "1"},
                                  content_type="multipart/form-data")
        assert answer.status_code == 201, answer.get_data(as_text=True)[:400]
    assert _count(Resource) == 2


def test_the_form_submissions_table_migrates_down_and_up(app, ctx):
    from flask_migrate import downgrade, upgrade

    person_id = make_user().id
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="c5d2a9e7f310")
        assert "form_submissions" not in {name for (name,) in db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if db.engine.dialect.name == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()}
        db.session.remove()
        upgrade(revision="d7a3c9e2b514")
        db.session.execute(text("INSERT INTO form_submissions (user_id, token, location, created_at) "
                                "VALUES (:user, 'tok', '/x', CURRENT_TIMESTAMP)"), {"user": person_id})
        db.session.commit()
    finally:
        db.session.remove()
        upgrade()
    assert db.session.scalar(select(FormSubmission.location)) == "/x"
