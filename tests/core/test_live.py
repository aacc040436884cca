"""Trashed, departed and cancelled records are told apart in one place: each model's `live` condition."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.extensions import db

MARKS = ("deleted_at", "left_at", "cancelled_at")
SOURCE = Path(__file__).resolve().parents[2] / "workspace"


def test_every_model_with_a_trash_departure_or_cancellation_has_its_live_condition(app):
    with app.app_context():
        marked = {mapper.class_.__name__: mark for mapper in db.Model.registry.mappers
                  for mark in MARKS if mark in mapper.columns}
    assert set(marked) >= {"Resource", "ResourceComment", "Evidence", "Post", "PlanDoc", "PlanTemplate", "Membership",
                           "Activity"}
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ in marked:
            condition = str(mapper.class_.live.compile())
            assert condition.endswith(f"{marked[mapper.class_.__name__]} IS NULL"), mapper.class_


def test_no_query_repeats_the_filter_by_hand():
    repeated = re.compile(r"\.(" + "|".join(MARKS) + r")\.is_(not)?\(None\)|\.(" + "|".join(MARKS) + r") == None")
    found = [f"{path.relative_to(SOURCE)}:{number}" for path in SOURCE.rglob("*.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if repeated.search(line)]
    assert found == [], "filter with Model.live (core/database.unset) instead"


def test_live_reads_the_same_in_sql_and_on_a_loaded_row(ctx):
    community = make_community(make_user())
    stays, leaves = add_member(community), add_member(community)
    leaves.left_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()

    live = set(db.session.scalars(select(Membership.user_id).where(Membership.community_id == community.id,
                                                                   Membership.live)))
    gone = set(db.session.scalars(select(Membership.user_id).where(Membership.community_id == community.id,
                                                                   ~Membership.live)))

    assert stays.user_id in live and leaves.user_id in gone and not live & gone
    assert (stays.live, leaves.live, stays.is_active, leaves.is_active) == (True, False, True, False)
