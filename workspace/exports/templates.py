"""Funders' own DOCX templates for the results report: checked on upload, filled with docxtpl.

A template holds Jinja placeholders (`{{ community }}`, `{% for a in activities %}…{% endfor %}`) that the report's
`ReportContent` fills (`fill_context` lists every name; docs/exports.md documents them). On upload the
file is checked, and each problem is kept on the row by name, before anyone depends on it:

- `not_docx`: the file is no Word document (refused at once, beside the field: nothing is kept);
- `split`: Word split a placeholder across runs (the text was typed, corrected or formatted in pieces): found by
  looking at each paragraph's runs, a `{{ … }}` whose text spans more than one `w:r`;
- `unknown`: a name the report does not fill (a typo such as `{{ comunity }}`);
- `syntax`: the placeholders do not read as a template at all;
- `unsafe`: a placeholder reaches for Python's internals (`x.__class__`, `x['_y']`, `|attr`): a report's names
  have none, and the template would be asking the server for more than text. It is filled in Jinja's sandbox in
  any case (`fill_bytes`), so such a template cannot run anything even if it got through;
- `external`: the file points outside itself (an attached template or any other external relationship but a
  hyperlink: Word would fetch it on opening every report built from it, which can load remote macros or hand a
  Windows login to another server).

A template with problems is kept but not offered (`FunderTemplate.usable`) until it is replaced.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import escape, unescape
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from flask_babel import gettext as _
from jinja2 import TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workspace.compliance import wording as compliance_wording
from workspace.core.database import utcnow
from workspace.core.docx import DEFAULT_LANGUAGE, xml_safe
from workspace.core.docx import LANGUAGES as DOCUMENT_LANGUAGES
from workspace.core.errors import ValidationError
from workspace.core.i18n import current_locale_code, format_hours, local_date, month_year
from workspace.core.models import record_event
from workspace.core.photos import blobs_by_id, print_photo
from workspace.core.storage import blob_path
from workspace.core.text import render_markdown
from workspace.exports.content import (
    ReportContent,
    members_label,
    method_label,
    mode_label,
    money,
    not_taken_text,
    percent,
    period_text,
    photos_kept_to_pairs_text,
    report_ascii_name,
    report_filename,
    roc_day,
    rules_note,
)
from workspace.exports.files import DOCX, ExportFile, Progress, no_progress
from workspace.exports.models import FunderTemplate
from workspace.exports.wording import withdrawn_text
from workspace.extensions import db

DEFAULT_TEMPLATE = Path(__file__).with_name("default_report_template.docx")
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# Inside a placeholder or a tag: an attribute or item whose name starts with "_", or the `attr` filter.
UNSAFE = re.compile(r"\.\s*_|\[\s*['\"]_|\|\s*attr\b")
NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")
PHOTO_WIDTH = Mm(120)

# Every name a template may use (the keys of fill_context); the docs list them with what they hold.
CONTEXT_NAMES = (
    "community", "school", "schools", "program", "period", "period_first", "period_last", "convener", "conveners",
    "co_convener", "co_conveners", "date", "preface", "culture_change", "members", "member_names", "activities_held",
    "activities", "by_method", "by_mode", "by_month", "hours", "attended", "expected", "attendance_rate",
    "overall_attendance_rate", "satisfaction_answers", "satisfaction_average", "comments", "materials", "photos",
    "video", "approved", "spent", "remaining", "not_claimable", "has_not_claimable", "budget", "period_roc",
    "period_first_roc", "period_last_roc", "date_roc", "rules", "books", "attendance", "attendance_not_counted",
    "withdrawn", "rules_note", "photos_kept_to_pairs", "labels",
)


# -- checking --------------------------------------------------------------------------------------------------


def _paragraphs(document: DocumentObject) -> Iterator[Any]:
    """Every paragraph of the body, its tables (nested too), headers and footers."""

    def of(container: Any) -> Iterator[Any]:
        yield from container.paragraphs
        for table in getattr(container, "tables", ()):
            for row in table.rows:
                for cell in row.cells:
                    yield from of(cell)

    yield from of(document)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous:
                yield from of(part)


def placeholder_name(expression: str) -> str:
    """The name a placeholder reads: `community` of `{{ community }}`, `a` of `{{ a.title|upper }}`."""
    found = NAME.match(expression)
    return found.group(1) if found else expression.strip()


def split_placeholders(document: DocumentObject) -> list[str]:
    """The names of the placeholders whose text Word spread over more than one run, in document order."""
    names: list[str] = []
    for paragraph in _paragraphs(document):
        runs = [run.text for run in paragraph.runs]
        text = "".join(runs)
        if "{{" not in text:
            continue
        ends, total = [], 0
        for run in runs:
            total += len(run)
            ends.append(total)
        for found in PLACEHOLDER.finditer(text):
            first = _run_at(ends, found.start())
            last = _run_at(ends, found.end() - 1)
            if first != last:
                names.append(placeholder_name(found.group(1)))
    return names


def _run_at(ends: list[int], offset: int) -> int:
    for index, end in enumerate(ends):
        if offset < end:
            return index
    return len(ends) - 1


def check_template(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The placeholders a DOCX holds (names, in order, once each) and its problems ([{"code", "name"}]).

    Raise ValidationError (field `file`) when the bytes are no Word document.
    """
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on a file that is no DOCX
        raise ValidationError(_("This file is not a Word document (.docx)."), "file") from error
    found: list[str] = []
    for paragraph in _paragraphs(document):
        for match in PLACEHOLDER.finditer(paragraph.text):
            name = placeholder_name(match.group(1))
            if name not in found:
                found.append(name)
    problems: list[dict[str, str]] = []
    for name in split_placeholders(document):
        problem = {"code": "split", "name": name}
        if problem not in problems:
            problems.append(problem)
    try:
        undeclared = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()
    except TemplateSyntaxError as error:
        problems.append({"code": "syntax", "name": str(error.message or "")[:200]})
        undeclared = set()
    except Exception as error:  # a DOCX docxtpl cannot read at all
        raise ValidationError(_("This file is not a Word document (.docx)."), "file") from error
    for name in sorted(undeclared - set(CONTEXT_NAMES), key=lambda name: [*found, name].index(name)):
        problems.append({"code": "unknown", "name": name})
    for tag in TAG.finditer("\n".join(paragraph.text for paragraph in _paragraphs(document))):
        if UNSAFE.search(tag.group(0)):
            problems.append({"code": "unsafe", "name": tag.group(0)[:200]})
    problems += [{"code": "external", "name": target[:200]} for target in external_references(document)]
    # what the report fills, in the order it appears: the loops' own variables (`a` of `a.title`) left out
    text = "\n".join(paragraph.text for paragraph in _paragraphs(document))
    ordered = [placeholder_name(match.group(1) or match.group(2))
               for match in re.finditer(r"\{\{(.*?)\}\}|\{%-?\s*\w*\s*(?:for\s+[\w\s,]+?\s+in|if|elif)\s+(\w+)", text)]
    top = set(CONTEXT_NAMES) | undeclared
    placeholders = list(dict.fromkeys(name for name in ordered if name in top)) if top & set(ordered) else found
    return placeholders, problems


