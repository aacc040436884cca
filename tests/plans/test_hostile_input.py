"""Hostile input through co-planning: the Big List of Naughty Strings through a plan's topic, subject and unit,
a section saved through its route, a comment and a lesson's class and reflection (never a crash, stored
cleaned, shown escaped); the XSS corpus as section bodies and comments, checked in the parsed DOM of the plan
page, the comments fragment, the print view and the diff page."""

from __future__ import annotations

import re

import pytest
from bleach._vendor import html5lib
from bleach._vendor.html5lib import serializer as html5lib_serializer
from markupsafe import escape
from sqlalchemy import func, select

from tests.plans.helpers import make_team
from tests.xss_corpus import PAYLOADS, assert_inert, url_scheme
from workspace.core.errors import ValidationError
from workspace.core.text import ALLOWED_PROTOCOLS, clean_line, clean_text, has_visible_text
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import LessonTaught, PlanComment, PlanDoc, PlanSection

SCRIPT = re.compile(r"<script\b", re.I)
ANSWERS = {200, 302, 409, 422}  # shown, saved, a conflict to settle, refused beside the field: never a 500



@pytest.fixture()
def team(ctx):
    return make_team()


# --- reading a page as a browser does ------------------------------------------------------------------------

_document_parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
_serializer = html5lib_serializer.HTMLSerializer(quote_attr_values="always", omit_optional_tags=False)
_walker = html5lib.getTreeWalker("etree")
_OUTER = re.compile(r"^<div\b[^>]*>(.*)</div>$", re.S)
_FOREIGN = ("iframe", "object", "embed", "frame", "frameset", "base")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _prose(element) -> bool:
    return _local(element.tag) == "div" and "prose" in (element.get("class") or "").split()


def page_problems(page: str, scripts: int) -> list[str]:
    """Parse the page as a browser does: each user-content area (div.prose) must pass assert_inert, and the
    page around them must hold `scripts` script elements (the app's own), no event handler, no foreign frame
    and no URL with a scheme other than http, https or mailto."""
    problems = []
    document = _document_parser.parse(page)
    inside: set[int] = set()
    for area in (element for element in document.iter() if isinstance(element.tag, str) and _prose(element)):
        inside.update(id(descendant) for descendant in area.iter() if descendant is not area)
        match = _OUTER.match(_serializer.render(_walker(area)))
        if match is None:
            problems.append("a user-content area that does not serialize as one div")
            continue
        try:
            assert_inert(match.group(1))
        except AssertionError as error:
            problems.append(str(error)[:400])
    found_scripts = 0
    for element in document.iter():
        if not isinstance(element.tag, str) or id(element) in inside:
            continue
        tag = _local(element.tag)
        found_scripts += tag == "script"
        if tag in _FOREIGN:
            problems.append(f"<{tag}> outside the user content")
        for name, value in element.attrib.items():
            local = _local(name)
            if local.startswith("on"):
                problems.append(f"<{tag}> has event handler {name}={value!r}")
            if local in {"href", "src", "action", "formaction", "xlink:href", "srcset", "data"}:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in ALLOWED_PROTOCOLS:
                    problems.append(f"<{tag} {name}> has URL scheme {scheme!r}")
    if found_scripts != scripts:
        problems.append(f"{found_scripts} script elements, the page has {scripts} of its own")
    return problems


# --- helpers -----------------------------------------------------------------------------------------------------


def plan_url(doc: PlanDoc, rest: str = "") -> str:
    return f"/c/team/plans/{doc.id}{rest}"


def _post(failures: list, index, where: str, send, *args, **kwargs):
    """`send(*args, **kwargs)` (a client's method): its crash (the app re-raises under TESTING) or an unexpected
    status becomes a failure; else the response."""
    try:
        response = send(*args, **kwargs)
    except Exception as error:  # every crash is collected and reported at the end
        db.session.rollback()
        failures.append((index, where, f"crash {error!r}"))
        return None
    if response.status_code not in ANSWERS:
        failures.append((index, where, f"status {response.status_code}"))
        return None
    return response


def _report(naughty: list[str], failures: list) -> str:
    return f"{len(failures)} problems:\n" + "\n".join(
        f"#{index} {naughty[index] if isinstance(index, int) else index!r:.60} · {where}: {why}"
        for index, where, why in failures[:40])


def _baseline_scripts(client, doc: PlanDoc) -> tuple[int, int]:
    """The script elements of the plan page and of the print view before any hostile input."""
    return (len(SCRIPT.findall(client.get(plan_url(doc)).get_data(as_text=True))),
            len(SCRIPT.findall(client.get(plan_url(doc, "/print")).get_data(as_text=True))))


