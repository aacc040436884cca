"""Discussion board pages: the thread list, a thread, replying, editing, moderation, sections, reports.

Every route loads the community through the one policy (outsiders get 404), then the thread or post
and asks can() for the action. Forms work without JavaScript (POST, then redirect to the post); with
htmx they answer with the fragment they change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.communities.models import Community
from workspace.core import links
from workspace.core.cache import COMMUNITY, cache_page, current_generation, poll_unchanged
from workspace.core.database import unless_busy
from workspace.core.errors import Conflict, DomainError, NotAllowed, TooSoon
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.parsing import arg, parse_id, parse_number, parse_page, read
from workspace.core.permissions import can, page_permissions, public, require
from workspace.core.security import login_redirect
from workspace.core.storage import UploadRejected, send_blob, store_upload, store_uploads
from workspace.core.text import clean_line
from workspace.discussions import audit, services
from workspace.discussions.forms import CategoryForm, EditPostForm, MoveForm, PostForm, ReportForm, ThreadForm
from workspace.discussions.models import Attachment, Category, Post, Report, Thread
from workspace.extensions import db

bp = Blueprint("discussions", __name__)

SHOW_CHOICES = ("", "unread", "unanswered")


def load_thread(slug: str, thread_id: int, action: str = "view") -> Thread:
    """Return the thread if the user reads this board (else 404) and may do `action` (else 403)."""
    community = load_community(slug, "read_material")
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.community_id != community.id:
        abort(404)
    if action != "view":
        require(can(current_user, action, thread))
    return thread


def load_post(slug: str, thread_id: int, post_id: int, action: str | None = None) -> Post:
    thread = load_thread(slug, thread_id)
    post = services.load_post(thread, post_id)
    if post is None:
        abort(404)
    if action is not None:
        require(can(current_user, action, post))
    return post



def _category_choices(community: Community, *, starting: bool = False,
                      categories: list | None = None) -> list[tuple[str, str]]:
    moderator = can(current_user, "moderate", community)
    categories = services.categories_of(community) if categories is None else categories
    return [(str(category.id), services.category_label(category)) for category in categories
            if not (starting and category.managers_only and not moderator)]


def _board_context(community: Community, **extra: Any) -> dict[str, Any]:
    return {"community": community, "category_label": services.category_label, "page_of": services.page_of, **extra}


# --- the board -----------------------------------------------------------------------------------


@bp.get("/c/<slug>/discussions/")
@cache_page(depends=[COMMUNITY])
def index(slug: str):
    """The thread list: sections, pinned first, unread counts; ?q= searches threads and replies."""
    community = load_community(slug, "read_material")
    query = clean_line(request.args.get("q", ""))[:200]
    category = services.load_category(community, arg("category", parse_id))
    show = request.args.get("show", "")
    show = show if show in SHOW_CHOICES else ""
    context = _board_context(community, categories=services.categories_of(community), category=category,
                             show=show, query=query, reports=0)
    if can(current_user, "moderate", community):
        context["reports"] = services.open_report_count(community)
    if query:
        hits, total = services.search_board(community, query)
        return render_page("discussions/index.html", "discussions/_results.html", hits=hits, total=total, page=None,
                           **context)
    page = services.list_threads(community, current_user, category=category, show=show,
                                 page=arg("page", parse_page, 1))
    return render_page("discussions/index.html", "discussions/_threads.html", page=page, **context)


@bp.post("/c/<slug>/discussions/read-all")
def read_all(slug: str):
    """Mark every thread of the board read."""
    community = load_community(slug, "read_material")
    services.mark_all_read(community, current_user)
    db.session.commit()
    flash(_("Everything on the board is marked read."), "success")
    return redirect(url_for("discussions.index", slug=slug))


@bp.get("/c/<slug>/discussions/new")
def new(slug: str):
    """The form to start a thread (in a section, or about a resource: "Discuss this")."""
    community = load_community(slug, "contribute")
    form = ThreadForm()
    categories = services.categories_of(community)  # read once: the choices and the one offered first
    form.category_id.choices = _category_choices(community, starting=True, categories=categories)
    if request.args.get("category"):
        form.category_id.data = request.args["category"]
    else:  # a convener's first choice would be Announcements: a question became an announcement unchosen
        form.category_id.data = services.everyday_category_id(categories)
    kind = next((name for name in LINKABLE if request.args.get(name)), "")
    linked = _linked_record(community, kind, arg(kind, parse_id) if kind else None)
    if linked is not None:
        form.link_kind.data, form.link_id.data = linked.kind, str(linked.record.id)
        form.title.data = form.title.data or _("About: %(title)s", title=linked.record.title)[: services.MAX_TITLE]
    return render_page("discussions/new.html", form=form, linked=linked, **_board_context(community))


LINKABLE = ("resource", "activity")  # what "Discuss this" starts a thread about


@dataclass(frozen=True)
class Linked:
    kind: str
    record: Any
    url: str


def _linked_record(community: Community, kind: str | None, object_id: int | None) -> Linked | None:
    """The record a thread discusses, if it belongs to this community and the user may see it."""
    if kind not in LINKABLE or object_id is None:
        return None
    return _shown(community, db.session.get(links.kind(kind).model, object_id))


def _shown(community: Community, record: Any) -> Linked | None:
    """The record as the thread shows it, or None when it is of another community or hidden from the user."""
    if record is None or record.community_id != community.id or not can(current_user, "view", record):
        return None
    if getattr(record, "private", False):  # a pair's meeting: the board is everyone's, the meeting is theirs
        return None
    kind = links.kind_of(record)
    if kind not in LINKABLE:
        return None
    endpoint, key = ("resources.show", "resource_id") if kind == "resource" else ("activities.show", "activity_id")
    return Linked(kind, record, url_for(endpoint, slug=community.slug, **{key: record.id}))


def _with_uploads(community: Community, form: PostForm, body: str) -> str:
    """Store files sent with the form (no JavaScript) and add them to the text as images or links."""
    uploads = [upload for upload in request.files.getlist(form.files.name) if upload and upload.filename]
    snippets = []
    for stored in store_uploads(uploads):  # every file checked before the first write
        attachment = services.add_attachment(community, stored, actor=current_user)
        snippets.append(services.attachment_markdown(community, attachment))
    return "\n\n".join([body.rstrip(), *snippets]) if snippets else body


def _upload_error(form: PostForm, error: UploadRejected) -> int:
    db.session.rollback()
    error.field = form.files.name
    attach_error(form, error)
    return 413 if error.reason == "too_large" else 422


def _too_soon(form: PostForm, error: TooSoon) -> tuple[int, int]:
    """Past the person's allowance of threads or replies: the form again, what was typed kept, the wait said above
    its fields; 429, and the seconds for Retry-After."""
    db.session.rollback()
    attach_error(form, error)
    return 429, error.retry_after


def _with_retry_after(response: Response, seconds: int | None) -> Response:
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/c/<slug>/discussions/new")
def create(slug: str):
    """Start a thread; the same form sent twice starts it once; past the person's allowance (services.check_pace)
    the form comes back with 429, its text kept."""
    community = load_community(slug, "contribute")
    form = ThreadForm()
    form.category_id.choices = _category_choices(community, starting=True)
    linked = _linked_record(community, form.link_kind.data, read(form.link_id.data, parse_id))
    status, retry_after = 422, None
    attached = any(upload and upload.filename for upload in request.files.getlist(form.files.name))
    if validate_all(form, lambda: services.check_thread(
            community, category=services.load_category(community, form.category_id.data), title=form.title.data,
            body=form.body.data, actor=current_user, attached=attached)):
        try:
            body = _with_uploads(community, form, form.body.data or "")
            thread = services.create_thread(
                community, category=services.load_category(community, form.category_id.data), title=form.title.data,
                body=body, actor=current_user, submission_key=form.submission_key.data,
                about=linked.record if linked else None)
        except UploadRejected as error:
            status = _upload_error(form, error)
        except TooSoon as error:
            status, retry_after = _too_soon(form, error)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("discussions.show", slug=slug, thread_id=thread.id))
    community = load_community(slug, "contribute")
    return _with_retry_after(render_page("discussions/new.html", form=form, linked=linked, status=status,
                                         **_board_context(community)), retry_after)


@bp.get("/c/<slug>/discussions/members")
def mention_suggestions(slug: str):
    """Members whose name matches what follows the @ (the mention autocomplete)."""
    community = load_community(slug, "read_material")
    members = services.member_suggestions(community, request.args.get("q", ""))
    return render_page("discussions/_mention_options.html", members=members)


@bp.post("/c/<slug>/discussions/attachments")
def upload_attachment(slug: str):
    """Store one image or file for a post being written; answer with the Markdown that shows it."""
    community = load_community(slug, "contribute")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(error=_("Choose a file.")), 422
    try:
        stored = store_upload(upload.stream, upload.filename)
        attachment = services.add_attachment(community, stored, actor=current_user)
    except UploadRejected as error:
        db.session.rollback()
        return jsonify(error=error.message), 413 if error.reason == "too_large" else 422
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=error.message), 403
    db.session.commit()
    return jsonify(markdown=services.attachment_markdown(community, attachment), filename=attachment.filename), 201


@bp.get("/c/<slug>/discussions/files/<int:attachment_id>")
def attachment_file(slug: str, attachment_id: int):
    """Serve an attachment: images inline (they show in posts), anything else as a download."""
    community = load_community(slug, "read_material")
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.community_id != community.id:
        abort(404)
    return send_blob(attachment.blob, attachment.filename, inline=attachment.is_image)


# --- a thread ------------------------------------------------------------------------------------


def _thread_context(thread: Thread, page: services.PostPage, **extra: Any) -> dict[str, Any]:
    community = thread.community
    reply_form = extra.pop("reply_form", None)
    if reply_form is None and can(current_user, "reply", thread):
        reply_form = PostForm(formdata=None)
    move_form = None
    if can(current_user, "moderate", thread):
        move_form = MoveForm(formdata=None, category_id=str(thread.category_id))
        move_form.category_id.choices = _category_choices(community)
    return _board_context(community, thread=thread, page=page, reply_form=reply_form, move_form=move_form,
                          watching=services.is_watching(thread, current_user), last_page=page.page == page.pages,
                          linked=_linked_for(thread), generation=current_generation(),
                          may_reply=can(current_user, "reply", thread),
                          may_mark_answer=can(current_user, "mark_answer", thread),
                          may_post=page_permissions(current_user, Post, thread),
                          thread_url=url_for("discussions.show", slug=community.slug, thread_id=thread.id), **extra)


def _linked_for(thread: Thread) -> Linked | None:
    return _shown(thread.community, services.subject_of(thread))


def _remember_read(thread: Thread, number: int, already: int) -> None:
    """Move the read mark after the page was rendered: the write lock is taken at this write (core/database),
    and a busy database leaves the mark for the next view rather than failing the page."""
    if number > already:
        with unless_busy():
            services.mark_read(thread.id, current_user.id, number)
            db.session.commit()


@bp.get("/c/<slug>/discussions/<int:thread_id>")
@cache_page(depends=[COMMUNITY])
def show(slug: str, thread_id: int):
    """A thread, one page of posts at a time; ?quote=<post id> starts the reply with a quote."""
    thread = load_thread(slug, thread_id)
    page = services.posts_page(thread, current_user, arg("page", parse_page, 1))
    reply_form = None
    quoted = arg("quote", parse_id)
    if quoted is not None and can(current_user, "reply", thread):
        post = services.load_post(thread, quoted)
        if post is not None and not post.deleted:
            reply_form = PostForm(formdata=None, body=services.quote_text(post))
    already = services.last_read_number(thread, current_user)
    response = render_page("discussions/show.html", **_thread_context(thread, page, reply_form=reply_form,
                                                                      read_before=already))
    if page.posts:
        _remember_read(thread, page.posts[-1].number, already)
    return response


@bp.get("/c/<slug>/discussions/<int:thread_id>/posts")
@public  # the login is checked below, after the cheap answer that tells nothing
def new_posts(slug: str, thread_id: int):
    """The live update of an open thread: posts after ?after=N, or 204 when there are none.

    ?gen= is the write counter the page saw: while nothing at all was written since, the answer is an
    empty 204 at once, whoever asks (it tells nothing), mostly without touching the database (the
    counter as read at most a second ago). Otherwise the usual checks.
    """
    if poll_unchanged():
        return Response(status=204)
    if not current_user.is_authenticated:
        return login_redirect()
    thread = load_thread(slug, thread_id)
    # The poll's own counter: one that does not parse means "nothing known", as a fresh page would.
    after = parse_number(request.args.get("after"))
    after_number = thread.last_number if after is None else after
    if thread.last_number <= after_number:  # written elsewhere: a poller that knows the new counter
        return render_page("discussions/_poller.html", **_board_context(thread.community, thread=thread,
                                                                        generation=current_generation()))
    page = services.posts_after(thread, current_user, after_number)
    already = services.last_read_number(thread, current_user)
    context = _thread_context(thread, page, read_before=already)
    response = render_page("discussions/_new_posts.html", **context)
    if page.posts:
        _remember_read(thread, page.posts[-1].number, already)
    return response


@bp.post("/c/<slug>/discussions/<int:thread_id>/reply")
def add_reply(slug: str, thread_id: int):
    """Reply to a thread (refused, with the text kept, when it is locked, the community archived, or the person
    past their allowance of replies: 429)."""
    thread = load_thread(slug, thread_id)
    form = PostForm()
    status, retry_after = 422, None
    if form.validate():
        try:
            body = _with_uploads(thread.community, form, form.body.data or "")
            post = services.reply(thread, body, actor=current_user, submission_key=form.submission_key.data)
        except UploadRejected as error:
            status = _upload_error(form, error)
        except TooSoon as error:
            status, retry_after = _too_soon(form, error)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if wants_fragment():  # a fresh form; the thread's own poll fetches the new post at once
                # Said in the page's live region: the form only empties, and a screen reader heard nothing.
                flash(_("Your reply is posted."), "success")
                # Replying makes one watch the thread: the button says so, out of band.
                response = render_page("discussions/_reply_form.html", refresh_watch=True,
                                       **_board_context(thread.community, thread=thread, reply_form=PostForm(
                                           formdata=None)))
                response.headers["HX-Trigger"] = "thread-updated"
                return response
            return redirect(services.post_path(thread.community, thread.id, post.number))
    thread = load_thread(slug, thread_id)
    if wants_fragment():
        return _with_retry_after(render_page("discussions/_reply_form.html", status=status,
                                             **_board_context(thread.community, thread=thread, reply_form=form)),
                                 retry_after)
    page = services.posts_page(thread, current_user, services.page_of(thread.last_number))
    return _with_retry_after(render_page("discussions/show.html", status=status,
                                         **_thread_context(thread, page, reply_form=form)), retry_after)


@bp.post("/c/<slug>/discussions/<int:thread_id>/watch")
def watch(slug: str, thread_id: int):
    """Start or stop hearing of new replies in this thread."""
    thread = load_thread(slug, thread_id)
    watching = request.form.get("watching") == "1"
    services.set_watching(thread, current_user, watching)
    db.session.commit()
    if wants_fragment():
        return render_page("discussions/_watch.html", oob=False, watching=watching,
                           **_board_context(thread.community, thread=thread))
    return redirect(url_for("discussions.show", slug=slug, thread_id=thread.id))


@bp.post("/c/<slug>/discussions/<int:thread_id>/pin")
def pin(slug: str, thread_id: int):
    thread = load_thread(slug, thread_id, "moderate")
    services.set_pinned(thread, request.form.get("pinned") == "1", actor=current_user)
    db.session.commit()
    flash(_("Pinned to the top of the board.") if thread.pinned else _("No longer pinned."), "success")
    return redirect(url_for("discussions.show", slug=slug, thread_id=thread.id))


@bp.post("/c/<slug>/discussions/<int:thread_id>/lock")
def lock(slug: str, thread_id: int):
    thread = load_thread(slug, thread_id, "moderate")
    services.set_locked(thread, request.form.get("locked") == "1", actor=current_user)
    db.session.commit()
    flash(_("Locked: no new replies or edits.") if thread.locked else _("Unlocked."), "success")
    return redirect(url_for("discussions.show", slug=slug, thread_id=thread.id))


@bp.post("/c/<slug>/discussions/<int:thread_id>/move")
def move(slug: str, thread_id: int):
    thread = load_thread(slug, thread_id, "moderate")
    form = MoveForm()
    form.category_id.choices = _category_choices(thread.community)
    if form.validate():
        services.move_thread(thread, services.load_category(thread.community, form.category_id.data),
                             actor=current_user)
        db.session.commit()
        flash(_("Moved to %(section)s.", section=services.category_label(thread.category)), "success")
    else:
        flash(_("Choose a section."), "error")
    return redirect(url_for("discussions.show", slug=slug, thread_id=thread.id))


# --- one post ------------------------------------------------------------------------------------


def _post_fragment(post: Post, status: int = 200) -> Response:
    thread = post.thread
    mine = {post.id} if services.is_helpful_to(post, current_user) else set()
    return render_page("discussions/_post.html", status=status, **_board_context(
        thread.community, thread=thread, post=post, helpful_mine=mine,
        author_roles=services.author_roles(thread.community_id),
        may_post=page_permissions(current_user, Post, thread),
        read_before=services.last_read_number(thread, current_user)))


def _back_to(post: Post) -> Response:
    return redirect(services.post_path(post.thread.community, post.thread_id, post.number))


@bp.get("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>")
def post_detail(slug: str, thread_id: int, post_id: int):
    """One post (htmx: the post itself, e.g. to cancel an edit; otherwise its place in the thread)."""
    post = load_post(slug, thread_id, post_id)
    if wants_fragment():
        return _post_fragment(post)
    return _back_to(post)


@bp.get("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/edit")
def edit_post(slug: str, thread_id: int, post_id: int):
    post = load_post(slug, thread_id, post_id, "edit")
    form = EditPostForm(formdata=None, body=post.body, base_version=post.version, title=post.thread.title)
    return _edit_page(post, form)


def _edit_page(post: Post, form: EditPostForm, status: int = 200, conflict: bool = False) -> Response:
    thread = post.thread
    return render_page("discussions/edit.html", "discussions/_post_edit.html", status=status,
                       **_board_context(thread.community, thread=thread, post=post, form=form, conflict=conflict))


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/edit")
def update_post(slug: str, thread_id: int, post_id: int):
    """Save an edit; someone else's save in between is a conflict shown beside the typed text."""
    post = load_post(slug, thread_id, post_id)
    if not post.thread.locked:  # a lock is explained beside the kept text, any other refusal is a 403
        require(can(current_user, "edit", post))
    form = EditPostForm()
    conflict = False
    if validate_all(form, lambda: services.check_edit(post, title=form.title.data if post.number == 1 else None,
                                                      body=form.body.data)):
        try:
            services.edit_post(post, form.body.data or "", actor=current_user, base_version=form.base_version.data or 0,
                               title=form.title.data if post.number == 1 else None)
        except Conflict as error:
            db.session.rollback()
            attach_error(form, error)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if wants_fragment():
                return _post_fragment(post)
            flash(_("Saved."), "success")
            return _back_to(post)
    post = load_post(slug, thread_id, post_id)
    if conflict:  # the next save starts from what is saved now
        form.base_version.raw_data, form.base_version.data = None, post.version
    return _edit_page(post, form, status=422, conflict=conflict)


