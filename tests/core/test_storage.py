"""Blob storage: sniffing, limits, refusals, image cleaning, de-duplication, names and download headers."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from tests.media import box, ebml_header, element, fragmented_mp4_bytes, ftyp, moov, mp4_bytes, mp4_of_size, webm_bytes
from workspace.core import storage
from workspace.core.models import Blob
from workspace.core.storage import (
    UploadRejected,
    blob_path,
    clean_filename,
    content_disposition,
    image_dimensions,
    make_thumbnail,
    open_blob,
    send_blob,
    store_upload,
    titled_filename,
)
from workspace.extensions import db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def uploads(ctx, tmp_path, monkeypatch) -> Path:
    """A per-test, empty UPLOAD_DIR with the default limits."""
    root = tmp_path / "uploads"
    monkeypatch.setitem(ctx.config, "UPLOAD_DIR", str(root))
    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 50)
    monkeypatch.setitem(ctx.config, "MAX_VIDEO_UPLOAD_MB", 500)
    return root


def _store(data: bytes, name: str, **kwargs):
    return store_upload(io.BytesIO(data), name, **kwargs)


def _reject(data: bytes, name: str, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        _store(data, name, **kwargs)
    assert caught.value.field == "file"
    assert caught.value.message
    return caught.value


def _blob_count() -> int:
    return db.session.scalar(select(func.count(Blob.id)))


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*")
            if path.is_file() and path.relative_to(root).parts[0] != storage.TEMP_DIR_NAME]


def _temp_files(root: Path) -> list[Path]:
    temp = root / storage.TEMP_DIR_NAME
    return list(temp.iterdir()) if temp.exists() else []


def _nothing_kept(root: Path) -> None:
    assert _temp_files(root) == []
    assert _stored_files(root) == []
    assert _blob_count() == 0


def _ooxml(main_type: str, folder: str, extra: dict[str, bytes] | None = None) -> bytes:
    """Build a minimal OOXML package by hand."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/{folder}document.xml" ContentType="{main_type}"/></Types>'
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", b"<Relationships/>")
        archive.writestr(f"{folder}document.xml", b"<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _jpeg_with_gps(size=(40, 20), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (121.0, 33.0, 10.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"secret comment",
               xmp=b"<x:xmpmeta><GPSLatitude>25,2.5N</GPSLatitude></x:xmpmeta>")
    return buffer.getvalue()