def external_references(document: DocumentObject) -> list[str]:
    """Where the document's parts point outside the file (an attached template, a linked image or frame …),
    hyperlinks left out (a reader follows those by choice): once each, in the order found."""
    found: list[str] = []
    for part in document.part.package.iter_parts():
        for rel in part.rels.values():
            if rel.is_external and rel.reltype != RT.HYPERLINK and rel.target_ref not in found:
                found.append(rel.target_ref)
    return found


def problem_text(problem: dict[str, str]) -> str:
    """A template's problem in words, naming the placeholder."""
    name = problem.get("name", "")
    code = problem.get("code")
    if code == "split":
        return _("The placeholder {{ %(name)s }} is split across pieces of text in Word: delete it and type it "
                 "again in one go, without changing its formatting half-way.", name=name)
    if code == "unknown":
        return _("The placeholder {{ %(name)s }} names nothing the report fills.", name=name)
    if code == "syntax":
        return _("The placeholders do not read as a template: %(message)s", message=name)
    if code == "unsafe":
        return _("%(text)s asks for more than the report's names: a placeholder names what the report fills, "
                 "nothing starting with _ and no attr filter.", text=name)
    if code == "external":
        return _("The file points outside itself (%(target)s): Word would fetch it whenever a report made from "
                 "this template is opened. Save the template again without the attached template or link.",
                 target=name)
    return name


# -- keeping ---------------------------------------------------------------------------------------------------


