"""Add an evidence-pack-sized community-year to a bench database: the home community (the bench user co-convenes
it) enrolled in a copy of PLC-100 over the last year, with 300 activities (minutes for most), 2,000 photos (small
JPEGs made with Pillow, each distinct: random noise) and one 200-MB video, all real files in the store.

On top of bench/seed.py (users, communities, the login). The program and the enrolment go through the services;
activities, blobs and evidence rows are bulk-inserted with SQLAlchemy Core, with the columns the services write.
The files are written to their content address (UPLOAD_DIR/<sha[:2]>/<sha[2:4]>/<sha>) as the store keeps them;
the video is written in 1-MB chunks of random bytes while it is hashed, never held in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

RANDOM_SEED = 20261203
ZONE = ZoneInfo("Asia/Taipei")
ACTIVITIES = 300
PHOTOS = 2_000
VIDEO_MB = int(os.environ.get("BENCH_EXPORTS_VIDEO_MB") or 200)
MB = 1024 * 1024
TITLES = ("共同備課", "公開授課", "觀課與議課", "專業對話", "共讀：學習共同體", "教材研發", "學生作品分析",
          "差異化教學工作坊", "素養導向評量設計", "期末成果分享")
MINUTES = ("## 討論\n\n- 學生作品分析與提問設計\n- 分組合作的觀察重點\n\n## 決議\n\n1. 下次公開授課前完成共同備課\n\n"
           "## 下一步\n\n- 整理觀課紀錄")


@dataclass(frozen=True)
class SeededExports:
    """What the exports benchmark measures: the home community, its enrolment, the sizes, the rows added."""

    home_slug: str
    enrollment_id: int
    evidence_bytes: int
    rows: dict[str, int]
    seconds: float


def _place(upload_dir: Path, sha256: str, source: bytes | Path) -> None:
    target = upload_dir / sha256[:2] / sha256[2:4] / sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        os.replace(source, target)


def _photo(rng: random.Random) -> bytes:
    """A small JPEG of noise (distinct bytes each time: a blob of its own)."""
    from PIL import Image

    width, height = rng.choice(((160, 120), (200, 150), (240, 180)))
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def _video(upload_dir: Path, size: int) -> tuple[str, int]:
    """A `size`-byte MP4-named file of random bytes, written in chunks while hashed, then moved into place."""
    from tests.media import mp4_prefix

    temp = upload_dir / "tmp" / "bench-video.part"
    temp.parent.mkdir(parents=True, exist_ok=True)
    digest, written = hashlib.sha256(), 0
    with temp.open("wb") as out:
        head = mp4_prefix(size)
        out.write(head)
        digest.update(head)
        written = len(head)
        while written < size:
            chunk = os.urandom(min(MB, size - written))
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    sha256 = digest.hexdigest()
    _place(upload_dir, sha256, temp)
    return sha256, written


def seed_exports(app: Any, upload_dir: Path, *, bench_user_id: int = 1, community_id: int = 1) -> SeededExports:
    """Enrol the home community over the last year and give it 300 activities with 2,000 photos and a video."""
    from workspace.activities.models import Activity, Evidence
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.compliance import services
    from workspace.compliance.models import Program
    from workspace.core.models import Blob
    from workspace.core.text import render_markdown
    from workspace.extensions import db

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(ZONE).date()
    first_day, last_day = today - dt.timedelta(days=366), today - dt.timedelta(days=1)
    with app.test_request_context():
        services.install_presets()
        preset = db.session.scalars(select(Program).where(Program.key == "plc-100")).one()
        actor = db.session.get(User, bench_user_id)
        document = services.copy_document(preset)
        document.update(key="plc-exports-bench", name="社群計畫（匯出效能測試）",
                        period={"first": first_day.isoformat(), "last": last_day.isoformat()})
        program = services.create_program(document, actor)
        community = db.session.get(Community, community_id)
        enrollment = services.enrol(community, program, 80_000, actor)
        services.confirm(enrollment, actor)
        db.session.commit()
        enrollment_id, slug = enrollment.id, community.slug
        next_activity = (db.session.scalar(select(func.max(Activity.id))) or 0) + 1
        next_blob = (db.session.scalar(select(func.max(Blob.id))) or 0) + 1
        db.session.remove()

    html = str(render_markdown(MINUTES))
    activity_rows: list[dict[str, Any]] = []
    for number in range(ACTIVITIES):
        day = first_day + dt.timedelta(days=int(number * 365 / ACTIVITIES))
        starts = dt.datetime.combine(day, dt.time(15, 0), ZONE).astimezone(dt.UTC)
        with_minutes = number % 10 != 0
        activity_rows.append({
            "id": next_activity + number, "community_id": community_id,
            "title": f"{TITLES[number % len(TITLES)]}（第 {number // len(TITLES) + 1} 次）",
            "method": "collaborative_planning", "mode": "offline", "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=2), "place": "自然教室", "meeting_url": "", "agenda": "",
            "agenda_html": "", "subjects": ["數學"], "tags": [], "series_key": None, "copied_from_id": None,
            "cancelled_at": None, "cancel_reason": "", "minutes": MINUTES if with_minutes else "",
            "minutes_html": html if with_minutes else "", "outcomes": "", "outcomes_html": "",
            "sign_in_nonce": "", "version": 1, "created_at": now, "created_by_id": bench_user_id})
    blobs: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    total = 0

    def add(sha256: str, size: int, media_type: str, kind: str, filename: str, activity: dict[str, Any]) -> None:
        blobs.append({"id": next_blob + len(blobs), "sha256": sha256, "size": size, "media_type": media_type,
                      "created_at": now})
        evidence.append({"activity_id": activity["id"], "blob_id": blobs[-1]["id"], "kind": kind,
                         "filename": filename, "media_type": media_type, "size": size, "caption": "",
                         "uploader_id": bench_user_id, "created_at": activity["ends_at"], "deleted_at": None})

    for number in range(PHOTOS):
        data = _photo(rng)
        sha256 = hashlib.sha256(data).hexdigest()
        _place(upload_dir, sha256, data)
        activity = activity_rows[number % ACTIVITIES]
        add(sha256, len(data), "image/jpeg", "photo", f"IMG_{number:05d}.jpg", activity)
        total += len(data)
    sha256, size = _video(upload_dir, VIDEO_MB * MB)
    add(sha256, size, "video/mp4", "video", "公開授課錄影.mp4", activity_rows[ACTIVITIES // 2])
    total += size

    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(insert(Activity), activity_rows)
            connection.execute(insert(Blob), blobs)
            connection.execute(insert(Evidence), evidence)
            connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()  # release the file before gunicorn opens it
    rows = {"activities": len(activity_rows), "photos": PHOTOS, "videos": 1, "blobs": len(blobs)}
    return SeededExports(home_slug=slug, enrollment_id=enrollment_id, evidence_bytes=total, rows=rows,
                         seconds=time.perf_counter() - started)
