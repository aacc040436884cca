"""What every export builder hands back, and the few things they all share: the file (bytes, or a temporary file
for a large one), the progress callback, the export languages and the file name in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

from workspace.core.docx import DOCX_TYPE
from workspace.core.storage import MAX_FILENAME_LENGTH, titled_filename

LANGUAGES = ("zh_Hant", "zh_Hans", "en")  # what a report, a ledger or a plan may be written in
DOCX = DOCX_TYPE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
ZIP = "application/zip"

# A name's bytes in UTF-8: ext4 and APFS refuse a name over 255 (120 Chinese characters are 360), and the name may
# still take " (2)" to be told from another.
MAX_NAME_BYTES = 240
# An export's own name leaves room for a submission round's label after it (-第12次送審: freeze.round_filename).
EXPORT_NAME_BYTES = MAX_NAME_BYTES - 32

Progress = Callable[[int, int, str], None]
"""Called by a long builder as it goes: (steps done, steps in all, what it is doing: a code such as `photos`)."""


def no_progress(_done: int, _total: int, _step: str) -> None:
    """The progress callback of a build nobody watches (a download answered at once)."""


@dataclass(frozen=True)
class ExportFile:
    """A built export: its name in the reader's language, its media type, and its bytes or (for a large file) a
    temporary file from `core.storage.build_file` that whoever keeps it moves into the store."""

    filename: str
    media_type: str
    data: bytes | None = None
    path: Path | None = None
    ascii_name: str | None = None  # the plain `filename` for old clients, when the title's ASCII says nothing

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("an ExportFile holds either bytes or a path")


def _tail(program: str, mark: str, day: dt.date | None, at: dt.datetime | None) -> list[str]:
    """What follows a name's words, never shortened: the program's code, a mark (withdrawn), the day, and for a
    built export the local time it was built (2314), the day being that moment's."""
    clock = ""
    if at is not None:
        local = at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
        day, clock = day or local.date(), f"{local:%H%M}"
    return [word for word in (program.strip(), mark.strip(), day.isoformat() if day is not None else "", clock)
            if word]


def export_filename(*parts: str, program: str = "", day: dt.date | None = None, extension: str,
                    mark: str = "", at: dt.datetime | None = None) -> str:
    """`成果報告-五年級數學社群-PLC-100-2027-06-30.docx`: the parts that are not blank, the program's code (a
    community in two programs downloads two files, not one file twice), the day, cleaned for every system.

    `mark`: a word after the program's code (已退出: a withdrawn enrolment's files say so in their names). `at`: the
    moment a background build was made: its local time follows the day (…-2027-06-30-2314.docx), so that two
    builds of one day are two names, not a file and its "(1)" copy.

    At most EXPORT_NAME_BYTES in UTF-8: a long name (a community's, a template's) is shortened, never the first
    part (what the file is), the program, the mark, the day or the time, which tell one file from another."""
    words = [part.strip() for part in parts if part and part.strip()]
    tail = _tail(program, mark, day, at)
    while True:
        joined = "-".join(words + tail)
        name = titled_filename(joined, extension)
        cuttable = range(1, len(words))
        fits = len(name.encode()) <= EXPORT_NAME_BYTES and len(joined) + len(extension) < MAX_FILENAME_LENGTH
        if fits or not cuttable:
            return name
        longest = max(cuttable, key=lambda index: len(words[index].encode()))
        words[longest] = words[longest][:-1].rstrip()
        if not words[longest]:
            del words[longest]


def ascii_export_name(kind: str, *, program: str = "", day: dt.date | None = None, extension: str,
                      withdrawn: bool = False, at: dt.datetime | None = None) -> str:
    """The plain `filename` of an export for clients that read only it (curl -OJ, some mail programs), where a
    Chinese title's ASCII says nothing (活動帳冊-社群-PLC-100-2026-12-03 → PLC-100-2026-12-03): what the file is in
    English (`kind`: activity-ledger), then the program's code, `withdrawn` for a withdrawn enrolment's file, the
    day and a built export's time, as `export_filename` names them."""
    return "-".join([kind, *_tail(program, "withdrawn" if withdrawn else "", day, at)]) + "." + extension


def language_or_default(value: str | None, default: str = "zh_Hant") -> str:
    """One of LANGUAGES: `value` when it is one, else the default (an unknown ?lang= never fails an export)."""
    return value if value in LANGUAGES else (default if default in LANGUAGES else "zh_Hant")