def _png(size=(30, 30), mode="RGB", text: str | None = None) -> bytes:
    info = PngInfo()
    if text:
        info.add_text("Author", text)
    buffer = io.BytesIO()
    Image.new(mode, size, "blue").save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares a huge image (nothing behind it is ever decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(
        b"IEND", b"")


# Accepted types


def test_pdf_is_stored_under_its_hash(uploads):
    stored = _store(PDF_BYTES, "教案.pdf")
    assert stored.media_type == "application/pdf"
    assert stored.is_new and stored.size == len(PDF_BYTES)
    assert stored.filename == "教案.pdf"
    sha = stored.blob.sha256
    assert blob_path(stored.blob) == uploads / sha[:2] / sha[2:4] / sha
    with open_blob(stored.blob) as handle:
        assert handle.read() == PDF_BYTES
    assert stored.blob.id is not None  # flushed
    assert _temp_files(uploads) == []


def test_docx_made_by_hand_is_recognised():
    stored = _store(_ooxml(WORD_MAIN, "word/"), "分數的加減 教案.docx")
    assert stored.media_type == DOCX
    assert storage.ALLOWED_TYPES[stored.media_type] == "document"


def test_real_docx_from_python_docx_is_recognised():
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("分數的加減")
    buffer = io.BytesIO()
    document.save(buffer)
    assert _store(buffer.getvalue(), "plan.docx").media_type == DOCX


def test_macro_enabled_or_unknown_zip_is_refused():
    macro = _ooxml("application/vnd.ms-word.document.macroEnabled.main+xml", "word/")
    assert _reject(macro, "plan.docx").reason == "type"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert _reject(plain_zip.getvalue(), "stuff.docx").reason == "type"


def test_opendocument_text_is_recognised():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    assert _store(buffer.getvalue(), "plan.odt").media_type == "application/vnd.oasis.opendocument.text"


def test_utf8_text_markdown_and_csv():
    assert _store("教學反思\n第二行\n".encode(), "反思.txt").media_type == "text/plain"
    assert _store("# 標題\n\n- 項目\n".encode(), "筆記.md").media_type == "text/markdown"
    assert _store("姓名,分數\n小明,90\n".encode(), "scores.csv").media_type == "text/csv"
    assert _store(b"\xef\xbb\xbfwith a BOM", "bom.txt").media_type == "text/plain"
    assert _store("UTF-16 文字".encode("utf-16"), "utf16.txt").media_type == "text/plain"


def test_text_without_extension_gets_txt():
    assert _store(b"plain words", "README").filename == "README.txt"


WEB_PAGE = b"<html><body><script>alert(document.domain)</script><p>\xe6\x95\x99\xe6\xa1\x88</p></body></html>"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<script>alert(2)</script></svg>')


@pytest.mark.parametrize(("data", "name", "kind", "looks"), [
    (WEB_PAGE, "evil.pdf", "PDF", "looks like a web page (HTML)"),
    (b"\n  <!DOCTYPE html>\n<title>x</title>", "x.docx", "Word", "looks like a web page (HTML)"),
    (SVG, "evil.png", "PNG", "looks like an SVG drawing"),
    (b"<svg viewBox='0 0 1 1'/>", "icon.JPG", "JPEG", "looks like an SVG drawing"),
    ("其實是文字".encode(), "報告.pdf", "PDF", "is plain text"),
    ("其實是文字".encode("utf-16"), "clip.mp4", "MP4", "is plain text"),
])
def test_text_named_as_another_kind_of_file_is_refused_saying_what_it_looks_like(data, name, kind, looks):
    """QA round 13: HTML or SVG named .pdf, .png or .docx was taken and served as "evil.pdf.txt", with no word to the
    teacher who believed her lesson plan was there (a receipt refused the same file). It is refused, saying what the
    file is not and what its content looks like."""
    refused = _reject(data, name)
    assert refused.reason == "type"
    assert f"This file is not in {kind} format, though its name ends in " in refused.message
    assert looks in refused.message


def test_text_keeps_its_own_names():
    """Text with a text name, or a name that promises no other kind (.py, .log), is text as before."""
    assert _store(WEB_PAGE, "page.txt").media_type == "text/plain"
    assert _store(b"print('hi')", "lesson.py").filename == "lesson.py"
    assert _store(b"a log line", "server.log").filename == "server.log"


def test_several_files_checked_together_name_the_one_refused():
    """Without JavaScript the library posts every chosen file at once: the refusal says which one it is."""
    from werkzeug.datastructures import FileStorage

    uploads = [FileStorage(io.BytesIO(PDF_BYTES), "good.pdf"), FileStorage(io.BytesIO(WEB_PAGE), "evil.pdf")]
    with pytest.raises(UploadRejected) as caught:
        storage.store_uploads(uploads)
    assert caught.value.message.startswith("evil.pdf: This file is not in PDF format")
    with pytest.raises(UploadRejected) as caught:
        storage.store_uploads([FileStorage(io.BytesIO(WEB_PAGE), "evil.pdf")])
    assert caught.value.message.startswith("This file is not in PDF format")  # one file: its own field says it


def test_binary_or_invalid_text_is_refused():
    assert _reject(b"abc\x00def", "data.txt").reason == "type"
    assert _reject(b"invalid utf-8 \xc3\x28", "notes.txt").reason == "type"
    assert _reject(b"\xff\xfe" + bytes(range(1, 64)), "utf16.txt").reason == "type"  # a BOM, then binary


def test_jpeg_loses_exif_gps_xmp_and_comment_and_is_turned_upright():
    original = _jpeg_with_gps(size=(40, 20), orientation=6)
    stored = _store(original, "photo.jpg")
    assert stored.media_type == "image/jpeg"
    data = blob_path(stored.blob).read_bytes()
    assert stored.blob.sha256 != storage.hashlib.sha256(original).hexdigest()  # the re-encoded bytes count
    assert stored.size == len(data) == stored.blob.size
    for secret in (b"PhoneMaker", b"Phone 15", b"GPSLatitude", b"secret comment", b"Exif"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info and "xmp" not in image.info
        assert image.size == (20, 40)  # orientation 6 applied


def test_png_loses_text_chunks():
    stored = _store(_png(text="王老師 住址"), "diagram.png")
    data = blob_path(stored.blob).read_bytes()
    assert "王老師".encode() not in data and b"Author" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (30, 30)
        assert image.text == {}
    assert image_dimensions(stored.blob) == (30, 30)


def test_animated_gif_keeps_its_frames():
    frames = [Image.new("RGB", (16, 16), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0,
                   comment=b"private note")
    stored = _store(buffer.getvalue(), "anim.gif")
    data = blob_path(stored.blob).read_bytes()
    assert b"private note" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 3


def test_webp_image_is_accepted():
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), "green").save(buffer, format="WEBP")
    assert _store(buffer.getvalue(), "x.webp").media_type == "image/webp"


def test_media_types_are_sniffed():
    mp4, m4a, webm = mp4_bytes(), mp4_bytes(audio=True), webm_bytes()
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 200
    assert _store(mp4, "lesson.mp4").media_type == "video/mp4"
    assert _store(m4a, "talk.m4a").media_type == "audio/mp4"
    assert _store(webm, "clip.webm").media_type == "video/webm"
    assert _store(mp3, "song.mp3").media_type == "audio/mpeg"


def test_extension_follows_the_sniffed_type():
    stored = _store(_png(), "picture.pdf")
    assert stored.media_type == "image/png"
    assert stored.filename == "picture.pdf.png"


# De-duplication


def test_same_bytes_twice_make_one_blob_and_one_file(uploads):
    first = _store(PDF_BYTES, "a.pdf")
    second = _store(PDF_BYTES, "b.pdf")
    assert first.is_new and not second.is_new
    assert first.blob.id == second.blob.id
    assert second.filename == "b.pdf"
    assert _blob_count() == 1
    assert len(_stored_files(uploads)) == 1
    assert _temp_files(uploads) == []


def test_same_image_twice_is_deduplicated_after_re_encoding(uploads):
    photo = _jpeg_with_gps()
    first, second = _store(photo, "a.jpg"), _store(photo, "b.jpg")
    assert first.blob.id == second.blob.id and not second.is_new
    assert len(_stored_files(uploads)) == 1


def test_lost_file_is_healed_by_the_next_identical_upload():
    first = _store(PDF_BYTES, "a.pdf")
    blob_path(first.blob).unlink()
    _store(PDF_BYTES, "a.pdf")
    assert blob_path(first.blob).read_bytes() == PDF_BYTES


def test_concurrent_insert_of_the_same_bytes_reuses_the_winner(monkeypatch):
    sha = storage.hashlib.sha256(PDF_BYTES).hexdigest()
    winner = Blob(sha256=sha, size=len(PDF_BYTES), media_type="application/pdf")
    db.session.add(winner)
    db.session.flush()
    lookups = iter([None])  # the first look-up misses, as if the other upload had not committed yet
    real = storage.find_blob
    monkeypatch.setattr(storage, "find_blob", lambda value: next(lookups, None) or real(value))
    stored = _store(PDF_BYTES, "a.pdf")
    assert stored.blob.id == winner.id and not stored.is_new
    assert _blob_count() == 1
    assert blob_path(winner).read_bytes() == PDF_BYTES


# Refusals


def test_empty_file_is_refused(uploads):
    assert _reject(b"", "empty.pdf").reason == "empty"
    _nothing_kept(uploads)


def test_oversized_file_is_refused_and_leaves_nothing(uploads, monkeypatch, ctx):
    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 1)
    rejected = _reject(b"a" * (1024 * 1024 + 1), "big.txt")
    assert rejected.reason == "too_large"
    assert "1 MB" in rejected.message
    _nothing_kept(uploads)


