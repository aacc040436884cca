"""The audit trail in words: each event as a sentence in the reader's language, naming whom or what it
acted on, in which community (and school), and the old and new value where there is one.

Events store ids (a member's user id, a thread id, a school id); the names are read when a page shows
events, for all of its events at once (`describe_events`: a fixed handful of queries, whatever the number
of rows), so a renamed member or thread reads as it is called now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from markupsafe import escape
from sqlalchemy import false, or_, select, true

from workspace.core.i18n import gettext, in_reader_script, listing
from workspace.core.models import AuditEvent
from workspace.core.permissions import scope
from workspace.core.text import isolate_bidi
from workspace.core.text_language import lang_span, page_language

# What the trail knows of the areas, registered by each area when its blueprint is registered
# (`<area>/audit.py`), so that core imports no area and a new area edits no core module.
#
# The sentence after the actor's name, per action. Placeholders: %(community)s "in …" phrase (the community
# and its schools), %(member)s / %(user)s a person, %(title)s / %(name)s a record, %(before)s → %(after)s values.
EVENT_MESSAGES: dict[str, str] = {}

NameLoader = Callable[[set[int]], Mapping[int, Any]]
Change = Callable[[dict[str, Any], "EventNames"], dict[str, str]]


@dataclass(frozen=True)
class Subject:
    """A kind of record the trail names: how to read many of its names at once, and where events name one."""

    load: NameLoader  # ids → names (or the tuple the kind describes), in one query
    subject_type: str | None = None  # events whose subject is such a record (AuditEvent.subject_type)
    data_keys: tuple[str, ...] = ()  # keys of an event's data holding such an id


_SUBJECTS: dict[str, Subject] = {}
_CHANGES: dict[str, Change] = {}
_LABELS: dict[str, Callable[[Any], str]] = {}
# Actions whose %(name)s is a funder's text (a program's name): said in the reader's script, as lists show it.
_FUNDER_NAMES: set[str] = set()


def register_subject(kind: str, load: NameLoader, *, subject_type: str | None = None,
                     data_keys: Iterable[str] = ()) -> None:
    """Let the trail name records of `kind`; the kind "community" is read for every event's community."""
    _SUBJECTS[kind] = Subject(load, subject_type, tuple(data_keys))


def register_messages(messages: Mapping[str, str], changes: Mapping[str, Change] | None = None) -> None:
    """Give actions their sentences, and (`changes`) how an action's old and new values are said."""
    EVENT_MESSAGES.update(messages)
    _CHANGES.update(changes or {})


# The news members read on their home page: the trail is the managers' (view_audit); of it, members see only
# the actions an area registered as news, each event only by those its audience condition lets in (a pairing's
# events by the pair, an activity's by whoever reads the activities), so the feed never tells what a page hides.
Audience = Callable[[Any], Any]  # viewer -> condition on AuditEvent
_NEWS: dict[str, Audience] = {}


def register_news(actions: Iterable[str], audience: Audience) -> None:
    """Show `actions` to members on their home page, each event to those `audience(viewer)` lets in."""
    for action in actions:
        _NEWS[action] = audience


def everyone(_viewer: Any) -> Any:
    """The audience of news every member of the community may read (a community archived, a member joined)."""
    return true()


def viewers_of(model: type, action: str = "view") -> Audience:
    """The audience of news about a row of `model`: whoever its list scope lets see that row."""
    def audience(viewer: Any) -> Any:
        return AuditEvent.subject_id.in_(select(model.id).where(scope(viewer, action, model)))
    return audience


def news_condition(viewer: Any) -> Any:
    """The condition on AuditEvent that `viewer` may read the event as news (whatever the community)."""
    by_audience: dict[Audience, list[str]] = {}
    for action, audience in _NEWS.items():
        by_audience.setdefault(audience, []).append(action)
    if not by_audience:
        return false()
    return or_(*(AuditEvent.action.in_(sorted(actions)) & audience(viewer)
                 for audience, actions in by_audience.items()))


def register_funder_names(actions: Iterable[str]) -> None:
    """Say the %(name)s of `actions` in the reader's script (a funder's name, not a person's words)."""
    _FUNDER_NAMES.update(actions)


def register_label(kind: str, label: Callable[[Any], str]) -> None:
    """Say values of `kind` (e.g. "role") in the reader's language wherever a sentence names one."""
    _LABELS[kind] = label


