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
