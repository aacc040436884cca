"""The migrations and the models agree: autogenerate against the migrated database finds nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from workspace.core.search import include_name  # also registers the search model
from workspace.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app wsgi db migrate`: {differences}"


def test_database_is_at_the_newest_revision(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401 - the extension holds the alembic config

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == heads


# --- the one link table (cc55ab53f181): every link of the three old mechanisms kept, both ways ---------------

LINKS_REVISION, BEFORE_LINKS = "cc55ab53f181", "9697cf480696"


def _rows(sql: str) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(sql)).all()]


def test_the_link_migration_keeps_every_link_and_gives_them_back(app, ctx):
    """A database at the revision before holds links of all three kinds; the upgrade keeps each (with a role),
    the downgrade restores the old tables and columns as they were."""
    import datetime as dt

    from flask_migrate import downgrade, upgrade

    from tests.plans.helpers import make_team
    from workspace.activities import services as activities
    from workspace.discussions import services as discussions
    from workspace.resources import services as resources

    team = make_team()
    community = team.community
    sheet = resources.create_text_resource(community, resources.ResourceFields(title="學習單", kind="courseware"),
                                           "內容", actor=team.lead)
    slides = resources.create_text_resource(community, resources.ResourceFields(title="簡報", kind="courseware"),
                                            "內容", actor=team.lead)
    starts = dt.datetime(2026, 12, 2, 14, 0)
    meeting = activities.create_activity(community, activities.ActivityFields(
        title="共同備課", method="collaborative_planning", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)),
        actor=team.convener)
    doc = team.plan()
    section = next(item for item in discussions.categories_of(community) if not item.managers_only)
    thread = discussions.create_thread(community, category=section, title="討論", body="內容", actor=team.lead)
    plain = discussions.create_thread(community, category=section, title="閒聊", body="內容", actor=team.lead)
    db.session.commit()
    ids = {"sheet": sheet.id, "slides": slides.id, "meeting": meeting.id, "doc": doc.id, "thread": thread.id,
           "plain": plain.id, "lead": team.lead.id}
    db.session.remove()
    try:
        downgrade(revision=BEFORE_LINKS)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO activity_links (activity_id, linked_type, linked_id, created_at) VALUES "
                "(:meeting, 'resource', :sheet, '2026-12-01 08:00:00'), "
                "(:meeting, 'resource', :slides, '2026-12-01 08:01:00')"), ids)
            connection.execute(text(
                "INSERT INTO plan_links (doc_id, target_type, target_id, role, added_by_id, created_at) VALUES "
                "(:doc, 'resource', :sheet, '', :lead, '2026-12-01 09:00:00'), "
                "(:doc, 'activity', :meeting, 'meeting', :lead, '2026-12-01 09:01:00')"), ids)
            connection.execute(text("UPDATE threads SET linked_type = 'resource', linked_id = :sheet "
                                    "WHERE id = :thread"), ids)

        upgrade(revision=LINKS_REVISION)
        links = _rows("SELECT from_type, from_id, to_type, to_id, role, created_by_id FROM links ORDER BY id")
        assert links == [
            ("activity", ids["meeting"], "resource", ids["sheet"], "output", None),
            ("activity", ids["meeting"], "resource", ids["slides"], "output", None),
            ("plan", ids["doc"], "resource", ids["sheet"], "attachment", ids["lead"]),
            ("plan", ids["doc"], "activity", ids["meeting"], "meeting", ids["lead"]),
            ("thread", ids["thread"], "resource", ids["sheet"], "subject", ids["lead"]),
        ]
        db.session.remove()

        downgrade(revision=BEFORE_LINKS)
        assert _rows("SELECT activity_id, linked_type, linked_id FROM activity_links ORDER BY id") == [
            (ids["meeting"], "resource", ids["sheet"]), (ids["meeting"], "resource", ids["slides"])]
        assert _rows("SELECT doc_id, target_type, target_id, role, added_by_id FROM plan_links ORDER BY id") == [
            (ids["doc"], "resource", ids["sheet"], "", ids["lead"]),
            (ids["doc"], "activity", ids["meeting"], "meeting", ids["lead"])]
        assert _rows("SELECT id, linked_type, linked_id FROM threads ORDER BY id") == [
            (ids["thread"], "resource", ids["sheet"]), (ids["plain"], None, None)]
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    # Up again: the application reads the links through its services as before.
    from workspace.plans import services as plans
    doc = db.session.get(type(doc), ids["doc"])
    assert [(item.link.role, item.target.id) for item in plans.links_of(doc)] == [
        ("attachment", ids["sheet"]), ("meeting", ids["meeting"])]
    assert [item.id for item in discussions.threads_about(db.session.get(type(sheet), ids["sheet"]))] == [
        ids["thread"]]


# --- urban–rural communities and teachers' profiles (e1eda6cec95a) ------------------------------------------------

URC_REVISION, BEFORE_URC = "e1eda6cec95a", "8ca45c5a10e3"


def test_the_urban_rural_migration_keeps_people_and_schools_and_gives_them_their_defaults(app, ctx):
    """Down: the exchanged teachers, the roles, the term and the profile go, the rest stays; up again: every
    existing school of a community is a member school, every teacher has no title and no subjects."""
    from flask_migrate import downgrade, upgrade

    from tests.communities.urban_rural import make_partnership
    from workspace.communities import services
    from workspace.communities.models import Community
    from workspace.communities.services import ExchangedTeacherFields

    team = make_partnership(1)
    team.convener.title, team.convener.subjects = "senior", ["數學"]
    services.add_exchanged_teacher(team.community, ExchangedTeacherFields(
        name="林老師", school_id=team.members[0].id, subject="數學"), actor=team.convener)
    db.session.commit()
    ids = {"community": team.community.id, "convener": team.convener.id, "core": team.core.id,
           "member": team.members[0].id}
    db.session.remove()
    def rows(sql: str) -> list[tuple]:
        return sorted(tuple(row) for row in db.session.execute(text(sql), ids).all())

    try:
        downgrade(revision=BEFORE_URC)
        assert rows("SELECT school_id FROM community_schools WHERE community_id = :community") == sorted(
            [(ids["core"],), (ids["member"],)])
        assert rows("SELECT COUNT(*) FROM users WHERE id = :convener") == [(1,)]
        db.session.remove()
        upgrade(revision=URC_REVISION)
        assert rows("SELECT school_id, role FROM community_schools WHERE community_id = :community") == sorted(
            [(ids["core"], "member"), (ids["member"], "member")])
        assert rows("SELECT title, subjects FROM users WHERE id = :convener") in (
            [("none", "[]")], [("none", [])])  # SQLite gives the JSON text, PostgreSQL the list
        assert rows("SELECT COUNT(*) FROM exchanged_teachers") == [(0,)]
        assert rows("SELECT agreement_starts_on FROM communities WHERE id = :community") == [(None,)]
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    assert db.session.get(Community, ids["community"]).agreement_ends_on is None


def test_the_named_only_migration_marks_what_mentoring_recorded(app, ctx):
    """Up from before the column: the activities a meeting log, an observation or a public lesson recorded are
    for the people they marked; a convener's own activity stays everyone's."""
    from flask_migrate import downgrade, upgrade

    from tests.mentoring.helpers import make_pair
    from workspace.activities import services as activities
    from workspace.activities.models import Activity
    from workspace.mentoring.services import logs

    pair = make_pair()
    log = logs.create_log(pair.pairing, logs.LogFields(
        held_on=dt.date(2026, 10, 14), duration_minutes=40, topics="班級經營", notes="", as_activity=True),
        actor=pair.mentor)
    plain = activities.create_activity(pair.community, activities.ActivityFields(
        title="全體共備", method="collaborative_planning", starts_at=dt.datetime(2026, 10, 20, 14),
        ends_at=dt.datetime(2026, 10, 20, 16)), actor=pair.convener)
    db.session.commit()
    ids = {"recorded": log.activity_id, "plain": plain.id}
    db.session.remove()
    try:
        downgrade(revision="044ffb14b1dd")
        db.session.remove()
        upgrade(revision="a7c31e5d9b42")
        found = dict(db.session.execute(text("SELECT id, named_only FROM activities WHERE id IN (:recorded, :plain)"),
                                        ids).all())
        assert bool(found[ids["recorded"]]) is True and bool(found[ids["plain"]]) is False
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    assert db.session.get(Activity, ids["recorded"]).named_only


def test_school_domains_registered_in_punycode_are_stored_in_unicode(app, ctx):
    """e4b8d1f6a930: 學校.tw registered as xn--n9so80a.tw is stored as 學校.tw, the form addresses are compared in."""
    from flask_migrate import downgrade, upgrade

    from tests.factories import make_school
    from workspace.communities.models import SchoolEmailDomain

    school_id = make_school(name="學校").id
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="d7a3c9e2b514")
        db.session.execute(text("INSERT INTO school_email_domains (school_id, domain, created_at) "
                                "VALUES (:school, 'xn--n9so80a.tw', CURRENT_TIMESTAMP), "
                                "(:school, 'guanghua.edu.tw', CURRENT_TIMESTAMP)"), {"school": school_id})
        db.session.commit()
        db.session.remove()
        upgrade(revision="e4b8d1f6a930")
    finally:
        db.session.remove()
        upgrade()
    assert set(db.session.scalars(select(SchoolEmailDomain.domain))) == {"學校.tw", "guanghua.edu.tw"}


def test_the_observe_mentor_migration_gives_the_new_teacher_s_observation_milestones_their_own_kind(app, ctx):
    """d4f7a1c3e8b2: an observation milestone that falls to the new teacher (the default list's "the new teacher
    observes the mentor") becomes observe_mentor, in the pairings and in a community's saved default list; the
    mentor's stays observation. Down again, both are observation as before."""
    from flask_migrate import downgrade, upgrade

    from tests.mentoring.helpers import make_pair
    from workspace.mentoring.models import MentoringSettings, Milestone

    pair = make_pair()
    db.session.commit()
    ids = {"pairing": pair.pairing.id, "community": pair.community.id}
    db.session.remove()
    saved = [{"title": "第一次觀察新進教師教學", "days": 42, "owner": "mentor", "kind": "observation"},
             {"title": "新進教師觀摩導師教學", "days": 60, "owner": "mentee", "kind": "observation"},
             {"title": "第一次會談", "days": 14, "owner": "mentor", "kind": "meeting"}]

    def milestones() -> list[tuple]:
        return [tuple(row) for row in db.session.execute(text(
            "SELECT title, owner, kind FROM pairing_milestones WHERE pairing_id = :pairing ORDER BY position"), ids)]

    def settings() -> list[dict]:
        value = db.session.execute(text("SELECT milestones FROM mentoring_settings WHERE community_id = :community"),
                                   ids).scalar_one()
        return json.loads(value) if isinstance(value, str) else value

    try:
        downgrade(revision="b7e1c4d2a905")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO pairing_milestones (pairing_id, title, due_on, owner, kind, position) VALUES "
                "(:pairing, '第一次觀察新進教師教學', '2026-10-13', 'mentor', 'observation', 0), "
                "(:pairing, '新進教師觀摩導師教學', '2026-10-31', 'mentee', 'observation', 1), "
                "(:pairing, '第一次會談', '2026-09-15', 'mentor', 'meeting', 2)"), ids)
            connection.execute(text(
                "INSERT INTO mentoring_settings (community_id, term_months, milestones, updated_at) "
                "VALUES (:community, 24, :items, '2026-09-01 00:00:00')"), dict(ids, items=json.dumps(saved)))
        upgrade(revision="d4f7a1c3e8b2")
        assert milestones() == [("第一次觀察新進教師教學", "mentor", "observation"),
                                ("新進教師觀摩導師教學", "mentee", "observe_mentor"),
                                ("第一次會談", "mentor", "meeting")]
        assert [item["kind"] for item in settings()] == ["observation", "observe_mentor", "meeting"]
        db.session.remove()
        downgrade(revision="b7e1c4d2a905")
        assert [kind for _title, _owner, kind in milestones()] == ["observation", "observation", "meeting"]
        assert [item["kind"] for item in settings()] == ["observation", "observation", "meeting"]
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    kinds = dict(db.session.execute(select(Milestone.title, Milestone.kind).where(
        Milestone.pairing_id == ids["pairing"])).all())
    assert kinds["新進教師觀摩導師教學"] == "observe_mentor"
    assert db.session.get(MentoringSettings, ids["community"]).milestones[1]["kind"] == "observe_mentor"


