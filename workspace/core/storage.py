"""Content-addressed file storage shared by every area: checked uploads in, permission-free downloads out.

An upload is streamed to a temporary file under UPLOAD_DIR/tmp, hashed, sniffed from its bytes, checked
(size, allowlist, archive safety, image limits), images are re-encoded without metadata, and only then
is the file renamed into place at UPLOAD_DIR/<sha[:2]>/<sha[2:4]>/<sha>. Callers check permissions.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import quote

from flask import Flask, Request, Response, abort, current_app, g, send_file
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from workspace.core.containers import ContainerCheck, NotAContainer, container_check
from workspace.core.database import fresh_snapshot
from workspace.core.errors import ValidationError
from workspace.core.extract import extract_text as read_text
from workspace.core.models import Blob
from workspace.extensions import db

MB = 1024 * 1024
CHUNK_SIZE = 64 * 1024
# Enough bytes to recognise every allowed format (and the size limit that applies) up front.
HEAD_SIZE = 8 * 1024
MAX_FILENAME_LENGTH = 200
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_BYTES = 200 * MB
# [Content_Types].xml and ODF's mimetype are read into memory, so they get their own small caps.
MAX_MANIFEST_BYTES = 1 * MB
TEMP_DIR_NAME = "tmp"
# Downloads sit behind a permission check: cache in the user's own browser only, and briefly, so
# that a revoked permission stops working soon; the ETag (the SHA-256) makes revalidation cheap.
CACHE_SECONDS = 300
# Our own file CSP: nothing may run. Firefox's built-in image/media documents and PDF viewers load
# the file itself as an image/media subresource and style themselves with inline styles, so those
# two are allowed; frame-ancestors lets only our own pages embed a preview.
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"

ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
    "application/vnd.oasis.opendocument.text": "document",
    "application/vnd.oasis.opendocument.spreadsheet": "document",
    "application/vnd.oasis.opendocument.presentation": "document",
    "text/plain": "text",
    "text/markdown": "text",
    "text/csv": "text",
    "image/jpeg": "image",
    "image/png": "image",
    "image/gif": "image",
    "image/webp": "image",
    "video/mp4": "video",
    "video/webm": "video",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
}

# The first extension is the one added when a name lacks a fitting one; text/plain keeps any name.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "text/plain": (".txt",),
    "text/markdown": (".md", ".markdown"),
    "text/csv": (".csv",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "video/mp4": (".mp4", ".m4v"),
    "video/webm": (".webm",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a", ".m4b"),
}

# The extensions that promise a kind of file plain text is not: text named so is refused (`_mislabelled_text`).
_BINARY_EXTENSIONS = frozenset(extension for media_type, extensions in EXTENSIONS.items()
                               if not media_type.startswith("text/") for extension in extensions)
# What each of those is called when a file named so is not one ("not in PDF format").
FORMAT_NAMES = {
    ".pdf": "PDF", ".docx": "Word", ".xlsx": "Excel", ".pptx": "PowerPoint", ".odt": "OpenDocument",
    ".ods": "OpenDocument", ".odp": "OpenDocument", ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG",
    ".png": "PNG", ".gif": "GIF", ".webp": "WebP", ".mp4": "MP4", ".m4v": "MP4", ".webm": "WebM", ".mp3": "MP3",
    ".m4a": "M4A", ".m4b": "M4A",
}

INLINE_CATEGORIES = frozenset({"image", "video", "audio"})
INLINE_TYPES = frozenset({"application/pdf"})
# Files the app builds but nobody may upload (an evidence pack): served with their own type, always as attachments.
BUILT_TYPES = frozenset({"application/zip"})
# Audio takes the video limit: an hour of meeting recording is larger than the document limit.
LARGE_CATEGORIES = frozenset({"video", "audio"})

PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/"),
}
ODF_TYPES = frozenset({
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
})

# Names a double-click would run, whatever the bytes inside (plain-text scripts sniff as text).
PROGRAM_EXTENSIONS = frozenset({
    ".exe", ".dll", ".com", ".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".vbs", ".vbe", ".js", ".jse",
    ".mjs", ".wsf", ".wsh", ".wsc", ".msi", ".msp", ".mst", ".scr", ".pif", ".cpl", ".hta", ".jar",
    ".apk", ".app", ".sh", ".bash", ".csh", ".ksh", ".zsh", ".command", ".lnk", ".reg", ".inf",
    ".sys", ".drv", ".ocx", ".gadget", ".application", ".appref-ms", ".msc", ".scf", ".url",
    ".elf", ".bin", ".run", ".so", ".dylib", ".class", ".ipa", ".xbap",
})
# Names a browser or Office would open as active content, even from a plain-text body.
UNSAFE_EXTENSIONS = frozenset({
    ".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg", ".svgz", ".mht", ".mhtml", ".xsl", ".xslt",
    ".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppam", ".ppsm", ".sldm",
    ".iso", ".img", ".vhd", ".vhdx", ".dmg",
})

# (magic prefix, offset) of programs refused even when renamed.
PROGRAM_SIGNATURES: tuple[tuple[bytes, int], ...] = (
    (b"MZ", 0),  # Windows PE / DOS
    (b"\x7fELF", 0),
    (b"\xfe\xed\xfa\xce", 0), (b"\xfe\xed\xfa\xcf", 0), (b"\xce\xfa\xed\xfe", 0), (b"\xcf\xfa\xed\xfe", 0),
    (b"\xca\xfe\xba\xbe", 0),  # Java class and universal Mach-O share this
    (b"\x00asm", 0),  # WebAssembly
    (b"dex\n", 0),  # Android
    (b"L\x00\x00\x00\x01\x14\x02\x00", 0),  # Windows shortcut
    (b"#!", 0), (b"\xef\xbb\xbf#!", 0),  # scripts with an interpreter line
)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WINDOWS_RESERVED_CHARS = re.compile(r'[<>:"|?*]')
# NUL and the C0 controls that never occur in text (tab, line breaks, form feed, DOS EOF and ESC do).
BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1c-\x1f]")
ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._()+\- ]+")


class UploadRejected(ValidationError):
    """The upload is refused; `reason` says why (empty, too_large, type, program, damaged, not_media, pixels,
    archive)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, field="file")
        self.reason = reason


