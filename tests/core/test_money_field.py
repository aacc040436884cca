"""MoneyField: an amount typed in the form's currency (its main unit) is kept in minor units, refused beside the
field when the currency cannot hold it, shown back for editing, and labelled with the currency's sign."""

from __future__ import annotations

from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, NumberRange, Optional

from workspace.core.forms import IntegerField, MoneyField, RocDateField


class AmountForm(FlaskForm):
    class Meta:
        csrf = False

    amount = MoneyField("Amount")


def test_yuan_are_kept_in_fen_and_shown_back_in_yuan(app):
    with app.test_request_context(), force_locale("zh_Hans"):
        form = AmountForm(formdata=MultiDict({"amount": "¥1,234.5"}), meta={"currency": "CNY"})
        assert form.validate() and form.amount.data == 123_450
        assert form.amount.label.text == "Amount（¥）"  # the language's brackets around the sign
        kept = AmountForm(formdata=None, data={"amount": 123_450}, meta={"currency": "CNY"})
        assert kept.amount._value() == "1234.50"


def test_new_taiwan_dollars_are_whole_and_a_fraction_is_refused_with_the_text_kept(app):
    with app.test_request_context(), force_locale("en"):
        form = AmountForm(formdata=MultiDict({"amount": "12.5"}), meta={"currency": "TWD"})
        assert not form.validate()
        assert form.amount.errors == ["Enter a whole amount, such as 1200."]
        assert 'value="12.5"' in form.amount() and 'inputmode="decimal"' in form.amount()
        assert form.amount.label.text == "Amount (NT$)"


def test_without_a_currency_the_label_is_left_alone_and_nt_dollars_are_read(app):
    with app.test_request_context(), force_locale("en"):
        form = AmountForm(formdata=MultiDict({"amount": "1,200"}))
        assert form.validate() and form.amount.data == 1_200 and form.amount.label.text == "Amount"
        assert AmountForm(formdata=MultiDict({"amount": ""})).amount.data is None


def test_each_unreadable_amount_gets_the_message_that_says_what_to_change(app):
    cases = {"三萬": "Enter the amount in digits, such as 1200.", "-5": "Enter the amount, 0 or more.",
             "－5": "Enter the amount, 0 or more.", "1e9": "Write the amount out in digits, such as 1000000000.",
             "10000000000000": "Enter an amount of at most NT$1,000,000,000,000.",
             "12.5": "Enter a whole amount, such as 1200."}
    with app.test_request_context(), force_locale("en"):
        for typed, message in cases.items():
            form = AmountForm(formdata=MultiDict({"amount": typed}), meta={"currency": "TWD"})
            assert not form.validate()
            assert form.amount.errors == [message], typed


class ExpenseAmountForm(FlaskForm):
    class Meta:
        csrf = False

    amount = MoneyField("Amount", validators=[InputRequired()], minimum=1)


def test_a_negative_amount_is_told_the_field_s_own_least_amount(app):
    """An expense is at least NT$1 (CN¥0.01): "-5" is told that, as 0 is, not "0 or more" that 0 then fails."""
    with app.test_request_context(), force_locale("en"):
        for currency, least in (("TWD", "NT$1"), ("CNY", "CN¥0.01")):
            form = ExpenseAmountForm(formdata=MultiDict({"amount": "-5"}), meta={"currency": currency})
            assert not form.validate()
            assert form.amount.errors == [f"Enter an amount of at least {least}."], currency


class CheckedForm(FlaskForm):
    class Meta:
        csrf = False

    amount = MoneyField("Amount", validators=[InputRequired()])
    persons = IntegerField("Persons", validators=[Optional(), NumberRange(min=1)])
    day = RocDateField("Day", validators=[InputRequired()])


def test_a_value_that_cannot_be_read_gets_its_own_message_only(app):
    with app.test_request_context(), force_locale("en"):
        form = CheckedForm(formdata=MultiDict({"amount": "-3", "persons": "-3", "day": "114/02/30"}))
        assert not form.validate()
        assert [len(form.amount.errors), len(form.persons.errors), len(form.day.errors)] == [1, 1, 1]
        form = CheckedForm(formdata=MultiDict({"amount": "3", "persons": "0", "day": "114/02/03"}))
        assert not form.validate() and len(form.persons.errors) == 1  # a read value still meets its validators


def test_an_amount_with_another_currency_s_sign_is_refused_with_the_program_s_sign(app):
    """QA: ¥30000 typed for an NT$ program was read as NT$30,000."""
    with app.test_request_context(), force_locale("en"):
        form = AmountForm(formdata=MultiDict({"amount": "¥30000"}), meta={"currency": "TWD"})
        assert not form.validate()
        assert form.amount.errors == ["This program counts in NT$: type the amount in NT$."]
        assert 'value="¥30000"' in form.amount()
        for typed in ("NT$30,000", "TWD 30000", "30000元", "$30000"):
            form = AmountForm(formdata=MultiDict({"amount": typed}), meta={"currency": "TWD"})
            assert form.validate() and form.amount.data == 30_000, typed
        form = AmountForm(formdata=MultiDict({"amount": "NT$300"}), meta={"currency": "CNY"})
        assert not form.validate() and form.amount.errors == ["This program counts in CN¥: type the amount in CN¥."]
