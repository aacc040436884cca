"""Every bench seeder, run as the benchmarks compose them, on a tiny freshly migrated SQLite database.

The seeders in bench/ write their rows with SQLAlchemy Core (for speed), so a schema change breaks them without
any model or service noticing: bench/seed_activities.py once unpacked `select(community_schools)` into two columns
after the table gained a third, and only `make bench` (minutes long, rarely run) found out. These tests run each
benchmark's seeding (bench/run.py, search.py, discussions.py, activities.py, plans.py, fresh.py, compliance.py,
mentoring.py, exports.py) at a few dozen rows per table, with the seeders' size constants shrunk by monkeypatch,
and check that each seeder wrote rows and that what it returns points at rows that exist.

They make their own SQLite database in tmp_path (the seeders write SQLite's own SQL and FTS5 rows) with the
seeders' own apps, so they use neither the suite's app nor its database: the same on the PostgreSQL run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import bench.seed as base
import bench.seed_activities as activities_seed
import bench.seed_compliance as compliance_seed
import bench.seed_discussions as discussions_seed
import bench.seed_exports as exports_seed
import bench.seed_mentoring as mentoring_seed
import bench.seed_plans as plans_seed
import bench.seed_resources as resources_seed
from tests.conftest import compile_catalogs

# The benchmarks' shapes at a tiny size. COMMUNITIES stays 40 so that, as at 200, the last community is archived
# (bench/seed.py archives every 40th): the compliance and mentoring seeders pick their small cases around it.
TINY = {
    base: {"USERS": 120, "COMMUNITIES": 40, "MEAN_MEMBERS": 8, "HOME_MEMBERS": 40, "BENCH_USER_COMMUNITIES": 6,
           "AUDIT_EVENTS": 100},
    activities_seed: {"ACTIVITIES_PER_COMMUNITY": 5, "MEMBERS": 10, "USERS_TOTAL": 150, "BIG_ATTENDANCE": 12},
    compliance_seed: {"SHORT_ACTIVITIES": 2},
    discussions_seed: {"BOARD_THREADS": 15, "BIG_THREAD_POSTS": 30, "SMALL_THREADS": 4, "SMALL_THREAD_POSTS": 6,
                       "MAX_POSTS": 4, "BODIES": 20, "BIG_THREAD_UNREAD": 5},
    exports_seed: {"ACTIVITIES": 6, "PHOTOS": 10, "VIDEO_MB": 1},
    mentoring_seed: {"PAIRINGS": 30, "HOME_PAIRINGS": 12, "BENCH_MENTEES": 3, "LOGS": 3, "OBSERVATIONS": 2},
    plans_seed: {"REVISIONS": 60},
    resources_seed: {"RESOURCES": 60, "HOME_RESOURCES": 20, "SENTENCES": 100},
}


@pytest.fixture(autouse=True)
def _clean_state():
    """Replace the suite's per-test cleaning: these tests touch neither its app nor its database."""
    # But compile the catalogs first, as the suite's app does: the seeders' apps translate too (the services
    # they call), and flask_babel keeps the translations it loads in the process-wide `babel` extension, so
    # loading them before the .mo files exist would leave every later test of this process untranslated.
    compile_catalogs()
    yield


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """The benchmarks' environment on a throwaway instance, with every seeder shrunk to TINY."""
    for module, constants in TINY.items():
        for name, value in constants.items():
            assert hasattr(module, name), f"{module.__name__}.{name} is gone: update TINY"
            monkeypatch.setattr(module, name, value)
    environment = base.bench_env(tmp_path)
    for name, value in environment.items():  # as the benchmarks' os.environ.update(env): create_app reads it
        monkeypatch.setenv(name, value)
    return environment


@pytest.fixture()
def make_app(env):
    """The app each benchmark makes after bench/seed.py (its engine disposed at the end)."""
    from workspace import create_app
    from workspace.extensions import db

    apps = []

    def _make():
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture()
def sql(env):
    """Read the seeded database directly: sql("SELECT …", name=value) gives the rows."""
    engine = create_engine(env["DATABASE_URL"])

    def _query(statement, **params):
        with engine.connect() as connection:
            return connection.execute(text(statement), params).all()

    yield _query
    engine.dispose()


