"""An activity moved out of the period of a program its community is enrolled in (it counted toward that program's
rules and now does not) is saved with a warning naming the program and its period; planned outside every enrolled
period, likewise. Activities import nothing of compliance: compliance answers activities' `activity_dated`."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.activities.helpers import make_club
from tests.compliance.helpers import enrolled, program_copy
from tests.factories import make_user
from workspace.activities.models import Activity
from workspace.compliance import services
from workspace.extensions import db

FIRST, LAST = dt.date(2037, 2, 1), dt.date(2037, 7, 31)  # a period still to come: its activities are scheduled


def plan_form(starts: str, **overrides) -> dict:
    day = starts.split("T")[0]
    values = {"title": "五年級數學共同備課", "method": "collaborative_planning", "mode": "offline",
              "starts_at": starts, "ends_at": f"{day}T16:00", "place": "自然教室", "meeting_url": "", "agenda": "",
              "subjects": "數學", "tags": "", "recorder_id": "", "repeat": "", "count": "1"}
    values.update(overrides)
    return values


def flashes(page: str, category: str = "warning") -> list[str]:
    return re.findall(rf'<p class="flash flash-{category}">(.*?)</p>', page, re.S)


def edit(client, slug: str, activity: Activity, starts: str):
    """Save the activity's form moved to `starts`, follow to the page the save lands on; its warnings."""
    response = client.post_form(f"/c/{slug}/activities/{activity.id}/edit",
                                plan_form(starts, base_version=str(activity.version)))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(activity)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page, "success")  # "Saved.": the save happened all the same
    return flashes(page)


def test_moving_an_activity_out_of_the_period_warns_and_saves(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    activity = made.club.activity(starts=dt.datetime(2037, 7, 20, 14, 0))
    client.login(made.club.convener)
    [warning] = edit(client, made.slug, activity, "2037-08-03T14:00")
    name = made.program.name
    assert f"no longer within the period of {name}" in warning
    assert "Feb 1, 2037" in warning and "Jul 31, 2037" in warning and "no longer counts toward its rules" in warning
    assert activity.starts_at.date() == dt.date(2037, 8, 3)


def test_the_warning_is_in_the_reader_s_language_with_its_dates(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    activity = made.club.activity(starts=dt.datetime(2037, 7, 20, 14, 0))
    made.club.convener.locale = "zh_Hant"
    db.session.commit()
    client.login(made.club.convener)
    [warning] = edit(client, made.slug, activity, "2037-08-03T14:00")
    assert "2037年2月1日" in warning and "2037年7月31日" in warning  # the dates as the reader writes them


def test_an_edit_inside_the_period_says_nothing(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    activity = made.club.activity(starts=dt.datetime(2037, 3, 2, 14, 0))
    client.login(made.club.convener)
    assert edit(client, made.slug, activity, "2037-07-31T14:00") == []  # its last day is still in it
    assert edit(client, made.slug, activity, "2037-02-01T14:00") == []


def test_moving_into_the_period_or_within_outside_says_nothing(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    activity = made.club.activity(starts=dt.datetime(2037, 9, 1, 14, 0))
    client.login(made.club.convener)
    assert edit(client, made.slug, activity, "2037-09-08T14:00") == []  # outside before, outside still
    assert edit(client, made.slug, activity, "2037-05-05T14:00") == []  # into the period: it counts now


def test_a_community_in_no_program_hears_nothing(client, ctx):
    club = make_club()
    activity = club.activity(starts=dt.datetime(2037, 7, 20, 14, 0))
    client.login(club.convener)
    assert edit(client, "club", activity, "2037-08-03T14:00") == []
    response = client.post_form("/c/club/activities/new", plan_form("2038-01-05T14:00"))
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True)) == []


def test_in_two_programs_the_warning_names_the_one_it_left(client, ctx):
    made = enrolled(first=FIRST, last=LAST)  # a copy of PLC-100, to 31 July
    longer = program_copy("urc", FIRST, dt.date(2037, 8, 31))  # a copy of URC, to 31 August
    services.confirm(services.enrol(made.club.community, longer, 10_000, made.club.convener), make_user(is_admin=True))
    db.session.commit()
    activity = made.club.activity(starts=dt.datetime(2037, 7, 20, 14, 0))
    client.login(made.club.convener)
    [warning] = edit(client, made.slug, activity, "2037-08-03T14:00")
    assert made.program.name in warning and longer.name not in warning


def test_a_withdrawn_enrolment_is_not_warned_of(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    services.withdraw(made.enrollment, made.club.convener)
    db.session.commit()
    activity = made.club.activity(starts=dt.datetime(2037, 7, 20, 14, 0))
    client.login(made.club.convener)
    assert edit(client, made.slug, activity, "2037-08-03T14:00") == []


def test_planning_outside_every_enrolled_period_warns_and_inside_does_not(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    client.login(made.club.convener)
    response = client.post_form(f"/c/{made.slug}/activities/new", plan_form("2037-09-01T14:00"))
    assert response.status_code == 302
    [warning] = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"outside the period of {made.program.name}" in warning and "does not count toward its rules" in warning
    response = client.post_form(f"/c/{made.slug}/activities/new", plan_form("2037-03-01T14:00"))
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True)) == []
    assert len(db.session.scalars(select(Activity)).all()) == 2  # both planned


def test_a_series_running_past_the_period_warns_once(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    client.login(made.club.convener)
    response = client.post_form(f"/c/{made.slug}/activities/new",
                                plan_form("2037-09-01T14:00", repeat="weekly", count="3"))
    assert response.status_code == 302
    [warning] = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"The 3 activities planned are outside the period of {made.program.name}" in warning


def test_a_series_partly_past_the_period_says_how_many_are_outside(client, ctx):
    made = enrolled(first=FIRST, last=LAST)
    client.login(made.club.convener)
    response = client.post_form(f"/c/{made.slug}/activities/new",  # 20 and 27 July in it, 3 and 10 August not
                                plan_form("2037-07-20T14:00", repeat="weekly", count="4"))
    [warning] = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"2 of the 4 activities planned are outside the period of {made.program.name}" in warning
    assert "they do not count toward its rules" in warning


def test_a_series_reads_the_community_s_programs_once(client, ctx, count_queries):
    """The programs are read once for the save, not once per activity of the series."""
    made = enrolled(first=FIRST, last=LAST)
    client.login(made.club.convener)
    client.get(f"/c/{made.slug}/activities/new")
    reads = {}
    for count in (2, 12):
        with count_queries() as queries:
            response = client.post_form(f"/c/{made.slug}/activities/new",
                                        plan_form("2037-09-01T14:00", repeat="monthly", count=str(count)))
        assert response.status_code == 302
        reads[count] = sum(1 for statement in queries if "FROM enrollments" in str(statement))
    assert reads[2] == reads[12] >= 1


def test_a_program_already_over_does_not_warn_of_a_new_plan(client, ctx):
    """A community's past round (last year's enrolment) is not what a new activity is planned for: planning after it
    ended said "outside the period of" it on every activity planned since."""
    made = enrolled(first=dt.date(2020, 2, 1), last=dt.date(2020, 7, 31))
    client.login(made.club.convener)
    response = client.post_form(f"/c/{made.slug}/activities/new", plan_form("2037-09-01T14:00"))
    assert response.status_code == 302
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True)) == []
