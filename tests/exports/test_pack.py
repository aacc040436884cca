"""The evidence pack: opened with zipfile and checked against the store and its own manifest and checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale

from tests.exports.pack_helpers import blob_bytes, open_zip, pack_world
from workspace.activities import records
from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.core.records import Period
from workspace.exports import pack
from workspace.extensions import db


def download(client, world, lang: str = "zh_Hant") -> bytes:
    client.login(world.convener)
    response = client.get(world.url(lang))
    assert response.status_code == 200, response.status_code
    return response.get_data()


def folders_of(archive) -> list[str]:
    return sorted({name.split("/")[0] for name in archive.namelist() if "/" in name})


def test_the_pack_holds_a_folder_per_activity_with_its_minutes_and_evidence_bytes_for_bytes(client, ctx):
    world = pack_world()
    archive = open_zip(download(client, world))
    assert folders_of(archive) == ["2025-09-10 五年級數學共同備課", "2025-10-08 觀議課", "2025-11-05 共讀_討論？"]
    first = "2025-09-10 五年級數學共同備課/"
    names = set(archive.namelist())
    assert {first + "教室.png", first + "教室 (2).png", first + "公開課錄影.mp4", first + "觀察表.txt",
            first + "簽到表.png", first + "會議記錄.txt"} <= names
    for evidence, name in zip(world.evidence[:5], ["教室.png", "教室 (2).png", "公開課錄影.mp4", "觀察表.txt",
                                                   "簽到表.png"], strict=True):
        assert archive.read(first + name) == blob_bytes(evidence), name
    minutes = archive.read(first + "會議記錄.txt").decode("utf-8")
    assert "# 五年級數學共同備課" in minutes and "討論了教學觀察的重點。" in minutes
    assert "- 日期：2025年9月10日" in minutes and "2025-09-10" not in minutes  # the reader's day and colon
    assert "2025-10-08 觀議課/會議記錄.txt" not in names  # no minutes written: no minutes file
    # Photos and video stored as they are; text deflated.
    assert archive.getinfo(first + "公開課錄影.mp4").compress_type == 0
    assert archive.getinfo(first + "教室.png").compress_type == 0
    assert archive.getinfo(first + "會議記錄.txt").compress_type == 8
    assert archive.namelist()[-2:] == ["manifest.json", "SHA256SUMS"]


def test_manifest_and_sha256sums_match_every_member_and_sha256sum_checks_them(client, ctx, tmp_path):
    world = pack_world()
    archive = open_zip(download(client, world))
    manifest = json.loads(archive.read("manifest.json"))
    files = [name for name in archive.namelist() if not name.endswith("/") and name not in pack.MANIFEST + pack.SUMS]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files)
    for name in files:
        data = archive.read(name)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert listed[name]["size"] == len(data)
    photo = listed["2025-09-10 五年級數學共同備課/教室.png"]
    assert photo["kind"] == "photo" and photo["activity"]["title"] == "五年級數學共同備課"
    assert photo["activity"]["date"] == "2025-09-10" and photo["activity"]["id"] == world.activities[0].id
    assert listed["2025-09-10 五年級數學共同備課/簽到表.png"]["kind"] == "sheet"
    # In the deployment's time zone (Asia/Taipei), with its offset, not UTC.
    assert dt.datetime.fromisoformat(manifest["generated_at"]).utcoffset() == dt.timedelta(hours=8)
    sums = archive.read("SHA256SUMS").decode("utf-8").splitlines()
    assert len(sums) == len(files) + 1  # and manifest.json
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    archive.extractall(tmp_path)
    assert shutil.which("sha256sum"), "sha256sum (GNU coreutils) is what a reviewer checks with: it must be here"
    checked = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(files) + 1


def test_removed_evidence_and_cancelled_activities_are_left_out(client, ctx):
    world = pack_world()
    activities.remove_evidence(world.evidence[0], actor=world.convener)
    activities.cancel_activity(db.session.get(Activity, world.activities[1].id), "颱風停課", actor=world.convener)
    db.session.commit()
    archive = open_zip(download(client, world))
    assert folders_of(archive) == ["2025-09-10 五年級數學共同備課", "2025-11-05 共讀_討論？"]
    names = archive.namelist()
    assert "2025-09-10 五年級數學共同備課/教室 (2).png" not in names
    assert archive.read("2025-09-10 五年級數學共同備課/教室.png") == blob_bytes(world.evidence[1])
    manifest = json.loads(archive.read("manifest.json"))
    assert world.activities[1].id not in {entry["activity"]["id"] for entry in manifest["files"] if entry["activity"]}


def test_duplicate_titles_on_the_same_day_get_distinct_folders(client, ctx):
    world = pack_world()
    for hour in (9, 16):
        world.enrolled.club.activity("五年級數學共同備課", starts=dt.datetime(2025, 9, 10, hour, 0))
    world.enrolled.club.activity("五年級數學共同備課".upper(), starts=dt.datetime(2025, 9, 10, 18, 0))
    archive = open_zip(download(client, world))
    same_day = [name for name in folders_of(archive) if name.startswith("2025-09-10")]
    assert sorted(same_day) == ["2025-09-10 五年級數學共同備課", "2025-09-10 五年級數學共同備課 (2)",
                                "2025-09-10 五年級數學共同備課 (3)", "2025-09-10 五年級數學共同備課 (4)"]


def test_naughty_titles_give_safe_names(client, ctx):
    world = pack_world()
    for title in ("../../etc/passwd", "..", "CON", "a" * 190, 'x:*?"<>|\\y', "   結尾點.  "):
        world.enrolled.club.activity(title, starts=dt.datetime(2025, 12, 1, 9, 0))
    archive = open_zip(download(client, world))
    for name in archive.namelist():
        parts = name.rstrip("/").split("/")
        assert ".." not in parts and not name.startswith("/")
        for part in parts:
            assert not set(part) & set('\\:*?"<>|\x00'), name
            assert part == part.strip(" ."), name
            assert len(part) <= 120, name
    december = [name for name in folders_of(archive) if name.startswith("2025-12-01")]
    assert len(december) == 6 and len(set(december)) == 6
    assert "2025-12-01 _CON" in december and "2025-12-01 結尾點" in december


@pytest.mark.parametrize(("raw", "safe"), [
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"), ("../../x", "_.._x"), ("nul\x00byte\x1f", "nulbyte"),
    ("  trailing dots...  ", "trailing dots"), ("CON.txt", "_CON.txt"), ("", "_"), ("中文檔名.png", "中文檔名.png"),
])
def test_safe_name(raw, safe):
    assert pack.safe_name(raw) == safe


def test_a_very_long_name_keeps_its_extension_and_fits_a_file_system_in_bytes():
    """QA: a receipt named by a 200-character purpose was 328 bytes long, over the 255 of ext4 and APFS: unzip
    refused it."""
    name = pack.safe_name("長" * 300 + ".jpg")
    assert name.endswith(".jpg") and len(name.encode()) <= pack.MAX_NAME_BYTES < 255 - len(" (99)")
    assert len(name.encode()) > pack.MAX_NAME_BYTES - 3  # cut at the bytes, not shorter
    latin = pack.safe_name("a" * 300 + ".jpg")
    assert len(latin) == pack.MAX_NAME and latin.endswith(".jpg")  # the character limit still holds
    folder = pack.folder_name(dt.date(2026, 11, 20), "教" * 200)
    assert folder.startswith("2026-11-20 教") and len(folder.encode()) <= pack.MAX_NAME_BYTES


def test_english_minutes_and_an_unknown_language_falls_back(client, ctx):
    world = pack_world()
    archive = open_zip(download(client, world, "en"))
    assert "2025-09-10 五年級數學共同備課/minutes.txt" in archive.namelist()
    assert "## Minutes" in archive.read("2025-09-10 五年級數學共同備課/minutes.txt").decode()
    archive = open_zip(download(client, world, "xx"))  # not a language: the reader's own, never an error
    assert any(name.endswith(tuple(pack.MINUTES_NAMES.values())) for name in archive.namelist())


def test_the_response_streams_folders_first_and_builds_the_manifest_last(client, ctx):
    world = pack_world()
    started: list[str] = []

    def watch(_sender, path: str) -> None:
        started.append(path)

    client.login(world.convener)
    with pack.entry_started.connected_to(watch):
        response = client.get(world.url())
        assert response.status_code == 200 and response.is_streamed
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        assert response.headers["Content-Disposition"].endswith(".zip")
        chunks = iter(response.response)
        first = next(chunks)
        assert first.startswith(b"PK\x03\x04")
        assert len(started) <= 1 and "manifest.json" not in started  # nothing else built yet
        rest = b"".join(chunks)
    assert started[-2:] == ["manifest.json", "SHA256SUMS"]
    assert started.index("2025-09-10 五年級數學共同備課/會議記錄.txt") < started.index("manifest.json")
    archive = open_zip(first + rest)
    assert "manifest.json" in archive.namelist()


def test_the_download_leaves_an_audit_event(client, ctx):
    from workspace.core.models import AuditEvent

    world = pack_world()
    download(client, world)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export.downloaded")).one()
    assert event.data["document"] == "evidence_pack" and event.data["language"] == "zh_Hant"


def test_unknown_and_foreign_enrolments_are_not_found(client, ctx):
    world, other = pack_world("club"), pack_world("other")
    client.login(world.convener)
    for url in (f"/c/{world.slug}/exports/99999/evidence.zip", f"/c/{world.slug}/exports/abc/evidence.zip",
                f"/c/{world.slug}/exports/{other.enrollment.id}/evidence.zip"):
        assert client.get(url).status_code == 404, url


def test_a_missing_blob_file_is_left_out_not_a_failure(client, ctx):
    world = pack_world()
    Path(pack.blob_path(world.evidence[2].blob)).unlink()
    archive = open_zip(download(client, world))
    assert "2025-09-10 五年級數學共同備課/公開課錄影.mp4" not in archive.namelist()


def test_evidence_files_leave_out_removed_files_and_cancelled_activities(ctx):
    world = pack_world()
    period = Period(dt.date(2025, 8, 1), dt.date(2026, 7, 31))
    ids = [world.enrollment.community_id]
    found = records.evidence_files(ids, period)
    ordered = [(world.activities.index(next(a for a in world.activities if a.id == item.activity_id)), item.kind,
                item.id) for item in found]
    assert ordered == sorted(ordered)  # by activity, then kind, then upload
    assert {item.id for item in found} == {item.id for item in world.evidence}
    assert {item.kind for item in found} == {"photo", "video", "document", "sheet"}
    assert all(item.sha256 == db.session.get(type(world.evidence[0]), item.id).blob.sha256 for item in found)
    activities.remove_evidence(world.evidence[0], actor=world.convener)
    activities.cancel_activity(db.session.get(Activity, world.activities[1].id), "停課", actor=world.convener)
    db.session.commit()
    left = {item.id for item in records.evidence_files(ids, period)}
    assert world.evidence[0].id not in left and world.evidence[5].id not in left
    assert left == {item.id for item in world.evidence[1:5]}
    assert {item.kind for item in records.evidence_files(ids, period, kinds=("sheet",))} == {"sheet"}
    assert world.activities[1].id not in records.activity_texts(ids, period)


def test_documents_come_after_the_folders_with_their_checksums_and_a_failing_one_is_left_out(ctx):
    from workspace.core.storage import build_file
    from workspace.exports.files import CSV, DOCX, ExportFile

    world = pack_world()
    big = build_file(".csv")
    big.write_bytes("日期,活動\n".encode() * 50_000)

    def broken() -> ExportFile:
        raise RuntimeError("the template is damaged")

    planned = pack.plan_pack(world.enrollment, "zh_Hant", documents=[
        ("results_report", lambda: ExportFile("成果報告.docx", DOCX, data=b"PK docx bytes")),
        ("ledger_xlsx", broken),
        ("ledger_csv", lambda: ExportFile("活動紀錄.csv", CSV, path=big))])
    archive = open_zip(b"".join(planned.chunks()))
    names = archive.namelist()
    assert names.index("成果報告.docx") > max(names.index(name) for name in names if "/" in name)
    assert names[-4:] == ["成果報告.docx", "活動紀錄.csv", "manifest.json", "SHA256SUMS"]
    listed = {entry["path"]: entry for entry in json.loads(archive.read("manifest.json"))["files"]}
    assert listed["活動紀錄.csv"]["sha256"] == hashlib.sha256(archive.read("活動紀錄.csv")).hexdigest()
    assert listed["成果報告.docx"]["kind"] == "results_report" and listed["活動紀錄.csv"]["activity"] is None
    assert archive.getinfo("活動紀錄.csv").compress_type == 8 and archive.getinfo("成果報告.docx").compress_type == 0
    assert not big.exists()  # a builder's temporary file is gone once streamed


def test_a_frozen_pack_is_written_to_disk_with_its_checksum(ctx, tmp_path):
    world = pack_world()
    target = tmp_path / "pack.zip"
    digest, size = pack.plan_pack(world.enrollment, "zh_Hans", documents=[]).write_to(target)
    data = target.read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest and len(data) == size
    assert "2025-09-10 五年級數學共同備課/会议记录.txt" in open_zip(data).namelist()


def test_a_period_without_activities_gives_a_pack_of_the_documents_alone(client, ctx):
    from tests.compliance.helpers import enrolled

    world = enrolled("quiet")
    client.login(world.club.convener)
    response = client.get(f"/c/{world.slug}/exports/{world.enrollment.id}/evidence.zip")
    archive = open_zip(response.get_data())
    names = archive.namelist()
    assert names[-2:] == ["manifest.json", "SHA256SUMS"] and not any("/" in name for name in names)  # no folders
    manifest = json.loads(archive.read("manifest.json"))
    assert {item["kind"] for item in manifest["files"]} == {"results_report", "ledger_xlsx", "ledger_csv"}
    assert manifest["period"] == {"first": "2025-08-01", "last": "2026-07-31"}
    assert archive.read("SHA256SUMS").decode().splitlines() == [
        f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}" for name in names[:-1]]


def test_planning_the_pack_takes_the_same_queries_whatever_the_number_of_files(ctx, count_queries):
    from tests.exports.pack_helpers import add_file
    from tests.media import png_bytes

    world = pack_world()
    enrollment = world.enrollment
    _ = enrollment.program, enrollment.community
    with count_queries() as few:
        pack.plan_pack(enrollment, "zh_Hant", documents=[])
    for number in range(4):
        activity = world.enrolled.activity(dt.date(2026, 1, 5 + number), title=f"活動 {number}", photo=False)
        add_file(world, activity, png_bytes(color=(number * 40, 10, 10)), f"photo-{number}.png")
    db.session.expire_all()
    enrollment = db.session.get(type(enrollment), enrollment.id)
    _ = enrollment.program, enrollment.community
    with count_queries() as many:
        planned = pack.plan_pack(enrollment, "zh_Hant", documents=[])
    assert len(planned.members) > 10
    assert len(many) == len(few) == 5  # activities, their texts, their files, the receipts, the program (once)


def test_an_activity_still_to_come_with_nothing_yet_has_no_empty_folder(ctx):
    """A pack made before the period ends holds the held activities; one still to come with no record or file
    gets no folder (an empty folder read as evidence missing)."""
    from tests.exports.sheets_data import community_year

    year = community_year("coming")
    built = pack.plan_pack(year.enrollment, "en")
    assert not any(folder.startswith(f"{year.later.starts_at:%Y}") and "下學期共同備課" in folder
                   for folder in built.folders)
    assert len([folder for folder in built.folders if folder != "receipts/"]) == len(year.held)


def test_the_manifest_names_the_program_in_the_pack_s_script_whatever_the_reader_s(client, ctx):
    from workspace.core.i18n import script_converter

    world = pack_world()
    world.convener.locale = "zh_Hant"  # the reader reads Traditional; the pack is asked in Simplified
    db.session.commit()
    manifest = json.loads(open_zip(download(client, world, "zh_Hans")).read("manifest.json"))
    name = world.enrollment.program.name
    assert manifest["program"] == script_converter("t2s").convert(name) != name


def test_the_minutes_own_headings_sit_under_the_file_s_sections(app):
    """「## 會議記錄」 followed at once by the minutes' own 「## 觀察」 read as an empty section; code is left as is."""
    text = records.ActivityText(activity_id=1, place="", minutes="## 觀察\n重點\n```\n## 程式碼\n```\n#不是標題",
                                outcomes="# 成果一\n## 細節")
    with app.test_request_context(), force_locale("en"):
        written = pack.minutes_text("共同備課", dt.date(2025, 9, 10), text)
    assert "- Date: Sep 10, 2025" in written
    assert "## Minutes\n\n### 觀察\n重點\n```\n## 程式碼\n```\n#不是標題" in written
    assert "## Outcomes\n\n### 成果一\n#### 細節" in written