# --- memberships: one live stint per person (f5a8c2e9d317) --------------------------------------------------------

STINTS_REVISION, BEFORE_STINTS = "f5a8c2e9d317", "d4f7a1c3e8b2"


def test_the_stints_migration_keeps_one_live_row_per_person_and_gives_the_index_back(app, ctx):
    """Up: two live rows of one person (written past the service) fold into the oldest, the other closed at its own
    joined_at; then the database refuses a second live row, while a past stint beside the live one is fine. Down:
    the index goes, and a second live row is taken again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy.exc import IntegrityError

    from tests.factories import add_member, make_community, make_user

    community = make_community(make_user())
    member = add_member(community, make_user())
    db.session.commit()
    ids = {"community": community.id, "user": member.user_id, "row": member.id}
    db.session.remove()

    def stints() -> list[tuple]:
        return [(str(joined)[:10], None if left is None else str(left)[:10]) for joined, left in db.session.execute(
            text("SELECT joined_at, left_at FROM memberships WHERE community_id = :community AND user_id = :user "
                 "ORDER BY joined_at, id"), ids)]

    def second_live_row() -> None:
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO memberships (community_id, user_id, role, in_evaluation_programme, joined_at) "
                "VALUES (:community, :user, 'member', false, '2026-11-01 08:00:00')"), ids)

    try:
        downgrade(revision=BEFORE_STINTS)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO memberships (community_id, user_id, role, in_evaluation_programme, joined_at, left_at) "
                "VALUES (:community, :user, 'member', false, '2024-09-01 08:00:00', '2025-01-20 08:00:00'), "
                "(:community, :user, 'mentor', false, '2025-09-01 08:00:00', NULL)"), ids)
        db.session.remove()
        upgrade(revision=STINTS_REVISION)
        rows = stints()
        assert rows[:2] == [("2024-09-01", "2025-01-20"), ("2025-09-01", None)]  # the oldest live row kept
        assert len(rows) == 3 and rows[2][0] == rows[2][1]  # the other closed at its joined_at: a stint of no length
        db.session.remove()
        with pytest.raises(IntegrityError):
            second_live_row()
        downgrade(revision=BEFORE_STINTS)
        second_live_row()  # no index: taken
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM memberships WHERE joined_at = '2026-11-01 08:00:00'"))
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    from workspace.communities.models import Membership
    live = db.session.scalars(select(Membership).where(Membership.user_id == ids["user"], Membership.live)).all()
    assert [(row.role, row.joined_at.date()) for row in live] == [("mentor", dt.date(2025, 9, 1))]


# --- deadline reminders (a7d3e9c1b5f2): two settings on for everyone, and the once-only guard -------------------

REMINDERS_REVISION, BEFORE_REMINDERS = "a7d3e9c1b5f2", "e5a9c2d7b4f1"


def test_the_reminders_migration_turns_reminders_on_for_everyone_and_guards_each_reminder_once(app, ctx):
    """Up: a person's saved settings (one email choice off) gain both reminder choices, on; the guard refuses a
    second (person, key). Down: the columns and the table go, the other choices stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy.exc import IntegrityError

    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    ids = {"user": user.id}
    db.session.remove()

    def settings(columns: str) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(
            text(f"SELECT {columns} FROM notification_settings WHERE user_id = :user"), ids)]  # noqa: S608

    def guard() -> None:
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO reminders_sent (user_id, key, sent_at) "
                                    "VALUES (:user, 'deliverable:1:monthly::2026-11-20:week', '2026-11-12 23:05:00')"),
                               ids)

    try:
        downgrade(revision=BEFORE_REMINDERS)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO notification_settings (user_id, notify_replies, email_mentions, email_replies, "
                "email_reviews, notify_lessons, email_lessons, updated_at) "
                "VALUES (:user, true, true, false, true, true, true, '2026-11-01 08:00:00')"), ids)
        db.session.remove()
        upgrade(revision=REMINDERS_REVISION)
        assert settings("email_replies, notify_deadlines, email_deadlines") == [(False, True, True)]
        guard()
        with pytest.raises(IntegrityError):
            guard()
        db.session.remove()
        downgrade(revision=BEFORE_REMINDERS)
        assert settings("email_replies") == [(False,)]
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
    assert _rows("SELECT count(*) FROM reminders_sent") == [(0,)]


