"""Several refusals of one form at once: Checks gathers them, ValidationError carries them, attach_error shows
each beside its field (one message per field) and validate_all adds the service's to the form's own."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from workspace.core.errors import Checks, Conflict, ValidationError
from workspace.core.forms import attach_error, validate_all


class TwoFields(FlaskForm):
    class Meta:
        csrf = False

    title = StringField("Title", validators=[DataRequired("Required by the form.")])
    place = StringField("Place")


def test_checks_gather_every_refusal_and_raise_them_together():
    checks = Checks()
    with checks:
        raise ValidationError("No title.", field="title")
    with checks:
        raise ValidationError("Too far.", field="place")
    with checks:
        raise ValidationError("Also no title.", field="title")  # a field keeps its first message
    with checks:
        raise ValidationError("Something about the whole form.")
    with pytest.raises(ValidationError) as caught:
        checks.done()
    assert caught.value.errors == [("title", "No title."), ("place", "Too far."),
                                   (None, "Something about the whole form.")]
    assert (caught.value.field, caught.value.message) == ("title", "No title.")


def test_checks_let_other_errors_through_and_pass_quietly_when_nothing_is_wrong():
    checks = Checks()
    with pytest.raises(Conflict), checks:
        raise Conflict("Someone saved first.")
    checks.done()  # nothing gathered: no error


def test_attach_error_puts_each_message_beside_its_field_once(ctx):
    form = TwoFields(formdata=None)
    form.validate()  # the form refuses the empty title itself
    error = ValidationError.combine([ValidationError("No title.", field="title"),
                                     ValidationError("Too far.", field="place"),
                                     ValidationError("Not on this form.", field="elsewhere")])
    attach_error(form, error)
    assert form.title.errors == ["Required by the form."]
    assert form.place.errors == ["Too far."]
    assert form.form_errors == ["Not on this form."]


def test_validate_all_adds_the_services_refusals_only_when_the_form_refused_something(ctx):
    def check() -> None:
        raise ValidationError("Too far.", field="place")

    refused = TwoFields(formdata=None)
    assert validate_all(refused, check) is False
    assert refused.title.errors and refused.place.errors == ["Too far."]
    passed = TwoFields(formdata=None, title="分數")
    assert validate_all(passed, check) is True  # the service checks again as it acts
    assert not passed.place.errors
