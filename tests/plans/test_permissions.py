"""The co-planning permission walk: every route of the `plans` blueprint as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, member (not a teacher of the plan), teacher (one of the plan's teachers, who owns an adaptation
of it), lead (the lead planner, who made the plan), co-convener, convener, reviewer (scope over the
community's school), site admin. Visitors go to the login page; outsiders get 404; guest experts and reviewers
see the community but not its plans (403, the community's `read_material`); members, conveners and admins get
what `_plan_rule` gives them. Routes whose refusal is a flashed message (the status change) are checked by
their effect too. A final plan refuses section edits from everyone; an archived community refuses every write
but still shows its plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select, text, update

from tests.permission_walk import (
    BAD,
    DONE,
    FB,
    HXL,
    LOGIN,
    NF,
    NONE,
    OK,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    expected_status,
    fill,
    request,
    route_test,
    status_code,
)
from workspace.core.database import utcnow
from workspace.core.links import Link
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import PlanDoc, PlanSection, PlanTemplate
from workspace.resources import services as resources

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "teacher", "lead",
         "co_convener", "convener", "reviewer", "admin")


def build_plans_world() -> World:
    """A community with every role, a shared draft plan (a section saved after the teacher adapted the plan, a
    comment, a linked resource), the teacher's adaptation with a lesson, a final plan, a plan in the trash and
    a template of the community's own."""
    world = build_world(ROLES, name="plan-walk")
    community, users, convener = world.community(), world.users, world.users["convener"]
    lead, teacher = users["lead"], users["teacher"]

    def plan(topic: str) -> PlanDoc:
        return services.create_plan(community, services.PlanFields(
            topic=topic, subject="Maths", lead_id=lead.id, teacher_ids=[lead.id, teacher.id]), actor=lead)

    shared = plan("Adding fractions")
    section = shared.sections[0]
    adaptation = services.adapt(shared, actor=teacher)
    # Saved after the copy: the teacher has shared changes to take, and the section two versions to compare.
    services.save_section(section, "Line one\nLine two", actor=lead, base_version=1)
    lesson = services.record_lesson(adaptation, taught_on=dt.date(2026, 12, 11), class_name="5A",
                                    reflection="Slow down on common denominators", actor=teacher)
    comment = services.add_comment(section, "Check the objectives", actor=users["member"])
    resource = resources.create_text_resource(community, resources.ResourceFields(title="Worksheet",
                                                                                  kind="courseware"),
                                              "Text", actor=users["member"])
    link = services.link_target(shared, "resource", resource.id, actor=lead)
    final = plan("Subtracting fractions")
    services.set_status(final, "final", actor=lead)
    published = services.publish(final, actor=lead)  # in the library, for the community's members
    trashed = plan("An old plan")
    services.trash_plan(trashed, actor=lead)
    template = services.create_template(community, "Chinese", actor=convener)
    db.session.commit()
    world.ids = {"plan_id": shared.id, "section_id": section.id, "adaptation_id": adaptation.id,
                 "adaptation_section_id": adaptation.sections[0].id, "lesson_id": lesson.id,
                 "comment_id": comment.id, "resource_id": resource.id, "link_id": link.id, "final_id": final.id,
                 "trashed_id": trashed.id, "template_id": template.id, "published_id": published.id,
                 "community_id": community.id,
                 "template_section_id": template.sections[0].id}
    # A write moves the plan's version on: each request reads it again.
    world.computed = {"plan_version": lambda: db.session.scalar(select(PlanDoc.version)
                                                                .where(PlanDoc.id == world.ids["plan_id"]))}
    return world


def _status_of(world: World, key: str = "plan_id") -> str:
    db.session.expire_all()
    return db.session.get(PlanDoc, world.ids[key]).status


def _set_plan(key: str, **values) -> Callable[[World], None]:
    """A reset: put a plan's status or trash mark back as the world had it."""
    def reset(world: World) -> None:
        db.session.execute(update(PlanDoc).where(PlanDoc.id == world.ids[key]).values(**values))
        db.session.commit()
    return reset


def _relink(world: World) -> None:
    db.session.expire_all()
    link = services.link_target(db.session.get(PlanDoc, world.ids["plan_id"]), "resource", world.ids["resource_id"],
                                actor=world.users["lead"])
    db.session.commit()
    world.ids["link_id"] = link.id


def _assigned(world: World) -> bool:
    db.session.expire_all()
    return db.session.get(PlanSection, world.ids["section_id"]).assignee_id == world.users["member"].id


