"""Write the shipped default funder template (default_report_template.docx) with python-docx.

Run `python -m workspace.exports.make_default_template` after changing it; the DOCX is committed beside it. Every
placeholder is written as one run (so none is split) and every name is one `templates.fill_context` fills.
"""

from __future__ import annotations

from pathlib import Path

import docx

TARGET = Path(__file__).with_name("default_report_template.docx")


def build(target: Path = TARGET) -> Path:
    """Write the template to `target`."""
    document = docx.Document()
    document.add_heading("{{ community }}", level=0)
    document.add_paragraph("成果報告 Results report")
    for label, name in (("學校 School", "school"), ("方案 Program", "program"), ("期間 Period", "period")):
        document.add_paragraph(f"{label}: {{{{ {name} }}}}")
    document.add_paragraph("{%p if period_roc %}")  # a Taiwanese funder's (NT$) only
    document.add_paragraph("期間（民國）Period (ROC): {{ period_roc }}")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("召集人 Convener: {{ convener }}")
    document.add_paragraph("{%p if co_convener %}")  # no empty line where a community has no co-convener
    document.add_paragraph("副召集人 Co-conveners: {{ co_convener }}")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("日期 Date: {{ date }}")
    document.add_heading("前言 Preface", level=1)
    document.add_paragraph("{{ preface }}")
    document.add_heading("量化資料 Figures", level=1)
    for label, name in (("成員 Members", "members"), ("活動次數 Activities held", "activities_held"),
                        ("總時數 Total hours", "hours"), ("出席 Attended", "attended"),
                        ("應出席 Expected", "expected"), ("出席率 Overall attendance rate", "overall_attendance_rate"),
                        ("每場平均出席率 Average rate per activity", "attendance_rate")):
        document.add_paragraph(f"{label}: {{{{ {name} }}}}")
    table = document.add_table(rows=3, cols=3)
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, ("進行方式 Method", "次數 Activities", "時數 Hours"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for row in by_method %}"
    for cell, text in zip(table.rows[2].cells, ("{{ row.method }}", "{{ row.activities }}", "{{ row.hours }}"),
                          strict=True):
        cell.text = text
    # the closing tag goes on its own row, docxtpl removes the rows that hold only a {%tr %} tag
    closing = table.add_row()
    closing.cells[0].text = "{%tr endfor %}"
    document.add_heading("計畫規定 The program's rules", level=1)
    rules = document.add_table(rows=3, cols=3)
    rules.style = document.styles["Table Grid"]
    for cell, text in zip(rules.rows[0].cells, ("規定 Rule", "數據 Figure", "狀態 Status"), strict=True):
        cell.text = text
    rules.rows[1].cells[0].text = "{%tr for r in rules %}"
    for cell, text in zip(rules.rows[2].cells, ("{{ r.rule }}", "{{ r.figure }}", "{{ r.status }}"), strict=True):
        cell.text = text
    rules.add_row().cells[0].text = "{%tr endfor %}"
    document.add_paragraph("{%p for r in rules if r.missing %}")  # what is still missing, under each rule
    document.add_paragraph("{{ r.rule }}")
    document.add_paragraph("{%p for m in r.missing %}")
    document.add_paragraph("• {{ m }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("歷次活動 Activities", level=1)
    document.add_paragraph("{%p for a in activities %}")
    document.add_paragraph("{{ a.summary }}")
    document.add_paragraph("{{ a.minutes }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("研發之課程或教材 Materials", level=1)
    document.add_paragraph("{%p for m in materials %}")
    document.add_paragraph("{{ m.title }}: {{ m.url }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("學校組織文化之改變 Change in school culture", level=1)
    document.add_paragraph("{{ culture_change }}")
    document.add_heading("教師滿意度 Satisfaction", level=1)
    document.add_paragraph("{{ satisfaction_answers }} / {{ satisfaction_average }}")
    document.add_paragraph("{%p for c in comments %}")
    document.add_paragraph("「{{ c.comment }}」— {{ c.activity }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("照片 Photos", level=1)
    document.add_paragraph("{%p for photo in photos %}")
    document.add_paragraph("{{ photo.image }}")
    document.add_paragraph("{{ photo.caption }}")
    document.add_paragraph("{%p endfor %}")
    document.add_heading("影音檔 Video", level=1)
    document.add_paragraph("{%p if video %}")
    document.add_paragraph("{{ video.date }} {{ video.activity }}: {{ video.file }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("經費 Budget", level=1)
    for label, name in (("核撥 Approved", "approved"), ("支用 Spent", "spent"), ("結餘 Remaining", "remaining")):
        document.add_paragraph(f"{label}: {{{{ {name} }}}}")
    document.add_paragraph("{%p for line in budget %}")
    document.add_paragraph("{{ line.category }}: {{ line.spent }} ({{ line.claims }})")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if books %}")
    document.add_paragraph("書單 Book list")
    document.add_paragraph("{%p for b in books %}")
    document.add_paragraph("{{ b.line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")
    document.save(target)
    return target


if __name__ == "__main__":
    print(build())