def add_template(stored: Any, name: str, actor: Any, *, program_id: int | None = None) -> FunderTemplate:
    """Keep an uploaded funder's template (a `StoredFile`), checked: its placeholders and problems on the row.

    Raise ValidationError beside the field when the file is no DOCX or the name is blank.
    """
    name = " ".join((name or "").split())[:200] or Path(stored.filename or "").stem[:200]
    if stored.media_type != DOCX:
        raise ValidationError(_("Upload the funder's template as a Word document (.docx), not %(name)s.",
                                name=stored.filename), "file")
    if not name:
        raise ValidationError(_("Give the template a name."), "name")
    with open(blob_path(stored.blob), "rb") as handle:
        placeholders, problems = check_template(handle.read())
    template = FunderTemplate(name=name, program_id=program_id, blob=stored.blob, filename=stored.filename,
                              placeholders=placeholders, problems=problems, uploaded_by_id=getattr(actor, "id", None))
    db.session.add(template)
    db.session.flush()
    record_event(actor, "template.uploaded", template, name=template.name)
    return template


def trash_template(template: FunderTemplate, actor: Any, *, restore: bool = False) -> None:
    """Move a template to the trash (no longer offered) or put it back."""
    template.deleted_at = None if restore else utcnow()
    record_event(actor, "template.restored" if restore else "template.trashed", template, name=template.name)


# -- filling ---------------------------------------------------------------------------------------------------


def fill_context(content: ReportContent, *, template: DocxTemplate | None = None,
                 progress: Progress = no_progress) -> dict[str, Any]:
    """What a template's placeholders read, from the one `ReportContent` (words in the current locale). With a
    `template`, `photos` holds docxtpl InlineImages resized for print; without, their captions only."""
    ledger = content.ledger
    withdrawn = content.withdrawn_on is not None
    photos = []
    blobs = blobs_by_id([photo.blob_id for photo in content.photos]) if template is not None else {}
    for index, photo in enumerate(content.photos, 1):
        caption = " · ".join(part for part in (local_date(photo.day), photo.activity_title, photo.caption) if part)
        image = None
        if template is not None:
            data = print_photo(blobs.get(photo.blob_id))
            image = InlineImage(template, io.BytesIO(data), width=PHOTO_WIDTH) if data else None
            progress(index, len(content.photos), "photos")
        photos.append({"image": image or "", "caption": xml_safe(caption), "activity": xml_safe(photo.activity_title),
                       "date": local_date(photo.day)})
    return {
        "community": xml_safe(content.community_name), "school": xml_safe(content.school),
        "schools": [xml_safe(name) for name in content.schools], "program": xml_safe(content.program_name),
        "period": period_text(content), "period_first": local_date(content.period_first),
        "period_last": local_date(content.period_last), "convener": xml_safe(content.convener),
        "conveners": [xml_safe(name) for name in content.conveners], "co_convener": xml_safe(content.co_convener),
        "co_conveners": [xml_safe(name) for name in content.co_conveners], "date": local_date(content.generated_on),
        "preface": _plain(content.preface), "culture_change": _plain(content.culture_change),
        "members": content.members, "member_names": [xml_safe(name) for name in content.member_names],
        "activities_held": content.held,
        "activities": [{"title": xml_safe(row.title), "date": local_date(row.day), "method": method_label(row.method),
                        "mode": mode_label(row.mode), "hours": format_hours(row.hours), "place": xml_safe(row.place),
                        "minutes": _plain(row.minutes), "outcomes": _plain(row.outcomes), "attended": row.attended,
                        "expected": row.expected, "attendance_rate": percent(row.rate),
                        "summary": xml_safe(_activity_summary(row))}
                       for row in content.activities],
        "by_method": [{"method": method_label(row.code), "activities": row.activities, "hours": format_hours(row.hours)}
                      for row in content.by_method],
        "by_mode": [{"mode": mode_label(row.code), "activities": row.activities, "hours": format_hours(row.hours)}
                    for row in content.by_mode],
        "by_month": [{"month": month_year(month), "activities": count} for month, count in content.by_month],
        "hours": format_hours(content.hours), "attended": content.attended, "expected": content.expected,
        "attendance": _("%(attended)d of %(expected)d expected", attended=content.attended,
                        expected=content.expected),
        "attendance_rate": percent(content.attendance_rate),
        "overall_attendance_rate": percent(content.overall_rate),
        "attendance_not_counted": not_taken_text(content),  # "" when every held activity had a roll call
        "satisfaction_answers": content.satisfaction.responses,
        "satisfaction_average": "—" if content.satisfaction.average is None
        else f"{content.satisfaction.average:.2f}",
        "comments": [{"comment": xml_safe(row.comment), "activity": xml_safe(row.activity_title),
                      "satisfaction": row.satisfaction} for row in content.chosen_comments],
        "materials": [{"title": xml_safe(row.title), "kind": row.kind, "detail": xml_safe(row.detail), "url": row.url,
                       "adaptations": row.adaptations, "line": xml_safe(_field(row.title, row.url))}
                      for row in content.materials],
        "photos": photos,
        "video": {"activity": xml_safe(content.video.activity_title), "date": local_date(content.video.day),
                  "file": xml_safe(content.video.filename)} if content.video else None,
        "approved": money(ledger.approved, content), "spent": money(ledger.spent, content),
        "remaining": money(ledger.remaining, content), "not_claimable": money(ledger.not_claimable, content),
        "has_not_claimable": bool(ledger.not_claimable),
        "budget": [{"category": xml_safe(line.name), "claims": line.claims,
                    "spent": money(line.spent, content), "not_claimable": money(line.not_claimable, content),
                    "line": xml_safe(_budget_line(line, content))}
                   for line in content.budget],
        # A county's form dates its reports in the ROC calendar: 民國115年8月1日 (a date before 1912 stays ISO); a
        # program of another funder (not in NT$) has none, so that `{%p if period_roc %}` leaves the line out.
        **_roc_days(content),
        # A withdrawn enrolment's rules are judged no more: each with its figure, no status and nothing "missing"
        # (`rules_note` says why, `withdrawn` heads the document).
        "rules": [{"rule": xml_safe(line.message), "citation": xml_safe(line.citation), "figure": xml_safe(line.figure),
                   "status": "" if withdrawn else line.status,
                   "missing": [] if withdrawn else [xml_safe(gap) for gap in line.gaps]} for line in content.rules],
        "withdrawn": withdrawn_text(content.withdrawn_on) if withdrawn else "",
        "rules_note": rules_note(content),
        "photos_kept_to_pairs": photos_kept_to_pairs_text(content),
        "books": [{"title": xml_safe(book.title), "author": xml_safe(book.author),
                   "relevance": xml_safe(book.relevance), "line": xml_safe(_book_line(book))}
                  for book in content.books],
        "labels": _labels(content),
    }


