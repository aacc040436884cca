"""The results report (成果報告) as DOCX, and the convener's texts it keeps.

`build_report(content, language)` writes the report from a `content.ReportContent` through the one DOCX builder
(core/docx.py): cover, table of contents, preface, the figures with a chart, each activity with its minutes, the
materials linked to the library, the change in school culture, satisfaction with the chosen comments, photos
resized for print, the video's reference and the budget statement. `job_builder` is what the background job runs:
a funder's template (templates.py) when the job names one, else this builder.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Sequence
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import or_

from workspace.activities import records as activity_records
from workspace.compliance import wording as compliance_wording
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment
from workspace.core.database import utcnow
from workspace.core.docx import DocxBuilder
from workspace.core.errors import Conflict, ValidationError
from workspace.core.i18n import format_hours, local_date, month_year
from workspace.core.models import record_event
from workspace.core.photos import blobs_by_id, print_photo
from workspace.exports import templates
from workspace.exports.content import (
    Material,
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
    report_content,
    report_filename,
    report_text_of,
    roc_period_field,
    rules_note,
)
from workspace.exports.files import DOCX, ExportFile, Progress, language_or_default, no_progress
from workspace.exports.models import ExportJob, FunderTemplate, ReportText
from workspace.exports.wording import withdrawn_text
from workspace.extensions import db

MAX_TEXT = 200_000  # characters of a preface or a culture-change text


# -- the convener's texts ------------------------------------------------------------------------------------


def save_texts(enrollment: Enrollment, *, preface: str, culture_change: str, chosen_feedback_ids: Collection[int],
               video_activity_id: int | None, version: int | None, actor: Any) -> ReportText:
    """Keep the report's texts: preface, change in school culture (Markdown), the comments chosen, the cited
    video's activity. Refused (Conflict) when someone saved since `version`; refused (ValidationError, by field)
    when a chosen comment or the video's activity is not one of this enrolment's period."""
    kept = report_text_of(enrollment)
    current = kept.version if kept else 0
    if (version or 0) != current:
        raise Conflict(_("Someone else saved these texts after you opened them. Reload to see their changes."))
    period = program_period(enrollment.program)
    ids = [enrollment.community_id]
    problems = []
    if len(preface) > MAX_TEXT:
        problems.append(ValidationError(_("Keep the preface under %(count)d characters.", count=MAX_TEXT),
                                        "preface"))
    if len(culture_change) > MAX_TEXT:
        problems.append(ValidationError(_("Keep the text under %(count)d characters.", count=MAX_TEXT),
                                        "culture_change"))
    known = {row.id for row in activity_records.feedback_comments(ids, period)}
    if set(chosen_feedback_ids) - known:
        problems.append(ValidationError(_("Choose comments given on this community's activities."),
                                        "chosen_feedback_ids"))
    if video_activity_id is not None and video_activity_id not in {
            row.activity_id for row in activity_records.report_videos(ids, period)}:
        problems.append(ValidationError(_("Choose an activity of the period that has a video."), "video_activity_id"))
    if problems:
        raise ValidationError.combine(problems)
    if kept is None:
        kept = ReportText(enrollment_id=enrollment.id, version=0)
        db.session.add(kept)
    kept.preface = preface
    kept.culture_change = culture_change
    kept.chosen_feedback_ids = sorted(set(chosen_feedback_ids))
    kept.video_activity_id = video_activity_id
    kept.version = current + 1
    kept.updated_by_id = getattr(actor, "id", None)
    kept.updated_at = utcnow()
    db.session.flush()
    record_event(actor, "report_text.changed", kept, enrollment.community, program=enrollment.program.name)
    return kept


# -- the funders' templates offered ----------------------------------------------------------------------------


def offered_templates(enrollments: Sequence[Enrollment]) -> dict[int, list[FunderTemplate]]:
    """The funders' templates each enrolment may be built with (by its id): live, usable, and made for its program
    or for no program in particular (a county's format for one program is no other program's); one query."""
    program_ids = {enrollment.program_id for enrollment in enrollments}
    rows = [template for template in db.session.scalars(
        db.select(FunderTemplate).where(FunderTemplate.live, or_(FunderTemplate.program_id.is_(None),
                                                                 FunderTemplate.program_id.in_(program_ids)))
        .order_by(FunderTemplate.name, FunderTemplate.id)) if template.usable]
    return {enrollment.id: [template for template in rows
                            if template.program_id is None or template.program_id == enrollment.program_id]
            for enrollment in enrollments}


def offered_template(enrollment: Enrollment, template_id: int) -> FunderTemplate:
    """The template chosen for an enrolment, or a ValidationError (field `template_id`) when it is not offered for
    it: trashed, with problems, unknown, or made for another program."""
    for template in offered_templates([enrollment])[enrollment.id]:
        if template.id == template_id:
            return template
    raise ValidationError(_("This format is not offered for this program: choose another one."),
                          field="template_id")


# -- the document ----------------------------------------------------------------------------------------------


def job_builder(export_job: ExportJob, progress: Progress) -> ExportFile:
    """Build the results report a job asks for (its enrolment, language and options: a funder's template)."""
    if export_job.enrollment is None:
        raise ValueError("a results report needs an enrolment")
    options = export_job.options or {}
    template_id, most = options.get("template_id"), options.get("photos_per_activity")
    # Judged as of the moment the job started (jobs.run_export records it), which its file's name carries: the
    # plain ASCII name given at the download (jobs.plain_file_name) is read from the same moment.
    return results_report(export_job.enrollment, export_job.language, progress=progress,
                          template_id=int(template_id) if template_id else None,
                          photos_per_activity=int(most) if most else None,
                          now=export_job.started_at or utcnow(), timed=True)


# What the exports page offers first and what a submission's frozen report places: a report of a year's activities
# with every photo inline runs to hundreds of megabytes, held in memory while Word's file is written; the evidence
# pack beside it keeps them all.
DEFAULT_PHOTOS_PER_ACTIVITY = 4


def results_report(enrollment: Enrollment, language: str, *, progress: Progress = no_progress,
                   template_id: int | None = None, photos_inline: bool = True,
                   photos_per_activity: int | None = None, now: dt.datetime | None = None,
                   timed: bool = False) -> ExportFile:
    """The results report of an enrolment in `language`: our own document, or the funder's template filled.

    `photos_per_activity` places at most that many photos of each activity (the convener's choice on the exports
    page; None: all) and says how many more the evidence pack holds.

    `photos_inline=False` lists the photos instead of placing them (the evidence pack, whose activity folders
    hold them already): a Word file holds its pictures in memory as it is written, so a report of thousands
    of photos inside a streamed pack would make the pack's memory grow with them. `now`: the day it is judged on
    (a submission's files: the day it was handed in). `timed`: a background build, whose file's name carries the
    local time of `now` after its day (two builds of one evening are two names)."""
    language = language_or_default(language)
    with force_locale(language):
        progress(0, 1, "figures")
        content = report_content(enrollment, now=now, timed=timed).photos_per_activity(photos_per_activity)
        if template_id:
            # Asked again as the job runs: the template may have been trashed, or the job started elsewhere.
            template = offered_template(enrollment, template_id)
            return templates.fill(template, content, language=language, progress=progress)
        return build_report(content, language=language, progress=progress, photos_inline=photos_inline)


def build_report(content: ReportContent, *, language: str = "zh_Hant",
                 progress: Progress = no_progress, photos_inline: bool = True) -> ExportFile:
    """Write the results report of `content` in `language` (zh_Hant, zh_Hans, en)."""
    language = language_or_default(language)
    with force_locale(language):
        report_title = _("Results report")
        builder = DocxBuilder(language=language, title=f"{report_title} · {content.community_name}",
                              footer=f"{content.community_name} · {content.program_name}")
        _cover(builder, content)
        _quantitative(builder, content)
        _rules(builder, content)
        _qualitative(builder, content, progress)
        if photos_inline:
            _photos(builder, content, progress)
        else:
            _photo_list(builder, content)
        _video(builder, content)
        _budget(builder, content)
        return ExportFile(report_filename(content), DOCX, data=builder.to_bytes(),
                          ascii_name=report_ascii_name(content, "results-report"))


def _cover(builder: DocxBuilder, content: ReportContent) -> None:
    if content.withdrawn_on is not None:  # the first thing a reader of the file sees, above the title
        builder.paragraph(withdrawn_text(content.withdrawn_on), bold=True)
    builder.cover(_("Results report"), subtitle=content.community_name, fields=[
        (_("Community"), content.community_name),
        (_("School"), content.school),
        (_("Program"), content.program_name),
        (_("Period"), period_text(content)),
        *roc_period_field(content.period_first, content.period_last, content.currency),
        (_("Convener"), content.convener),
        *([(_("Co-convener") if len(content.co_conveners) == 1 else _("Co-conveners"), content.co_convener)]
          if content.co_conveners else []),
        (_("Date"), local_date(content.generated_on)),
    ])
    builder.paragraph(_("Contents"), bold=True)
    builder.table_of_contents("1-3", placeholder=_("Update the field to see the table of contents."))
    builder.page_break()
    builder.heading(_("Preface"), 1)
    builder.markdown(content.preface, heading_offset=2, empty="—")


def _quantitative(builder: DocxBuilder, content: ReportContent) -> None:
    builder.heading(_("Figures"), 1)
    builder.fields([
        (members_label(), str(content.members)),
        (_("Activities held"), str(content.held)),
        (_("Total hours"), format_hours(content.hours)),
        (_("Attendance"), _("%(attended)d of %(expected)d expected", attended=content.attended,
                            expected=content.expected)),
        (_("Overall attendance rate"), percent(content.overall_rate)),
        (_("Average attendance rate per activity"), percent(content.attendance_rate)),
    ])
    note = not_taken_text(content)
    if note:
        builder.paragraph(note, italic=True)
    builder.heading(_("Activities by method"), 2)
    builder.table([(method_label(row.code), row.activities, format_hours(row.hours)) for row in content.by_method]
                  or [("—", 0, format_hours(0))], header=[_("Method"), _("Activities"), _("Hours")])
    builder.heading(_("Activities by mode"), 2)
    builder.table([(mode_label(row.code), row.activities, format_hours(row.hours)) for row in content.by_mode]
                  or [("—", 0, format_hours(0))], header=[_("Mode"), _("Activities"), _("Hours")])
    builder.heading(_("Activities per month"), 2)
    if content.by_month:
        builder.image(month_chart(content.by_month), caption=_("Activities held per month (year-month)"))
        builder.table([(month_year(month), count) for month, count in content.by_month],  # 2026年9月
                      header=[_("Month"), _("Activities")])


def _rules(builder: DocxBuilder, content: ReportContent) -> None:
    """The funder's rules as the panel judged them on the report's day: each one's figure and status, and what is
    missing, so the report says in the program's own terms (同步課堂, 送教下鄉 …) where the community stands. Of a
    withdrawn enrolment, each rule and its figure only: the panel judges it no more, so there is no status to give
    (the engine judges the records as they are today, not as they were on the day it was withdrawn)."""
    if not content.rules:
        return
    builder.heading(_("The program's rules"), 1)
    builder.paragraph(rules_note(content), italic=True)
    if content.withdrawn_on is not None:
        builder.table([(line.message, line.figure) for line in content.rules], header=[_("Rule"), _("Figure")])
        return
    builder.table([(line.message, line.figure, line.status) for line in content.rules],
                  header=[_("Rule"), _("Figure"), _("Status")])
    missing = [line for line in content.rules if line.gaps]
    if missing:
        builder.heading(_("What is still missing"), 2)
        for line in missing:
            builder.paragraph(line.message, bold=True)
            for gap in line.gaps:
                builder.paragraph(gap, style="List Bullet")


def _qualitative(builder: DocxBuilder, content: ReportContent, progress: Progress) -> None:
    builder.heading(_("Activities and their minutes"), 1)
    if not content.activities:
        builder.paragraph(_("No activity was held in the period."))
    for index, activity in enumerate(content.activities, 1):
        builder.heading(f"{local_date(activity.day)} {activity.title}", 2)
        facts = [method_label(activity.method), mode_label(activity.mode), format_hours(activity.hours)]
        if activity.place.strip():
            facts.append(activity.place)
        builder.paragraph(" · ".join(facts), italic=True)
        if activity.attendance_taken:
            builder.paragraph(_("Attendance: %(attended)d of %(expected)d (%(rate)s)", attended=activity.attended,
                                expected=activity.expected, rate=percent(activity.rate)))
        else:
            builder.paragraph(_("Attendance was not taken."))
        if activity.private and activity.has_minutes:  # written, and the pair's to read
            builder.paragraph(_("Minutes were written; they are kept to the pair."))
        else:
            builder.markdown(activity.minutes, heading_offset=2, empty=_("No minutes were written."))
        if activity.outcomes.strip():
            builder.paragraph(_("Outcomes"), bold=True)
            builder.markdown(activity.outcomes, heading_offset=2)
        progress(index, len(content.activities), "activities")

    builder.heading(_("Materials and curricula developed"), 1)
    if content.materials:
        # The link under its title, in the widest column: a column of its own was squeezed until each address broke
        # over five lines beside a half-empty "Kind" (QA, the printed report).
        builder.table([(f"{row.title}\n{row.url}" if row.url else row.title, material_kind(row), row.detail or "—")
                       for row in content.materials], header=[_("Title"), _("Kind"), _("Subject and grade")])
    else:
        builder.paragraph(_("No material was shared in the period."))

    builder.heading(_("Change in school culture"), 1)
    builder.markdown(content.culture_change, heading_offset=2, empty="—")

    builder.heading(_("Teacher satisfaction"), 1)
    satisfaction = content.satisfaction
    builder.fields([
        (_("Answers"), str(satisfaction.responses)),
        (_("Average (1–5)"), "—" if satisfaction.average is None else f"{satisfaction.average:.2f}"),
    ])
    if satisfaction.by_activity:
        builder.table([(title, answers, "—" if average is None else f"{average:.2f}")
                       for _id, title, answers, average in satisfaction.by_activity],
                      header=[_("Activity"), _("Answers"), _("Average (1–5)")])
    if content.chosen_comments:
        builder.heading(_("What the teachers said"), 2)
        for comment in content.chosen_comments:
            builder.paragraph(comment.comment, style="Quote")
            builder.paragraph("— " + _("%(text)s (%(detail)s)", text=comment.activity_title,
                                       detail=f"{comment.satisfaction}/5"), italic=True)


def material_kind(material: Material) -> str:
    """What a material is, in words: a library resource, a co-planned lesson (with how many teachers adapted it
    for their classes), or an adaptation of a lesson planned before the period."""
    if material.kind == "resource":
        return _("Library resource")
    if material.kind == "adaptation":
        return _("Adaptation of a co-planned lesson")
    if material.adaptations:
        return ngettext("Co-planned lesson, adapted by %(num)d teacher",
                        "Co-planned lesson, adapted by %(num)d teachers", material.adaptations)
    return _("Co-planned lesson")


def _photos(builder: DocxBuilder, content: ReportContent, progress: Progress) -> None:
    builder.heading(_("Photos"), 1)
    if not content.photos:
        builder.paragraph(_("No photo was kept."))
    blobs = blobs_by_id([photo.blob_id for photo in content.photos])
    for index, photo in enumerate(content.photos, 1):
        data = print_photo(blobs.get(photo.blob_id))
        caption = " · ".join(part for part in (local_date(photo.day), photo.activity_title, photo.caption.strip())
                             if part)
        if data is None:
            builder.paragraph(_("(The photo %(name)s could not be read.)", name=photo.filename), italic=True)
        else:
            builder.image(data, caption=caption)
        progress(index, len(content.photos), "photos")
    if content.photos_left_out:
        builder.paragraph(ngettext("%(num)d more photo of these activities is not placed here: the activity's folder "
                                   "of the evidence pack holds it.",
                                   "%(num)d more photos of these activities are not placed here: each activity's "
                                   "folder of the evidence pack holds them.", content.photos_left_out), italic=True)
    _kept_to_pairs(builder, content)


def _kept_to_pairs(builder: DocxBuilder, content: ReportContent) -> None:
    """One line when a pair's private records have photos: the panel counts those activities, the report cannot
    place their photos (the pack's folders say the same in their note)."""
    note = photos_kept_to_pairs_text(content)
    if note:
        builder.paragraph(note, italic=True)


def _photo_list(builder: DocxBuilder, content: ReportContent) -> None:
    """The photos named, not placed: each activity's folder of the evidence pack holds them."""
    builder.heading(_("Photos"), 1)
    if not content.photos:
        builder.paragraph(_("No photo was kept."))
        _kept_to_pairs(builder, content)
        return
    builder.paragraph(_("The %(count)d photos are in each activity's folder of this evidence pack.",
                        count=len(content.photos)))
    builder.table([[local_date(photo.day), photo.activity_title, photo.caption, photo.filename]
                   for photo in content.photos], header=[_("Date"), _("Activity"), _("Caption"), _("File")])
    _kept_to_pairs(builder, content)


def _video(builder: DocxBuilder, content: ReportContent) -> None:
    builder.heading(_("Activity video"), 1)
    if content.video is None:
        builder.paragraph(_("No video was kept."))
        return
    builder.fields([(_("Activity"), content.video.activity_title), (_("Date"), local_date(content.video.day)),
                    (_("File"), content.video.filename)])


def _budget(builder: DocxBuilder, content: ReportContent) -> None:
    builder.heading(_("Budget"), 1)
    ledger = content.ledger
    builder.fields([
        (_("Approved"), money(ledger.approved, content)),
        (_("Spent (claimable)"), money(ledger.spent, content)),
        (_("Remaining"), money(ledger.remaining, content)),
        # only when some money is kept aside, as the default funder template writes it (a line of NT$0 read as if
        # something had been set aside)
        *([(_("Kept, not claimable"), money(ledger.not_claimable, content))] if ledger.not_claimable else []),
    ])
    if content.budget:  # a program without budget categories (URC) has no lines: no header over nothing
        builder.table([(line.name,
                        compliance_wording.caps_text(line.caps, content.currency) or "—", line.claims,
                        money(line.spent, content)) for line in content.budget],
                      header=[_("Category"), _("Limits"), _("Claims"), _("Spent (claimable)")])
    if content.books:  # the materials' book list (書單): the funder asks for each title and why it matters
        builder.heading(_("Book list"), 2)
        builder.table([(book.title, book.author or "—", book.relevance or "—") for book in content.books],
                      header=[_("Title"), _("Author"), _("Why it matters to the community")])


# -- pictures --------------------------------------------------------------------------------------------------


def month_chart(months: Sequence[tuple[dt.date, int]], *, width: int = 1200, height: int = 520) -> bytes:
    """A bar chart (PNG) of activities per month. It reads without a CJK font: the bars carry their numbers and
    the months are written as digits (MM, and the year under each January and the first month); the table
    beside it in the report names them in words."""
    font = _font(22)
    small = _font(18)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 60, 20, 40, 90
    plot_width, plot_height = width - left - right, height - top - bottom
    highest = max((count for _month, count in months), default=0) or 1
    draw.line((left, top + plot_height, width - right, top + plot_height), fill="#444444", width=2)
    slot = plot_width / max(len(months), 1)
    for index, (month, count) in enumerate(months):
        x0 = left + index * slot + slot * 0.15
        x1 = left + (index + 1) * slot - slot * 0.15
        bar = plot_height * count / highest
        if count:
            draw.rectangle((x0, top + plot_height - bar, x1, top + plot_height), fill="#2f6f9f")
        centre = (x0 + x1) / 2
        draw.text((centre, top + plot_height - bar - 6), str(count), fill="#111111", font=font, anchor="md")
        draw.text((centre, top + plot_height + 10), f"{month.month:02d}", fill="#111111", font=small, anchor="ma")
        if index == 0 or month.month == 1:
            draw.text((centre, top + plot_height + 38), str(month.year), fill="#555555", font=small, anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # a Pillow without FreeType: the bitmap font, digits still read
        return ImageFont.load_default()
