"""Discussion board rules: sections, threads, replies, edits, deletes, mentions, answers, reactions,
read marks, watches, reports, attachments and search.

Services take the actor explicitly, raise domain errors, flush but never commit. Markdown is rendered
and sanitized once, when a post is saved (core/text.py); pages show the stored HTML.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.communities.records import MemberDuring, contributing_members, current_members
from workspace.core import links, search
from workspace.core.cache import note_change, user_scope
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, TooSoon, ValidationError
from workspace.core.i18n import N_
from workspace.core.mentions import find_mentions, match_members
from workspace.core.models import record_event
from workspace.core.pagination import require_page
from workspace.core.parsing import parse_id
from workspace.core.permissions import CONTRIBUTORS, MANAGERS, can
from workspace.core.ratelimit import Allowance, duration_words
from workspace.core.storage import StoredFile, clean_filename
from workspace.core.text import (
    clean_line,
    clean_text,
    has_visible_text,
    markdown_to_text,
    name_key,
    render_markdown,
)
from workspace.discussions.models import (
    Attachment,
    Category,
    Mention,
    Post,
    PostRevision,
    Reaction,
    ReadMark,
    Report,
    Thread,
    Watch,
)
from workspace.extensions import db
from workspace.notifications import services as notifications

MAX_TITLE = 200
MAX_CATEGORY = 60
MAX_REASON = 1000
MAX_SUBMISSION_KEY = 64
THREAD_KIND = "thread"  # search documents: a thread (title and opening post) …
POST_KIND = "post"  # … and each reply
THREADS_PER_PAGE = 30

# The sections every new board starts with: (key, name, questions, managers only).
DEFAULT_CATEGORIES = (
    ("announcements", N_("Announcements"), False, True),
    ("questions", N_("Questions"), True, False),
    ("sharing", N_("Teaching sharing"), False, False),
    ("reflections", N_("Reflections"), False, False),
)
_DEFAULT_NAMES = {key: name for key, name, _questions, _managers in DEFAULT_CATEGORIES}


def max_post_length() -> int:
    return int(current_app.config.get("DISCUSSION_MAX_POST", 50_000))


def posts_per_page() -> int:
    return int(current_app.config.get("DISCUSSION_POSTS_PER_PAGE", 50))


def page_of(number: int) -> int:
    """The page of a thread that shows post number `number` (links to a post always land on it)."""
    return max(number - 1, 0) // posts_per_page() + 1


def post_path(community: Community, thread_id: int, number: int) -> str:
    """The stable address of a post: its thread, the page it is on, its anchor."""
    return f"/c/{community.slug}/discussions/{thread_id}?page={page_of(number)}#post-{number}"


# --- sections (categories) -----------------------------------------------------------------------


def add_default_categories(community: Community) -> None:
    """Give a new community's board its four default sections."""
    for position, (key, _name, questions, managers_only) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(Category(community_id=community.id, key=key, name="", position=position,
                                questions=questions, managers_only=managers_only))


def everyday_category_id(categories: Sequence[Category]) -> str | None:
    """The section a new thread is offered first among a board's sections (in order): the first that everyone may
    start threads in (not Announcements, a conveners' section), else the first."""
    everyday = next((category for category in categories if not category.managers_only), None)
    first = everyday or (categories[0] if categories else None)
    return str(first.id) if first is not None else None


def category_label(category: Category) -> str:
    """A section's name: as the convener typed it, else the default name in the reader's language."""
    return section_name(category.name, category.key)


def section_name(name: str | None, key: str | None) -> str:
    """category_label from a section's two columns (for lists that read rows, not Category objects)."""
    if name:
        return name
    return _(_DEFAULT_NAMES[key]) if key in _DEFAULT_NAMES else "—"


def categories_of(community: Community) -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.community_id == community.id).order_by(Category.position, Category.id)))


def _category_name(community: Community, name: str, *, exclude: Category | None = None) -> str:
    name = clean_line(name)
    if not has_visible_text(name):
        raise ValidationError(str(_l("This field is required.")), field="name")
    if len(name) > MAX_CATEGORY:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_CATEGORY)), field="name")
    taken = {category_label(category).casefold() for category in categories_of(community) if category is not exclude}
    if name.casefold() in taken:
        raise ValidationError(str(_l("The board already has a section with this name.")), field="name")
    return name


def add_category(community: Community, name: str, *, actor: User, questions: bool = False,
                 managers_only: bool = False) -> Category:
    position = (db.session.scalar(select(func.max(Category.position))
                                  .where(Category.community_id == community.id)) or 0) + 1
    category = Category(community_id=community.id, name=_category_name(community, name), position=position,
                        questions=questions, managers_only=managers_only)
    db.session.add(category)
    db.session.flush()
    record_event(actor, "discussions.category_added", category, community, name=category.name)
    return category


def update_category(category: Category, name: str, *, actor: User, questions: bool, managers_only: bool) -> None:
    community = db.session.get(Community, category.community_id)
    before = category_label(category)
    category.name = _category_name(community, name, exclude=category)
    category.questions, category.managers_only = questions, managers_only
    record_event(actor, "discussions.category_changed", category, community, before=before, name=category.name)


def move_category(category: Category, step: int) -> None:
    """Move a section one place up (-1) or down (+1)."""
    community = db.session.get(Community, category.community_id)
    ordered = categories_of(community)
    index = ordered.index(category)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position


