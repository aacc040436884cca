"""The words the interface uses for community types and roles (glossary terms, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workspace.communities.models import CommunityType, Role

COMMUNITY_TYPE_LABELS = {
    CommunityType.GRADE: _l("Grade"),
    CommunityType.SUBJECT: _l("Subject / domain"),
    CommunityType.SCHOOL_TASK: _l("School task"),
    CommunityType.PD_THEME: _l("Professional development theme"),
    CommunityType.MASTER_STUDIO: _l("Master-teacher studio"),
    CommunityType.URBAN_RURAL: _l("Urban–rural education community"),
}

ROLE_LABELS = {
    Role.CONVENER: _l("Convener"),
    Role.CO_CONVENER: _l("Co-convener"),
    Role.MEMBER: _l("Member"),
    Role.MENTOR: _l("Mentor"),
    Role.GUEST_EXPERT: _l("Guest expert"),
}


def community_type_label(kind: str) -> str:
    return str(COMMUNITY_TYPE_LABELS.get(kind, kind))  # type: ignore[call-overload]


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))  # type: ignore[call-overload]
