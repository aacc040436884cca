"""Nobody's save waits for somebody else's upload: the write lock is held for the short write only.

A real server (werkzeug with a thread per request) on the test database: an upload whose body is still
arriving while three other people save; eight large photos uploaded at once; and a lock held elsewhere
beyond the busy timeout, which answers 503 with Retry-After and the typed text kept, never 500.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import event, func, select, text
from werkzeug.serving import make_server

from tests.discussions.helpers import make_board
from tests.factories import PASSWORD, add_member, make_user
from workspace.communities.models import Membership
from workspace.communities.services import remove_member
from workspace.core.models import Blob
from workspace.discussions.models import Post, ReadMark
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.plans.models import PlanComment, PlanSection
from workspace.resources.models import Resource

HOST = "workspace.test"  # the test app's SERVER_NAME: the live server routes by it
WAIT = 60  # seconds: generous bounds on waits for a condition, never a measure of speed


# --- a real server and the people using it -------------------------------------------------------


@dataclass
class Server:
    port: int
    upload_dir: Path

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)


@pytest.fixture()
def server(app: Flask) -> Iterator[Server]:
    """The test app served on 127.0.0.1 by werkzeug, one thread per request, for this test only."""
    live = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=live.serve_forever, name="write-lock-server", daemon=True)
    thread.start()
    try:
        yield Server(live.server_port, Path(app.config["UPLOAD_DIR"]))
    finally:
        live.shutdown()
        thread.join(timeout=WAIT)
        live.server_close()


@dataclass
class Person:
    """A browser without JavaScript: cookies, the page's CSRF token, forms posted."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Host": HOST, "Accept-Language": "en", **({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        connection = self.server.connect()
        try:
            connection.request(method, path, body=body, headers=self.headers(headers))
            response = connection.getresponse()
            page = response.read().decode()
            self.keep_cookies(response)
            return response.status, page
        finally:
            connection.close()

    def get(self, path: str) -> str:
        status, page = self.request("GET", path)
        assert status == 200, (path, status)
        match = re.search(r'id="csrf-token" data-token="([^"]+)"', page)
        if match:
            self.token = match.group(1)
        return page

    def post(self, path: str, fields: dict[str, str]) -> int:
        body, content_type = multipart({"csrf_token": self.token, **fields})
        return self.request("POST", path, body, {"Content-Type": content_type})[0]

    def log_in(self, email: str) -> Person:
        self.get("/login")
        assert self.post("/login", {"email": email, "password": PASSWORD}) == 302
        self.get("/")  # the token of the logged-in session
        return self


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = f"----write-lock-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in (files or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def photo(width: int = 2400, height: int = 1800) -> bytes:
    """A camera-sized JPEG of noise (about 4 MB: noise does not compress), which the store re-encodes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


class Upload:
    """One file added to the library over a raw socket, its body sent in pieces as the test says."""

    def __init__(self, person: Person, slug: str, filename: str, content: bytes) -> None:
        body, content_type = multipart(
            {"csrf_token": person.token, "source": "files", "kind": "courseware", "visibility": "community"},
            {"files": (filename, content)})
        head = (f"POST /c/{slug}/resources/new HTTP/1.1\r\n"
                + "".join(f"{name}: {value}\r\n" for name, value in person.headers({
                    "Content-Type": content_type, "Content-Length": str(len(body)), "X-Upload": "1",
                    "Connection": "close"}).items())
                + "\r\n").encode()
        self.data, self.sent = head + body, 0
        self.socket = socket.create_connection(("127.0.0.1", person.server.port), timeout=WAIT)

    def send(self, until: int, pause: float = 0.0, chunk: int = 256 * 1024) -> None:
        """Send the request up to byte `until`, in chunks (with a pause after each, as a slow network)."""
        while self.sent < min(until, len(self.data)):
            end = min(self.sent + chunk, until, len(self.data))
            self.socket.sendall(self.data[self.sent:end])
            self.sent = end
            if pause:
                time.sleep(pause)

    def finish(self, pause: float = 0.0) -> tuple[int, str]:
        """Send the rest and read the answer."""
        try:
            self.send(len(self.data), pause)
            response = http.client.HTTPResponse(self.socket)
            response.begin()
            return response.status, response.read().decode()
        except OSError as error:  # the server answered (and closed) before it read the whole body
            return 0, repr(error)
        finally:
            self.socket.close()


def wait_for(condition, what: str) -> None:
    """Wait until `condition()` holds (a bound, not a speed test)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def spooled_parts(server: Server) -> list[Path]:
    """File parts the server's request parser is writing (UPLOAD_DIR/tmp/upload-*.upload)."""
    return list((server.upload_dir / "tmp").glob("upload-*.upload"))


