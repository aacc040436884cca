"""Text extraction: real DOCX, PPTX, PDF and text files built here; refusal of unsafe, damaged and slow files."""

from __future__ import annotations

import os
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest

from workspace.core import extract
from workspace.core.extract import DOCX, PDF, PPTX, extract_text, preview_text

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _docx(path: Path, paragraphs: int = 0) -> Path:
    """Write a DOCX: Traditional Chinese paragraphs around a table, a header, and extra paragraphs."""
    from docx import Document

    document = Document()
    document.sections[0].header.paragraphs[0].text = "臺北市立示範國中"
    document.add_heading("教師專業學習社群", level=1)
    document.add_paragraph("本學期共同備課的主題是閱讀理解。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "週次"
    table.cell(0, 1).text = "活動"
    table.cell(1, 0).text = "第一週"
    table.cell(1, 1).text = "公開授課與觀課"
    document.add_paragraph("會後進行議課與回饋。")
    for number in range(paragraphs):
        document.add_paragraph(f"第{number}段：學生的學習表現。")
    document.save(path)
    return path


def _pptx(path: Path) -> Path:
    """Write a PPTX of two slides in Simplified Chinese, each with speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for title, body, notes in (
        ("教师专业学习社群", "共同备课与观课", "第一张的备注"),
        ("第二张幻灯片", "议课与反思", "记得提醒老师们交回馈单"),
    ):
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        box = slide.shapes.add_textbox(Inches(1), Inches(5), Inches(4), Inches(1))
        box.text_frame.text = f"{title}的文本框"
        slide.notes_slide.notes_text_frame.text = notes
    presentation.save(path)
    return path


def _pdf(path: Path, pages: list[str], *, font: Path | None = None) -> Path:
    """Write a PDF with one page per string, in Helvetica or in the given (CJK) font."""
    from fpdf import FPDF

    pdf = FPDF()
    if font is None:
        pdf.set_font("helvetica", size=12)
    else:
        pdf.add_font("cjk", fname=str(font), collection_font_number=0)
        pdf.set_font("cjk", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def _encrypted(source: Path, target: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    # RC4 needs no extra crypto package, for writing here or for reading in the extractor.
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    writer.write(target)
    return target


def _with_members(source: Path, target: Path, members: dict[str, bytes]) -> Path:
    shutil.copy(source, target)
    with zipfile.ZipFile(target, "a") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return target


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("extract")
    english = _pdf(root / "english.pdf", ["Lesson study notes. Page one.", "Reflection on page two."])
    return {
        "docx": _docx(root / "plan.docx"),
        "pptx": _pptx(root / "slides.pptx"),
        "pdf": english,
        "encrypted": _encrypted(english, root / "locked.pdf", "secret"),
        "owner_only": _encrypted(english, root / "owner.pdf", ""),
    }


def test_docx_paragraphs_and_table_cells_in_document_order(files):
    text = extract_text(files["docx"], DOCX)
    assert text is not None
    for expected in ("教師專業學習社群", "本學期共同備課的主題是閱讀理解。", "週次\t活動", "第一週\t公開授課與觀課",
                     "會後進行議課與回饋。", "臺北市立示範國中"):
        assert expected in text
    assert text.index("閱讀理解") < text.index("公開授課") < text.index("議課與回饋")


def test_pptx_every_slide_with_notes_in_order(files):
    text = extract_text(files["pptx"], PPTX)
    assert text is not None
    for expected in ("教师专业学习社群", "共同备课与观课", "第一张的备注", "第二张幻灯片的文本框",
                     "记得提醒老师们交回馈单"):
        assert expected in text
    assert text.index("共同备课") < text.index("第一张的备注") < text.index("议课与反思") < text.index("交回馈单")


def test_pdf_text_page_by_page(files):
    text = extract_text(files["pdf"], PDF)
    assert text is not None
    assert "Lesson study notes. Page one." in text
    assert text.index("Page one") < text.index("page two")


@pytest.mark.skipif(not NOTO_CJK.exists(), reason="Noto CJK font not installed")
def test_pdf_with_chinese_text(tmp_path):
    path = _pdf(tmp_path / "cjk.pdf", ["教師專業學習社群：共同備課。", "第二頁：公開授課與觀課。"], font=NOTO_CJK)
    text = extract_text(path, PDF)
    assert text is not None
    # The NULs pypdf reads from this font's CMap are stripped with the other control characters.
    assert "教師專業學習社群：共同備課。" in text
    assert "第二頁：公開授課與觀課。" in text


def test_encrypted_pdf_gives_none(files):
    assert extract_text(files["encrypted"], PDF) is None


def test_pdf_with_empty_user_password_opens(files):
    assert "Lesson study notes" in extract_text(files["owner_only"], PDF)


TRADITIONAL = "教師專業學習社群：共同備課與公開授課。我們每週三下午在會議室討論學生的學習。"
SIMPLIFIED = "教师专业学习社群：共同备课与公开授课。我们每周三下午在会议室讨论学生的学习。"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TRADITIONAL.encode("utf-8"), TRADITIONAL),
        (TRADITIONAL.encode("utf-8-sig"), TRADITIONAL),
        (TRADITIONAL.encode("utf-16"), TRADITIONAL),
        ("Lesson notes: 共同備課".encode("utf-16-le"), "Lesson notes: 共同備課"),
        (SIMPLIFIED.encode("utf-16-be"), None),  # neither BOM nor NULs: not recognised, but no crash either
        (TRADITIONAL.encode("big5"), TRADITIONAL),
        (TRADITIONAL.encode("cp950"), TRADITIONAL),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
        (SIMPLIFIED.encode("gb2312"), SIMPLIFIED),
        (("社群筆記\n" * 3 + TRADITIONAL).encode("big5"), "社群筆記\n社群筆記\n社群筆記\n" + TRADITIONAL),
        (b"plain ASCII notes", "plain ASCII notes"),
        (b"", ""),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16-le-latin", "utf16-cjk-no-bom", "big5", "cp950", "gb18030",
         "gb2312", "big5-lines", "ascii", "empty"],
)
def test_text_files_in_common_chinese_encodings(tmp_path, data, expected):
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    text = extract_text(path, "text/plain")
    assert isinstance(text, str)
    if expected is not None:
        assert text == expected


def test_markdown_and_media_type_parameters(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# 共同備課\n\n- 閱讀理解\n- 數學素養\n", encoding="utf-8")
    assert extract_text(path, "text/markdown") == "# 共同備課\n\n- 閱讀理解\n- 數學素養"
    assert extract_text(path, "Text/Plain; charset=utf-8") == "# 共同備課\n\n- 閱讀理解\n- 數學素養"


def test_text_is_normalised(tmp_path):
    path = tmp_path / "messy.txt"
    messy = "Cafe\u0301\x00\x07 notes\r\n\r\n\r\n\r\n\tindented  \n\x0cnext\x1b[31m page\n\n\n"
    path.write_text(messy, encoding="utf-8")
    assert extract_text(path, "text/plain") == "Café notes\n\n\tindented\n\nnext[31m page"


def test_text_is_cut_at_max_chars_even_inside_a_character(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(("備課" * 50_000).encode("utf-8"))
    text = extract_text(path, "text/plain", max_chars=100)
    assert text == ("備課" * 50)[:100]
    big5 = tmp_path / "long-big5.txt"
    big5.write_bytes(("共同備課。" * 1000).encode("big5"))
    assert extract_text(big5, "text/plain", max_chars=7) == "共同備課。共同"


def test_docx_is_cut_at_max_chars(tmp_path):
    text = extract_text(_docx(tmp_path / "long.docx", paragraphs=2000), DOCX, max_chars=300)
    assert text is not None
    assert 250 < len(text) <= 300
    assert text.startswith("教師專業學習社群")


@pytest.mark.parametrize("media_type", ["image/png", "application/zip", "text/html", ""])
def test_other_types_give_none(files, media_type):
    assert extract_text(files["docx"], media_type) is None


def test_missing_file_gives_none(tmp_path):
    assert extract_text(tmp_path / "gone.txt", "text/plain") is None
    assert extract_text(tmp_path / "gone.pdf", PDF) is None


def test_truncated_docx_gives_none(files, tmp_path):
    data = files["docx"].read_bytes()
    damaged = tmp_path / "damaged.docx"
    damaged.write_bytes(data[: len(data) // 2])
    assert extract_text(damaged, DOCX) is None


def test_docx_with_broken_xml_gives_none(files, tmp_path):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(files["docx"]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = b"<w:document><unclosed" if info.filename == "word/document.xml" else source.read(info)
            target.writestr(info, data)
    assert extract_text(broken, DOCX) is None


def test_damaged_pdf_and_pptx_give_none(tmp_path):
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    assert extract_text(fake_pdf, PDF) is None
    fake_pptx = tmp_path / "fake.pptx"
    fake_pptx.write_bytes(b"PK\x03\x04 not really a presentation")
    assert extract_text(fake_pptx, PPTX) is None


@pytest.fixture()
def no_child(monkeypatch):
    """Fail the test if a parser process is started: refusals must happen before any parser runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("a parser was started")

    monkeypatch.setattr(extract, "_run_child", refuse)


@pytest.mark.parametrize("name", ["../evil", "word/../../evil", "/evil", "C:/evil", "..\\evil"])
def test_zip_with_escaping_entry_gives_none_and_writes_nothing(files, tmp_path, no_child, name):
    folder = tmp_path / "upload"
    folder.mkdir()
    disguised = _with_members(files["docx"], folder / "plan.docx", {name: b"owned"})
    before = {path for path in tmp_path.rglob("*")}
    assert extract_text(disguised, DOCX) is None
    assert {path for path in tmp_path.rglob("*")} == before
    assert not Path("/evil").exists()
    assert not (Path.cwd().parent / "evil").exists()


def test_zip_with_too_many_entries_gives_none_before_any_parser_runs(files, tmp_path, no_child):
    """Refused from the archive's directory alone (no_child fails the test if a parser starts); no stopwatch,
    which a busy CI machine would turn into a flaky test."""
    crowded = tmp_path / "crowded.docx"
    shutil.copy(files["docx"], crowded)
    with zipfile.ZipFile(crowded, "a") as archive:
        for number in range(20_000):
            archive.writestr(f"filler/{number}.xml", b"")
    assert extract_text(crowded, DOCX) is None


def test_zip_too_large_unpacked_gives_none(files, monkeypatch, no_child):
    monkeypatch.setattr(extract, "MAX_ZIP_BYTES", 1000)
    assert extract_text(files["docx"], DOCX) is None
    assert extract_text(files["pptx"], PPTX) is None


def test_slow_extraction_is_killed_at_the_timeout(files, tmp_path, monkeypatch):
    pid_file = tmp_path / "child.pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    monkeypatch.setattr(extract, "_child_command", lambda *args: [sys.executable, "-c", hang])
    started = time.monotonic()
    assert extract_text(files["pdf"], PDF, timeout=1.0) is None
    assert time.monotonic() - started < 30  # the child sleeps 60 s: it was stopped, not waited for
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left running in the background


def test_preview_cuts_at_a_chinese_sentence_end():
    text = "第一句話說明共同備課的目的。第二句話介紹觀課的流程！第三句話還沒有說完就被截斷了"
    preview = preview_text(text, limit=30)
    assert preview == "第一句話說明共同備課的目的。第二句話介紹觀課的流程！…"


def test_preview_prefers_a_paragraph_end():
    text = "First paragraph. It has two sentences.\n\nSecond paragraph is long. " + "More words here. " * 20
    assert preview_text(text, limit=70) == "First paragraph. It has two sentences.…"


def test_preview_keeps_short_text_and_handles_none():
    assert preview_text("短短一句。", limit=100) == "短短一句。"
    assert preview_text(None) == ""
    assert preview_text("") == ""


def test_preview_without_boundaries_cuts_hard():
    preview = preview_text("備" * 5000)
    assert preview == "備" * 2000 + "…"
    assert preview_text("word " * 1000, limit=52).endswith("word…")


def test_csv_is_read_as_text(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("姓名,分數\n王小明,95\n", encoding="utf-8")
    assert "王小明" in (extract_text(path, "text/csv") or "")