def count(sql, table, where="1 = 1", **params):
    return sql(f"SELECT count(*) FROM {table} WHERE {where}", **params)[0][0]  # noqa: S608 - the tests' own names


def assert_rows(sql, rows, tables):
    """Each table the seeder reports holds at least one row and as many as it reports."""
    for name, table in tables.items():
        assert rows[name] > 0, f"{name}: nothing seeded"
        assert count(sql, table) >= rows[name], f"{table} holds fewer rows than the seeder reports as {name}"


def test_page_benchmark_seed_makes_the_login_the_home_community_and_its_members(env, make_app, sql):
    """bench/run.py (and invalidation.py, profile.py): bench/seed.py alone."""
    from workspace.auth.models import User
    from workspace.auth.services import verify_password
    from workspace.extensions import db

    seeded = base.seed(env)

    assert seeded.database_url == env["DATABASE_URL"]
    for table, made in seeded.rows.items():
        assert made > 0 and count(sql, table) == made, table
    assert seeded.rows["users"] == base.USERS and seeded.rows["communities"] == base.COMMUNITIES
    assert sql("SELECT id FROM users WHERE email = :email", email=seeded.email) == [(1,)]
    home = sql("SELECT id, archived_at FROM communities WHERE slug = :slug", slug=seeded.home_slug)
    assert home == [(1, None)]
    assert count(sql, "memberships", "community_id = 1 AND left_at IS NULL") == base.HOME_MEMBERS
    assert sql("SELECT role FROM memberships WHERE community_id = 1 AND user_id = 1 AND left_at IS NULL") == [
        ("co_convener",)]
    assert count(sql, "memberships", "user_id = 1 AND left_at IS NULL") == base.BENCH_USER_COMMUNITIES
    assert count(sql, "memberships", "left_at IS NOT NULL") > 0  # people who left, for the pages to filter out
    assert count(sql, "communities", "archived_at IS NOT NULL") == base.COMMUNITIES // 40
    with make_app().app_context():  # the password it returns logs the bench user in
        assert verify_password(db.session.get(User, 1), seeded.password)


def test_search_seed_indexes_every_resource_as_the_service_would(env, make_app, sql):
    """bench/search.py: bench/seed.py, then seed_resources(count=…) and verify_index."""
    from workspace.core.search import FTS_TABLE

    base.seed(env)
    app = make_app()
    resources = resources_seed.seed_resources(app, count=resources_seed.RESOURCES, processes=2)

    made = resources_seed.RESOURCES
    assert resources.rows["resources"] == made
    for table in ("resources", "resource_versions", "search_documents", FTS_TABLE):
        assert count(sql, table) == made, table
    assert_rows(sql, resources.rows, {"resource_tags": "resource_tags"})
    assert count(sql, "resources", "community_id = 1") == resources_seed.HOME_RESOURCES
    assert count(sql, "resources", "current_version_id IS NULL") == 0
    assert resources_seed.verify_index(app) == []


def test_discussions_seed_fills_a_big_and_a_small_board(env, make_app, sql):
    """bench/discussions.py: bench/seed.py, then seed_discussions and its check."""
    base.seed(env)
    app = make_app()
    boards = discussions_seed.seed_discussions(
        app, threads=discussions_seed.BOARD_THREADS, long_posts=discussions_seed.BIG_THREAD_POSTS,
        small_threads=discussions_seed.SMALL_THREADS, small_posts=discussions_seed.SMALL_THREAD_POSTS)

    assert discussions_seed.check(app, boards) == []
    assert_rows(sql, boards.rows, {"discussion_categories": "discussion_categories", "threads": "threads",
                                   "posts": "posts", "read_marks": "read_marks", "thread_watches": "thread_watches"})
    assert count(sql, "threads") == discussions_seed.BOARD_THREADS + discussions_seed.SMALL_THREADS
    for board, posts in ((boards.big, discussions_seed.BIG_THREAD_POSTS),
                         (boards.small, discussions_seed.SMALL_THREAD_POSTS)):
        assert sql("SELECT slug, archived_at FROM communities WHERE id = :id", id=board.community_id) == [
            (board.slug, None)]
        assert count(sql, "threads", "community_id = :c", c=board.community_id) == board.threads
        assert sql("SELECT community_id, last_number FROM threads WHERE id = :id", id=board.long_thread_id) == [
            (board.community_id, posts)]
        assert count(sql, "posts", "thread_id = :t", t=board.long_thread_id) == posts
    assert boards.big.slug == base.HOME_SLUG and boards.small.community_id != boards.big.community_id
    # The bench user has read the long thread but for its last posts, and has the home role on the small board.
    read = discussions_seed.BIG_THREAD_POSTS - discussions_seed.BIG_THREAD_UNREAD
    assert sql("SELECT last_read_number FROM read_marks WHERE user_id = 1 AND thread_id = :t",
               t=boards.big.long_thread_id) == [(read,)]
    assert sql("SELECT role FROM memberships WHERE community_id = :c AND user_id = 1 AND left_at IS NULL",
               c=boards.small.community_id) == [("co_convener",)]