# --- the scenarios ---------------------------------------------------------------------------------


@pytest.fixture()
def team(ctx):
    """A community with a board thread and a co-planning document, and five members."""
    board = make_board(slug=f"lock-{uuid.uuid4().hex[:6]}")
    people = [add_member(board.community, make_user()).user for _ in range(3)]
    thread = board.thread()
    doc = plans.create_plan(board.community, plans.PlanFields(
        topic="分數的加減", subject="數學", grade="五年級", lead_id=board.member.id,
        teacher_ids=[board.member.id]), actor=board.member)
    db.session.commit()
    section = db.session.scalar(select(PlanSection).where(PlanSection.doc_id == doc.id)
                                .order_by(PlanSection.position))
    return board, people, thread, doc, section


def test_an_upload_still_arriving_does_not_hold_up_three_other_saves(ctx, server, team, request):
    board, (uploader, replier, commenter), thread, doc, section = team
    slug = board.community.slug
    people = [Person(server).log_in(user.email) for user in (uploader, replier, board.member, commenter)]
    upload = Upload(people[0], slug, "課堂照片.jpg", photo())
    request.addfinalizer(upload.socket.close)  # a failing test must not leave the server waiting for the rest
    spooled_before = len(spooled_parts(server))
    upload.send(len(upload.data) // 2)
    # The server is now reading the photo's part, and waits for the rest of it.
    wait_for(lambda: len(spooled_parts(server)) > spooled_before, "the upload to reach the request parser")

    answers: dict[str, int] = {}

    def save(name: str, person: Person, path: str, fields: dict[str, str]) -> None:
        answers[name] = person.post(path, fields)

    plan_path = f"/c/{slug}/plans/{doc.id}"
    saves = [
        threading.Thread(target=save, args=("reply", people[1], f"/c/{slug}/discussions/{thread.id}/reply",
                                            {"body": "我也用披薩圖。", "submission_key": uuid.uuid4().hex})),
        threading.Thread(target=save, args=("section", people[2], f"{plan_path}/sections/{section.id}",
                                            {"body": "學生能用圖示說明異分母分數的加法。",
                                             "base_version": str(section.version)})),
        threading.Thread(target=save, args=("comment", people[3], f"{plan_path}/sections/{section.id}/comments",
                                            {"body": "建議加上一題生活情境。"})),
    ]
    for thread_ in saves:
        thread_.start()
    for thread_ in saves:
        thread_.join(timeout=WAIT)
    # All three were answered while half of the photo had still not been sent.
    assert upload.sent < len(upload.data)
    assert answers == {"reply": 302, "section": 302, "comment": 302}

    status, page = upload.finish()
    assert status == 201, page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 2
    assert db.session.get(PlanSection, section.id).body == "學生能用圖示說明異分母分數的加法。"
    assert db.session.scalar(select(func.count()).select_from(PlanComment)) == 1
    assert db.session.scalar(select(Resource.title).where(Resource.community_id == board.community.id)) == "課堂照片"


def test_eight_large_photos_uploaded_at_once_all_succeed(ctx, server, team):
    board, people, _thread, _doc, _section = team
    uploaders = people + [add_member(board.community, make_user()).user for _ in range(5)]
    db.session.commit()
    persons = [Person(server).log_in(user.email) for user in uploaders]
    uploads = [Upload(person, board.community.slug, f"活動照片{index}.jpg", photo())
               for index, person in enumerate(persons)]
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(len(uploads))

    def send(upload: Upload) -> None:
        start.wait()
        # Each body takes a little over a second to arrive, as from a school's shared connection.
        answers.append(upload.finish(pause=0.08))

    senders = [threading.Thread(target=send, args=(upload,)) for upload in uploads]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=WAIT * 2)
    assert [status for status, _page in answers] == [201] * len(uploads), [page[:300] for _s, page in answers]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Resource)
                             .where(Resource.community_id == board.community.id)) == len(uploads)