def delete_category(category: Category, *, actor: User) -> None:
    """Remove an empty section; one with threads must have them moved first (nothing is lost)."""
    if db.session.scalar(select(func.count()).select_from(Thread).where(Thread.category_id == category.id)):
        raise ValidationError(str(_l("Move this section's threads to another section first.")), field="name")
    community = db.session.get(Community, category.community_id)
    if len(categories_of(community)) <= 1:
        raise ValidationError(str(_l("The board needs at least one section.")), field="name")
    record_event(actor, "discussions.category_deleted", category, community, name=category_label(category))
    db.session.delete(category)


def load_category(community: Community, category_id: int | str | None) -> Category | None:
    wanted = parse_id(category_id)
    if wanted is None:
        return None
    category = db.session.get(Category, wanted)
    return category if category is not None and category.community_id == community.id else None


# --- checks --------------------------------------------------------------------------------------


def check_body(body: str | None, field: str = "body") -> str:
    """A post's text: required, at most the configured length (the form keeps the text when refused)."""
    body = clean_text(body)
    if not has_visible_text(body):
        raise ValidationError(str(_l("Write something first.")), field=field)
    limit = max_post_length()
    if len(body) > limit:
        raise ValidationError(str(_l("A post may have at most %(count)d characters; this one has %(length)d.",
                                     count=limit, length=len(body))), field=field)
    return body


def check_title(title: str | None) -> str:
    title = clean_line(title)
    if not has_visible_text(title):
        raise ValidationError(str(_l("Give the thread a title.")), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_TITLE)), field="title")
    return title


def check_thread(community: Community, *, category: Category | None, title: str | None, body: str | None,
                 actor: User, attached: bool = False) -> tuple[str, str]:
    """A new thread's section, title and text, checked together (one ValidationError naming each field).

    `attached`: files come with the text (added to it as links), so an empty text is fine.
    """
    checks = Checks()
    with checks:
        if category is None or category.community_id != community.id:
            raise ValidationError(str(_l("Choose a section.")), field="category_id")
        if category.managers_only and not can(actor, "moderate", community):
            raise ValidationError(str(_l("Only conveners start threads in this section.")), field="category_id")
    with checks:
        title = check_title(title)
    with checks:
        body = clean_text(body) if attached and not has_visible_text(clean_text(body)) else check_body(body)
    checks.done()
    return title, body


def _check_open(community: Community, actor: User) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived: its board can be read but not changed.")))
    if not can(actor, "contribute", community):
        raise NotAllowed(str(_l("Only members of the community can post.")))


def _check_replyable(thread: Thread, actor: User) -> None:
    _check_open(thread.community, actor)
    if thread.locked:
        raise NotAllowed(str(_l("This thread is locked: no new replies or edits.")))


def _submission_key(key: str | None) -> str | None:
    key = (key or "").strip()
    return key[:MAX_SUBMISSION_KEY] if key else None


def _earlier_submission(actor: User, key: str | None) -> Post | None:
    if key is None:
        return None
    return db.session.scalar(select(Post).where(Post.author_id == actor.id, Post.submission_key == key))


# --- mentions ------------------------------------------------------------------------------------


def mentionable_members(community: Community) -> list[User]:
    """The people an @ can name: members who read the board."""
    return contributing_members(community)


@dataclass(frozen=True)
class MentionOption:
    """A member the @ menu offers. `apart`: for a member another member has the same name as (two teachers called
    陳怡君 in one school), what tells them apart, from what the members page shows every member (role, title,
    subjects; `joined` adds when they joined, for namesakes alike in all of those). Neither the school nor the
    address: the members page shows no member's school, and the address only to the conveners."""

    id: int
    display_name: str
    apart: MemberDuring | None = None
    joined: bool = False


def member_suggestions(community: Community, prefix: str, limit: int = 8) -> list[MentionOption]:
    """Members whose name contains what was typed after the @ (for the autocomplete), namesakes told apart."""
    members = mentionable_members(community)
    matched = match_members(members, prefix, limit)
    keys = {member.id: name_key(member.display_name) for member in members}
    alike = Counter(keys.values())
    if not any(alike[keys[member.id]] > 1 for member in matched):
        return [MentionOption(member.id, member.display_name) for member in matched]
    standing = {row.user_id: row for row in current_members([community.id], roles=CONTRIBUTORS)}  # only then

    def shown(row: MemberDuring | None) -> tuple:
        return (row.role, row.title, row.subjects) if row is not None else ()

    options = []
    for member in matched:
        if alike[keys[member.id]] < 2:
            options.append(MentionOption(member.id, member.display_name))
            continue
        row = standing.get(member.id)
        twins = [other for other in members if other.id != member.id and keys[other.id] == keys[member.id]
                 and shown(standing.get(other.id)) == shown(row)]
        options.append(MentionOption(member.id, member.display_name, row, joined=bool(twins)))
    return options


def _record_mentions(post: Post, community: Community, actor: User) -> list[User]:
    """Store who the post mentions; return the members mentioned for the first time in this post."""
    mentioned = [user for user in find_mentions(post.body, mentionable_members(community)) if user.id != actor.id]
    earlier = set(db.session.scalars(select(Mention.user_id).where(Mention.post_id == post.id)))
    new = [user for user in mentioned if user.id not in earlier]
    for user in new:
        db.session.add(Mention(post_id=post.id, user_id=user.id))
    return new


