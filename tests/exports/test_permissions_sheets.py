"""The sheets' permission walk: the ledgers, the application form, the implementation plan and the sign-in
sheets go to whoever may export the enrolment (its conveners, reviewers in scope and admins: the enrolment's
`export` action); members and guest experts are refused (403), outsiders, departed members and reviewers of
other schools do not find the community (404), anonymous visitors are sent to log in. The reviewers' summary
(附件1) is for reviewers and admins, as the review table (others: 404, it is not advertised); a reviewer of
another school gets a summary of their own scope.
"""

from __future__ import annotations

import datetime as dt

from tests.compliance.helpers import PAST_FIRST, program_copy
from tests.permission_walk import FB, LOGIN, NF, OK, Step, Table, World, build_world, route_test
from workspace.activities import services as activities
from workspace.compliance import services
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_sheets_world() -> World:
    """Every role; the community enrolled in a copy of PLC-100 over a past school year, with one held activity."""
    world = build_world(ROLES, name="sheets")
    convener = world.users["convener"]
    enrollment = services.enrol(world.community(), program_copy(), 50_000, convener)
    starts = dt.datetime.combine(PAST_FIRST + dt.timedelta(days=40), dt.time(14, 0))
    activities.create_activity(world.community(), activities.ActivityFields(
        title="共同備課", method="collaborative_planning", starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
        place="自然教室"), actor=convener)
    db.session.commit()
    world.ids = {"enrollment_id": enrollment.id}
    return world


EXPORTERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=FB)  # conveners, reviewers, admins: 200
ONE = "/c/{slug}/exports/{enrollment_id}"

STEPS = [
    Step("GET", "exports.ledger", ONE + "/ledger.xlsx?lang=en", None, EXPORTERS),
    Step("GET", "exports.ledger", ONE + "/ledger.csv?lang=zh_Hant", None, EXPORTERS),
    Step("GET", "exports.application", ONE + "/application.docx", None, EXPORTERS),
    Step("GET", "exports.implementation_plan", ONE + "/implementation-plan.docx?lang=zh_Hans", None, EXPORTERS),
    Step("GET", "exports.sign_in_sheets", ONE + "/sign-in-sheets.docx", None, EXPORTERS),
    Step("GET", "exports.review_summary", "/review/compliance/summary.xlsx", None,
         dict(anonymous=LOGIN, default=NF, reviewer=OK, reviewer_elsewhere=OK, admin=OK)),
]

TABLE = Table(ROLES, build_sheets_world, STEPS)
test_route_answers_each_role = route_test(TABLE)


def test_an_unknown_format_is_not_found_for_anyone_signed_in(client, ctx):
    world = build_sheets_world()
    for role in ROLES[1:]:
        client.logout().login(world.users[role])
        assert client.get(ONE.format(**world.fields()) + "/ledger.xls").status_code == NF, role