@dataclass
class EventNames:
    """The names a page's events refer to, read once for all of them: kind → id → name."""

    by_kind: dict[str, Mapping[int, Any]] = field(default_factory=dict)

    def get(self, kind: str, record_id: Any) -> Any:
        """The name of one record of `kind`, or None when it is not known (or no longer exists)."""
        if not _is_id(record_id):
            return None
        return self.by_kind.get(kind, {}).get(record_id)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load_event_names(events: Sequence[Any]) -> EventNames:
    """Read every name the events mention: one query per kind of record they name, never one per event."""
    wanted: dict[str, set[int]] = {kind: set() for kind in _SUBJECTS}
    for event in events:
        data = event.data or {}
        for kind, subject in _SUBJECTS.items():
            candidates = [data.get(key) for key in subject.data_keys]
            if subject.subject_type is not None and event.subject_type == subject.subject_type:
                candidates.append(event.subject_id)
            if kind == "community":
                candidates.append(event.community_id)
            wanted[kind].update(value for value in candidates if _is_id(value))
    return EventNames({kind: _SUBJECTS[kind].load(ids) for kind, ids in wanted.items() if ids})


def quoted(text: Any) -> str:
    """A name or title as the trail quotes it (「…」 in Traditional Chinese); "…" when there is none."""
    return gettext("“%(text)s”", text=isolate_bidi(str(text)) if text not in (None, "") else "…")


def _plain(text: str) -> str:
    return text


def person(names: EventNames, user_id: Any, mark: Callable[[str], str] = _plain) -> str:
    """A person the event names, quoted, or "a former user" when the account is gone."""
    name = names.get("user", user_id)
    return mark(quoted(name)) if name else gettext("a former user")


def label(kind: str, value: Any) -> str:
    """A value of `kind` in the reader's language (as the area registered it), or "…" when there is none."""
    if not value:
        return "…"
    say = _LABELS.get(kind)
    return say(value) if say else str(value)


def _community_phrase(names: EventNames, community_id: Any, mark: Callable[[str], str] = _plain,
                      with_schools: bool = True) -> str:
    entry = names.get("community", community_id)
    if entry is None:
        return gettext("a community that no longer exists")
    name, schools = entry
    if schools and with_schools:
        values = {"community": mark(quoted(name)), "schools": listing(mark(school) for school in schools)}
        if mark is _plain:
            return gettext("%(community)s (%(schools)s)", **values)
        return escape(gettext("%(community)s (%(schools)s)")) % values
    return mark(quoted(name))


