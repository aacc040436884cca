"""Observation forms (觀課紀錄表): the two shipped forms (the default rubric; a form of notes only to learn by, the
default when the new teacher observes the mentor), a community's own forms, their versions, and ratings.

A form's rows and levels are data, not interface text: the default form is stored in the deployment's default
language (zh_Hant), as a convener's own form is stored as they typed it. Editing a version that an observation
used makes a new version of the same family; an unused version is edited in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core.database import utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.permissions import can, scope
from workspace.core.text import checked_line, clean_line
from workspace.extensions import db
from workspace.mentoring.models import Observation, ObservationForm

DEFAULT_TITLE = "教學觀察紀錄表"
DEFAULT_ROWS: tuple[dict[str, str], ...] = (
    {"key": "design", "label": "教學準備", "hint": "教學目標明確，教材與活動設計符合學生程度"},
    {"key": "teaching", "label": "教學實施", "hint": "講解清楚、提問引導思考，善用教學策略與媒材"},
    {"key": "management", "label": "班級經營", "hint": "常規建立、時間掌握，營造安全專注的學習氣氛"},
    {"key": "assessment", "label": "學習評量", "hint": "適時檢核學習成效並給予回饋"},
    {"key": "learning", "label": "學生學習", "hint": "學生參與投入、互動討論，能展現學習成果"},
)
DEFAULT_LEVELS: tuple[dict[str, Any], ...] = (
    {"value": 1, "label": "待改進"},
    {"value": 2, "label": "尚可"},
    {"value": 3, "label": "良好"},
    {"value": 4, "label": "優良"},
)
# The second shipped form, for observing to learn (the new teacher in the mentor's classroom): rows to write notes
# on, no levels: a new teacher does not grade the mentor. Stored, like the first, in the deployment's script.
LEARN_TITLE = "觀課學習單"
LEARN_ROWS: tuple[dict[str, str], ...] = (
    {"key": "teacher_moves", "label": "老師的做法", "hint": "老師說了什麼、問了什麼，怎麼安排活動與時間"},
    {"key": "student_responses", "label": "學生的回應", "hint": "學生怎麼回答、討論、練習，哪裡卡住、哪裡想通"},
    {"key": "learned", "label": "我學到的", "hint": "這堂課讓我看見或想通的一件事"},
    {"key": "try_next", "label": "我想在自己班上試試", "hint": "下一堂課我打算怎麼用在自己的學生身上"},
)
MAX_ROWS = 30
MAX_LEVELS = 10
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
AUTO_KEY = re.compile(r"^row-\d+$")  # the keys check_form gives rows that name none


@dataclass
class FormFields:
    """What a convener types for a form: a title, rubric rows and rating levels."""

    title: str
    rows: Sequence[Mapping[str, str]] = field(default_factory=list)
    levels: Sequence[Mapping[str, Any]] = field(default_factory=list)


def _shipped(learning: bool) -> Any:
    """The condition naming one shipped family by its first version's title (kept: see update_form)."""
    first = aliased(ObservationForm)
    named = first.title == LEARN_TITLE if learning else first.title != LEARN_TITLE
    return (select(ObservationForm).join(first, first.id == ObservationForm.family_id)
            .where(ObservationForm.community_id.is_(None), ObservationForm.current, ObservationForm.live, named)
            .order_by(ObservationForm.id).limit(1))


def _shipped_form(learning: bool) -> ObservationForm:
    """A shipped form's current version, made on first need (idempotent, also under a race)."""
    found = db.session.scalar(_shipped(learning))
    if found is not None:
        return found
    title, rows, levels = (LEARN_TITLE, LEARN_ROWS, ()) if learning else (DEFAULT_TITLE, DEFAULT_ROWS, DEFAULT_LEVELS)
    try:
        with db.session.begin_nested():
            form = ObservationForm(community_id=None, version=1, title=title, rows=[dict(row) for row in rows],
                                   levels=[dict(level) for level in levels])
            db.session.add(form)
            db.session.flush()
            form.family_id = form.id
            db.session.flush()
    except IntegrityError:
        pass
    return db.session.scalar(_shipped(learning))


def default_form() -> ObservationForm:
    """The shipped default form's current version (a rubric with levels), made on first need."""
    return _shipped_form(learning=False)


