"""The observations permission walk: every observation and observation-form route as each role, status checked.

Roles: anonymous, outsider (and, answering as outsiders, a departed member and a reviewer of another school),
guest expert, a plain member, the observer and the observed teacher (members), co-convener, convener, reviewer
(scope over the community's school), site admin. Mentoring is used by the community's contributors: reviewers
and guest experts are refused (403); outsiders do not learn that it exists (404). An observation is known (its
day, the two people, its status) to the two, the conveners and admins; a plain member gets 404. Its content
(and its record: the print page and the Word file) is read by its observer and admins, by the observed teacher
once shared with them, by conveners only when the pair shared it. Only the observer writes it; the observed
teacher reflects (once finalized: 409, the text kept); either shares it with the conveners; the observer or an
admin reopens it. Conveners (and admins) keep the community's forms.
"""

from __future__ import annotations

import datetime as dt
import io

from tests.media import png_bytes
from tests.permission_walk import BAD, DONE, FB, LOGIN, NF, OK, Step, Table, World, build_world, csrf_test, route_test
from workspace.core.database import utcnow
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.mentoring.models import Observation, ObservationStatus
from workspace.mentoring.services import observations as services
from workspace.mentoring.services import rubrics

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "observer", "observed",
         "co_convener", "convener", "reviewer", "admin")


def _observation(world: World, status: str, *, trashed: bool = False) -> tuple[int, int]:
    observer, observed = world.users["observer"], world.users["observed"]
    observation = services.create_observation(world.community(), services.PlanFields(
        observed_id=observed.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0), focus="提問"),
        actor=observer)
    note, _ = services.add_note(observation, services.NoteFields(client_key=f"{status}-note", text="筆記"),
                                actor=observer, photo=store_upload(io.BytesIO(png_bytes()), "photo.png"))
    observation.status = status
    if trashed:
        observation.deleted_at = utcnow()
    return observation.id, note.id


def build_observations_world() -> World:
    """Every role; a draft, an observation shared with the observed teacher (not with the conveners), a
    finalized one and a trashed draft, each with a note and its photo; a form of the community's own."""
    world = build_world(ROLES, name="observe")
    draft_id, draft_note = _observation(world, ObservationStatus.DRAFT.value)
    shared_id, shared_note = _observation(world, ObservationStatus.SHARED.value)
    final_id, _final_note = _observation(world, ObservationStatus.FINALIZED.value)
    trashed_id, _trashed_note = _observation(world, ObservationStatus.DRAFT.value, trashed=True)
    convened_id, _convened_note = _observation(world, ObservationStatus.SHARED.value)
    db.session.get(Observation, convened_id).shared = True  # the pair let the conveners read it
    levels = [{"value": 1, "label": "待加強"}, {"value": 2, "label": "良好"}]
    form = rubrics.create_form(world.community(), rubrics.FormFields("語文觀課表", [{"key": "read", "label": "朗讀"}],
                                                                     levels), actor=world.users["convener"])
    db.session.commit()
    world.ids = {"draft_id": draft_id, "draft_note": draft_note, "shared_id": shared_id, "shared_note": shared_note,
                 "final_id": final_id, "trashed_id": trashed_id, "form_id": form.id,
                 "convened_id": convened_id}
    return world


def _status_of(key: str, expected: str):
    def probe(world: World) -> bool:
        db.session.expire_all()
        return db.session.get(Observation, world.ids[key]).status == expected
    return probe


USERS = dict(anonymous=LOGIN, outsider=NF, reviewer=FB, guest_expert=FB)  # use_mentoring: the contributors
KNOWN = dict(USERS, member=NF)  # an observation: the two, the conveners, admins
OBSERVER = dict(KNOWN, default=FB, observer=DONE)  # what only its observer does
MANAGE = dict(USERS, member=FB, observer=FB, observed=FB)  # the community's forms
BASE = "/c/{slug}/mentoring/observations"
DRAFT, SHARED, FINAL = BASE + "/{draft_id}", BASE + "/{shared_id}", BASE + "/{final_id}"
FORMS = "/c/{slug}/mentoring/observation-forms"
PLAN = {"observed_on": "2026-10-06", "lesson_starts_at": "10:00", "subject": "國語", "focus": "朗讀", "form_id": ""}

