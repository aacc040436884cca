"""The compliance permission walk: every route of the blueprint as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, member, co-convener, convener, reviewer (scope over the community's school), site admin. The
panel and the budget are read like activities (members, conveners, reviewers in scope, admins); conveners
enrol, withdraw until the enrolment is confirmed, and keep the budget; receipts and deliverable files (personal
data: a speaker's ID number, address, bank account) go only to those who export the records in full (conveners,
reviewers in scope, admins); an admin or a reviewer in scope confirms, waives and withdraws a confirmed
enrolment; only admins see and edit programs (others get 404: the admin pages are not advertised).
"""

from __future__ import annotations

import datetime as dt
import io
import json

from tests.compliance.helpers import PAST_FIRST, program_copy, running_copy
from tests.media import png_bytes
from tests.permission_walk import (
    CONFLICT,
    DONE,
    FB,
    LOGIN,
    NF,
    OK,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
)
from workspace.compliance import services
from workspace.compliance.models import Enrollment
from workspace.compliance.services import budget, review
from workspace.core.storage import store_upload
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_compliance_world() -> World:
    """Every role; the community enrolled (confirmed) in a copy of PLC-100 over a past school year, with an
    expense (and its receipt), a title on the book list, a waived rule, a submission with the reviewers, the
    application marked delivered with its file, and a second program, running today, to enrol in."""
    world = build_world(ROLES, name="comply")
    convener, reviewer = world.users["convener"], world.users["reviewer"]
    program = program_copy()
    other = running_copy()  # a convener may enrol in it: its period runs today
    enrollment = services.enrol(world.community(), program, 50_000, convener)
    expense = budget.add_expense(enrollment, budget.ExpenseFields(
        "printing_materials", PAST_FIRST + dt.timedelta(days=9), 150), convener,
        receipt=store_upload(io.BytesIO(png_bytes()), "receipt.png"))
    book = budget.add_book(enrollment, "學習共同體", "佐藤學", "共讀書目", convener)
    waiver = services.waive(enrollment, "plc.photos", "Photos were lost in a flood", reviewer)
    services.confirm(enrollment, reviewer)
    # A second confirmed enrolment with nothing under review, to be withdrawn (the first has a submission with the
    # reviewers, which keeps it from being withdrawn until it is decided).
    spare = services.enrol(world.community(), program_copy(), 10_000, convener)
    services.confirm(spare, reviewer)
    submitted = review.submit(services.standings([enrollment])[0], "Our first round", convener)
    deliverable = review.mark_done(enrollment, "application", PAST_FIRST, "", convener,
                                   stored=store_upload(io.BytesIO(png_bytes()), "application.png"))
    db.session.commit()
    document = services.copy_document(program)
    document["key"] = f"walk-{world.slug}"
    world.ids = {"enrollment_id": enrollment.id, "spare_enrollment_id": spare.id, "program_id": program.id,
                 "other_program_id": other.id,
                 "expense_id": expense.id, "book_id": book.id, "waiver_id": waiver.id,
                 "submission_id": submitted.id, "deliverable_id": deliverable.id,
                 "program_json": json.dumps(document, ensure_ascii=False)}
    world.computed = {"program_version": lambda: str(db.session.get(type(program), program.id).version)}
    return world


def _spare(world: World) -> Enrollment:
    db.session.expire_all()
    return db.session.get(Enrollment, world.ids["spare_enrollment_id"])


def _enrollment(world: World) -> Enrollment:
    db.session.expire_all()
    return db.session.get(Enrollment, world.ids["enrollment_id"])


READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB)  # read_activities: members, reviewers, admins
MANAGERS_ONLY = dict(READERS, member=FB, reviewer=FB)
FULL_RECORDS = dict(READERS, member=FB)  # export: conveners, reviewers in scope, admins (receipts carry personal data)
CONFIRMERS = dict(READERS, member=FB, co_convener=FB, convener=FB)  # reviewers in scope and admins
ADMIN_ONLY = dict(anonymous=LOGIN, default=NF, admin=OK)
CONFIRMING = frozenset({"reviewer", "admin"})
BASE = "/c/{slug}/compliance"
ONE = BASE + "/{enrollment_id}"
SPARE = BASE + "/{spare_enrollment_id}"
EXPENSE = {"category": "printing_materials", "spent_on": "114/09/20", "amount": "180", "hours": "", "persons": "",
           "payee": "影印店", "description": "講義", "activity_id": "", "version": ""}

STEPS = [
    Step("GET", "compliance.panel", BASE + "/", None, READERS),
    Step("GET", "compliance.live", BASE + "/live?gen=0", None, READERS),
    Step("GET", "compliance.formation", BASE + "/formation", None, READERS),
    Step("POST", "compliance.enrol", BASE + "/enrol", {"program_id": "{other_program_id}", "approved_amount": "1000"},
         dict(MANAGERS_ONLY, default=DONE), consuming=True),
    Step("POST", "compliance.confirm", ONE + "/confirm", {}, dict(CONFIRMERS, default=DONE)),
    # Confirmed: the funder's side agreed to it, so only the confirmers change the amount or take it back. A
    # convener's press (from a page opened before the confirmation) is answered with who confirmed it, and changes
    # nothing.
    Step("POST", "compliance.change_amount", ONE + "/amount", {"enrollment-{enrollment_id}-approved_amount": "60000"},
         dict(READERS, member=FB, default=DONE), consuming=True,
         effect=(lambda world: _enrollment(world).approved_amount == 60000, CONFIRMING)),
    Step("POST", "compliance.withdraw", SPARE + "/withdraw", {}, dict(READERS, member=FB, default=DONE),
         consuming=True, effect=(lambda world: _spare(world).withdrawn_at is not None, CONFIRMING)),
    Step("POST", "compliance.waive", ONE + "/waivers", {"rule_id": "plc.minutes", "reason": "Minutes kept on paper"},
         dict(CONFIRMERS, default=DONE), consuming=True),
    Step("POST", "compliance.revoke", ONE + "/waivers/{waiver_id}/revoke", {}, dict(CONFIRMERS, default=DONE),
         consuming=True),
    Step("GET", "compliance.budget_page", ONE + "/budget", None, READERS),
    Step("POST", "compliance.add_expense", ONE + "/expenses", EXPENSE, dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "compliance.edit_expense", ONE + "/expenses/{expense_id}/edit", None, MANAGERS_ONLY),
    Step("POST", "compliance.update_expense", ONE + "/expenses/{expense_id}/edit", dict(EXPENSE, version="1"),
         dict(MANAGERS_ONLY, default=DONE), consuming=True),
    Step("POST", "compliance.trash_expense", ONE + "/expenses/{expense_id}/trash", {},
         dict(MANAGERS_ONLY, default=DONE)),
    Step("GET", "compliance.receipt", ONE + "/expenses/{expense_id}/receipt", None, FULL_RECORDS),
    Step("POST", "compliance.add_book", ONE + "/books",
         {"title": "教學觀察", "author": "", "relevance": "Observation rubric"}, dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "compliance.remove_book", ONE + "/books/{book_id}/remove", {}, dict(MANAGERS_ONLY, default=DONE),
         consuming=True),
    # the world's round is already with the reviewers: a second submit is a conflict
    Step("POST", "compliance.submit", ONE + "/submit", {"note": "Answered"}, dict(MANAGERS_ONLY, default=CONFLICT)),
    Step("POST", "compliance.decide", ONE + "/submissions/{submission_id}/decide",
         {"decision": "return", "comment": "Add the photos"}, dict(CONFIRMERS, default=DONE), consuming=True),
    Step("GET", "compliance.submission", ONE + "/submissions/{submission_id}", None, READERS),
    # the same decision from the "As submitted" page, posted to the page's own address
    Step("POST", "compliance.decide_as_submitted", ONE + "/submissions/{submission_id}",
         {"decision": "return", "comment": "Add the photos"}, dict(CONFIRMERS, default=DONE), consuming=True),
    Step("POST", "compliance.appraise", ONE + "/appraisal", {"rating": "good", "comment": "Steady"},
         dict(CONFIRMERS, default=DONE)),
    Step("POST", "compliance.mark_deliverable", ONE + "/deliverables",
         {"item": "results_report", "done_on": "115/07/20", "note": ""}, dict(MANAGERS_ONLY, default=DONE)),
    Step("POST", "compliance.unmark_deliverable", ONE + "/deliverables/{deliverable_id}/remove", {},
         dict(MANAGERS_ONLY, default=DONE), consuming=True),
    Step("GET", "compliance.deliverable_file", ONE + "/deliverables/{deliverable_id}/file", None, FULL_RECORDS),
    # The reviewers' table: reviewers and admins (everyone else: 404, it is not advertised).
    Step("GET", "compliance.review_table", "/review/compliance/", None,
         dict(anonymous=LOGIN, default=NF, reviewer=OK, reviewer_elsewhere=OK, admin=OK)),
    Step("GET", "compliance.programs", "/admin/programs/", None, ADMIN_ONLY),
    Step("GET", "compliance.new_program", "/admin/programs/new?from={program_id}", None, ADMIN_ONLY),
    Step("POST", "compliance.create_program", "/admin/programs/new", {"definition": "{program_json}"},
         dict(ADMIN_ONLY, admin=DONE), consuming=True),
    Step("POST", "compliance.create_from_figures", "/admin/programs/new/figures?from={program_id}",
         {"name": "Walked copy", "first": "114/08/01", "last": "115/07/31"}, dict(ADMIN_ONLY, admin=DONE),
         consuming=True),
    Step("GET", "compliance.edit_program", "/admin/programs/{program_id}/edit", None, ADMIN_ONLY),
    Step("POST", "compliance.update_program", "/admin/programs/{program_id}/edit",
         {"definition": "{program_json}", "version": "{program_version}"}, dict(ADMIN_ONLY, admin=DONE),
         consuming=True),
    Step("POST", "compliance.update_figures", "/admin/programs/{program_id}/figures",
         {"name": "Walked", "first": "114/08/01", "last": "115/07/31", "version": "{program_version}"},
         dict(ADMIN_ONLY, admin=DONE), consuming=True),
    Step("POST", "compliance.archive_program", "/admin/programs/{other_program_id}/archive", {},
         dict(ADMIN_ONLY, admin=DONE)),
]

