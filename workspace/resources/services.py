"""Resource library rules: adding resources and versions, tags, trash, comments, favourites, listing.

Services take the actor explicitly, raise domain errors, flush but never commit. Every change that
affects what search finds re-indexes the resource (title, description, tags, comments, file text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import flask_babel
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, literal, select, union_all, update
from sqlalchemy.orm import selectinload

from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.core import links, search
from workspace.core.database import utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.extract import extract_text
from workspace.core.i18n import N_, current_locale_code, in_reader_script, script_variants
from workspace.core.models import record_event
from workspace.core.pagination import require_page
from workspace.core.parsing import parse_number
from workspace.core.permissions import CONTRIBUTORS, TRASH_DAYS, can, scope
from workspace.core.photos import print_photo
from workspace.core.storage import ALLOWED_TYPES, EXTENSIONS, StoredFile, blob_path
from workspace.core.text import (
    checked_line,
    checked_text,
    clean_line,
    has_visible_text,
    image_sources,
    markdown_to_text,
    render_markdown,
)
from workspace.core.urls import site_route
from workspace.extensions import db
from workspace.resources.models import (
    Favourite,
    Resource,
    ResourceComment,
    ResourceKind,
    ResourceVersion,
    Tag,
    Visibility,
    resource_tags,
)

MAX_TITLE = 200
MAX_FIELD = 60
MAX_TAGS = 20
MAX_TAG = 40
MAX_NOTE = 500
MAX_DESCRIPTION = 20_000
MAX_BODY = 200_000
MAX_COMMENT = 10_000
SEARCH_KIND = "resource"

KIND_LABELS = {
    ResourceKind.LESSON_PLAN: N_("Lesson plan"),
    ResourceKind.TEACHING_CASE: N_("Teaching case"),
    ResourceKind.COURSEWARE: N_("Courseware"),
    ResourceKind.TEST_PAPER: N_("Test paper"),
    ResourceKind.VIDEO: N_("Video"),
    ResourceKind.READING: N_("Reading"),
    ResourceKind.RESEARCH_OUTPUT: N_("Research output"),
}
# The kind a new resource is filed under when nobody chose one ("From the file"), by what the storage layer sniffed
# its file to be: a photo uploaded was filed as a lesson plan, the form's first kind. There is no kind of its own
# for a picture or a recording (a new one would change the kinds' CHECK constraint): they are teaching material.
SLIDES = frozenset({"application/vnd.openxmlformats-officedocument.presentationml.presentation",
                    "application/vnd.oasis.opendocument.presentation"})
KIND_BY_CATEGORY = {"video": ResourceKind.VIDEO, "image": ResourceKind.COURSEWARE, "audio": ResourceKind.COURSEWARE}
DOCUMENT_KIND = ResourceKind.LESSON_PLAN  # any other document, and a text written in the form


def kind_of_file(media_type: str | None) -> str:
    """The kind of a file nobody chose one for, by its sniffed media type: a video is a video; a picture, a
    recording or slides are courseware; any other document (PDF, DOCX, a spreadsheet, text) a lesson plan."""
    if media_type in SLIDES:
        return ResourceKind.COURSEWARE.value
    return KIND_BY_CATEGORY.get(ALLOWED_TYPES.get(media_type or "", ""), DOCUMENT_KIND).value


def kinds_by_file() -> dict[str, str]:
    """kind_of_file for each media type and extension the library takes (".png": "courseware"), for the form's
    script, which sets the kind as soon as a file is picked (the server decides again from the sniffed type)."""
    kinds = {media_type: kind_of_file(media_type) for media_type in ALLOWED_TYPES}
    kinds.update({extension: kind_of_file(media_type) for media_type, extensions in EXTENSIONS.items()
                  for extension in extensions})
    return kinds


VISIBILITY_LABELS = {
    Visibility.COMMUNITY: N_("Community members"),
    Visibility.SCHOOL: N_("Everyone at the community's schools"),
    Visibility.PUBLIC: N_("Everyone, also without an account"),
}
_TAG_SPLIT = re.compile(r"[,，、;；#\n\r\t]+")


# --- checks --------------------------------------------------------------------------------------


def parse_tags(raw: str | Iterable[str] | None) -> list[str]:
    """Split typed tags (commas, 、, ；, # or new lines), trim them, drop repeats; refuse too many or too long."""
    parts = _TAG_SPLIT.split(raw) if isinstance(raw, str) else list(raw or [])
    tags: list[str] = []
    seen: set[str] = set()
    for part in parts:
        tag = clean_line(part).lstrip("#").strip()
        if not tag or not has_visible_text(tag) or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG:
            raise ValidationError(str(_l("A tag may have at most %(count)d characters.", count=MAX_TAG)), field="tags")
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(str(_l("Use at most %(count)d tags.", count=MAX_TAGS)), field="tags")
    return tags


_line = checked_line  # the one checked-field pair of core/text
_text = checked_text


def _choice(value: str, allowed: type[Any], field: str) -> str:
    if value not in {item.value for item in allowed}:
        raise ValidationError(str(_l("Choose from the list.")), field=field)
    return value


def _tags(names: Sequence[str]) -> list[Tag]:
    """Find or create tags by name (matching case-insensitively, keeping the first spelling)."""
    if not names:
        return []
    existing = {tag.name.casefold(): tag for tag in db.session.scalars(
        select(Tag).where(func.lower(Tag.name).in_([name.lower() for name in names])))}
    tags = []
    for name in names:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            existing[name.casefold()] = tag
        tags.append(tag)
    return tags


@dataclass(frozen=True)
class ResourceFields:
    """What a person types about a resource (checked by check_fields)."""

    title: str
    kind: str
    subject: str = ""
    grade: str = ""
    tags: str | Sequence[str] = ""
    description: str = ""
    visibility: str = Visibility.COMMUNITY.value


@dataclass(frozen=True)
class CheckedFields:
    """A resource's fields once every rule passed: cleaned, tags as names."""

    title: str
    kind: str
    subject: str
    grade: str
    visibility: str
    description: str
    tags: list[str]


def check_fields(fields: ResourceFields, *, body: str | None = None, title_required: bool = True,
                 kind_from_file: bool = False) -> CheckedFields:
    """Check every field of a resource (and the text of a written one, when `body` is given) and refuse them
    together: one ValidationError naming each field. A file's title may be left empty (it comes from the name);
    with `kind_from_file` (a new resource), so may its kind (kind_of_file decides it)."""
    checks = Checks()
    with checks:
        title = _line(fields.title, "title", MAX_TITLE, required=title_required)
    with checks:
        kind = "" if kind_from_file and not fields.kind else _choice(fields.kind, ResourceKind, "kind")
    with checks:
        subject = _line(fields.subject, "subject", MAX_FIELD)
    with checks:
        grade = _line(fields.grade, "grade", MAX_FIELD)
    with checks:
        visibility = _choice(fields.visibility, Visibility, "visibility")
    with checks:
        description = _text(fields.description, "description", MAX_DESCRIPTION)
    with checks:
        tags = parse_tags(fields.tags)
    if body is not None:
        with checks:
            _check_body(body)
    checks.done()
    return CheckedFields(title=title, kind=kind, subject=subject, grade=grade, visibility=visibility,
                         description=description, tags=tags)


def _apply_fields(resource: Resource, fields: ResourceFields, *, body: str | None = None) -> None:
    checked = check_fields(fields, body=body)
    resource.title, resource.kind = checked.title, checked.kind
    resource.subject, resource.grade = checked.subject, checked.grade
    resource.visibility = checked.visibility
    resource.description = checked.description
    resource.description_html = str(render_markdown(resource.description))
    resource.tags = _tags(checked.tags)


def _check_contributor(community: Community, actor: User) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    role = db.session.scalar(select(Membership.role).where(
        Membership.community_id == community.id, Membership.user_id == actor.id, Membership.live))
    if role not in CONTRIBUTORS and not actor.is_admin:
        raise NotAllowed(str(_l("Only members of the community can add resources.")))


# --- creating and versioning ---------------------------------------------------------------------


def _next_number(resource: Resource) -> int:
    if resource.id is None:
        return 1
    current = db.session.scalar(
        select(func.max(ResourceVersion.number)).where(ResourceVersion.resource_id == resource.id))
    return (current or 0) + 1


def _file_version(resource: Resource, stored: StoredFile, actor: User, note: str) -> ResourceVersion:
    # Read before the request's first write when the route asked for it (storage.store_uploads).
    text = stored.text if stored.text_extracted else extract_text(blob_path(stored.blob), stored.media_type)
    # An uploaded Markdown file is previewed rendered, through the same sanitizer as typed text.
    html = str(render_markdown(text)) if text and stored.media_type == "text/markdown" else None
    return ResourceVersion(
        resource=resource, number=_next_number(resource), blob=stored.blob, filename=stored.filename,
        media_type=stored.media_type, size=stored.size, extracted_text=text, body_html=html,
        note=_line(note, "note", MAX_NOTE), uploader_id=actor.id,
    )


def _check_body(body: str | None) -> str:
    body = _text(body, "body", MAX_BODY)
    if not has_visible_text(body):
        raise ValidationError(str(_l("Write the text of the resource.")), field="body")
    return body


def _text_version(resource: Resource, body: str, actor: User, note: str) -> ResourceVersion:
    body = _check_body(body)
    return ResourceVersion(
        resource=resource, number=_next_number(resource), body=body, body_html=str(render_markdown(body)),
        media_type="text/markdown", size=len(body.encode()), extracted_text=body,
        note=_line(note, "note", MAX_NOTE), uploader_id=actor.id,
    )


def _add_version(resource: Resource, version: ResourceVersion) -> ResourceVersion:
    db.session.add(version)
    db.session.flush()
    resource.current_version = version
    resource.updated_at = version.created_at or utcnow()
    return version


def create_file_resource(community: Community, fields: ResourceFields, stored: StoredFile, *, actor: User,
                         note: str = "") -> Resource:
    """Share an uploaded file as a new resource (its first version); without a kind chosen, its file's
    (kind_of_file: a photo is not a lesson plan)."""
    _check_contributor(community, actor)
    resource = Resource(community=community, author_id=actor.id)
    _apply_fields(resource, replace(fields, kind=fields.kind or kind_of_file(stored.media_type)))
    db.session.add(resource)
    db.session.flush()
    _add_version(resource, _file_version(resource, stored, actor, note))
    reindex(resource)
    return resource


def create_text_resource(community: Community, fields: ResourceFields, body: str, *, actor: User) -> Resource:
    """Share a resource written in Markdown (its first version); without a kind chosen, a lesson plan."""
    _check_contributor(community, actor)
    resource = Resource(community=community, author_id=actor.id)
    # the title and the text are refused together
    _apply_fields(resource, replace(fields, kind=fields.kind or DOCUMENT_KIND.value), body=body)
    version = _text_version(resource, body, actor, "")
    db.session.add(resource)
    db.session.flush()
    _add_version(resource, version)
    reindex(resource)
    return resource


def add_file_version(resource: Resource, stored: StoredFile, *, actor: User, note: str = "") -> ResourceVersion:
    """Upload a new version of the file; the newest becomes the default."""
    version = _add_version(resource, _file_version(resource, stored, actor, note))
    reindex(resource)
    return version


def add_text_version(resource: Resource, body: str, *, actor: User, note: str = "") -> ResourceVersion:
    """Save a new version of a Markdown resource."""
    version = _add_version(resource, _text_version(resource, body, actor, note))
    reindex(resource)
    return version


def update_resource(resource: Resource, fields: ResourceFields, *, actor: User) -> Resource:
    """Change the title, kind, subject, grade, tags, description or visibility."""
    _apply_fields(resource, fields)
    resource.updated_at = utcnow()
    reindex(resource)
    return resource


def versions_of(resource: Resource) -> list[ResourceVersion]:
    """Every version, newest first, with its uploader."""
    return list(db.session.scalars(
        select(ResourceVersion).options(selectinload(ResourceVersion.uploader))
        .where(ResourceVersion.resource_id == resource.id).order_by(ResourceVersion.number.desc())))


# --- pictures a written text shows -----------------------------------------------------------------

# The library's addresses that show a resource's file (a picture in a text links one of them).
PICTURE_ENDPOINTS = frozenset({"resources.download", "resources.inline_file", "resources.thumbnail"})
# Who reads a resource, fewest first: a wider visibility reads everything a narrower one does.
VISIBILITY_ORDER = (Visibility.COMMUNITY.value, Visibility.SCHOOL.value, Visibility.PUBLIC.value)


def pictures_in(html: str | None) -> list[Resource]:
    """The library resources a text shows as pictures (an image whose address is one of their files, under their
    own community's address), in the text's order, each once (one query)."""
    wanted: dict[int, str] = {}
    for source in image_sources(html):
        route = site_route(source)
        if route is not None and route[0] in PICTURE_ENDPOINTS:
            wanted.setdefault(route[1]["resource_id"], route[1]["slug"])
    if not wanted:
        return []
    found = {resource.id: resource for resource in db.session.scalars(
        select(Resource).where(Resource.id.in_(wanted)).options(selectinload(Resource.community)))}
    return [found[number] for number, slug in wanted.items()
            if number in found and found[number].community.slug == slug]


@dataclass(frozen=True)
class HiddenPicture:
    """A picture of a text that some of the text's readers cannot see (a broken picture for them), and who can."""

    resource: Resource
    seen_by: str  # in the reader's words


def _seen_by(picture: Resource) -> str:
    if not picture.live:
        return str(_l("it is in the trash: nobody sees it"))
    if picture.visibility == Visibility.SCHOOL.value:
        return str(_l("only the members of %(community)s and the people of its schools see it",
                      community=picture.community.name))
    return str(_l("only the members of %(community)s see it", community=picture.community.name))


def hidden_pictures(html: str | None, community: Community, visibility: str) -> list[HiddenPicture]:
    """The pictures of a text (its sanitized HTML) that some readers of a resource of `community` at `visibility`
    cannot see: in the trash, another community's not public, or this community's kept to fewer readers."""
    rank = VISIBILITY_ORDER.index
    hidden = []
    for picture in pictures_in(html):
        if picture.live and (picture.visibility == Visibility.PUBLIC.value or (
                picture.community_id == community.id and rank(picture.visibility) >= rank(visibility))):
            continue
        hidden.append(HiddenPicture(picture, _seen_by(picture)))
    return hidden


def pictures_hidden_by_widening(resource: Resource, visibility: str) -> list[HiddenPicture]:
    """What widening a written resource to `visibility` would show broken to its new readers (nothing when it is
    not wider, or the resource is a file)."""
    if visibility not in VISIBILITY_ORDER or (
            VISIBILITY_ORDER.index(visibility) <= VISIBILITY_ORDER.index(resource.visibility)):
        return []
    version = resource.current_version
    if version is None or not version.is_text:
        return []
    return hidden_pictures(version.body_html, resource.community, visibility)


# --- trash ---------------------------------------------------------------------------------------


def trash_resource(resource: Resource, *, actor: User) -> None:
    """Move a resource to the trash (restorable for 30 days); search no longer finds it."""
    if resource.live:
        resource.deleted_at, resource.deleted_by_id = utcnow(), actor.id
        search.remove_document(SEARCH_KIND, resource.id)
        record_event(actor, "resource.trashed", resource, resource.community, title=resource.title)


def restore_resource(resource: Resource, *, actor: User) -> None:
    """Bring a resource back from the trash."""
    if not resource.live:
        resource.deleted_at, resource.deleted_by_id = None, None
        reindex(resource)
        record_event(actor, "resource.restored", resource, resource.community, title=resource.title)


def purge_resource(resource: Resource, *, actor: User) -> None:
    """Delete a resource for good (its blobs stay while other versions use the same bytes)."""
    record_event(actor, "resource.purged", resource, resource.community, title=resource.title)
    search.remove_document(SEARCH_KIND, resource.id)
    links.remove_links_of("resource", [resource.id])
    resource.current_version_id = None
    db.session.flush()
    db.session.delete(resource)


def trash_of(community: Community, viewer: Any) -> list[Resource]:
    """The community's resources in the trash that the viewer may restore, most recently deleted first."""
    return list(db.session.scalars(
        select(Resource).where(Resource.community_id == community.id, scope(viewer, "restore", Resource))
        .order_by(Resource.deleted_at.desc())))


def trash_expires_at(resource: Resource) -> dt.datetime | None:
    """When a trashed resource stops being restorable by its author or convener."""
    return resource.deleted_at + dt.timedelta(days=TRASH_DAYS) if resource.deleted_at else None


def purge_expired_trash(now: dt.datetime | None = None) -> int:
    """Delete resources that have been in the trash longer than 30 days; return how many."""
    cutoff = (now or utcnow()) - dt.timedelta(days=TRASH_DAYS)
    expired = list(db.session.scalars(select(Resource).where(Resource.deleted_at < cutoff)))
    links.remove_links_of("resource", [resource.id for resource in expired])
    for resource in expired:
        search.remove_document(SEARCH_KIND, resource.id)
        resource.current_version_id = None
    db.session.flush()
    for resource in expired:
        db.session.delete(resource)
    return len(expired)


# --- comments, favourites, downloads -------------------------------------------------------------


def add_comment(resource: Resource, body: str, *, actor: User) -> ResourceComment:
    """Comment on a resource in Markdown."""
    body = _text(body, "body", MAX_COMMENT)
    if not has_visible_text(body):
        raise ValidationError(str(_l("Write a comment first.")), field="body")
    comment = ResourceComment(resource_id=resource.id, author_id=actor.id, body=body,
                              body_html=str(render_markdown(body)))
    db.session.add(comment)
    db.session.flush()
    reindex(resource)
    return comment


def comments_of(resource: Resource) -> list[ResourceComment]:
    """The comments on a resource, oldest first, authors loaded."""
    return list(db.session.scalars(
        select(ResourceComment).options(selectinload(ResourceComment.author))
        .where(ResourceComment.resource_id == resource.id, ResourceComment.live)
        .order_by(ResourceComment.created_at, ResourceComment.id)))


def toggle_favourite(resource: Resource, user: User) -> bool:
    """Mark or unmark a favourite; return whether it is one now."""
    existing = db.session.get(Favourite, (user.id, resource.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(Favourite(user_id=user.id, resource_id=resource.id))
    db.session.flush()
    return True


def is_favourite(resource: Resource, user: Any) -> bool:
    """Whether the user marked this resource."""
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(Favourite, (user.id, resource.id)) is not None


def count_download(resource: Resource) -> None:
    """Count a download in one UPDATE (no read-modify-write, so concurrent downloads all count)."""
    db.session.execute(update(Resource).where(Resource.id == resource.id)
                       .values(download_count=Resource.download_count + 1))


# --- pictures of the library in a document ---------------------------------------------------------

# The addresses of a resource's file a text may show as a picture (`![板書](/c/<slug>/resources/11/download)`).
PICTURE_ROUTES = frozenset({"resources.download", "resources.inline_file", "resources.thumbnail"})


def library_pictures(reader: Any) -> Callable[[str], bytes | None]:
    """The `image_source` of a Word document `reader` exports (core/docx.DocxBuilder): an `<img src>` naming a
    picture of the library gives it, turned upright and sized for print, when `reader` may see that resource, as
    the page showed it to them; anything else (a resource they may not see, another site, no picture) gives None,
    and the document shows the image's alt. Each address is read once per document."""
    kept: dict[str, bytes | None] = {}

    def picture(src: str) -> bytes | None:
        if src not in kept:
            kept[src] = _library_picture(src, reader)
        return kept[src]

    return picture


def _library_picture(src: str, reader: Any) -> bytes | None:
    route = site_route(src)
    if route is None or route[0] not in PICTURE_ROUTES:
        return None
    endpoint, values, query = route
    resource = db.session.get(Resource, values.get("resource_id"))
    if resource is None or resource.community.slug != values.get("slug") or not can(reader, "view", resource):
        return None
    version = resource.current_version
    asked = query.get("version") if endpoint != "resources.thumbnail" else None  # the thumbnail is the current one's
    if asked:
        number = parse_number(asked[0], 1)
        if number is None:
            return None  # the page answered 404: no picture there either
        version = db.session.scalar(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id,
                                                                  ResourceVersion.number == number))
    if version is None or version.is_text or version.blob is None or not version.media_type.startswith("image/"):
        return None
    return print_photo(version.blob)


# --- search --------------------------------------------------------------------------------------


def reindex(resource: Resource) -> None:
    """Put the resource's words into the search index: its text first, then comments, then tags and labels."""
    if not resource.live:
        search.remove_document(SEARCH_KIND, resource.id)
        return
    comments = db.session.scalars(select(ResourceComment.body).where(
        ResourceComment.resource_id == resource.id, ResourceComment.live)).all()
    version = resource.current_version
    # Markdown is indexed as plain words, so that snippets show text rather than asterisks and hashes.
    text = ""
    if version is not None:
        markdown = version.body if version.is_text else (
            version.extracted_text if version.media_type == "text/markdown" else None)
        text = markdown_to_text(markdown) if markdown is not None else (version.extracted_text or "")
    parts = [text, markdown_to_text(resource.description), *(markdown_to_text(body) for body in comments),
             " ".join(tag.name for tag in resource.tags), resource.subject, resource.grade,
             version.filename if version else ""]
    search.index_document(SEARCH_KIND, resource.id, community_id=resource.community_id, title=resource.title,
                          body="\n".join(part for part in parts if part), visibility=resource.visibility,
                          updated_at=resource.updated_at)


def tag_suggestions(community: Community, prefix: str = "", limit: int = 12) -> list[str]:
    """The community's tags by use, those starting with `prefix` first."""
    query = (select(Tag.name, func.count().label("uses"))
             .join(Resource.tags).where(Resource.community_id == community.id, Resource.live)
             .group_by(Tag.id, Tag.name).order_by(func.count().desc(), Tag.name).limit(limit))
    prefix = clean_line(prefix)[:MAX_TAG]
    if prefix:
        query = query.where(func.lower(Tag.name).startswith(prefix.lower(), autoescape=True))
    return [name for name, _uses in db.session.execute(query)]


# --- what a viewer may see -----------------------------------------------------------------------


def visible_condition(user: Any) -> Any:
    """The SQL condition for resources the user may read outside the trash (the policy's scope)."""
    return Resource.live & scope(user, "view", Resource)


SORTS = ("relevance", "newest", "downloads")
PER_PAGE = 24


@dataclass(frozen=True)
class ResourceFilters:
    """What a person narrowed the library to."""

    q: str = ""
    kind: str = ""
    subject: str = ""
    grade: str = ""
    tag: str = ""
    author_id: int | None = None
    community_id: int | None = None
    sort: str = ""
    page: int = 1
    favourites: bool = False  # only the reader's own favourites


@dataclass(frozen=True)
class ResourceRow:
    """A resource in a list, read as a row of the columns the list draws (no ORM objects: a library page draws
    20, each with its community, author, current version and tags)."""

    id: int
    title: str
    kind: str
    subject: str
    grade: str
    updated_at: dt.datetime
    download_count: int
    community_id: int
    community_slug: str
    community_name: str
    author_id: int | None
    author_name: str | None  # None: the author's account is gone
    filename: str | None  # the current version's (None: no version)
    media_type: str | None
    tag_names: tuple[str, ...]  # a tuple: the row is the key of its cached fragment (core/fragments.py)


@dataclass(frozen=True)
class ResourcePage:
    """A page of resources, with their search snippets when the list answers a query."""

    items: list[ResourceRow]
    total: int
    page: int
    pages: int
    snippets: dict[int, Any]
    favourites: set[int]
    titles: dict[int, Any] = field(default_factory=dict)  # titles with the matched words marked


MAX_RANKED = 100  # best matches a query lists (one call of the search); enough for a person to read


def _ranked_hits(query: str) -> list[Any]:
    """The best matches of the one search interface, in its order (visibility is filtered in SQL)."""
    return search.search(query, kinds=[SEARCH_KIND], community_ids=None, limit=MAX_RANKED).hits


def list_resources(viewer: Any, filters: ResourceFilters, *, per_page: int = PER_PAGE,
                   visible: Any = None) -> ResourcePage:
    """Resources the viewer may read, filtered, sorted and paginated, in a fixed number of queries.

    `visible` is visible_condition(viewer) when the caller already has it (it costs two queries).
    """
    query = select(Resource).where(visible if visible is not None else visible_condition(viewer))
    if filters.community_id is not None:
        query = query.where(Resource.community_id == filters.community_id)
    if filters.kind:
        query = query.where(Resource.kind == filters.kind)
    if filters.subject:
        query = query.where(_either_script(Resource.subject, filters.subject))
    if filters.grade:
        query = query.where(_either_script(Resource.grade, filters.grade))
    if filters.author_id:
        query = query.where(Resource.author_id == filters.author_id)
    if filters.tag:
        query = query.where(Resource.tags.any(_either_script(Tag.name, filters.tag)))
    if filters.favourites:
        query = query.where(_favourites_of(viewer))
    snippets: dict[int, Any] = {}
    titles: dict[int, Any] = {}
    ranks: dict[int, int] = {}
    if filters.q.strip():
        hits = _ranked_hits(filters.q)
        ranks = {hit.object_id: position for position, hit in enumerate(hits)}
        snippets = {hit.object_id: hit.snippet for hit in hits}
        titles = {hit.object_id: hit.title_html for hit in hits}
        query = query.where(Resource.id.in_(list(ranks) or [-1]))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = filters.page
    pages = require_page(page, total, per_page)
    sort = filters.sort if filters.sort in SORTS else ("relevance" if ranks else "newest")
    if sort == "relevance" and ranks:
        from sqlalchemy import case

        query = query.order_by(case(ranks, value=Resource.id, else_=len(ranks)), Resource.id.desc())
    elif sort == "downloads":
        query = query.order_by(Resource.download_count.desc(), Resource.updated_at.desc(), Resource.id.desc())
    else:
        query = query.order_by(Resource.updated_at.desc(), Resource.id.desc())
    query = (query.with_only_columns(
        Resource.id, Resource.title, Resource.kind, Resource.subject, Resource.grade, Resource.updated_at,
        Resource.download_count, Resource.community_id, Community.slug, Community.name, Resource.author_id,
        User.display_name, ResourceVersion.filename, ResourceVersion.media_type)
        .join(Community, Community.id == Resource.community_id)
        .outerjoin(User, User.id == Resource.author_id)
        .outerjoin(ResourceVersion, ResourceVersion.id == Resource.current_version_id)
        .limit(per_page).offset((page - 1) * per_page))
    found = db.session.execute(query).all()
    tags: dict[int, list[str]] = {}
    if found:
        for resource_id, name in db.session.execute(
                select(resource_tags.c.resource_id, Tag.name).join(Tag, Tag.id == resource_tags.c.tag_id)
                .where(resource_tags.c.resource_id.in_([row[0] for row in found])).order_by(Tag.name)):
            tags.setdefault(resource_id, []).append(name)
    items = [ResourceRow(*row, tag_names=tuple(tags.get(row[0], ()))) for row in found]
    favourites: set[int] = set()
    if getattr(viewer, "is_authenticated", False) and items:
        favourites = set(db.session.scalars(select(Favourite.resource_id).where(
            Favourite.user_id == viewer.id, Favourite.resource_id.in_([item.id for item in items]))))
    shown = {item.id for item in items}
    return ResourcePage(items, total, page, pages, {key: value for key, value in snippets.items() if key in shown},
                        favourites, {key: value for key, value in titles.items() if key in shown})


def _either_script(column: Any, typed: str) -> Any:
    """`column` is `typed` in either Chinese script and any letter case (数学 is 數學, Maths is maths), compared in
    SQL (the same on SQLite and PostgreSQL) with the spellings script_variants gives: typed, Simplified,
    Traditional. These fold alike, so the facet's one option lists them all; a spelling OpenCC does not give back
    (a mixed 數学, or 臺 where it writes 台) is not matched."""
    return func.lower(column).in_(list(dict.fromkeys(text.lower() for text in script_variants(typed))))


def _favourites_of(viewer: Any) -> Any:
    """The resources the viewer marked (none for a visitor); what they may read is the list's own scope."""
    if not getattr(viewer, "is_authenticated", False):
        return false()
    return Resource.id.in_(select(Favourite.resource_id).where(Favourite.user_id == viewer.id))


CHINESE = ("zh_Hant", "zh_Hans")


def _grouped(values: Iterable[str]) -> list[str]:
    """One option per subject (or grade) whatever its script or case, as search folds them (數學 and 数学, Maths
    and maths), shown in the reader's script; the first spelling stands for its group. A reader of the English
    interface sees Chinese in the site's own script (a Taiwanese school's English reader was offered 数学 where
    every resource of theirs said 數學)."""
    groups: dict[str, str] = {}
    for value in values:
        groups.setdefault(search.fold(value), value)
    reader = current_locale_code()
    site = current_app.config["BABEL_DEFAULT_LOCALE"]
    with flask_babel.force_locale(site if reader not in CHINESE and site in CHINESE else reader):
        return sorted(dict.fromkeys(in_reader_script(value) for value in groups.values()))


def in_facet_spelling(filters: ResourceFilters, facets: dict[str, list[str]]) -> ResourceFilters:
    """The filters with the subject and grade spelled as the option that groups them (數學 chosen from a link,
    数学 offered to a Simplified reader), so that the select shows the choice; the list matches either."""
    def spelled(typed: str, options: list[str]) -> str:
        key = search.fold(typed) if typed else ""
        return next((option for option in options if key and search.fold(option) == key), typed)

    return replace(filters, subject=spelled(filters.subject, facets.get("subjects", [])),
                   grade=spelled(filters.grade, facets.get("grades", [])))


def facet_values(viewer: Any, community_id: int | None = None, *, visible: Any = None) -> dict[str, list[str]]:
    """The subjects and grades in use among the resources the viewer may read (for the filter selects), the two
    Chinese scripts of one grouped as one option in the reader's script."""
    base = select(Resource).where(visible if visible is not None else visible_condition(viewer))
    if community_id is not None:
        base = base.where(Resource.community_id == community_id)
    subquery = base.subquery()

    def distinct(column: Any, facet: str) -> Any:
        return select(select(literal(facet).label("facet"), column.label("value")).where(column != "")
                      .distinct().order_by(column).limit(200).subquery())

    both = union_all(distinct(subquery.c.subject, "subjects"), distinct(subquery.c.grade, "grades")).subquery()
    facets: dict[str, list[str]] = {"subjects": [], "grades": []}
    for facet, value in db.session.execute(select(both.c.facet, both.c.value).order_by(both.c.facet,
                                                                                       both.c.value)):
        facets[facet].append(value)
    return {facet: _grouped(values) for facet, values in facets.items()}


def recent_in(community: Community, limit: int = 5) -> list[Resource]:
    """The community's newest resources for its home page (one query, authors loaded)."""
    return list(db.session.scalars(
        select(Resource).options(selectinload(Resource.author))
        .where(Resource.community_id == community.id, Resource.live)
        .order_by(Resource.updated_at.desc(), Resource.id.desc()).limit(limit)))