def test_explicit_max_bytes_wins(uploads):
    assert _reject(PDF_BYTES, "a.pdf", max_bytes=10).reason == "too_large"
    _nothing_kept(uploads)
    assert _store(PDF_BYTES, "a.pdf", max_bytes=len(PDF_BYTES)).is_new


def test_video_gets_the_video_limit(monkeypatch, ctx):
    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(ctx.config, "MAX_VIDEO_UPLOAD_MB", 3)
    assert _store(mp4_of_size(2 * 1024 * 1024), "lesson.mp4").media_type == "video/mp4"
    assert _reject(mp4_of_size(4 * 1024 * 1024), "lesson.mp4").reason == "too_large"
    # A PDF of the same size is held to the document limit.
    assert _reject(PDF_BYTES + b"\x00" * (2 * 1024 * 1024), "a.pdf").reason == "too_large"


def test_executable_renamed_pdf_is_refused(uploads):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100 + b"PE\x00\x00"
    assert _reject(exe, "成績單.pdf").reason == "program"
    _nothing_kept(uploads)


def test_elf_and_mach_o_and_java_are_refused():
    assert _reject(b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "tool").reason == "program"
    assert _reject(b"\xcf\xfa\xed\xfe" + b"\x00" * 64, "app.docx").reason == "program"
    assert _reject(b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 64, "x.jpg").reason == "program"


def test_shell_script_named_txt_is_refused():
    assert _reject(b"#!/bin/sh\nrm -rf ~\n", "notes.txt").reason == "program"


def test_program_extensions_are_refused_even_as_text():
    assert _reject(b"echo hello", "run.bat").reason == "program"
    assert _reject(b"echo hello", "report.pdf.exe").reason == "program"
    assert _reject(b"<script>alert(1)</script>", "page.html").reason == "type"
    assert _reject(b"<svg onload=alert(1)>", "icon.svg").reason == "type"


def test_legacy_office_and_msi_ole_files_are_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    rejected = _reject(ole, "old.doc")
    assert rejected.reason == "type"
    assert ".docx" in rejected.message


def test_unknown_binary_and_other_archives_are_refused():
    assert _reject(b"Rar!\x1a\x07\x00" + b"\x00" * 40, "a.rar").reason == "type"
    assert _reject(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, "photo.heic").reason == "type"


def test_ooxml_with_too_many_entries_is_refused(uploads, monkeypatch):
    monkeypatch.setattr(storage, "MAX_ARCHIVE_ENTRIES", 50)
    many = _ooxml(WORD_MAIN, "word/", {f"word/media/{i}.bin": b"x" for i in range(60)})
    assert _reject(many, "many.docx").reason == "archive"
    _nothing_kept(uploads)


