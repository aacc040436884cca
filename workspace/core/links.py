"""One way to link records across areas: a `Link` row says that one record links another, with a role.

Areas register the kinds of records they link (`register_kind("activity", Activity)`) when their models
are imported, so core never imports an area. A link names its ends by kind and id, not by foreign key, so
the area that purges a record for good removes its links (`remove_links_of`). Reads come batched for a
list of records and resolve the linked records one query per kind (`resolve`), leaving out the ones that
no longer show (a resource in the trash).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, object_session
from sqlalchemy.sql import ColumnElement

from workspace.core.cache import Rule, Scope, rule_of
from workspace.core.database import UTCDateTime, utcnow
from workspace.extensions import db


def _ends_touched(link: Link) -> set[Scope]:
    """A link shows on the pages of both its ends: a change to it bumps what a change to either end would."""
    scopes: set[Scope] = set()
    for kind_name, record_id in ((link.from_type, link.from_id), (link.to_type, link.to_id)):
        registered = _KINDS.get(kind_name)
        record = (object_session(link) or db.session).get(registered.model, record_id) if registered else None
        if record is not None:
            scopes |= rule_of(registered.model).scopes(record)
    return scopes


class Link(db.Model):
    """One record (from) links another (to) in a role: a plan's planning meeting, an activity's output."""

    __tablename__ = "links"
    __cache_rule__ = Rule(_ends_touched)
    __table_args__ = (
        # Also the index of the "from" direction: what a record links.
        UniqueConstraint("from_type", "from_id", "to_type", "to_id", "role", name="uq_links"),
        Index("ix_links_to", "to_type", "to_id", "role"),  # what links a record
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_type: Mapped[str] = mapped_column(String(20))
    from_id: Mapped[int] = mapped_column(Integer)
    to_type: Mapped[str] = mapped_column(String(20))
    to_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Kind:
    """A kind of record that links or is linked: its name in the table, its model, and which rows still show."""

    name: str
    model: type
    live: Callable[[], ColumnElement[bool]] | None = None


_KINDS: dict[str, Kind] = {}
_NAMES: dict[type, str] = {}


def register_kind(name: str, model: type, *, live: Callable[[], ColumnElement[bool]] | None = None) -> None:
    """Declare a kind of record that links (called by the area that owns the model, next to it).

    `live` gives the condition of the records that still show (not in the trash); links to the others stay
    but are left out by `resolve`, so a restored record comes back with its links.
    """
    known = _KINDS.get(name)
    if known is not None and known.model is not model:
        raise ValueError(f"the link kind {name!r} is already {known.model.__name__}")
    _KINDS[name] = Kind(name, model, live)
    _NAMES[model] = name


def kind_of(record: Any) -> str:
    """The registered kind name of a record (its class, or a parent class, was registered)."""
    for cls in type(record).__mro__:
        if cls in _NAMES:
            return _NAMES[cls]
    raise LookupError(f"{type(record).__name__} is not a registered link kind")


def kind(name: str) -> Kind:
    """The registered kind of that name."""
    return _KINDS[name]


def add_link(source: Any, target: Any, role: str, *, actor: Any = None) -> Link:
    """Link `source` to `target` in `role`; linking again returns the existing link."""
    from_type, to_type = kind_of(source), kind_of(target)
    existing = db.session.scalar(select(Link).where(
        Link.from_type == from_type, Link.from_id == source.id, Link.to_type == to_type, Link.to_id == target.id,
        Link.role == role))
    if existing is not None:
        return existing
    link = Link(from_type=from_type, from_id=source.id, to_type=to_type, to_id=target.id, role=role,
                created_by_id=getattr(actor, "id", None))
    db.session.add(link)
    db.session.flush()
    return link


def remove_link(link: Link) -> None:
    """Remove one link (the records stay)."""
    db.session.delete(link)


def links_from(source: Any, *, to_kind: str | None = None, roles: Collection[str] | None = None) -> list[Link]:
    """What a record links, oldest link first."""
    return links_from_many(kind_of(source), [source.id], to_kind=to_kind, roles=roles).get(source.id, [])


def links_to(target: Any, *, from_kind: str | None = None, roles: Collection[str] | None = None) -> list[Link]:
    """What links a record, oldest link first."""
    return links_to_many(kind_of(target), [target.id], from_kind=from_kind, roles=roles).get(target.id, [])


def links_from_many(from_kind: str, ids: Iterable[int], *, to_kind: str | None = None,
                    roles: Collection[str] | None = None) -> dict[int, list[Link]]:
    """What each of a list of records links, in one query: {from id: [links, oldest first]}."""
    ids = list(ids)
    if not ids:
        return {}
    query = select(Link).where(Link.from_type == from_kind, Link.from_id.in_(ids))
    if to_kind is not None:
        query = query.where(Link.to_type == to_kind)
    if roles is not None:
        query = query.where(Link.role.in_(list(roles)))
    found: dict[int, list[Link]] = {}
    for link in db.session.scalars(query.order_by(Link.id)):
        found.setdefault(link.from_id, []).append(link)
    return found


def links_to_many(to_kind: str, ids: Iterable[int], *, from_kind: str | None = None,
                  roles: Collection[str] | None = None) -> dict[int, list[Link]]:
    """What links each of a list of records, in one query: {to id: [links, oldest first]}."""
    ids = list(ids)
    if not ids:
        return {}
    query = select(Link).where(Link.to_type == to_kind, Link.to_id.in_(ids))
    if from_kind is not None:
        query = query.where(Link.from_type == from_kind)
    if roles is not None:
        query = query.where(Link.role.in_(list(roles)))
    found: dict[int, list[Link]] = {}
    for link in db.session.scalars(query.order_by(Link.id)):
        found.setdefault(link.to_id, []).append(link)
    return found


def resolve(links: Iterable[Link], *, end: str = "to") -> list[tuple[Link, Any]]:
    """Each link with the record at its `end` ("to" or "from"), one query per kind; links whose record is
    gone or no longer shows (`live`) are left out. The caller still decides what the viewer may see."""
    links = list(links)
    wanted: dict[str, set[int]] = {}
    for link in links:
        name, object_id = _end(link, end)
        wanted.setdefault(name, set()).add(object_id)
    records: dict[tuple[str, int], Any] = {}
    for name, ids in wanted.items():
        registered = _KINDS.get(name)
        if registered is None:  # a kind whose area is not loaded: nothing to show
            continue
        model = registered.model
        query = select(model).where(model.id.in_(ids))
        if registered.live is not None:
            query = query.where(registered.live())
        for record in db.session.scalars(query):
            records[(name, record.id)] = record
    return [(link, records[_end(link, end)]) for link in links if _end(link, end) in records]


def _end(link: Link, end: str) -> tuple[str, int]:
    return (link.to_type, link.to_id) if end == "to" else (link.from_type, link.from_id)


def linking_condition(from_kind: str, from_id_column: Any, target: Any, *,
                      roles: Collection[str] | None = None) -> ColumnElement[bool]:
    """An EXISTS condition for a query of `from_kind` records: the row (its id in `from_id_column`) links
    `target` (e.g. the plans that link an activity)."""
    query = select(Link.id).where(Link.from_type == from_kind, Link.from_id == from_id_column,
                                  Link.to_type == kind_of(target), Link.to_id == target.id)
    if roles is not None:
        query = query.where(Link.role.in_(list(roles)))
    return query.exists()


def linked_ids(source: Any, to_kind: str, *, roles: Collection[str] | None = None) -> Any:
    """A subquery of the ids of the `to_kind` records that `source` links (to leave them out of a picker)."""
    query = select(Link.to_id).where(Link.from_type == kind_of(source), Link.from_id == source.id,
                                     Link.to_type == to_kind)
    if roles is not None:
        query = query.where(Link.role.in_(list(roles)))
    return query


def remove_links_of(kind_name: str, ids: Iterable[int]) -> int:
    """Remove every link from or to these records (they are being purged for good); return how many.

    Deleted through the session, like any other row, so the page cache sees the change."""
    ids = list(ids)
    if not ids:
        return 0
    links = list(db.session.scalars(select(Link).where(or_(
        (Link.from_type == kind_name) & Link.from_id.in_(ids),
        (Link.to_type == kind_name) & Link.to_id.in_(ids)))))
    for link in links:
        db.session.delete(link)
    return len(links)
