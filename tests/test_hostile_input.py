"""The hostile-number sweep: every route of the app, with ids, page numbers and dates nobody should send.

The routes come from `app.url_map`, so a route added later is swept without touching this file. For each
route and method, as a visitor and as the convener of a community that has one of everything (with another
record of the kind where the first one is refused, e.g. the convener's own adaptation for its lessons, and
as a site admin where the convener is refused anyway), the sweep sends:

- each hostile id in place of each id in the path (a name or a token in the path gets two of them);
- the route's own form as its page shows it (filled in as a person would), then that form with each
  hostile value in each of its fields;
- each hostile value in each query-string or form parameter the route read while answering the plain
  request (recorded by the request's own parameter dictionaries: what the view looked at, present or not);
- for routes that walk their whole form (the attendance table's `status-<id>`), keys named after the
  templates' own `name="prefix-{{ id }}"` fields with a hostile id.

No answer may be a server error: 404, 422, 400 and redirects are all fine. A write that works is undone
(the database goes back to the world as built), so each request meets the same world.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask, has_request_context, request
from sqlalchemy import Column, Integer, Table, insert, select, text, update
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from tests.conftest import _empty_tables, columns_set_after_insert
from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from tests.media import png_bytes
from workspace.activities import feeds
from workspace.activities import services as activities
from workspace.auth import services as auth
from workspace.auth.models import User
from workspace.communities import services as communities
from workspace.communities.models import ReviewerScope
from workspace.core import cache
from workspace.core.storage import store_upload
from workspace.discussions import services as discussions
from workspace.discussions.models import Category
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.plans import services as plans
from workspace.resources import services as resources

# 2^31: PostgreSQL's INTEGER ends just before it (SQLite's at 2^63, just before the second one).
HOSTILE_IDS = ("99999999999999999999", "9223372036854775808", "-1", "0", "²", "١٢", "1e3", " 1", "2147483648")
HOSTILE_PAGES = ("²", "0", "-5", str(10**30))
HOSTILE_DATES = ("0001-01-01", "9999-12-31", "9999-12-31T22:00", "2026-02-30", "garbage")
HOSTILE = tuple(dict.fromkeys(HOSTILE_IDS + HOSTILE_PAGES + HOSTILE_DATES))

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Fields the templates name after a record ("status-{{ user.id }}"): a view that walks its form reads these.
DYNAMIC_PREFIXES = sorted(set(re.findall(r'name="([A-Za-z_]+-)\{\{', "\n".join(
    path.read_text(encoding="utf-8") for path in TEMPLATES.rglob("*.html")))))
SKIPPED_FIELDS = {"csrf_token"}
UNSAFE_TYPES = {"file", "password", "submit", "button", "image", "reset"}
SHARDS = 6


# --- recording what a view reads -----------------------------------------------------------------


class Reads:
    """The parameter names read during one request, and whether the view walked a whole dictionary."""

    def __init__(self) -> None:
        self.args: set[str] = set()
        self.form: set[str] = set()
        self.walked = False


_reads: list[Reads] = []


def _note(source: ImmutableMultiDict, name: Any) -> None:
    if _reads and isinstance(name, str) and has_request_context():
        (_reads[-1].args if source is request.args else _reads[-1].form).add(name)


def _walk() -> None:
    if _reads:
        _reads[-1].walked = True


class RecordingDict(ImmutableMultiDict):
    """The request's query and form dictionaries, noting each name looked up (found or not)."""

    def __getitem__(self, key):
        _note(self, key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        _note(self, key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        _note(self, key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _note(self, key)
        return super().__contains__(key)

    def items(self, multi=False):
        _walk()
        return super().items(multi)

    def keys(self):
        _walk()
        return super().keys()

    def __iter__(self):
        _walk()
        return super().__iter__()

    def lists(self):
        _walk()
        return super().lists()

    def to_dict(self, flat=True):
        _walk()
        return super().to_dict(flat)


@pytest.fixture()
def recording(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse query strings and forms into RecordingDict for the length of a test."""
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingDict)


# --- the world -----------------------------------------------------------------------------------




@dataclass
class World:
    """A community with one of everything, and the value each path parameter takes in it.

    `alternatives` are other records for routes the first choice does not reach (an adaptation's lessons,
    a plan in the trash, someone else's post to react to): tried in turn when a route answers 403 or 404.
    """

    users: dict[str, int]
    values: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)  # first path segment → a token that works there
    alternatives: list[dict[str, str]] = field(default_factory=list)
    chosen: dict[str, str] = field(default_factory=dict)  # the alternative in use

    def value(self, rule: Rule, name: str, converter: str, args: str) -> str:
        if converter == "any":
            return args.split(",")[0].strip()
        if name == "token":
            return next((token for prefix, token in self.tokens.items() if rule.rule.startswith(prefix)), "x")
        # A parameter this world does not know (a new kind of record): the first row is id 1.
        return self.chosen.get(name) or self.values.get(name, "1")


def build_world() -> World:
    """The convener's community: members, resources (one in the trash) with a comment, a thread with replies
    (one deleted, one reported) and an attachment, plans (sections, a comment, the convener's adaptation with a
    lesson, a link, a template, a final plan, one in the trash), an activity (leave, evidence, a linked
    resource), an invitation, a notification, a reviewer's scope."""
    school = make_school(name="Sweep School")
    convener = make_user(display_name="Sweep Convener")
    community = make_community(convener, slug="sweep", schools=[school])
    member_ship = add_member(community, make_user(display_name="Sweep Member"))
    member = member_ship.user
    admin = make_user(is_admin=True, display_name="Sweep Admin")
    reviewer = make_reviewer(school)

    resource = resources.create_file_resource(
        community, resources.ResourceFields(title="Fractions", kind="lesson_plan", tags="fractions"),
        store_upload(io.BytesIO(png_bytes()), "board.png"), actor=member)
    resources.add_text_version(resource, "Second version", actor=member)
    comment = resources.add_comment(resource, "Useful", actor=convener)

    questions = db.session.scalar(select(Category).where(Category.community_id == community.id,
                                                         Category.key == "questions"))
    thread = discussions.create_thread(community, category=questions, title="Where to start?", body="Ideas?",
                                       actor=member)
    post = discussions.reply(thread, "Pizza pictures.", actor=convener)
    helpful = discussions.reply(thread, "Paper strips.", actor=member)
    deleted = discussions.reply(thread, "Off topic.", actor=member)
    discussions.delete_post(deleted, actor=convener)
    spam = discussions.reply(thread, "Buy now", actor=member)
    report = discussions.report_post(spam, "Advertising", actor=convener)
    attachment = discussions.add_attachment(community, store_upload(io.BytesIO(png_bytes()), "b.png"),
                                            actor=member)

    doc = plans.create_plan(community, plans.PlanFields(topic="Adding fractions", subject="Maths",
                                                        lead_id=convener.id, teacher_ids=[convener.id, member.id]),
                            actor=convener)
    section = doc.sections[0]
    plans.save_section(section, "Line one\nLine two", actor=convener, base_version=1)
    plan_comment = plans.add_comment(section, "Check the objectives", actor=member)
    adaptation = plans.adapt(doc, actor=convener)
    lesson = plans.record_lesson(adaptation, taught_on=dt.date(2026, 12, 11), class_name="5A",
                                 reflection="Slow down", actor=convener)
    plan_link = plans.link_target(doc, "resource", resource.id, actor=convener)
    template = plans.create_template(community, "Chinese", actor=convener)
    final = plans.create_plan(community, plans.PlanFields(topic="Final plan", lead_id=convener.id,
                                                          teacher_ids=[convener.id]), actor=convener)
    plans.set_status(final, "final", actor=convener)
    trashed_plan = plans.create_plan(community, plans.PlanFields(topic="Old plan", lead_id=convener.id),
                                     actor=convener)
    plans.trash_plan(trashed_plan, actor=convener)
    trashed_resource = resources.create_text_resource(
        community, resources.ResourceFields(title="Old", kind="lesson_plan"), "Old text", actor=member)
    resources.trash_resource(trashed_resource, actor=member)
    resources.create_text_resource(community, resources.ResourceFields(title="Slides", kind="courseware"),
                                   "Text", actor=member)  # one more to link to the activity

    starts = activities.to_local(activities.utcnow()).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=5)
    activity = activities.create_activity(community, activities.ActivityFields(
        title="Sweep meeting", method="collaborative_planning", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), recorder_id=member.id), actor=convener)
    leave = activities.request_leave(activity, "A school trip", actor=member)
    evidence = activities.add_evidence(activity, store_upload(io.BytesIO(png_bytes()), "e.png"), actor=convener)
    activity_link = activities.link_resource(activity, resource, actor=convener)

    invitation = communities.create_invitation(community, actor=convener, role="member")
    [notification] = notifications.notify([convener], "mention", actor=member, community=community,
                                          subject_type="post", subject_id=post.id, title="Where to start?",
                                          excerpt="Pizza", path=f"/c/sweep/discussions/{thread.id}")
    scope = db.session.scalar(select(ReviewerScope).where(ReviewerScope.user_id == reviewer.id))
    reset_token = auth.create_password_reset(member)
    feed_token = feeds.feed_url_token(convener)
    db.session.commit()

    values = {
        "slug": community.slug, "resource_id": resource.id, "comment_id": plan_comment.id,
        "thread_id": thread.id, "post_id": post.id, "report_id": report.id, "attachment_id": attachment.id,
        "category_id": questions.id, "plan_id": doc.id, "section_id": section.id, "lesson_id": lesson.id,
        "link_id": plan_link.id, "template_id": template.id, "activity_id": activity.id, "leave_id": leave.id,
        "evidence_id": evidence.id, "invitation_id": invitation.id, "membership_id": member_ship.id,
        "notification_id": notification.id, "school_id": school.id, "user_id": member.id, "scope_id": scope.id,
    }
    world = World(users={"convener": convener.id, "admin": admin.id},
                  values={name: str(value) for name, value in values.items()})
    world.tokens = {"/invite/": invitation.token, "/reset/": reset_token, "/calendar/": feed_token,
                    "/notifications/unsubscribe/": notifications.unsubscribe_token(member)}
    world.alternatives = [{name: str(value) for name, value in alternative.items()} for alternative in (
        {"plan_id": adaptation.id, "section_id": adaptation.sections[0].id},  # the convener's own adaptation
        {"plan_id": final.id}, {"plan_id": trashed_plan.id}, {"resource_id": trashed_resource.id},
        {"post_id": helpful.id}, {"post_id": deleted.id}, {"link_id": activity_link.id},
        {"comment_id": comment.id},
    )]
    return world


# --- routes, paths and forms ---------------------------------------------------------------------


PART = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def path_of(rule: Rule, world: World, **hostile: str) -> str:
    """The rule's path with the world's values, or the given raw values (quoted as a browser would)."""
    def fill(match: re.Match) -> str:
        name = match["name"]
        if name in hostile:
            return quote(hostile[name], safe="")
        return quote(world.value(rule, name, match["converter"] or "default", match["args"] or ""), safe="")

    return PART.sub(fill, rule.rule)


def routes(app: Flask) -> list[tuple[Rule, str]]:
    pairs = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            pairs.append((rule, method))
    return sorted(pairs, key=lambda pair: (pair[0].rule, pair[1]))


def shard_of(rule: Rule, method: str) -> int:
    return zlib.crc32(f"{method} {rule.rule}".encode()) % SHARDS


class FormHarvester(HTMLParser):
    """The forms of a page as a browser would send them: action → fields (name, value, type)."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: dict[str, list[tuple[str, str, str]]] = {}
        self._current: list[tuple[str, str, str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._radios: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = attr.get("hx-post") or attr.get("action") or self.page_path
            method = "post" if "hx-post" in attr else attr.get("method", "get").lower()
            if method == "post":
                # Several forms may post to one address (a plan per month): the first one is the baseline.
                target = urlsplit(action).path
                self._current = self.forms.setdefault(target, []) if target not in self.forms else []
                self._radios = {}
        elif self._current is None:
            return
        elif tag == "input":
            kind, name = attr.get("type", "text").lower(), attr.get("name")
            if not name or kind in UNSAFE_TYPES:
                return
            value = attr.get("value", "")
            if kind in {"checkbox", "radio"}:
                if kind == "radio" and (name in self._radios or "checked" not in attr):
                    self._radios.setdefault(f"?{name}", value)  # the first choice, if none is checked
                    return
                if "checked" not in attr:
                    return
                self._radios[name] = value
            elif not value:
                value = {"date": "2026-05-04", "datetime-local": "2026-05-04T14:00", "month": "2026-05",
                         "number": "1", "email": "sweep@example.test"}.get(kind, "Sweep" if "required" in attr
                                                                          else "")
            self._current.append((name, value, kind))
        elif tag == "select" and attr.get("name"):
            self._select = (attr["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((attr.get("value", ""), "selected" in attr))
        elif tag == "textarea" and attr.get("name"):
            self._textarea = (attr["name"], [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._current is None:
            return
        if tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or \
                [next((value for value, _selected in options if value), "")]
            self._current.extend((name, value, "select") for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The parser keeps the newline after <textarea>, which a browser drops.
            body = "".join(text).removeprefix("\r\n").removeprefix("\n")
            self._current.append((name, body or "Sweep text", "textarea"))
            self._textarea = None
        elif tag == "form":
            for key, value in self._radios.items():
                if key.startswith("?") and key[1:] not in self._radios:
                    self._current.append((key[1:], value, "radio"))
            self._current = None


# --- the sweep -----------------------------------------------------------------------------------


class Snapshot:
    """The database as the world was built, to put back after a write that worked (building the world again
    takes half a second, and a sweep makes hundreds of such writes). SQLite copies itself with its online
    backup API, both ways, in a few milliseconds; PostgreSQL keeps the rows and inserts them again."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        db.session.commit()
        self.sqlite = db.engine.dialect.name == "sqlite"
        if self.sqlite:
            self.copy = sqlite3.connect(":memory:", check_same_thread=False)
            self._backup(into_copy=True)
        else:
            self.tables = list(db.metadata.sorted_tables)
            self.rows = {table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
                         for table in self.tables}
            db.session.commit()

    def _backup(self, *, into_copy: bool) -> None:
        raw = db.engine.raw_connection()
        try:
            live = raw.driver_connection
            (live.backup(self.copy) if into_copy else self.copy.backup(live))
        finally:
            raw.close()

    def restore(self) -> None:
        db.session.remove()
        if self.sqlite:
            self._backup(into_copy=False)
        else:
            self._insert_again()
        # Pages cached under a write counter the restore brings back would show what is gone.
        cache.store.clear()
        self.app.extensions.pop("recent_generation", None)

    def _insert_again(self) -> None:
        _empty_tables()
        later: list[tuple[Table, Column, list[dict]]] = []
        for table in self.tables:
            rows = self.rows[table.name]
            if not rows:
                continue
            cyclic = columns_set_after_insert(table)
            db.session.execute(insert(table), [{**row, **{column.name: None for column in cyclic}} for row in rows])
            later.extend((table, column, rows) for column in cyclic)
        for table, column, rows in later:
            key = next(iter(table.primary_key.columns))
            for row in rows:
                if row[column.name] is not None:
                    db.session.execute(update(table).where(key == row[key.name]).values({column: row[column.name]}))
        for table in self.tables:  # explicit ids leave the sequences behind
            key = list(table.primary_key.columns)
            if len(key) == 1 and key[0].autoincrement is not False and isinstance(key[0].type, Integer):
                name, column = table.name, key[0].name
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "  # noqa: S608 - model names
                    f"COALESCE((SELECT MAX({column}) FROM {name}), 0) + 1, false)"))
        db.session.commit()


@dataclass
class Sweep:
    app: Flask
    client: Any
    world: World
    identity: str
    snapshot: Snapshot
    pages: dict[str, dict[str, list[tuple[str, str, str]]]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def login(self) -> None:
        self.client.logout()
        if self.identity != "anonymous":
            self.client.login(db.session.get(User, self.world.users[self.identity]))

    def rebuild(self) -> None:
        """A successful write may have used up what the world holds (a deleted plan, an archived community,
        a version the harvested form still names): put the database back as the world was built."""
        self.snapshot.restore()
        self.login()

    def send(self, method: str, path: str, query: dict | None = None, form: list | None = None) -> int:
        """Send one request; note a server error (or an exception) as a failure. Return the status."""
        described = f"{self.identity}: {method} {path}" + (f" ?{query}" if query else "") + \
            (f" form={[(name, value) for name, value in form or [] if name != 'csrf_token']}" if form else "")
        _reads[:] = [Reads()]
        try:
            if method == "GET":
                response = self.client.get(path, query_string=query)
            else:
                data = ImmutableMultiDict([("csrf_token", self.client.csrf_token()), *(form or [])])
                response = self.client.open(path, method=method, query_string=query, data=data)
        except Exception as error:  # the failure is what the sweep reports
            self.failures.append(f"{described} → {type(error).__name__}: {error}"[:400])
            db.session.rollback()
            return 500
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{described} → {status}")
        return status

    def reads(self) -> Reads:
        return _reads[-1]

    def form_for(self, rule: Rule, path: str) -> list[tuple[str, str, str]]:
        """The form that posts to `path`, as a person would send it: from the GET pages nearest to the route
        (the same address, its editor, its parents, its siblings; the layout's forms are on every page)."""
        candidates = [other for other in self.app.url_map.iter_rules()
                      if "GET" in (other.methods or set()) and other.endpoint != "static" and not other.arguments
                      - set(rule.arguments)]
        nearest = sorted(candidates, key=lambda other: (-len(os.path.commonpath([rule.rule, other.rule])),
                                                        len(other.rule)))
        for other in nearest[:8]:
            page_path = path_of(other, self.world)
            if page_path not in self.pages:
                response = self.client.get(page_path)
                harvester = FormHarvester(page_path)
                if response.status_code == 200 and response.mimetype == "text/html":
                    harvester.feed(response.get_data(as_text=True))
                self.pages[page_path] = harvester.forms
            if path in self.pages[page_path]:
                return list(self.pages[page_path][path])
        return []

    def reaches(self, rule: Rule, method: str) -> bool:
        """Whether this identity gets past the route's checks, with the world's records or an alternative
        (left chosen in the world); the route's own form as a person sends it, a write undone."""
        self.login()
        for choice in [{}, *self.world.alternatives]:
            if choice and not set(choice) & {match["name"] for match in PART.finditer(rule.rule)}:
                continue
            self.world.chosen = choice
            path = path_of(rule, self.world)
            form = self.form_for(rule, path) if method != "GET" else []
            fields = [(name, value) for name, value, _kind in form if name not in SKIPPED_FIELDS]
            status = self.send(method, path, form=fields)
            if method != "GET" and status < 400:
                self.rebuild()
            if status not in (403, 404):
                return True
        self.world.chosen = {}
        return False

    def sweep(self, rule: Rule, method: str) -> None:
        """Sweep one route with hostile values in its path, its form and the parameters it reads."""
        self.login()
        for match in PART.finditer(rule.rule):
            # A name or a token is only ever looked up as text: two values show that; ids get them all.
            for value in HOSTILE_IDS if match["converter"] == "int" else HOSTILE_IDS[:1] + HOSTILE_IDS[4:5]:
                self.send(method, path_of(rule, self.world, **{match["name"]: value}))
        path = path_of(rule, self.world)
        form = self.form_for(rule, path) if method != "GET" else []
        fields = [(name, value) for name, value, _kind in form if name not in SKIPPED_FIELDS]
        status = self.send(method, path, form=fields)
        reads = self.reads()
        if method != "GET" and status < 400:
            self.rebuild()
        # Each hostile value in each field of the page's form, the rest as a person filled it in.
        swept = set()
        for name, baseline, kind in form:
            if name in SKIPPED_FIELDS or name in swept:
                continue
            swept.add(name)
            for value in hostile_values(baseline, kind):
                changed = [(key, value if key == name else old) for key, old in fields]
                self.write(method, path, form=changed)
        # Each hostile value in each parameter the view read (in the query string, or in the form).
        for name in sorted(reads.args - SKIPPED_FIELDS):
            for value in HOSTILE:
                self.write(method, path, query={name: value}, form=fields)
        if method != "GET":
            for name in sorted(reads.form - swept - SKIPPED_FIELDS):
                for value in HOSTILE:
                    self.write(method, path, form=[*fields, (name, value)])
            if reads.walked:
                for prefix in DYNAMIC_PREFIXES:
                    for value in HOSTILE_IDS:
                        self.write(method, path, form=[*fields, (prefix + value, "present")])

    def write(self, method: str, path: str, query: dict | None = None, form: list | None = None) -> None:
        """Send; after an unsafe request that worked, rebuild the world it may have used up."""
        if self.send(method, path, query, form) < 400 and method != "GET":
            self.rebuild()


DATE_LIKE = re.compile(r"\d{4}-\d{2}(-\d{2})?(T\d{2}:\d{2}(:\d{2})?)?")
DIGITS = re.compile(r"\d+")


def hostile_values(baseline: str, kind: str) -> list[str]:
    """What to put in a form field instead of what a person would: dates where a date goes, ids and page
    numbers where a number goes (also inside a value such as "resource:12"), everything where it is empty;
    free text (a title, a choice named in words) is other tests' business (the naughty strings)."""
    if kind == "textarea":
        return []
    if DATE_LIKE.fullmatch(baseline) or kind in {"date", "datetime-local", "month"}:
        return list(HOSTILE_DATES)
    if baseline.isdigit() or (not baseline and kind in {"hidden", "select", "number", "radio", "checkbox"}):
        return list(dict.fromkeys(HOSTILE_IDS + HOSTILE_PAGES))
    if not baseline:  # an empty text box: a number or a date may be read from it
        return ["²", HOSTILE_IDS[0], "9999-12-31T22:00"]
    if DIGITS.search(baseline):
        return [DIGITS.sub(value, baseline, count=1) for value in HOSTILE_IDS]
    return []


@pytest.fixture()
def world(ctx) -> Iterator[World]:
    yield build_world()


def _sweep(app: Flask, client, world: World, identity: str, shard: int, *, fallback: str | None = None) -> None:
    sweep = Sweep(app, client, world, identity, Snapshot(app))
    sweep.login()
    helper = Sweep(app, client, world, fallback, sweep.snapshot) if fallback else None
    for rule, method in routes(app):
        if shard_of(rule, method) != shard:
            continue
        # Sweep the route as far in as someone gets: with the world's first records, else another record of
        # the kind (an adaptation, a plan in the trash …), else as the fallback identity (the admin pages).
        who = sweep
        if not sweep.reaches(rule, method):
            who = next((other for other in ([helper] if helper else []) if other.reaches(rule, method)), sweep)
        who.sweep(rule, method)
        world.chosen = {}
        sweep.login()
    failures = sweep.failures + (helper.failures if helper else [])
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_hostile_number_or_date_makes_a_server_error_for_a_member(app, client, world, recording, shard):
    _sweep(app, client, world, "convener", shard, fallback="admin")


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_hostile_number_or_date_makes_a_server_error_for_a_visitor(app, client, world, recording, shard):
    _sweep(app, client, world, "anonymous", shard)


def test_the_sweep_reaches_every_route(app):
    """Every route falls in a shard, and the shards cover the whole map (a new route is swept by itself)."""
    assert {shard_of(rule, method) for rule, method in routes(app)} == set(range(SHARDS))
    assert len(routes(app)) > 150
