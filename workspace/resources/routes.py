"""Resource library pages: a community's library, adding, a resource, versions, files, trash, /library/."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workspace.communities.access import load_community
from workspace.communities.models import Community
from workspace.core.cache import COMMUNITY, EVERYTHING, MY_COMMUNITIES, cache_page
from workspace.core.database import unless_busy
from workspace.core.docx import DOCX_TYPE
from workspace.core.errors import Checks, DomainError, ValidationError
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.i18n import current_locale_code, listing
from workspace.core.models import Blob
from workspace.core.once import ALREADY_SAVED, Claim, claim
from workspace.core.parsing import arg, form_value, numbers, parse_id, parse_page
from workspace.core.permissions import can, change_and_say, deny, public, require
from workspace.core.storage import (
    UploadRejected,
    make_thumbnail,
    send_blob,
    send_built,
    store_uploads,
    titled_filename,
)
from workspace.core.text import clean_line
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.resources import audit, services
from workspace.resources.export import resource_docx
from workspace.resources.forms import CommentForm, NewResourceForm, ResourceForm, VersionForm
from workspace.resources.models import Resource, ResourceVersion

TEXT_FORMATS = {"md": "md", "docx": "docx"}  # how a text resource may be downloaded (?format=)
THUMBNAIL_SIZES = {"small": 320, "large": 1280}  # the longest side of an image resource's smaller copies (?size=)

bp = Blueprint("resources", __name__)

INLINE_TYPES = ("image/", "application/pdf", "video/", "audio/")


def _filters(community_id: int | None = None) -> services.ResourceFilters:
    args = request.args
    if community_id is None:  # the school-wide library narrows to one community on request
        community_id = arg("community", parse_id)
    return services.ResourceFilters(
        q=clean_line(args.get("q", ""))[:200], kind=args.get("kind", ""), subject=clean_line(args.get("subject", "")),
        grade=clean_line(args.get("grade", "")), tag=clean_line(args.get("tag", ""))[:40],
        author_id=arg("author", parse_id), community_id=community_id,
        sort=args.get("sort", ""), page=arg("page", parse_page, 1), favourites=args.get("favourites") == "1",
    )


def load_resource(slug: str, resource_id: int, action: str = "view") -> Resource:
    """Return the resource if the user may see it and do `action` (else 403).

    One kept from someone who sees its community (a guest expert, a reviewer in scope) answers 403, as
    the community's list does; to anyone else, and from the trash, it does not exist (404).
    """
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.community.slug != slug:
        abort(404)
    if not can(current_user, "view", resource):
        sees_community = can(current_user, "view", resource.community)
        deny(hide=not resource.live or not sees_community)
    if action != "view":
        require(can(current_user, action, resource))
    return resource


def _version(resource: Resource) -> ResourceVersion:
    number = arg("version", numbers(1))
    if number is None:
        version = resource.current_version
    else:
        version = db.session.scalar(select(ResourceVersion).where(
            ResourceVersion.resource_id == resource.id, ResourceVersion.number == number))
    if version is None:
        abort(404)
    return version


# --- a community's library -----------------------------------------------------------------------


@bp.get("/c/<slug>/resources/")
@cache_page(depends=[COMMUNITY])
def index(slug: str):
    """List, filter, sort and search the community's resources (the results alone for htmx)."""
    community = load_community(slug, "read_material")
    filters = _filters(community.id)
    visible = services.visible_condition(current_user)
    page = services.list_resources(current_user, filters, visible=visible)
    facets = services.facet_values(current_user, community.id, visible=visible)
    return render_page("resources/index.html", "resources/_results.html", community=community, page=page,
                       filters=services.in_facet_spelling(filters, facets), facets=facets,
                       kinds=services.KIND_LABELS, list_url=url_for("resources.index", slug=slug))


@bp.get("/c/<slug>/resources/tags")
def tag_suggestions(slug: str):
    """Suggest the community's tags for the tag field."""
    community = load_community(slug, "read_material")
    tags = services.tag_suggestions(community, request.args.get("tags", "").split(",")[-1])
    return render_page("resources/_tag_options.html", tags=tags)


@bp.get("/c/<slug>/resources/new")
def new(slug: str):
    """Show the form to add files or a text."""
    community = load_community(slug, "contribute")
    return render_page("resources/new.html", community=community, form=NewResourceForm(),
                       kinds_by_file=services.kinds_by_file())