def test_ooxml_declaring_a_huge_unpacked_size_is_refused(monkeypatch):
    monkeypatch.setattr(storage, "MAX_ARCHIVE_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_MAIN)
        archive.writestr("word/document.xml", b"\x00" * (2 * 1024 * 1024))  # compresses to a few KB
    assert len(buffer.getvalue()) < 100_000
    assert _reject(buffer.getvalue(), "bomb.docx").reason == "archive"


@pytest.mark.parametrize("member", ["../evil", "word/../../evil", "/etc/cron.d/x", "..\\evil", "C:\\evil"])
def test_ooxml_with_unsafe_paths_is_refused(uploads, member):
    rejected = _reject(_ooxml(WORD_MAIN, "word/", {member: b"x"}), "plan.docx")
    assert rejected.reason == "archive"
    _nothing_kept(uploads)


def test_damaged_zip_is_refused():
    docx = _ooxml(WORD_MAIN, "word/")
    assert _reject(docx[: len(docx) // 2], "half.docx").reason == "damaged"


def test_damaged_image_is_refused(uploads):
    photo = _jpeg_with_gps(size=(200, 200))
    assert _reject(photo[:300], "broken.jpg").reason == "damaged"
    _nothing_kept(uploads)


def test_image_over_the_pixel_limit_is_refused(uploads, monkeypatch, ctx):
    monkeypatch.setitem(ctx.config, "MAX_IMAGE_PIXELS", 10_000)
    rejected = _reject(_png(size=(200, 200)), "big.png")
    assert rejected.reason == "pixels"
    _nothing_kept(uploads)


def test_decompression_bomb_header_is_refused(uploads):
    # 100000 × 100000 declared: Pillow's own guard and ours both stop it before decoding.
    assert _reject(_png_header_only(100_000, 100_000), "bomb.png").reason == "pixels"
    assert _reject(_png_header_only(8_000, 8_000), "bomb.png").reason == "pixels"  # 64 MP > 40 MP
    _nothing_kept(uploads)


def test_crash_mid_stream_leaves_no_temp_file_and_no_row(uploads):
    class Exploding(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 3:
                raise ConnectionResetError("client went away")
            return (b"%PDF-1.4 " if self.calls == 1 else b"x") * max(1, min(size, 4096) // 9)

    with pytest.raises(ConnectionResetError):
        store_upload(Exploding(), "a.pdf")  # type: ignore[arg-type]
    _nothing_kept(uploads)


def test_failing_database_leaves_no_temp_file(uploads, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(storage, "_record", broken)
    with pytest.raises(RuntimeError):
        _store(PDF_BYTES, "a.pdf")
    assert _temp_files(uploads) == []


def test_stale_temp_files_are_removed(uploads):
    temp = uploads / storage.TEMP_DIR_NAME
    temp.mkdir(parents=True)
    (temp / "upload-old.part").write_bytes(b"half")
    assert storage.remove_stale_temp_files(older_than_seconds=-1) == 1
    assert _temp_files(uploads) == []


# File names


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\x\\報告.docx", "報告.docx"),
    ("教案\x00\x07\n.docx", "教案.docx"),
    ("report\u202excod.exe", "reportxcod.exe"),  # the right-to-left override is gone
    ("  ..hidden.txt  ", "hidden.txt"),
    ("", "file"),
    ("../", "file"),
    ("...", "file"),
    ("a:b?.txt", "a_b_.txt"),
    ("分數的加減  教案.docx", "分數的加減 教案.docx"),
])
def test_clean_filename(raw, expected):
    assert clean_filename(raw) == expected


def test_clean_filename_composes_unicode():
    assert clean_filename("cafe\u0301.txt") == "café.txt"


def test_long_chinese_name_keeps_its_extension():
    name = "教" * 300 + ".docx"
    cleaned = clean_filename(name)
    assert len(cleaned) == 200
    assert cleaned.endswith(".docx") and cleaned.startswith("教")
    assert _store(_ooxml(WORD_MAIN, "word/"), name).filename == cleaned


def test_upload_name_with_directories_is_cleaned():
    assert _store(PDF_BYTES, "../../../etc/教案.pdf").filename == "教案.pdf"


# Downloads


def _headers(response) -> dict[str, str]:
    return {key.lower(): value for key, value in response.headers.items()}


def test_image_is_sent_inline_with_safe_headers():
    stored = _store(_png(), "圖.png")
    response = send_blob(stored.blob, stored.filename, inline=True)
    headers = _headers(response)
    assert response.status_code == 200
    assert headers["content-type"] == "image/png"
    assert headers["content-disposition"].startswith("inline;")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in headers["content-security-policy"]
    assert "private" in headers["cache-control"] and "public" not in headers["cache-control"]
    assert headers["etag"] == f'"{stored.blob.sha256}"'
    response.close()


def test_docx_is_an_attachment_even_when_inline_is_asked():
    stored = _store(_ooxml(WORD_MAIN, "word/"), "分數的加減 教案.docx")
    response = send_blob(stored.blob, stored.filename, inline=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="download.docx"' in disposition
    assert "filename*=UTF-8''%E5%88%86%E6%95%B8%E7%9A%84%E5%8A%A0%E6%B8%9B%20%E6%95%99%E6%A1%88.docx" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    response.close()


def test_pdf_inline_only_when_asked():
    stored = _store(PDF_BYTES, "a.pdf")
    with send_blob(stored.blob, "a.pdf") as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
    with send_blob(stored.blob, "a.pdf", inline=True) as response:
        assert response.headers["Content-Disposition"].startswith("inline;")


def test_text_is_never_inline():
    stored = _store(b"<html><script>alert(1)</script>", "notes.txt")
    with send_blob(stored.blob, "notes.txt", inline=True) as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.mimetype == "text/plain"


def test_content_disposition_escapes_quotes_and_keeps_ascii_names():
    assert content_disposition('plan "v2".pdf') == (
        "attachment; filename=\"plan _v2.pdf\"; filename*=UTF-8''plan%20_v2_.pdf"
    )
    assert content_disposition("notes.txt", inline=True).startswith('inline; filename="notes.txt"')


@pytest.mark.parametrize(("name", "fallback"), [
    ("活動帳冊-五年級數學-2026-12-03.csv", "download-2026-12-03.csv"),
    ("教師專業發展手冊 黃美玲 2026.docx", "download-2026.docx"),
    ("成果報告.docx", "download.docx"),
    ("教師專業發展手冊（黃美玲）.docx", "download.docx"),  # its brackets alone said nothing: "download-().docx"
    ("審查彙整表（附件1） 2026-12-03.xlsx", "download-1-2026-12-03.xlsx"),
    ("Results report - 五年級 - 2026-12-03.docx", "Results report - 2026-12-03.docx"),
    ("Activity ledger-五年級數學社群-PLC-115-2026-12-05.xlsx", "Activity ledger-PLC-115-2026-12-05.xlsx"),  # QA: "--"
])
def test_a_chinese_name_gets_a_readable_ascii_fallback(name, fallback):
    """Clients that read only the plain filename got "--2026-12-03.csv" (the Chinese dropped)."""
    assert content_disposition(name).split('filename="')[1].split('"')[0] == fallback


def test_a_given_ascii_name_replaces_a_fallback_that_would_say_nothing():
    """審查彙整表（附件1） has only "(1)" in ASCII: the export names itself for clients that read only filename."""
    header = content_disposition("審查彙整表（附件1）-2026-12-04.xlsx", ascii_name="review-summary-2026-12-04.xlsx")
    assert header.split('filename="')[1].split('"')[0] == "review-summary-2026-12-04.xlsx"
    assert "filename*=UTF-8''%E5%AF%A9" in header
    assert 'filename="x.xlsx"' in content_disposition("表.xlsx", ascii_name='x".xlsx')  # cleaned: no quote in it
    # an English name says what the file is itself: the given one is for names whose ASCII would not
    assert 'filename="Activity ledger-Grade 5-2026-12-03.xlsx"' in content_disposition(
        "Activity ledger-Grade 5-2026-12-03.xlsx", ascii_name="activity-ledger-2026-12-03.xlsx")


def test_ranges_and_conditional_requests(app):
    body = mp4_bytes(bytes(range(256)) * 10)
    stored = _store(body, "lesson.mp4")
    db.session.commit()
    with app.test_request_context(headers={"Range": "bytes=0-9"}):
        response = send_blob(stored.blob, "lesson.mp4", inline=True)
        assert response.status_code == 206
        response.direct_passthrough = False
        assert response.get_data() == body[:10]
        response.close()
    with app.test_request_context(headers={"If-None-Match": f'"{stored.blob.sha256}"'}):
        response = send_blob(stored.blob, "lesson.mp4")
        assert response.status_code == 304
        response.close()


def test_missing_file_answers_404():
    from werkzeug.exceptions import NotFound

    stored = _store(PDF_BYTES, "a.pdf")
    blob_path(stored.blob).unlink()
    with pytest.raises(NotFound):
        send_blob(stored.blob, "a.pdf")


# Thumbnails


def test_thumbnail_is_a_small_deduplicated_blob():
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 500), "orange").save(buffer, format="JPEG")
    stored = _store(buffer.getvalue(), "big.jpg")
    thumb = make_thumbnail(stored.blob)
    assert thumb is not None and thumb.id != stored.blob.id
    assert thumb.media_type == "image/jpeg"
    assert image_dimensions(thumb) == (320, 160)
    assert make_thumbnail(stored.blob).id == thumb.id  # type: ignore[union-attr]


def test_thumbnail_keeps_transparency_as_png():
    stored = _store(_png(size=(800, 800), mode="RGBA"), "logo.png")
    thumb = make_thumbnail(stored.blob, size=100)
    assert thumb is not None and thumb.media_type == "image/png"
    assert image_dimensions(thumb) == (100, 100)


def test_no_thumbnail_for_documents():
    stored = _store(PDF_BYTES, "a.pdf")
    assert make_thumbnail(stored.blob) is None
    assert image_dimensions(stored.blob) is None


@pytest.mark.parametrize("encoding", ["big5", "gb18030"])
def test_older_chinese_text_files_are_accepted_and_searchable(ctx, uploads, encoding):
    from workspace.core.extract import extract_text
    from workspace.core.storage import blob_path, store_upload

    traditional, simplified = "教師專業學習社群：分數的加減，先複習通分。", "教师专业学习社群：分数的加减，先复习通分。"
    text = traditional if encoding == "big5" else simplified
    stored = store_upload(io.BytesIO(text.encode(encoding)), "舊教案.txt")
    assert stored.media_type == "text/plain"
    assert "通分" in (extract_text(blob_path(stored.blob), stored.media_type) or "")


# --- uploads as the request parser spools them ------------------------------------------------------



def _posted(app, data: bytes, name: str):
    """A request carrying one file part, as a browser sends it."""
    return app.test_request_context("/upload", method="POST", content_type="multipart/form-data",
                                    data={"file": (io.BytesIO(data), name), "caption": "教學錄影"})


def test_a_large_upload_is_spooled_in_the_store_and_moved_into_place_not_copied(ctx, uploads):
    from flask import request

    video = mp4_of_size(3 * storage.SPOOL_IN_MEMORY, bytes(range(256)))
    with _posted(ctx, video, "公開課.mp4"):
        upload = request.files["file"]
        assert isinstance(upload.stream, storage.SpooledUpload)
        assert upload.stream.path.parent == uploads / storage.TEMP_DIR_NAME  # the blobs' file system
        spooled_inode = os.fstat(upload.stream.fileno()).st_ino
        stored = store_upload(upload.stream, upload.filename)
        # The same file, renamed into the store: its bytes were written once, by the parser.
        assert os.stat(blob_path(stored.blob)).st_ino == spooled_inode
        assert stored.media_type == "video/mp4" and stored.size == len(video)
        assert blob_path(stored.blob).read_bytes() == video
        assert stored.blob.sha256 == hashlib.sha256(video).hexdigest()
    assert _temp_files(uploads) == []


def test_a_small_request_is_parsed_in_memory(ctx, uploads):
    from flask import request

    with _posted(ctx, PDF_BYTES, "a.pdf"):
        upload = request.files["file"]
        assert not isinstance(upload.stream, storage.SpooledUpload)
        assert store_upload(upload.stream, upload.filename).media_type == "application/pdf"
    assert _temp_files(uploads) == []


@pytest.mark.parametrize(("data", "name", "reason"), [
    (mp4_of_size(4 * 1024 * 1024), "lesson.mp4", "too_large"),  # over the video limit set below
    (PDF_BYTES + b"\x00" * (2 * 1024 * 1024), "a.pdf", "too_large"),  # a document held to its own limit
    (b"MZ\x90\x00" + b"\x00" * (1024 * 1024), "成績單.pdf", "program"),
])
def test_a_spooled_upload_that_is_refused_leaves_nothing(ctx, uploads, monkeypatch, data, name, reason):
    from flask import request

    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(ctx.config, "MAX_VIDEO_UPLOAD_MB", 3)
    with _posted(ctx, data, name):
        upload = request.files["file"]
        assert isinstance(upload.stream, storage.SpooledUpload)
        with pytest.raises(UploadRejected) as caught:
            store_upload(upload.stream, upload.filename)
        assert caught.value.reason == reason
    _nothing_kept(uploads)


def test_a_spooled_upload_nobody_stores_is_removed_after_the_request(ctx, uploads):
    from flask import request

    with _posted(ctx, mp4_of_size(2 * 1024 * 1024), "lesson.mp4"):
        assert request.files["file"].filename == "lesson.mp4"
        assert len(_temp_files(uploads)) == 1  # parsed: spooled on disk
    _nothing_kept(uploads)


def test_a_spooled_upload_stored_twice_is_copied_the_second_time(ctx, uploads):
    from flask import request

    video = mp4_of_size(2 * 1024 * 1024, b"\x01")
    with _posted(ctx, video, "lesson.mp4"):
        upload = request.files["file"]
        first = store_upload(upload.stream, upload.filename)
        upload.stream.seek(0)
        second = store_upload(upload.stream, "copy.mp4")
        assert second.blob.id == first.blob.id and not second.is_new
        assert blob_path(first.blob).read_bytes() == video
    assert _temp_files(uploads) == []


# --- a video must be built like one before it gets the video limit (issue 11) -----------------------

MEDIA = Path(__file__).parent / "media"
FTYP_PREFIX = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"  # the eight bytes that used to suffice, and a brand


@pytest.mark.parametrize(("name", "media_type"), [
    ("h264.mp4", "video/mp4"),  # FFmpeg (through PyAV): H.264 in MP4, moov after mdat
    ("frag.mp4", "video/mp4"),  # fragmented: empty moov, then moof + mdat pairs
    ("phone.3gp", "video/mp4"),  # a 3GPP brand, as phones write
    ("vp9.webm", "video/webm"),  # VP9 in WebM with known sizes and cues
    ("live.webm", "video/webm"),  # WebM written as a live stream
    ("talk.m4a", "audio/mp4"),  # AAC in M4A
])
def test_real_encoder_output_passes(name, media_type):
    """Tiny files written by FFmpeg (see tests/core/media/README.md), each a real, playable file."""
    stored = _store((MEDIA / name).read_bytes(), name)
    assert stored.media_type == media_type


@pytest.mark.parametrize("data", [
    pytest.param(mp4_bytes(), id="mp4 moov first"),
    pytest.param(mp4_bytes(moov_first=False), id="mp4 mdat first"),
    pytest.param(mp4_bytes(large_mdat=True), id="mp4 64-bit mdat size"),
    pytest.param(mp4_bytes(mdat_to_end=True), id="mp4 mdat to the end"),
    pytest.param(fragmented_mp4_bytes(), id="fragmented mp4"),
    pytest.param(mp4_bytes(audio=True), id="m4a"),
    pytest.param(webm_bytes(), id="webm known sizes"),
    pytest.param(webm_bytes(unknown_sizes=True), id="webm unknown sizes (MediaRecorder)"),
])
def test_hand_built_videos_pass(data):
    assert _store(data, "課堂錄影").media_type in ("video/mp4", "video/webm", "audio/mp4")


def test_a_pdf_behind_an_ftyp_header_is_refused_at_once_in_the_users_language(uploads):
    """Issue 11: any bytes behind `ftyp` passed as video, and took the 500-MB video limit."""
    fake = FTYP_PREFIX + PDF_BYTES + b"%" * (3 * 1024 * 1024)
    chunks_read = []

    class Counting(io.BytesIO):
        def read(self, size=-1):
            chunks_read.append(size)
            return super().read(size)

    with pytest.raises(UploadRejected) as caught:
        store_upload(Counting(fake), "講義.mp4")
    assert caught.value.reason == "not_media"
    assert "MP4" in caught.value.message
    assert len(chunks_read) <= 3  # refused at its first bad header, not after 3 MB were written
    _nothing_kept(uploads)
    with force_locale("zh_Hant"):
        assert _reject(fake, "講義.mp4").message.startswith("這個檔案的開頭像 MP4 或 WebM 影片")


@pytest.mark.parametrize("data", [
    pytest.param(FTYP_PREFIX + PDF_BYTES, id="pdf behind ftyp"),
    pytest.param(FTYP_PREFIX + b"\x00" * 4096, id="ftyp and zeros"),
    pytest.param(FTYP_PREFIX, id="ftyp alone"),
    pytest.param(ftyp(b"abcd", (b"abcd",)) + moov() + box(b"mdat", b"x" * 64), id="unknown brand"),
    pytest.param(ftyp() + box(b"mdat", b"x" * 64), id="no moov"),
    pytest.param(ftyp() + moov(), id="no mdat"),
    pytest.param(mp4_bytes()[:-1], id="truncated: the last box is cut short"),
    pytest.param(mp4_bytes() + b"\x00\x00", id="bytes after the last box"),
    pytest.param(ftyp() + moov() + struct.pack(">I", 0x7FFF_FFFF) + b"mdat" + b"x" * 64, id="oversized box"),
    pytest.param(ftyp() + moov() + struct.pack(">I", 4) + b"mdat" + b"x" * 64, id="box smaller than its header"),
    pytest.param(ftyp() + moov() + struct.pack(">IIQ", 1, 0x6D646174, 8) + b"x", id="64-bit size below 16"),
    pytest.param(ftyp() + moov() + struct.pack(">I", 72) + b"\x00\xffda" + b"x" * 64, id="unprintable box type"),
    pytest.param(struct.pack(">I", 9000) + b"ftypisom" + bytes(64), id="ftyp larger than the file"),
    pytest.param(mp4_bytes(audio=True)[:-3], id="truncated m4a"),
])
def test_a_fake_or_broken_mp4_is_refused(uploads, data):
    assert _reject(data, "lesson.mp4").reason == "not_media"
    _nothing_kept(uploads)


@pytest.mark.parametrize("data", [
    pytest.param(ebml_header() + PDF_BYTES, id="pdf behind an EBML header"),
    pytest.param(webm_bytes(doc_type=b"matroska"), id="matroska DocType"),
    pytest.param(webm_bytes()[:-1], id="truncated"),
    pytest.param(webm_bytes(unknown_sizes=True)[:-7], id="truncated stream (unknown sizes)"),
    pytest.param(webm_bytes() + b"\xec\x81", id="cut inside a trailing element"),
    pytest.param(ebml_header() + element(0x18538067, element(0x1549A966, b"\x00")), id="no tracks, no clusters"),
    pytest.param(ebml_header() + element(0x18538067, b"") + b"\x00" * 64, id="zeros after the segment"),
    pytest.param(ebml_header() + b"\x18\x53\x80\x67\x08\x00\x00\x00\x7f\xff\xff\xff" + bytes(64),
                 id="oversized segment"),
])
def test_a_fake_or_broken_webm_is_refused(uploads, data):
    assert _reject(data, "clip.webm").reason in ("not_media", "type")
    _nothing_kept(uploads)


def test_a_fake_video_no_longer_gets_the_video_limit(monkeypatch, ctx, uploads):
    """A 2-MB 'video' against a 1-MB document limit and a 3-MB video limit: refused, not stored."""
    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(ctx.config, "MAX_VIDEO_UPLOAD_MB", 3)
    assert _reject(FTYP_PREFIX + PDF_BYTES * (2 * 1024 * 1024 // len(PDF_BYTES)), "a.mp4").reason == "not_media"
    assert _store(mp4_of_size(2 * 1024 * 1024), "a.mp4").media_type == "video/mp4"


def test_a_spooled_fake_video_is_refused_and_leaves_nothing(ctx, uploads):
    from flask import request

    fake = FTYP_PREFIX + b"%PDF-1.7 " * (3 * storage.SPOOL_IN_MEMORY // 9)
    with _posted(ctx, fake, "公開課.mp4"):
        upload = request.files["file"]
        assert isinstance(upload.stream, storage.SpooledUpload)
        with pytest.raises(UploadRejected) as caught:
            store_upload(upload.stream, upload.filename)
        assert caught.value.reason == "not_media"
    _nothing_kept(uploads)


def test_a_held_upload_comes_back_to_its_owner_after_the_refused_try_was_rolled_back():
    stored = store_upload(io.BytesIO(PDF_BYTES), "收據.pdf")
    note = storage.hold_upload(stored, owner_id=7)
    db.session.rollback()  # the refused try: its Blob row is gone, its bytes are not
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 0
    held = storage.held_upload(note, owner_id=7)
    assert held is not None and (held.filename, held.media_type, held.size) == ("收據.pdf", "application/pdf",
                                                                                len(PDF_BYTES))
    db.session.commit()
    with open_blob(held.blob) as data:
        assert data.read() == PDF_BYTES


def test_a_held_upload_note_is_refused_to_another_person_when_altered_old_or_its_bytes_are_gone(monkeypatch):
    stored = store_upload(io.BytesIO(PDF_BYTES), "收據.pdf")
    db.session.commit()
    note = storage.hold_upload(stored, owner_id=7)
    assert storage.held_upload(note, owner_id=8) is None
    assert storage.held_upload(note[:-3] + "abc", owner_id=7) is None
    assert storage.held_upload("", owner_id=7) is None and storage.held_upload(None, owner_id=7) is None
    assert storage.held_upload(note, owner_id=7) is not None
    monkeypatch.setattr(storage, "HELD_UPLOAD_MAX_AGE", -1)
    assert storage.held_upload(note, owner_id=7) is None
    monkeypatch.setattr(storage, "HELD_UPLOAD_MAX_AGE", 3600)
    blob_path(stored.blob).unlink()
    assert storage.held_upload(note, owner_id=7) is None


def test_a_document_that_is_not_what_its_name_says_is_told_so():
    """Named .docx, it is told it is no Word document that can be read, not that Word files are refused."""
    for data, name, kind in ((b"\x00\x01\x02 binary, no document" * 10, "縣市格式.docx", "Word"),
                             (b"\x00\x01\x02" * 50, "ledger.xlsx", "Excel")):
        refused = _reject(data, name)
        assert f"not a {kind} document that can be read" in refused.message and "Upload PDF" not in refused.message
    assert "Upload PDF" in _reject(b"\x00\x01\x02" * 50, "blob.dat").message  # no document name: the list
    encrypted = storage.OLE_SIGNATURE + b"\x00" * 600
    assert "password" in _reject(encrypted, "secret.docx").message  # a locked document keeps its own reason


@pytest.mark.parametrize(("title", "expected"), [
    ("分數/小數的乘法", "分數／小數的乘法.docx"),
    ("1/2 的加法", "1／2 的加法.docx"),
    ("a\\b", "a＼b.docx"),
    ("-cmd|' /C calc'!A0", "-cmd_' ／C calc'!A0.docx"),
    ("", "file.docx"),
])
def test_a_title_s_slash_stays_in_the_file_name(title, expected):
    """QA: a plan titled 1/2 的加法 downloaded as 2 的加法.docx: a title's slash is a word, not a folder."""
    assert titled_filename(title, "docx") == expected
