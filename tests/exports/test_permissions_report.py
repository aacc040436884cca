"""The permission walk of the results report's pages: the texts (conveners, co-conveners and admins write them;
members, guest experts and reviewers are refused; outsiders do not see the community) and the funders' templates
(admins only; everyone else gets 404: the admin pages are not advertised)."""

from __future__ import annotations

import io

from tests.compliance.helpers import program_copy
from tests.exports.report_world import docx_bytes
from tests.permission_walk import (
    BAD,
    DONE,
    FB,
    LOGIN,
    NF,
    OK,
    PNG,
    Step,
    Table,
    World,
    build_world,
    csrf_test,
    route_test,
)
from workspace.compliance import services
from workspace.core.storage import store_upload
from workspace.exports import templates
from workspace.exports.content import report_text_of
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_report_world() -> World:
    """Every role; the community enrolled (confirmed) in a copy of PLC-100; a funder's template kept."""
    world = build_world(ROLES, name="report")
    enrollment = services.enrol(world.community(), program_copy(), 50_000, world.users["convener"])
    services.confirm(enrollment, world.users["admin"])
    template = templates.add_template(store_upload(io.BytesIO(docx_bytes("{{ community }}")), "county.docx"),
                                      "County", world.users["admin"])
    db.session.commit()
    world.ids = {"enrollment_id": enrollment.id, "template_id": template.id}

    def version() -> str:
        kept = report_text_of(db.session.get(type(enrollment), enrollment.id))
        return str(kept.version if kept else 0)

    world.computed = {"texts_version": version}
    return world


WRITERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=FB, reviewer=FB)
ADMIN_ONLY = dict(anonymous=LOGIN, default=NF, admin=OK)
TEXTS = "/c/{slug}/exports/{enrollment_id}/texts"

STEPS = [
    Step("GET", "exports.report_texts", TEXTS, None, WRITERS),
    Step("POST", "exports.report_texts", TEXTS, {"preface": "前言 by {role}", "culture_change": "",
                                                 "version": "{texts_version}"}, dict(WRITERS, default=DONE)),
    Step("GET", "exports.templates", "/admin/exports/templates", None, ADMIN_ONLY),
    Step("GET", "exports.default_template", "/admin/exports/templates/default.docx", None, ADMIN_ONLY),
    # a picture is no DOCX: the admin's upload is refused beside the field (the walk sends pictures)
    Step("POST", "exports.upload_template", "/admin/exports/templates", {"name": "County", "file": PNG},
         dict(ADMIN_ONLY, admin=BAD)),
    Step("POST", "exports.trash_template", "/admin/exports/templates/{template_id}/trash", {},
         dict(ADMIN_ONLY, admin=DONE)),
    Step("POST", "exports.restore_template", "/admin/exports/templates/{template_id}/restore", {},
         dict(ADMIN_ONLY, admin=DONE)),
]

TABLE = Table(ROLES, build_report_world, STEPS,
              csrf_as=lambda step: "admin" if "template" in step.endpoint else "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_another_community_s_enrolment_is_not_found(client, ctx):
    world, elsewhere = build_report_world(), build_report_world()
    client.login(world.users["admin"])
    url = TEXTS.format(slug=world.slug, enrollment_id=elsewhere.ids["enrollment_id"])
    assert client.get(url).status_code == NF
    assert client.post_form(url, {"version": "0"}).status_code == NF
    assert client.get(f"/c/{world.slug}/exports/abc/texts").status_code == NF


def test_an_archived_community_s_texts_are_not_changed(client, ctx):
    import datetime as dt

    world = build_report_world()
    world.community().archived_at = dt.datetime.now(dt.UTC)
    db.session.commit()
    client.login(world.users["convener"])
    assert client.get(TEXTS.format(**world.fields())).status_code == FB