# --- notifications -------------------------------------------------------------------------------


def _notify(post: Post, thread: Thread, actor: User, mentioned: Sequence[User], *, replies: bool) -> None:
    community = thread.community
    common = dict(actor=actor, community=community, subject_type="post", subject_id=post.id,
                  title=thread.title, excerpt=_excerpt(post),
                  path=post_path(community, thread.id, post.number))
    if mentioned:
        notifications.notify(mentioned, "mention", **common)
    if replies:
        told = {user.id for user in mentioned} | {actor.id}
        watchers = [user for user in db.session.scalars(
            select(User).join(Watch, Watch.user_id == User.id)
            .join(Membership, (Membership.user_id == User.id) & (Membership.community_id == community.id))
            .where(Watch.thread_id == thread.id, Watch.watching.is_(True), Membership.live,
                   Membership.role.in_(CONTRIBUTORS)))
            if user.id not in told]
        if watchers:
            notifications.notify(watchers, "reply", **common)


# Notices that quote a post's words (a report quotes the reporter's reason instead): they follow the post.
QUOTING = ("mention", "reply", "answer")
DELETED_EXCERPT = notifications.keep_data({"deleted": True}, notifications.MAX_EXCERPT)


def _excerpt(post: Post) -> str:
    """The first words of a post, as its notices quote them."""
    return markdown_to_text(post.body)[:300]


def _requote(post: Post) -> None:
    """Have the post's notices quote what it says now: its current text, or that it was deleted."""
    if post.deleted:
        notifications.requote("post", post.id, QUOTING, DELETED_EXCERPT)
    else:  # new words: for those still in the community only
        notifications.requote("post", post.id, QUOTING, _excerpt(post), readers_in=post.thread.community_id)


def post_excerpt_words(kept: str) -> str:
    """A post notice's excerpt as its reader reads it: "This post was deleted." in their language, else as kept."""
    data = notifications.read_data(kept)
    return _("This post was deleted.") if data is not None and data.get("deleted") is True else kept


notifications.register_excerpt_words("post", post_excerpt_words)


# --- threads and posts ---------------------------------------------------------------------------


def _allocate_number(thread: Thread) -> int:
    """Take the thread's next post number (an UPDATE, so two replies at once never share one)."""
    number = db.session.execute(
        update(Thread).where(Thread.id == thread.id).values(last_number=Thread.last_number + 1)
        .returning(Thread.last_number).execution_options(synchronize_session=False)).scalar_one()
    set_committed_value(thread, "last_number", number)
    return number


def _new_post(thread: Thread, body: str, actor: User, key: str | None) -> Post:
    number = _allocate_number(thread)
    now = utcnow()
    post = Post(thread_id=thread.id, number=number, author_id=actor.id, body=body,
                body_html=str(render_markdown(body)), submission_key=key, created_at=now)
    db.session.add(post)
    db.session.flush()
    set_committed_value(post, "thread", thread)
    thread.last_post_at, thread.last_author_id = now, actor.id
    return post


def _watch_by_default(thread: Thread, user: User) -> None:
    if db.session.get(Watch, (user.id, thread.id)) is None:
        db.session.add(Watch(user_id=user.id, thread_id=thread.id, watching=True))


def _save_once(make: Any, actor: User, key: str | None, body: str) -> tuple[Post, bool]:
    """Run `make` in a savepoint; a second request with the same key and text gets the first one's post.

    The same key with another text is no repeat (two tabs of one page share their form's key): that
    text gets a key of its own, made from the key and the text, so its own double click is caught too.
    """
    earlier = _earlier_submission(actor, key)
    if earlier is not None and earlier.body != body:
        key = f"{key[:40]}~{hashlib.sha256(body.encode()).hexdigest()[:16]}"
        earlier = _earlier_submission(actor, key)
    if earlier is not None:
        return earlier, False
    try:
        with db.session.begin_nested():
            return make(key), True
    except IntegrityError:  # the same form, sent twice at the same moment
        earlier = _earlier_submission(actor, key)
        if earlier is None:
            raise
        return earlier, False


# --- pace: how many threads and replies one person may post in a while -------------------------------

THREADS = "threads"
REPLIES = "replies"
_PACE_SETTINGS = {THREADS: "DISCUSSION_THREAD_RATE_LIMIT", REPLIES: "DISCUSSION_REPLY_RATE_LIMIT"}


def posting_allowance(actor: User, kind: str) -> Allowance:
    """The person's allowance of new threads (THREADS) or replies (REPLIES), over every board, by their id."""
    return Allowance(current_app.config[_PACE_SETTINGS[kind]], f"discussions-{kind}", f"user:{actor.id}")


