"""Load a community (or one of its memberships) for a route and apply the policy in one step.

Every area's routes start with load_community(slug): outsiders get 404, as if it did not exist.
"""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workspace.communities.models import Community, ExchangedTeacher, Invitation, Membership
from workspace.communities.policy import changes_community
from workspace.core.permissions import can, deny, require
from workspace.extensions import db


def load_community(slug: str, action: str = "view") -> Community:
    """Return the community at /c/<slug>/ if the user may see it (else 404) and do `action` (else 403)."""
    community = db.session.scalar(select(Community).where(Community.slug == slug))
    if community is None:
        abort(404)
    require(can(current_user, "view", community), hide=True)
    if action != "view" and not can(current_user, action, community):
        if community.archived_at is not None and changes_community(action):
            # Not "ask the convener": the convener is refused too, until they bring it back.
            deny(reason=_("This community is archived: it can be read, not changed. Its convener can bring it "
                          "back from its settings."))
        deny()
    return community


def load_membership(community: Community, membership_id: int) -> Membership:
    """Return a membership of this community by id, or 404."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community.id:
        abort(404)
    return membership


def load_invitation(community: Community, invitation_id: int) -> Invitation:
    """Return an invitation of this community by id, or 404."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.community_id != community.id:
        abort(404)
    return invitation


def load_exchanged_teacher(community: Community, teacher_id: int) -> ExchangedTeacher:
    """Return an exchanged teacher of this community by id, or 404."""
    teacher = db.session.get(ExchangedTeacher, teacher_id)
    if teacher is None or teacher.community_id != community.id:
        abort(404)
    return teacher
