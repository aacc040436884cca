"""The audit trail in words: each event as a sentence in the reader's language, naming whom or what it
acted on, in which community (and school), and the old and new value where there is one.

Events store ids (a member's user id, a thread id, a school id); the names are read when a page shows
events, for all of its events at once (`describe_events`: a fixed handful of queries, whatever the number
of rows), so a renamed member or thread reads as it is called now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from workspace.core.i18n import N_, gettext
from workspace.extensions import db

# The sentence after the actor's name. Placeholders: %(community)s "in …" phrase (the community and its
# schools), %(member)s / %(user)s a person, %(title)s / %(name)s a record, %(before)s → %(after)s values.
EVENT_MESSAGES = {
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
    "user.password_changed": N_("changed the password of %(user)s"),
    "user.reset_link_created": N_("made a password reset link for %(user)s"),
    "user.activated": N_("reactivated the account of %(user)s"),
    "user.deactivated": N_("deactivated the account of %(user)s"),
    "user.admin_granted": N_("made %(user)s a site administrator"),
    "user.admin_revoked": N_("took away the administrator rights of %(user)s"),
    "user.created": N_("created the account of %(user)s"),
    "user.approved": N_("let in the account of %(user)s before its address was confirmed"),
    "user.email_confirmed": N_("confirmed the email address of %(user)s"),
    "user.sessions_ended": N_("logged %(user)s out on %(count)s other devices"),
    "user.school_granted": N_("confirmed that %(user)s belongs to %(name)s"),
    "user.school_refused": N_("turned down the request of %(user)s to join %(name)s"),
    "school.domain_added": N_("registered the email domain %(name)s for the school %(school)s"),
    "school.domain_removed": N_("removed the email domain %(name)s of the school %(school)s"),
    "reviewer_scope.granted": N_("gave %(user)s reviewer access to %(school)s"),
    "reviewer_scope.revoked": N_("took away the reviewer access of %(user)s to %(school)s"),
    "resource.trashed": N_("moved the resource %(title)s of %(community)s to the trash"),
    "resource.restored": N_("restored the resource %(title)s of %(community)s"),
    "resource.purged": N_("deleted the resource %(title)s of %(community)s for good"),
    "discussions.category_added": N_("added the board section %(name)s to %(community)s"),
    "discussions.category_changed": N_("renamed the board section %(before)s of %(community)s to %(name)s"),
    "discussions.category_deleted": N_("removed the board section %(name)s from %(community)s"),
    "discussions.pinned": N_("pinned the thread %(title)s in %(community)s"),
    "discussions.unpinned": N_("unpinned the thread %(title)s in %(community)s"),
    "discussions.locked": N_("locked the thread %(title)s in %(community)s"),
    "discussions.unlocked": N_("unlocked the thread %(title)s in %(community)s"),
    "discussions.moved": N_("moved the thread %(title)s in %(community)s from %(before)s to %(after)s"),
    "discussions.post_edited": N_("edited post #%(number)s by %(member)s in the thread %(title)s in %(community)s"),
    "discussions.post_deleted": N_("deleted post #%(number)s by %(member)s in the thread %(title)s in "
                                   "%(community)s"),
    "discussions.post_restored": N_("restored post #%(number)s by %(member)s in the thread %(title)s in "
                                    "%(community)s"),
    "discussions.reported": N_("reported post #%(number)s by %(member)s in the thread %(title)s in %(community)s"),
    "discussions.report_resolved": N_("dealt with the report on post #%(number)s in the thread %(title)s in "
                                      "%(community)s: %(after)s"),
    "activity.cancelled": N_("cancelled the activity %(title)s of %(community)s"),
    "activity.reinstated": N_("took back the cancellation of the activity %(title)s of %(community)s"),
    "attendance.changed": N_("changed the attendance of %(member)s at %(title)s in %(community)s from %(before)s "
                             "to %(after)s"),
    "evidence.removed": N_("removed the file %(name)s from the activity %(title)s of %(community)s"),
    "evidence.restored": N_("put the file %(name)s back into the activity %(title)s of %(community)s"),
    "monthly_plan.submitted": N_("submitted the monthly plan of %(community)s for %(month)s (%(count)s activities)"),
    "plans.created": N_("started the plan %(title)s in %(community)s"),
    "plans.status_changed": N_("marked the plan %(title)s in %(community)s as %(after)s (it was %(before)s)"),
    "plans.adapted": N_("made an adaptation of the plan %(title)s in %(community)s"),
    "plans.new_round": N_("started round %(count)s of the plan %(title)s in %(community)s"),
    "plans.published": N_("published the plan %(title)s of %(community)s to the library"),
    "plans.deleted": N_("moved the plan %(title)s of %(community)s to the trash"),
    "plans.restored": N_("restored the plan %(title)s of %(community)s"),
    "plans.template_created": N_("created the plan template %(name)s in %(community)s"),
    "plans.template_deleted": N_("removed the plan template %(name)s from %(community)s"),
}

REPORT_RESOLUTIONS = {"dismissed": N_("dismissed"), "deleted": N_("the post was deleted")}


@dataclass
class EventNames:
    """The names a page's events refer to, read once for all of them."""

    users: dict[int, str] = field(default_factory=dict)
    schools: dict[int, str] = field(default_factory=dict)
    communities: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # name, school names
    threads: dict[int, str] = field(default_factory=dict)
    post_authors: dict[int, str] = field(default_factory=dict)  # post id → author's name
    invitations: dict[int, tuple[str | None, str]] = field(default_factory=dict)  # id → email, role