# --- milestone reminders open the milestone (b6e2d4a8c913): old anchors rewritten, and back ----------------------

MILESTONE_PATHS_REVISION, BEFORE_MILESTONE_PATHS = "b6e2d4a8c913", "a7d3e9c1b5f2"


def test_the_milestone_paths_migration_points_old_reminders_at_the_milestone_and_back(app, ctx):
    """Up: a milestone reminder's anchor on the pairing's page becomes the milestone's own address (which says when it
    was trashed); other notices keep theirs. Down: the anchor comes back."""
    from flask_migrate import downgrade, upgrade

    from tests.factories import make_user
    from workspace.notifications.models import Notification

    user, at = make_user(), dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    old = Notification(user_id=user.id, kind="due", subject_type="milestone", subject_id=7, title="x", excerpt="",
                       path="/c/pair/mentoring/pairings/3#milestone-7", created_at=at)
    post = Notification(user_id=user.id, kind="reply", subject_type="post", subject_id=7, title="x", excerpt="",
                        path="/c/pair/discussions/3?page=2#post-7", created_at=at)
    db.session.add_all([old, post])
    db.session.commit()
    ids = (old.id, post.id)
    db.session.remove()

    def paths() -> list[str]:
        return [row[0] for row in db.session.execute(
            text(f"SELECT path FROM notifications WHERE id IN {ids} ORDER BY id"))]  # noqa: S608

    try:
        downgrade(revision=BEFORE_MILESTONE_PATHS)
        db.session.remove()
        upgrade(revision=MILESTONE_PATHS_REVISION)
        assert paths() == ["/c/pair/mentoring/pairings/3/milestones/7", "/c/pair/discussions/3?page=2#post-7"]
        db.session.remove()
        downgrade(revision=BEFORE_MILESTONE_PATHS)
        assert paths() == ["/c/pair/mentoring/pairings/3#milestone-7", "/c/pair/discussions/3?page=2#post-7"]
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()