def check_pace(actor: User, kind: str) -> None:
    """Refuse (TooSoon, 429) a new thread or reply past the person's allowance: one member's script once started
    504 threads in a minute and buried the board. The limits are far above what a teacher writes."""
    allowance = posting_allowance(actor, kind)
    wait = allowance.wait()
    if wait is None:
        return
    count, period, later = allowance.item.amount, duration_words(allowance.period), duration_words(wait)
    if kind == THREADS:
        message = ngettext("You have started %(num)d thread in %(period)s, as many as the board takes from one "
                           "person in that time. You can start the next one in %(wait)s; what you wrote is kept.",
                           "You have started %(num)d threads in %(period)s, as many as the board takes from one "
                           "person in that time. You can start the next one in %(wait)s; what you wrote is kept.",
                           count, period=period, wait=later)
    else:
        message = ngettext("You have posted %(num)d reply in %(period)s, as many as the board takes from one "
                           "person in that time. You can post the next one in %(wait)s; what you wrote is kept.",
                           "You have posted %(num)d replies in %(period)s, as many as the board takes from one "
                           "person in that time. You can post the next one in %(wait)s; what you wrote is kept.",
                           count, period=period, wait=later)
    raise TooSoon(message, retry_after=wait)


SUBJECT = "subject"  # the role of the link from a thread to the record it discusses ("Discuss this")


def create_thread(community: Community, *, category: Category | None, title: str, body: str, actor: User,
                  submission_key: str | None = None, about: Any = None) -> Thread:
    """Start a thread with its opening post; the same submission twice starts it once. `about` is the record
    it discusses ("Discuss this": a resource or an activity), linked in the role SUBJECT."""
    _check_open(community, actor)
    title, body = check_thread(community, category=category, title=title, body=body, actor=actor)
    key = _submission_key(submission_key)

    def make(key: str | None) -> Post:
        check_pace(actor, THREADS)  # here: the same form sent again is answered with its thread, never refused
        thread = Thread(community_id=community.id, category_id=category.id, author_id=actor.id, title=title,
                        last_number=0)
        db.session.add(thread)
        db.session.flush()
        if about is not None:
            links.add_link(thread, about, SUBJECT, actor=actor)
        set_committed_value(thread, "community", community)
        return _new_post(thread, body, actor, key)

    post, created = _save_once(make, actor, key, body)
    thread = post.thread
    if created:
        posting_allowance(actor, THREADS).spend()
        _watch_by_default(thread, actor)
        mark_read(thread.id, actor.id, post.number)
        _notify(post, thread, actor, _record_mentions(post, community, actor), replies=False)
        reindex_thread(thread, post)
    return thread


def reply(thread: Thread, body: str, *, actor: User, submission_key: str | None = None) -> Post:
    """Add a reply; mentioned members and the thread's watchers hear of it. The same submission twice adds it once."""
    _check_replyable(thread, actor)
    body, key = check_body(body), _submission_key(submission_key)

    def make(key: str | None) -> Post:
        check_pace(actor, REPLIES)  # after the repeat check: a double click's second request is no new reply
        return _new_post(thread, body, actor, key)

    post, created = _save_once(make, actor, key, body)
    if created:
        posting_allowance(actor, REPLIES).spend()
        _watch_by_default(thread, actor)
        mark_read(thread.id, actor.id, post.number)
        _notify(post, thread, actor, _record_mentions(post, thread.community, actor), replies=True)
        index_post(post)
    return post


def quote_text(post: Post) -> str:
    """The Markdown a reply starts with when it quotes `post`."""
    author = post.author.display_name if post.author else _("a former member")
    lines = [f"> {line}" if line else ">" for line in post.body.splitlines()]
    return _("%(name)s wrote (#%(number)d):", name=author, number=post.number) + "\n" + "\n".join(lines) + "\n\n"


def check_edit(post: Post, *, title: str | None, body: str | None) -> tuple[str, str]:
    """An edited post's text and, for an opening post, the thread's title, checked together."""
    checks = Checks()
    with checks:
        new_title = check_title(title) if title is not None and post.number == 1 else post.thread.title
    with checks:
        body = check_body(body)
    checks.done()
    return new_title, body


def edit_post(post: Post, body: str, *, actor: User, base_version: int, title: str | None = None) -> Post:
    """Change a post's text (and the thread's title, for the opening post); earlier text is kept.

    `base_version` is the version the editor started from: if someone saved in between, the edit is
    refused as a conflict (the editor's text is kept in the form) rather than overwriting theirs.
    """
    thread = post.thread
    if not can(actor, "edit", post):
        if thread.locked:
            raise NotAllowed(str(_l("This thread is locked: no new replies or edits.")))
        raise NotAllowed(str(_l("You cannot edit this post.")))
    new_title, body = check_edit(post, title=title, body=body)
    changed_meanwhile = Conflict(str(_l("Someone changed this post while you were editing. Your text is below; "
                                        "compare it with the saved version and save again.")), field="body")
    if base_version != post.version:
        raise changed_meanwhile
    if body == post.body and new_title == thread.title:
        return post
    # The version moves in the database, only from the one this edit started from: of two edits sent at
    # once from the same version, the second is refused rather than silently overwriting the first.
    if not advance(post, expected=base_version):
        raise changed_meanwhile
    # The text replaced is kept under the name of whoever wrote it (not of this editor), with the title it had.
    db.session.add(PostRevision(post_id=post.id, version=base_version, body=post.body, body_html=post.body_html,
                                title=thread.title if post.number == 1 else None, editor_id=post.writer_id,
                                written_at=post.edited_at or post.created_at))
    post.body, post.body_html = body, str(render_markdown(body))
    post.edited_at, post.edited_by_id = utcnow(), actor.id
    if post.author_id != actor.id:
        record_event(actor, "discussions.post_edited", post, thread.community, thread=thread.id, number=post.number)
    thread.title = new_title
    db.session.flush()
    _requote(post)  # the bell quotes the new text, not words taken back
    _notify(post, thread, actor, _record_mentions(post, thread.community, actor), replies=False)
    if post.number == 1:
        reindex_thread(thread, post)
    else:
        index_post(post)
    return post