REVIEWERS_STEPS = {"compliance.confirm", "compliance.waive", "compliance.revoke", "compliance.decide",
                   "compliance.decide_as_submitted", "compliance.appraise", "compliance.withdraw"}
TABLE = Table(ROLES, build_compliance_world, STEPS,
              csrf_as=lambda step: "admin" if "program" in step.endpoint else "convener"
              if step.endpoint not in REVIEWERS_STEPS else "reviewer")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_another_community_s_enrolment_expense_and_waiver_are_not_found(client, ctx):
    world, elsewhere = build_compliance_world(), build_compliance_world()
    client.login(world.users["admin"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for url in (ONE + "/budget", ONE + "/expenses/{expense_id}/edit", ONE + "/expenses/{expense_id}/receipt"):
        assert client.get(url.format(**fields)).status_code == NF, url
    for url in (ONE + "/confirm", ONE + "/withdraw", ONE + "/expenses/{expense_id}/trash",
                ONE + "/books/{book_id}/remove"):
        assert client.post_form(url.format(**fields)).status_code == NF, url
    own = dict(fields, enrollment_id=world.ids["enrollment_id"])
    assert client.post_form((ONE + "/waivers/{waiver_id}/revoke").format(**own)).status_code == NF
    assert client.post_form((ONE + "/expenses/{expense_id}/trash").format(**own)).status_code == NF


def test_members_see_that_a_receipt_or_file_is_on_record_but_no_link_to_it(client, ctx):
    """The pages offer the receipt and the deliverable's file only to those the routes serve them to."""
    world = build_compliance_world()
    fields = world.fields()
    receipt = (ONE + "/expenses/{expense_id}/receipt").format(**fields)
    delivered = (ONE + "/deliverables/{deliverable_id}/file").format(**fields)
    for role, shown in (("member", False), ("guest_expert", False), ("convener", True), ("co_convener", True),
                        ("reviewer", True), ("admin", True)):
        client.login(world.users[role])
        budget_page = client.get((ONE + "/budget").format(**fields))
        panel = client.get((BASE + "/").format(**fields))
        if role == "guest_expert":
            assert budget_page.status_code == FB and panel.status_code == FB
            continue
        assert (receipt in budget_page.get_data(as_text=True)) is shown, role
        assert (delivered in panel.get_data(as_text=True)) is shown, role
        if not shown:
            assert "Receipt on file" in budget_page.get_data(as_text=True)
            assert "file on record" in panel.get_data(as_text=True)
        assert client.get(receipt).status_code == (OK if shown else FB), role


def test_a_trashed_expense_s_receipt_only_for_those_who_may_put_it_back(client, ctx):
    """QA (security): a reviewer downloaded the receipt of an expense moved to the trash by its sequential id; the
    trash is the conveners' (and admins'), who may restore it and look at the receipt first."""
    world = build_compliance_world()
    fields = world.fields()
    receipt = (ONE + "/expenses/{expense_id}/receipt").format(**fields)
    client.login(world.users["convener"])
    assert client.post_form((ONE + "/expenses/{expense_id}/trash").format(**fields)).status_code == 302
    for role, status in (("member", FB), ("reviewer", NF), ("convener", OK), ("co_convener", OK), ("admin", OK)):
        client.login(world.users[role])
        assert client.get(receipt).status_code == status, role


def test_malformed_and_unknown_ids_answer_404(client, ctx):
    world = build_compliance_world()
    client.login(world.users["admin"])
    slug = world.slug
    for url in (f"/c/{slug}/compliance/99999/budget", f"/c/{slug}/compliance/abc/budget",
                f"/c/{slug}/compliance/{world.ids['enrollment_id']}/expenses/99999/edit",
                "/admin/programs/99999/edit", "/admin/programs/new?from=abc", "/admin/programs/new",
                "/admin/programs/new?from=99999999999999999999", "/admin/programs/new?from=-1"):
        assert client.get(url).status_code == NF, url


def test_an_archived_community_s_panel_is_read_but_nothing_is_changed(client, ctx):
    world = build_compliance_world()
    world.community().archived_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    fields = world.fields()
    client.login(world.users["convener"])
    assert client.get((BASE + "/").format(**fields)).status_code == OK
    assert client.post_form((ONE + "/expenses").format(**fields), EXPENSE).status_code == FB
    client.login(world.users["reviewer"])
    assert client.post_form((ONE + "/confirm").format(**fields)).status_code == FB


def test_a_program_is_open_for_enrolment_while_its_period_runs_and_to_an_admin_after(ctx):
    """One predicate decides the enrol list and the enrol action: a program is open while it is not archived and
    its period has not ended (its last day included); an admin may enrol in an ended one, never an archived one."""
    from tests.factories import make_user
    from workspace.core.database import utcnow
    from workspace.core.permissions import can
    from workspace.core.records import local_day

    convener, admin = make_user(), make_user(is_admin=True)
    today = local_day(utcnow())  # the deployment's day (Taipei's), not the machine's
    ends_today = program_copy(first=today - dt.timedelta(days=30), last=today)
    ended = program_copy(first=today - dt.timedelta(days=30), last=today - dt.timedelta(days=1))
    archived = running_copy()
    services.set_archived(archived, True, admin)
    db.session.commit()
    assert can(convener, "enrol", ends_today) and can(admin, "enrol", ends_today)
    assert not can(convener, "enrol", ended) and can(admin, "enrol", ended)
    assert not can(convener, "enrol", archived) and not can(admin, "enrol", archived)