def _reject(reason: str, **values: object) -> UploadRejected:
    """Build the rejection for `reason` in the user's language."""
    messages = {
        "empty": _l("The file is empty. Choose a file with content."),
        "too_large": _l("The file is larger than %(limit)s MB, the most allowed here.", **values),
        "type": _l(
            "This kind of file is not accepted. Upload PDF, Word, Excel, PowerPoint or OpenDocument files, "
            "text, images (JPEG, PNG, GIF, WebP), MP4 or WebM videos, or MP3 or M4A audio."
        ),
        "legacy_office": _l(
            "Old Office files (.doc, .xls, .ppt) and password-protected documents are not accepted. "
            "Save the file as .docx, .xlsx or .pptx without a password and upload it again."
        ),
        "program": _l("This file looks like a program or a script, which cannot be uploaded."),
        "damaged": _l("The file seems to be damaged and cannot be read."),
        "not_document": _l("This file is not a %(kind)s document that can be read, though its name ends in "
                           "%(extension)s: it may be damaged or another kind of file. Open it in %(kind)s, save it "
                           "again and upload it.", **values),
        "looks_like_page": _l("This file is not in %(kind)s format, though its name ends in %(extension)s: its "
                              "content looks like a web page (HTML). Save or export it as %(kind)s and upload it "
                              "again.", **values),
        "looks_like_svg": _l("This file is not in %(kind)s format, though its name ends in %(extension)s: its "
                             "content looks like an SVG drawing. Save or export it as %(kind)s and upload it again.",
                             **values),
        "looks_like_text": _l("This file is not in %(kind)s format, though its name ends in %(extension)s: its "
                              "content is plain text. Save or export it as %(kind)s and upload it again.", **values),
        "not_media": _l(
            "This file starts like an MP4 or WebM video (or M4A audio) but is not a complete one: it may be "
            "damaged, cut short or another kind of file. Export it again and upload it once more."
        ),
        "pixels": _l("The image is too large (more than %(megapixels)s megapixels). Make it smaller and try again.",
                     **values),
        "animation": _l("The animation is too long or too large. Shorten it and try again."),
        "archive_size": _l("The document has too many parts or is too large when unpacked."),
        "archive_paths": _l("The document contains unsafe file paths and was refused."),
    }
    public_reason = {"legacy_office": "type", "animation": "pixels", "not_document": "type"}.get(reason, reason)
    if reason.startswith("looks_like"):
        public_reason = "type"
    if reason.startswith("archive"):
        public_reason = "archive"
    return UploadRejected(str(messages[reason]), public_reason)


@dataclass(frozen=True)
class StoredFile:
    """The outcome of an upload: the blob, the cleaned original name, the sniffed type and size."""

    blob: Blob
    filename: str
    media_type: str
    size: int
    is_new: bool
    text: str | None = None  # the file's text, when the upload was checked with extract_text=True
    text_extracted: bool = False


# Paths


def upload_root() -> Path:
    """Return the configured upload directory."""
    return Path(current_app.config["UPLOAD_DIR"])


def _path_for(sha256: str) -> Path:
    return upload_root() / sha256[:2] / sha256[2:4] / sha256


def blob_path(blob: Blob) -> Path:
    """Return where the bytes of `blob` live on disk."""
    return _path_for(blob.sha256)


def open_blob(blob: Blob) -> BinaryIO:
    """Open the bytes of `blob` for reading (the caller closes it)."""
    return blob_path(blob).open("rb")


def _temp_dir() -> Path:
    # Inside UPLOAD_DIR, so that the final rename stays on one file system and is atomic.
    directory = upload_root() / TEMP_DIR_NAME
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _new_temp_file(suffix: str = ".part") -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(dir=_temp_dir(), prefix="upload-", suffix=suffix)
    return fd, Path(name)


# Uploads as the request is parsed


SPOOL_IN_MEMORY = 500 * 1024  # requests up to this size parse into memory, as Werkzeug's default does


