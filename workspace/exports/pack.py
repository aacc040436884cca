"""The evidence pack (佐證資料): one ZIP for the funder, streamed as it is made.

It holds a folder per activity of the enrolment's program period (`2027-03-15 共同備課`, Chinese kept), with the
activity's minutes (`會議記錄.md` / `会议记录.md` / `minutes.md`) and its photos, videos, documents and scanned
sign-in sheets; then the results report and the ledgers; then `manifest.json` (every file: path, size, SHA-256,
what it is, its activity) and `SHA256SUMS` (checkable with `sha256sum -c`).

How it stays small whatever its size:
- every row is read up front (`plan_pack`, inside the request); streaming then reads files from disk in chunks;
- an evidence file's checksum is its blob's (the store names the file by it): nothing is read twice;
- photos, videos and office files are stored as they are (ZIP_STORED: they are compressed already), text is
  deflated; zipstream-ng writes ZIP64 records when a member or the archive needs them;
- the activity folders go out first; the report and the ledgers are built only once they are streamed (the first
  bytes leave at once), each in an app context and database session of its own (the request's has ended by
  then), the manifest and the checksums last, from what was streamed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zipfile import ZIP_DEFLATED, ZIP_STORED
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from zipstream import ZipStream

from workspace.activities import records as activity_records
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.i18n import in_reader_script, local_date
from workspace.core.records import Period, local_day
from workspace.core.storage import blob_path
from workspace.exports import ledger, report
from workspace.exports import wording as export_wording
from workspace.exports.files import (
    CSV,
    MAX_NAME_BYTES,
    ZIP,
    ExportFile,
    Progress,
    ascii_export_name,
    export_filename,
    no_progress,
)

logger = logging.getLogger(__name__)

CHUNK = 256 * 1024  # bytes read from disk at a time
MAX_TITLE = 80  # characters of an activity's title kept in its folder's name
MAX_NAME = 120  # characters of a file's name inside a folder
UNSAFE = re.compile(r'[/\\:*?"<>|]')  # not allowed in a file name on Windows, or a path separator elsewhere
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                              *(f"LPT{n}" for n in range(1, 10))})
# Plain text (the minutes are written in Markdown, which reads as text): a school PC opens .txt with a double
# click, and asks what to do with .md.
MINUTES_NAMES = {"zh_Hant": "會議記錄.txt", "zh_Hans": "会议记录.txt", "en": "minutes.txt"}
# A pair's private meeting or observation: its folder holds this note instead of its minutes and files.
KEPT_TO_THE_PAIR_NAMES = {"zh_Hant": "僅限師徒雙方.txt", "zh_Hans": "仅限师徒双方.txt", "en": "kept-to-the-pair.txt"}
# The expenses' receipts, for the funder's audit of earmarked spending (專款專用): a folder after the activities'.
RECEIPTS_FOLDERS = {"zh_Hant": "經費單據", "zh_Hans": "经费单据", "en": "receipts"}
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"

signals = Namespace()
entry_started = signals.signal("exports.pack.entry_started")
"""Sent with `path=` as each member of a pack starts streaming (the tests watch the order and the laziness)."""


# --- names -------------------------------------------------------------------------------------------------


def safe_name(text: str, *, limit: int = MAX_NAME, fallback: str = "_", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file or folder name every OS accepts: no control characters (NUL …), none of / \\ : * ? \" < > |, no
    leading or trailing dots and spaces, not a reserved Windows device name, at most `limit` characters and
    `max_bytes` bytes in UTF-8 (its extension kept)."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(char for char in text if not unicodedata.category(char).startswith("C"))
    text = UNSAFE.sub("_", text)
    text = " ".join(text.split())
    text = text.strip(" .")
    if len(text) > limit or len(text.encode()) > max_bytes:
        stem, dot, extension = text.rpartition(".")
        if not (dot and stem and 1 <= len(extension) <= 8):
            stem, extension = text, ""
        suffix = "." + extension if extension else ""
        stem = stem[: limit - len(suffix)]
        while stem and len((stem + suffix).encode()) > max_bytes:
            stem = stem[:-1]
        text = stem.rstrip(" .") + suffix
    if not text or (set(text) <= {"_"} and fallback != "_"):
        return fallback
    if text.split(".")[0].upper() in WINDOWS_RESERVED:
        text = "_" + text
    return text


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)` … when taken (compared ignoring case: Windows and macOS do)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or "/" in extension:
        stem, extension = name, ""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number})" + (f".{extension}" if extension else "")
    taken.add(candidate.casefold())
    return candidate


def folder_name(day: dt.date, title: str) -> str:
    """`2027-03-15 共同備課`: the activity's local day and its title, cleaned for every OS."""
    prefix = f"{day.isoformat()} "
    return (prefix + safe_name(title, limit=MAX_TITLE, fallback="", max_bytes=MAX_NAME_BYTES - len(prefix))).rstrip()