def revisions_of(post: Post) -> list[PostRevision]:
    """Earlier texts of a post, newest first."""
    return list(db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                   .options(joinedload(PostRevision.editor)).order_by(PostRevision.id.desc())))


def delete_post(post: Post, *, actor: User) -> None:
    """Soft-delete: the thread keeps a placeholder; a convener can bring it back."""
    thread = post.thread
    if not can(actor, "delete", post):
        raise NotAllowed(str(_l("You cannot delete this post.")))
    post.deleted_at, post.deleted_by_id = utcnow(), actor.id
    notifications.withdraw_emails("post", post.id)  # a deleted post is not quoted in tonight's email
    _requote(post)  # nor under the bell: its notices say it was deleted
    if thread.answer_post_id == post.id:
        thread.answer_post_id = None
    if post.author_id != actor.id:
        record_event(actor, "discussions.post_deleted", post, thread.community, thread=thread.id, number=post.number)
    if post.number == 1:
        reindex_thread(thread, post)
    else:
        search.remove_document(POST_KIND, post.id)


def restore_post(post: Post, *, actor: User) -> None:
    thread = post.thread
    if not can(actor, "restore", post):
        raise NotAllowed(str(_l("You cannot restore this post.")))
    post.deleted_at = post.deleted_by_id = None
    _requote(post)
    record_event(actor, "discussions.post_restored", post, thread.community, thread=thread.id, number=post.number)
    if post.number == 1:
        reindex_thread(thread, post)
    else:
        index_post(post)


def toggle_helpful(post: Post, user: User) -> bool:
    """Mark or unmark a post as helpful; return whether it is now marked."""
    if not can(user, "react", post):
        raise NotAllowed(str(_l("You cannot mark this post.")))
    existing = db.session.get(Reaction, (post.id, user.id))
    if existing is not None:
        db.session.delete(existing)
        step = -1
    else:
        db.session.add(Reaction(post_id=post.id, user_id=user.id))
        step = 1
    db.session.flush()
    db.session.execute(update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count + step)
                       .execution_options(synchronize_session=False))
    set_committed_value(post, "helpful_count", max(post.helpful_count + step, 0))
    return step == 1


def is_helpful_to(post: Post, user: Any) -> bool:
    """Whether `user` marked the post helpful."""
    return getattr(user, "is_authenticated", False) and db.session.get(Reaction, (post.id, user.id)) is not None


def mark_answer(thread: Thread, post: Post, *, actor: User) -> bool:
    """Mark (or unmark) a reply as the answer to a question thread; return whether it is the answer now."""
    if post.thread_id != thread.id or post.number == 1 or post.deleted:
        raise ValidationError(str(_l("Only a reply can be the answer.")))
    if not can(actor, "mark_answer", thread):
        raise NotAllowed(str(_l("Only the person who asked or a convener can choose the answer.")))
    if thread.answer_post_id == post.id:
        thread.answer_post_id = None
        return False
    thread.answer_post_id = post.id
    if post.author is not None and post.author_id != actor.id:
        notifications.notify([post.author], "answer", actor=actor, community=thread.community, subject_type="post",
                             subject_id=post.id, title=thread.title, excerpt=_excerpt(post),
                             path=post_path(thread.community, thread.id, post.number))
    return True


# --- moderation ----------------------------------------------------------------------------------


def _moderator(thread: Thread, actor: User) -> None:
    if not can(actor, "moderate", thread):
        raise NotAllowed(str(_l("Only conveners can do this.")))


def set_pinned(thread: Thread, pinned: bool, *, actor: User) -> None:
    _moderator(thread, actor)
    if thread.pinned != pinned:
        thread.pinned = pinned
        record_event(actor, "discussions.pinned" if pinned else "discussions.unpinned", thread, thread.community,
                     title=thread.title)


def set_locked(thread: Thread, locked: bool, *, actor: User) -> None:
    _moderator(thread, actor)
    if thread.locked != locked:
        thread.locked_at = utcnow() if locked else None
        record_event(actor, "discussions.locked" if locked else "discussions.unlocked", thread, thread.community,
                     title=thread.title)


def move_thread(thread: Thread, category: Category | None, *, actor: User) -> None:
    _moderator(thread, actor)
    if category is None or category.community_id != thread.community_id:
        raise ValidationError(str(_l("Choose a section.")), field="category_id")
    if category.id != thread.category_id:
        before = category_label(thread.category)
        thread.category_id = category.id
        set_committed_value(thread, "category", category)
        record_event(actor, "discussions.moved", thread, thread.community, title=thread.title, before=before,
                     after=category_label(category))


