"""Add the compliance area to a bench database: every community of bench/seed.py enrolled (confirmed) in a
copy of the PLC-100 preset whose period holds today, with the evidence and the budget a funder reads.

On top of bench/seed.py (200 communities, their members) and bench/seed_activities.py (300 activities each over
two years, attendance of the past ones, minutes for ~60 %): every community belongs to school 1 (so one reviewer
of that school sees all 200), the first 50 also to school 2 and the 199th also to school 3 (reviewers of those
see 50 and 1: the statement counts compare them). The program and the enrolments go through the services (a
copy of the preset made by `copy_document`, saved by `create_program`; `enrol` then `confirm`). The rows the
services would take hours for are bulk-inserted with SQLAlchemy Core, with the columns the services write:
photos (1–3 blobs and evidence rows per held activity, ~3 % left without), one video per community, minutes
written for ~95 % of the held activities, and 100 expenses per enrolment within every cap of PLC-100 (each with
its receipt blob, linked to a held activity where the category is per session), the book list the materials
need. The blobs' bytes are not written to disk: no measured page reads them. One community keeps only its first
30 activities, for the statement counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, select, update

RANDOM_SEED = 20261202
ZONE = ZoneInfo("Asia/Taipei")
PERIOD_BACK = 548  # the program's period runs over the seeded activities: ~18 months back …
PERIOD_AHEAD = 182  # … and ~6 months ahead, so today is inside it
APPROVED = 80_000  # NT$ per community
SHORT_ACTIVITIES = 30  # the community trimmed for the statement counts
NO_PHOTO_EVERY = 31  # every 31st held activity has no photo (a gap the panel names)
NO_MINUTES_EVERY = 23  # every 23rd held activity has no minutes
# (category, count, amount, hours, persons): 100 expenses, NT$60,200, within every cap of PLC-100
EXPENSES = (
    ("external_speaker_intro", 2, 1_000, None, None),  # ≤ 1,000 each, ≤ 2 claims
    ("external_speaker_hourly", 2, 3_200, 2.0, None),  # ≤ 1,600 an hour, ≤ 2 claims, ≤ 4 hours
    ("internal_speaker_hourly", 2, 1_600, 2.0, None),  # ≤ 800 an hour, ≤ 2 claims, ≤ 4 hours
    ("speaker_travel", 2, 1_200, None, None),  # ≤ 2 claims
    ("materials", 5, 1_000, None, None),  # ≤ 5,000 in all, with the book list
    ("printing_materials", 15, 200, None, None),  # ≤ 200 a session, ≤ 3,000 in all
    ("printing_report", 1, 1_200, None, None),  # 1,000 to 1,500, once
    ("refreshments", 68, 500, None, 25),  # ≤ 20 a person a session
    ("sundries", 3, 1_000, None, None),  # ≤ 6 % of the operating costs
)
PER_SESSION = frozenset({"external_speaker_intro", "external_speaker_hourly", "internal_speaker_hourly",
                         "printing_materials", "refreshments"})
BOOKS = ("學習共同體：構想與實踐", "差異化教學", "教室裡的對話", "素養導向評量設計", "閱讀理解策略教學")


@dataclass(frozen=True)
class SeededCompliance:
    """What the compliance benchmark measures: the slugs, the reviewers, the sizes, the rows added."""

    program_id: int
    home_slug: str  # the bench user's home community (301 activities, 200 members)
    short_slug: str  # a community with SHORT_ACTIVITIES activities
    short_community_id: int
    home_enrollment_id: int
    reviewers: dict[int, str]  # communities in scope → the reviewer's e-mail
    activities: dict[str, int]  # slug → activities in the period
    rows: dict[str, int]
    seconds: float


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_compliance(app: Any, *, bench_user_id: int = 1) -> SeededCompliance:
    """Enrol every community, add evidence and expenses; return what the bench measures."""
    from bench.seed import COMMUNITIES, USERS  # read when called: tests/test_bench_seeds.py shrinks them
    from workspace.activities.models import Activity, Attendance, Evidence, Feedback, Speaker, activity_schools
    from workspace.auth.models import User
    from workspace.communities.models import Community, Membership, ReviewerScope, community_schools
    from workspace.compliance import services
    from workspace.compliance.models import BookListItem, Enrollment, Expense, Program
    from workspace.core.models import Blob
    from workspace.core.text import render_markdown
    from workspace.extensions import db

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(ZONE).date()
    first_day, last_day = today - dt.timedelta(days=PERIOD_BACK), today + dt.timedelta(days=PERIOD_AHEAD)
    rows: dict[str, int] = {}
    with app.test_request_context():
        communities = db.session.execute(select(Community.id, Community.slug).where(
            Community.id <= COMMUNITIES).order_by(Community.id)).all()
        ids = [community_id for community_id, _slug in communities]
        slugs = dict(communities)
        short_id = ids[-2]  # the last one is archived (bench/seed.py archives every 40th)
        # Schools: all 200 in school 1; the first 50 in school 2 too; the short one in school 3 too.
        db.session.execute(delete(community_schools).where(community_schools.c.community_id.in_(ids)))
        links = [{"community_id": i, "school_id": 1} for i in ids]
        links += [{"community_id": i, "school_id": 2} for i in ids[:50]]
        links += [{"community_id": short_id, "school_id": 3}]
        db.session.execute(insert(community_schools), links)
        reviewer_two, reviewer_three = USERS - 2, USERS - 1  # teachers of bench/seed.py, same password as everyone
        db.session.execute(insert(ReviewerScope), [
            {"user_id": bench_user_id, "school_id": 1, "created_at": now},
            {"user_id": reviewer_two, "school_id": 2, "created_at": now},
            {"user_id": reviewer_three, "school_id": 3, "created_at": now}])
        emails = dict(db.session.execute(select(User.id, User.email).where(
            User.id.in_([bench_user_id, reviewer_two, reviewer_three]))).all())

        # Keep the first SHORT_ACTIVITIES activities of the short community (and what hangs on the rest).
        dropped = select(Activity.id).where(Activity.community_id == short_id).order_by(
            Activity.starts_at, Activity.id).offset(SHORT_ACTIVITIES).scalar_subquery()
        dropped_ids = list(db.session.scalars(select(Activity.id).where(Activity.id.in_(dropped))))
        for table_column in (Attendance.activity_id, Feedback.activity_id, Speaker.activity_id,
                             activity_schools.c.activity_id):
            db.session.execute(delete(table_column.table).where(table_column.in_(dropped_ids)))
        db.session.execute(delete(Activity).where(Activity.id.in_(dropped_ids)))

        # The program: a copy of the PLC-100 preset over a period that holds today, saved by the service.
        services.install_presets()
        preset = db.session.scalars(select(Program).where(Program.key == "plc-100")).one()
        admin = db.session.get(User, bench_user_id)
        document = services.copy_document(preset)
        document.update(key="plc-bench", name="社群計畫（效能測試）",
                        period={"first": first_day.isoformat(), "last": last_day.isoformat()})
        program = services.create_program(document, admin)

        conveners = dict(db.session.execute(select(Membership.community_id, func.min(Membership.user_id)).where(
            Membership.community_id.in_(ids), Membership.role == "convener", Membership.left_at.is_(None))
            .group_by(Membership.community_id)).all())
        enrolled: dict[int, int] = {}
        for community in db.session.scalars(select(Community).where(Community.id.in_(ids))):
            convener = db.session.get(User, conveners.get(community.id, bench_user_id))
            enrollment = services.enrol(community, program, APPROVED, convener)
            services.confirm(enrollment, admin)
            enrolled[community.id] = enrollment.id
        db.session.commit()
        program_id = program.id

        held = db.session.execute(
            select(Activity.id, Activity.community_id, Activity.starts_at, Activity.ends_at, Activity.created_by_id,
                   Activity.minutes).where(Activity.community_id.in_(ids), Activity.cancelled_at.is_(None),
                                           Activity.ends_at < now).order_by(Activity.id)).all()
        db.session.remove()

    # Minutes for the held activities without (as the minutes form writes them), but every 23rd.
    text = ("## 討論\n\n- 學生作品分析與提問設計\n\n## 決議\n\n1. 下次公開授課前完成共同備課\n\n"
            "## 下一步\n\n- 整理觀課紀錄")
    html = str(render_markdown(text))
    minutes = [{"b_id": row.id, "minutes": text, "minutes_html": html,
                "minutes_updated_at": row.ends_at + dt.timedelta(days=1), "minutes_updated_by_id": row.created_by_id}
               for row in held if not row.minutes and row.id % NO_MINUTES_EVERY]
    no_minutes = {row.id for row in held if not row.minutes and not row.id % NO_MINUTES_EVERY}

    # Photos (1–3 per held activity, every 31st without) and a video in every community: blob and evidence rows
    # as activities/services.add_evidence writes them.
    blobs: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    with app.app_context():
        next_blob = (db.session.scalar(select(func.max(Blob.id))) or 0) + 1
        db.session.remove()

    def blob(name: str, size: int, media_type: str, created: dt.datetime) -> int:
        blobs.append({"id": next_blob + len(blobs), "sha256": _sha(name), "size": size, "media_type": media_type,
                      "created_at": created})
        return blobs[-1]["id"]

    filmed: set[int] = set()
    for row in held:
        added = row.ends_at + dt.timedelta(hours=rng.randint(1, 48))
        if row.id % NO_PHOTO_EVERY:
            for number in range(rng.randint(1, 3)):
                size = rng.randint(800_000, 3_500_000)
                evidence.append({"activity_id": row.id, "blob_id": blob(f"photo-{row.id}-{number}", size,
                                                                        "image/jpeg", added),
                                 "kind": "photo", "filename": f"IMG_{row.id:06d}_{number}.jpg",
                                 "media_type": "image/jpeg", "size": size, "caption": "", "uploader_id":
                                 row.created_by_id, "created_at": added, "deleted_at": None})
        if row.community_id not in filmed and row.id % 7 == 0:
            filmed.add(row.community_id)
            size = rng.randint(50_000_000, 400_000_000)
            evidence.append({"activity_id": row.id, "blob_id": blob(f"video-{row.id}", size, "video/mp4", added),
                             "kind": "video", "filename": f"活動錄影_{row.id}.mp4", "media_type": "video/mp4",
                             "size": size, "caption": "", "uploader_id": row.created_by_id, "created_at": added,
                             "deleted_at": None})

    # 100 expenses per enrolment within the caps, each with its receipt; the book list the materials need.
    held_by: dict[int, list[Any]] = {}
    for row in held:
        if first_day <= row.starts_at.astimezone(ZONE).date():
            held_by.setdefault(row.community_id, []).append(row)
    expenses: list[dict[str, Any]] = []
    books: list[dict[str, Any]] = []
    for community_id, enrollment_id in enrolled.items():
        sessions = held_by.get(community_id, [])
        convener = conveners.get(community_id, bench_user_id)
        number = 0
        for category, count, amount, hours, persons in EXPENSES:
            for _ in range(count):
                number += 1
                session = rng.choice(sessions) if sessions else None
                day = session.starts_at.astimezone(ZONE).date() if session is not None else today
                created = now - dt.timedelta(days=(today - day).days) + dt.timedelta(hours=2)
                expenses.append({
                    "enrollment_id": enrollment_id, "category": category, "spent_on": day, "amount": amount,
                    "hours": hours, "persons": persons, "payee": "全聯福利中心" if category == "refreshments" else
                    "王小明", "description": f"{category} #{number}",
                    "activity_id": session.id if session is not None and category in PER_SESSION else None,
                    "receipt_blob_id": blob(f"receipt-{enrollment_id}-{number}", 180_000, "application/pdf",
                                            created),
                    "receipt_filename": f"收據_{number:03d}.pdf", "claimable": True, "breaches": [], "version": 1,
                    "created_by_id": convener, "created_at": created, "updated_at": created, "deleted_at": None})
        books += [{"enrollment_id": enrollment_id, "title": title, "author": "", "created_at": now,
                   "relevance": "本社群共讀，作為共同備課與公開授課的依據。", "deleted_at": None} for title in BOOKS]

    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(update(Activity).where(Activity.id == bindparam("b_id")), minutes)
            connection.execute(insert(Blob), blobs)
            connection.execute(insert(Evidence), evidence)
            connection.execute(insert(Expense), expenses)
            connection.execute(insert(BookListItem), books)
            connection.exec_driver_sql("ANALYZE")
        with app.test_request_context():
            counted = dict(db.session.execute(select(Activity.community_id, func.count()).where(
                Activity.community_id.in_([1, short_id]), Activity.cancelled_at.is_(None),
                Activity.starts_at >= dt.datetime.combine(first_day, dt.time(), ZONE)).group_by(
                Activity.community_id)).all())
            home_enrollment = db.session.scalar(select(Enrollment.id).where(Enrollment.community_id == 1))
        db.session.remove()
        db.engine.dispose()  # release the file before gunicorn opens it
    rows.update({"community_schools": len(links), "programs": 1, "enrollments": len(enrolled),
                 "minutes written": len(minutes), "held without minutes": len(no_minutes), "blobs": len(blobs),
                 "activity_evidence": len(evidence), "expenses": len(expenses), "book_list_items": len(books),
                 "activities deleted (short community)": len(dropped_ids)})
    return SeededCompliance(
        program_id=program_id, home_slug=slugs[1], short_slug=slugs[short_id], short_community_id=short_id,
        home_enrollment_id=home_enrollment or 0,
        reviewers={200: emails[bench_user_id], 50: emails[reviewer_two], 1: emails[reviewer_three]},
        activities={slugs[1]: counted.get(1, 0), slugs[short_id]: counted.get(short_id, 0)}, rows=rows,
        seconds=time.perf_counter() - started)
