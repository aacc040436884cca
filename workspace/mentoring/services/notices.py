"""What mentoring tells the pair through the notifications area: a new pairing, a pairing ended (to the outgoing
mentor on a handover), an observation shared with the observed teacher, the reflection written on it, the
mentor's comment on the handbook.

A notice names the record (the two people, an observation's day, a handbook section) and opens its page; it
never carries what the pair wrote (no excerpt), so the notifications list and any e-mail stay as private as
the pages they open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext

from workspace.auth.models import User
from workspace.core.i18n import local_date
from workspace.extensions import db
from workspace.mentoring.models import HandbookSection, Observation, Pairing
from workspace.notifications import services as notifications


def _people(*user_ids: int) -> list[User]:
    return [user for user in (db.session.get(User, user_id) for user_id in user_ids) if user is not None]


def _pairing_notice(pairing: Pairing, kind: str, people: list[User], actor: Any) -> None:
    names = {user.id: user.display_name for user in _people(pairing.mentor_id, pairing.mentee_id)}
    title = f"{names.get(pairing.mentor_id, '')} · {names.get(pairing.mentee_id, '')}"
    notifications.notify(people, kind, actor=actor, community=pairing.community, subject_type="pairing",
                         subject_id=pairing.id, title=title, excerpt="",
                         path=f"/c/{pairing.community.slug}/mentoring/pairings/{pairing.id}")


def paired(pairing: Pairing, actor: Any) -> None:
    """Tell the mentor and the new teacher that the convener paired them."""
    _pairing_notice(pairing, "paired", _people(pairing.mentor_id, pairing.mentee_id), actor)


def pairing_ended(pairing: Pairing, actor: Any, *, handed_over: bool = False) -> None:
    """Tell the pair that the convener ended their pairing; on a handover to another mentor, the outgoing mentor
    alone (the new teacher hears of the new pairing). The notice opens the ended pairing, which the two still see."""
    people = _people(pairing.mentor_id) if handed_over else _people(pairing.mentor_id, pairing.mentee_id)
    _pairing_notice(pairing, "unpaired", people, actor)


def _observation_title(observation: Observation) -> str:
    """The observation kept as its day (2026-10-01): each reader reads it in their language (`observation_words`)."""
    return observation.observed_on.isoformat()


def observation_words(kept: str) -> str:
    """An observation's notice title as its reader reads it: "Observation of Oct 1, 2026" (a title kept before the
    day was, already worded, is shown as kept)."""
    try:
        day = dt.date.fromisoformat(kept)
    except ValueError:
        return kept
    return gettext("Observation of %(day)s", day=local_date(day))


notifications.register_title_words("observation", observation_words)


def _observation_path(observation: Observation) -> str:
    return f"/c/{observation.community.slug}/mentoring/observations/{observation.id}"


def observation_shared(observation: Observation, actor: Any) -> None:
    """Tell the observed teacher that the observer shared the observation with them (to read and reflect on)."""
    people = _people(observation.observed_id)
    notifications.notify(people, "observation", actor=actor,
                         community=observation.community, subject_type="observation", subject_id=observation.id,
                         title=_observation_title(observation), excerpt="",
                         path=_observation_path(observation))


def reflection_written(observation: Observation, actor: Any) -> None:
    """Tell the observer that the observed teacher wrote their reflection."""
    people = _people(observation.observer_id)
    notifications.notify(people, "reflection", actor=actor,
                         community=observation.community, subject_type="observation", subject_id=observation.id,
                         title=_observation_title(observation), excerpt="",
                         path=_observation_path(observation))


def handbook_commented(section: HandbookSection, title: str, actor: Any) -> None:
    """Tell the new teacher that their mentor commented on a section of their handbook (`title`: its name)."""
    handbook = section.handbook
    notifications.notify(_people(handbook.teacher_id), "comment", actor=actor, community=handbook.community,
                         subject_type="handbook", subject_id=handbook.id, title=title, excerpt="",
                         path=f"/c/{handbook.community.slug}/mentoring/handbooks/{handbook.teacher_id}/"
                              f"{handbook.school_year}#handbook-{section.key}")