def report_post(post: Post, reason: str, *, actor: User) -> Report:
    """Flag a post for the conveners; a second report by the same person updates the reason."""
    if not can(actor, "report", post):
        raise NotAllowed(str(_l("You cannot report this post.")))
    reason = clean_text(reason)
    if not has_visible_text(reason):
        raise ValidationError(str(_l("Say briefly what is wrong with this post.")), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=MAX_REASON)), field="reason")
    thread = post.thread
    report = db.session.scalar(select(Report).where(Report.post_id == post.id, Report.reporter_id == actor.id,
                                                    Report.resolved_at.is_(None)))
    if report is None:
        report = Report(community_id=thread.community_id, post_id=post.id, reporter_id=actor.id, reason=reason)
        db.session.add(report)
    report.reason = reason
    db.session.flush()
    record_event(actor, "discussions.reported", post, thread.community, thread=thread.id, number=post.number)
    managers = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == thread.community_id, Membership.live,
               Membership.role.in_(MANAGERS))))
    notifications.notify(managers, "report", actor=actor, community=thread.community, subject_type="post",
                         subject_id=post.id, title=thread.title, excerpt=reason[:300],
                         path=f"/c/{thread.community.slug}/discussions/reports")
    return report


def open_reports(community: Community) -> list[Report]:
    return list(db.session.scalars(
        select(Report).where(Report.community_id == community.id, Report.resolved_at.is_(None))
        .options(joinedload(Report.reporter), joinedload(Report.post).joinedload(Post.thread),
                 joinedload(Report.post).joinedload(Post.author))
        .order_by(Report.created_at)))


def resolve_report(report: Report, *, actor: User, remove_post: bool) -> None:
    """Close a report: dismiss it, or delete the post (which closes every open report on it)."""
    post = report.post
    community = post.thread.community
    if not can(actor, "moderate", community):
        raise NotAllowed(str(_l("Only conveners can do this.")))
    now = utcnow()
    if remove_post and not post.deleted:
        delete_post(post, actor=actor)
    reports = [report] if not remove_post else list(db.session.scalars(
        select(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))))
    for item in reports:
        item.resolved_at, item.resolved_by_id = now, actor.id
        item.resolution = "deleted" if remove_post else "dismissed"
    record_event(actor, "discussions.report_resolved", report, community, resolution=report.resolution,
                 thread=post.thread_id, number=post.number)


# --- reading -------------------------------------------------------------------------------------