def _ints(values: Iterable[Any]) -> set[int]:
    return {value for value in values if isinstance(value, int) and not isinstance(value, bool)}


def load_event_names(events: Sequence[Any]) -> EventNames:
    """Read every name the events mention: one query per kind of record they name, never one per event."""
    from workspace.auth.models import User
    from workspace.communities.models import Community, Invitation, School, community_schools
    from workspace.discussions.models import Post, Thread

    names = EventNames()
    data = [(event, event.data or {}) for event in events]
    user_ids = _ints(value for _event, values in data for key in ("user_id", "old_user_id", "new_user_id")
                     for value in [values.get(key)])
    user_ids |= _ints(event.subject_id for event, _values in data if event.subject_type == "User")
    if user_ids:
        names.users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
    school_ids = _ints(values.get("school_id") for _event, values in data)
    school_ids |= _ints(event.subject_id for event, _values in data if event.subject_type == "School")
    if school_ids:
        names.schools = dict(db.session.execute(select(School.id, School.name).where(School.id.in_(school_ids))).all())
    community_ids = _ints(event.community_id for event, _values in data)
    if community_ids:
        rows = db.session.execute(
            select(Community.id, Community.name, School.name)
            .outerjoin(community_schools, community_schools.c.community_id == Community.id)
            .outerjoin(School, School.id == community_schools.c.school_id)
            .where(Community.id.in_(community_ids)).order_by(School.name)).all()
        for community_id, name, school in rows:
            entry = names.communities.setdefault(community_id, (name, []))
            if school:
                entry[1].append(school)
    thread_ids = _ints(values.get("thread") for _event, values in data)
    if thread_ids:
        names.threads = dict(db.session.execute(select(Thread.id, Thread.title).where(Thread.id.in_(thread_ids))).all())
    post_ids = _ints(event.subject_id for event, _values in data if event.subject_type == "Post")
    if post_ids:
        names.post_authors = dict(db.session.execute(
            select(Post.id, User.display_name).join(User, User.id == Post.author_id)
            .where(Post.id.in_(post_ids))).all())
    invitation_ids = _ints(event.subject_id for event, _values in data if event.subject_type == "Invitation")
    if invitation_ids:
        names.invitations = {row.id: (row.email, row.role) for row in db.session.execute(
            select(Invitation.id, Invitation.email, Invitation.role).where(Invitation.id.in_(invitation_ids)))}
    return names


def _quoted(text: Any) -> str:
    return gettext("“%(text)s”", text=text if text not in (None, "") else "…")  # 「…」 in Traditional Chinese


def _person(names: EventNames, user_id: Any) -> str:
    name = names.users.get(user_id) if isinstance(user_id, int) else None
    return _quoted(name) if name else gettext("a former user")


def _community_phrase(names: EventNames, community_id: Any) -> str:
    entry = names.communities.get(community_id) if community_id is not None else None
    if entry is None:
        return gettext("a community that no longer exists")
    name, schools = entry
    if schools:
        return gettext("%(community)s (%(schools)s)", community=_quoted(name), schools="、".join(schools))
    return _quoted(name)


def _role(value: Any) -> str:
    from workspace.communities.labels import role_label

    return role_label(value) if value else "…"