# --- the plan: every row read before the first byte is sent ------------------------------------------------


@dataclass
class Member:
    """One file of the pack: where it goes, what it is, and where its bytes come from (a file, or bytes)."""

    path: str
    kind: str  # minutes, photo, video, document, sheet, results_report, ledger_xlsx, ledger_csv
    media_type: str
    size: int = 0
    sha256: str = ""
    source: Path | None = None
    data: bytes | None = None
    activity: dict[str, Any] | None = None  # {"id", "date", "title"}
    remove_after: bool = False  # a builder's temporary file, deleted once streamed
    expense: dict[str, Any] | None = None  # a receipt's expense: {"id", "date", "category", "payee", "amount"}

    def describe(self) -> dict[str, Any]:
        """The member as manifest.json lists it (a receipt with its expense)."""
        described = {"path": self.path, "size": self.size, "sha256": self.sha256, "kind": self.kind,
                     "media_type": self.media_type, "activity": self.activity}
        return {**described, "expense": self.expense} if self.expense else described


Document = Callable[[], ExportFile]  # a builder of the report or a ledger, run when its turn comes


@dataclass
class EvidencePack:
    """A pack ready to stream: its file name, the activity folders' members (read from the database), and the
    documents to build once the folders are out."""

    filename: str
    language: str
    about: dict[str, Any]
    folders: list[str]
    members: list[Member]
    documents: list[tuple[str, Document]] = field(default_factory=list)
    streamed: list[Member] = field(default_factory=list)
    keep_built: bool = False  # a document's temporary file stays after streaming (the freezer keeps it next)
    zone: dt.tzinfo = dt.UTC  # the deployment's time zone (TIMEZONE), for generated_at
    day: dt.date | None = None  # the day the pack is dated: its file name and the plain ASCII name say the same day
    withdrawn_on: dt.date | None = None  # the enrolment's withdrawal (both names carry the mark, the manifest the day)

    def chunks(self) -> Iterator[bytes]:
        """The ZIP's bytes, in order: folders, documents, manifest.json, SHA256SUMS."""
        archive = ZipStream(compress_type=ZIP_STORED)
        for folder in self.folders:
            archive.mkdir(folder)
        for member in self.members:
            self._queue(archive, member)
        yield from archive.all_files()
        for kind, build in self.documents:
            built = built_or_none(kind, build)
            if built is None:
                continue
            member = _document_member(kind, built, taken={m.path.casefold() for m in self.members + self.streamed})
            member.remove_after = member.source is not None and not self.keep_built
            self._queue(archive, member)
            yield from archive.all_files()
        # The deployment's local time with its offset (2026-12-03T16:43:18+08:00), as the pack's dates are.
        generated_at = utcnow().astimezone(self.zone).isoformat(timespec="seconds")
        manifest = json.dumps({**self.about, "generated_at": generated_at,
                               "files": [member.describe() for member in self.streamed]},
                              ensure_ascii=False, indent=2).encode("utf-8")
        self._queue(archive, Member(MANIFEST, "manifest", "application/json", data=manifest))
        yield from archive.all_files()
        # GNU coreutils' format: "<sha256>  <path>", text mode; `sha256sum -c SHA256SUMS` checks every file.
        sums = "".join(f"{member.sha256}  {member.path}\n" for member in self.streamed).encode("utf-8")
        self._queue(archive, Member(SUMS, "checksums", "text/plain", data=sums))
        yield from archive.finalize()

    def _queue(self, archive: ZipStream, member: Member) -> None:
        compress = ZIP_DEFLATED if _compressible(member.media_type) else ZIP_STORED
        if member.data is not None:
            member.size = len(member.data)
            member.sha256 = member.sha256 or hashlib.sha256(member.data).hexdigest()
        archive.add(self._read(member), member.path, size=member.size, compress_type=compress)

    def _read(self, member: Member) -> Iterator[bytes]:
        """The member's bytes, lazily: a file in chunks (hashed on the way when its checksum is not known)."""
        entry_started.send(self, path=member.path)
        if member.data is not None:
            self.streamed.append(member)
            yield member.data
            return
        digest = None if member.sha256 else hashlib.sha256()
        try:
            with open(member.source, "rb") as handle:  # type: ignore[arg-type]
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    if digest is not None:
                        digest.update(chunk)
                    yield chunk
        finally:
            if member.remove_after and member.source is not None:
                member.source.unlink(missing_ok=True)
        if digest is not None:
            member.sha256 = digest.hexdigest()
        self.streamed.append(member)

    def write_to(self, path: Path) -> tuple[str, int]:
        """Write the whole pack to `path` (a frozen submission), hashing as it goes; return (sha256, size)."""
        digest, size = hashlib.sha256(), 0
        with open(path, "wb") as out:
            for chunk in self.chunks():
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return digest.hexdigest(), size