def _unassign(world: World) -> None:
    db.session.execute(update(PlanSection).where(PlanSection.id == world.ids["section_id"]).values(assignee_id=None))
    db.session.commit()


def _untrash_template(world: World) -> None:
    db.session.execute(update(PlanTemplate).where(PlanTemplate.id == world.ids["template_id"])
                       .values(deleted_at=None))
    db.session.commit()


READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, reviewer=FB)  # read_material: members and admins
LEADING = dict(READERS, member=FB, teacher=FB)  # the lead planner, the conveners, the admin
MANAGERS_ONLY = dict(LEADING, lead=FB)  # the community's templates: conveners and the admin
OWNER_OR_ADMIN = dict(READERS, member=FB, lead=FB, co_convener=FB, convener=FB)  # an adaptation's sections
OWNER_ONLY = dict(OWNER_OR_ADMIN, admin=FB)  # an adaptation's lessons: its teacher alone
ADAPTERS = dict(READERS, member=FB, co_convener=FB, convener=FB, admin=FB)  # the plan's teachers and lead
# A plan published to the library (for its community's members), adapted in a community where one writes: those
# who cannot read the copy get 404 (a guest expert and a reviewer do not read the community's resources).
LIBRARY_READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=NF, reviewer=NF)
LIBRARY = "/c/{slug}/resources/{published_id}/adapt"
BASE = "/c/{slug}/plans"
ONE = BASE + "/{plan_id}"
SECTION = ONE + "/sections/{section_id}"
ADAPT = BASE + "/{adaptation_id}"
FINAL = BASE + "/{final_id}"
TEMPLATE = BASE + "/templates/{template_id}"
PLAN_FORM = {"template": "default", "topic": "Made in the walk", "subject": "Maths", "grade": "5", "unit": "3",
             "lead_id": "{lead_id}", "teacher_ids": ["{lead_id}", "{teacher_id}"], "planned_on": "2026-12-10"}
LESSON = {"taught_on": "2026-12-12", "class_name": "5B", "reflection": "Went well"}


def _doc(world: World, key: str) -> PlanDoc:
    db.session.expire_all()
    return db.session.get(PlanDoc, world.ids[key])


def _link_gone(world: World) -> bool:
    db.session.expire_all()
    return db.session.get(Link, world.ids["link_id"]) is None


def _template_gone(world: World) -> bool:
    db.session.expire_all()
    return db.session.get(PlanTemplate, world.ids["template_id"]).deleted_at is not None