def test_a_pairs_private_meeting_has_a_note_in_its_folder_never_its_minutes_or_files(client, ctx):
    """QA: the county reviewer's pack held a pair's meeting minutes ("黃老師談到與家長溝通的壓力…") under the
    neutral title. Its folder now says it was held and counted, and what the pair keeps, in the pack's language."""
    world = pack_world()
    meeting = world.activities[0]
    meeting.private = True
    db.session.commit()
    archive = open_zip(download(client, world))
    folder = "2025-09-10 僅限師徒雙方的輔導紀錄/"
    names = [name for name in archive.namelist() if name.startswith(folder) and name != folder]
    assert names == [folder + "僅限師徒雙方.txt"]
    note = archive.read(folder + "僅限師徒雙方.txt").decode("utf-8")
    # Its minutes were typed on the activity (no pair's log here): they go into no export, so they claim nothing
    # (QA round 13: the checklist and the pack said "minutes written" of text nobody downstream ever read).
    assert "已撰寫會議記錄：否" in note and "5 個檔案" in note
    manifest = json.loads(archive.read("manifest.json"))
    about = [entry for entry in manifest["files"] if (entry.get("activity") or {}).get("id") == meeting.id]
    assert [entry["path"] for entry in about] == [folder + "僅限師徒雙方.txt"]