# --- the Big List of Naughty Strings ------------------------------------------------------------------------------
# Every string goes through co-planning once: the first of each three through the plan's fields, the second as a
# section body and a comment, the third as a lesson's class and reflection (the foundation's test takes every
# string through its own fields, and the Markdown door through render_markdown).

PROSE = re.compile(r'<div class="prose"[^>]*>.*?</div>', re.S)


def shown_problems(page: str, value: str, scripts: int, *contexts: str) -> list[str]:
    """The cheap reading of a page for a naughty string: each context present, no script of the input's,
    no raw markup of the value outside the sanitized Markdown areas."""
    problems = [f"not shown escaped: {context[:60]!r}" for context in contexts if context not in page]
    if len(SCRIPT.findall(page)) != scripts:
        problems.append("a <script> from the input is live")
    if "<" in value and str(escape(value)) != value and value in PROSE.sub("", page):
        problems.append("the value appears unescaped")
    return problems


def test_naughty_strings_through_the_plan_fields(client, team, naughty):
    """Topic, subject and unit through the form that starts a plan: stored cleaned and shown escaped, or refused
    beside a field with the page still whole."""
    client.login(team.lead)
    scripts = len(SCRIPT.findall(client.get("/c/team/plans/new").get_data(as_text=True)))
    page_scripts = len(SCRIPT.findall(client.get(plan_url(team.plan())).get_data(as_text=True)))
    failures: list = []
    for index in range(0, len(naughty), 3):
        value = naughty[index]
        before = db.session.scalar(select(func.max(PlanDoc.id))) or 0
        response = _post(failures, index, "new plan", client.post_form, "/c/team/plans/new", {
            "template": "default", "topic": value, "subject": value, "grade": "五年級", "unit": value,
            "lead_id": str(team.lead.id), "teacher_ids": [str(team.lead.id), str(team.teacher.id)]})
        if response is None:
            continue
        if response.status_code == 422:
            page = response.get_data(as_text=True)
            if 'class="field-error"' not in page:
                failures.append((index, "new plan", "422 without an error beside a field"))
            failures += [(index, "new plan (refused)", problem) for problem in shown_problems(page, value, scripts)]
            continue
        doc = db.session.scalar(select(PlanDoc).where(PlanDoc.id > before).order_by(PlanDoc.id))
        if response.status_code != 302 or doc is None:
            failures.append((index, "new plan", f"{response.status_code} and nothing stored"))
            continue
        line = clean_line(value)
        if (doc.topic, doc.subject, doc.unit) != (line, line, line):
            failures.append((index, "new plan", f"stored as {doc.topic!r}, {doc.subject!r}, {doc.unit!r}"))
        shown = _post(failures, index, "plan page", client.get, plan_url(doc))
        if shown is None or shown.status_code != 200:
            failures.append((index, "plan page", "not shown"))
            continue
        # the topic in its own language's span where that is not the page's (core/text_language.lang_span)
        page = re.sub(r'<h2><span lang="zh-Han[st]">(.*?)</span>', r"<h2>\1", shown.get_data(as_text=True), flags=re.S)
        failures += [(index, "plan page", problem) for problem in shown_problems(
            page, value, page_scripts,
            f"<title>{escape(line)} · ", f"<h2>{escape(line)}\n", f"<dd>{escape(line) or '—'}</dd>")]
    assert not failures, _report(naughty, failures)


