"""Community rules: creation, settings, invitations, roles, convenership, archive; schools and reviewers.

Services take the actor explicitly, raise domain errors, flush but never commit.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, load_only

from workspace.auth.models import User
from workspace.auth.services import confirm_school_through_invitation, normalize_email, valid_email
from workspace.communities.models import (
    ASSIGNABLE_ROLES,
    ROLE_ORDER,
    Community,
    CommunityType,
    ExchangedTeacher,
    Invitation,
    Membership,
    ReviewerScope,
    Role,
    School,
    SchoolRole,
    community_schools,
)
from workspace.communities.policy import forget_memberships, in_communities, remember_memberships
from workspace.core import audit
from workspace.core.cache import community_scope, note_change
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.i18n import listing, local_date
from workspace.core.models import AuditEvent, record_event
from workspace.core.parsing import check_in_range
from workspace.core.permissions import can, scope
from workspace.core.search import fold
from workspace.core.templating import sentence_gap
from workspace.core.text import checked_line, clean_line, clean_text, has_visible_text, name_key, render_markdown
from workspace.discussions.services import add_default_categories
from workspace.extensions import db

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "login", "logout", "search", "library"})
MAX_NAME = 120
MAX_SUGGESTED_SLUG = 50  # of the 60 an address may have: room for a -2, -3 … suffix
MAX_TEXT = 20_000


# --- communities ---------------------------------------------------------------------------------


def _romanize(name: str) -> str:
    """The name in Latin letters: Chinese as toneless pinyin (Traditional read through Simplified, whose
    phrase list knows 重慶 = chong qing and 音樂 = yin yue), accents dropped, words joined by hyphens."""
    from pypinyin import lazy_pinyin

    pieces = lazy_pinyin(fold(name))  # fold: NFKC, case, Traditional → Simplified
    ascii_text = " ".join(unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode() for piece in pieces)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _shorten(slug: str, length: int) -> str:
    """Cut a slug to `length` characters at a hyphen where there is one, so no syllable is cut in two."""
    if len(slug) <= length:
        return slug
    cut = slug[:length + 1].rsplit("-", 1)[0] if "-" in slug[:length + 1] else slug[:length]
    return cut.strip("-")


def suggest_slug(name: str, *, community: Community | None = None) -> str:
    """Suggest a free, readable web address for a community name: 五年級數學社群 → wu-nian-ji-shu-xue-she-qun,
    with -2, -3 … when taken (by another community than `community`) or reserved."""
    base = _shorten(_romanize(name), MAX_SUGGESTED_SLUG)
    if len(base) < 3:  # a name of no letters, digits or Chinese (or one letter): a prefix keeps it valid
        base = f"plc-{base}" if base else f"plc-{secrets.token_hex(3)}"
    taken = set(db.session.scalars(
        select(Community.slug).where(Community.slug.startswith(base, autoescape=True),
                                     *([Community.id != community.id] if community is not None else []))))
    taken |= RESERVED_SLUGS
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def check_slug(slug: str, *, community: Community | None = None) -> str:
    """Return a valid, free slug or refuse it beside the slug field."""
    slug = clean_line(slug).lower()
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        raise ValidationError(
            str(_l("Use 3 to 60 lower-case letters, digits and hyphens (for example math-grade5).")),
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(str(_l("This address is reserved. Choose another.")), field="slug")
    taken = db.session.scalar(select(Community.id).where(Community.slug == slug))
    if taken is not None and (community is None or taken != community.id):
        raise ValidationError(str(_l("Another community already uses this address.")), field="slug")
    return slug


def find_community(slug: str) -> Community | None:
    """The community at this address, or None (callers apply the policy)."""
    return db.session.scalar(select(Community).where(Community.slug == slug[:60]))


def slug_problem(slug: str, *, community: Community | None = None) -> str | None:
    """Why this address cannot be used (by another community than `community`), or None."""
    try:
        check_slug(slug, community=community)
    except ValidationError as error:
        return error.message
    return None


def _check_name(name: str) -> str:
    name = clean_line(name)
    if not has_visible_text(name):
        raise ValidationError(str(_l("Enter a name.")), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_NAME)), field="name")
    return name


def _check_unique_name(name: str, schools: Sequence[School], *, community: Community | None = None) -> None:
    """Refuse a name that an active community of one of the same schools already has (two rows alike in the
    reviewers' list, two cards alike on the home page); communities of no school are compared among
    themselves. Archived communities keep their names: a new year's community may take an old one's."""
    query = select(Community.id, Community.name).where(Community.archived_at.is_(None))
    if community is not None and community.id is not None:
        query = query.where(Community.id != community.id)
    school_ids = [school.id for school in schools]
    linked = select(community_schools.c.community_id)
    if school_ids:
        query = query.where(Community.id.in_(linked.where(community_schools.c.school_id.in_(school_ids))))
    else:
        query = query.where(Community.id.not_in(linked))
    key = name_key(name)
    clash = next((other for _id, other in db.session.execute(query) if name_key(other) == key), None)
    if clash is None:
        return
    if school_ids:
        shared = db.session.scalars(
            select(School.name).join(community_schools, community_schools.c.school_id == School.id)
            .join(Community, Community.id == community_schools.c.community_id)
            .where(Community.name == clash, Community.archived_at.is_(None), School.id.in_(school_ids))
            .order_by(School.name)).first()
        raise ValidationError(str(_l("%(school)s already has a community called “%(name)s”. Choose another "
                                     "name, for example with the school year or the subject.",
                                     school=shared or "", name=clash)), field="name")
    raise ValidationError(str(_l("A community called “%(name)s” already exists. Choose another name, for "
                                 "example with the school year or the subject.", name=clash)), field="name")


def _check_kind(kind: str) -> str:
    if kind not in {item.value for item in CommunityType}:
        raise ValidationError(str(_l("Choose a type.")), field="kind")
    return kind


def _check_long_text(value: str, field: str) -> str:
    value = clean_text(value)
    if len(value) > MAX_TEXT:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_TEXT)), field=field)
    return value


def _schools(school_ids: Iterable[int]) -> list[School]:
    ids = {int(school_id) for school_id in school_ids}
    if not ids:
        return []
    schools = list(db.session.scalars(select(School).where(School.id.in_(ids))))
    if len(schools) != len(ids):
        raise ValidationError(str(_l("Choose schools from the list.")), field="school_ids")
    return schools


def create_community(
    *,
    actor: User,
    name: str,
    kind: str,
    slug: str,
    description: str = "",
    vision: str = "",
    school_ids: Iterable[int] = (),
) -> Community:
    """Create a community; the creator becomes its convener. An empty address is suggested from the name."""
    name = _check_name(name)
    schools = _schools(school_ids)
    _check_unique_name(name, schools)
    community = Community(
        name=name,
        kind=_check_kind(kind),
        slug=check_slug(slug) if clean_line(slug) else suggest_slug(name),
        created_by_id=actor.id,
    )
    _set_texts(community, description, vision)
    community.schools = schools
    db.session.add(community)
    db.session.flush()
    db.session.add(Membership(community_id=community.id, user_id=actor.id, role=Role.CONVENER.value))
    add_default_categories(community)
    record_event(actor, "community.created", community, community)
    db.session.flush()
    forget_memberships()
    return community


def _set_texts(community: Community, description: str, vision: str) -> None:
    community.description = _check_long_text(description, "description")
    community.description_html = str(render_markdown(community.description))
    community.vision = _check_long_text(vision, "vision")
    community.vision_html = str(render_markdown(community.vision))


def update_community(
    community: Community,
    *,
    actor: User,
    name: str,
    kind: str,
    slug: str,
    description: str,
    vision: str,
    school_ids: Iterable[int],
    school_roles: Mapping[int, str] | None = None,
    agreement_starts_on: dt.date | None = None,
    agreement_ends_on: dt.date | None = None,
) -> Community:
    """Change a community's settings (name, type, address, texts, schools).

    An urban–rural community also gets its schools' roles (`school_roles`: school id → core or member; a school
    not named is a member, a school named is one of the community's) and its agreement's term. The rules:
    exactly one core school, at least one member school, the term ending after it starts. For other types the
    roles and the term are left as they were (a community turned back into one keeps them)."""
    name = _check_name(name)
    ids = {int(school_id) for school_id in school_ids} | {int(school_id) for school_id in (school_roles or {})}
    if not ids and community.schools:
        # Its schools are how their reviewers read it and which formation rules apply: unticking them all hid an
        # enrolled community from its school's reviewer and turned a rule at risk into "not applicable".
        raise ValidationError(str(_l("Keep at least one school: the schools' reviewers and the formation rules read "
                                     "the community through its schools.")), field="school_ids")
    schools = _schools(ids)
    kind = _check_kind(kind)
    urban_rural = kind == CommunityType.URBAN_RURAL.value
    roles = (check_partnership(community, schools, school_roles or {}, agreement_starts_on, agreement_ends_on)
             if urban_rural else None)
    _check_unique_name(name, schools, community=community)
    community.name = name
    community.kind = kind
    new_slug = check_slug(slug, community=community)
    if new_slug != community.slug:
        record_event(actor, "community.renamed_address", community, community, old=community.slug, new=new_slug)
        community.slug = new_slug
    _set_texts(community, description, vision)
    community.schools = schools
    if roles is not None:
        _set_partnership(community, roles, agreement_starts_on, agreement_ends_on, actor=actor)
    return community


def archive_community(community: Community, *, actor: User) -> None:
    """Archive: the community becomes read-only and leaves the active lists (reversible)."""
    if community.archived_at is None:
        community.archived_at = utcnow()
        record_event(actor, "community.archived", community, community)


def unarchive_community(community: Community, *, actor: User) -> None:
    """Bring an archived community back, unless an active one of its schools has taken its name meanwhile."""
    if community.archived_at is not None:
        _check_unique_name(community.name, community.schools, community=community)
        community.archived_at = None
        record_event(actor, "community.unarchived", community, community)


# --- urban–rural communities: the schools' roles, the agreement's term, the exchanged teachers -----------------

MAX_TEACHER_NAME = 100  # as a person's display name
MAX_SUBJECT = 60  # as one of an activity's subjects
MAX_NOTE = 500


def school_roles_of(community: Community) -> dict[int, str]:
    """Each school of the community with its stored role, core or member (one query)."""
    return dict(db.session.execute(
        select(community_schools.c.school_id, community_schools.c.role)
        .where(community_schools.c.community_id == community.id)).all())


def check_partnership(community: Community, schools: Sequence[School], school_roles: Mapping[int, str],
                      starts_on: dt.date | None, ends_on: dt.date | None) -> dict[int, str]:
    """The roles of an urban–rural community's schools (every school: core or member), or one ValidationError
    naming each rule broken: exactly one core school, at least one member school, no school with exchanged
    teachers left out, the agreement ending after it starts (both days in the accepted years, or neither)."""
    roles = {school.id: school_roles.get(school.id, SchoolRole.MEMBER.value) for school in schools}
    checks = Checks()
    with checks:
        if any(role not in {item.value for item in SchoolRole} for role in roles.values()):
            raise ValidationError(str(_l("Choose core or member for each school.")), field="core_school_id")
        cores = [school_id for school_id, role in roles.items() if role == SchoolRole.CORE.value]
        if len(cores) != 1:
            raise ValidationError(str(_l("Choose exactly one core school.")), field="core_school_id")
    with checks:
        if not any(role == SchoolRole.MEMBER.value for role in roles.values()):
            raise ValidationError(str(_l("Choose at least one member school besides the core school.")),
                                  field="school_ids")
    if community.id is not None:
        with checks:
            kept = db.session.scalars(
                select(School.name).join(ExchangedTeacher, ExchangedTeacher.school_id == School.id)
                .where(ExchangedTeacher.community_id == community.id, School.id.not_in(list(roles) or [0]))
                .order_by(School.name)).first()
            if kept is not None:
                raise ValidationError(str(_l("%(school)s has exchanged teachers on the list: change or remove "
                                             "them before taking the school out.", school=kept)),
                                      field="school_ids")
    with checks:
        check_in_range(starts_on, "agreement_starts_on")
    with checks:
        check_in_range(ends_on, "agreement_ends_on")
        if starts_on is not None and ends_on is not None and ends_on <= starts_on:
            raise ValidationError(str(_l("The agreement must end after it starts.")), field="agreement_ends_on")
    with checks:
        # A term is both days or none: the rules count the activities within it, and half a term bounds nothing
        # the panel could state plainly.
        if (starts_on is None) != (ends_on is None):
            missing = "agreement_ends_on" if ends_on is None else "agreement_starts_on"
            raise ValidationError(str(_l("Enter both days of the agreement, or leave both empty.")), field=missing)
    checks.done()
    return roles


def _set_partnership(community: Community, roles: Mapping[int, str], starts_on: dt.date | None,
                     ends_on: dt.date | None, *, actor: User) -> None:
    """Store checked roles and term (the schools are already the community's), with their audit events."""
    db.session.flush()  # the association rows exist before their roles are set
    before = school_roles_of(community)
    core = next(school_id for school_id, role in roles.items() if role == SchoolRole.CORE.value)
    if before != dict(roles):
        db.session.execute(
            update(community_schools).where(community_schools.c.community_id == community.id)
            .values(role=case((community_schools.c.school_id == core, SchoolRole.CORE.value),
                              else_=SchoolRole.MEMBER.value)))
        note_change(community_scope(community.id))  # a Core statement: the flush hooks do not see it
        if before.get(core) != SchoolRole.CORE.value:
            record_event(actor, "community.core_school_set", db.session.get(School, core), community)
    old = (community.agreement_starts_on, community.agreement_ends_on)
    if old != (starts_on, ends_on):
        record_event(actor, "community.agreement_changed", community, community,
                     old=[day.isoformat() if day else None for day in old],
                     new=[day.isoformat() if day else None for day in (starts_on, ends_on)])
        community.agreement_starts_on, community.agreement_ends_on = starts_on, ends_on


@dataclass
class ExchangedTeacherFields:
    """What a convener types about an exchanged teacher."""

    name: str = ""
    school_id: int | None = None
    subject: str = ""
    user_id: int | None = None  # the teacher's account, when they are a member of the community
    note: str = ""


@dataclass(frozen=True)
class CheckedTeacher:
    name: str
    school_id: int
    subject: str
    user_id: int | None
    note: str


def check_exchanged_teacher(community: Community, fields: ExchangedTeacherFields) -> CheckedTeacher:
    """An exchanged teacher's fields checked, or one ValidationError naming each field refused: a name (the
    linked member's when left empty), one of the community's schools, a subject, a member now, a short note."""
    checks = Checks()
    user = None
    with checks:
        if fields.user_id is not None:
            user = db.session.scalar(
                select(User).join(Membership, Membership.user_id == User.id)
                .where(User.id == fields.user_id, Membership.community_id == community.id, Membership.live))
            if user is None:
                raise ValidationError(str(_l("Choose a member of the community.")), field="user_id")
    with checks:
        typed = fields.name if has_visible_text(clean_line(fields.name)) or user is None else user.display_name
        name = checked_line(typed, "name", MAX_TEACHER_NAME, required=True)
    with checks:
        if fields.school_id is None or fields.school_id not in {school.id for school in community.schools}:
            raise ValidationError(str(_l("Choose one of the community's schools.")), field="school_id")
    with checks:
        subject = checked_line(fields.subject, "subject", MAX_SUBJECT, required=True)
    with checks:
        note = checked_line(fields.note, "note", MAX_NOTE)
    checks.done()
    return CheckedTeacher(name=name, school_id=int(fields.school_id or 0), subject=subject,
                          user_id=user.id if user else None, note=note)


def _require_keeper(actor: User, community: Community) -> None:
    if not community.is_urban_rural:
        raise ValidationError(str(_l("Only an urban–rural education community keeps exchanged teachers.")))
    if not can(actor, "edit", community):
        raise NotAllowed(str(_l("Only the conveners keep the list of exchanged teachers.")))


def add_exchanged_teacher(community: Community, fields: ExchangedTeacherFields, *, actor: User) -> ExchangedTeacher:
    """Add an exchanged teacher to an urban–rural community's list."""
    _require_keeper(actor, community)
    checked = check_exchanged_teacher(community, fields)
    teacher = ExchangedTeacher(community_id=community.id, name=checked.name, school_id=checked.school_id,
                               subject=checked.subject, user_id=checked.user_id, note=checked.note,
                               created_by_id=actor.id)
    db.session.add(teacher)
    db.session.flush()
    record_event(actor, "community.exchanged_teacher_added", teacher, community, name=teacher.name)
    return teacher


def change_exchanged_teacher(teacher: ExchangedTeacher, fields: ExchangedTeacherFields, *, actor: User) -> None:
    """Change an exchanged teacher's name, school, subject, account or note."""
    community = teacher.community
    _require_keeper(actor, community)
    checked = check_exchanged_teacher(community, fields)
    changed = (teacher.name, teacher.school_id, teacher.subject, teacher.user_id, teacher.note) != (
        checked.name, checked.school_id, checked.subject, checked.user_id, checked.note)
    if changed:
        teacher.name, teacher.school_id, teacher.subject = checked.name, checked.school_id, checked.subject
        teacher.user_id, teacher.note = checked.user_id, checked.note
        record_event(actor, "community.exchanged_teacher_changed", teacher, community, name=teacher.name)


def remove_exchanged_teacher(teacher: ExchangedTeacher, *, actor: User) -> None:
    """Take a teacher off the list for good (the page asks first; the audit trail keeps the name)."""
    community = teacher.community
    _require_keeper(actor, community)
    record_event(actor, "community.exchanged_teacher_removed", teacher, community, name=teacher.name)
    db.session.delete(teacher)
    db.session.flush()


def uncovered_member_schools(schools: Sequence[Any], teachers: Sequence[Any]) -> list[Any]:
    """The member schools (rows with `school_id` and `role`) that no exchanged teacher (rows with `school_id`)
    comes from: what the funder's "every member school covered" still misses, in the order given."""
    covered = {teacher.school_id for teacher in teachers}
    return [school for school in schools if school.role == SchoolRole.MEMBER.value and school.school_id not in covered]


# --- members -------------------------------------------------------------------------------------


def _role_rank() -> Any:
    return case({role.value: rank for role, rank in ROLE_ORDER.items()}, value=Membership.role, else_=99)


def _members_query(community: Community) -> Any:
    return (
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .options(contains_eager(Membership.user))
        .where(Membership.community_id == community.id, Membership.live)
        .order_by(_role_rank(), User.display_name, User.id)
    )


def active_members(community: Community) -> list[Membership]:
    """Active memberships, convener first, then by role and name (one query, users loaded)."""
    return list(db.session.scalars(_members_query(community)))


def earlier_stints(community: Community) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """The ended stints of the people who are members now, by person, oldest first (one query): the members page
    says when someone who came back was a member before. A stint of no length (folded by a migration) is none."""
    live = select(Membership.user_id).where(Membership.community_id == community.id, Membership.live)
    stints: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for user_id, joined_at, left_at in db.session.execute(
            select(Membership.user_id, Membership.joined_at, Membership.left_at)
            .where(Membership.community_id == community.id, ~Membership.live, Membership.user_id.in_(live),
                   Membership.left_at > Membership.joined_at)
            .order_by(Membership.user_id, Membership.joined_at, Membership.id)):
        stints.setdefault(user_id, []).append((joined_at, left_at))
    return stints


def member_preview(community: Community, limit: int = 12) -> tuple[list[Membership], int]:
    """The first members to show on the community home, and how many there are (one query)."""
    total = func.count().over().label("total")
    rows = db.session.execute(_members_query(community).add_columns(total).limit(limit)).all()
    return [row[0] for row in rows], (rows[0].total if rows else 0)


def member_counts(community_ids: Sequence[int]) -> dict[int, int]:
    """Active member count per community, in one query."""
    if not community_ids:
        return {}
    rows = db.session.execute(
        select(Membership.community_id, func.count(Membership.id))
        .where(Membership.community_id.in_(community_ids), Membership.live)
        .group_by(Membership.community_id)
    )
    return {community_id: count for community_id, count in rows}


def _check_grant(actor: User, community: Community, role: str) -> None:
    """Refuse a role the actor may not give (only the convener and site admins make co-conveners)."""
    if not can(actor, f"grant_{role}", community):
        if role == Role.CO_CONVENER.value:
            raise NotAllowed(str(_l("Only the convener can make someone a co-convener.")), field="role")
        raise NotAllowed(str(_l("You cannot give this role.")), field="role")


def _membership_for_update(membership: Membership) -> Membership:
    if not membership.live:
        raise ValidationError(str(_l("This person is no longer a member.")))
    return membership


def change_role(membership: Membership, role: str, *, actor: User) -> None:
    """Give a member another role; convenership moves only by transfer."""
    _membership_for_update(membership)
    if role == Role.CONVENER.value:
        raise ValidationError(str(_l("Use “Transfer the convenership” to make someone the convener.")), field="role")
    if role not in {item.value for item in ASSIGNABLE_ROLES}:
        raise ValidationError(str(_l("Choose a role.")), field="role")
    if membership.role == Role.CONVENER.value:
        raise NotAllowed(str(_l("The convener's role changes only by transferring the convenership.")))
    if membership.role != role:
        # The policy decides who grants which role: taking co-convener away is the convener's, too.
        if not can(actor, "change_role", membership):
            raise NotAllowed(str(_l("Only the convener can change a co-convener's role.")))
        _check_grant(actor, membership.community, role)
        record_event(actor, "membership.role_changed", membership, membership.community,
                     user_id=membership.user_id, old=membership.role, new=role)
        membership.role = role
        forget_memberships()


def set_evaluation_flag(membership: Membership, flagged: bool, *, actor: User) -> None:
    """Flag (or unflag) a member as taking part in the teacher-evaluation programme."""
    _membership_for_update(membership)
    if membership.in_evaluation_programme != flagged:
        membership.in_evaluation_programme = flagged
        record_event(actor, "membership.evaluation_flag", membership, membership.community,
                     user_id=membership.user_id, flagged=flagged)


# Sent when a member leaves or is removed (the membership, `actor=`), inside the transaction: other areas end what
# the person took part in (mentoring ends their pairings) without this area knowing them.
member_departed = Namespace().signal("communities.member-departed")


# Asked when a members page is drawn (`community`, `user_ids=`: its members; `own=`: the reader is the one leaving,
# for Leave's confirmation): an area that ends what a
# person took part in when they leave (mentoring: their pairings) answers {user id: [sentence, …]} in the reader's
# language, so that "Remove … from the community?" says what else ends (QA: a mentor's removal ended a two-year
# pairing without a word).
departure_asked = Namespace().signal("communities.departure-asked")


def departure_notes(community: Community, user_ids: Iterable[int], *, own: bool = False) -> dict[int, str]:
    """What removing each of these members would also end, one text per person who has something (the areas'
    sentences one after the other, as the reader's language writes them), for the confirmation of Remove; `own`:
    worded for the person leaving themselves ("your pairing"), for the confirmation of Leave."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    said: dict[int, list[str]] = {}
    for _receiver, answer in departure_asked.send(community, user_ids=ids, own=own):
        for user_id, sentences in (answer or {}).items():
            said.setdefault(user_id, []).extend(sentences)
    return {user_id: sentence_gap().join(sentences) for user_id, sentences in said.items() if sentences}


def remove_member(membership: Membership, *, actor: User) -> None:
    """Remove a member (the row stays, marked left, so past records keep their names)."""
    _membership_for_update(membership)
    if membership.role == Role.CONVENER.value:
        raise NotAllowed(str(_l("Transfer the convenership before removing the convener.")))
    membership.left_at = utcnow()
    record_event(actor, "membership.removed", membership, membership.community, user_id=membership.user_id)
    forget_memberships()
    member_departed.send(membership, actor=actor)


def leave_community(membership: Membership, *, actor: User) -> None:
    """Leave a community oneself; the convener must first hand the convenership on."""
    _membership_for_update(membership)
    if membership.role == Role.CONVENER.value:
        raise NotAllowed(
            str(_l("You are the convener. Transfer the convenership to another member before you leave."))
        )
    membership.left_at = utcnow()
    record_event(actor, "membership.left", membership, membership.community, user_id=membership.user_id)
    forget_memberships()
    member_departed.send(membership, actor=actor)


def transfer_convenership(community: Community, new_convener: Membership, *, actor: User) -> None:
    """Make another member the convener; the former convener stays on as co-convener."""
    _membership_for_update(new_convener)
    if new_convener.community_id != community.id:
        raise ValidationError(str(_l("Choose a member of this community.")), field="membership_id")
    current = db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id,
            Membership.role == Role.CONVENER.value,
            Membership.live,
        )
    )
    if current is not None and current.id == new_convener.id:
        raise ValidationError(str(_l("This member is already the convener.")), field="membership_id")
    if current is not None:
        current.role = Role.CO_CONVENER.value
        db.session.flush()  # free the one-convener slot before taking it
    new_convener.role = Role.CONVENER.value
    db.session.flush()
    record_event(actor, "community.convenership_transferred", community, community,
                 old_user_id=current.user_id if current else None, new_user_id=new_convener.user_id)
    forget_memberships()


def add_member(community: Community, user: User, role: str) -> Membership:
    """Add a person with a role; an active member keeps their place and role. One who left comes back in a new
    row (a new stint): the row of their earlier stint keeps its dates, so what was counted then stays counted."""
    def live() -> Membership | None:
        return db.session.scalar(select(Membership).where(
            Membership.community_id == community.id, Membership.user_id == user.id, Membership.live))

    membership = live()
    if membership is not None:
        return membership
    # One who comes back is still in the teacher-evaluation programme if they were when they left (QA: the flag fell
    # to No, and the formation rule "two members in the programme" turned behind without a word); the convener can
    # untick it on their row.
    earlier = db.session.scalar(
        select(Membership.in_evaluation_programme)
        .where(Membership.community_id == community.id, Membership.user_id == user.id)
        .order_by(Membership.joined_at.desc(), Membership.id.desc()).limit(1))
    membership = Membership(community_id=community.id, user_id=user.id, role=role,
                            in_evaluation_programme=bool(earlier))
    try:
        with db.session.begin_nested():
            db.session.add(membership)
            db.session.flush()
    except IntegrityError:  # let in by another request meanwhile (uq_memberships_one_live): that place is theirs
        membership = live()
        if membership is None:
            raise
    forget_memberships()
    return membership


# --- invitations ---------------------------------------------------------------------------------


def create_invitation(
    community: Community,
    *,
    actor: User,
    role: str,
    email: str | None = None,
    single_use: bool = True,
    days: int = 14,
) -> Invitation:
    """Invite by email (single use) or make a shareable link (single- or multi-use) with a role and expiry."""
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    if role not in {item.value for item in ASSIGNABLE_ROLES}:
        raise ValidationError(str(_l("Choose a role.")), field="role")
    _check_grant(actor, community, role)
    if not 1 <= days <= 90:
        raise ValidationError(str(_l("Choose between 1 and 90 days.")), field="days")
    address = valid_email(email) if email else None
    if address:
        single_use = True
        existing = db.session.scalar(
            select(Membership.id)
            .join(User, Membership.user_id == User.id)
            .where(Membership.community_id == community.id, Membership.live, User.email == address)
        )
        if existing is not None:
            raise ValidationError(str(_l("This person is already a member.")), field="email")
        # A second press of Create (the address still in the field) sent the same person a second invitation.
        waiting = db.session.scalar(select(Invitation).where(
            Invitation.community_id == community.id, Invitation.email == address, Invitation.revoked_at.is_(None),
            Invitation.use_count == 0, Invitation.expires_at > utcnow()).limit(1))
        if waiting is not None:
            raise ValidationError(str(_l("An invitation to this address is already waiting, until %(date)s. Revoke "
                                         "it first to send another.", date=local_date(waiting.expires_at))),
                                  field="email")
    invitation = Invitation(
        community_id=community.id,
        token=secrets.token_urlsafe(24),
        email=address,
        role=role,
        single_use=single_use,
        expires_at=utcnow() + dt.timedelta(days=days),
        created_by_id=actor.id,
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(actor, "invitation.created", invitation, community, role=role, email=address,
                 single_use=single_use)
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation for a token, whatever its state, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token == token))


def invitation_problem(invitation: Invitation | None, user: User | None = None) -> str | None:
    """Say why this invitation cannot be used (by this user), or None when it can."""
    if invitation is None:
        return str(_l("This invitation link is not valid. Ask the convener for a new one."))
    if invitation.revoked_at is not None:
        return str(_l("This invitation was withdrawn. Ask the convener for a new one."))
    if invitation.is_used_up:
        return str(_l("This invitation has already been used. Ask the convener for a new one."))
    if invitation.is_expired():
        return str(_l("This invitation has expired. Ask the convener for a new one."))
    if invitation.community.archived_at is not None:
        return str(_l("This community is archived and takes no new members."))
    if invitation.created_by is None or not can(invitation.created_by, f"grant_{invitation.role}",
                                                 invitation.community):
        # An invitation speaks for the person who made it: it gives no role they could not give now.
        return str(_l("This invitation is no longer valid. Ask the convener for a new one."))
    if user is not None and invitation.email and normalize_email(user.email) != invitation.email:
        return str(_l("This invitation was sent to %(email)s. Log in with that address to accept it.",
                      email=mask_email(invitation.email)))
    return None


def mask_email(email: str) -> str:
    """Show enough of an address to recognise it, not enough to harvest it."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}…@{domain}"


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Join the community through an invitation; a member who is already in keeps their place."""
    problem = invitation_problem(invitation, user)
    if problem:
        raise ValidationError(problem)
    already = db.session.scalar(
        select(Membership).where(
            Membership.community_id == invitation.community_id,
            Membership.user_id == user.id,
            Membership.live,
        )
    )
    if already is not None:
        return already
    # Counted in the database: of two people taking a single-use link at once, the second is refused.
    if not advance(invitation, "use_count", expected=0 if invitation.single_use else None):
        raise ValidationError(str(_l("This invitation has already been used. Ask the convener for a new one.")))
    membership = add_member(invitation.community, user, invitation.role)
    record_event(user, "invitation.accepted", invitation, invitation.community, role=invitation.role)
    # A convener's invitation vouches for the person: the school they asked for, if it is one of the community's,
    # is now theirs.
    confirm_school_through_invitation(user, invitation.community, invitation.role)
    return membership


def pending_invitation(user: User) -> Invitation | None:
    """The invitation a person signed up through while the site sends no email, until they are let in."""
    return db.session.get(Invitation, user.pending_invitation_id) if user.pending_invitation_id else None


def accept_pending_invitation(user: User) -> tuple[Membership | None, str | None]:
    """When an administrator lets in an account that signed up through an invitation: join its community (the
    person was left on "not in a community yet", to find the link again). Answers the membership, or why the
    invitation could not be used (withdrawn, expired, used up meanwhile); the invitation is forgotten either way."""
    invitation = pending_invitation(user)
    user.pending_invitation_id = None
    if invitation is None:
        return None, None
    try:
        return accept_invitation(invitation, user), None
    except ValidationError as error:
        return None, error.message


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    """Withdraw an invitation so its link stops working."""
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_event(actor, "invitation.revoked", invitation, invitation.community)


def open_invitations(community: Community) -> list[Invitation]:
    """Invitations that can still be used, newest first."""
    now = utcnow()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.community_id == community.id, Invitation.revoked_at.is_(None),
               Invitation.expires_at > now)
        .order_by(Invitation.created_at.desc())
    ).all()
    return [invitation for invitation in invitations if not invitation.is_used_up]


def recent_events(community: Community, limit: int = 20) -> list[AuditEvent]:
    """The community's latest audit events, actors loaded in the same query."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.community_id == community.id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


# --- the user's communities ----------------------------------------------------------------------


# What a card or a list row shows: the long texts stay in the database.
CARD_COLUMNS = (Community.id, Community.name, Community.slug, Community.kind, Community.archived_at)


@dataclass(frozen=True)
class CommunityCard:
    community: Community
    role: str | None
    member_count: int

    @property
    def school_names(self) -> str:
        return listing(school.name for school in self.community.schools)


def communities_of(user: User, *, include_archived: bool = False) -> list[CommunityCard]:
    """The user's communities with their role and member count (a fixed number of queries)."""
    query = (
        select(Community, Membership)
        .options(load_only(*CARD_COLUMNS))
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user.id, Membership.live)
        .order_by(Community.archived_at.is_not(None), Community.name)
    )
    if not include_archived:
        query = query.where(Community.archived_at.is_(None))
    rows = db.session.execute(query).all()
    remember_memberships(user, [membership for _community, membership in rows])  # the policy asks them again
    counts = member_counts([community.id for community, _membership in rows])
    return [CommunityCard(community, membership.role, counts.get(community.id, 0)) for community, membership in rows]



# --- schools and reviewers (site administration) -------------------------------------------------


def save_school(
    school: School | None, *, actor: User, name: str, class_count: int, in_evaluation_programme: bool
) -> School:
    """Create or update a school; names are unique, whatever their script, width, case or spaces."""
    name = clean_line(name)
    if not has_visible_text(name):
        raise ValidationError(str(_l("Enter a name.")), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_NAME)), field="name")
    if class_count < 0 or class_count > 1000:
        raise ValidationError(str(_l("Enter a number between 0 and 1000.")), field="class_count")
    # Told apart as people tell names apart (name_key): 光华国小 typed in Simplified is the 光華國小 already listed.
    key = name_key(name)
    clash = next((other for other_id, other in db.session.execute(select(School.id, School.name))
                  if name_key(other) == key and (school is None or other_id != school.id)), None)
    if clash is not None:
        raise ValidationError(str(_l("A school called “%(name)s” already exists.", name=clash)), field="name")
    if school is None:
        school = School()
        db.session.add(school)
    school.name, school.class_count = name, class_count
    school.in_evaluation_programme = in_evaluation_programme
    db.session.flush()
    record_event(actor, "school.saved", school)
    return school


