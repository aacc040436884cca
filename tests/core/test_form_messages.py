"""The form library's own messages in the reader's language and script.

WTForms ships one Chinese catalogue (`zh`, Simplified) that Flask-WTF picks for zh_Hant as well, so a
繁體 page said 「字段长度不能超过 200 个字符」. Our forms take WTForms' messages from our catalogues.
"""

from __future__ import annotations

import datetime as dt
import inspect
import pkgutil
from importlib import import_module
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import (
    URL,
    UUID,
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    IPAddress,
    Length,
    MacAddress,
    NoneOf,
    NumberRange,
    Regexp,
)

import workspace
from tests.activities.helpers import make_club
from tests.factories import make_user
from workspace.core import form_messages
from workspace.core.forms import WorkspaceForm, WorkspaceSubform

ACCEPT = {"zh_Hant": "zh-TW", "zh_Hans": "zh-CN", "en": "en-GB"}

# (field, the value typed, the message in English, 繁體, 简体)
CASES = [
    pytest.param(StringField(validators=[DataRequired()]), "",
                 "This field is required.", "此欄位為必填。", "此项为必填项。", id="DataRequired"),
    pytest.param(StringField(validators=[InputRequired()]), "",
                 "This field is required.", "此欄位為必填。", "此项为必填项。", id="InputRequired"),
    pytest.param(StringField(validators=[Length(max=200)]), "字" * 201,
                 "Field cannot be longer than 200 characters.", "長度不能超過 200 個字。", "长度不能超过 200 个字。",
                 id="Length-max"),
    pytest.param(StringField(validators=[Length(min=8)]), "短",
                 "Field must be at least 8 characters long.", "至少要輸入 8 個字。", "至少要输入 8 个字。",
                 id="Length-min"),
    pytest.param(StringField(validators=[Length(min=2, max=4)]), "長長長長長",
                 "Field must be between 2 and 4 characters long.", "長度要在 2 到 4 個字之間。",
                 "长度要在 2 到 4 个字之间。", id="Length-between"),
    pytest.param(StringField(validators=[Length(min=4, max=4)]), "長",
                 "Field must be exactly 4 characters long.", "必須剛好是 4 個字。", "必须刚好是 4 个字。",
                 id="Length-exactly"),
    pytest.param(StringField(validators=[Email()]), "not an address",
                 "Invalid email address.", "電子郵件地址無效。", "电子邮箱地址无效。", id="Email"),
    pytest.param(IntegerField(validators=[NumberRange(min=1, max=90)]), "91",
                 "Number must be between 1 and 90.", "請輸入 1 到 90 之間的數字。", "请输入 1 到 90 之间的数字。",
                 id="NumberRange"),
    pytest.param(IntegerField(validators=[NumberRange(min=1)]), "0",
                 "Number must be at least 1.", "數字不能小於 1。", "数字不能小于 1。", id="NumberRange-min"),
    pytest.param(IntegerField(validators=[NumberRange(max=9)]), "10",
                 "Number must be at most 9.", "數字不能大於 9。", "数字不能大于 9。", id="NumberRange-max"),
    pytest.param(StringField(validators=[EqualTo("other")]), "a",
                 "Field must be equal to other.", "必須與 other 相同。", "必须与 other 相同。", id="EqualTo"),
    pytest.param(StringField(validators=[Regexp(r"^\d+$")]), "abc",
                 "Invalid input.", "輸入的內容無效。", "输入的内容无效。", id="Regexp"),
    pytest.param(StringField(validators=[URL()]), "no url",
                 "Invalid URL.", "網址無效。", "网址无效。", id="URL"),
    pytest.param(StringField(validators=[UUID()]), "no uuid",
                 "Invalid UUID.", "UUID 無效。", "UUID 无效。", id="UUID"),
    pytest.param(StringField(validators=[IPAddress()]), "no ip",
                 "Invalid IP address.", "IP 位址無效。", "IP 地址无效。", id="IPAddress"),
    pytest.param(StringField(validators=[MacAddress()]), "no mac",
                 "Invalid Mac address.", "MAC 位址無效。", "MAC 地址无效。", id="MacAddress"),
    pytest.param(StringField(validators=[AnyOf(["a", "b"])]), "c",
                 "Invalid value, must be one of: a, b.", "值無效，必須是下列之一：a, b。",
                 "值无效，必须是下列之一：a, b。", id="AnyOf"),
    pytest.param(StringField(validators=[NoneOf(["a", "b"])]), "a",
                 "Invalid value, can't be any of: a, b.", "值無效，不能是下列任何一個：a, b。",
                 "值无效，不能是下列任何一个：a, b。", id="NoneOf"),
    pytest.param(IntegerField(), "十二",
                 "Not a valid integer value.", "請輸入整數。", "请输入整数。", id="IntegerField"),
    pytest.param(DecimalField(), "x",
                 "Not a valid decimal value.", "請輸入數字。", "请输入数字。", id="DecimalField"),
    pytest.param(FloatField(), "x",
                 "Not a valid float value.", "請輸入數字。", "请输入数字。", id="FloatField"),
    pytest.param(DateField(), "2026-13-45",
                 "Not a valid date value.", "請輸入有效的日期。", "请输入有效的日期。", id="DateField"),
    pytest.param(SelectField(choices=[("a", "A")]), "z",
                 "Not a valid choice.", "請從清單中選擇。", "请从列表中选择。", id="SelectField"),
]


