"""An urban–rural community for the tests: a core school and member schools, set through the settings service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.factories import make_community, make_school, make_user
from workspace.auth.models import User
from workspace.communities import services
from workspace.communities.models import Community, School
from workspace.extensions import db


@dataclass
class Partnership:
    community: Community
    convener: User
    core: School
    members: list[School]


def settle(community: Community, actor: User, *, schools: list[School], core: School | None,
           starts: dt.date | None = None, ends: dt.date | None = None, kind: str = "urban_rural") -> Community:
    """Save the community's settings as its settings page would, changing only the schools, roles and term."""
    return services.update_community(
        community, actor=actor, name=community.name, kind=kind, slug=community.slug,
        description=community.description, vision=community.vision, school_ids=[school.id for school in schools],
        school_roles={core.id: "core"} if core else {}, agreement_starts_on=starts, agreement_ends_on=ends)


def make_partnership(member_count: int = 2, *, convener: User | None = None, core: School | None = None,
                     starts: dt.date | None = dt.date(2026, 8, 1),
                     ends: dt.date | None = dt.date(2028, 7, 31)) -> Partnership:
    """An urban–rural community of a core school and `member_count` member schools, committed."""
    convener = convener or make_user()
    core = core or make_school(name=f"城區核心小學 {make_user().id}")
    members = [make_school() for _ in range(member_count)]
    community = make_community(convener, kind="urban_rural", schools=[core])
    settle(community, convener, schools=[core, *members], core=core, starts=starts, ends=ends)
    db.session.commit()
    return Partnership(community, convener, core, members)