def _fields(event: Any, names: EventNames, message: str) -> dict[str, str]:
    """The values the event's sentence names, each in the reader's language."""
    data = event.data or {}
    action = event.action
    fields: dict[str, str] = {}
    wanted = {key for key in ("community", "member", "user", "title", "name", "before", "after", "school",
                              "role", "invitee", "number", "month", "count") if f"%({key})s" in message}
    if "community" in wanted:
        fields["community"] = _community_phrase(names, event.community_id)
    if "user" in wanted:
        fields["user"] = _person(names, event.subject_id)
    if "member" in wanted:
        if event.subject_type == "Post":
            author = names.post_authors.get(event.subject_id)
            fields["member"] = _quoted(author) if author else gettext("a former user")
        elif data.get("user_id") is None and data.get("name"):
            fields["member"] = _quoted(data["name"])
        else:
            fields["member"] = _person(names, data.get("user_id"))
    if "title" in wanted:
        title = data.get("title")
        if title is None and "thread" in data:
            title = names.threads.get(data["thread"])
        fields["title"] = _quoted(title)
    if "name" in wanted:
        fields["name"] = _quoted(data.get("filename") if action.startswith("evidence.") else data.get("name"))
    if "number" in wanted:
        fields["number"] = str(data.get("number") or "…")
    if "school" in wanted:
        school_id = data.get("school_id") if action.startswith("reviewer_scope.") else event.subject_id
        if action.startswith("reviewer_scope.") and school_id is None:
            fields["school"] = gettext("all schools")
        else:
            fields["school"] = _quoted(names.schools.get(school_id))
    if "role" in wanted:
        role = data.get("role")
        if role is None and event.subject_type == "Invitation":
            role = names.invitations.get(event.subject_id, (None, None))[1]
        fields["role"] = _role(role)
    if "invitee" in wanted:
        email, role = data.get("email"), data.get("role")
        if event.subject_type == "Invitation" and event.subject_id in names.invitations:
            email, role = names.invitations[event.subject_id]
        fields["invitee"] = (email if email else gettext("whoever opens a link (%(role)s)", role=_role(role)))
    if "month" in wanted:
        fields["month"] = str(data.get("month") or "…")[:7]
    if "count" in wanted:
        fields["count"] = str(data.get("round") if action == "plans.new_round" else data.get("count", "…"))
    if "before" in wanted or "after" in wanted:
        fields.update(_change(event, names, data))
    return fields


def _change(event: Any, names: EventNames, data: dict[str, Any]) -> dict[str, str]:
    """The old and the new value of a change, as the reader says them."""
    action = event.action
    if action == "membership.role_changed":
        return {"before": _role(data.get("old")), "after": _role(data.get("new") or data.get("role"))}
    if action == "community.convenership_transferred":
        return {"before": _person(names, data.get("old_user_id")), "after": _person(names, data.get("new_user_id"))}
    if action == "community.renamed_address":
        return {"before": f"/c/{data.get('old', '…')}/", "after": f"/c/{data.get('new', '…')}/"}
    if action == "membership.evaluation_flag":
        flagged = bool(data.get("flagged"))
        return {"before": gettext("Yes") if not flagged else gettext("No"),
                "after": gettext("Yes") if flagged else gettext("No")}
    if action == "attendance.changed":
        from workspace.activities.services import STATUS_LABELS

        labels = {key: STATUS_LABELS.get(data.get(key) or "") for key in ("before", "after")}
        return {key: gettext(label) if label else gettext("not marked") for key, label in labels.items()}
    if action == "plans.status_changed":
        from workspace.plans.services import STATUS_LABELS as PLAN_STATUS_LABELS

        return {key: gettext(PLAN_STATUS_LABELS[value]) if value in PLAN_STATUS_LABELS else "…"
                for key, value in (("before", data.get("before")), ("after", data.get("status")))}
    if action == "discussions.report_resolved":
        resolution = REPORT_RESOLUTIONS.get(data.get("resolution") or "")
        return {"after": gettext(resolution) if resolution else str(data.get("resolution") or "…")}
    return {key: _quoted(data.get(key)) for key in ("before", "after")}


def describe_event(event: Any, names: EventNames | None = None) -> str:
    """Say in the reader's language what an audit event records (names read now unless given)."""
    message = EVENT_MESSAGES.get(event.action)
    if message is None:
        return event.action
    names = names if names is not None else load_event_names([event])
    return gettext(message, **_fields(event, names, message))


def describe_events(events: Sequence[Any]) -> list[tuple[Any, str]]:
    """Each event with its sentence; the names of all of them read together (a fixed number of queries)."""
    names = load_event_names(events)
    return [(event, describe_event(event, names)) for event in events]
