"""The base form: hidden CSRF tokens without ids, and a form's id prefix for pages with two boxes of one name."""

from __future__ import annotations

from wtforms import StringField

from workspace.core.forms import WorkspaceForm


class _Reason(WorkspaceForm):
    reason = StringField("Reason")


class _CancelReason(_Reason):
    id_prefix = "cancel"


def test_two_forms_with_a_field_of_one_name_label_their_own_boxes(app):
    with app.test_request_context():
        plain, prefixed = _Reason(), _CancelReason()
        html = plain.reason.label() + plain.reason() + prefixed.reason.label() + prefixed.reason()
        assert 'for="reason"' in html and 'id="reason"' in html
        assert 'for="cancel-reason"' in html and 'id="cancel-reason"' in html
        assert prefixed.reason.name == "reason"  # what is sent does not change
        assert 'id="' not in str(plain.csrf_token()) and 'name="csrf_token"' in str(plain.csrf_token())


def test_a_number_below_zero_is_told_how_small_it_may_be(app):
    """"-5" is a whole number: the message names the field's lowest value (in the reader's language), not "enter a
    whole number"; what is not a number at all still gets that. A field whose range has its own sentence says that
    sentence for a number below zero as for any other out of range (QA 9: a log's length of -5 read "Number must be
    at least 1." where 0 and 601 read "Give the length, between 1 and 600 minutes.")."""
    from werkzeug.datastructures import MultiDict
    from wtforms.validators import NumberRange, Optional

    from workspace.core.forms import IntegerField, WorkspaceForm
    from workspace.mentoring.forms.logs import LogForm

    class PlainForm(WorkspaceForm):
        persons = IntegerField("Persons", validators=[Optional(), NumberRange(min=1)])

    cases = {"en": ("Number must be at least 1.", "Enter a whole number, such as 3."),
             "zh_Hant": ("數字不能小於 1。", "請輸入整數，例如 3。"),
             "zh_Hans": ("数字不能小于 1。", None)}
    for locale, (below, not_a_number) in cases.items():
        with app.test_request_context(headers={"Accept-Language": locale.replace("_", "-")}):
            for typed in ("-5", "－5", "−5", "- 5"):
                form = PlainForm(MultiDict({"persons": typed}), meta={"csrf": False})
                form.validate()
                assert form.persons.errors == [below], (locale, typed, form.persons.errors)
            if not_a_number:
                form = PlainForm(MultiDict({"persons": "三"}), meta={"csrf": False})
                form.validate()
                assert form.persons.errors == [not_a_number]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for typed in ("-5", "0", "601"):
            form = LogForm(MultiDict({"duration_minutes": typed}), meta={"csrf": False})
            form.validate()
            assert form.duration_minutes.errors == ["Give the length, between 1 and 600 minutes."], typed