def check_activities(sql, seeded):
    """What bench/activities.py measures: the big and the small community, each with an activity under way."""
    rows = seeded.rows
    assert_rows(sql, rows, {"activities": "activities", "attendances": "attendances",
                            "activity_feedback": "activity_feedback", "users (added)": "users",
                            "memberships (added)": "memberships"})
    assert count(sql, "users") == activities_seed.USERS_TOTAL
    for place in (seeded.big, seeded.small):
        assert sql("SELECT slug FROM communities WHERE id = :id", id=place.community_id) == [(place.slug,)]
        assert count(sql, "activities", "community_id = :c", c=place.community_id) == place.activities
        assert count(sql, "memberships", "community_id = :c AND left_at IS NULL", c=place.community_id) == place.members
        assert sql("SELECT community_id, cancelled_at FROM activities WHERE id = :id", id=place.activity_id) == [
            (place.community_id, None)]
        assert count(sql, "attendances", "activity_id = :a", a=place.activity_id) == place.attendance
    assert seeded.big.slug == base.HOME_SLUG and seeded.big.attendance == activities_seed.BIG_ATTENDANCE
    assert seeded.small.slug == activities_seed.SMALL_SLUG and seeded.small.members == activities_seed.SMALL_MEMBERS
    # Past activities that took place have their cohort's attendance (made in SQL), beyond the live ones.
    assert rows["attendances"] > seeded.big.attendance + seeded.small.attendance
    # Every community of bench/seed.py was topped up to the cohort the activities expect.
    fewest = sql("SELECT min(n) FROM (SELECT count(*) AS n FROM memberships WHERE left_at IS NULL "
                 "AND community_id <= :last GROUP BY community_id)", last=base.COMMUNITIES)[0][0]
    assert fewest >= activities_seed.MEMBERS


def test_activities_seed_gives_a_big_and_a_small_community_their_activities(env, make_app, sql):
    """bench/activities.py: bench/seed.py, then seed_activities."""
    base.seed(env)
    seeded = activities_seed.seed_activities(make_app(), per_community=activities_seed.ACTIVITIES_PER_COMMUNITY)

    check_activities(sql, seeded)
    assert count(sql, "activities") == seeded.rows["activities"]
    assert seeded.big.activities == activities_seed.ACTIVITIES_PER_COMMUNITY + 1


def check_plans(sql, app, plans):
    """What bench/plans.py measures: a big and a small plan whose sections end at their last revision."""
    assert plans_seed.check(app, plans) == []
    assert_rows(sql, plans.rows, {"plan_docs": "plan_docs", "plan_sections": "plan_sections",
                                  "plan_section_revisions": "plan_section_revisions"})
    for plan in (plans.big, plans.small):
        assert sql("SELECT community_id FROM plan_docs WHERE id = :id", id=plan.plan_id) == [(plan.community_id,)]
        assert sql("SELECT slug FROM communities WHERE id = :id", id=plan.community_id) == [(plan.slug,)]
        assert len(plan.section_ids) == len(plans_seed.SECTIONS) and plan.characters > 0
        section_id, version = plan.busiest
        assert sql("SELECT doc_id, version FROM plan_sections WHERE id = :id", id=section_id) == [
            (plan.plan_id, version)]
    assert plans.big.revisions == plans_seed.REVISIONS
    assert plans.small.community_id != plans.big.community_id
    assert sql("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = :email "
               "AND m.community_id = :c AND m.left_at IS NULL", email=plans.co_editor_email,
               c=plans.big.community_id) == [(1,)]