STEPS = [
    Step("GET", "mentoring.observations", BASE + "/", None, USERS),
    Step("GET", "mentoring.observations", BASE + "/?trash=1", None, USERS),
    Step("GET", "mentoring.new_observation", BASE + "/new?observed={observed_id}", None, USERS),
    Step("POST", "mentoring.create_observation", BASE + "/new",
         dict(PLAN, observed_id="{observed_id}", pairing_id="", public_lesson_id=""),
         dict(USERS, admin=FB, observed=BAD, default=DONE)),  # an admin who is no member observes nobody here
    Step("GET", "mentoring.observation", DRAFT, None, KNOWN),
    Step("GET", "mentoring.observation", SHARED, None, KNOWN),
    Step("GET", "mentoring.observation", BASE + "/{trashed_id}", None, dict(KNOWN, default=NF, observer=OK)),
    *[step for tail, endpoint in (("/print", "mentoring.observation_print"),
                                  ("/export.docx", "mentoring.observation_export"))
      for step in (
          # the record is the page's content: read by whoever reads the page, known-but-unread is refused
          Step("GET", endpoint, DRAFT + tail, None, dict(KNOWN, default=FB, observer=OK, admin=OK)),
          Step("GET", endpoint, SHARED + tail, None, dict(KNOWN, default=FB, observer=OK, observed=OK, admin=OK)),
          Step("GET", endpoint, BASE + "/{convened_id}" + tail, None,
               dict(KNOWN, default=FB, observer=OK, observed=OK, co_convener=OK, convener=OK, admin=OK)),
          Step("GET", endpoint, BASE + "/{trashed_id}" + tail, None, dict(KNOWN, default=NF, observer=OK)),
          Step("GET", endpoint, BASE + "/999999" + tail, None, dict(USERS, default=NF)),
      )],
    Step("POST", "mentoring.update_observation", DRAFT, PLAN, OBSERVER),
    Step("POST", "mentoring.add_note", DRAFT + "/notes", {"client_key": "{role}-key", "text": "第 5 分鐘"}, OBSERVER),
    # its start is set, so the observer is told so (a redirect with the reason); nobody else may start the clock
    Step("POST", "mentoring.start_clock", DRAFT + "/clock", {}, OBSERVER),
    Step("POST", "mentoring.add_note", FINAL + "/notes", {"client_key": "{role}-key", "text": "晚到的筆記"},
         dict(OBSERVER, observer=FB)),
    Step("GET", "mentoring.note_photo", DRAFT + "/notes/{draft_note}/photo", None, dict(KNOWN, default=FB, observer=OK,
                                                                                          admin=OK)),
    Step("GET", "mentoring.note_photo", SHARED + "/notes/{shared_note}/photo", None,
         dict(KNOWN, default=FB, observer=OK, observed=OK, admin=OK)),
    Step("POST", "mentoring.rate_observation", DRAFT + "/ratings", {"rating_teaching": "3"}, OBSERVER),
    Step("POST", "mentoring.update_feedback", SHARED + "/feedback", {"strengths": "清楚", "suggestions": "等待"},
         OBSERVER),
    Step("POST", "mentoring.reflect_observation", SHARED + "/reflection", {"reflection": "下次改進"},
         dict(KNOWN, default=FB, observed=DONE)),
    # finalized while the observed teacher wrote: a conflict kept on the page for her, the same refusal for others
    Step("POST", "mentoring.reflect_observation", FINAL + "/reflection", {"reflection": "來不及的省思"},
         dict(KNOWN, default=FB, observed=409)),
    Step("POST", "mentoring.share_with_observed", DRAFT + "/share-with-observed", {}, OBSERVER, consuming=True,
         effect=(_status_of("draft_id", ObservationStatus.SHARED.value), frozenset({"observer"}))),
    Step("POST", "mentoring.finalize_observation", SHARED + "/finalize", {}, OBSERVER, consuming=True,
         effect=(_status_of("shared_id", ObservationStatus.FINALIZED.value), frozenset({"observer"}))),
    Step("POST", "mentoring.reopen_observation", FINAL + "/reopen", {"reason": "補評分"},
         dict(OBSERVER, admin=DONE), consuming=True,
         effect=(_status_of("final_id", ObservationStatus.SHARED.value), frozenset({"observer", "admin"}))),
    Step("POST", "mentoring.share_observation", SHARED + "/share", {"shared": "1"},
         dict(OBSERVER, observed=DONE)),
    Step("POST", "mentoring.trash_observation", DRAFT + "/trash", {}, OBSERVER, consuming=True),
    Step("POST", "mentoring.restore_observation", BASE + "/{trashed_id}/restore", {},
         dict(KNOWN, default=NF, observer=DONE), consuming=True),
    Step("GET", "mentoring.observation_forms", FORMS + "/", None, USERS),
    Step("GET", "mentoring.new_observation_form", FORMS + "/new", None, MANAGE),
    Step("POST", "mentoring.create_observation_form", FORMS + "/new",
         {"title": "新表", "rows": "a | 甲", "levels": "1 | 一\n2 | 二"}, dict(MANAGE, default=DONE)),
    Step("GET", "mentoring.edit_observation_form", FORMS + "/{form_id}/edit", None, MANAGE),
    Step("POST", "mentoring.update_observation_form", FORMS + "/{form_id}/edit",
         {"title": "語文觀課表", "rows": "read | 朗讀 | 流暢", "levels": "1 | 一\n2 | 二"}, dict(MANAGE, default=DONE)),
]

TABLE = Table(ROLES, build_observations_world, STEPS,
              csrf_as=lambda step: "convener" if "form" in step.endpoint else "observed"
              if step.endpoint == "mentoring.reflect_observation" else "observer")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)


def test_the_read_scope_agrees_with_can_read_for_every_role(ctx):
    """The list shows content exactly where the page does (scope and rule agree, row by row)."""
    from workspace.core.permissions import can

    world = build_observations_world()
    for role, user in world.users.items():
        for row in services.list_observations(world.community(), user):
            observation = db.session.get(Observation, row.id)
            assert can(user, "view", observation), (role, row.id)
            assert row.readable == can(user, "read", observation), (role, row.id)


def test_an_observation_of_another_community_is_not_found(client, ctx):
    world, elsewhere = build_observations_world(), build_observations_world()
    client.login(world.users["admin"])
    fields = elsewhere.fields() | {"slug": world.slug}
    for path in (DRAFT, SHARED + "/notes/{shared_note}/photo", FORMS + "/{form_id}/edit"):
        assert client.get(path.format(**fields)).status_code == NF, path
    for path in (SHARED + "/reopen", FINAL + "/reopen", DRAFT + "/trash"):
        assert client.post_form(path.format(**fields)).status_code == NF, path


def test_an_archived_community_s_observations_are_read_but_not_changed(client, ctx):
    world = build_observations_world()
    world.community().archived_at = utcnow()
    db.session.commit()
    fields = world.fields()
    client.login(world.users["observer"])
    assert client.get(DRAFT.format(**fields)).status_code == OK
    assert client.post_form((DRAFT + "/notes").format(**fields), {"client_key": "late", "text": "x"}).status_code == FB