def test_each_receipt_is_filed_under_its_expense_for_the_funder_s_audit(client, ctx):
    """QA: the earmarking rule (專款專用) asks for the receipts, and the pack held none of the ones on file."""
    import io

    from tests.media import png_bytes
    from workspace.compliance.services import budget
    from workspace.core.storage import blob_path, store_upload

    world = pack_world()
    spent = world.enrollment.program.first_day + dt.timedelta(days=30)
    photo = png_bytes(color="purple")
    kept = budget.add_expense(world.enrollment, budget.ExpenseFields(
        "external_speaker_hourly", spent, 3_200, hours=2, payee="林講師"), world.convener,
        receipt=store_upload(io.BytesIO(photo), "IMG_0001.PNG"))
    budget.add_expense(world.enrollment, budget.ExpenseFields("printing_materials", spent, 150), world.convener)
    budget.add_expense(world.enrollment, budget.ExpenseFields("printing_materials", spent, 120, description="講義"),
                       world.convener, receipt=store_upload(io.BytesIO(png_bytes(color="teal")), "scan.png"))
    gone = budget.add_expense(world.enrollment, budget.ExpenseFields("printing_materials", spent, 100), world.convener,
                              receipt=store_upload(io.BytesIO(png_bytes(color="gray")), "trashed.png"))
    budget.trash_expense(gone, world.convener)
    db.session.commit()
    archive = open_zip(download(client, world))
    receipts = [name for name in archive.namelist() if name.startswith("經費單據/") and not name.endswith("/")]
    assert receipts == [f"經費單據/{spent.isoformat()} 外聘講座鐘點費 林講師.png",  # the trashed one left out
                        f"經費單據/{spent.isoformat()} 印刷費－學習資料 講義.png"]  # no payee: what it was for
    assert archive.read(receipts[0]) == blob_path(kept.receipt).read_bytes()  # the stored receipt, as the ledger has it
    manifest = json.loads(archive.read("manifest.json"))
    entry = next(item for item in manifest["files"] if item["kind"] == "receipt" and item["expense"]["id"] == kept.id)
    assert entry["expense"] == {"id": kept.id, "date": spent.isoformat(), "category": "外聘講座鐘點費",
                                "payee": "林講師", "amount": 3_200, "claimable": True}
    english = open_zip(download(client, world, "en"))
    assert any(name.startswith("receipts/") for name in english.namelist())


def test_both_file_names_carry_the_same_day_when_the_pack_is_made_at_midnight(client, ctx, monkeypatch):
    """The day is read once: the UTF-8 name and the plain ASCII name of one download never say two days."""
    world = pack_world()
    clock = iter([dt.datetime(2026, 12, 3, 15, 59, 59, 999000), dt.datetime(2026, 12, 3, 16, 0, 0, 1000)])
    last = [dt.datetime(2026, 12, 3, 16, 0, 0, 1000)]

    def ticking() -> dt.datetime:  # Taipei midnight (16:00 UTC) falls between the first read and any later one
        last[0] = next(clock, last[0])
        return last[0]

    monkeypatch.setattr(pack, "utcnow", ticking)
    client.login(world.convener)
    disposition = client.get(world.url()).headers["Content-Disposition"]
    plain = disposition.split("filename=")[1].split(";")[0]
    assert "2026-12-03" in plain and "2026-12-03" in disposition.split("filename*=UTF-8''")[1]
    assert "2026-12-04" not in disposition