def learning_form() -> ObservationForm:
    """The shipped form to observe by and learn from (rows for notes, no levels), made on first need: the default
    when the new teacher observes the mentor."""
    default_form()  # the rubric first: its family keeps the lower id, as it had before this form shipped
    return _shipped_form(learning=True)


def forms_for(community: Community, user: User) -> list[ObservationForm]:
    """The forms one may observe with in `community`: the two shipped (the rubric, the form to learn by), then the
    community's own (current versions)."""
    default, learning = default_form(), learning_form()
    own = db.session.scalars(select(ObservationForm).where(
        ObservationForm.community_id == community.id, ObservationForm.current, ObservationForm.live,
        scope(user, "view", ObservationForm)).order_by(ObservationForm.title, ObservationForm.id))
    return [default, learning, *own]


def parse_rows(text: str) -> list[dict[str, Any]]:
    """Rubric rows typed one a line as `label | hint` (the hint may be left out), or `key | label | hint` for a
    row that names its own key. A row without one gets a key when the form is checked (check_form): teachers
    should not have to invent ASCII names for 教學準備 and 班級經營."""
    rows: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]  # a Chinese keyboard types ｜
        if len(parts) >= 3:
            rows.append({"key": parts[0], "label": parts[1], "hint": " | ".join(parts[2:])})
        else:
            rows.append({"key": None, "label": parts[0], "hint": parts[1] if len(parts) > 1 else ""})
    return rows


def parse_levels(text: str) -> list[dict[str, Any]]:
    """Levels typed one a line as `value | label`, e.g. `4 | 優良` (a value that is no number is refused)."""
    levels: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, _bar, label = line.replace("｜", "|").partition("|")
        try:
            number: Any = int(value.strip())
        except ValueError:
            number = value.strip()
        levels.append({"value": number, "label": label.strip()})
    return levels


def rows_text(rows: Sequence[Mapping[str, str]], *, keys: bool = True) -> str:
    """A form's rows as the convener types them (parse_rows reads it back): a key given by a person stays in
    front, one the form gave itself (row-1, …; check_form refuses such keys from a person) is left out, and so
    are all of them with `keys=False` (a new form started from another's rows)."""
    lines = []
    for row in rows:
        label, hint = row["label"], row.get("hint", "")
        if keys and not AUTO_KEY.match(row["key"]):
            lines.append(f"{row['key']} | {label} | {hint}".rstrip())
        else:
            lines.append(f"{label} | {hint}" if hint else label)
    return "\n".join(lines)


def levels_text(levels: Sequence[Mapping[str, Any]]) -> str:
    """A form's levels as the convener types them."""
    return "\n".join(f"{level['value']} | {level['label']}" for level in levels)


def check_form(fields: FormFields) -> tuple[str, list[dict[str, str]], list[dict[str, Any]]]:
    """The title, rows and levels cleaned; every refusal at once, each beside its field."""
    checks = Checks()
    with checks:
        title = checked_line(fields.title, "title", 200, required=True)
    with checks:
        rows = []
        for row in fields.rows:
            key = clean_line(row.get("key")).lower() if row.get("key") is not None else None
            if key is not None and not KEY.match(key):
                raise ValidationError(str(_l("A row of three parts starts with its key: letters, digits, - or _ "
                                             "(e.g. teaching | Teaching | hint).")), field="rows")
            if key is not None and AUTO_KEY.match(key):
                # row-1, row-2, … are the names the form gives rows without one; a person's own would read back
                # as one of those on edit and could be renumbered by the next version.
                raise ValidationError(str(_l("Keys such as %(key)s are kept for rows without a key of their own: "
                                             "choose another key or leave it out.", key=key)), field="rows")
            label = checked_line(row.get("label"), "rows", 200, required=True)
            rows.append({"key": key, "label": label, "hint": checked_line(row.get("hint"), "rows", 500)})
        number = 0
        for row in rows:  # rows without a key of their own: row-1, row-2, … (no person's key looks like these)
            if row["key"] is None:
                number += 1
                row["key"] = f"row-{number}"
        if not rows:
            raise ValidationError(str(_l("Give at least one row.")), field="rows")
        labels = [row["label"].casefold() for row in rows]
        twice = next((row["label"] for index, row in enumerate(rows) if labels.index(labels[index]) != index), None)
        if twice is not None:  # two rows read alike on the observation page: which one was rated?
            raise ValidationError(str(_l("Each row needs its own label: “%(label)s” is there twice.", label=twice)),
                                  field="rows")
        if len(rows) > MAX_ROWS or len({row["key"] for row in rows}) != len(rows):
            raise ValidationError(str(_l("Give each row its own key (at most %(count)d rows).", count=MAX_ROWS)),
                                  field="rows")
    with checks:
        levels = []
        for level in fields.levels:
            value = level.get("value")
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise ValidationError(str(_l("Start each level with a whole number from 0 to 100 "
                                             "(e.g. 4 | Excellent).")), field="levels")
            levels.append({"value": value, "label": checked_line(level.get("label"), "levels", 100, required=True)})
        # No levels at all is a form of notes only (a form to learn by): its rows are not rated.
        if len(levels) == 1 or len(levels) > MAX_LEVELS or len({level["value"] for level in levels}) != len(levels):
            raise ValidationError(str(_l("Give from 2 to %(count)d levels, each with its own value, or none for a "
                                         "form of notes only.", count=MAX_LEVELS)), field="levels")
        levels.sort(key=lambda level: level["value"])
    checks.done()
    return title, rows, levels


