"""Chinese labels end with the full-width colon: "您：出席", "請假申請：家長會", not "您: 出席"; English keeps ": ".

The label and its value go through one translated pattern ("%(label)s: %(value)s"), so each language writes its
own colon. Pages are read as a person sees them (tags removed).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.activities.helpers import make_club
from workspace.activities import services as activities
from workspace.discussions import services as discussions
from workspace.discussions.models import Category
from workspace.extensions import db

# A Chinese character (or a closing full-width bracket) followed by an ASCII colon: a label in the wrong script.
ASCII_COLON_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff\uff09\u300d]\s*:(?!//)")
CATALOGS = "workspace/translations/{}/LC_MESSAGES/messages.po"


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no tags, no scripts, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


@pytest.fixture()
def pages(ctx):
    """Pages that show "label: value" pairs: the list, an activity with leave, attendance, the sheet, the feeds
    page, participation, the board with a thread about an activity."""
    club = make_club()
    now = activities.to_local(activities.utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    held = club.activity("已舉行的觀課", starts=now - dt.timedelta(days=2))
    activities.set_attendance(held, {club.member.id: "present"}, actor=club.convener)
    coming = club.activity("下週的共同備課", starts=now + dt.timedelta(days=7))
    activities.request_leave(coming, "家長會", actor=club.member)
    thread = discussions.create_thread(club.community, category=_category(club), title="觀課心得",
                                       body="大家的想法", actor=club.member,
                                       about=held)
    db.session.commit()
    base = "/c/club/activities"
    return club, {
        "member": [f"{base}/?when=past", f"{base}/{coming.id}", "/c/club/discussions/",
                   f"/c/club/discussions/{thread.id}", f"/c/club/discussions/new?activity={held.id}", f"{base}/feed"],
        "convener": [f"{base}/{coming.id}", f"{base}/{coming.id}/attendance", f"{base}/{coming.id}/sheet",
                     f"{base}/participation"],
    }


def _category(club) -> Category:
    return db.session.scalar(select(Category).where(Category.community_id == club.community.id,
                                                    Category.key == "sharing"))


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_chinese_labels_end_with_the_full_width_colon(client, pages, locale):
    club, paths = pages
    seen = []
    for who, person in (("member", club.member), ("convener", club.convener)):
        person.locale = locale
        db.session.commit()
        client.login(person)
        for path in paths[who]:
            response = client.get(path)
            assert response.status_code == 200, path
            text = visible_text(response.get_data(as_text=True))
            wrong = [text[max(match.start() - 12, 0): match.end() + 12]
                     for match in ASCII_COLON_AFTER_CHINESE.finditer(text)]
            assert not wrong, (path, wrong)
            seen.append(text)
    everything = " ".join(seen)
    for expected in ("您：", "：家長會", "：已舉行的觀課"):
        assert expected in everything, expected


def test_english_labels_keep_a_colon_and_a_space(client, pages):
    club, paths = pages
    client.login(club.member)
    listing = visible_text(client.get(paths["member"][0]).get_data(as_text=True))
    assert "You: Present" in listing
    page = visible_text(client.get(paths["member"][1]).get_data(as_text=True))
    assert "Leave request: 家長會" in page


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_no_translation_puts_an_ascii_colon_after_chinese(locale):
    with open(CATALOGS.format(locale), "rb") as catalog_file:
        catalog = read_po(catalog_file, locale=locale)
    wrong = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wrong += [text for text in strings if text and ASCII_COLON_AFTER_CHINESE.search(text)]
        # a placeholder where a label ends: "%(label)s:" written with the ASCII colon in a Chinese catalog
        wrong += [text for text in strings if text and re.search(r"\)s:\s", text)]
    assert not wrong, wrong


# A translated label printed and then an ASCII colon written in the template ({{ _("Teacher") }}: …): the colon
# cannot follow the language. The pattern "%(label)s: %(value)s" is translated instead.
LABEL_THEN_COLON = re.compile(r"\{\{[^{}]*\b_\([^{}]*\}\}\s*:(?!//)")


def test_no_template_writes_its_own_colon_after_a_translated_label():
    from pathlib import Path

    offenders = [f"{path}:{text[:match.start()].count(chr(10)) + 1}"
                 for path in sorted(Path("templates").rglob("*.html"))
                 for text in [path.read_text(encoding="utf-8")] for match in LABEL_THEN_COLON.finditer(text)]
    assert offenders == []


def test_the_presets_own_chinese_messages_use_full_width_brackets():
    """Our plain-language rule messages in Chinese write （含）, not (含) (a funder's citation is quoted as written)."""
    found = []
    for preset in sorted(Path("workspace/compliance/presets").glob("*.json")):
        for rule in json.loads(preset.read_text(encoding="utf-8"))["rules"]:
            for language, text in (rule.get("messages") or {}).items():
                if language.startswith("zh") and re.search(r"[()]", text):
                    found.append(f"{preset.name} {rule['id']} {language}: {text}")
    assert found == []
