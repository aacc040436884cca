"""A choice field given a value it did not offer (a tampered id, an option removed meanwhile) answers in our words and
the reader's language, beside the field, with what was typed kept; never WTForms' own ("Not a valid choice", "Invalid
Choice: could not coerce", "'x' is not a valid choice for this field", which echoed the value sent)."""

from __future__ import annotations

import inspect
import pkgutil
import re
from importlib import import_module

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

import workspace
from tests.activities.helpers import make_club
from tests.factories import make_community, make_school, make_user
from workspace.core import forms as core_forms
from workspace.core.forms import CHOOSE_SCHOOL, MultiCheckboxField, RadioField, SelectField, WorkspaceForm, coerce_id
from workspace.extensions import db

ACCEPT = {"en": "en", "zh_Hant": "zh-TW", "zh_Hans": "zh-CN"}
WTFORMS_WORDS = ("valid choice", "could not coerce", "Invalid Choice", "Invalid choice", "選項無效", "有效選項")


def _errors(app, field, data: MultiDict, locale: str) -> list[str]:
    class Probe(WorkspaceForm):
        other = wtforms.StringField()

    Probe.value = field
    with app.test_request_context("/", method="POST", headers={"Accept-Language": ACCEPT[locale]}):
        form = Probe(data, meta={"csrf": False})
        if getattr(form.value, "choices", None) == []:
            form.value.choices = [(1, "一"), (2, "二")] if form.value.coerce is coerce_id else [("a", "A")]
        assert not form.validate()
        return [str(error) for error in form.value.errors]


@pytest.mark.parametrize(("field", "sent"), [
    pytest.param(SelectField(choices=[("a", "A")]), ["<b>z</b>"], id="select, not offered"),
    pytest.param(SelectField(choices=[], coerce=coerce_id), ["abc"], id="select of ids, not an id"),
    pytest.param(SelectField(choices=[], coerce=coerce_id), ["99999999999999"], id="select of ids, too large"),
    pytest.param(SelectField(choices=[], coerce=coerce_id), ["3"], id="select of ids, not offered"),
    pytest.param(RadioField(choices=[("a", "A")]), ["z"], id="radio"),
    pytest.param(MultiCheckboxField(choices=[], coerce=coerce_id), ["1", "abc"], id="checkboxes, not an id"),
    pytest.param(MultiCheckboxField(choices=[], coerce=coerce_id), ["1", "7"], id="checkboxes, not offered"),
])
def test_a_value_not_offered_is_refused_once_in_our_words(app, field, sent):
    data = MultiDict([("value", value) for value in sent] + [("other", "b")])
    assert _errors(app, field, data, "en") == ["Choose from the list."]
    assert _errors(app, field, data, "zh_Hant") == ["請從清單中選擇。"]
    assert _errors(app, field, data, "zh_Hans") == ["请从列表中选择。"]


def test_a_field_may_say_what_to_choose(app):
    field = SelectField(choices=[], coerce=coerce_id, invalid=CHOOSE_SCHOOL)
    assert _errors(app, field, MultiDict({"value": "abc"}), "zh_Hant") == ["請從清單中選擇學校。"]
    assert _errors(app, field, MultiDict({"value": "abc"}), "en") == ["Choose a school from the list."]


def _form_modules() -> list:
    """Every module of forms: area/forms.py and the modules of a forms package (mentoring/forms/…)."""
    return [import_module(info.name) for info in pkgutil.walk_packages(workspace.__path__, "workspace.")
            if ".forms" in info.name and not info.ispkg]


def test_every_choice_field_of_the_app_refuses_in_our_words():
    """A select, radio or checkbox list built on WTForms' own would say "Not a valid choice" again."""
    found, strays = 0, []
    for module in _form_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, wtforms.Form) or cls.__module__ != module.__name__:
                continue
            for name, value in vars(cls).items():
                if isinstance(value, UnboundField) and issubclass(value.field_class, wtforms.fields.SelectFieldBase):
                    found += 1
                    if not issubclass(value.field_class, core_forms._ChoiceRefusal):
                        strays.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert found > 40
    assert not strays, f"build these on core.forms' SelectField / RadioField / MultiCheckboxField: {strays}"


def _error_beside(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">([^<]*)<', page)
    assert match, f"no error beside {field_id}"
    return match.group(1)


def test_a_tampered_activity_form_answers_in_traditional_chinese_with_what_was_typed_kept(client, ctx):
    club = make_club()
    club.convener.locale = "zh_Hant"
    db.session.commit()
    client.login(club.convener)
    response = client.post_form(f"/c/{club.community.slug}/activities/new", {
        "title": "保留我的標題", "method": "dancing", "mode": "moon", "school_ids": ["abc"], "recorder_id": "999999",
        "starts_at": "2037-12-02T14:00", "ends_at": "2037-12-02T16:00", "place": "保留的地點", "repeat": "daily",
        "count": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("method", "mode", "recorder_id", "repeat"):
        assert _error_beside(page, field) == "請從清單中選擇。", field
    assert _error_beside(page, "school_ids") == "請從清單中選擇學校。"
    assert 'value="保留我的標題"' in page and 'value="保留的地點"' in page
    assert not [words for words in WTFORMS_WORDS if words in page]


def test_a_tampered_core_school_answers_in_traditional_chinese(client, ctx):
    convener, core, member = make_user(locale="zh_Hant"), make_school(), make_school()
    community = make_community(convener, kind="urban_rural", schools=[core, member])
    client.login(convener)
    from tests.communities.test_urban_rural_routes import settings_form

    for tampered in ("abc", "2147483647", "１"):
        response = client.post_form(f"/c/{community.slug}/settings", settings_form(
            community, school_ids=[str(core.id), str(member.id)], core_school_id=tampered, name="保留的社群名稱"))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, tampered
        assert _error_beside(page, "core_school_id") == "請從清單中選擇學校。"
        assert "保留的社群名稱" in page
        assert not [words for words in WTFORMS_WORDS if words in page]