def test_what_others_saved_while_a_body_arrived_is_what_the_request_sees(ctx, server, team, request):
    """A member removed while their photo was still arriving: the upload is refused, not added behind the
    convener's back (the request's reads begin once its body is in)."""
    board, (uploader, *_others), _thread, _doc, _section = team
    person = Person(server).log_in(uploader.email)
    upload = Upload(person, board.community.slug, "課堂照片.jpg", photo(1600, 1200))
    request.addfinalizer(upload.socket.close)
    spooled_before = len(spooled_parts(server))
    upload.send(len(upload.data) // 2)
    wait_for(lambda: len(spooled_parts(server)) > spooled_before, "the upload to reach the request parser")

    membership = db.session.scalar(select(Membership).where(Membership.user_id == uploader.id,
                                                            Membership.community_id == board.community.id))
    remove_member(membership, actor=board.convener)
    db.session.commit()  # the convener's save does not wait for the upload either

    status, _page = upload.finish()
    assert status == 404  # no longer a member: the community is not theirs to see
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Resource)
                             .where(Resource.community_id == board.community.id)) == 0


# --- a lock held elsewhere beyond the busy timeout -------------------------------------------------


@pytest.fixture()
def short_busy_timeout(app: Flask) -> Iterator[None]:
    """Connections that wait at most 100 ms for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout)."""

    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = 100")
        cursor.close()

    postgres = db.engine.dialect.name == "postgresql"
    previous = app.config.get("SQLITE_BUSY_TIMEOUT_MS")
    db.session.commit()
    if postgres:
        event.listen(db.engine, "connect", on_connect)
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    db.engine.dispose()  # new connections take the setting
    try:
        yield
    finally:
        if postgres:
            event.remove(db.engine, "connect", on_connect)
        app.config["SQLITE_BUSY_TIMEOUT_MS"] = previous
        db.session.remove()
        db.engine.dispose()


class ResendForm(HTMLParser):
    """The page's heading and its one form, read as a browser would send it (name → value)."""

    def __init__(self) -> None:
        super().__init__()
        self.heading, self.action, self.method = "", "", ""
        self.values: dict[str, str] = {}
        self.shown: set[str] = set()
        self.files: set[str] = set()
        self._in: str | None = None

    @classmethod
    def of(cls, page: str) -> ResendForm:
        parser = cls()
        parser.feed(page)
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "h1":
            self._in = "h1"
        elif tag == "form" and "resend-form" in attributes.get("class", ""):
            self.action, self.method = attributes["action"], attributes["method"]
        elif tag == "input" and self.action and attributes.get("type") == "file":
            self.files.add(attributes["name"])
        elif tag == "input" and self.action and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value", "")
            if attributes.get("type") != "hidden":
                self.shown.add(attributes["name"])
        elif tag == "textarea" and self.action:
            self._in = attributes["name"]
            self.values[self._in] = ""
            self.shown.add(self._in)

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.heading += data
        elif self._in:
            self.values[self._in] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._in:
            self.values[self._in] = self.values[self._in].removeprefix("\n")  # as browsers parse a textarea
        if tag in ("h1", "textarea"):
            self._in = None


