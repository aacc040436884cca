"""Viewer-free reads of the resources communities shared in a period, for compliance, exports and reports.

Communities and a Period (core/records.py: first and last day included, local time) in, frozen rows out,
in one query whatever the size of the library. Resources in the trash are left out here, through
`Resource.live`. A resource belongs to the period it was shared (created) in. Nothing here checks who asks:
the caller has decided that already (a reviewer's export lists community-only material of its scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select

from workspace.core.records import Period
from workspace.extensions import db
from workspace.resources.models import Resource, ResourceVersion


@dataclass(frozen=True)
class SharedResource:
    """A lesson plan, case, courseware … a community shared in the period, not in the trash."""

    id: int
    community_id: int
    title: str
    kind: str
    subject: str
    grade: str
    visibility: str
    author_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    versions: int  # versions uploaded so far (a material developed over time has several)


def shared_resources(community_ids: Collection[int], period: Period) -> list[SharedResource]:
    """The resources shared in these communities in the period, not in the trash, oldest first (one query)."""
    versions = (select(func.count()).where(ResourceVersion.resource_id == Resource.id)
                .correlate(Resource).scalar_subquery())
    return [SharedResource(*row) for row in db.session.execute(
        select(Resource.id, Resource.community_id, Resource.title, Resource.kind, Resource.subject, Resource.grade,
               Resource.visibility, Resource.author_id, Resource.created_at, Resource.updated_at, versions)
        .where(Resource.community_id.in_(list(community_ids)), Resource.live, period.holds(Resource.created_at))
        .order_by(Resource.created_at, Resource.id))]
