"""LibreOffice in headless mode, for the tests that prove an export opens in a real office suite: convert a DOCX
or XLSX to PDF (each conversion with its own user profile, so parallel runs never share one), read the PDF's text
and fonts with poppler, and render a page to PNG.

Without LibreOffice or poppler the tests skip, unless REQUIRE_OFFICE=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from html import unescape
from pathlib import Path

import pytest
from PIL import Image, ImageChops

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
        names = ", ".join(missing)
        if os.environ.get("REQUIRE_OFFICE") == "1":
            pytest.fail(f"REQUIRE_OFFICE=1 but {names} not found", pytrace=False)
        pytest.skip(f"{names} not found (REQUIRE_OFFICE=1 makes this fail)")
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


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>')


def _cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def shows_distinct_cjk_glyphs(pdf: Path, out_dir: Path, page: int = 1, dpi: int = 150) -> bool:
    """Whether page `page`, rendered to PNG, draws two different Chinese characters as two different shapes.

    A missing CJK font draws every character as the same box (tofu); the PDF's text layer still extracts, so only
    the picture tells. The first word of two different CJK characters is found with `pdftotext -bbox`, the two
    characters cut out of the rendered page (full-width characters share the word's width evenly), and compared:
    both must have ink, and they must differ."""
    layout = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
    picture = Image.open(render_page(pdf, out_dir, page=page, dpi=dpi)).convert("L")
    scale = dpi / 72
    for match in _WORD.finditer(layout):
        text = unescape(match[5])
        if len(text) < 2 or not all(_cjk(char) for char in text) or text[0] == text[1]:
            continue
        left, top, right, bottom = (float(value) * scale for value in match.groups()[:4])
        width = (right - left) / len(text)
        first, second = (picture.crop((round(left + index * width), round(top), round(left + (index + 1) * width),
                                       round(bottom))) for index in (0, 1))
        inked = all(crop.getextrema()[0] < 128 for crop in (first, second))
        return inked and ImageChops.difference(first, second).getbbox() is not None
    raise AssertionError(f"no word of two different Chinese characters on page {page} of {pdf.name}")
