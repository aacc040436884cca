"""LibreOffice in headless mode, for the tests that prove an export opens in a real office suite: convert a DOCX
or XLSX to PDF (each conversion with its own user profile, so parallel runs never share one), read the PDF's text
and fonts with poppler, and render a page to PNG.

Without LibreOffice or poppler the tests skip, unless REQUIRE_OFFICE=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

CONVERT_TIMEOUT = 180  # seconds: a cold LibreOffice start on a busy CI machine is slow
# Fonts that hold CJK glyphs (what fontconfig substitutes for Microsoft JhengHei / YaHei on Linux). A PDF whose only
# fonts are Latin ones shows Chinese as boxes, even though its text layer still extracts.
CJK_FONT_MARKERS = ("CJK", "Droid", "WenQuanYi", "UMing", "UKai", "AR PL", "Source Han", "Sarasa", "Noto Serif TC")


def office() -> str:
    """The soffice command, or skip (fail under REQUIRE_OFFICE=1)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    missing = [name for name, path in (("LibreOffice", found), ("pdftoppm", shutil.which("pdftoppm")),
                                        ("pdffonts", shutil.which("pdffonts"))) if not path]
    if missing:
        message = f"{', '.join(missing)} not found (REQUIRE_OFFICE=1 makes this fail)"
        if os.environ.get("REQUIRE_OFFICE") == "1":
            pytest.fail(message.replace("(REQUIRE_OFFICE=1 makes this fail)", "but REQUIRE_OFFICE=1"), pytrace=False)
        pytest.skip(message)
    return found


def to_pdf(source: Path, out_dir: Path) -> Path:
    """Convert `source` to PDF with LibreOffice, in a user profile of its own; the PDF's path."""
    command = office()
    profile = out_dir / f"lo-profile-{uuid.uuid4().hex}"
    completed = subprocess.run(
        [command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
        capture_output=True, text=True, timeout=CONVERT_TIMEOUT, check=False)
    pdf = out_dir / (source.stem + ".pdf")
    assert completed.returncode == 0 and pdf.is_file(), (completed.stdout, completed.stderr)
    return pdf


def pdf_text(pdf: Path) -> str:
    """The PDF's text layer, in reading order."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_fonts(pdf: Path) -> list[str]:
    """The names of the fonts the PDF uses (subset prefixes removed)."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.split()[0].split("+", 1)[-1] for line in lines[2:] if line.strip()]


def has_cjk_font(pdf: Path) -> bool:
    """Whether the PDF embeds a font with CJK glyphs (else its Chinese shows as boxes)."""
    return any(marker.replace(" ", "") in font.replace(" ", "") for font in pdf_fonts(pdf)
               for marker in CJK_FONT_MARKERS)


def page_count(pdf: Path) -> int:
    """How many pages the PDF has."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def render_page(pdf: Path, out_dir: Path, page: int = 1, dpi: int = 60) -> Path:
    """Page `page` of the PDF as a PNG."""
    prefix = out_dir / f"{pdf.stem}-page"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(prefix)], check=True, capture_output=True)
    return prefix.with_suffix(".png")
