"""Building blocks for the mentoring tests: a community with a convener, a mentor, a new teacher and a colleague,
and a pairing of the two."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

import pytest

from tests.factories import add_member, make_community, make_user
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core import database
from workspace.extensions import db
from workspace.mentoring.models import Pairing


@dataclass
class Pair:
    """A community and its people: convener, mentor, mentee (new teacher), colleague (a plain member)."""

    community: Community
    convener: User
    mentor: User
    mentee: User
    colleague: User
    pairing: Pairing


def make_pair(starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> Pair:
    """A community with a pairing of a mentor and a new teacher (made directly, not through the services)."""
    convener = make_user(display_name="召集人")
    community = make_community(convener)
    mentor = make_user(display_name="王老師")
    mentee = make_user(display_name="林老師")
    colleague = make_user(display_name="陳老師")
    add_member(community, mentor, "mentor")
    add_member(community, mentee, "member")
    add_member(community, colleague, "member")
    starts_on = starts_on or dt.date(2026, 9, 1)
    pairing = Pairing(community_id=community.id, mentor_id=mentor.id, mentee_id=mentee.id, starts_on=starts_on,
                      ends_on=ends_on or starts_on.replace(year=starts_on.year + 2) - dt.timedelta(days=1),
                      created_by_id=convener.id)
    db.session.add(pairing)
    db.session.commit()
    return Pair(community, convener, mentor, mentee, colleague, pairing)


# 23:30 UTC on 31 July is already 1 August in Taipei: another day, another school year, another semester.
LATE_EVENING_UTC = dt.datetime(2030, 7, 31, 23, 30, tzinfo=dt.UTC)


def freeze_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime = LATE_EVENING_UTC) -> dt.datetime:
    """Stop the clock at `moment` (aware, UTC) for every module of the app that reads it through
    core.database.utcnow; the server's own date (dt.date.today()) keeps running, so code reading it is caught."""
    real = database.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("workspace") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", lambda: moment)
    return moment