def _fields(event: Any, names: EventNames, message: str, mark: Callable[[str], str] = _plain,
            with_schools: bool = True) -> dict[str, str]:
    """The values the event's sentence names, each in the reader's language; `mark` wraps what people wrote (a
    title, a person's, a community's or a school's name); `with_schools`: the community followed by its schools."""
    data = event.data or {}
    action = event.action
    fields: dict[str, str] = {}
    wanted = {key for key in ("community", "member", "user", "title", "name", "before", "after", "school",
                              "role", "invitee", "number", "month", "count", "program", "rule", "item", *_LABELS)
              if f"%({key})s" in message}
    invitation = (names.get("invitation", event.subject_id) if event.subject_type == "Invitation" else None)
    if "community" in wanted:
        fields["community"] = _community_phrase(names, event.community_id, mark, with_schools)
    if "user" in wanted:
        fields["user"] = person(names, event.subject_id, mark)
    if "member" in wanted:
        if event.subject_type == "Post":
            author = names.get("post", event.subject_id)
            fields["member"] = mark(quoted(author)) if author else gettext("a former user")
        elif data.get("user_id") is None and data.get("name"):
            fields["member"] = mark(quoted(data["name"]))
        else:
            fields["member"] = person(names, data.get("user_id"), mark)
    if "title" in wanted:
        title = data.get("title")
        if title is None and "thread" in data:
            title = names.get("thread", data["thread"])
        fields["title"] = mark(quoted(title))
    if "name" in wanted:
        name = data.get("filename") if action.startswith("evidence.") else data.get("name")
        fields["name"] = mark(quoted(in_reader_script(name) if action in _FUNDER_NAMES and name else name))
    if "number" in wanted:
        fields["number"] = str(data.get("number") or "…")
    if "school" in wanted:
        school_id = data.get("school_id") if action.startswith("reviewer_scope.") else event.subject_id
        if action.startswith("reviewer_scope.") and school_id is None:
            fields["school"] = gettext("all schools")
        else:
            fields["school"] = mark(quoted(names.get("school", school_id)))
    if "role" in wanted:
        role = data.get("role")
        if role is None and invitation is not None:
            role = invitation[1]
        fields["role"] = label("role", role)
    if "invitee" in wanted:
        email, role = invitation if invitation is not None else (data.get("email"), data.get("role"))
        # An address quoted as a name is: run into a Chinese sentence, 邀請zhang.zhiwei@gmail.com以成員身分加入 read
        # as one word.
        fields["invitee"] = (quoted(email) if email
                             else gettext("whoever opens a link (%(role)s)", role=label("role", role)))
    if "month" in wanted:
        fields["month"] = str(data.get("month") or "…")[:7]
    if "count" in wanted:
        fields["count"] = str(data.get("round") if action == "plans.new_round" else data.get("count", "…"))
    for key in ("program", "rule"):  # names kept in the event's data as they were (a program, a rule's id)
        if key in wanted:  # a program's name is the funder's: in the reader's script, as the lists show it
            fields[key] = (mark(quoted(in_reader_script(data[key]))) if key == "program" and data.get(key)
                           else quoted(data.get(key)))
    for key in wanted - fields.keys() - {"role", "before", "after"}:
        if key in _LABELS:  # a kind of thing an area names in the reader's language (a deliverable, a document)
            fields[key] = label(key, data.get(key))
    if "before" in wanted or "after" in wanted:
        change = _CHANGES.get(action)
        fields.update(change(data, names) if change else {key: quoted(data.get(key)) for key in ("before", "after")})
    return fields


def describe_event(event: Any, names: EventNames | None = None, *, marked: bool = False,
                   with_schools: bool = True) -> str:
    """Say in the reader's language what an audit event records (names read now unless given). `marked`: as Markup
    for a page, what people wrote in it (a title, a file's, a person's, a community's or a school's name) inside
    `lang_span` where its language is not the page's: an English reader's screen reader reads 「分數教學」 and
    陳怡君 in Chinese. `with_schools`: the community named with its schools (the trail, read across schools); a
    member's news names it alone (its three schools made each line four lines long on a phone)."""
    message = EVENT_MESSAGES.get(event.action)
    if message is None:
        return event.action
    names = names if names is not None else load_event_names([event])
    if not marked:
        return gettext(message, **_fields(event, names, message, with_schools=with_schools))
    page = page_language()
    fields = _fields(event, names, message, mark=lambda text: lang_span(text, page), with_schools=with_schools)
    return escape(gettext(message)) % fields


# Where the home page's news links: the page of the record an event is about, by the event's subject type, built
# from the community's address and the subject's id (no query). Registered by the areas (register_target); an
# event about a record of another type links to its community.
_TARGETS: dict[str, tuple[str, str | None]] = {}


def register_target(subject_type: str, endpoint: str, id_argument: str | None = None) -> None:
    """Link news about a `subject_type` record to `endpoint` (its `slug`, and the subject's id as `id_argument`)."""
    _TARGETS[subject_type] = (endpoint, id_argument)


def target_url(event: Any) -> str | None:
    """The address of the record `event` is about (registered by its area), or None when there is none to build
    from the event alone. The community must be loaded with the event (its slug)."""
    target = _TARGETS.get(event.subject_type or "")
    community = event.community
    if target is None or community is None:
        return None
    endpoint, id_argument = target
    if id_argument is None:
        return url_for(endpoint, slug=community.slug)
    if not _is_id(event.subject_id):
        return None
    return url_for(endpoint, slug=community.slug, **{id_argument: event.subject_id})


def describe_events(events: Sequence[Any], *, marked: bool = False,
                    with_schools: bool = True) -> list[tuple[Any, str]]:
    """Each event with its sentence; the names of all of them read together (a fixed number of queries). `marked`
    and `with_schools`: as describe_event."""
    names = load_event_names(events)
    return [(event, describe_event(event, names, marked=marked, with_schools=with_schools)) for event in events]