def test_naughty_strings_as_section_bodies_and_comments(client, team, naughty):
    """Each string saved into a section through its route (a plan for each seven, one section each) and
    commented on it through htmx: stored cleaned; the diff shows it escaped; the comments fragment and the plan
    page stay whole."""
    client.login(team.teacher)
    scripts, _print_scripts = _baseline_scripts(client, team.plan())
    failures: list = []
    indices = list(range(1, len(naughty), 3))
    for start in range(0, len(indices), 7):
        doc = team.plan(f"第 {start} 組")
        for section, index in zip(list(doc.sections), indices[start:start + 7], strict=False):
            value, section_id = naughty[index], section.id
            saved = _post(failures, index, "section", client.post_form, plan_url(doc, f"/sections/{section_id}"),
                          {"body": value, "base_version": "1"})
            db.session.expire_all()
            stored = db.session.get(PlanSection, section_id).body
            if saved is not None and saved.status_code == 302 and stored != clean_text(value):
                failures.append((index, "section", f"stored as {stored!r:.60}"))
            elif saved is not None and saved.status_code == 422 \
                    and 'class="field-error"' not in saved.get_data(as_text=True):
                failures.append((index, "section", "422 without an error beside the field"))
            # The diff shows the lines as text: read it where escaping is at stake (markup characters).
            marked = any(character in value for character in "<>&\"'")
            diff = _post(failures, index, "diff", client.get, plan_url(doc, f"/sections/{section_id}/diff")) \
                if marked else None
            if diff is not None:
                first = next((line for line in stored.split("\n") if line.strip()), "")
                failures += [(index, "diff", problem) for problem in shown_problems(
                    diff.get_data(as_text=True), value, scripts, *([f"<ins>{escape(first)}</ins>"] if first else []))]
            commented = _post(failures, index, "comment", client.hx, "post",
                              plan_url(doc, f"/sections/{section_id}/comments"), {"body": value})
            if commented is not None:
                fragment = commented.get_data(as_text=True)
                if commented.status_code == 422 and 'class="field-error"' not in fragment:
                    failures.append((index, "comment", "422 without an error beside the field"))
                failures += [(index, "comments fragment", problem) for problem in shown_problems(fragment, value, 0)]
                stored_comment = db.session.scalar(select(PlanComment.body).where(PlanComment.section_id == section_id))
                if has_visible_text(clean_text(value)) and stored_comment != clean_text(value):
                    failures.append((index, "comment", f"stored as {stored_comment!r:.60}"))
        shown = _post(failures, indices[start], "plan page", client.get, plan_url(doc))
        if shown is not None and (shown.status_code != 200 or len(SCRIPT.findall(shown.get_data(as_text=True)))
                                  != scripts):
            failures.append((indices[start], "plan page", "not shown whole"))
    assert not failures, _report(naughty, failures)


def test_naughty_strings_as_a_lessons_class_and_reflection(client, team, naughty):
    """Each string as the class and the reflection of a lesson recorded on the teacher's adaptation (of a plan
    for each twenty): stored cleaned and shown escaped on the adaptation and the shared plan, or refused
    beside the field."""
    client.login(team.teacher)
    scripts, _print_scripts = _baseline_scripts(client, team.plan())
    failures: list = []
    indices = list(range(2, len(naughty), 3))
    for start in range(0, len(indices), 20):
        doc = team.plan(f"第 {start} 組")
        adaptation = services.adapt(doc, actor=team.teacher)
        db.session.commit()
        for index in indices[start:start + 20]:
            value = naughty[index]
            response = _post(failures, index, "lesson", client.post_form, plan_url(adaptation, "/lessons"),
                             {"taught_on": "2026-12-11", "class_name": value, "reflection": value})
            if response is not None and response.status_code == 422:
                page = response.get_data(as_text=True)
                if 'class="field-error"' not in page:
                    failures.append((index, "lesson", "422 without an error beside the field"))
                failures += [(index, "lesson (refused)", problem) for problem in shown_problems(page, value, scripts)]
            line, text = clean_line(value), clean_text(value)
            if has_visible_text(line) and len(line) <= services.MAX_CLASS and not db.session.scalar(
                    select(func.count()).select_from(LessonTaught).where(
                        LessonTaught.doc_id == adaptation.id, LessonTaught.class_name == line,
                        LessonTaught.reflection == text)):
                failures.append((index, "lesson", "not stored cleaned"))
        lessons = list(db.session.scalars(select(LessonTaught).where(LessonTaught.doc_id == adaptation.id)))
        for where, url in (("adaptation", plan_url(adaptation)), ("shared plan", plan_url(doc))):
            shown = _post(failures, indices[start], where, client.get, url)
            if shown is None:
                continue
            page = shown.get_data(as_text=True)
            if len(SCRIPT.findall(page)) != scripts:
                failures.append((indices[start], where, "a <script> from the input is live"))
            for lesson in lessons:  # marked with its language where it is not the page's (QA13)
                shown = re.escape(str(escape(lesson.class_name)))
                if not re.search(rf'{shown}(?:</span>)? · |<strong(?: lang="zh-Han[st]")?>{shown}</strong>', page):
                    failures.append((indices[start], where, f"class {lesson.class_name!r:.40} not shown escaped"))
        hostile = next((lesson for lesson in lessons if "<" in lesson.class_name), None)
        if hostile is not None:  # the edit form keeps a hostile class escaped in its input
            form = client.get(plan_url(adaptation, f"/lessons/{hostile.id}"))
            if form.status_code != 200 or f'value="{escape(hostile.class_name)}"' not in form.get_data(as_text=True):
                failures.append((indices[start], "edit lesson", f"{form.status_code} or the class not kept escaped"))
    assert not failures, _report(naughty, failures)