def create_form(community: Community, fields: FormFields, *, actor: User) -> ObservationForm:
    """Add a form of the community's own (conveners)."""
    if not can(actor, "manage_mentoring", community):
        raise NotAllowed(str(_l("Only conveners change observation forms.")))
    title, rows, levels = check_form(fields)
    form = ObservationForm(community_id=community.id, version=1, title=title, rows=rows, levels=levels,
                           created_by_id=actor.id)
    db.session.add(form)
    db.session.flush()
    form.family_id = form.id
    db.session.flush()
    return form


def is_used(form: ObservationForm) -> bool:
    """Whether an observation (trashed ones too) was made on this version."""
    return bool(db.session.scalar(select(exists().where(Observation.form_id == form.id))))


def update_form(form: ObservationForm, fields: FormFields, *, actor: User) -> ObservationForm:
    """Change a form: in place while no observation used this version, else as a new version of its family
    (the observations keep the one they were made on). Returns the version that now holds the change."""
    if not can(actor, "edit", form):
        raise NotAllowed(str(_l("Only conveners change observation forms.")))
    if form.superseded_at is not None:
        raise ValidationError(str(_l("A newer version of this form exists: edit that one.")), field="title")
    title, rows, levels = check_form(fields)
    # A shipped form's first version names its family (_shipped): changed, it becomes a new version, never in place.
    if not is_used(form) and not (form.community_id is None and form.id == form.family_id):
        form.title, form.rows, form.levels = title, rows, levels
        db.session.flush()
        return form
    newer = ObservationForm(community_id=form.community_id, family_id=form.family_id or form.id,
                            version=form.version + 1, title=title, rows=rows, levels=levels, created_by_id=actor.id)
    form.superseded_at = utcnow()
    db.session.add(newer)
    db.session.flush()
    return newer


def check_ratings(form: ObservationForm, ratings: Mapping[str, Any]) -> dict[str, int]:
    """The ratings of an observation on `form`'s rows: each a level of the form, or left out (empty).

    A rating outside the form's levels, or of a row the form does not have, is refused beside its row
    (field `rating_<key>`)."""
    allowed = {level["value"] for level in form.levels}
    keys = {row["key"] for row in form.rows}
    checked: dict[str, int] = {}
    checks = Checks()
    for key, raw in ratings.items():
        with checks:
            if key not in keys:
                raise ValidationError(str(_l("This form has no such row.")), field=f"rating_{key}")
            if raw in (None, ""):
                continue
            try:
                value = int(str(raw).strip()) if not isinstance(raw, int) else raw
            except ValueError:
                value = None
            if not allowed:  # a form of notes only: nothing to rate (the page offers no levels)
                raise ValidationError(str(_l("This form has no levels: write notes on this row instead.")),
                                      field=f"rating_{key}")
            if value not in allowed:
                raise ValidationError(str(_l("Choose one of the form's levels.")), field=f"rating_{key}")
            checked[key] = value
    checks.done()
    return checked