def _fields(form: ResourceForm, title: str | None = None) -> services.ResourceFields:
    return services.ResourceFields(
        title=title if title is not None else (form.title.data or ""), kind=form.kind.data or "",
        subject=form.subject.data or "", grade=form.grade.data or "", tags=form.tags.data or "",
        description=form.description.data or "", visibility=form.visibility.data or "community")


def _file_title(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return stem[: services.MAX_TITLE] or filename


@bp.post("/c/<slug>/resources/new")
def create(slug: str):
    """Add each uploaded file as a resource, or the written text as one; answer each upload on its own."""
    community = load_community(slug, "contribute")
    form = NewResourceForm()
    one_by_one = request.headers.get("X-Upload") == "1"  # app.js sends files one request each, with progress
    status = 422
    if validate_all(form, lambda: _check_new(form)):
        try:
            once = claim(form.once_token, current_user, fallback=url_for("resources.index", slug=slug)) \
                if not one_by_one else Claim(None)
            if once.repeat is not None:
                db.session.rollback()
                flash(ALREADY_SAVED, "info")
                return redirect(once.repeat)
            created = _create_from_form(community, form)
            once.answered(url_for("resources.show", slug=slug, resource_id=created[0].id) if len(created) == 1
                          else url_for("resources.index", slug=slug))
        except UploadRejected as error:
            db.session.rollback()
            error.field = form.files.name  # this form's file field holds several files
            attach_error(form, error)
            status = 413 if error.reason == "too_large" else 422
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if one_by_one:
                return render_page("resources/_uploaded.html", resources=created, community=community, status=201)
            flash(_("Added: %(titles)s", titles=listing(resource.title for resource in created)), "success")
            target = url_for("resources.show", slug=slug, resource_id=created[0].id) if len(created) == 1 \
                else url_for("resources.index", slug=slug)
            return redirect(target)
    if one_by_one:
        return render_page("resources/_upload_errors.html", form=form, status=status)
    return render_page("resources/new.html", community=community, form=form, status=status,
                       kinds_by_file=services.kinds_by_file())


def _uploads(form: NewResourceForm) -> list[Any]:
    return [upload for upload in request.files.getlist(form.files.name) if upload and upload.filename]


def _check_new(form: NewResourceForm) -> None:
    """The service's checks of what was typed, with the file or the text it needs (all refused together)."""
    written = form.source.data == "text"
    checks = Checks()
    with checks:
        services.check_fields(_fields(form), body=(form.body.data or "") if written else None,
                              title_required=written, kind_from_file=True)
    with checks:
        if not written and not _uploads(form):
            raise ValidationError(_("Choose at least one file."), field="files")
    checks.done()


def _create_from_form(community: Community, form: NewResourceForm) -> list[Resource]:
    if form.source.data == "text":
        fields = _fields(form)
        return [services.create_text_resource(community, fields, form.body.data or "", actor=current_user)]
    uploads = _uploads(form)
    if not uploads:
        raise ValidationError(_("Choose at least one file."), field="files")
    created = []
    # upload.js sends the files of one choice one request each, saying how many there were (`batch`)
    several = len(uploads) > 1 or form_value("batch", numbers(1, 1000), 1) > 1
    for stored in store_uploads(uploads, extract_text=True):  # every file checked before the first write
        created.append(services.create_file_resource(community, _fields(form, _upload_title(
            form.title.data, stored.filename, several=several)), stored, actor=current_user))
    return created


def _upload_title(typed: str | None, filename: str, *, several: bool) -> str:
    """An uploaded file's title: the one typed, the file's name when none was, and both when several files were
    chosen with one title (the same title on a lesson plan and its photo made two identical entries)."""
    typed = clean_line(typed)
    if not typed:
        return _file_title(filename)
    if not several:
        return typed
    return _("%(text)s (%(detail)s)", text=typed, detail=_file_title(filename))[: services.MAX_TITLE]


# --- one resource --------------------------------------------------------------------------------


def _show_context(resource: Resource, **extra: Any) -> dict[str, Any]:
    version = resource.current_version
    member = can(current_user, "read_material", resource.community)
    return {
        "community": resource.community, "resource": resource, "version": version,
        "versions": services.versions_of(resource), "comments": services.comments_of(resource),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "version_form": extra.pop("version_form", None) or VersionForm(),
        "favourite": services.is_favourite(resource, current_user), "kinds": services.KIND_LABELS,
        "visibilities": services.VISIBILITY_LABELS, "member": member,
        "threads": discussions.threads_about(resource) if member else [],
        **extra,
    }


@bp.get("/c/<slug>/resources/<int:resource_id>")
@public
@cache_page(depends=[COMMUNITY, MY_COMMUNITIES])  # a published plan: where the reader may adapt it
def show(slug: str, resource_id: int):
    """Show a resource: its preview, versions, comments (public ones to visitors too)."""
    resource = load_resource(slug, resource_id)
    return render_page("resources/show.html", **_show_context(resource))


@bp.get("/c/<slug>/resources/<int:resource_id>/edit")
def edit(slug: str, resource_id: int):
    """Show the form to change the resource's details."""
    resource = load_resource(slug, resource_id, "edit")
    form = ResourceForm(obj=resource)
    # Set after: WTForms takes a field from `obj` before a keyword, and the resource's tags are Tag rows (the field
    # showed "[<Tag 18>, <Tag 17>]", and saving the form unchanged made those the tags).
    form.tags.data = ", ".join(tag.name for tag in resource.tags)
    return render_page("resources/edit.html", community=resource.community, resource=resource, form=form)


@bp.post("/c/<slug>/resources/<int:resource_id>/edit")
def update(slug: str, resource_id: int):
    """Save the resource's details (widened to more readers who would see some of its pictures broken: say which
    first)."""
    resource = load_resource(slug, resource_id, "edit")
    form = ResourceForm()
    if validate_all(form, lambda: services.check_fields(_fields(form))):
        # Made visible to more people: first say which of its pictures they would see broken (saved when asked again).
        hidden = [] if request.form.get("pictures") == "accepted" else \
            services.pictures_hidden_by_widening(resource, form.visibility.data or "")
        if hidden:
            db.session.rollback()
            return render_page("resources/edit.html", community=resource.community, resource=resource, form=form,
                               hidden_pictures=hidden, status=409)
        try:
            services.update_resource(resource, _fields(form), actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("resources.show", slug=slug, resource_id=resource.id))
    db.session.rollback()
    resource = load_resource(slug, resource_id, "edit")
    return render_page("resources/edit.html", community=resource.community, resource=resource, form=form, status=422)


@bp.post("/c/<slug>/resources/<int:resource_id>/versions")
def add_version(slug: str, resource_id: int):
    """Upload a new version (or save new text) with a note; the newest becomes the default."""
    resource = load_resource(slug, resource_id, "add_version")
    form = VersionForm()
    status = 422
    if form.validate():
        try:
            if resource.current_version and resource.current_version.is_text:
                services.add_text_version(resource, form.body.data or "", actor=current_user, note=form.note.data)
            else:
                uploads = [upload for upload in request.files.getlist(form.file.name) if upload and upload.filename]
                if not uploads:
                    raise DomainError(_("Choose the new file."), field="file")
                stored = store_uploads(uploads[:1], extract_text=True)[0]
                services.add_file_version(resource, stored, actor=current_user, note=form.note.data or "")
        except UploadRejected as error:
            db.session.rollback()
            attach_error(form, error)
            status = 413 if error.reason == "too_large" else 422
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The new version is saved."), "success")
            return redirect(url_for("resources.show", slug=slug, resource_id=resource.id) + "#versions")
    resource = load_resource(slug, resource_id, "add_version")
    return render_page("resources/show.html", status=status, **_show_context(resource, version_form=form))


@bp.get("/c/<slug>/resources/<int:resource_id>/download")
@public
def download(slug: str, resource_id: int):
    """Download a version (the newest unless ?version=N) as an attachment, counting the download. A text resource
    comes as Markdown, or as a Word document with `?format=docx` (what the page offers first)."""
    resource = load_resource(slug, resource_id)
    version = _version(resource)
    word = arg("format", TEXT_FORMATS.get, "md") == "docx"
    if word and not version.is_text:
        abort(404)  # a file is sent as it was uploaded
    with unless_busy():  # a busy database skips the count, not the download
        services.count_download(resource)
        db.session.commit()
    if word:
        # A published plan's pictures from the library, as this reader sees them on the page (else their alt).
        return send_built(resource_docx(resource, version, language=current_locale_code(),
                                        image_source=services.library_pictures(current_user)),
                          titled_filename(resource.title, "docx"), DOCX_TYPE)
    if version.is_text:
        return send_built(version.body or "", titled_filename(resource.title, "md"), "text/markdown")
    return send_blob(version.blob, version.filename)


@bp.get("/c/<slug>/resources/<int:resource_id>/file")
@public
def inline_file(slug: str, resource_id: int):
    """Serve a version inline for the preview (images, PDF, audio, video; anything else downloads)."""
    resource = load_resource(slug, resource_id)
    version = _version(resource)
    if version.is_text:
        abort(404)
    return send_blob(version.blob, version.filename, inline=version.media_type.startswith(INLINE_TYPES))


@bp.get("/c/<slug>/resources/<int:resource_id>/thumbnail")
@public
def thumbnail(slug: str, resource_id: int):
    """Serve a small image of an image resource (kept as its own blob): 320 px for the lists, or `?size=large`
    (1280 px) for the resource's page, which sent a phone's 4 MB original to a 375-px screen."""
    resource = load_resource(slug, resource_id)
    size = arg("size", THUMBNAIL_SIZES.get, THUMBNAIL_SIZES["small"])
    version = resource.current_version
    if version is None or version.is_text or not version.media_type.startswith("image/"):
        abort(404)
    small: Blob | None = make_thumbnail(version.blob, size=size)
    db.session.commit()
    if small is None:
        abort(404)
    return send_blob(small, version.filename, inline=True)


@bp.post("/c/<slug>/resources/<int:resource_id>/comments")
def add_comment(slug: str, resource_id: int):
    """Comment on a resource."""
    resource = load_resource(slug, resource_id, "comment")
    form = CommentForm()
    if form.validate():
        try:
            services.add_comment(resource, form.body.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            if wants_fragment():  # an empty form for the next comment, not the one just posted
                return render_page("resources/_comments.html",
                                   **_show_context(resource, comment_form=CommentForm(formdata=None)))
            return redirect(url_for("resources.show", slug=slug, resource_id=resource.id) + "#comments")
    db.session.rollback()
    resource = load_resource(slug, resource_id, "comment")
    context = _show_context(resource, comment_form=form)
    return render_page("resources/show.html", "resources/_comments.html", status=422, **context)


@bp.post("/c/<slug>/resources/<int:resource_id>/favourite")
def favourite(slug: str, resource_id: int):
    """Mark or unmark the resource as a favourite."""
    resource = load_resource(slug, resource_id)
    services.toggle_favourite(resource, current_user)
    db.session.commit()
    if wants_fragment():
        return render_page("resources/_favourite.html", resource=resource, community=resource.community,
                           favourite=services.is_favourite(resource, current_user))
    return redirect(url_for("resources.show", slug=slug, resource_id=resource.id))


@bp.post("/c/<slug>/resources/<int:resource_id>/delete")
def delete(slug: str, resource_id: int):
    """Move the resource to the trash."""
    resource = load_resource(slug, resource_id)
    change_and_say(current_user, "delete", resource, lambda: services.trash_resource(resource, actor=current_user),
                   _("Moved to the trash. It can be restored for 30 days."))
    return redirect(url_for("resources.index", slug=slug))


@bp.post("/c/<slug>/resources/<int:resource_id>/restore")
def restore(slug: str, resource_id: int):
    """Bring the resource back from the trash."""
    resource = load_resource(slug, resource_id)
    change_and_say(current_user, "restore", resource,
                   lambda: services.restore_resource(resource, actor=current_user), _("Restored."))
    return redirect(url_for("resources.show", slug=slug, resource_id=resource.id))


@bp.post("/c/<slug>/resources/<int:resource_id>/purge")
def purge(slug: str, resource_id: int):
    """Delete the resource for good (site administrators)."""
    resource = load_resource(slug, resource_id, "purge")
    services.purge_resource(resource, actor=current_user)
    db.session.commit()
    flash(_("Deleted for good."), "success")
    return redirect(url_for("resources.trash", slug=slug))


@bp.get("/c/<slug>/resources/trash")
def trash(slug: str):
    """Show the community's trash (to the people who may restore from it)."""
    community = load_community(slug, "read_material")
    items = services.trash_of(community, current_user)
    return render_page("resources/trash.html", community=community, items=items,
                       expires=services.trash_expires_at)


# --- the school-wide and public library ----------------------------------------------------------


@bp.get("/library/")
@public
@cache_page(depends=[EVERYTHING])  # resources of every community
def library():
    """Resources shared with the user's school and public ones from every community (public only to visitors)."""
    filters = _filters()
    visible = services.visible_condition(current_user)
    page = services.list_resources(current_user, filters, visible=visible)
    facets = services.facet_values(current_user, visible=visible)
    return render_page("resources/library.html", "resources/_results.html", page=page,
                       filters=services.in_facet_spelling(filters, facets), facets=facets,
                       kinds=services.KIND_LABELS, community=None, list_url=url_for("resources.library"))


# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())
