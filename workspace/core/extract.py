"""Text of uploaded files for search and previews: DOCX, PPTX, PDF, plain text and Markdown.

Text files are decoded in-process (bounded read). Office files and PDFs are parsed by this module run
as a script in a child Python process, killed at a timeout and limited in memory, CPU and file writes,
so that a pathological file cannot hang or bloat a web worker; ZIP-based files are checked first.
The child imports only the standard library and the one parser it needs (not Flask and the app).
"""

from __future__ import annotations

import codecs
import logging
import math
import re
import subprocess
import sys
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_CHARS = 200_000
TIMEOUT = 15.0
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_BYTES = 200 * MB
# Address space of the child: parsers plus a large document fit; a bomb gets MemoryError instead of swap.
CHILD_MEMORY_BYTES = 1024 * MB
PREVIEW_LIMIT = 2000

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
KINDS = {PDF: "pdf", DOCX: "docx", PPTX: "pptx", "text/plain": "text", "text/markdown": "text", "text/csv": "text"}
# Each child may use up to 1 GiB: at most two at once per web process, whatever its thread count.
_CHILDREN = threading.BoundedSemaphore(2)
ZIP_KINDS = frozenset({"docx", "pptx"})

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Without a BOM and not valid UTF-8: whichever of these reads best (UTF-8 with a stray bad byte, or an
# older Chinese file); ties go to the first, so Big5 (cp950, as Windows in Taiwan writes it) beats GB18030.
FALLBACK_ENCODINGS = ("utf-8", "cp950", "gb18030")
DETECT_SAMPLE_CHARS = 20_000

LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
TRAILING_SPACE = re.compile(r"[ \t\u3000]+\n")
BLANK_LINES = re.compile(r"\n{3,}")
PARAGRAPH_END = re.compile(r"\n\s*\n")
# A sentence ends at 。！？!? (maybe with a closing quote), or at . or … followed by a space ("e.g." is not one).
SENTENCE_END = re.compile(r"[。！？!?][」』”’）)\"']*|[.…][\"'”’)]*(?=\s)")
ELLIPSIS = "…"


def extract_text(path: Path, media_type: str, *, max_chars: int = MAX_CHARS, timeout: float = TIMEOUT) -> str | None:
    """Return the normalised text of the file (at most max_chars), or None when there is none to be had."""
    kind = KINDS.get(media_type.split(";", 1)[0].strip().lower())
    if kind is None:
        return None
    path = Path(path)
    try:
        if kind == "text":
            return _read_text(path, max_chars)
        if kind in ZIP_KINDS and not _zip_is_safe(path):
            logger.warning("no text extracted from %s: unsafe or damaged archive", path.name)
            return None
        return _run_child(path, kind, max_chars, timeout)
    except Exception:
        # Extraction only feeds search: an upload must never fail because of it.
        logger.exception("text extraction failed for %s", path.name)
        return None


def preview_text(text: str | None, limit: int = PREVIEW_LIMIT) -> str:
    """Return the start of text for a preview, cut at a paragraph or sentence end and marked with an ellipsis."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ELLIPSIS
    window = text[:limit]
    cut = _last_end(PARAGRAPH_END, window, minimum=limit // 2, use_start=True)
    if cut is None:
        cut = _last_end(SENTENCE_END, window, minimum=limit // 4)
    if cut is None:
        space = max(window.rfind(" "), window.rfind("\n"))
        cut = space if space >= limit // 2 else limit
    return window[:cut].rstrip() + ELLIPSIS


def _last_end(pattern: re.Pattern[str], window: str, *, minimum: int, use_start: bool = False) -> int | None:
    ends = [match.start() if use_start else match.end() for match in pattern.finditer(window)]
    ends = [end for end in ends if end >= minimum]
    return ends[-1] if ends else None


def _normalise(text: str) -> str:
    """Return text in NFC without control characters (but newline and tab) and without runs of blank lines."""
    text = unicodedata.normalize("NFC", text)
    text = CONTROLS.sub("", LINE_BREAKS.sub("\n", text))
    text = TRAILING_SPACE.sub("\n", text + "\n")
    return BLANK_LINES.sub("\n\n", text).strip()


def _collect(chunks: Iterable[str], max_chars: int, separator: str = "\n\n") -> str:
    """Join normalised chunks (pages, slides, paragraphs) and stop reading once max_chars are there."""
    parts: list[str] = []
    total = 0
    for chunk in chunks:
        part = _normalise(chunk)
        if part:
            parts.append(part)
            total += len(part) + len(separator)
        if total >= max_chars:
            break
    return _normalise(separator.join(parts))[:max_chars].rstrip()


# Text files, in-process


def _read_text(path: Path, max_chars: int) -> str:
    # Four bytes per character is the widest any accepted encoding needs (UTF-8, UTF-16 pairs, GB18030).
    budget = max_chars * 4 + 4
    with path.open("rb") as handle:
        data = handle.read(budget + 1)
    complete = len(data) <= budget
    return _normalise(_decode(data[:budget], complete=complete))[:max_chars].rstrip()


def _decode(data: bytes, *, complete: bool = True) -> str:
    """Decode a text file: by its BOM, else UTF-8, else the legacy Chinese encoding that reads best."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_as(data, encoding, complete)
    utf16 = _utf16_without_bom(data[: DETECT_SAMPLE_CHARS * 2])
    if utf16:
        return _decode_as(data, utf16, complete)
    try:
        # A cut-off file may end inside a character: the incremental decoder keeps that tail back.
        return codecs.getincrementaldecoder("utf-8")(errors="strict").decode(data, final=complete)
    except UnicodeDecodeError:
        pass
    best = max(FALLBACK_ENCODINGS, key=lambda encoding: _plausibility(data, encoding))
    return _decode_as(data, best, complete)


def _utf16_without_bom(sample: bytes) -> str | None:
    """Return the UTF-16 byte order of mostly Latin text saved without a BOM (NULs on one side), else None."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > len(sample) // 8 and even * 4 < odd:
        return "utf-16-le"
    if even > len(sample) // 8 and odd * 4 < even:
        return "utf-16-be"
    return None


def _decode_as(data: bytes, encoding: str, complete: bool) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=complete)


def _plausibility(data: bytes, encoding: str) -> float:
    """Return the share of non-ASCII characters that are ordinary text in this reading of data."""
    sample = _decode_as(data[: DETECT_SAMPLE_CHARS * 2], encoding, False)
    chars = [char for char in sample if ord(char) > 0x7F]
    if not chars:
        return 0.0
    return sum(_is_common(char, encoding) for char in chars) / len(chars)


def _is_common(char: str, encoding: str) -> bool:
    # A wrong reading lands outside the common core of the encoding: GB2312 for GB text, Big5's
    # punctuation and frequent characters (lead bytes A1–C6) for Big5 text.
    if char == "\ufffd" or "\ue000" <= char <= "\uf8ff":
        return False
    try:
        if encoding == "gb18030":
            char.encode("gb2312")
            return True
        if encoding == "cp950":
            encoded = char.encode("cp950")
            return len(encoded) == 2 and 0xA1 <= encoded[0] <= 0xC6
    except UnicodeEncodeError:
        return False
    return True


# ZIP checks, in the parent, before any parser opens the file


def _unsafe_member(name: str) -> bool:
    if "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _zip_is_safe(path: Path) -> bool:
    """Return whether the ZIP's central directory is small, bounded and free of escaping names."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError,
            OSError, ValueError):
        return False
    return (
        len(infos) <= MAX_ZIP_ENTRIES
        and sum(info.file_size for info in infos) <= MAX_ZIP_BYTES
        and not any(_unsafe_member(info.filename) for info in infos)
    )


