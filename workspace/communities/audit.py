"""What the audit trail says of communities, memberships, invitations, schools and reviewer scopes: their
sentences, the records they name, and the roles in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from workspace.communities.labels import role_label
from workspace.communities.models import Community, Invitation, School, community_schools
from workspace.core import audit
from workspace.core.i18n import N_, gettext, local_date
from workspace.extensions import db

MESSAGES = {
    "community.created": N_("created the community %(community)s"),
    "community.archived": N_("archived the community %(community)s"),
    "community.unarchived": N_("brought the community %(community)s back from the archive"),
    "community.renamed_address": N_("changed the web address of %(community)s from %(before)s to %(after)s"),
    "community.convenership_transferred": N_("handed the convenership of %(community)s from %(before)s to "
                                             "%(after)s"),
    "membership.role_changed": N_("changed the role of %(member)s in %(community)s from %(before)s to %(after)s"),
    "membership.evaluation_flag": N_("changed whether %(member)s takes part in the evaluation programme, in "
                                     "%(community)s, from %(before)s to %(after)s"),
    "membership.removed": N_("removed %(member)s from %(community)s"),
    "membership.left": N_("left %(community)s"),
    "invitation.created": N_("invited %(invitee)s to %(community)s as %(role)s"),
    "invitation.accepted": N_("joined %(community)s as %(role)s"),
    "invitation.revoked": N_("withdrew the invitation of %(invitee)s to %(community)s"),
    "school.saved": N_("saved the school %(school)s"),
    "school.domain_added": N_("registered the email domain %(name)s for the school %(school)s"),
    "school.domain_removed": N_("removed the email domain %(name)s of the school %(school)s"),
    "reviewer_scope.granted": N_("gave %(user)s reviewer access to %(school)s"),
    "reviewer_scope.revoked": N_("took away the reviewer access of %(user)s to %(school)s"),
    "community.core_school_set": N_("made %(school)s the core school of %(community)s"),
    "community.agreement_changed": N_("changed the agreement term of %(community)s from %(before)s to %(after)s"),
    "community.exchanged_teacher_added": N_("added %(name)s to the exchanged teachers of %(community)s"),
    "community.exchanged_teacher_changed": N_("changed the exchanged teacher %(name)s of %(community)s"),
    "community.exchanged_teacher_removed": N_("removed %(name)s from the exchanged teachers of %(community)s"),
}


def _role_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    return {"before": audit.label("role", data.get("old")),
            "after": audit.label("role", data.get("new") or data.get("role"))}


def _convener_change(data: dict[str, Any], names: audit.EventNames) -> dict[str, str]:
    return {"before": audit.person(names, data.get("old_user_id")),
            "after": audit.person(names, data.get("new_user_id"))}


def _address_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    return {"before": f"/c/{data.get('old', '…')}/", "after": f"/c/{data.get('new', '…')}/"}


def _evaluation_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    flagged = bool(data.get("flagged"))
    return {"before": gettext("Yes") if not flagged else gettext("No"),
            "after": gettext("Yes") if flagged else gettext("No")}


def _term(days: Any) -> str:
    """An agreement term as the reader writes dates ("not set" for a term without days)."""
    first, last = [*days, None, None][:2] if isinstance(days, list | tuple) else (None, None)
    if not first and not last:
        return gettext("not set")
    return gettext("%(first)s to %(last)s", first=_day(first), last=_day(last))


def _day(value: str | None) -> str:
    try:
        return local_date(dt.date.fromisoformat(value)) if value else "…"
    except ValueError:
        return "…"


def _term_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    return {"before": _term(data.get("old")), "after": _term(data.get("new"))}


CHANGES = {
    "community.agreement_changed": _term_change,
    "membership.role_changed": _role_change,
    "community.convenership_transferred": _convener_change,
    "community.renamed_address": _address_change,
    "membership.evaluation_flag": _evaluation_change,
}


def school_names(ids: set[int]) -> Mapping[int, str]:
    """The names of these schools (one query)."""
    return dict(db.session.execute(select(School.id, School.name).where(School.id.in_(ids))).all())


def community_names(ids: set[int]) -> Mapping[int, tuple[str, list[str]]]:
    """Each community's name and its schools' names, by school name (one query)."""
    names: dict[int, tuple[str, list[str]]] = {}
    rows = db.session.execute(
        select(Community.id, Community.name, School.name)
        .outerjoin(community_schools, community_schools.c.community_id == Community.id)
        .outerjoin(School, School.id == community_schools.c.school_id)
        .where(Community.id.in_(ids)).order_by(School.name)).all()
    for community_id, name, school in rows:
        entry = names.setdefault(community_id, (name, []))
        if school:
            entry[1].append(school)
    return names


def invitation_names(ids: set[int]) -> Mapping[int, tuple[str | None, str]]:
    """Each invitation's address (None for a link) and role (one query)."""
    return {row.id: (row.email, row.role) for row in db.session.execute(
        select(Invitation.id, Invitation.email, Invitation.role).where(Invitation.id.in_(ids)))}


def register() -> None:
    """Give the trail this area's sentences, records and roles."""
    audit.register_messages(MESSAGES, CHANGES)
    audit.register_subject("community", community_names)
    audit.register_subject("school", school_names, subject_type="School", data_keys=("school_id",))
    audit.register_subject("invitation", invitation_names, subject_type="Invitation")
    audit.register_label("role", role_label)
    # What every member reads on their home page; the rest of the trail (roles, removals, invitations) is the
    # managers'.
    audit.register_news(("community.created", "community.archived", "community.unarchived",
                         "community.renamed_address", "community.convenership_transferred", "invitation.accepted",
                         "membership.left"), audit.everyone)
    audit.register_target("Community", "communities.show")
    audit.register_target("Membership", "communities.members")