def _labels(content: ReportContent) -> dict[str, str]:
    """The words a template writes around the names (headings, labels, the sentences of an empty section), in the
    report's language, as the built report words them: `{{ labels.school }}{{ labels.colon }}{{ school }}` reads
    學校：… in Chinese and School: … in English. None is named as a dict's method (`items`, `values` …), which
    Jinja would find first."""
    page_words = DOCUMENT_LANGUAGES.get(current_locale_code(), DOCUMENT_LANGUAGES[DEFAULT_LANGUAGE]).page_words
    return {
        "colon": _("%(label)s: %(value)s", label="", value=""),  # "：" in Chinese, ": " in English
        "title": _("Results report"), "community": _("Community"), "school": _("School"), "program": _("Program"),
        "period": _("Period"), "period_roc": _("Period (ROC calendar)"), "convener": _("Convener"),
        "co_convener": _("Co-convener") if len(content.co_conveners) == 1 else _("Co-conveners"),
        "date": _("Date"), "preface": _("Preface"), "figures": _("Figures"), "members": members_label(),
        "activities_held": _("Activities held"), "hours": _("Total hours"), "attendance": _("Attendance"),
        "overall_attendance_rate": _("Overall attendance rate"),
        "attendance_rate": _("Average attendance rate per activity"), "by_method": _("Activities by method"),
        "by_mode": _("Activities by mode"), "method": _("Method"), "mode": _("Mode"), "activities": _("Activities"),
        "hours_column": _("Hours"), "rules": _("The program's rules"), "rule": _("Rule"), "figure": _("Figure"),
        "status": _("Status"), "missing": _("What is still missing"),
        "activity_list": _("Activities and their minutes"), "no_activities": _("No activity was held in the period."),
        "materials": _("Materials and curricula developed"),
        "no_materials": _("No material was shared in the period."),
        "culture_change": _("Change in school culture"), "satisfaction": _("Teacher satisfaction"),
        "answers": _("Answers"), "average": _("Average (1–5)"), "comments": _("What the teachers said"),
        "photos": _("Photos"), "no_photos": _("No photo was kept."), "video": _("Activity video"),
        "no_video": _("No video was kept."), "activity": _("Activity"), "file": _("File"), "budget": _("Budget"),
        "approved": _("Approved"), "spent": _("Spent (claimable)"), "remaining": _("Remaining"),
        "not_claimable": _("Kept, not claimable"), "claims": _("Claims"), "books": _("Book list"),
        # the footer's page number, in the words the built report's footer uses (第 3 頁, Page 3)
        "page_before": page_words[0], "page_after": page_words[1],
    }