def test_plans_seed_writes_a_big_and_a_small_plan_with_their_history(env, make_app, sql):
    """bench/plans.py: bench/seed.py, then seed_plans and its check."""
    base.seed(env)
    app = make_app()
    plans = plans_seed.seed_plans(app, revisions=plans_seed.REVISIONS)

    check_plans(sql, app, plans)


def test_fresh_render_seed_puts_every_area_in_one_database(env, make_app, sql):
    """bench/fresh.py (SQLite): bench/seed.py, the library, the boards, the activities, the plans, a reviewer."""
    from bench.fresh import grant_review, main_pages

    seeded = base.seed(env)
    app = make_app()
    resources = resources_seed.seed_resources(app, count=resources_seed.RESOURCES, processes=2)
    boards = discussions_seed.seed_discussions(
        app, threads=discussions_seed.BOARD_THREADS, long_posts=discussions_seed.BIG_THREAD_POSTS,
        small_threads=discussions_seed.SMALL_THREADS, small_posts=discussions_seed.SMALL_THREAD_POSTS)
    activities = activities_seed.seed_activities(app, per_community=activities_seed.ACTIVITIES_PER_COMMUNITY)
    plans = plans_seed.seed_plans(app, revisions=plans_seed.REVISIONS)
    grant_review(app, user_id=1, school_id=2)

    assert count(sql, "resources") == resources.rows["resources"] > 0
    assert discussions_seed.check(app, boards) == []
    check_activities(sql, activities)
    check_plans(sql, app, plans)
    assert sql("SELECT school_id FROM reviewer_scopes WHERE user_id = 1") == [(2,)]
    # Every main page the benchmark measures has its object in the bench user's home community.
    pages = main_pages(app, seeded.home_slug, boards.big.long_thread_id, activities.big.activity_id,
                       plans.big.plan_id)
    assert len(pages) == 12
    home = f"/c/{seeded.home_slug}/"
    assert {boards.big.community_id, activities.big.community_id, plans.big.community_id} == {1}
    assert all(path.startswith(home) or not path.startswith("/c/") for _label, path in pages)


def test_compliance_seed_enrols_every_community_with_its_evidence_and_expenses(env, make_app, sql):
    """bench/compliance.py: bench/seed.py, seed_activities, then seed_compliance."""
    base.seed(env)
    app = make_app()
    activities_seed.seed_activities(app, per_community=activities_seed.ACTIVITIES_PER_COMMUNITY)
    seeded = compliance_seed.seed_compliance(app)

    rows = seeded.rows
    assert_rows(sql, rows, {"enrollments": "enrollments", "blobs": "blobs", "activity_evidence": "activity_evidence",
                            "expenses": "expenses", "book_list_items": "book_list_items",
                            "community_schools": "community_schools"})
    assert rows["enrollments"] == base.COMMUNITIES == count(sql, "enrollments", "program_id = :p",
                                                            p=seeded.program_id)
    per_enrolment = sum(claims for _category, claims, *_rest in compliance_seed.EXPENSES)
    assert count(sql, "expenses") == rows["expenses"] == per_enrolment * base.COMMUNITIES
    assert count(sql, "activity_evidence", "kind = 'video'") > 0
    assert sql("SELECT community_id FROM enrollments WHERE id = :id", id=seeded.home_enrollment_id) == [(1,)]
    assert sql("SELECT id FROM communities WHERE slug = :s", s=seeded.home_slug) == [(1,)]
    assert sql("SELECT id, archived_at FROM communities WHERE slug = :s", s=seeded.short_slug) == [
        (seeded.short_community_id, None)]
    assert count(sql, "activities", "community_id = :c", c=seeded.short_community_id) == \
        compliance_seed.SHORT_ACTIVITIES
    assert 0 < seeded.activities[seeded.short_slug] <= compliance_seed.SHORT_ACTIVITIES
    assert seeded.activities[seeded.home_slug] > 0
    # Each reviewer exists and reviews a school the enrolled communities belong to.
    assert len(set(seeded.reviewers.values())) == 3
    for email in seeded.reviewers.values():
        scopes = sql("SELECT s.school_id FROM reviewer_scopes s JOIN users u ON u.id = s.user_id "
                     "WHERE u.email = :email", email=email)
        assert len(scopes) == 1
        assert count(sql, "community_schools", "school_id = :s", s=scopes[0][0]) > 0