def _errors(app, field, typed: str, locale: str) -> list[str]:
    class Probe(WorkspaceForm):
        other = StringField()

    Probe.value = field
    with app.test_request_context("/", method="POST", headers={"Accept-Language": ACCEPT[locale]}):
        form = Probe(MultiDict({"value": typed, "other": "b"}), meta={"csrf": False})
        assert not form.validate()
        return [str(error) for error in form.value.errors]


@pytest.mark.parametrize(("field", "typed", "english", "traditional", "simplified"), CASES)
def test_each_validator_speaks_the_readers_language(app, field, typed, english, traditional, simplified):
    assert _errors(app, field, typed, "en") == [english]
    assert _errors(app, field, typed, "zh_Hant") == [traditional]
    assert _errors(app, field, typed, "zh_Hans") == [simplified]


def test_a_subform_speaks_the_readers_language_too(app):
    class Speaker(WorkspaceSubform):
        name = StringField(validators=[Length(max=3)])

    class Holder(WorkspaceForm):
        speakers = wtforms.FieldList(wtforms.FormField(Speaker), min_entries=1)

    with app.test_request_context("/", method="POST", headers={"Accept-Language": "zh-TW"}):
        form = Holder(MultiDict({"speakers-0-name": "長長長長"}), meta={"csrf": False})
        assert not form.validate()
        assert form.speakers[0].form.name.errors == ["長度不能超過 3 個字。"]


def _wtforms_messages() -> set[str]:
    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with pot.open("rb") as handle:
        return {message.id[0] if message.pluralizable else message.id for message in read_po(handle) if message.id}


def test_every_message_of_the_form_library_is_in_our_catalogues():
    """A WTForms upgrade that adds a message fails here until it is listed and translated."""
    listed = {message if isinstance(message, str) else message[0] for message in form_messages.MESSAGES}
    missing = sorted(_wtforms_messages() - listed)
    assert not missing, f"add these to workspace/core/form_messages.py and translate them: {missing}"


def _form_classes() -> list[type]:
    found = []
    for module_info in pkgutil.walk_packages(workspace.__path__, "workspace."):
        if not module_info.name.endswith(".forms"):
            continue
        module = import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, wtforms.Form) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_form_of_the_app_takes_our_translations():
    classes = _form_classes()
    assert len(classes) > 30, [cls.__name__ for cls in classes]
    strays = [f"{cls.__module__}.{cls.__name__}" for cls in classes
              if not issubclass(cls, WorkspaceForm | WorkspaceSubform)]
    assert not strays, f"build these on core.forms.WorkspaceForm (or WorkspaceSubform): {strays}"


def test_a_form_sent_in_traditional_chinese_answers_in_traditional_chinese(client, ctx):
    club = make_club()
    club.convener.locale = "zh_Hant"
    from workspace.extensions import db

    db.session.commit()
    client.login(club.convener)
    starts = dt.datetime(2027, 3, 3, 14, 0)
    response = client.post_form(f"/c/{club.community.slug}/activities/new", {
        "title": "共同備課", "method": "collaborative_planning", "mode": "offline",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "自" * 201, "repeat": "", "count": "1",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "長度不能超過 200 個字。" in page
    assert "字段" not in page and "长度" not in page  # no Simplified text from the form library
    assert "自" * 201 in page  # what was typed is kept


def test_english_reader_gets_english(client, ctx):
    user = make_user(locale="en")
    client.login(user)
    response = client.post_form("/communities/new", {"name": "", "kind": "subject", "slug": "x" * 3})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
