"""The compliance forms: enrolling in a program, the approved amount, a waiver, and a program's document.

Amounts are typed in the program's currency (MoneyField): a form that holds one is made with
`meta={"currency": program.currency}`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workspace.core.forms import REQUIRED, IntegerField, MoneyField, RocDateField, SelectField, WorkspaceForm, coerce_id
from workspace.core.once import OnceTokenField


class EnrolForm(WorkspaceForm):
    """A convener enrols the community in a program with the amount the funder approved."""

    program_id = SelectField(_l("Program"), choices=[], coerce=coerce_id, validate_choice=False,
                             invalid=_l("Choose a program from the list."))
    approved_amount = MoneyField(_l("Approved amount"), validators=[Optional()],
                                 description=_l("In the program's currency, as the funder approved it."))


class AmountForm(WorkspaceForm):
    """Change the approved amount of an enrolment."""

    approved_amount = MoneyField(_l("Approved amount"), validators=[InputRequired(REQUIRED)])


class WaiverForm(WorkspaceForm):
    """A reviewer waives one rule for this community, saying why."""

    rule_id = StringField(_l("Rule"), validators=[DataRequired(REQUIRED), Length(max=80)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class ProgramForm(WorkspaceForm):
    """A program's whole document as JSON (docs/rules.md); each error is shown beside its line."""

    definition = TextAreaField(_l("Program (JSON)"), validators=[DataRequired(REQUIRED), Length(max=200_000)])
    version = IntegerField(validators=[Optional()])


class ExpenseForm(WorkspaceForm):
    """One expense of the budget ledger. The date may be typed in the ROC calendar (116/03/05)."""

    category = SelectField(_l("Budget category"), choices=[], validators=[DataRequired(REQUIRED)])
    spent_on = RocDateField(_l("Date"), validators=[InputRequired(REQUIRED)],
                           description=_l("Such as 2027-03-05, 116/03/05 or 民國116年3月5日."))
    amount = MoneyField(_l("Amount"), validators=[InputRequired(REQUIRED)], minimum=1)
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=8)],
                        description=_l("For a speaker's fee paid by the hour."))
    persons = IntegerField(_l("Persons"), validators=[Optional(), NumberRange(min=1)],
                           description=_l("For refreshments: how many people at the session."))
    payee = StringField(_l("Paid to"), validators=[Optional(), Length(max=200)])
    description = StringField(_l("What it was for"), validators=[Optional(), Length(max=500)])
    activity_id = SelectField(_l("Activity"), choices=[], invalid=_l("Choose an activity from the list."),
                              validators=[Optional()])
    receipt = FileField(_l("Receipt"), description=_l("A photo, a scan or a PDF of the receipt."))
    receipt_held = HiddenField()  # the receipt of a refused try (core.storage.hold_upload), not chosen again
    keep_unclaimable = BooleanField(_l("Not claimable"), description=_l(
        "Kept in the ledger, outside the claimable total: for an expense that breaks a limit, or that the funder "
        "will not pay."))
    version = IntegerField(validators=[Optional()])
    once_token = OnceTokenField()  # a new expense sent twice is kept once (core/once.py)


class BookForm(WorkspaceForm):
    """A title of the materials book list."""

    once_token = OnceTokenField()  # sent twice: one title (core/once.py)

    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=300)])
    author = StringField(_l("Author"), validators=[Optional(), Length(max=200)])
    relevance = TextAreaField(_l("How it serves the community"), validators=[DataRequired(REQUIRED),
                                                                             Length(max=2000)])


class SubmitForm(WorkspaceForm):
    """The convener hands the enrolment's standing to the reviewers, with a note (required when answering)."""

    note = TextAreaField(_l("Note to the reviewers"), validators=[Optional(), Length(max=4000)])


class DecisionForm(WorkspaceForm):
    """A reviewer approves a submission or returns it with comments."""

    decision = SelectField(_l("Decision"), choices=[("approve", _l("Approve")), ("return", _l("Return with comments"))],
                           validators=[DataRequired(REQUIRED)])
    comment = TextAreaField(_l("Comments"), validators=[Optional(), Length(max=4000)])


class AppraisalForm(WorkspaceForm):
    """A reviewer's appraisal at the end of the period."""

    rating = SelectField(_l("Rating"), choices=[], validators=[DataRequired(REQUIRED)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])


class DeliverableForm(WorkspaceForm):
    """A deliverable marked done, with its file."""

    item = SelectField(_l("Deliverable"), choices=[], validators=[DataRequired(REQUIRED)])
    done_on = RocDateField(_l("Done on"), validators=[InputRequired(REQUIRED)],
                          description=_l("Such as 2027-06-20, 116/06/20 or 民國116年6月20日."))
    file = FileField(_l("File"))
    file_held = HiddenField()  # the file of a refused try (core.forms.chosen_file), not chosen again
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