def grant_reviewer_scope(user: User, school: School | None, *, actor: User) -> ReviewerScope:
    """Let a user review the communities of one school, or of all schools (school None)."""
    school_id = school.id if school else None
    existing = db.session.scalar(
        select(ReviewerScope).where(
            ReviewerScope.user_id == user.id,
            ReviewerScope.school_id.is_(None) if school_id is None else ReviewerScope.school_id == school_id,
        )
    )
    if existing is not None:
        return existing
    scope = ReviewerScope(user_id=user.id, school_id=school_id, granted_by_id=actor.id)
    db.session.add(scope)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ValidationError(str(_l("This scope is already granted."))) from None
    record_event(actor, "reviewer_scope.granted", user, school_id=school_id)
    return scope


def revoke_reviewer_scope(scope: ReviewerScope, *, actor: User) -> None:
    """Take a reviewer scope away."""
    record_event(actor, "reviewer_scope.revoked", scope.user, school_id=scope.school_id)
    db.session.delete(scope)



def membership_for(community: Community, user: User) -> Membership | None:
    """The user's active membership in the community, or None."""
    return db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id,
            Membership.user_id == user.id,
            Membership.live,
        )
    )


def recent_events_for_user(user: User, community_ids: Sequence[int], limit: int = 12) -> list[AuditEvent]:
    """What happened lately in the user's communities (one query, actors and communities loaded): the whole
    trail of the communities they manage, and of the others only the news they may read (audit.register_news)."""
    from sqlalchemy.orm import joinedload

    if not community_ids:
        return []
    readable = in_communities(AuditEvent.community_id, user, "view_audit") | audit.news_condition(user)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor).load_only(User.id, User.display_name),
                     joinedload(AuditEvent.community).load_only(*CARD_COLUMNS))
            .where(AuditEvent.community_id.in_(community_ids), readable)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ReviewRow:
    community: Community
    member_count: int
    evaluation_count: int
    convener: User | None


def review_rows(viewer: Any) -> list[ReviewRow]:
    """One row per community the viewer reviews (every one for a site administrator): size,
    evaluation-programme members, convener."""
    communities = db.session.scalars(select(Community).where(scope(viewer, "review", Community))
                                     .order_by(Community.archived_at.is_not(None), Community.name)).all()
    ids = [community.id for community in communities]
    if not ids:
        return []
    counts = member_counts(ids)
    flagged = dict(
        db.session.execute(
            select(Membership.community_id, func.count(Membership.id))
            .where(Membership.community_id.in_(ids), Membership.live,
                   Membership.in_evaluation_programme.is_(True))
            .group_by(Membership.community_id)
        ).all()
    )
    conveners = {
        membership.community_id: membership.user
        for membership in db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.user))
            .where(Membership.community_id.in_(ids), Membership.live,
                   Membership.role == Role.CONVENER.value)
        )
    }
    return [
        ReviewRow(community, counts.get(community.id, 0), flagged.get(community.id, 0), conveners.get(community.id))
        for community in communities
    ]
