"""Building blocks for the tests of the ledgers, forms, sign-in sheets and the reviewers' summary: a community
enrolled over a past school year with held activities (marks, feedback, evidence), one still to come, and
expenses, so that every sheet has something to show."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.compliance.helpers import Enrolled, enrolled
from tests.factories import make_user
from tests.media import png_bytes
from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.auth.models import User
from workspace.communities.models import Membership
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.records import local_day
from workspace.core.storage import store_upload
from workspace.extensions import db

RISKY_TITLES = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "@SUM(A1:A2)", "-2")


@dataclass
class Year:
    """An enrolled community with its activities: `held` (oldest first) and `later` (still to come)."""

    enrolled: Enrolled
    held: list[Activity]
    later: Activity | None

    @property
    def enrollment(self) -> Enrollment:
        return db.session.get(Enrollment, self.enrolled.enrollment.id)

    @property
    def slug(self) -> str:
        return self.enrolled.slug

    def pair_meeting(self, held_on: dt.date = dt.date(2025, 11, 5)) -> Activity:
        """王老師 mentors 林老師 over the period; their meeting of `held_on`, recorded as a community activity."""
        from workspace.mentoring.models import Pairing
        from workspace.mentoring.services import logs

        people = {user.display_name: user for user in self.members()}
        mentor, mentee = people["王老師"], people["林老師"]
        pairing = Pairing(community_id=self.enrollment.community_id, mentor_id=mentor.id, mentee_id=mentee.id,
                          starts_on=dt.date(2025, 8, 1), ends_on=dt.date(2027, 7, 31), created_by_id=mentor.id)
        db.session.add(pairing)
        db.session.flush()
        log = logs.create_log(pairing, logs.LogFields(held_on=held_on, duration_minutes=50, topics="班級經營",
                                                      as_activity=True, starts_at=dt.time(16, 0)), actor=mentor)
        db.session.commit()
        return db.session.get(Activity, log.activity_id)

    def members(self) -> list[User]:
        return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.community_id == self.enrolled.club.community.id).order_by(User.display_name)))


def community_year(slug: str = "club", *, risky: bool = False, later: bool = True) -> Year:
    """Three held activities (the first with marks of every status and feedback), and, unless `later` is False,
    an activity in the program's period still to come (the period reaches a year ahead); two expenses."""
    today = local_day(utcnow())
    made = enrolled(slug, first=dt.date(2025, 8, 1), last=today + dt.timedelta(days=365))
    titles = list(RISKY_TITLES[:3]) if risky else ["共同備課：分數的教學", "觀課與議課", "教學檔案分享"]
    held = [made.activity(dt.date(2025, 9, 10), title=titles[0]),
            made.activity(dt.date(2025, 10, 15), title=titles[1], method="observation_feedback", photo=False),
            made.activity(dt.date(2026, 3, 4), title=titles[2], minutes=False, method="teaching_portfolio")]
    club = made.club
    people = {user.display_name: user for user in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == club.community.id))}
    statuses = {"陳召集": "present", "林老師": "late", "王老師": "left_early", "張老師": "excused",
                "李老師": "absent", "吳老師": "present"}
    activities.set_attendance(held[0], {people[name].id: status for name, status in statuses.items()},
                              actor=club.convener)
    activities.set_attendance(held[1], {people["陳召集"].id: "present", people["林老師"].id: "present"},
                              actor=club.convener)
    for user, score in ((club.member, 5), (club.other, 4), (people["張老師"], 3)):
        activities.give_feedback(held[0], score, "很有收穫", actor=user)
    coming = None
    if later:
        coming = club.activity("下學期共同備課", starts=dt.datetime.combine(today + dt.timedelta(days=60),
                                                                   dt.time(14, 0)))
    enrollment = made.enrollment
    budget.add_expense(enrollment, budget.ExpenseFields(
        "printing_materials", dt.date(2025, 9, 12), 150, payee="=cmd|' /C calc'!A0", description="講義印刷"),
        club.convener, receipt=store_upload(io.BytesIO(png_bytes()), "receipt.png"))
    budget.add_expense(enrollment, budget.ExpenseFields(  # over its cap: kept, not claimable
        "refreshments", dt.date(2025, 10, 15), 4800, persons=6, payee="便利商店", description="茶水",
        keep_unclaimable=True), club.convener)
    db.session.commit()
    return Year(made, held, coming)


def make_outsider() -> User:
    return make_user(display_name="路人")


def assert_prints_wide(book: Any, naming: dict[str, str] | None = None) -> None:
    """Every sheet of a workbook prints as the funders' forms do: A4 landscape, its header row on each page, one
    page wide, or as few pages across as keep it legible (then with its first column repeated on each, or the
    columns `naming` gives for the sheet's title, e.g. {"社群": "A:C"})."""
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        across = sheet.page_setup.fitToWidth or 1  # 1: the default
        assert sheet.page_setup.fitToHeight == 0 and 1 <= across <= 3
        assert across == 1 or sheet.print_title_cols.replace("$", "") == (naming or {}).get(sheet.title, "A:A")
        assert sheet.print_title_rows.replace("$", "") == "1:1"
