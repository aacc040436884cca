"""Viewer-free reads of communities' members over time, their schools (with an urban–rural community's roles)
and exchanged teachers, for compliance, exports and the other areas.

Communities and a Period (core/records.py: first and last day included, local time) in, frozen rows out,
in one query whatever the number of members. A membership counts for the period when it shares a moment
with it: joined before the period ended and left (if at all) after it began. A person who left and came back has
a row per stint; the reads answer one row per person and community, with the stints of the period (`stints`), so
a person is counted once and is a member only within a stint. Nothing here checks who asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, case, func, literal, select

from workspace.auth.models import User, title_level
from workspace.communities.models import (
    OWN_SCHOOL,
    Community,
    CommunityType,
    ExchangedTeacher,
    Membership,
    School,
    SchoolRole,
    community_schools,
)
from workspace.core.i18n import LOCALES
from workspace.core.permissions import CONTRIBUTORS
from workspace.core.records import Period
from workspace.extensions import db


@dataclass(frozen=True)
class MemberDuring:
    """A person who was a member of a community at some moment of the period, with their role.

    One per person: `joined_at` is the start of their first stint read, `left_at` the end of their last (None: a
    member still), `role` and `in_evaluation_programme` those of the last; `stints` every (joined_at, left_at) read,
    oldest first (one for most people; a gap between two is not membership)."""

    community_id: int
    user_id: int
    display_name: str
    school_id: int | None
    role: str
    in_evaluation_programme: bool
    joined_at: dt.datetime
    left_at: dt.datetime | None  # None: a member still
    title: str = "none"  # the person's professional title (auth.models.Title): none, junior … professor
    subjects: tuple[str, ...] = ()  # the subjects they teach, as they typed them
    stints: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()  # empty: the one (joined_at, left_at)

    @property
    def spans(self) -> tuple[tuple[dt.datetime, dt.datetime | None], ...]:
        """Their stints, oldest first: (joined_at, left_at or None)."""
        return self.stints or ((self.joined_at, self.left_at),)

    @property
    def current(self) -> bool:
        return self.left_at is None

    @property
    def title_level(self) -> int:
        """The title's level, 0 (none) to 4 (professor-level): "intermediate or above" is `title_level >= 2`."""
        return title_level(self.title)

    def member_at(self, moment: dt.datetime) -> bool:
        """Whether they were a member at `moment`: within one of their stints (joined by then, not yet left)."""
        return any(joined <= moment and (left is None or left > moment) for joined, left in self.spans)


def _members() -> Select:
    return (select(Membership.community_id, Membership.user_id, User.display_name, User.school_id, Membership.role,
                   Membership.in_evaluation_programme, Membership.joined_at, Membership.left_at, User.title,
                   User.subjects)
            .join(User, User.id == Membership.user_id))


def _people(rows) -> list[MemberDuring]:
    """One MemberDuring per community and person from rows of `_members()` ordered by community, name, person and
    joined_at (their stints side by side), in that order."""
    people: list[MemberDuring] = []
    stints: list[tuple[dt.datetime, dt.datetime | None]] = []
    for row in rows:
        community_id, user_id, name, school_id, role, flagged, joined_at, left_at, title, subjects = row
        if not stints or people[-1].community_id != community_id or people[-1].user_id != user_id:
            stints = []
            first = joined_at
        else:
            people.pop()
            first = stints[0][0]
        stints.append((joined_at, left_at))
        people.append(MemberDuring(community_id, user_id, name, school_id, role, flagged, first, left_at,
                                   title=title, subjects=tuple(subjects or ()), stints=tuple(stints)))
    return people


def members_during(community_ids: Collection[int], period: Period) -> list[MemberDuring]:
    """Everyone who was a member of these communities during the period, departed ones included (one query).

    By community, then name. A person who left before the period began or joined after it ended is not
    listed; one who left during it is, with `left_at` (a rule counts a member who left for the time they
    were one).
    """
    return _people(db.session.execute(
        _members()
        .where(Membership.community_id.in_(list(community_ids)),
               period.overlaps(Membership.joined_at, Membership.left_at))
        .order_by(Membership.community_id, User.display_name, Membership.user_id, Membership.joined_at,
                  Membership.id)))


def members_ever(community_ids: Collection[int], roles: Collection[str] | None = None) -> list[MemberDuring]:
    """Everyone who was ever a member of these communities (of these roles: the stints they held one of), with all
    their stints, by community, then name (one query): for a read that asks of each record whether its person
    was a member at its moment (`member_at`)."""
    query = _members().where(Membership.community_id.in_(list(community_ids)))
    if roles is not None:
        query = query.where(Membership.role.in_(sorted(roles)))
    return _people(db.session.execute(query.order_by(
        Membership.community_id, User.display_name, Membership.user_id, Membership.joined_at, Membership.id)))


