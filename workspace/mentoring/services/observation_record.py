"""The observation record (教學觀察紀錄表) on paper and in Word: one reading of an observation (who, when, the focus,
each rubric row with its level, the notes in minute order, the post-conference, the state, signature lines) that
the print page and the DOCX both lay out, in the reader's language (the request's: whoever prints it reads it).
An observation on a form to learn by (觀課學習單, no levels) is titled and named after its form, and its
post-conference reads as learning (observations.form_words), not as an evaluation of the teacher observed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from docx.shared import Mm
from flask_babel import gettext as _

from workspace.core.database import utcnow
from workspace.core.docx import EMPTY, DocxBuilder
from workspace.core.i18n import current_locale_code, listing, local_date
from workspace.core.photos import print_photo
from workspace.core.storage import titled_filename
from workspace.mentoring.models import Observation, ObservationForm, ObservationNote, ObservationStatus
from workspace.mentoring.services.observations import STATUS_LABELS, form_words, learns_by, notes_of

# Photos beyond this many are listed by their minute rather than shown: the record stays a few pages, not an album.
MAX_PHOTOS_SHOWN = 12
PHOTO_WIDTH_MM = 45  # small: a note's photo beside the note, not a page of its own


@dataclass
class RecordRow:
    """A rubric row of the record: its label and hint, the level chosen (value and label), or notes only."""

    key: str
    label: str
    hint: str
    value: int | None = None
    level: str = ""
    notes_only: bool = False
    notes: list[str] = field(default_factory=list)  # on a form of notes only: the notes tied to the row


@dataclass
class RecordNote:
    """A note in minute order, with its row's label and whether its photo is shown or only listed."""

    note: ObservationNote
    row_label: str = ""
    photo_shown: bool = False


@dataclass
class ObservationRecord:
    """What the record holds, read once for the print page and the Word file alike."""

    observation: Observation
    form: ObservationForm
    title: str
    state: str
    finalized_on: dt.date | None
    rows: list[RecordRow] = field(default_factory=list)
    notes: list[RecordNote] = field(default_factory=list)
    levels: str = ""
    words: dict[str, str] = field(default_factory=dict)  # the post-conference's labels (form_words)

    @property
    def listed_photos(self) -> list[RecordNote]:
        """The notes whose photo is listed by minute (beyond MAX_PHOTOS_SHOWN) rather than shown."""
        return [item for item in self.notes if item.note.photo_blob_id and not item.photo_shown]


def record_title(form: ObservationForm | None = None) -> str:
    """The funder's name of the record, in the current language; a form to learn by's own title (觀課學習單): it
    is the observer's learning, not the funder's record of a lesson rated."""
    if form is not None and learns_by(form):
        return form.shown_title
    return _("Classroom observation record")


def read_record(observation: Observation) -> ObservationRecord:
    """The observation as its record: rows with the level chosen, notes in minute order, the state."""
    form = observation.form
    levels = {level["value"]: level["label"] for level in form.shown_levels}
    ratings = observation.ratings or {}
    rows = []
    for row in form.shown_rows:
        value = ratings.get(row["key"])
        rows.append(RecordRow(key=row["key"], label=row["label"], hint=row.get("hint") or "",
                              value=value if value in levels else None, level=levels.get(value, ""),
                              notes_only=not levels))
    by_key = {row.key: row for row in rows}
    notes, shown = [], 0
    for note in notes_of(observation):
        show = bool(note.photo_blob_id) and shown < MAX_PHOTOS_SHOWN
        shown += show
        row = by_key.get(note.row_key)
        notes.append(RecordNote(note=note, row_label=row.label if row else "", photo_shown=show))
        if row is not None and row.notes_only and note.text:
            row.notes.append(_("%(num)d′", num=note.minute) + " " + note.text)
    finalized = observation.finalized_at if observation.status == ObservationStatus.FINALIZED.value else None
    return ObservationRecord(
        observation=observation, form=form, title=record_title(form), state=str(STATUS_LABELS[observation.status]),
        finalized_on=finalized.date() if finalized else None, rows=rows, notes=notes,
        levels=" · ".join(f"{level['value']} {level['label']}" for level in form.shown_levels),
        words=form_words(form))


def state_line(record: ObservationRecord) -> str:
    """'Finalized on 5 Oct 2026', or the state's name while it is a draft or shared."""
    if record.finalized_on is not None:
        return _("Finalized on %(date)s", date=local_date(record.observation.finalized_at, "long"))
    return record.state


