"""The ledger and the sign-in sheets in a real office suite: LibreOffice (headless, a profile per conversion)
converts them to PDF; the ledger's Chinese is in the text layer with a CJK font, and the sign-in sheets print a
page per activity. Uses the exports tests' LibreOffice helper (tests/exports/office.py); skips without it."""

from __future__ import annotations

from tests.exports import office
from tests.exports.sheets_data import community_year
from workspace.exports import ledger, signin


def test_the_ledger_converts_to_pdf_with_chinese_glyphs(ctx, tmp_path):
    year = community_year()
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data)
    pdf = office.to_pdf(source, tmp_path)
    text = office.pdf_text(pdf)
    assert "共同備課：分數的教學" in text and "陳召集" in text
    assert office.has_cjk_font(pdf)
    assert office.shows_distinct_cjk_glyphs(pdf, tmp_path)  # drawn as glyphs, not as boxes


def test_the_sign_in_sheets_print_a_page_per_activity(ctx, tmp_path):
    year = community_year()
    source = tmp_path / "sheets.docx"
    source.write_bytes(signin.sign_in_sheets(year.enrollment, "zh_Hant").data)
    pdf = office.to_pdf(source, tmp_path)
    assert office.page_count(pdf) == len(year.held) + 1
    assert "林老師" in office.pdf_text(pdf)


def test_the_english_ledger_s_expenses_print_with_their_payee_beside_their_note(ctx, tmp_path):
    """QA 10: in English the Expenses sheet printed two pages wide; its Claimable, Hours and Note columns stood on a
    page of their own, with only the dates to tell the rows apart. Each page holds the payee with the note."""
    year = community_year()
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(ledger.ledger_xlsx(year.enrollment, "en").data)
    pages = office.pdf_text(office.to_pdf(source, tmp_path)).split("\f")
    for header in ("Members", "Receipt"):  # the last columns of Activities and of Expenses
        [page] = [page for page in pages if header in page and "Date" in page][:1]
        assert "Title" in page or "Payee" in page, page
    expenses = next(page for page in pages if "Receipt" in page)
    assert "便利商店" in expenses and "Note" in expenses and "Claimable" in expenses