def mark_read(thread_id: int, user_id: int, number: int) -> bool:
    """Remember that `user` has seen the thread up to post `number` (never moves backwards).

    One upsert statement and no read before it: a page view can run it in a short transaction of its
    own after rendering, so readers never hold SQLite's write lock while they render.
    """
    values = {"user_id": user_id, "thread_id": thread_id, "last_read_number": number, "updated_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(ReadMark).values(**values)
    result = db.session.execute(statement.on_conflict_do_update(
        index_elements=[ReadMark.user_id, ReadMark.thread_id],
        set_={"last_read_number": statement.excluded.last_read_number, "updated_at": statement.excluded.updated_at},
        where=ReadMark.last_read_number < statement.excluded.last_read_number))
    moved = bool(result.rowcount)
    if moved:  # cached thread lists show the reader's unread counts: a Core write says what it changed
        note_change(user_scope(user_id))
    return moved


def last_read_number(thread: Thread, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    mark = db.session.get(ReadMark, (user.id, thread.id))
    return mark.last_read_number if mark else 0


def mark_all_read(community: Community, user: User) -> int:
    """Mark every thread of the board read; return how many threads had unread posts."""
    threads = db.session.execute(select(Thread.id, Thread.last_number)
                                 .where(Thread.community_id == community.id)).all()
    marks = {thread_id: number for thread_id, number in db.session.execute(
        select(ReadMark.thread_id, ReadMark.last_read_number).join(Thread, Thread.id == ReadMark.thread_id)
        .where(ReadMark.user_id == user.id, Thread.community_id == community.id))}
    now = utcnow()
    fresh, changed = [], 0
    for thread_id, last_number in threads:
        if thread_id not in marks:
            fresh.append({"user_id": user.id, "thread_id": thread_id, "last_read_number": last_number,
                          "updated_at": now})
            changed += last_number > 0
        elif marks[thread_id] < last_number:
            changed += 1
    if fresh:
        db.session.execute(insert(ReadMark), fresh)
    db.session.execute(
        update(ReadMark).where(ReadMark.user_id == user.id, ReadMark.thread_id == Thread.id,
                               Thread.community_id == community.id, ReadMark.last_read_number < Thread.last_number)
        .values(last_read_number=Thread.last_number, updated_at=now).execution_options(synchronize_session=False))
    if changed or fresh:
        note_change(user_scope(user.id))
    return changed


def is_watching(thread: Thread, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    watch = db.session.get(Watch, (user.id, thread.id))
    return bool(watch and watch.watching)


def set_watching(thread: Thread, user: User, watching: bool) -> None:
    watch = db.session.get(Watch, (user.id, thread.id))
    if watch is None:
        db.session.add(Watch(user_id=user.id, thread_id=thread.id, watching=watching))
    else:
        watch.watching = watching


@dataclass(frozen=True)
class ThreadRow:
    """A thread in the list, read as a row of the columns the list draws (no ORM objects: a board page draws
    20 of them, the community home 5), with what the reader has not read yet."""

    id: int
    title: str
    pinned: bool
    locked: bool
    last_number: int
    last_post_at: dt.datetime
    answered: bool
    author_name: str | None  # None: the author's account is gone
    last_author_name: str | None
    category_name: str | None
    category_key: str | None
    questions: bool  # in a question section (answered or open)
    unread: int
    first_unread: int  # the number of the first post to open at

    @property
    def reply_count(self) -> int:
        return max(self.last_number - 1, 0)

    @property
    def category_label(self) -> str:
        return section_name(self.category_name, self.category_key)

    @property
    def first_unread_page(self) -> int:
        return page_of(self.first_unread)


@dataclass
class ThreadPage:
    rows: list[ThreadRow]
    page: int
    pages: int
    total: int
    category: Category | None = None
    show: str = ""  # "", "unread", "unanswered"
    per_page: int = THREADS_PER_PAGE
    unread_total: int = 0


@functools.lru_cache(maxsize=8)
def _thread_list_statements(by_category: bool, show: str) -> tuple[Any, Any, Any]:
    """The board's three statements (count, rows, unread total) for one kind of list, built once per process with
    bound parameters: building them per request cost more Python than running them."""
    viewer_id, community_id = bindparam("viewer_id"), bindparam("community_id")
    unread_expr = Thread.last_number - func.coalesce(ReadMark.last_read_number, 0)
    base = (select(Thread).outerjoin(ReadMark, (ReadMark.thread_id == Thread.id) & (ReadMark.user_id == viewer_id))
            .where(Thread.community_id == community_id))
    if by_category:
        base = base.where(Thread.category_id == bindparam("category_id"))
    if show == "unread":
        base = base.where(unread_expr > 0)
    elif show == "unanswered":
        base = base.join(Category, Category.id == Thread.category_id).where(
            Category.questions.is_(True), Thread.answer_post_id.is_(None))
    count = select(func.count()).select_from(base.subquery())
    author, last_author, section = aliased(User), aliased(User), aliased(Category)
    rows = (base.with_only_columns(
            Thread.id, Thread.title, Thread.pinned, Thread.locked_at, Thread.last_number, Thread.last_post_at,
            Thread.answer_post_id, author.display_name, last_author.display_name, section.name, section.key,
            section.questions, func.coalesce(ReadMark.last_read_number, 0))
            .outerjoin(author, author.id == Thread.author_id)
            .outerjoin(last_author, last_author.id == Thread.last_author_id)
            .join(section, section.id == Thread.category_id)
            .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    unread_total = (select(func.count()).select_from(Thread)
                    .outerjoin(ReadMark, (ReadMark.thread_id == Thread.id) & (ReadMark.user_id == viewer_id))
                    .where(Thread.community_id == community_id, unread_expr > 0))
    return count, rows, unread_total


def list_threads(community: Community, viewer: User, *, category: Category | None = None, show: str = "",
                 page: int = 1, per_page: int = THREADS_PER_PAGE) -> ThreadPage:
    """A page of the board: pinned threads first, then by latest post, with unread counts (4 queries)."""
    count, rows_statement, unread_statement = _thread_list_statements(
        category is not None, show if show in {"unread", "unanswered"} else "")
    values = {"viewer_id": viewer.id, "community_id": community.id,
              "category_id": category.id if category is not None else None}
    total = db.session.scalar(count, values) or 0
    pages = require_page(page, total, per_page)
    rows = db.session.execute(rows_statement, {**values, "limit": per_page, "offset": (page - 1) * per_page}).all()
    unread_total = db.session.scalar(unread_statement, values) or 0
    return ThreadPage(
        rows=[ThreadRow(id=id_, title=title, pinned=bool(pinned), locked=locked_at is not None, last_number=last,
                        last_post_at=last_post_at, answered=answer_id is not None, author_name=author_name,
                        last_author_name=last_name, category_name=name, category_key=key, questions=bool(questions),
                        unread=max(last - read, 0), first_unread=min(read + 1, last))
              for (id_, title, pinned, locked_at, last, last_post_at, answer_id, author_name, last_name, name, key,
                   questions, read) in rows],
        page=page, pages=pages, total=total, category=category, show=show, per_page=per_page,
        unread_total=unread_total)


@dataclass
class PostPage:
    """One page of a thread's posts, with what the reader needs to draw them (no further queries)."""

    posts: list[Post]
    page: int
    pages: int
    helpful_mine: set[int] = field(default_factory=set)
    author_roles: dict[int, str] = field(default_factory=dict)  # see author_roles()


def author_roles(community_id: int) -> dict[int, str]:
    """The community's convener and co-conveners now, person → role: the badge beside their posts, so that a member
    who takes a convener's name is still not the convener (one query per page, never per post)."""
    return {row.user_id: row.role for row in current_members([community_id], roles=MANAGERS)}


def posts_page(thread: Thread, viewer: Any, page: int) -> PostPage:
    """The posts of one page of a thread, authors loaded, with the viewer's "helpful" marks."""
    per_page = posts_per_page()
    pages = require_page(page, thread.last_number, per_page)  # pages by post number, as page_of counts them
    first, last = (page - 1) * per_page + 1, page * per_page
    return _with_marks(thread, viewer, list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.number.between(first, last))
        .options(joinedload(Post.author)).order_by(Post.number))), page, pages)


def posts_after(thread: Thread, viewer: Any, number: int, limit: int = 200) -> PostPage:
    """Posts newer than `number` (the live update of an open thread)."""
    posts = list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.number > number)
        .options(joinedload(Post.author)).order_by(Post.number).limit(limit)))
    return _with_marks(thread, viewer, posts, page_of(thread.last_number), page_of(thread.last_number))