def signers(observation: Observation) -> list[tuple[str, str]]:
    """Who signs the record, as (role, name) in the current language: the teacher observed and the observer."""
    return [(_("Teacher observed"), observation.observed.display_name),
            (_("Observer"), observation.observer.display_name)]


def record_filename(observation: Observation) -> str:
    """`教學觀察紀錄表 林老師 2026-10-05.docx` (a form to learn by: `觀課學習單 王老師 2026-10-05.docx`), through the
    one filename builder."""
    name, date = observation.observed.display_name, observation.observed_on.isoformat()
    if learns_by(observation.form):
        return titled_filename(f"{record_title(observation.form)} {name} {date}", "docx")
    return titled_filename(_("Classroom observation record %(name)s %(date)s", name=name, date=date), "docx")


def _photo_caption(note: ObservationNote) -> str:
    return _("Photo at minute %(num)d", num=note.minute)


def observation_docx(observation: Observation) -> tuple[bytes, str]:
    """The DOCX bytes of the observation record and its file name, in the reader's language: the fields, the
    focus, the rubric as a table, the notes in minute order (photos small, the rest listed), the post-conference,
    and the two signature lines kept together on one page."""
    record = read_record(observation)
    builder = DocxBuilder(language=current_locale_code(), title=record.title, footer=_(
        "%(community)s · exported %(date)s", community=observation.community.name, date=local_date(utcnow())))
    builder.cover(record.title, fields=[
        (_("Teacher observed"), observation.observed.display_name),
        (_("Observer"), observation.observer.display_name),
        (_("Date"), local_date(observation.observed_on, "long")),
        (_("Subject and class"), observation.subject),
        (_("Community"), observation.community.name),
        (_("Observation form"), _("%(text)s (%(detail)s)", text=record.form.shown_title,
                                  detail=_("Version %(number)d", number=record.form.version))),
        (_("Status"), state_line(record)),
    ])
    builder.heading(_("Focus agreed at the pre-conference"), level=1)
    builder.paragraph(observation.focus or EMPTY)
    if record.rows and record.rows[0].notes_only:
        builder.heading(_("The form's rows"), level=1)
        builder.paragraph(_("This form has no levels: its rows are filled with the notes tied to them."), italic=True)
        builder.table([[row.label, row.hint, "；".join(row.notes) or EMPTY] for row in record.rows],
                      header=[_("Row"), _("What to look for"), _("Notes")])
    else:
        builder.heading(_("Ratings"), level=1)
        builder.table([[row.label, f"{row.value} {row.level}" if row.value is not None else _("Not rated"), row.hint]
                       for row in record.rows], header=[_("Row"), _("Level"), _("Description")])
        if record.levels:
            builder.paragraph(_("%(label)s: %(value)s", label=_("Levels"), value=record.levels), italic=True)
    builder.heading(_("Notes during the lesson"), level=1)
    if not record.notes:
        builder.paragraph(_("No notes yet."))
    for item in record.notes:
        line = _("Minute %(num)d", num=item.note.minute)
        if item.row_label:
            line += f" · {item.row_label}"
        builder.paragraph(line, bold=True).paragraph_format.keep_with_next = True
        if item.note.text:
            builder.paragraph(item.note.text)
        if item.photo_shown:
            data = print_photo(item.note.photo)
            try:
                if data is None:
                    raise ValueError("no picture")
                builder.image(data, width=Mm(PHOTO_WIDTH_MM), caption=_photo_caption(item.note))
            except ValueError:
                item.photo_shown = False
    if record.listed_photos:
        builder.paragraph(_("Photos not shown here (see the observation page): %(list)s",
                            list=listing(_photo_caption(item.note) for item in record.listed_photos)), italic=True)
    builder.heading(_("Post-conference"), level=1)
    builder.heading(record.words["strengths"], level=2)
    builder.paragraph(observation.strengths or EMPTY)
    builder.heading(record.words["suggestions"], level=2)
    builder.paragraph(observation.suggestions or EMPTY)
    builder.heading(_("Reflection of %(name)s", name=observation.observed.display_name), level=2)
    builder.paragraph(observation.reflection or EMPTY)
    builder.heading(_("Signatures"), level=1)
    builder.signature_table(signers(observation))
    return builder.to_bytes(), record_filename(observation)
