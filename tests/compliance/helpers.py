"""Building blocks for the compliance tests that use the database: a community enrolled in a copy of a shipped
preset with its own dates, and held activities with the evidence the rules ask for."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select

from tests.activities.helpers import Club, make_club
from tests.factories import add_member, make_user
from tests.media import png_bytes
from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.communities.models import Membership
from workspace.compliance import services
from workspace.compliance.models import Enrollment, Program
from workspace.core.storage import store_upload
from workspace.extensions import db

# A school year that is over by now (2026-12-02): every activity in it is held, and its windows are closed.
PAST_FIRST, PAST_LAST = dt.date(2025, 8, 1), dt.date(2026, 7, 31)
# A period running today, whatever day the tests run on: a program a convener is offered to enrol in.
RUNNING_FIRST = dt.date.today() - dt.timedelta(days=120)
RUNNING_LAST = dt.date.today() + dt.timedelta(days=240)


def preset(key: str = "plc-100") -> Program:
    """The shipped preset, installed once."""
    services.install_presets()
    db.session.commit()
    return db.session.scalar(select(Program).where(Program.key == key))


def program_copy(key: str = "plc-100", first: dt.date = PAST_FIRST, last: dt.date = PAST_LAST,
                 actor: object = None) -> Program:
    """A copy of a preset with its own period, as an admin makes one."""
    document = services.copy_document(preset(key))
    document["period"] = {"first": first.isoformat(), "last": last.isoformat()}
    program = services.create_program(document, actor)
    db.session.commit()
    return program


def running_copy(key: str = "plc-100") -> Program:
    """A copy of a preset whose period runs today: one a convener may enrol in (an ended one is not offered)."""
    return program_copy(key, RUNNING_FIRST, RUNNING_LAST)


@dataclass
class Enrolled:
    """A community (the activities' club, with two more members: six in all) enrolled and confirmed."""

    club: Club
    program: Program
    enrollment: Enrollment

    @property
    def slug(self) -> str:
        return self.club.community.slug

    def activity(self, day: dt.date, *, photo: bool = True, minutes: bool = True, title: str = "",
                 method: str = "collaborative_planning") -> Activity:
        """A held activity on `day` (14:00–16:00 local), with a photo and minutes unless told otherwise."""
        activity = self.club.activity(title or f"社群活動 {day.isoformat()}", starts=dt.datetime.combine(
            day, dt.time(14, 0)), method=method)
        if minutes:
            activities.save_minutes(activity, "討論了教學觀察的重點。", "", actor=self.club.convener,
                                    base_version=activity.minutes_version)
        if photo:
            add_photo(self, activity)
        db.session.commit()
        return activity


def add_photo(enrolled: Enrolled, activity: Activity) -> None:
    """Add a photo to an activity's evidence, as its convener does."""
    activities.add_evidence(activity, store_upload(io.BytesIO(png_bytes()), "photo.png"), actor=enrolled.club.convener)
    db.session.commit()


def enrolled(slug: str = "club", *, key: str = "plc-100", first: dt.date = PAST_FIRST, last: dt.date = PAST_LAST,
             amount: int = 50_000, confirmed: bool = True) -> Enrolled:
    """A club of six members enrolled in a copy of the preset over [first, last]."""
    club = make_club(slug)
    for name in ("張老師", "李老師", "吳老師"):
        add_member(club.community, make_user(display_name=name))
    for membership in db.session.scalars(select(Membership).where(Membership.community_id == club.community.id)):
        membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # members since before the period
    program = program_copy(key, first, last)
    enrollment = services.enrol(club.community, program, amount, club.convener)
    if confirmed:
        services.confirm(enrollment, make_user(is_admin=True))
    db.session.commit()
    return Enrolled(club, program, enrollment)


def result(standing: services.Standing, rule_id: str):
    """One rule's result in a standing."""
    return next(found for found in standing.results if found.rule_id == rule_id)


def judge(enrolled_: Enrolled) -> services.Standing:
    """Where the enrolment stands now."""
    db.session.expire_all()
    return services.standings([db.session.get(Enrollment, enrolled_.enrollment.id)])[0]