class SpooledUpload(io.BufferedRandom):
    """An uploaded file part as the request parser writes it: a file in the store's own temp folder.

    Werkzeug's default spools large parts to the system's temp folder (often a RAM disk) and store_upload then
    copied them into the store: a 500-MB video was written twice. Spooled here, on the blobs' file system,
    storing it is a rename."""

    def __init__(self) -> None:
        fd, path = _new_temp_file(".upload")
        # Buffered: a raw file's write() may write less than it was given, and the parser does not check.
        super().__init__(io.FileIO(fd, "r+", closefd=True), buffer_size=CHUNK_SIZE)
        self.path: Path | None = path  # None once its bytes were moved into the store


class UploadRequest(Request):
    """The app's request class: upload parts of large requests go to a SpooledUpload; once the body is in,
    the request's reads see what others saved while it arrived."""

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        fresh_snapshot()

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= SPOOL_IN_MEMORY:
            return io.BytesIO()
        spooled = SpooledUpload()
        if not hasattr(g, "spooled_uploads"):
            g.spooled_uploads = []
        g.spooled_uploads.append(spooled)
        return spooled


def _remove_spooled_uploads(_error: BaseException | None = None) -> None:
    """After each request: the parts nobody stored (refused, or a form sent again) leave the temp folder."""
    for spooled in g.pop("spooled_uploads", ()):
        spooled.close()
        if spooled.path is not None:
            spooled.path.unlink(missing_ok=True)


def install(app: Flask) -> None:
    """Parse uploads into the store's temp folder, and clear what a request left there."""
    app.request_class = UploadRequest
    app.teardown_request(_remove_spooled_uploads)


def remove_stale_temp_files(older_than_seconds: int = 24 * 3600) -> int:
    """Delete temporary upload files left by killed workers and return how many were removed."""
    directory = upload_root() / TEMP_DIR_NAME
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in directory.iterdir():
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


# File names


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    # A name like ".docx" or "a.verylongthingthatisnotanextension" has no extension worth keeping.
    if not dot or not stem or not 1 <= len(extension) <= 16 or " " in extension:
        return name, ""
    return stem, "." + extension