def _field(label: str, value: str) -> str:
    """`label：value` with the language's colon (the label alone when there is no value)."""
    return _("%(label)s: %(value)s", label=label, value=value) if value.strip() else label


def _budget_line(line: Any, content: ReportContent) -> str:
    """A budget category on one line: 講義印刷費：NT$150（筆數：1）; a category without claims: its amount only."""
    spent = money(line.spent, content)
    if line.claims:
        spent = _("%(text)s (%(detail)s)", text=spent, detail=_field(_("Claims"), str(line.claims)))
    return _field(line.name, spent)


def _roc_days(content: ReportContent) -> dict[str, str]:
    if content.currency != "TWD":
        return dict.fromkeys(("period_roc", "period_first_roc", "period_last_roc", "date_roc"), "")
    return {"period_roc": _("%(first)s to %(last)s", first=roc_day(content.period_first),
                            last=roc_day(content.period_last)),
            "period_first_roc": roc_day(content.period_first), "period_last_roc": roc_day(content.period_last),
            "date_roc": roc_day(content.generated_on)}


def _activity_summary(row: Any) -> str:
    """An activity on one line, in the language's brackets and separator: 2026年9月10日 共同備課（協同備課、2 小時）."""
    return _("%(text)s (%(detail)s)", text=f"{local_date(row.day)} {row.title}",
             detail=compliance_wording.listing([method_label(row.method), format_hours(row.hours)]))


def _book_line(book: Any) -> str:
    """A title of the book list on one line: the title, its author in brackets when known, why it matters."""
    line = _("%(text)s (%(detail)s)", text=book.title, detail=book.author) if book.author.strip() else book.title
    return _field(line, book.relevance)


def _plain(markdown: str) -> str:
    """Markdown as the plain text a template's run shows (the sanitized page's text, paragraphs on lines)."""
    html = str(render_markdown(xml_safe(markdown)))
    # A link keeps its address, as the built report's does ("詳見 計畫網站（https://…）"), and a list item its bullet.
    html = re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', _link_text, html, flags=re.S)
    html = re.sub(r"<li>", "• ", html)
    text = re.sub(r"</(p|li|h[1-6]|tr|blockquote|pre)>", "\n", html)
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\n[ \t]*\n(\s*\n)+", "\n\n", text)  # a block's end and the line after it: one blank line
    return xml_safe(unescape(text)).strip()


def _link_text(match: re.Match[str]) -> str:
    """A link as plain text: its words and its address (only the address when the words are the address)."""
    address, words = unescape(match.group(1)), match.group(2)
    if unescape(re.sub(r"<[^>]+>", "", words)).strip() in (address, address.removeprefix("mailto:")):
        return words
    return _("%(text)s (%(detail)s)", text=words, detail=escape(address))  # HTML still: the tags go next


def fill_bytes(data: bytes, content: ReportContent, *, progress: Progress = no_progress) -> bytes:
    """A template's bytes filled with the report's content (docxtpl; autoescaped, so text stays text)."""
    document = DocxTemplate(io.BytesIO(data))
    # Jinja's sandbox: a template is a funder's file an administrator uploaded, not code this server should run
    # (a plain Environment would let `{{ x.__class__.__mro__ … }}` start a process).
    try:
        document.render(fill_context(content, template=document, progress=progress),
                        jinja_env=ImmutableSandboxedEnvironment(autoescape=True), autoescape=True)
    except SecurityError as error:
        raise ValidationError(_("The template asks for more than the report's names; it cannot be filled. "
                                "Replace it on the templates page.")) from error
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fill(template: FunderTemplate, content: ReportContent, *, language: str,
         progress: Progress = no_progress) -> ExportFile:
    """The results report in a funder's template (the caller has set the locale to `language`)."""
    with open(blob_path(template.blob), "rb") as handle:
        data = handle.read()
    # Named after the template too: a report built in the funder's format and our own report of the same day are
    # two files (成果報告-社群-縣市格式-PLC-100-2026-07-31.docx beside 成果報告-社群-PLC-100-2026-07-31.docx).
    return ExportFile(report_filename(content, template.name), DOCX, data=fill_bytes(data, content, progress=progress),
                      ascii_name=report_ascii_name(content, "results-report-template"))


def fill_default(content: ReportContent, *, progress: Progress = no_progress) -> bytes:
    """The shipped default template filled (it shows every name a funder's template may use)."""
    return fill_bytes(DEFAULT_TEMPLATE.read_bytes(), content, progress=progress)