WRITERS = frozenset({"member", "teacher", "lead", "co_convener", "convener", "admin"})
LEADERS = frozenset({"lead", "co_convener", "convener", "admin"})
MANAGERS = frozenset({"co_convener", "convener", "admin"})
STEPS = [
    Step("GET", "plans.index", BASE + "/", None, READERS),
    Step("GET", "plans.index", BASE + "/?trash=1&status=draft&mine=1", None, READERS),
    Step("GET", "plans.new", BASE + "/new", None, READERS),
    Step("POST", "plans.new", BASE + "/new", PLAN_FORM, dict(READERS, default=DONE)),
    Step("GET", "plans.show", ONE, None, READERS),
    Step("GET", "plans.show", ADAPT, None, READERS),  # an adaptation is read by every writer
    Step("GET", "plans.edit", ONE + "/edit", None, LEADING),
    Step("POST", "plans.edit", ONE + "/edit", dict(PLAN_FORM, topic="Renamed by {role}", base_version="{plan_version}"),
         dict(LEADING, default=DONE),
         effect=(lambda world: _doc(world, "plan_id").topic.startswith("Renamed"), LEADERS),
         reset=_set_plan("plan_id", topic="Adding fractions")),
    Step("GET", "plans.section", SECTION, None, dict(READERS, anonymous=HXL), hx=True),
    Step("GET", "plans.edit_section", SECTION + "/edit", None, READERS),
    Step("POST", "plans.save_section", SECTION, {"body": "Line one\nLine two\nLine three", "base_version": "2"},
         dict(READERS, default=DONE)),
    Step("POST", "plans.touch_section", SECTION + "/presence", {}, dict(READERS, default=NONE)),
    Step("POST", "plans.leave_section", SECTION + "/leave", {}, dict(READERS, default=DONE)),
    Step("GET", "plans.editing", ONE + "/editing", None, dict(READERS, anonymous=HXL), hx=True),
    Step("POST", "plans.assign_section", ONE + "/assign", {"section_id": "{section_id}", "assignee_id": "{member_id}"},
         dict(LEADING, default=DONE), effect=(_assigned, LEADERS), reset=_unassign),
    Step("POST", "plans.take_shared", ADAPT + "/sections/{adaptation_section_id}/take-shared", {},
         dict(OWNER_OR_ADMIN, default=DONE)),
    Step("GET", "plans.section_history", SECTION + "/history", None, READERS),
    Step("GET", "plans.history", ONE + "/history", None, READERS),
    Step("GET", "plans.diff", SECTION + "/diff", None, READERS),
    Step("GET", "plans.diff", SECTION + "/diff?from=2&to=1", None, READERS),
    Step("POST", "plans.restore_revision", SECTION + "/restore", {"version": "1"}, dict(READERS, default=DONE)),
    Step("GET", "plans.comments", SECTION + "/comments", None, READERS),
    Step("POST", "plans.add_comment", SECTION + "/comments", {"body": "A comment by {role}"},
         dict(READERS, default=DONE)),
    Step("POST", "plans.resolve_comment", ONE + "/comments/{comment_id}/resolve", {}, dict(READERS, default=DONE)),
    Step("POST", "plans.resolve_comment", ONE + "/comments/{comment_id}/reopen", {}, dict(READERS, default=DONE)),
    # A refused status change is a flashed message (302): the effect tells who may make it.
    Step("POST", "plans.set_status", ONE + "/status", {"status": "review"}, dict(READERS, default=DONE),
         effect=(lambda world: _status_of(world) == "review", WRITERS), reset=_set_plan("plan_id", status="draft")),
    Step("POST", "plans.set_status", ONE + "/status", {"status": "final"}, dict(READERS, default=DONE),
         effect=(lambda world: _status_of(world) == "final", LEADERS), reset=_set_plan("plan_id", status="draft")),
    Step("POST", "plans.set_status", FINAL + "/status", {"status": "review"}, dict(READERS, default=DONE),
         effect=(lambda world: _status_of(world, "final_id") == "review", LEADERS),
         reset=_set_plan("final_id", status="final")),
    Step("POST", "plans.adapt", ONE + "/adapt", {}, dict(ADAPTERS, default=DONE)),
    Step("POST", "plans.record_lesson", ADAPT + "/lessons", LESSON, dict(OWNER_ONLY, default=DONE)),
    Step("GET", "plans.edit_lesson", ADAPT + "/lessons/{lesson_id}", None, OWNER_ONLY),
    Step("POST", "plans.edit_lesson", ADAPT + "/lessons/{lesson_id}", LESSON, dict(OWNER_ONLY, default=DONE)),
    Step("POST", "plans.new_round", FINAL + "/round", {}, dict(LEADING, default=DONE)),
    Step("POST", "plans.new_round", ONE + "/round", {}, dict(READERS, default=FB)),  # not final yet
    Step("GET", "plans.link_choices", ONE + "/links/choices?q=x", None, READERS),
    Step("POST", "plans.add_link", ONE + "/links", {"target": "resource:{resource_id}", "role": ""},
         dict(READERS, default=DONE)),
    Step("POST", "plans.remove_link", ONE + "/links/{link_id}/remove", {}, dict(READERS, default=DONE),
         effect=(_link_gone, WRITERS), reset=_relink),
    Step("POST", "plans.publish", FINAL + "/publish", {}, dict(LEADING, default=DONE)),
    Step("GET", "plans.new_from_library", LIBRARY, None, LIBRARY_READERS),
    Step("POST", "plans.create_from_library", LIBRARY, {"community": "{community_id}"},
         dict(LIBRARY_READERS, default=DONE)),
    Step("POST", "plans.publish", ONE + "/publish", {}, dict(READERS, default=FB)),  # not final yet
    Step("POST", "plans.delete", ONE + "/delete", {}, dict(LEADING, default=DONE),
         effect=(lambda world: _doc(world, "plan_id").deleted_at is not None, LEADERS),
         reset=_set_plan("plan_id", deleted_at=None, deleted_by_id=None)),
    Step("POST", "plans.delete", ADAPT + "/delete", {}, dict(READERS, member=FB, lead=FB, default=DONE),
         effect=(lambda world: _doc(world, "adaptation_id").deleted_at is not None, MANAGERS | {"teacher"}),
         reset=_set_plan("adaptation_id", deleted_at=None, deleted_by_id=None)),
    # In the trash: only those who may restore it see it at all.
    Step("POST", "plans.restore", BASE + "/{trashed_id}/restore", {},
         dict(READERS, member=NF, teacher=NF, default=DONE),
         effect=(lambda world: _doc(world, "trashed_id").deleted_at is None, LEADERS),
         reset=_set_plan("trashed_id", deleted_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))),
    Step("GET", "plans.export_docx", ONE + "/export.docx", None, READERS),
    Step("GET", "plans.print_view", ONE + "/print", None, READERS),
    Step("GET", "plans.templates", BASE + "/templates", None, READERS),
    Step("POST", "plans.create_template", BASE + "/templates", {"name": "Template of {role}"},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "plans.edit_template", TEMPLATE, None, MANAGERS_ONLY),
    Step("POST", "plans.edit_template", TEMPLATE, {"name": "Renamed by {role}"}, dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "plans.add_template_section", TEMPLATE + "/sections", {"title": "Board plan", "guidance": "x"},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "plans.update_template_section", TEMPLATE + "/sections/{template_section_id}",
         {"action": "save", "title": "Aims", "guidance": "What they learn"}, dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "plans.update_template_section", TEMPLATE + "/sections/{template_section_id}", {"action": "down"},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "plans.delete_template", TEMPLATE + "/delete", {}, dict(MANAGERS_ONLY, default=DONE),
         effect=(_template_gone, MANAGERS), reset=_untrash_template),
]