def clean_filename(name: str) -> str:
    """Return a safe display name: Unicode kept, no directories or control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control, format (e.g. right-to-left override, which disguises "fdp.exe"), surrogate and private use.
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = WINDOWS_RESERVED_CHARS.sub("_", name)
    name = " ".join(name.split())
    name = name.lstrip(". ").rstrip(". ")
    if not name:
        return "file"
    stem, extension = _split_extension(name)
    if len(name) > MAX_FILENAME_LENGTH:
        stem = stem[: MAX_FILENAME_LENGTH - len(extension)].rstrip(". ")
        name = (stem or "file") + extension
    return name


def titled_filename(title: str, extension: str) -> str:
    """A file name built from a title (a plan's topic, a report's community): `分數／小數的乘法.docx`. A slash in a
    title is part of its words, not a folder: clean_filename, made for names that arrive with a path, kept only what
    followed the last one (`1/2 的加法` downloaded as `2 的加法.docx`)."""
    words = (title or "").replace("/", "／").replace("\\", "＼").strip() or "file"
    return clean_filename(f"{words}.{extension.lstrip('.')}")


def _extension(name: str) -> str:
    return _split_extension(name)[1].lower()


def _fit_extension(name: str, media_type: str) -> str:
    """Give the name an extension that matches the sniffed type, so that the OS opens it correctly."""
    extension = _extension(name)
    if media_type == "text/plain":
        # Plain text keeps its own extension (.py, .log, .tex …); text named as another kind of file ("photo.png")
        # was refused by _identify, and a name without an extension gets .txt.
        if extension and extension not in _BINARY_EXTENSIONS:
            return name
        return clean_filename(name[: MAX_FILENAME_LENGTH - 4] + ".txt")
    expected = EXTENSIONS[media_type]
    if extension in expected:
        return name
    stem = name[: MAX_FILENAME_LENGTH - len(expected[0])]
    return clean_filename(stem + expected[0])


def _ascii_fallback(name: str) -> str:
    """The name for clients that read only the plain filename (curl -OJ, some mail programs): the ASCII of the
    name; a Chinese name keeps only its date or year there (活動帳冊-社群-2026-12-03 → download-2026-12-03)."""
    stem, extension = _split_extension(name)
    simple = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    simple = " ".join(ASCII_UNSAFE.sub("_", simple).split())
    simple = re.sub(r"(?:\s+-)+\s+", " - ", simple).strip(" ._-")  # "report - 五年級 - day": one dash left
    simple = re.sub(r"-{2,}", "-", simple)  # "Activity ledger-社群-PLC-115": one dash where the Chinese was
    if not re.search(r"[A-Za-z]", simple):  # nothing left to name it by but its numbers (a date, a year): the
        # brackets and dashes of a Chinese title's ASCII say nothing ("download-().docx")
        simple = re.sub(r"[^0-9]+", "-", simple).strip("-")
        simple = f"download-{simple}" if simple else "download"
    extension = ASCII_UNSAFE.sub("", extension.encode("ascii", "ignore").decode("ascii"))
    return simple + (extension if len(extension) > 1 else "")


def content_disposition(filename: str, *, inline: bool = False, ascii_name: str | None = None) -> str:
    """Return a Content-Disposition value with an ASCII fallback and the RFC 5987 UTF-8 name. `ascii_name` names
    the file for clients that read only the plain filename when the name is not all ASCII (a Chinese title, whose
    ASCII would say nothing of what the file is); it is cleaned as the fallback is. An English name is its own."""
    name = clean_filename(filename)
    kind = "inline" if inline else "attachment"
    encoded = quote(name, safe="!#$&+-.^_`|~")
    fallback = _ascii_fallback(clean_filename(ascii_name) if ascii_name and not name.isascii() else name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


# Sniffing


def _is_mp3_frame(head: bytes) -> bool:
    # Frame sync (11 bits), MPEG version not reserved, layer III, bitrate index neither free nor bad.
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer, bitrate = (head[1] >> 3) & 3, (head[1] >> 1) & 3, head[2] >> 4
    return version != 1 and layer == 1 and bitrate not in (0, 15)


def _sniff_head(head: bytes) -> str | None:
    """Return the media type decided by the first bytes, None when the whole file must be read.

    Raises UploadRejected for programs and for formats refused outright.
    """
    for signature, offset in PROGRAM_SIGNATURES:
        if head[offset: offset + len(signature)] == signature:
            raise _reject("program")
    if head.startswith(OLE_SIGNATURE):
        # Legacy Office, encrypted OOXML and MSI installers all live in OLE containers.
        raise _reject("legacy_office")
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"qt  ", b"crx "):
            raise _reject("type")  # HEIC/AVIF photos and QuickTime movies are not in the allowlist
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" in head[:64]:
            return "video/webm"
        raise _reject("type")  # Matroska (.mkv)
    if (head.startswith(b"ID3") and head[3:4] in (b"\x02", b"\x03", b"\x04")) or _is_mp3_frame(head):
        return "audio/mpeg"
    if head.startswith(b"PK\x03\x04"):
        return None  # a ZIP: decided by _inspect_zip once the whole file is on disk
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")):
        raise _reject("type")
    return None  # maybe text: decided by _is_text on the whole file


def _unsafe_member(name: str) -> bool:
    if "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _reject("archive_size")
    with archive.open(info) as member:
        return member.read(MAX_MANIFEST_BYTES + 1)[:MAX_MANIFEST_BYTES]


def _inspect_zip(path: Path) -> str:
    """Return the OOXML or ODF type of the ZIP at `path` after checking it is safe to open."""
    try:
        with zipfile.ZipFile(path) as archive:
            # Only the central directory has been read so far; nothing is unpacked before these checks.
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_ENTRIES:
                raise _reject("archive_size")
            if sum(info.file_size for info in infos) > MAX_ARCHIVE_BYTES:
                raise _reject("archive_size")
            if any(_unsafe_member(info.filename) for info in infos):
                raise _reject("archive_paths")
            by_name = {info.filename: info for info in infos}
            if "mimetype" in by_name:
                declared = _read_member(archive, by_name["mimetype"]).decode("ascii", "replace").strip()
                if declared in ODF_TYPES:
                    return declared
                raise _reject("type")
            if "[Content_Types].xml" in by_name:
                # A byte search, not an XML parser: nothing in the manifest gets expanded or fetched.
                manifest = _read_member(archive, by_name["[Content_Types].xml"])
                for main_part, (media_type, folder) in OOXML_MAIN_PARTS.items():
                    if main_part.encode() in manifest and any(name.startswith(folder) for name in by_name):
                        return media_type
            raise _reject("type")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError,
            OSError) as error:
        raise _reject("damaged") from error


def _decodes_as_text(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly in `encoding` without binary control characters."""
    with path.open("rb") as handle:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
                if BINARY_CONTROLS.search(decoder.decode(chunk)):
                    return False
            return not BINARY_CONTROLS.search(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            return False


def _text_type(path: Path, filename: str) -> str | None:
    """Return the text type of the file, or None when it is not text free of binary controls.

    UTF-8 and UTF-16 (with a BOM) first; then Big5 (cp950) and GB18030, in which many teachers'
    older Chinese files were saved — only for text-like names, since those codecs accept almost
    any bytes.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8"]
        if _extension(filename) in (".txt", ".md", ".markdown", ".csv"):
            candidates += ["cp950", "gb18030"]
    if not any(_decodes_as_text(path, encoding) for encoding in candidates):
        return None
    extension = _extension(filename)
    if extension in (".md", ".markdown"):
        return "text/markdown"
    if extension == ".csv":
        return "text/csv"
    return "text/plain"


# The documents whose name says what they must be: one that is not is told so, not that Word files are refused.
DOCUMENT_KINDS = {".docx": "Word", ".xlsx": "Excel", ".pptx": "PowerPoint", ".odt": "OpenDocument",
                  ".ods": "OpenDocument", ".odp": "OpenDocument"}


def _identify(path: Path, head: bytes, filename: str) -> str:
    """Return the allowed media type of the complete file at `path`, or raise UploadRejected."""
    try:
        media_type = _sniff_head(head)
        if media_type is None and head.startswith(b"PK\x03\x04"):
            media_type = _inspect_zip(path)
        if media_type is None:
            media_type = _text_type(path, filename)
        if media_type is None or media_type not in ALLOWED_TYPES:
            raise _reject("type")
    except UploadRejected as refused:
        extension = _extension(filename)
        if refused.reason == "type" and extension in DOCUMENT_KINDS and not head.startswith(OLE_SIGNATURE):
            raise _reject("not_document", kind=DOCUMENT_KINDS[extension], extension=extension) from refused
        raise
    if ALLOWED_TYPES[media_type] == "text" and _extension(filename) in _BINARY_EXTENSIONS:
        # Text named "evil.pdf" (a web page, an SVG drawing, notes): refused as a receipt is, saying what it is.
        raise _mislabelled_text(path, _extension(filename))
    return media_type


# How a browser recognises a web page from its first bytes (WHATWG MIME Sniffing, "identifying a resource with an
# unknown MIME type"), and tags that say so further in.
_PAGE_START = re.compile(rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
                         rb"|!--)[\s>/]", re.IGNORECASE)
_PAGE_TAG = re.compile(rb"<(?:html|head|body|script|iframe|meta|form|object|embed)[\s>/]", re.IGNORECASE)
_SVG_START = re.compile(rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+svg[^>]*>\s*)?<svg[\s>/]",
                        re.IGNORECASE | re.DOTALL)


def _mislabelled_text(path: Path, extension: str) -> UploadRejected:
    """The refusal of a text file named as a PDF, a photo or a document, saying what its content looks like (a web
    page, an SVG drawing, plain text): served as text under a name it never had, it looked stored and useful."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", "ignore").encode("utf-8")
    head = head.removeprefix(codecs.BOM_UTF8).lstrip()
    looks = "text"
    if _SVG_START.match(head):
        looks = "svg"
    elif _PAGE_START.match(head) or _PAGE_TAG.search(head):
        looks = "page"
    elif re.search(rb"<svg[\s>/]", head, re.IGNORECASE):
        looks = "svg"
    return _reject(f"looks_like_{looks}", kind=FORMAT_NAMES.get(extension, extension.lstrip(".").upper()),
                   extension=extension)


