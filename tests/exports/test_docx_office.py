"""The DOCX builder's page numbers in a real office suite: LibreOffice fills the footer's PAGE field on every page.
Uses the exports tests' LibreOffice helper (tests/exports/office.py); skips without it."""

from __future__ import annotations

import re
import subprocess

from tests.exports import office
from workspace.core.docx import DocxBuilder


def test_libreoffice_numbers_each_page_in_the_document_s_language(tmp_path):
    office.office()
    builder = DocxBuilder(language="zh_Hant", footer="五年級數學社群 · 114 學年度計畫")
    builder.paragraph("第一頁的內容")
    builder.page_break()
    builder.paragraph("第二頁的內容")
    source = tmp_path / "two-pages.docx"
    builder.save(source)
    pdf = office.to_pdf(source, tmp_path)
    assert office.page_count(pdf) == 2
    second = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    assert "五年級數學社群" in second
    assert re.search(r"第\s*2\s*頁", second)  # pdftotext may leave out the spaces LibreOffice draws around the digit
    assert not re.search(r"第\s*1\s*頁", second)