def current_members(community_ids: Collection[int], roles: Collection[str] | None = None) -> list[MemberDuring]:
    """The members of these communities now (not departed; of these roles when given: the conveners), by
    community, then name (one query)."""
    query = _members().where(Membership.community_id.in_(list(community_ids)), Membership.live)
    if roles is not None:
        query = query.where(Membership.role.in_(sorted(roles)))
    return _people(db.session.execute(query.order_by(Membership.community_id, User.display_name,
                                                     Membership.user_id)))


# Not a period read: the people of a community now, as the forms and @-mentions need them (the accounts).
def contributing_members(community: Community) -> list[User]:
    """The people who write the community's material (not guest experts), with active accounts, by name:
    whom an @ can name, who can lead a plan, teach it or be assigned a section (one query)."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.live,
               Membership.role.in_(CONTRIBUTORS), User.active.is_(True))
        .order_by(User.display_name)))


@dataclass(frozen=True)
class CommunityRow:
    """A community's name and type, for the rules and reports that name it; an urban–rural community's
    agreement term (first and last local day, both included; None until its settings give them)."""

    id: int
    name: str
    slug: str
    kind: str
    archived_at: dt.datetime | None
    agreement_starts_on: dt.date | None = None
    agreement_ends_on: dt.date | None = None

    @property
    def is_urban_rural(self) -> bool:
        """Whether it is an urban–rural education community (a core school and member schools, an agreement)."""
        return self.kind == CommunityType.URBAN_RURAL.value


def communities(community_ids: Collection[int]) -> list[CommunityRow]:
    """The communities with these ids, archived ones included, by id (one query)."""
    return [CommunityRow(*row) for row in db.session.execute(
        select(Community.id, Community.name, Community.slug, Community.kind, Community.archived_at,
               Community.agreement_starts_on, Community.agreement_ends_on)
        .where(Community.id.in_(list(community_ids))).order_by(Community.id))]


@dataclass(frozen=True)
class CommunitySchool:
    """A school a community belongs to, with what the formation rules read of it, and its role: "own" for the
    school of any community but an urban–rural one, whose schools are "core" (one) or "member"."""

    community_id: int
    school_id: int
    name: str
    class_count: int
    in_evaluation_programme: bool
    role: str = OWN_SCHOOL


def schools_of(community_ids: Collection[int]) -> list[CommunitySchool]:
    """The schools of these communities, by community, the core school first, then by school name (one query)."""
    role = case((Community.kind == CommunityType.URBAN_RURAL.value, community_schools.c.role),
                else_=literal(OWN_SCHOOL))
    core_first = case((role == SchoolRole.CORE.value, 0), else_=1)
    return [CommunitySchool(*row) for row in db.session.execute(
        select(community_schools.c.community_id, School.id, School.name, School.class_count,
               School.in_evaluation_programme, role)
        .join(School, School.id == community_schools.c.school_id)
        .join(Community, Community.id == community_schools.c.community_id)
        .where(community_schools.c.community_id.in_(list(community_ids)))
        .order_by(community_schools.c.community_id, core_first, School.name, School.id))]


@dataclass(frozen=True)
class ExchangedTeacherRow:
    """An exchanged teacher of an urban–rural community (交流教師): name, school, subject, the linked account."""

    id: int
    community_id: int
    name: str
    school_id: int
    school_name: str
    subject: str
    user_id: int | None  # the member's account, when the convener linked one
    user_name: str | None
    note: str


def exchanged_teachers(community_ids: Collection[int]) -> list[ExchangedTeacherRow]:
    """The exchanged teachers of these communities, by community, school name, then name (one query).

    Whatever the community's type now: a community turned from urban–rural into another type keeps its list,
    and the caller decides whether it counts."""
    return [ExchangedTeacherRow(*row) for row in db.session.execute(
        select(ExchangedTeacher.id, ExchangedTeacher.community_id, ExchangedTeacher.name, ExchangedTeacher.school_id,
               School.name, ExchangedTeacher.subject, ExchangedTeacher.user_id, User.display_name,
               ExchangedTeacher.note)
        .join(School, School.id == ExchangedTeacher.school_id)
        .outerjoin(User, User.id == ExchangedTeacher.user_id)
        .where(ExchangedTeacher.community_id.in_(list(community_ids)))
        .order_by(ExchangedTeacher.community_id, School.name, ExchangedTeacher.name, ExchangedTeacher.id))]


def records_language(community_id: int) -> str:
    """The language of what the app writes into the community's records itself (the activity a meeting log, an
    observation or a public lesson records, which the funder reads): the one most of its members read, a member who
    chose none reading the deployment's default; the default on a tie with it (one query). Not the writer's own:
    a mentor reading English made 「New-teacher mentoring: 黃美玲」 in a Chinese community's records."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    counts: dict[str, int] = {}
    for locale, count in db.session.execute(
            select(User.locale, func.count()).join(Membership, Membership.user_id == User.id)
            .where(Membership.community_id == community_id, Membership.live).group_by(User.locale)):
        language = locale if locale in LOCALES else default
        counts[language] = counts.get(language, 0) + count
    if not counts:
        return default
    most = max(counts.values())
    return default if counts.get(default) == most else min(language for language, n in counts.items() if n == most)