def _with_marks(thread: Thread, viewer: Any, posts: list[Post], page: int, pages: int) -> PostPage:
    for post in posts:
        set_committed_value(post, "thread", thread)
    mine: set[int] = set()
    if posts and getattr(viewer, "is_authenticated", False):
        mine = set(db.session.scalars(select(Reaction.post_id).where(
            Reaction.user_id == viewer.id, Reaction.post_id.in_([post.id for post in posts]))))
    roles = author_roles(thread.community_id) if posts else {}
    return PostPage(posts=posts, page=page, pages=pages, helpful_mine=mine, author_roles=roles)


def load_post(thread: Thread, post_id: int) -> Post | None:
    post = db.session.get(Post, post_id)
    if post is None or post.thread_id != thread.id:
        return None
    set_committed_value(post, "thread", thread)
    return post


def threads_about(record: Any) -> list[Thread]:
    """The threads started with "Discuss this" on a record, newest activity first."""
    return list(db.session.scalars(
        select(Thread).where(links.linking_condition("thread", Thread.id, record, roles=(SUBJECT,)))
        .options(joinedload(Thread.author)).order_by(Thread.last_post_at.desc())))


def subject_of(thread: Thread) -> Any:
    """The record the thread discusses, if any and still shown (not in the trash)."""
    resolved = links.resolve(links.links_from(thread, roles=(SUBJECT,)))
    return resolved[0][1] if resolved else None


# --- attachments ---------------------------------------------------------------------------------


def add_attachment(community: Community, stored: StoredFile, *, actor: User) -> Attachment:
    """Keep an uploaded image or file for posts of this community (the blob store checked it already)."""
    _check_open(community, actor)
    filename = clean_filename(stored.filename)
    if stored.blob.id is not None:  # the same file again (a form sent twice): the same attachment, the same text
        earlier = db.session.scalar(select(Attachment).where(
            Attachment.community_id == community.id, Attachment.blob_id == stored.blob.id,
            Attachment.uploader_id == actor.id, Attachment.filename == filename).limit(1))
        if earlier is not None:
            return earlier
    attachment = Attachment(community_id=community.id, blob=stored.blob, filename=filename,
                            media_type=stored.media_type, size=stored.size, uploader_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_path(community: Community, attachment: Attachment) -> str:
    return f"/c/{community.slug}/discussions/files/{attachment.id}"


def attachment_markdown(community: Community, attachment: Attachment) -> str:
    """What goes into the post: an image shown inline, or a link to download the file."""
    label = re.sub(r"[\[\]\\]", "", attachment.filename)
    target = attachment_path(community, attachment)
    return f"![{label}]({target})" if attachment.is_image else f"[{label}]({target})"


# --- search --------------------------------------------------------------------------------------


def reindex_thread(thread: Thread, opening: Post | None = None) -> None:
    """The thread's search document: its title and opening post (without the text once deleted)."""
    opening = opening or db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    body = "" if opening is None or opening.deleted else markdown_to_text(opening.body)
    search.index_document(THREAD_KIND, thread.id, community_id=thread.community_id, title=thread.title, body=body,
                          updated_at=thread.last_post_at)


def index_post(post: Post) -> None:
    thread = post.thread
    if post.deleted:
        search.remove_document(POST_KIND, post.id)
        return
    search.index_document(POST_KIND, post.id, community_id=thread.community_id, title=thread.title,
                          body=markdown_to_text(post.body), updated_at=post.edited_at or post.created_at)


@dataclass
class BoardHit:
    hit: search.SearchHit
    path: str
    number: int
    community: Community | None = None


def search_board(community: Community, query: str, *, limit: int = 30) -> tuple[list[BoardHit], int]:
    """Find threads and replies of one board (same search, same Chinese rules as the library)."""
    return search_boards([community], query, limit=limit)


def search_boards(communities: Sequence[Community], query: str, *, limit: int = 30) -> tuple[list[BoardHit], int]:
    """Find threads and replies on the boards of these communities (the caller decided who may read them)."""
    if not communities:
        return [], 0
    by_id = {community.id: community for community in communities}
    page = search.search(query, kinds=[THREAD_KIND, POST_KIND], community_ids=list(by_id), limit=limit)
    post_ids = [hit.object_id for hit in page.hits if hit.kind == POST_KIND]
    where = {post_id: (thread_id, number) for post_id, thread_id, number in db.session.execute(
        select(Post.id, Post.thread_id, Post.number).where(Post.id.in_(post_ids)))} if post_ids else {}
    hits = []
    for hit in page.hits:
        community = by_id.get(hit.community_id)
        if community is None:
            continue
        if hit.kind == THREAD_KIND:
            hits.append(BoardHit(hit, post_path(community, hit.object_id, 1), 1, community))
        elif hit.object_id in where:
            thread_id, number = where[hit.object_id]
            hits.append(BoardHit(hit, post_path(community, thread_id, number), number, community))
    return hits, page.total


def open_report_count(community: Community) -> int:
    return db.session.scalar(select(func.count()).select_from(Report).where(
        Report.community_id == community.id, Report.resolved_at.is_(None))) or 0
