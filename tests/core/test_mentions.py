"""@mentions: who a text names among the given people, and who matches what was typed after the @."""

from __future__ import annotations

from dataclasses import dataclass

from workspace.core.mentions import find_mentions, match_members


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str


ANN, ANNA, CHEN, WANG = Person(1, "Ann"), Person(2, "Anna Lee"), Person(3, "陳"), Person(4, "王老師")
MEMBERS = [ANN, ANNA, CHEN, WANG]


def test_the_longest_name_wins_and_word_ends_are_respected():
    assert find_mentions("hi @Anna Lee and @Ann!", MEMBERS) == [ANNA, ANN]
    assert find_mentions("@Annabel", MEMBERS) == []
    assert find_mentions("@ann, again @ANN", MEMBERS) == [ANN]


def test_chinese_names_need_no_space_around_them():
    assert find_mentions("謝謝！@王老師好，也請@陳看看", MEMBERS) == [WANG, CHEN]


def test_code_mentions_no_one_and_strangers_are_ignored():
    assert find_mentions("`@Ann` in code\n\n```\n@王老師\n```", MEMBERS) == []
    assert find_mentions("@林老師", MEMBERS) == []
    assert find_mentions("@Ann", [ANNA]) == []


def test_suggestions_put_names_that_start_with_the_prefix_first():
    assert match_members(MEMBERS, "lee") == [ANNA]
    assert match_members(MEMBERS, "an") == [ANN, ANNA]
    assert match_members(MEMBERS, "老師") == [WANG]
    assert match_members(MEMBERS, "", limit=2) == [ANN, ANNA]


def test_namesakes_are_all_mentioned_since_the_text_cannot_say_which_one_was_meant():
    """Two teachers called 陳怡君 in one school: @陳怡君 tells both (the post is on a board both read), never only
    whichever came first."""
    first, second, third = Person(5, "陳怡君"), Person(6, "陳怡君"), Person(7, "陳怡君\u200b")  # saved before cleaning
    found = find_mentions("請@陳怡君 看看", [CHEN, first, WANG, second, third])
    assert sorted(found, key=lambda person: person.id) == [first, second, third]
    assert find_mentions("@陳 看看", [CHEN, first, second]) == [CHEN]