TABLE = Table(ROLES, build_plans_world, STEPS,
              csrf_as=lambda step: "teacher" if step.url.startswith(ADAPT) else "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


# --- CSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["plans.save_section", "plans.set_status", "plans.add_comment"])
def test_htmx_posts_without_the_csrf_header_are_refused_and_change_nothing(client, ctx, endpoint):
    world = build_plans_world()
    step = next(step for step in STEPS if step.endpoint == endpoint and step.method == "POST")
    before = _snapshot()
    client.login(world.users["lead"])
    fields = world.fields("lead")
    path = step.url.format(**fields)
    data = {key: fill(value, fields) for key, value in (step.data or {}).items()}
    response = client.post(path, data=data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    forged = client.post(path, data=dict(data, csrf_token="forged"), headers={"HX-Request": "true"})
    assert forged.status_code == 400
    assert _snapshot() == before


# --- a final plan, an archived community, another community ------------------------------------------

PLAN_TABLES = ("plan_docs", "plan_sections", "plan_section_revisions", "plan_comments", "plan_lessons", "links",
               "plan_templates", "plan_template_sections", "plan_teachers", "resources", "communities")


def _snapshot() -> dict[str, list]:
    """Every row of the co-planning tables (and what they write elsewhere), to prove nothing changed."""
    db.session.expire_all()
    return {table: sorted(tuple(str(value) for value in row)
                          for row in db.session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
            for table in PLAN_TABLES}


def test_a_final_plan_refuses_section_edits_from_everyone(client, ctx):
    world = build_plans_world()
    final = db.session.get(PlanDoc, world.ids["final_id"])
    section = final.sections[0]
    fields = world.fields() | {"plan_id": final.id, "section_id": section.id}
    before = _snapshot()
    failures = []
    for role in sorted(WRITERS):
        client.logout()
        client.login(world.users[role])
        checks = [
            ("GET", SECTION + "/edit", None, FB),
            ("POST", SECTION, {"body": "Changed after it was final", "base_version": "1"}, BAD),
            ("POST", SECTION + "/presence", {}, FB),
            ("POST", SECTION + "/restore", {"version": "1"}, FB),
            ("POST", ONE + "/assign", {"section_id": str(section.id), "assignee_id": str(world.users["member"].id)},
             FB),
            ("GET", ONE + "/edit", None, FB),
            ("POST", ONE + "/edit", dict(PLAN_FORM, base_version="1", teacher_ids=[]), FB),
        ]
        for method, url, data, status in checks:
            path = url.format(**fields)
            form = {key: fill(value, fields) for key, value in (data or {}).items()}
            response = client.get(path) if method == "GET" else client.post_form(path, form)
            if response.status_code != status:
                failures.append(f"{method} {path} as {role}: {response.status_code}, expected {status}")
        # The hx save answers the same: refused beside the field, the text kept.
        saved = client.hx("post", SECTION.format(**fields), {"body": "Typed anyway", "base_version": "1"})
        if saved.status_code != BAD or "Typed anyway" not in saved.get_data(as_text=True):
            failures.append(f"hx POST save as {role}: {saved.status_code}")
    assert not failures, "\n".join(failures)
    assert _snapshot() == before
    db.session.expire_all()
    assert db.session.get(PlanSection, section.id).body == ""


# What an archived community answers to a write its role could otherwise make: 403, except a section save
# (refused beside the field, 422), a status change (a flashed refusal, 302), closing the editor (it only
# forgets the presence) and opening one's existing adaptation (a redirect to it).
ARCHIVED_ANSWER = {"plans.save_section": BAD, "plans.set_status": DONE, "plans.leave_section": DONE}
FORM_PAGES = {"plans.new", "plans.edit", "plans.edit_section", "plans.edit_lesson", "plans.edit_template",
              "plans.link_choices", "plans.new_from_library"}  # pages that serve a write: refused once archived


def _archive(world: World) -> None:
    community = world.community()
    community.archived_at = utcnow()
    db.session.commit()


def test_an_archived_community_is_read_but_not_written(client, ctx):
    world = build_plans_world()
    _archive(world)
    before = _snapshot()
    failures = []
    for step in STEPS:
        for role in ("teacher", "convener") if step.method == "GET" else ("teacher", "convener", "admin"):
            usual = status_code(expected_status(step.rules, role))
            if step.method == "GET":
                expected = FB if step.endpoint in FORM_PAGES and usual == OK else usual
            elif usual in (FB, NF):
                expected = usual
            elif step.endpoint == "plans.adapt" and role == "teacher":
                expected = DONE  # opens the adaptation the teacher already has
            else:
                expected = ARCHIVED_ANSWER.get(step.endpoint, FB)
            path, response = request(client, world, role, step)
            if response.status_code != expected:
                failures.append(f"{step.method} {path} as {role} (archived): {response.status_code}, "
                                f"expected {expected}")
    assert not failures, "\n".join(failures)
    assert _snapshot() == before, "a write went through in an archived community"


def test_adapt_does_not_restore_a_trashed_adaptation_in_an_archived_community(client, ctx):
    """Adapting again brings one's trashed adaptation back only where it may be restored (not once archived)."""
    world = build_plans_world()
    adaptation = db.session.get(PlanDoc, world.ids["adaptation_id"])
    services.trash_plan(adaptation, actor=world.users["teacher"])
    db.session.commit()
    _archive(world)
    client.login(world.users["teacher"])
    response = client.post_form(ONE.format(**world.fields()) + "/adapt")
    db.session.expire_all()
    assert db.session.get(PlanDoc, world.ids["adaptation_id"]).deleted_at is not None
    assert response.status_code == FB


def test_another_communitys_plan_section_comment_lesson_and_template_are_not_found(client, ctx):
    world, elsewhere = build_plans_world(), build_plans_world()
    client.login(world.users["convener"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for url in (ONE, SECTION, SECTION + "/edit", SECTION + "/history", SECTION + "/comments", ONE + "/history",
                ONE + "/print", ONE + "/export.docx", TEMPLATE):
        assert client.get(url.format(**fields)).status_code == NF, url
    for url, data in ((SECTION, {"body": "x", "base_version": "3"}), (ONE + "/status", {"status": "final"}),
                      (ONE + "/delete", {}), (TEMPLATE + "/delete", {})):
        assert client.post_form(url.format(**fields), data).status_code == NF, url
    # Ids of the other community's things under this community's own plan.
    own = world.fields()
    mixed = own | {k: elsewhere.ids[k] for k in ("section_id", "comment_id", "link_id", "template_section_id")}
    assert client.get(SECTION.format(**mixed) + "/history").status_code == NF
    assert client.post_form((ONE + "/comments/{comment_id}/resolve").format(**mixed)).status_code == NF
    assert client.post_form((ONE + "/links/{link_id}/remove").format(**mixed)).status_code == NF
    assert client.post_form((TEMPLATE + "/sections/{template_section_id}").format(**mixed),
                            {"action": "delete"}).status_code == NF
    teacher = world.users["teacher"]
    client.login(teacher)
    other_lesson = own | {"lesson_id": elsewhere.ids["lesson_id"]}
    assert client.get((ADAPT + "/lessons/{lesson_id}").format(**other_lesson)).status_code == NF


def test_refused_template_forms_answer_422_beside_the_field(client, ctx):
    world = build_plans_world()
    client.login(world.users["convener"])
    fields = world.fields()
    for url, data, error in ((TEMPLATE, {"name": " "}, 'id="name-error"'),
                             (TEMPLATE + "/sections", {"title": "", "guidance": ""}, 'id="title-error"'),
                             (TEMPLATE + "/sections/{template_section_id}",
                              {"action": "save", "title": "", "guidance": ""}, 'id="title-error"')):
        response = client.post_form(url.format(**fields), data)
        assert response.status_code == BAD, url
        assert error in response.get_data(as_text=True), url