# --- the XSS corpus ---------------------------------------------------------------------------------------------


def test_every_xss_payload_as_a_section_body_and_a_comment_stays_inert(client, team):
    """Each payload saved as a section body (a plan for each seven, one section each) and as a comment (the
    seven of a plan on its first section; the last one through the route, as htmx sends it): the plan page,
    the comments fragment and page, the print view, each section's diff and history hold nothing that runs,
    read as a browser parses them."""
    client.login(team.lead)
    empty = team.plan("XSS")
    scripts, print_scripts = _baseline_scripts(client, empty)
    comments_scripts = len(SCRIPT.findall(client.get(plan_url(empty, f"/sections/{empty.sections[0].id}/comments"))
                                          .get_data(as_text=True)))
    failures: list[tuple[str, str, str]] = []

    def check(payload_id: str, where: str, response, expected_scripts: int) -> None:
        if response.status_code not in ANSWERS:
            failures.append((payload_id, where, f"status {response.status_code}"))
            return
        failures.extend((payload_id, where, problem)
                        for problem in page_problems(response.get_data(as_text=True), expected_scripts))

    stored = 0
    for start in range(0, len(PAYLOADS), 7):
        doc = team.plan(f"XSS {start}")
        chunk = list(zip(list(doc.sections), PAYLOADS[start:start + 7], strict=False))
        first = chunk[0][0]
        for section, (_payload_id, source) in chunk[:-1]:
            services.save_section(section, source, actor=team.lead, base_version=1)
            db.session.commit()
            try:
                services.add_comment(first, source, actor=team.teacher)
            except ValidationError:  # nothing visible: refused, not stored
                db.session.rollback()
            else:
                db.session.commit()
                stored += 1
        last_section, (last_id, last_source) = chunk[-1]
        path = plan_url(doc, f"/sections/{last_section.id}")
        saved = client.post_form(path, {"body": last_source, "base_version": "1"})
        if saved.status_code != 302:
            failures.append((last_id, "section save", f"status {saved.status_code}"))
        commented = client.hx("post", plan_url(doc, f"/sections/{first.id}/comments"), {"body": last_source})
        stored += commented.status_code == 200
        check(last_id, "comments fragment", commented, 0)
        for section, (payload_id, _source) in chunk:
            diff = client.get(plan_url(doc, f"/sections/{section.id}/diff"))
            page = diff.get_data(as_text=True)
            if diff.status_code != 200 or len(SCRIPT.findall(page)) != scripts:
                failures.append((payload_id, "diff", f"status {diff.status_code} or a <script> of the payload's"))
            # The user's text is in the diff table: parse it (from its start to the page's last table's end).
            start_at = page.find('<table class="diff">')
            if start_at < 0:
                failures.append((payload_id, "diff", "no diff table"))
                continue
            table = page[start_at:page.rfind("</table>") + len("</table>")]
            failures.extend((payload_id, "diff", problem) for problem in page_problems(table, 0))
        first_id = chunk[0][1][0]
        check(first_id, "plan page", client.get(plan_url(doc)), scripts)
        check(first_id, "print view", client.get(plan_url(doc, "/print")), print_scripts)
        check(first_id, "comments page", client.get(plan_url(doc, f"/sections/{first.id}/comments")),
              comments_scripts)
        check(first_id, "section history", client.get(plan_url(doc, f"/sections/{first.id}/history")), scripts)
    assert stored >= len(PAYLOADS) // 2  # a payload that renders to nothing visible is refused, not stored
    saved_bodies = db.session.scalar(select(func.count()).select_from(PlanSection).where(PlanSection.version == 2))
    assert saved_bodies == sum(1 for _id, source in PAYLOADS if clean_text(source))
    report = "\n".join(f"{payload_id} · {where}: {why}" for payload_id, where, why in failures[:30])
    assert not failures, f"{len(failures)} problems:\n{report}"


def test_the_page_check_can_fail():
    """The DOM check catches live markup in user content and around it."""
    page = '<html><head><script src="/static/app.js"></script></head><body>{}</body></html>'
    assert page_problems(page.format('<div class="prose" hx-disable><p>fine</p></div>'), 1) == []
    for body in ('<div class="prose" hx-disable><img src=x onerror=alert(1)></div>',
                 '<div class="prose"><a href="javascript:alert(1)">x</a></div>',
                 "<p>topic</p><script>alert(1)</script>",
                 '<p title="x" onmouseover="alert(1)">topic</p>',
                 '<form action="javascript:alert(1)"></form>',
                 '<iframe src="https://evil.example"></iframe>'):
        assert page_problems(page.format(body), 1), body