def _compressible(media_type: str) -> bool:
    """Text is deflated; images, video, audio, PDF and office files are compressed already: stored as they are."""
    return media_type.startswith("text/") or media_type in {"application/json", CSV}


def built_or_none(kind: str, build: Document) -> ExportFile | None:
    """A document, or None when its builder fails: a streamed pack has sent its folders already, so it goes out
    with everything else, the log says what is missing and the manifest lists what is there. (A frozen submission
    does not use this: there a failed document fails the job.)"""
    try:
        return build()
    except Exception:  # one document that cannot be built must not cost the person the whole pack
        logger.exception("evidence pack without the %s: it could not be built", kind)
    return None


def _document_member(kind: str, built: ExportFile, *, taken: set[str]) -> Member:
    name = _unique(safe_name(built.filename), taken)
    if built.data is not None:
        return Member(name, kind, built.media_type, data=built.data)
    assert built.path is not None
    return Member(name, kind, built.media_type, size=built.path.stat().st_size, source=built.path)


_HEADING = re.compile(r"^(#{1,6})(?=\s)")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def _below_sections(markdown: str) -> str:
    """The minutes' own headings moved under the file's sections, their highest at ### (## 觀察 right under
    ## 會議記錄 read as an empty section followed by its sibling); fenced code is left as written."""
    lines = markdown.splitlines()
    heading_lines, fenced = [], False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (found := _HEADING.match(line)):
            heading_lines.append((index, len(found.group(1))))
    if not heading_lines:
        return markdown
    shift = max(0, 3 - min(level for _index, level in heading_lines))
    for index, level in heading_lines:
        lines[index] = "#" * min(6, level + shift) + lines[index][level:]
    return "\n".join(lines)


def minutes_text(title: str, day: dt.date, text: activity_records.ActivityText) -> str:
    """An activity's minutes and outcomes as Markdown, with its title, day and place (in the current locale: the
    day as the reader writes one, 2025年9月10日, and the label's colon in their punctuation)."""
    minutes, outcomes = _("Minutes"), _("Outcomes")
    lines = [f"# {title}", "", "- " + _("%(label)s: %(value)s", label=_("Date"), value=local_date(day))]
    if text.place.strip():
        lines.append("- " + _("%(label)s: %(value)s", label=_("Place"), value=text.place.strip()))
    if text.minutes.strip():
        lines += ["", f"## {minutes}", "", _below_sections(text.minutes.strip())]
    if text.outcomes.strip():
        lines += ["", f"## {outcomes}", "", _below_sections(text.outcomes.strip())]
    return "\n".join(lines) + "\n"


def kept_to_the_pair_text(activity: activity_records.ActivityRecord) -> str:
    """The note in a private activity's folder: that it was held and counted, and what the pair keeps of it."""
    files = activity.photos + activity.videos + activity.documents + activity.sheets
    return "\n".join([
        _("This mentoring meeting or observation counts among the community's activities; its records are kept "
          "to the mentor and the new teacher and are not in this pack."),
        _("Minutes written: %(answer)s", answer=_("Yes") if activity.has_minutes else _("No")),
        ngettext("%(num)d file kept with it", "%(num)d files kept with it", files),
    ]) + "\n"


def build_ledger(kind: str, enrollment: Any, language: str) -> ExportFile:
    """The activity ledger as XLSX (`ledger_xlsx`) or CSV (`ledger_csv`)."""
    builders = {"ledger_xlsx": ledger.ledger_xlsx, "ledger_csv": ledger.ledger_csv}
    return builders[kind](enrollment, language)


