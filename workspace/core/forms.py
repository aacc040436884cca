"""Form helpers shared by every area: the base forms (and the empty form of action buttons), the required
message, domain errors beside fields, safe return addresses, choices, a list of checkboxes, and the number and
date fields every form uses (they read with `core/parsing`, so a value the
database or the calendar cannot hold is an error beside its field, with what was typed kept)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import wtforms
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import NumberRange, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from workspace.core import parsing
from workspace.core.errors import DomainError, ValidationError
from workspace.core.i18n import (
    currency_digits,
    format_money,
    money_input,
    other_currency_message,
    translations,
    with_currency,
)
from workspace.core.storage import StoredFile, held_upload, hold_upload, store_uploads


class FormTranslations:
    """WTForms' own messages (required, too long, not a number …) from our catalogues.

    WTForms ships a single Chinese catalogue, `zh`, in Simplified script, and Flask-WTF hands it to zh_Hant
    readers too; our catalogues carry every WTForms message (core/form_messages.py) in both scripts.
    """

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


FORM_TRANSLATIONS = FormTranslations()
REQUIRED = _l("This field is required.")  # the message of DataRequired/InputRequired in every form


class WorkspaceForm(FlaskForm):
    """The base of every form of the app: Flask-WTF (CSRF, request data) with messages in the reader's script."""

    class Meta:
        def get_translations(self, form: Any) -> FormTranslations:
            return FORM_TRANSLATIONS

    # A form shown on a page beside another with a field of the same name (two "reason" boxes) sets this: its
    # fields' ids (and their labels) get it in front, so that each label names its own box. Names do not change.
    id_prefix: str | None = None

    def __init__(self, *args: Any, id_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if id_prefix:  # this form's own (an editor opened in place beside the page's form for a new one)
            self.id_prefix = id_prefix
        token = self._fields.get("csrf_token")
        if token is not None:  # a page holds many forms: their hidden tokens carry no id, so none is duplicated
            token.render_kw = {"id": False}
        if self.id_prefix:
            for name, field in self._fields.items():
                if name != "csrf_token":
                    field.id = field.label.field_id = f"{self.id_prefix}-{field.id}"


class WorkspaceSubform(wtforms.Form):
    """The base of a form nested in another (FormField, FieldList): no CSRF of its own, same messages."""

    class Meta:
        def get_translations(self, form: Any) -> FormTranslations:
            return FORM_TRANSLATIONS


class EmptyForm(WorkspaceForm):
    """A form with only the CSRF token, for buttons that act (remove, archive, leave)."""


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show each message of a domain error beside its field, or above the form when it belongs to no field.

    A field the form's own validators already refused keeps their message alone: one problem per field,
    not "This field is required." twice.
    """
    for name, message in error.errors:
        field = getattr(form, name, None) if name else None
        if field is None:
            if message not in form.form_errors:
                form.form_errors.append(message)
        elif not _refused(field):
            field.errors = [*list(field.errors or []), message]


def _refused(field: Field) -> bool:
    """Whether the field shows a message of its own (a FieldList also holds its entries' errors, as dicts)."""
    return any(not isinstance(shown, dict | list) for shown in field.errors or [])


def validate_all(form: FlaskForm, check: Callable[[], object]) -> bool:
    """Validate a form and, when its own validators refuse something, run the service's checks of the same
    input too, so that every problem is shown at once beside its field (a missing method no longer hides
    "the end must come after the start"). True when the form passed; the service then checks again as it
    acts and raises all its refusals together.
    """
    if form.validate():
        return True
    try:
        check()
    except ValidationError as error:
        attach_error(form, error)
    return False


def safe_next(target: str | None, default: str) -> str:
    """Return `target` when it is a path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# What a choice field says of a value it did not offer (a tampered id, "abc" for a school, an option removed since
# the page was loaded): our words, in the reader's language, never WTForms' ("Not a valid choice", "Invalid Choice:
# could not coerce", "'x' is not a valid choice for this field", which also echoed what was sent).
CHOOSE_FROM_LIST = _l("Choose from the list.")
CHOOSE_SCHOOL = _l("Choose a school from the list.")  # the `invalid=` of every school select


class _ChoiceRefusal:
    """A choice field that refuses a value it did not offer, or cannot read, with one message of ours beside it:
    `invalid=` (e.g. "Choose a school from the list."), else CHOOSE_FROM_LIST."""

    def __init__(self, *args: Any, invalid: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid or CHOOSE_FROM_LIST

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError as error:  # the coerce refused it: not an id, a number no column holds
            raise ValueError(self.invalid_message) from error

    def pre_validate(self, form: Any) -> None:
        _stop_after_parse_error(self)  # type: ignore[arg-type]  # one message, not "could not coerce" and "not a choice"
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except wtforms.validators.ValidationError as error:
            raise wtforms.validators.ValidationError(self.invalid_message) from error


class SelectField(_ChoiceRefusal, wtforms.SelectField):
    """WTForms' select, refusing a value not offered in our words (`invalid=`); every form's selects are these."""


class RadioField(_ChoiceRefusal, wtforms.RadioField):
    """WTForms' radio buttons, refusing a value not offered in our words (`invalid=`)."""


def coerce_id(value: Any) -> int:
    """The `coerce` of a select or checkbox list of records: an id, else ValueError (an error beside the field)."""
    number = parsing.parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


class SelectMultipleField(_ChoiceRefusal, wtforms.SelectMultipleField):
    """WTForms' multiple choice, refusing values not offered in our words (`invalid=`), without echoing them."""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (schools, teachers, members)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_NEGATIVE = re.compile(r"[-\u2212]\s*\d+")


def _stop_after_parse_error(field: Field) -> None:
    """A value the field could not read has its message already: its validators (a range, required) are not run
    to add a second one about the same text."""
    if field.process_errors:
        raise StopValidation()


class IntegerField(wtforms.IntegerField):
    """A whole number typed in a form (ASCII digits, at most what an INTEGER column holds); add NumberRange for
    the field's own range.

    WTForms' own takes whatever `int()` takes: "١٢", " 1" and numbers no database column holds.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        raw = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
        self.data = parsing.parse_number(raw)
        if self.data is None:
            if isinstance(raw, str) and _NEGATIVE.fullmatch(unicodedata.normalize("NFKC", raw)):
                # A whole number below zero is a whole number: say how small it may be, not how to write one; a
                # range with its own sentence ("between 1 and 600 minutes") says it here as for any value out of it.
                bounds = next((validator for validator in self.validators
                               if isinstance(validator, NumberRange) and validator.min is not None), None)
                if bounds is not None and bounds.message:
                    raise ValueError(bounds.message % {"min": bounds.min, "max": bounds.max})
                raise ValueError(_l("Number must be at least %(min)s.", min=bounds.min if bounds else 0))
            raise ValueError(_l("Enter a whole number, such as 3."))

    def pre_validate(self, form: Any) -> None:
        _stop_after_parse_error(self)


def money_refusal(raw: str, currency: str, minimum: int = 0) -> Any:
    """Why an amount typed in `currency` cannot be read, saying what to change: another currency's sign, below
    `minimum` (minor units), too large, in words, or with decimals the currency does not keep (NT$: whole amounts
    only; ¥: at most 2)."""
    digits = currency_digits(currency)
    problem = parsing.money_problem(raw, currency)
    if problem == "currency":  # ¥30000 for an NT$ program: the program's sign, not a number hint
        return other_currency_message(currency)
    if problem == "negative":  # said as the service says an amount below the field's least
        if minimum > 0:
            return _l("Enter an amount of at least %(min)s.", min=format_money(minimum, currency))
        return _l("Enter the amount, 0 or more.")
    if problem == "too_large":
        return _l("Enter an amount of at most %(max)s.", max=format_money(parsing.MAX_MONEY, currency))
    if problem == "exponent":
        return _l("Write the amount out in digits, such as 1000000000.")
    if problem == "text":
        return _l("Enter the amount in digits, such as 1200.")
    return (_l("Enter a whole amount, such as 1200.") if digits == 0 else
            _l("Enter the amount with at most %(digits)s decimals, such as 1200 or 12.50.", digits=digits))


class MoneyField(wtforms.Field):
    """An amount typed in a currency's main unit (1,200 · 12.50 · ＮＴ$1200), kept as an integer of minor units
    (core.i18n.currency_digits: NT$ whole dollars, ¥ fen), shown back in the main unit.

    The currency is the form's: `SomeForm(meta={"currency": "CNY"})`; the label then names its sign
    ("Amount (¥)"). Without one (a form whose currency the reader chooses) the label is left as it is and
    amounts are read as NT$.
    """

    widget = wtforms.widgets.TextInput()

    def __init__(self, label: Any = None, validators: Any = None, *, minimum: int = 0, **kwargs: Any) -> None:
        """`minimum`: the least amount, in minor units, that a negative one is told to reach (an expense: NT$1; an
        approved amount: 0); the service still decides."""
        kwargs["render_kw"] = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.minimum = minimum

    @property
    def currency(self) -> str:
        return getattr(self.meta, "currency", None) or "TWD"

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        if getattr(self.meta, "currency", None):
            self.label = wtforms.Label(self.id, with_currency(self.label.text, self.currency))

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        self.data = None
        if not raw:
            return
        self.data = parsing.parse_money(raw, self.currency)
        if self.data is None:
            raise ValueError(self._problem(raw))

    def _problem(self, raw: str) -> Any:
        """The message for an amount that cannot be read, saying what to change."""
        return money_refusal(raw, self.currency, self.minimum)

    def pre_validate(self, form: Any) -> None:
        _stop_after_parse_error(self)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return money_input(self.data, self.currency)


class _InAcceptedYears:
    """What a date field and a date-and-time field share: read through core/parsing, refuse what cannot be read
    or lies outside the accepted years (beside the field, the typed text kept)."""

    unreadable: Any = None  # the message for text that is no date
    any_form = False  # whether a day missing from the calendar is told in every form parse reads, or ISO only

    @staticmethod
    def parse(raw: str) -> Any:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = " ".join(valuelist).strip() if valuelist else ""
        self.data = None
        if not raw:
            return
        value = self.parse(raw)
        if value is None:
            raise ValueError(parsing.missing_day_message(raw, any_form=self.any_form) or self.unreadable)
        if not parsing.in_range(value):
            raise ValueError(parsing.range_message())
        self.data = value

    def pre_validate(self, form: Any) -> None:
        _stop_after_parse_error(self)


class DateField(_InAcceptedYears, wtforms.DateField):
    """A date (YYYY-MM-DD) in the years the app accepts (core/parsing: FIRST_YEAR … LAST_YEAR)."""

    unreadable = _l("Enter a date such as 2026-03-05.")
    parse = staticmethod(parsing.iso_date)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The browser's date picker keeps to the same years (and says so in the browser's language).
        kwargs["render_kw"] = {"min": parsing.FIRST_DAY.isoformat(), "max": parsing.LAST_DAY.isoformat(),
                               **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)


class DateTimeLocalField(_InAcceptedYears, wtforms.DateTimeLocalField):
    """A wall-clock time (YYYY-MM-DDTHH:MM) in the years the app accepts, naive (the deployment's zone)."""

    unreadable = _l("Enter a date and time such as 2026-03-05 14:00.")
    parse = staticmethod(parsing.iso_datetime)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")  # how the input shows a stored value (no seconds)
        kwargs["render_kw"] = {"min": f"{parsing.FIRST_DAY.isoformat()}T00:00",
                               "max": f"{parsing.LAST_DAY.isoformat()}T23:59", **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)


class RocDateField(_InAcceptedYears, wtforms.StringField):
    """A date typed as the funders' documents write it: 2027-03-05, the ROC calendar's 116/03/05 or
    民國116年3月5日, or as the pages show one (2027年3月5日, Mar 5, 2027) (core/parsing.parse_roc_date); `data` is
    the date, the typed text is kept on an error."""

    unreadable = _l("Enter a date such as 2027-03-05 or 116/03/05.")
    any_form = True
    # Any year: a date that exists outside the accepted years is told the years allowed (range_message).
    parse = staticmethod(functools.partial(parsing.parse_roc_date, any_year=True))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, dt.date) else (self.data or "")


def chosen_file(form: FlaskForm, name: str, owner_id: int,
                check: Callable[[StoredFile], object] | None = None) -> StoredFile | None:
    """The file chosen now in the form's file field `name`, else the one held from a refused try (the hidden field
    `<name>_held`, see core.storage.hold_upload). A file refused by the store or by `check` puts its message beside
    the field and leaves the held one in place. Read it before judging the other fields, so that a refused try can
    keep it: the browser will not put a chosen file back."""
    upload = request.files.get(name)
    held = form[f"{name}_held"]
    if upload is None or not upload.filename:
        return held_upload(held.data, owner_id)
    try:
        stored = store_uploads([upload])[0]
        if check is not None:
            check(stored)
    except ValidationError as error:
        form[name].errors = [*form[name].errors, *(message for _field, message in error.errors)]
        return held_upload(held.data, owner_id)
    return stored


def hold_chosen_file(form: FlaskForm, name: str, stored: StoredFile | None, owner_id: int) -> str | None:
    """Keep the file of a refused try for the next one: its note into `<name>_held` (call it before the rollback);
    returns the file's name for the form to say it is kept, or None."""
    form[f"{name}_held"].data = hold_upload(stored, owner_id) if stored is not None else ""
    return stored.filename if stored is not None else None