@bp.get("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/history")
def post_history(slug: str, thread_id: int, post_id: int):
    """Earlier versions of an edited post (its author and the conveners)."""
    post = load_post(slug, thread_id, post_id, "view_history")
    return render_page("discussions/history.html", **_board_context(
        post.thread.community, thread=post.thread, post=post, revisions=services.revisions_of(post)))


def _post_action(slug: str, thread_id: int, post_id: int, act: Any, message: str) -> Response:
    post = load_post(slug, thread_id, post_id)
    try:
        act(post)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, NotAllowed):
            abort(403)
        flash(error.message, "error")
        return _back_to(post)
    db.session.commit()
    if wants_fragment():
        return _post_fragment(post)
    if message:
        flash(message, "success")
    return _back_to(post)


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/delete")
def delete_post(slug: str, thread_id: int, post_id: int):
    return _post_action(slug, thread_id, post_id, lambda post: services.delete_post(post, actor=current_user),
                        _("Deleted. A convener can restore it."))


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/restore")
def restore_post(slug: str, thread_id: int, post_id: int):
    return _post_action(slug, thread_id, post_id, lambda post: services.restore_post(post, actor=current_user),
                        _("Restored."))


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/helpful")
def helpful(slug: str, thread_id: int, post_id: int):
    return _post_action(slug, thread_id, post_id, lambda post: services.toggle_helpful(post, current_user), "")


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/answer")
def answer(slug: str, thread_id: int, post_id: int):
    """Mark a reply as the answer (or unmark it); the whole thread shows the change, so reload it."""
    post = load_post(slug, thread_id, post_id)
    try:
        chosen = services.mark_answer(post.thread, post, actor=current_user)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back_to(post)
    db.session.commit()
    flash(_("Marked as the answer.") if chosen else _("No longer marked as the answer."), "success")
    return _back_to(post)