def default_documents(enrollment: Any, language: str, progress: Progress = no_progress) -> list[tuple[str, Document]]:
    """The report and both ledgers, each built (in `language`) when the pack reaches them.

    Each is built in an app context of its own, with its own database session that it ends: the response
    streams after its request has ended, and the request's session is not touched again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined] - the app itself, not the proxy
    enrollment_id = enrollment.id

    def in_own_context(build: Callable[[Any], ExportFile]) -> Document:
        def run() -> ExportFile:
            from workspace.compliance.models import Enrollment
            from workspace.extensions import db

            with app.app_context(), force_locale(language):
                try:
                    return build(db.session.get(Enrollment, enrollment_id))
                finally:
                    db.session.remove()
        return run

    # The pack's report lists the photos its folders hold instead of placing them (memory stays flat).
    def report_of(found: Any) -> ExportFile:
        return report.results_report(found, language, progress=progress, photos_inline=False)

    return [("results_report", in_own_context(report_of)),
            ("ledger_xlsx", in_own_context(lambda found: build_ledger("ledger_xlsx", found, language))),
            ("ledger_csv", in_own_context(lambda found: build_ledger("ledger_csv", found, language)))]


def pack_filename(enrollment: Any, language: str, day: dt.date, withdrawn_on: dt.date | None = None) -> str:
    """`佐證資料包-五年級數學社群-PLC-100-2026-12-03.zip`, in the pack's language, dated `day`, the day it is made (as
    the report and the ledgers beside it are: the program's last day read as a date in the future); a withdrawn
    enrolment's carries the mark after the program's code (…-PLC-100-已退出-2026-12-03.zip)."""
    with force_locale(language):
        return export_filename(_("Evidence pack"), enrollment.community.name, program=enrollment.program.code,
                               mark=export_wording.withdrawn_mark(withdrawn_on), day=day, extension="zip")


def ascii_pack_name(pack: EvidencePack, program_code: str) -> str:
    """The pack's plain ASCII name, for clients that read only it: the same program, mark and day."""
    return ascii_export_name("evidence-pack", program=program_code, withdrawn=pack.withdrawn_on is not None,
                             day=pack.day, extension="zip")


def plan_pack(enrollment: Any, language: str, *, documents: list[tuple[str, Document]] | None = None,
              keep_built: bool = False, now: dt.datetime | None = None) -> EvidencePack:
    """Read everything the pack of `enrollment` holds (five queries, whatever the number of files), in
    `language`; nothing is streamed yet.

    `documents` are the report and ledgers to add after the folders (default: built when reached);
    `keep_built` leaves a document's temporary file in place once streamed (else it is deleted); `now`: the moment
    the pack is of (a submission's: when it was handed in, as its report and ledger are), which dates it."""
    program = enrollment.program
    period = Period(program.first_day, program.last_day)
    community_ids = [enrollment.community_id]
    with force_locale(language):  # a pair's private activity is named in the pack's language (private_title)
        activities = activity_records.activities(community_ids, period)
    texts = activity_records.activity_texts(community_ids, period)
    evidence: dict[int, list[activity_records.EvidenceFile]] = {}
    for item in activity_records.evidence_files(community_ids, period):
        evidence.setdefault(item.activity_id, []).append(item)
    folders: list[str] = []
    members: list[Member] = []
    taken_folders: set[str] = set()
    with force_locale(language):
        for activity in activities:
            text = texts.get(activity.id)
            has_minutes = text is not None and bool(text.minutes.strip() or text.outcomes.strip())
            if not activity.held and (activity.private or (not has_minutes and activity.id not in evidence)):
                continue  # an activity still to come with nothing yet: no empty folder
            day = local_day(activity.starts_at)
            folder = _unique(folder_name(day, activity.title), taken_folders)
            folders.append(folder + "/")
            about = {"id": activity.id, "date": day.isoformat(), "title": activity.title}
            taken: set[str] = set()
            if activity.private:  # counted; what it holds is the pair's: a note says what there is
                name = _unique(KEPT_TO_THE_PAIR_NAMES.get(language, "kept-to-the-pair.txt"), taken)
                members.append(Member(f"{folder}/{name}", "note", "text/plain",
                                      data=kept_to_the_pair_text(activity).encode("utf-8"), activity=about))
            if has_minutes:
                name = _unique(MINUTES_NAMES.get(language, "minutes.txt"), taken)
                members.append(Member(f"{folder}/{name}", "minutes", "text/plain",
                                      data=minutes_text(activity.title, day, text).encode("utf-8"), activity=about))
            for item in evidence.get(activity.id, ()):
                source = _blob_file(item)
                if source is None:
                    continue
                name = _unique(safe_name(item.filename, fallback=f"{item.kind}-{item.id}"), taken)
                members.append(Member(f"{folder}/{name}", item.kind, item.media_type, size=source.stat().st_size,
                                      sha256=item.sha256, source=source, activity=about))
    folders_of_receipts, receipts = _receipts(enrollment, language)
    folders += folders_of_receipts
    members += receipts
    now = now or utcnow()  # read once: a pack made at midnight is not dated two days in its two names
    today, withdrawn_on = local_day(now), export_wording.withdrawn_on(enrollment, now)
    with force_locale(language):  # the program's name in the pack's script, as its documents write it
        program_name = in_reader_script(program.name)
        # a withdrawn enrolment's pack says so: the day (ISO) and the line its report and ledger open with
        withdrawn = {"on": withdrawn_on.isoformat(), "note": export_wording.withdrawn_text(withdrawn_on)} \
            if withdrawn_on is not None else None
    about = {"community": enrollment.community.name, "program": program_name,
             "period": {"first": program.first_day.isoformat(), "last": program.last_day.isoformat()},
             "language": language, "withdrawn": withdrawn}
    return EvidencePack(filename=pack_filename(enrollment, language, today, withdrawn_on), day=today,
                        withdrawn_on=withdrawn_on, language=language, about=about, folders=folders, members=members,
                        documents=default_documents(enrollment, language) if documents is None else documents,
                        keep_built=keep_built, zone=ZoneInfo(current_app.config["TIMEZONE"]))