def _limit_for(media_type: str | None) -> int:
    config = current_app.config
    if media_type and ALLOWED_TYPES.get(media_type) in LARGE_CATEGORIES:
        return int(config.get("MAX_VIDEO_UPLOAD_MB", 500)) * MB
    return int(config.get("MAX_UPLOAD_MB", 50)) * MB


def _too_large(limit: int) -> UploadRejected:
    megabytes = limit / MB
    shown = f"{megabytes:.0f}" if megabytes >= 10 or megabytes.is_integer() else f"{megabytes:.1f}"
    return _reject("too_large", limit=shown)


# Images


def _max_pixels() -> int:
    return int(current_app.config.get("MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def _check_pixels(width: int, height: int, frames: int = 1) -> None:
    limit = _max_pixels()
    if width * height > limit:
        raise _reject("pixels", megapixels=f"{limit / 1_000_000:g}")
    if width * height * frames > limit:
        raise _reject("animation")


def _open_image(path: Path, media_type: str) -> Image.Image:
    """Open an image with Pillow restricted to its sniffed format, refusing bombs and broken files."""
    try:
        image = Image.open(path, formats=[PILLOW_FORMATS[media_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject("pixels", megapixels=f"{_max_pixels() / 1_000_000:g}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _reject("damaged") from error
    return image


def _without_metadata(image: Image.Image) -> Image.Image:
    """Empty `info` of a freshly made image: Pillow writes comments, XMP and more back from it."""
    image.info = {}
    return image


def _save_image(image: Image.Image, media_type: str, target: BinaryIO) -> None:
    """Write the image in its own format without EXIF, XMP, comments or text chunks."""
    icc_profile = image.info.get("icc_profile")  # colour, not personal data: photos look wrong without it
    transparency = image.info.get("transparency")
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and media_type in ("image/gif", "image/webp"):
        durations, sequence = [], []
        for frame in ImageSequence.Iterator(image):
            durations.append(frame.info.get("duration", 100))
            sequence.append(_without_metadata(frame.convert("RGBA")))
        options: dict = {"save_all": True, "append_images": sequence[1:], "duration": durations,
                         "loop": image.info.get("loop", 0)}
        if media_type == "image/gif":
            options["disposal"] = 2
        else:
            options["quality"] = 90
        sequence[0].save(target, format=PILLOW_FORMATS[media_type], **options)
        return
    upright = _without_metadata(ImageOps.exif_transpose(image))  # always a new image
    extra: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if media_type == "image/jpeg":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(target, format="JPEG", quality=90, optimize=True, **extra)
    elif media_type == "image/png":
        if transparency is not None and upright.mode in ("P", "L", "RGB"):
            extra["transparency"] = transparency
        # optimize tries every filter: worth it for screenshots, too slow for huge images.
        upright.save(target, format="PNG", optimize=upright.width * upright.height <= 8_000_000, **extra)
    elif media_type == "image/gif":
        if transparency is not None and upright.mode == "P":
            extra["transparency"] = transparency
        extra.pop("icc_profile", None)
        upright.save(target, format="GIF", **extra)
    else:
        upright.save(target, format="WEBP", quality=90, **extra)


def _reencode_image(source: Path, media_type: str) -> tuple[Path, str, int]:
    """Re-encode the image at `source` into a new temp file; return (path, sha256, size)."""
    fd, target = _new_temp_file(".img")
    try:
        with os.fdopen(fd, "wb") as out, _open_image(source, media_type) as image:
            _check_pixels(image.width, image.height, getattr(image, "n_frames", 1))
            try:
                _save_image(image, media_type, out)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _reject("pixels", megapixels=f"{_max_pixels() / 1_000_000:g}") from None
            except (OSError, SyntaxError, ValueError, EOFError) as error:
                raise _reject("damaged") from error
        digest, size = _hash_file(target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise _reject("damaged")
    return target, digest, size


def image_dimensions(blob: Blob) -> tuple[int, int] | None:
    """Return (width, height) of an image blob from its header, None for other types or unreadable files."""
    if blob.media_type not in PILLOW_FORMATS:
        return None
    try:
        with Image.open(blob_path(blob), formats=[PILLOW_FORMATS[blob.media_type]]) as image:
            return image.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError):
        return None


# Placing files


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _move_into_place(temp: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp, target)
    # Make the rename itself durable before a database record can point at it.
    try:
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)


def find_blob(sha256: str) -> Blob | None:
    """Return the blob holding the bytes with this SHA-256, if any."""
    return db.session.scalar(select(Blob).where(Blob.sha256 == sha256))


def _record(sha256: str, size: int, media_type: str) -> tuple[Blob, bool]:
    """Return the Blob row for bytes already at their address, adding it only when new."""
    existing = find_blob(sha256)
    if existing is not None:
        return existing, False
    blob = Blob(sha256=sha256, size=size, media_type=media_type)
    try:
        # A savepoint: a concurrent upload of the same bytes may have inserted the row first.
        with db.session.begin_nested():
            db.session.add(blob)
    except IntegrityError:
        existing = find_blob(sha256)
        if existing is None:
            raise
        return existing, False
    return blob, True


def _place(temp: Path, sha256: str, size: int, media_type: str) -> tuple[Blob, bool]:
    """Return the Blob for these bytes, moving `temp` to their address (healing a lost file) and adding a row
    only when new."""
    _move_into_place(temp, _path_for(sha256))
    return _record(sha256, size, media_type)


def build_file(suffix: str = ".part") -> Path:
    """A new empty temporary file in the store's own temp folder, for a file the app builds (an export): once
    written, `store_built` moves it into the store with a rename, so a large file is never on disk twice."""
    fd, path = _new_temp_file(suffix)
    os.close(fd)
    return path


def store_built(source: bytes | Path, media_type: str) -> Blob:
    """Keep a file the app built (not an upload: nothing to sniff) as a blob: bytes are written to a temp file,
    a path from `build_file` is moved (the caller's file is gone afterwards). Returns the blob (new or existing)."""
    if isinstance(source, bytes):
        temp = build_file()
        temp.write_bytes(source)
    else:
        temp = source
    sha256, size = _hash_file(temp)
    blob, _is_new = _place(temp, sha256, size, media_type)
    return blob


def _read_head(stream: BinaryIO) -> bytes:
    # read() may return less than asked (sockets, pipes): gather until HEAD_SIZE or the end.
    parts: list[bytes] = []
    length = 0
    while length < HEAD_SIZE:
        part = stream.read(HEAD_SIZE - length)
        if not part:
            break
        parts.append(part)
        length += len(part)
    return b"".join(parts)


def _chunks(stream: BinaryIO, head: bytes) -> Iterator[bytes]:
    yield head
    yield from iter(lambda: stream.read(CHUNK_SIZE), b"")


def _head_and_limit(stream: BinaryIO, max_bytes: int | None,
                    size: int | None = None) -> tuple[bytes, int, ContainerCheck | None]:
    """The upload's first bytes, and so its type's size limit (known before the body is read), with the
    structural check that a video or MP4 audio must pass as its bytes stream in (else it would get the
    video limit on the strength of eight bytes)."""
    head = _read_head(stream)
    if not head:
        raise _reject("empty")
    sniffed = _sniff_head(head)
    limit = max_bytes if max_bytes is not None else _limit_for(sniffed)
    check = container_check(sniffed, limit, size) if sniffed else None
    return head, limit, check


def _checked(check: ContainerCheck | None, chunk: bytes | None) -> None:
    """Feed a chunk to the container check (None: the file has ended), refusing a fake at once."""
    if check is None:
        return
    try:
        if chunk is None:
            check.finish()
        else:
            check.feed(chunk)
    except NotAContainer as error:
        raise _reject("not_media") from error


def _copy_stream(stream: BinaryIO, out: BinaryIO, max_bytes: int | None) -> tuple[bytes, str, int]:
    """Copy an upload into `out` (durably), refused at its type's limit; return its head, SHA-256 and size."""
    head, limit, check = _head_and_limit(stream, max_bytes)
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks(stream, head):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        _checked(check, chunk)
        digest.update(chunk)
        out.write(chunk)
    _checked(check, None)
    out.flush()
    os.fsync(out.fileno())
    return head, digest.hexdigest(), size


def _take_spooled(spooled: SpooledUpload, spooled_path: Path, temp: Path,
                  max_bytes: int | None) -> tuple[bytes, str, int]:
    """Check a part the request parser spooled into the temp folder and move it to `temp`: read once, not
    written again."""
    spooled.flush()
    spooled.seek(0)
    size = os.fstat(spooled.fileno()).st_size
    head, limit, check = _head_and_limit(spooled, max_bytes, size)
    if size > limit:
        raise _too_large(limit)
    digest = hashlib.sha256()
    for chunk in _chunks(spooled, head):
        _checked(check, chunk)
        digest.update(chunk)
    _checked(check, None)
    os.fsync(spooled.fileno())
    os.replace(spooled_path, temp)
    spooled.path = None  # the store owns the bytes now: this request no longer removes them
    return head, digest.hexdigest(), size


@dataclass
class CheckedUpload:
    """An upload checked, typed and hashed (an image re-encoded) in the store's temp folder: the slow part,
    done before the database is touched. `store_checked` then puts it in the store in a few milliseconds."""

    path: Path
    sha256: str
    size: int
    media_type: str
    filename: str
    text: str | None = None  # the file's text, when asked for (extract_text=True)
    text_extracted: bool = False
    placed: bool = False

    def place_file(self) -> None:
        """Move the bytes to their content address (no database): the same bytes under the same name, so an
        existing copy is replaced by an identical one."""
        if not self.placed:
            _move_into_place(self.path, _path_for(self.sha256))
            self.placed = True

    def discard(self) -> None:
        """Remove the temp file of an upload that was not stored."""
        if not self.placed:
            self.path.unlink(missing_ok=True)


def check_upload(stream: BinaryIO, filename: str, *, max_bytes: int | None = None,
                 extract_text: bool = False) -> CheckedUpload:
    """Check an uploaded file (size, type, safety), hash it and re-encode images, without the database.

    Run it before the request's first write: on SQLite the write lock is taken at that write, so nobody
    else's save waits while a photo is re-encoded or a document's text is read (`extract_text`).
    """
    name = clean_filename(filename)
    extension = _extension(name)
    if extension in PROGRAM_EXTENSIONS:
        raise _reject("program")
    if extension in UNSAFE_EXTENSIONS:
        raise _reject("type")
    fd, temp = _new_temp_file()
    temps = [temp]
    try:
        if isinstance(stream, SpooledUpload) and stream.path is not None:
            os.close(fd)
            head, sha256, size = _take_spooled(stream, stream.path, temp, max_bytes)
        else:
            with os.fdopen(fd, "wb") as out:
                head, sha256, size = _copy_stream(stream, out, max_bytes)
        media_type = _identify(temp, head, name)
        if ALLOWED_TYPES[media_type] == "image":
            temp, sha256, size = _reencode_image(temp, media_type)
            temps.append(temp)
        checked = CheckedUpload(path=temp, sha256=sha256, size=size, media_type=media_type,
                                filename=_fit_extension(name, media_type))
        if extract_text:
            checked.text, checked.text_extracted = read_text(temp, media_type), True
        temps.remove(temp)  # the caller's now
        return checked
    finally:
        for path in temps:
            path.unlink(missing_ok=True)


def store_checked(checked: CheckedUpload) -> StoredFile:
    """Put a checked upload in the store: its file at its address, its Blob row flushed (never committed)."""
    try:
        checked.place_file()
        blob, is_new = _record(checked.sha256, checked.size, checked.media_type)
    finally:
        checked.discard()
    return StoredFile(blob=blob, filename=checked.filename, media_type=checked.media_type, size=checked.size,
                      is_new=is_new, text=checked.text, text_extracted=checked.text_extracted)


def store_upload(stream: BinaryIO, filename: str, *, max_bytes: int | None = None) -> StoredFile:
    """Check and store an uploaded file once per content; flush the Blob row, never commit."""
    return store_checked(check_upload(stream, filename, max_bytes=max_bytes))


def store_uploads(uploads: Sequence[FileStorage], *, extract_text: bool = False) -> list[StoredFile]:
    """Check every file of a request, then store them all: what takes time (hashing, sniffing, re-encoding,
    reading text) is done for all before the first write, so the write lock is held only for the rows."""
    checked: list[CheckedUpload] = []
    try:
        for upload in uploads:
            try:
                checked.append(check_upload(upload.stream, upload.filename or "", extract_text=extract_text))
            except UploadRejected as refused:
                if len(uploads) < 2:
                    raise
                # Several files at once (a form posted without JavaScript): say which one is refused.
                named = _l("%(label)s: %(value)s", label=clean_filename(upload.filename or ""), value=refused.message)
                raise UploadRejected(str(named), refused.reason) from refused
        for item in checked:
            item.place_file()
        return [store_checked(item) for item in checked]
    finally:
        for item in checked:
            item.discard()


# Held uploads: a browser cannot put a chosen file back into a form, so a form refused after its file was stored
# (a broken cap, a missing field) keeps a signed note of the file in a hidden field instead, and the next try
# takes the file from the note. The bytes stay at their address whatever the refused try's rollback undid; the
# note is good for its owner only, for a day.
HELD_UPLOAD_SALT = "held-upload"
HELD_UPLOAD_MAX_AGE = 24 * 3600


def _held_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=HELD_UPLOAD_SALT)


def hold_upload(stored: StoredFile, owner_id: int) -> str:
    """A signed note of a stored upload, for its owner's next try of a refused form (call it before the
    rollback, while the blob's row is still readable)."""
    return _held_serializer().dumps({"sha256": stored.blob.sha256, "size": stored.size,
                                     "media_type": stored.media_type, "filename": stored.filename,
                                     "owner": owner_id})


def held_upload(note: str | None, owner_id: int) -> StoredFile | None:
    """The upload a hold_upload() note names: None when there is no note, it is not this owner's, older than a day,
    tampered with, or its bytes are gone. Its Blob row is added again if a rollback took it (flushed, never
    committed)."""
    if not note:
        return None
    try:
        held = _held_serializer().loads(note, max_age=HELD_UPLOAD_MAX_AGE)
        sha256, size, media_type = str(held["sha256"]), int(held["size"]), str(held["media_type"])
        filename, owner = str(held["filename"]), held["owner"]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if owner != owner_id or not re.fullmatch(r"[0-9a-f]{64}", sha256) or not _path_for(sha256).is_file():
        return None
    blob, is_new = _record(sha256, size, media_type)
    return StoredFile(blob=blob, filename=filename, media_type=media_type, size=size, is_new=is_new)


def make_thumbnail(blob: Blob, size: int = 320) -> Blob | None:
    """Return a small JPEG or PNG of an image as its own blob (itself when already small); None for others."""
    if blob.media_type not in PILLOW_FORMATS:
        return None
    fd, temp = _new_temp_file(".thumb")
    try:
        with os.fdopen(fd, "wb") as out, _open_image(blob_path(blob), blob.media_type) as image:
            if image.width <= size and image.height <= size and blob.media_type in ("image/jpeg", "image/png"):
                return blob  # already small, and already free of metadata
            _check_pixels(image.width, image.height)
            image.draft("RGB", (size, size))  # JPEG decodes at a reduced scale: far less memory
            thumb = ImageOps.exif_transpose(image)
            thumb.thumbnail((size, size))
            has_alpha = thumb.mode in ("RGBA", "LA", "PA") or "transparency" in thumb.info
            if has_alpha:
                thumb = _without_metadata(thumb.convert("RGBA"))
                thumb.save(out, format="PNG", optimize=True)
                media_type = "image/png"
            else:
                thumb = _without_metadata(thumb.convert("RGB"))
                thumb.save(out, format="JPEG", quality=85, optimize=True)
                media_type = "image/jpeg"
        sha256, length = _hash_file(temp)
        return _place(temp, sha256, length, media_type)[0]
    except UploadRejected:
        return None
    except (OSError, SyntaxError, ValueError) as error:
        current_app.logger.warning("no thumbnail for blob %s: %s", blob.sha256, error)
        return None
    finally:
        temp.unlink(missing_ok=True)


# Downloads


def send_built(body: Any, filename: str, media_type: str, *, ascii_name: str | None = None) -> Response:
    """Send a file built for this request (bytes, or chunks to stream) as an attachment named in the reader's
    language, never cached or sniffed: a Word document, a ledger, an evidence pack, a text resource."""
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition(filename, ascii_name=ascii_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_blob(blob: Blob, filename: str, *, inline: bool = False, ascii_name: str | None = None) -> Response:
    """Send the blob's bytes with safe headers; the calling route has already checked permission. `ascii_name`:
    as `content_disposition`'s."""
    path = blob_path(blob)
    if not path.is_file():
        current_app.logger.error("blob %s is missing from %s", blob.sha256, path)
        abort(404)
    category = ALLOWED_TYPES.get(blob.media_type)
    show_inline = inline and (category in INLINE_CATEGORIES or blob.media_type in INLINE_TYPES)
    response = send_file(
        path,
        mimetype=blob.media_type if category or blob.media_type in BUILT_TYPES else "application/octet-stream",
        conditional=True,  # If-None-Match / If-Modified-Since, and Range for seeking in video
        etag=blob.sha256,
        last_modified=blob.created_at,
        max_age=None,
    )
    response.headers["Content-Disposition"] = content_disposition(filename, inline=show_inline, ascii_name=ascii_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # Our own resource page shows a PDF in a frame; the site-wide DENY would forbid that.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    # Other sites may not embed our files (which would carry the visitor's cookies).
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.no_cache = None
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.max_age = CACHE_SECONDS
    response.expires = None
    return response
