"""Building blocks for the activities' tests: a community with members, and activities at given local times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.factories import add_member, make_community, make_school, make_user
from workspace.activities import services
from workspace.activities.models import Activity
from workspace.communities.models import Community
from workspace.extensions import db


def now_local(minutes: int = 0) -> dt.datetime:
    """The deployment's wall-clock time now, plus `minutes` (for activities the real clock must be inside)."""
    local = services.to_local(services.utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    return local + dt.timedelta(minutes=minutes)


@dataclass
class Club:
    community: Community
    convener: object
    member: object
    other: object

    def activity(self, title: str = "五年級數學共同備課", *, starts: dt.datetime | None = None, hours: float = 2,
                 method: str = "collaborative_planning", **fields) -> Activity:
        """An activity at a local wall-clock time (naive: the deployment's zone)."""
        starts = starts or dt.datetime(2037, 12, 2, 14, 0)
        values = dict(title=title, method=method, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours),
                      place="自然教室")
        values.update(fields)
        activity = services.create_activity(self.community, services.ActivityFields(**values), actor=self.convener)
        db.session.commit()
        return activity


def make_club(slug: str = "club") -> Club:
    school = make_school(name=f"光華國小 {slug}")
    convener = make_user(display_name="陳召集")
    community = make_community(convener, slug=slug, schools=[school])
    member = add_member(community, make_user(display_name="林老師")).user
    other = add_member(community, make_user(display_name="王老師")).user
    return Club(community, convener, member, other)