def _receipts(enrollment: Any, language: str) -> tuple[list[str], list[Member]]:
    """The receipts folder and its files: each live expense's receipt, named by its day, category and payee (else
    what it was for) in the pack's language (`2026-10-02 外聘講座鐘點費 林講師.jpg`). None without a receipt: no
    folder."""
    expenses = budget.receipts_of(enrollment)
    if not expenses:
        return [], []
    with force_locale(language):
        names = budget.category_names(enrollment)
    folder = RECEIPTS_FOLDERS.get(language, "receipts")
    members: list[Member] = []
    taken: set[str] = set()
    for expense in expenses:
        source = blob_path(expense.receipt)
        if not source.is_file():
            logger.error("the receipt of expense %s (blob %s) is missing from the store: left out of the pack",
                         expense.id, expense.receipt.sha256)
            continue
        category = names.get(expense.category, expense.category)
        extension = Path(expense.receipt_filename or "").suffix.lower()[:10]
        # the payee tells two receipts of a day apart; without one, what it was for does (研討茶水, 期末分享會點心)
        which = expense.payee or expense.description
        name = safe_name(" ".join(part for part in (expense.spent_on.isoformat(), category, which) if part)
                         + extension)
        members.append(Member(f"{folder}/{_unique(name, taken)}", "receipt", expense.receipt.media_type,
                              size=source.stat().st_size, sha256=expense.receipt.sha256, source=source,
                              expense={"id": expense.id, "date": expense.spent_on.isoformat(), "category": category,
                                       "payee": expense.payee, "amount": expense.amount,
                                       "claimable": expense.claimable}))
    return ([folder + "/"] if members else []), members


def _blob_file(item: activity_records.EvidenceFile) -> Path | None:
    """Where an evidence file's bytes are (None, logged, when the store lost them: the pack goes out without)."""
    path = blob_path(SimpleNamespace(sha256=item.sha256))  # type: ignore[arg-type] - it reads only the checksum
    if not path.is_file():
        logger.error("evidence %s (blob %s) is missing from the store: left out of the pack", item.id, item.sha256)
        return None
    return path


def stream(pack: EvidencePack) -> Iterable[bytes]:
    """The pack's bytes (for a streamed response)."""
    return pack.chunks()


__all__ = ["ZIP", "EvidencePack", "Member", "ascii_pack_name", "build_ledger", "default_documents",
           "entry_started", "folder_name", "minutes_text", "pack_filename", "plan_pack", "safe_name"]
