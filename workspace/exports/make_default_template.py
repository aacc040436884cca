"""Write the shipped default funder template (default_report_template.docx) with python-docx.

Run `python -m workspace.exports.make_default_template` after changing it; the DOCX is committed beside it. Every
placeholder is written as one run (so none is split) and every name is one `templates.fill_context` fills.

The template is shared by every language of the app: its headings and labels are `labels` of the context, worded
in the report's language (學校：…, 学校：…, School: …), with the language's own colon (`labels.colon`), so nothing
is written here in one language. A funder's own template is usually in one language and writes its labels itself.
"""

from __future__ import annotations

from pathlib import Path

import docx
import docx.document
from docx.shared import Cm

from workspace.core.docx import page_number, set_column_widths

TARGET = Path(__file__).with_name("default_report_template.docx")


def field(label: str, name: str) -> str:
    """A label and its value on one line, in the report's language: 學校：{{ school }} / School: {{ school }}."""
    return f"{{{{ labels.{label} }}}}{{{{ labels.colon }}}}{{{{ {name} }}}}"


def texts(document: docx.document.Document, name: str) -> None:
    """The convener's text, or "—" under its heading while it is not written (as the built report shows it)."""
    for text in (f"{{%p if {name} %}}", f"{{{{ {name} }}}}", "{%p else %}", "—", "{%p endif %}"):
        document.add_paragraph(text)


def build(target: Path = TARGET) -> Path:
    """Write the template to `target`."""
    document = docx.Document()
    # Every page numbered in the report's words (第 3 頁, Page 3), as the built report is.
    page_number(document.sections[0].footer.paragraphs[0], "{{ labels.page_before }}", "{{ labels.page_after }}")
    document.add_paragraph("{%p if withdrawn %}")  # a withdrawn enrolment's report says so first
    document.add_paragraph("{{ withdrawn }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("{{ community }}", level=0)
    document.add_paragraph("{{ labels.title }}")
    for name in ("school", "program", "period"):
        document.add_paragraph(field(name, name))
    document.add_paragraph("{%p if period_roc %}")  # a Taiwanese funder's (NT$) only
    document.add_paragraph(field("period_roc", "period_roc"))
    document.add_paragraph("{%p endif %}")
    document.add_paragraph(field("convener", "convener"))
    document.add_paragraph("{%p if co_convener %}")  # no empty line where a community has no co-convener
    document.add_paragraph(field("co_convener", "co_convener"))
    document.add_paragraph("{%p endif %}")
    document.add_paragraph(field("date", "date"))
    document.add_heading("{{ labels.preface }}", level=1)
    texts(document, "preface")
    document.add_heading("{{ labels.figures }}", level=1)
    for name in ("members", "activities_held", "hours", "attendance", "overall_attendance_rate", "attendance_rate"):
        document.add_paragraph(field(name, name))
    document.add_paragraph("{%p if attendance_not_counted %}")  # activities without a roll call: how many left out
    document.add_paragraph("{{ attendance_not_counted }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("{{ labels.by_method }}", level=2)
    table = document.add_table(rows=3, cols=3)
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, ("{{ labels.method }}", "{{ labels.activities }}",
                                                "{{ labels.hours_column }}"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for row in by_method %}"
    for cell, text in zip(table.rows[2].cells, ("{{ row.method }}", "{{ row.activities }}", "{{ row.hours }}"),
                          strict=True):
        cell.text = text
    # the closing tag goes on its own row, docxtpl removes the rows that hold only a {%tr %} tag
    closing = table.add_row()
    closing.cells[0].text = "{%tr endfor %}"
    document.add_heading("{{ labels.rules }}", level=1)
    document.add_paragraph("{{ rules_note }}")  # the day judged, or (withdrawn) that no status is given
    rules = document.add_table(rows=3, cols=3)
    rules.style = document.styles["Table Grid"]
    for cell, text in zip(rules.rows[0].cells, ("{{ labels.rule }}", "{{ labels.figure }}", "{{ labels.status }}"),
                          strict=True):
        cell.text = text
    rules.rows[1].cells[0].text = "{%tr for r in rules %}"
    for cell, text in zip(rules.rows[2].cells, ("{{ r.rule }}", "{{ r.figure }}", "{{ r.status }}"), strict=True):
        cell.text = text
    rules.add_row().cells[0].text = "{%tr endfor %}"
    # The rule's words take the room; its figure and status are short (three equal columns wrapped each rule
    # every eight characters).
    set_column_widths(rules, [Cm(9.5), Cm(4.5), Cm(2.5)])
    document.add_paragraph("{%p for r in rules if r.missing %}")  # what is still missing, under each rule
    document.add_paragraph(field("missing", "r.rule"))
    document.add_paragraph("{%p for m in r.missing %}")
    document.add_paragraph("• {{ m }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("{{ labels.activity_list }}", level=1)
    document.add_paragraph("{%p for a in activities %}")
    document.add_paragraph("{{ a.summary }}")
    document.add_paragraph("{{ a.minutes }}")
    document.add_paragraph("{%p else %}")  # an empty section says so, as the built report does
    document.add_paragraph("{{ labels.no_activities }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("{{ labels.materials }}", level=1)
    document.add_paragraph("{%p for m in materials %}")
    document.add_paragraph("{{ m.line }}")
    document.add_paragraph("{%p else %}")
    document.add_paragraph("{{ labels.no_materials }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("{{ labels.culture_change }}", level=1)
    texts(document, "culture_change")
    document.add_heading("{{ labels.satisfaction }}", level=1)
    document.add_paragraph(field("answers", "satisfaction_answers"))
    document.add_paragraph(field("average", "satisfaction_average"))
    document.add_paragraph("{%p if comments %}")
    document.add_heading("{{ labels.comments }}", level=2)
    document.add_paragraph("{%p for c in comments %}")
    document.add_paragraph("{{ c.comment }}", style="Quote")
    document.add_paragraph("— {{ c.activity }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("{{ labels.photos }}", level=1)
    document.add_paragraph("{%p for photo in photos %}")
    document.add_paragraph("{{ photo.image }}")
    document.add_paragraph("{{ photo.caption }}")
    document.add_paragraph("{%p else %}")
    document.add_paragraph("{{ labels.no_photos }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if photos_kept_to_pairs %}")  # a pair's private records keep their photos
    document.add_paragraph("{{ photos_kept_to_pairs }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("{{ labels.video }}", level=1)
    document.add_paragraph("{%p if video %}")
    for label, name in (("activity", "video.activity"), ("date", "video.date"), ("file", "video.file")):
        document.add_paragraph(field(label, name))
    document.add_paragraph("{%p else %}")  # no bare heading: the section says there is no video
    document.add_paragraph("{{ labels.no_video }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("{{ labels.budget }}", level=1)
    for name in ("approved", "spent", "remaining"):
        document.add_paragraph(field(name, name))
    document.add_paragraph("{%p if has_not_claimable %}")  # kept, not claimable: only when there is some
    document.add_paragraph(field("not_claimable", "not_claimable"))
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p for line in budget %}")
    document.add_paragraph("{{ line.line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if books %}")
    document.add_heading("{{ labels.books }}", level=2)
    document.add_paragraph("{%p for b in books %}")
    document.add_paragraph("{{ b.line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")
    document.save(target)
    return target


if __name__ == "__main__":
    print(build())