class HeldLock:
    """Another process's long write: it holds the lock that saves need (and lets reads through) until released."""

    def __init__(self) -> None:
        if db.engine.dialect.name == "sqlite":
            self.connection = sqlite3.connect(db.engine.url.database, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            # EXCLUSIVE lets SELECTs through and stops any write to these tables (a reply numbers itself in
            # threads; an upload adds its blob).
            self.connection = db.engine.raw_connection()
            cursor = self.connection.cursor()
            cursor.execute("LOCK TABLE threads, blobs IN EXCLUSIVE MODE")
            cursor.close()

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


def test_a_lock_held_beyond_the_busy_timeout_answers_503_and_keeps_the_typed_text(client, ctx, short_busy_timeout):
    board = make_board()
    thread = board.thread()
    client.login(board.other)
    path = f"/c/board/discussions/{thread.id}/reply"
    typed = {"body": "我的回覆：先讓學生<摺紙>，再談通分 & 約分。\n第二行。", "submission_key": "k-" + uuid.uuid4().hex}
    lock = HeldLock()
    try:
        response = client.post_form(path, typed)
        hx = client.hx("POST", path, data={**typed, "csrf_token": client.csrf_token()})
    finally:
        lock.release()

    # A plain form: the page says to send again, and holds what was typed, ready to be sent as it was.
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    form = ResendForm.of(response.get_data(as_text=True))
    assert "busy" in form.heading
    assert form.action == path and form.method == "post"
    assert form.values["body"] == typed["body"] and form.values["submission_key"] == typed["submission_key"]
    assert form.values["csrf_token"]
    assert "body" in form.shown  # the text itself is on the page, not only in a hidden field

    # htmx: an error (not swapped, so the form stays as typed) whose heading app.js shows as the message.
    assert hx.status_code == 503 and hx.headers["Retry-After"].isdigit()
    assert '<section class="error-page"' in hx.get_data(as_text=True) and "<html" not in hx.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 1

    # The lock is gone: the page's own "Send again" saves the reply, once.
    again = client.post(path, data=form.values)
    assert again.status_code == 302
    db.session.rollback()
    assert db.session.scalars(select(Post.body).where(Post.thread_id == thread.id, Post.number == 2)).one() \
        == typed["body"]
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_a_thread_read_while_the_lock_is_held_elsewhere_is_shown_and_marked_read_later(client, ctx,
                                                                                      short_busy_timeout):
    """Reading moves the read mark, a write the page can do without: a busy database leaves it for later."""
    board = make_board()
    thread = board.thread()
    board.reply(thread, "第二則回覆")
    client.login(board.convener)
    path = f"/c/board/discussions/{thread.id}"
    lock = HeldLock()
    try:
        page = client.get(path)
    finally:
        lock.release()
    assert page.status_code == 200 and "第二則回覆" in page.get_data(as_text=True)
    assert read_up_to(thread, board.convener) is None
    assert client.get(path).status_code == 200
    assert read_up_to(thread, board.convener) == 2


def read_up_to(thread, user) -> int | None:
    db.session.rollback()  # a fresh look
    return db.session.scalar(select(ReadMark.last_read_number).where(ReadMark.thread_id == thread.id,
                                                                      ReadMark.user_id == user.id))


def test_while_the_lock_is_held_elsewhere_a_file_is_still_checked_and_a_good_one_asked_for_again(
        client, ctx, short_busy_timeout):
    """The checks of an upload need no lock: a refused file says why at once; a good one, which must be written,
    gets the busy page, which asks for the file again and keeps the typed title."""
    board = make_board()
    client.login(board.member)
    path = "/c/board/resources/new"
    fields = {"source": "files", "title": "五年級 分數 學習單", "kind": "courseware", "visibility": "community"}
    lock = HeldLock()
    try:
        attachment = client.post("/c/board/discussions/attachments", headers={
            "Accept": "application/json", "X-CSRFToken": client.csrf_token()},
            data={"file": (io.BytesIO(photo(400, 300)), "板書.jpg")}, content_type="multipart/form-data")
        refused = client.post_form(path, {**fields, "files": (io.BytesIO(b"MZ\x90\x00 a program"), "講義.pdf")},
                                   content_type="multipart/form-data")
        good = client.post_form(path, {**fields, "files": (io.BytesIO(photo(400, 300)), "學習單.jpg")},
                                content_type="multipart/form-data")
    finally:
        lock.release()

    assert refused.status_code == 422
    assert "looks like a program" in refused.get_data(as_text=True)
    # The editor's own upload (a script asking for JSON) gets the message as JSON, to show beside the file.
    assert attachment.status_code == 503 and attachment.headers["Retry-After"].isdigit()
    assert "busy" in attachment.get_json()["error"]
    assert good.status_code == 503 and good.headers["Retry-After"].isdigit()
    form = ResendForm.of(good.get_data(as_text=True))
    assert form.values["title"] == fields["title"] and form.values["kind"] == fields["kind"]
    assert "學習單.jpg" in good.get_data(as_text=True) and "files" in form.files
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 0



def test_a_form_whose_second_file_is_refused_stores_nothing_at_all(client, ctx, app):
    """Every file of a request is checked before any is stored: the photo sent with a program is not left in the
    store (nor in the database) when the form is refused."""
    board = make_board()
    client.login(board.member)
    store = Path(app.config["UPLOAD_DIR"])

    def stored_files() -> set[Path]:
        return {path for path in store.rglob("*") if path.is_file() and "tmp" not in path.relative_to(store).parts}

    before = stored_files()
    response = client.post_form("/c/board/resources/new", {
        "source": "files", "kind": "courseware", "visibility": "community",
        "files": [(io.BytesIO(photo(400, 300)), "板書.jpg"), (io.BytesIO(b"MZ\x90\x00 a program"), "講義.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert stored_files() == before
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 0
