"""Plain factory functions: make_user(**overrides) and friends, flushed and committed."""

from __future__ import annotations

import itertools
from typing import Any

from workspace.auth.models import User
from workspace.auth.services import hash_password
from workspace.communities import services as community_services
from workspace.communities.models import Community, Membership, ReviewerScope, School
from workspace.core.database import utcnow
from workspace.extensions import db

PASSWORD = "a good long password"
_sequence = itertools.count(1)


def make_user(**overrides: Any) -> User:
    """A user who can log in: the account let in and its address confirmed (confirmed=False: neither, as after
    signing up). A `school_id`/`school` given is granted (as an administrator would); `requested_school_id` is
    only asked for."""
    number = next(_sequence)
    password = overrides.pop("password", PASSWORD)
    confirmed = overrides.pop("confirmed", True)
    now = utcnow() if confirmed else None
    values = {
        "email": f"teacher{number}@school.test",
        "display_name": f"Teacher {number}",
        "password_hash": hash_password(password),
        "approved_at": now,
        "email_confirmed_at": now,
    }
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.commit()
    return user


def make_school(**overrides: Any) -> School:
    number = next(_sequence)
    values = {"name": f"School {number}", "class_count": 20, "in_evaluation_programme": False}
    values.update(overrides)
    school = School(**values)
    db.session.add(school)
    db.session.commit()
    return school


def make_community(convener: User | None = None, **overrides: Any) -> Community:
    number = next(_sequence)
    convener = convener or make_user()
    schools = overrides.pop("schools", [])
    community = community_services.create_community(
        actor=convener,
        name=overrides.pop("name", f"Community {number}"),
        kind=overrides.pop("kind", "subject"),
        slug=overrides.pop("slug", f"community-{number}"),
        description=overrides.pop("description", "We plan **maths** lessons together."),
        vision=overrides.pop("vision", ""),
        school_ids=[school.id for school in schools],
    )
    for key, value in overrides.items():
        setattr(community, key, value)
    db.session.commit()
    return community


def add_member(community: Community, user: User | None = None, role: str = "member") -> Membership:
    user = user or make_user()
    membership = community_services.add_member(community, user, role)
    db.session.commit()
    return membership


def make_reviewer(school: School | None = None, **overrides: Any) -> User:
    user = make_user(**overrides)
    db.session.add(ReviewerScope(user_id=user.id, school_id=school.id if school else None))
    db.session.commit()
    return user
