"""The words the interface uses for community types and roles (glossary terms, translated where shown)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workspace.communities.models import OWN_SCHOOL, CommunityType, Role, SchoolRole
from workspace.core.i18n import N_, translations

COMMUNITY_TYPE_LABELS = {
    CommunityType.GRADE: N_("Grade"),
    CommunityType.SUBJECT: N_("Subject / domain"),
    CommunityType.SCHOOL_TASK: N_("School task"),
    CommunityType.PD_THEME: N_("Professional development theme"),
    CommunityType.MASTER_STUDIO: N_("Master-teacher studio"),
    CommunityType.URBAN_RURAL: N_("Urban–rural education community"),
}

ROLE_LABELS = {
    Role.CONVENER: N_("Convener"),
    Role.CO_CONVENER: N_("Co-convener"),
    Role.MEMBER: N_("Member"),
    Role.MENTOR: N_("Mentor"),
    Role.GUEST_EXPERT: N_("Guest expert"),
}


SCHOOL_ROLE_LABELS = {
    SchoolRole.CORE.value: N_("Core school"),
    SchoolRole.MEMBER.value: N_("Member school"),
    OWN_SCHOOL: N_("Own school"),
}


def school_role_label(role: str) -> str:
    """A school's role in an urban–rural community (core school, member school) in the user's language."""
    label = SCHOOL_ROLE_LABELS.get(role)
    return translations().ugettext(label) if label else role


def community_type_label(kind: str) -> str:
    """The community type in the user's language."""
    label = COMMUNITY_TYPE_LABELS.get(kind)  # type: ignore[call-overload]
    return translations().ugettext(label) if label else kind


def role_label(role: str) -> str:
    """The role in the user's language."""
    label = ROLE_LABELS.get(role)  # type: ignore[call-overload]
    return translations().ugettext(label) if label else role


def lazy_label(message: str) -> str:
    """A label for a form choice, translated when the form is rendered."""
    return _l(message)  # type: ignore[return-value]