@bp.get("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/report")
def report_form(slug: str, thread_id: int, post_id: int):
    post = load_post(slug, thread_id, post_id, "report")
    return render_page("discussions/report.html", **_board_context(post.thread.community, thread=post.thread,
                                                                    post=post, form=ReportForm()))


@bp.post("/c/<slug>/discussions/<int:thread_id>/posts/<int:post_id>/report")
def report(slug: str, thread_id: int, post_id: int):
    """Report a post to the conveners, with a reason."""
    post = load_post(slug, thread_id, post_id, "report")
    form = ReportForm()
    if form.validate():
        try:
            services.report_post(post, form.reason.data or "", actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you. The conveners will look at it."), "success")
            return _back_to(post)
    post = load_post(slug, thread_id, post_id, "report")
    return render_page("discussions/report.html", status=422, **_board_context(
        post.thread.community, thread=post.thread, post=post, form=form))


# --- conveners: reports and sections -------------------------------------------------------------


@bp.get("/c/<slug>/discussions/reports")
def reports(slug: str):
    """Open reports, oldest first (conveners)."""
    community = load_community(slug, "moderate")
    return render_page("discussions/reports.html", reports=services.open_reports(community),
                       **_board_context(community))


@bp.post("/c/<slug>/discussions/reports/<int:report_id>")
def resolve_report(slug: str, report_id: int):
    """Dismiss a report or delete the reported post."""
    community = load_community(slug, "moderate")
    item = db.session.get(Report, report_id)
    if item is None or item.community_id != community.id or item.resolved_at is not None:
        abort(404)
    remove = request.form.get("action") == "delete"
    services.resolve_report(item, actor=current_user, remove_post=remove)
    db.session.commit()
    flash(_("The post is deleted.") if remove else _("The report is dismissed."), "success")
    return redirect(url_for("discussions.reports", slug=slug))


def _load_category(community: Community, category_id: int) -> Category:
    category = services.load_category(community, category_id)
    if category is None:
        abort(404)
    return category


def _categories_page(community: Community, form: CategoryForm | None = None, status: int = 200,
                     errors: dict[int, str] | None = None, typed: dict[int, str] | None = None) -> Response:
    return render_page("discussions/categories.html", status=status, categories=services.categories_of(community),
                       form=form or CategoryForm(formdata=None), errors=errors or {}, typed=typed or {},
                       **_board_context(community))


@bp.get("/c/<slug>/discussions/categories")
def categories(slug: str):
    """The board's sections: add, rename, reorder, remove (conveners)."""
    return _categories_page(load_community(slug, "moderate"))


@bp.post("/c/<slug>/discussions/categories")
def add_category(slug: str):
    community = load_community(slug, "moderate")
    form = CategoryForm()
    if form.validate():
        try:
            services.add_category(community, form.name.data, actor=current_user, questions=form.questions.data,
                                  managers_only=form.managers_only.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Section added."), "success")
            return redirect(url_for("discussions.categories", slug=slug))
    return _categories_page(load_community(slug, "moderate"), form, status=422)


@bp.post("/c/<slug>/discussions/categories/<int:category_id>")
def update_category(slug: str, category_id: int):
    community = load_community(slug, "moderate")
    category = _load_category(community, category_id)
    action = request.form.get("action", "save")
    try:
        if action in {"up", "down"}:
            services.move_category(category, -1 if action == "up" else 1)
        elif action == "delete":
            services.delete_category(category, actor=current_user)
        else:
            services.update_category(category, request.form.get("name", ""), actor=current_user,
                                     questions=request.form.get("questions") == "y",
                                     managers_only=request.form.get("managers_only") == "y")
    except DomainError as error:
        db.session.rollback()
        return _categories_page(load_community(slug, "moderate"), status=422, errors={category_id: error.message},
                                typed={category_id: request.form.get("name", "")})
    db.session.commit()
    return redirect(url_for("discussions.categories", slug=slug))


# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())