def test_mentoring_seed_pairs_members_with_their_logs_and_observations(env, make_app, sql):
    """bench/mentoring.py: bench/seed.py, then seed_mentoring."""
    base.seed(env)
    seeded = mentoring_seed.seed_mentoring(make_app())

    rows = seeded.rows
    pairings = mentoring_seed.PAIRINGS
    assert_rows(sql, rows, {"pairings": "pairings", "milestones": "pairing_milestones",
                            "meeting_logs": "meeting_logs", "next_steps": "meeting_next_steps",
                            "observations": "observations", "goals": "mentoring_goals",
                            "public lessons": "public_lessons"})
    assert count(sql, "pairings") == rows["pairings"] == pairings
    assert count(sql, "meeting_logs") == pairings * mentoring_seed.LOGS
    assert count(sql, "observations") == pairings * mentoring_seed.OBSERVATIONS
    assert sql("SELECT id FROM communities WHERE slug = :s", s=seeded.home_slug) == [(1,)]
    assert count(sql, "pairings", "community_id = 1") == mentoring_seed.HOME_PAIRINGS
    assert sql("SELECT community_id, mentor_id FROM pairings WHERE id = :id", id=seeded.home_pairing_id) == [(1, 1)]
    assert count(sql, "pairings", "mentor_id = 1") == mentoring_seed.BENCH_MENTEES
    small = sql("SELECT id FROM communities WHERE slug = :s", s=seeded.small_slug)[0][0]
    assert sql("SELECT id FROM pairings WHERE community_id = :c", c=small) == [(seeded.small_pairing_id,)]
    assert sql("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = :email "
               "AND m.community_id = :c AND m.left_at IS NULL", email=seeded.small_convener_email, c=small) == [
        ("convener",)]
    assert sql("SELECT p.id FROM pairings p JOIN users u ON u.id = p.mentor_id WHERE u.email = :email",
               email=seeded.single_mentor_email) == [(seeded.small_pairing_id,)]


def test_exports_seed_writes_a_year_of_evidence_into_the_store(env, make_app, sql):
    """bench/exports.py: bench/seed.py, then seed_exports into the instance's file store."""
    base.seed(env)
    upload_dir = Path(env["UPLOAD_DIR"])
    seeded = exports_seed.seed_exports(make_app(), upload_dir)

    photos = exports_seed.PHOTOS
    assert seeded.rows == {"activities": exports_seed.ACTIVITIES, "photos": photos, "videos": 1, "blobs": photos + 1}
    assert sql("SELECT id FROM communities WHERE slug = :s", s=seeded.home_slug) == [(1,)]
    assert sql("SELECT community_id, confirmed_at IS NOT NULL FROM enrollments WHERE id = :id",
               id=seeded.enrollment_id) == [(1, 1)]
    assert count(sql, "activities", "community_id = 1") == exports_seed.ACTIVITIES
    evidence = sql("SELECT b.sha256, b.size, e.kind FROM activity_evidence e JOIN blobs b ON b.id = e.blob_id")
    assert sorted(kind for *_blob, kind in evidence) == ["photo"] * photos + ["video"]
    # Every blob is a real file at its content address, as the evidence pack reads them.
    for sha256, size, _kind in evidence:
        path = upload_dir / sha256[:2] / sha256[2:4] / sha256
        assert path.stat().st_size == size
    assert seeded.evidence_bytes == sum(size for _sha, size, _kind in evidence)
    assert dict(sql("SELECT kind, max(size) FROM activity_evidence GROUP BY kind"))["video"] == \
        exports_seed.VIDEO_MB * exports_seed.MB