# --- board history credits (c3d9e1f7a254): each version to its writer, best effort for rows kept before ------------

WRITERS_REVISION, BEFORE_WRITERS = "c3d9e1f7a254", "b6e2d4a8c913"


def test_the_writers_migration_credits_earlier_versions_to_who_wrote_them_and_back(app, ctx):
    """Down: the old (shifted) names, each text under whoever replaced it. Up: each text under its writer, where the
    old rows allow it (version 2's writer was never recorded: its author)."""
    from flask_migrate import downgrade, upgrade

    from tests.discussions.helpers import make_board
    from workspace.discussions import services
    from workspace.discussions.models import Post

    board = make_board()
    thread = board.thread(author=board.member)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    for version, actor in ((1, board.member), (2, board.convener), (3, board.member)):
        services.edit_post(post, f"第{version + 1}版", actor=actor, base_version=version, title=f"標題{version + 1}")
        db.session.commit()
    member, convener, post_id = board.member.id, board.convener.id, post.id
    db.session.remove()

    def credits() -> list[tuple]:
        rows = [tuple(row) for row in db.session.execute(text(
            f"SELECT version, editor_id FROM post_revisions WHERE post_id = {post_id} ORDER BY version"))]  # noqa: S608
        db.session.remove()  # no read left open: on PostgreSQL the migration's ALTER TABLE would wait for it forever
        return rows

    assert credits() == [(1, member), (2, member), (3, convener)]
    try:
        downgrade(revision=BEFORE_WRITERS)
        db.session.remove()
        assert credits() == [(1, member), (2, convener), (3, member)]  # as the old code stored them
        upgrade(revision=WRITERS_REVISION)
        db.session.remove()
        assert credits() == [(1, member), (2, member), (3, convener)]
        assert db.session.scalar(text(f"SELECT edited_by_id FROM posts WHERE id = {post_id}")) == member  # noqa: S608
        db.session.remove()
    finally:
        db.session.remove()
        upgrade()