# The child process


def _child_command(path: Path, kind: str, max_chars: int, timeout: float) -> list[str]:
    # -I: no PYTHON* variables, user site or script folder (whose modules would shadow the stdlib);
    # -B: nothing written, not even bytecode.
    return [sys.executable, "-I", "-B", str(Path(__file__).resolve()), kind, str(path), str(max_chars),
            str(timeout)]


def _run_child(path: Path, kind: str, max_chars: int, timeout: float) -> str | None:
    command = _child_command(path, kind, max_chars, timeout)
    try:
        # On timeout, run() kills the child and reaps it before raising.
        with _CHILDREN:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,  # noqa: S603
                                  timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        logger.warning("text extraction from %s (%s) killed after %.1f s", path.name, kind, timeout)
        return None
    if done.returncode != 0:
        last_line = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no message)"])[-1]
        logger.warning("no text extracted from %s (%s): %s", path.name, kind, last_line[:300])
        return None
    return done.stdout.decode("utf-8", "replace")


def _limit_child(timeout: float) -> None:
    """Bound the child's memory, CPU time (in case its parent dies) and file writes."""
    try:
        import resource
    except ImportError:  # not on POSIX: the parent's timeout still applies
        return

    def lower(limit: int, value: int) -> None:
        hard = resource.getrlimit(limit)[1]
        if hard == resource.RLIM_INFINITY or hard > value:
            resource.setrlimit(limit, (value, value))

    lower(resource.RLIMIT_AS, CHILD_MEMORY_BYTES)
    lower(resource.RLIMIT_CPU, math.ceil(timeout) + 2)
    lower(resource.RLIMIT_FSIZE, 0)  # Python ignores SIGXFSZ, so a write fails instead of killing


