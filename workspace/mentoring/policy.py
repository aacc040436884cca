"""The mentoring part of the policy: what a pair writes belongs to the pair.

- A pairing is seen (who, dates, counts, statuses) by the pair, the community's conveners and admins; its
  content (logs, goals, observations, the handbook) is read by the pair and admins only, and by the conveners
  where the pair shared that item. The mentor's private notes are read by the mentor alone. A meeting log goes
  to the trash only by its author's hand (or an admin's): it holds the mentor's private notes.
- An observation is the observer's draft until shared with the observed teacher, who then writes a reflection;
  after the post-conference it is finalized and reopened only by its observer or an admin.
- Reviewers see none of it here: the counts that feed compliance reach them through the compliance panel.
The scopes select, for lists and search, exactly the rows the rules allow one at a time (tests/mentoring/
test_permissions.py proves both).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, extract, false, or_, select, true

from workspace.communities.policy import in_communities, member_of, role_in
from workspace.core.permissions import (
    CONTRIBUTORS,
    MANAGERS,
    StateChange,
    authenticated,
    is_admin,
    register_rule,
    register_scope,
)
from workspace.extensions import db
from workspace.mentoring.models import (
    Goal,
    Handbook,
    MeetingLog,
    Milestone,
    NextStep,
    Observation,
    ObservationForm,
    ObservationStatus,
    Pairing,
    PairingStatus,
    PublicLesson,
)


def _uid(user: Any) -> int | None:
    return user.id if authenticated(user) else None


def in_pair(user: Any, pairing: Pairing) -> bool:
    """Whether `user` is the mentor or the new teacher of the pairing (and still a member of its community)."""
    uid = _uid(user)
    return uid is not None and uid in pairing.member_ids() and role_in(user, pairing.community) is not None


def _open(community: Any) -> bool:
    return community.archived_at is None


# --- pairings ------------------------------------------------------------------------------------


def pairing_rule(user: Any, action: str, pairing: Pairing) -> bool:
    """What a person may do with a pairing: see it, read what the pair wrote, write in it, manage it."""
    community = pairing.community
    admin = is_admin(user)
    pair = in_pair(user, pairing)
    manager = role_in(user, community) in MANAGERS
    if action == "view":  # who, dates, counts, statuses (the convener's overview)
        return admin or pair or manager
    if action == "read":  # the pair's content: logs, goals, observations, the handbook
        return admin or pair
    if action == "write":  # log a meeting, add a goal, tick a milestone or a next step
        return pair and pairing.active and _open(community)
    if action == "manage":  # end, re-pair, change the dates and the milestones
        return _open(community) and (admin or manager)
    raise ValueError(f"unknown pairing action {action!r}")


def _pair_condition(user: Any) -> Any:
    """The pairings of which `user` is one of the two, in a community they are still a member of."""
    uid = _uid(user)
    if uid is None:
        return false()
    return or_(Pairing.mentor_id == uid, Pairing.mentee_id == uid) & member_of(Pairing.community_id, user)


def pairing_scope(user: Any, action: str) -> Any:
    """The pairings a person sees (view) or reads the content of (read), as a condition on Pairing."""
    if not authenticated(user):
        return false()
    if is_admin(user):
        return true()
    if action == "view":
        return _pair_condition(user) | member_of(Pairing.community_id, user, MANAGERS)
    if action == "read":
        return _pair_condition(user)
    raise ValueError(f"no list scope for the pairing action {action!r}")


def _pair_ids(user: Any) -> Any:
    return select(Pairing.id).where(_pair_condition(user))


def _managed_pair_ids(user: Any) -> Any:
    return select(Pairing.id).where(member_of(Pairing.community_id, user, MANAGERS))


# --- what a pair writes: goals, meeting logs, milestones -------------------------------------------


def _log_writer(log: MeetingLog) -> int:
    """Who wrote a meeting log: its author, the mentor when nobody is named."""
    return log.author_id if log.author_id is not None else log.pairing.mentor_id


def _pair_item_rule(user: Any, action: str, item: Any) -> bool:
    """Goals and meeting logs: the pair reads and writes them; conveners read the ones the pair shared."""
    pairing = item.pairing
    if action == "view":  # the date and the status, as counted on the overview
        return pairing_rule(user, "view", pairing)
    if action == "read":
        if is_admin(user) or in_pair(user, pairing):
            return True
        return bool(item.shared) and item.live and role_in(user, pairing.community) in MANAGERS
    if action == "delete" and isinstance(item, MeetingLog):
        # A meeting log holds the mentor's private notes: only whoever wrote it (the mentor when nobody is named)
        # moves it to the trash, or an admin; the other of the pair cannot make it disappear.
        return _open(pairing.community) and (is_admin(user) or (
            pairing_rule(user, "write", pairing) and _uid(user) == _log_writer(item)))
    if action == "share" and isinstance(item, MeetingLog):
        # Letting the conveners read a log is its writer's choice: the new teacher shared the mentor's notes with
        # the conveners, the mentor neither asked nor told (QA).
        return pairing_rule(user, "write", pairing) and item.live and _uid(user) == _log_writer(item)
    if action in {"edit", "delete", "share"}:
        return pairing_rule(user, "write", pairing) and (item.live or action == "delete")
    if action == "restore":  # from the trash only: _restore_from_trash()
        return pairing_rule(user, "write", pairing) or (
            isinstance(item, MeetingLog) and is_admin(user) and _open(pairing.community))
    if action == "read_private":  # the mentor's private notes of a meeting
        return isinstance(item, MeetingLog) and _uid(user) == pairing.mentor_id and in_pair(user, pairing)
    raise ValueError(f"unknown action {action!r} on {type(item).__name__}")


def _restore_from_trash(already: Any) -> dict[str, StateChange]:
    """The restore of a goal or a log: from the trash, and said to be done already when it is out of it."""
    return {"restore": StateChange(lambda item: not item.live, lambda item: item.live, already)}


def _pair_item_scope(model: type) -> Any:
    def scope_rule(user: Any, action: str) -> Any:
        if not authenticated(user):
            return false()
        if action == "view":
            return model.pairing_id.in_(select(Pairing.id).where(pairing_scope(user, "view")))
        if action == "read":
            if is_admin(user):
                return true()
            return model.pairing_id.in_(_pair_ids(user)) | (
                model.shared & model.live & model.pairing_id.in_(_managed_pair_ids(user)))
        raise ValueError(f"no list scope for the {model.__name__} action {action!r}")

    return scope_rule


def next_step_rule(user: Any, action: str, step: NextStep) -> bool:
    """A next step goes with its meeting log; one that a re-pairing carried on is the new pairing's: its pair reads
    and ticks it, the outgoing mentor no longer does."""
    if not step.carried:
        return _pair_item_rule(user, action, step.log)
    if action in {"view", "read"}:
        return pairing_rule(user, action, step.pairing)
    if action == "edit":
        return pairing_rule(user, "write", step.pairing)
    raise ValueError(f"unknown next step action {action!r}")


def milestone_rule(user: Any, action: str, milestone: Milestone) -> bool:
    """Milestones are seen with the pairing; either of the pair ticks them; conveners edit the list."""
    if action == "view":
        return pairing_rule(user, "view", milestone.pairing)
    if action == "tick":
        return milestone.live and pairing_rule(user, "write", milestone.pairing)
    if action in {"edit", "delete"}:
        return pairing_rule(user, "manage", milestone.pairing)
    raise ValueError(f"unknown milestone action {action!r}")


# --- observations --------------------------------------------------------------------------------


def _status_is(*statuses: ObservationStatus) -> Any:
    values = {status.value for status in statuses}
    return lambda observation: observation.live and observation.status in values


# Where each change of an observation starts from and leads to: repeated (a second tab, a double click), it is
# answered as already done to the one who could do it (core.permissions.change_state), not refused.
OBSERVATION_CHANGES = {
    "share_with_observed": StateChange(
        _status_is(ObservationStatus.DRAFT), _status_is(ObservationStatus.SHARED, ObservationStatus.FINALIZED),
        _l("The observed teacher can already read this observation.")),
    "finalize": StateChange(_status_is(ObservationStatus.SHARED), _status_is(ObservationStatus.FINALIZED),
                            _l("The observation is already finalized.")),
    "reopen": StateChange(_status_is(ObservationStatus.FINALIZED),
                          _status_is(ObservationStatus.DRAFT, ObservationStatus.SHARED),
                          _l("The observation is already open.")),
    "delete": StateChange(_status_is(ObservationStatus.DRAFT), lambda observation: not observation.live,
                          _l("The observation is already in the trash.")),
    "restore": StateChange(lambda observation: not observation.live, lambda observation: observation.live,
                           _l("The observation is already out of the trash.")),
}


def observation_rule(user: Any, action: str, observation: Observation) -> bool:
    """An observation: the observer's draft, then shared with the observed teacher, then finalized (the states each
    change starts from: OBSERVATION_CHANGES)."""
    uid = _uid(user)
    admin = is_admin(user)
    community = observation.community
    member = role_in(user, community) is not None
    observer = uid == observation.observer_id and member
    observed = uid == observation.observed_id and member
    status = observation.status
    live = observation.live
    if action == "view":  # that it exists: its day, the two people and its status
        return admin or observer or observed or role_in(user, community) in MANAGERS
    if action == "read":
        if admin or observer:
            return True
        if observed:
            return status != ObservationStatus.DRAFT.value
        return observation.shared and live and status != ObservationStatus.DRAFT.value \
            and role_in(user, community) in MANAGERS
    if not _open(community):
        return False
    if action in {"share_with_observed", "finalize", "delete", "restore"}:  # whatever its state: OBSERVATION_CHANGES
        return observer
    if action == "reopen":
        return observer or admin
    if not live:
        return False
    if action in {"edit", "add_note"}:  # the focus, notes, ratings, strengths and suggestions
        return observer and status != ObservationStatus.FINALIZED.value
    if action == "reflect":
        return observed and status == ObservationStatus.SHARED.value
    if action == "reflect_once_reopened":  # the observed teacher, too late: finalized while they were writing
        return observed and status == ObservationStatus.FINALIZED.value
    if action == "share":  # let the conveners read it: either of the two, once the observed teacher has it
        return (observer or observed) and status != ObservationStatus.DRAFT.value
    raise ValueError(f"unknown observation action {action!r}")


def observation_scope(user: Any, action: str) -> Any:
    """The observations a person sees (view) or reads (read), as a condition on Observation."""
    uid = _uid(user)
    if uid is None:
        return false()
    if is_admin(user):
        return true()
    member = member_of(Observation.community_id, user)
    mine = and_(Observation.observer_id == uid, member)
    observed = and_(Observation.observed_id == uid, member)
    if action == "view":
        return mine | observed | member_of(Observation.community_id, user, MANAGERS)
    if action == "read":
        not_draft = Observation.status != ObservationStatus.DRAFT.value
        return mine | (observed & not_draft) | (
            Observation.shared & Observation.live & not_draft & member_of(Observation.community_id, user, MANAGERS))
    raise ValueError(f"no list scope for the observation action {action!r}")


def observation_form_rule(user: Any, action: str, form: ObservationForm) -> bool:
    """Forms: the shipped default is read by anyone signed in and kept by admins; a community's by its members
    and kept by its conveners."""
    if form.community_id is None:
        if action == "view":
            return authenticated(user)
        if action == "edit":
            return is_admin(user)
        raise ValueError(f"unknown form action {action!r}")
    community = form.community
    if action == "view":
        return is_admin(user) or role_in(user, community) in CONTRIBUTORS
    if action == "edit":
        return _open(community) and (is_admin(user) or role_in(user, community) in MANAGERS)
    raise ValueError(f"unknown form action {action!r}")


def observation_form_scope(user: Any, action: str) -> Any:
    """The forms a person may choose from (view), as a condition on ObservationForm."""
    if action != "view":
        raise ValueError(f"no list scope for the form action {action!r}")
    if not authenticated(user):
        return false()
    return ObservationForm.community_id.is_(None) | in_communities(ObservationForm.community_id, user,
                                                                    "read_material")


# --- public lessons ------------------------------------------------------------------------------


def public_lesson_rule(user: Any, action: str, lesson: PublicLesson) -> bool:
    """A public lesson is open to the community's colleagues (they come and observe it); the teacher and the
    conveners change it."""
    community = lesson.community
    role = role_in(user, community)
    admin = is_admin(user)
    teacher = _uid(user) == lesson.teacher_id and role is not None
    if action == "view":
        return admin or role in CONTRIBUTORS
    if action == "observe":  # start an observation of it with the lesson's form
        return _open(community) and role in CONTRIBUTORS and not teacher
    if action in {"edit", "cancel"}:
        return _open(community) and (admin or teacher or role in MANAGERS)
    if action == "read_feedback":  # the colleagues' feedback on its activity, without names: the teacher too
        return admin or teacher or role in MANAGERS
    raise ValueError(f"unknown public lesson action {action!r}")


def public_lesson_scope(user: Any, action: str) -> Any:
    """The public lessons a person sees, as a condition on PublicLesson."""
    if action != "view":
        raise ValueError(f"no list scope for the public lesson action {action!r}")
    return in_communities(PublicLesson.community_id, user, "read_material")


# --- the development handbook --------------------------------------------------------------------


def _school_year_of(day: Any) -> Any:
    """The school year a date column falls in, in SQL (terms.school_year_of: the year, less one before August)."""
    return extract("year", day) - case((extract("month", day) < 8, 1), else_=0)


def handbook_mentor(user_id: int, handbook: Handbook) -> bool:
    """Whether the person mentors the handbook's teacher now, in a pairing over some of its school year.

    The handbook is the teacher's, not a pairing's: a mentor whose pairing ended (or who was replaced by another
    mentor) no longer reads it, nor comments, so what the teacher writes afterwards is not theirs to see."""
    year = handbook.school_year
    return db.session.scalar(select(exists().where(and_(
        Pairing.mentor_id == user_id, Pairing.mentee_id == handbook.teacher_id,
        Pairing.community_id == handbook.community_id, Pairing.status == PairingStatus.ACTIVE.value,
        Pairing.starts_on <= dt.date(year + 1, 7, 31), Pairing.ends_on >= dt.date(year, 8, 1))))) is True


def handbook_rule(user: Any, action: str, handbook: Handbook) -> bool:
    """The handbook is the new teacher's: they write it, their mentor comments, admins read it, conveners read
    it when the teacher shares it."""
    uid = _uid(user)
    community = handbook.community
    member = role_in(user, community) is not None
    teacher = uid == handbook.teacher_id and member
    mentor = member and uid is not None and handbook_mentor(uid, handbook)
    if action == "view":
        return is_admin(user) or teacher or mentor or role_in(user, community) in MANAGERS
    if action == "read":
        return is_admin(user) or teacher or mentor or (handbook.shared and role_in(user, community) in MANAGERS)
    if action in {"write", "share"}:
        return _open(community) and teacher
    if action == "comment":
        return _open(community) and mentor
    raise ValueError(f"unknown handbook action {action!r}")


def handbook_scope(user: Any, action: str) -> Any:
    """The handbooks a person sees (view) or reads (read), as a condition on Handbook."""
    uid = _uid(user)
    if uid is None:
        return false()
    if is_admin(user):
        return true()
    member = member_of(Handbook.community_id, user)
    own = (Handbook.teacher_id == uid) & member
    # as handbook_mentor(): an active pairing over some of the handbook's school year (1 August – 31 July)
    mentored = member & select(Pairing.id).where(
        Pairing.mentor_id == uid, Pairing.mentee_id == Handbook.teacher_id,
        Pairing.community_id == Handbook.community_id, Pairing.status == PairingStatus.ACTIVE.value,
        _school_year_of(Pairing.starts_on) <= Handbook.school_year,
        _school_year_of(Pairing.ends_on) >= Handbook.school_year).exists()
    managers = member_of(Handbook.community_id, user, MANAGERS)
    if action == "view":
        return own | mentored | managers
    if action == "read":
        return own | mentored | (Handbook.shared & managers)
    raise ValueError(f"no list scope for the handbook action {action!r}")


register_rule(Pairing, pairing_rule)
register_scope(Pairing, pairing_scope)
register_rule(Goal, _pair_item_rule, changes=_restore_from_trash(_l("The goal is already out of the trash.")))
register_rule(MeetingLog, _pair_item_rule, changes=_restore_from_trash(_l("The log is already out of the trash.")))
for _model in (Goal, MeetingLog):
    register_scope(_model, _pair_item_scope(_model))
register_rule(NextStep, next_step_rule)
register_rule(Milestone, milestone_rule)
register_rule(Observation, observation_rule, changes=OBSERVATION_CHANGES)
register_scope(Observation, observation_scope)
register_rule(ObservationForm, observation_form_rule)
register_scope(ObservationForm, observation_form_scope)
register_rule(PublicLesson, public_lesson_rule)
register_scope(PublicLesson, public_lesson_scope)
register_rule(Handbook, handbook_rule)
register_scope(Handbook, handbook_scope)