def _pdf_chunks(path: Path) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    # Many PDFs are "encrypted" with an empty user password (permissions only): those open.
    if reader.is_encrypted and not reader.decrypt(""):
        raise PermissionError("encrypted PDF")
    for page in reader.pages:
        yield page.extract_text() or ""


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _docx_chunks(path: Path) -> Iterator[str]:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = Document(str(path))
    yield from _docx_blocks(document.element.body)
    seen: set[str] = set()
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            text = "\n".join(_docx_blocks(rel.target_part.element))
            if text.strip() and text not in seen:
                seen.add(text)
                yield text


def _docx_blocks(container: Any) -> Iterator[str]:
    """Yield the paragraphs and table rows of a body, cell, text box or header in document order."""
    for child in container:
        if child.tag == f"{W}p":
            yield from _docx_paragraph(child)
        elif child.tag == f"{W}tbl":
            for row in child.iterchildren(f"{W}tr"):
                cells = ("\n".join(_docx_blocks(cell)).strip() for cell in row.iterchildren(f"{W}tc"))
                yield "\t".join(cell for cell in cells if cell)
        elif child.tag not in (f"{W}sectPr", f"{W}del", f"{MC}Fallback"):
            yield from _docx_blocks(child)  # content controls, insertions, custom XML hold paragraphs too


def _docx_paragraph(paragraph: Any) -> Iterator[str]:
    parts: list[str] = []
    boxes: list[Any] = []

    def visit(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag == f"{W}tab":
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag == f"{W}txbxContent":
                boxes.append(child)
            # Properties hold tab stops (also w:tab); a Fallback repeats its Choice; deletions are gone.
            elif tag not in (f"{W}pPr", f"{W}rPr", f"{W}del", f"{W}moveFrom", f"{MC}Fallback"):
                visit(child)

    visit(paragraph)
    yield "".join(parts)
    for box in boxes:
        yield from _docx_blocks(box)


def _pptx_chunks(path: Path) -> Iterator[str]:
    from pptx import Presentation

    for slide in Presentation(str(path)).slides:
        parts = [text for shape in slide.shapes for text in _pptx_shape(shape)]
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            parts.append(slide.notes_slide.notes_text_frame.text)
        yield "\n".join(parts)


def _pptx_shape(shape: Any) -> Iterator[str]:
    from pptx.shapes.group import GroupShape

    if isinstance(shape, GroupShape):
        for member in shape.shapes:
            yield from _pptx_shape(member)
    elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        yield shape.text_frame.text
    elif getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            yield "\t".join(cell.text for cell in row.cells if cell.text.strip())


# Kind → (chunks of text, what joins them): pages and slides are set apart, Word paragraphs are lines.
EXTRACTORS: dict[str, tuple[Callable[[Path], Iterable[str]], str]] = {
    "pdf": (_pdf_chunks, "\n\n"),
    "docx": (_docx_chunks, "\n"),
    "pptx": (_pptx_chunks, "\n\n"),
}


def _child_main(argv: list[str]) -> int:
    """Write the text of one file to stdout (UTF-8); fail with a traceback and a non-zero status."""
    kind, path, max_chars, timeout = argv
    _limit_child(float(timeout))
    # Parser warnings about sloppy files are noise here; failures surface as exceptions.
    logging.basicConfig(level=logging.ERROR)
    chunks, separator = EXTRACTORS[kind]
    text = _collect(chunks(Path(path)), int(max_chars), separator)
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
