"""@mentions in Markdown: who a text names among the people it may name, and who matches what follows an @.

Core knows no area: callers pass the people an @ can name (e.g. `communities.records.contributing_members`),
anything with an `id` and a `display_name`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from workspace.core.text import clean_line, name_key

MAX_SCAN = 120  # characters after an @ compared with names (longer names cannot be mentioned)
MAX_PREFIX = 50  # characters of a typed prefix that count for the autocomplete

_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


class Mentionable(Protocol):
    """A person an @ can name."""

    @property
    def id(self) -> int: ...

    @property
    def display_name(self) -> str: ...


Person = TypeVar("Person", bound=Mentionable)


def find_mentions(text: str, members: Sequence[Person]) -> list[Person]:
    """The members named as @Name in the text (names may hold spaces or be Chinese; longest name wins; every
    member of a name people cannot tell from it, core/text.name_key).

    Text in code spans and blocks does not mention anyone; names of non-members are ignored.
    """
    plain = _CODE.sub(" ", text)
    by_length = sorted(members, key=lambda person: len(person.display_name), reverse=True)
    found: dict[int, Person] = {}
    for match in re.finditer("@", plain):
        rest = plain[match.end():match.end() + MAX_SCAN].casefold()
        for person in by_length:
            name = person.display_name.casefold()
            if not name or not rest.startswith(name):
                continue
            after = rest[len(name):len(name) + 1]
            if _ASCII_WORD.match(name[-1]) and after and _ASCII_WORD.match(after):
                continue  # @Ann must not mention Ann inside @Anna
            # Namesakes (two members called 陳怡君) are both told: the text cannot say which one was meant, and
            # telling one of them at random may tell the wrong one.
            key = name_key(name)
            for namesake in by_length:
                if name_key(namesake.display_name) == key:
                    found.setdefault(namesake.id, namesake)
            break
    return list(found.values())


def match_members(members: Sequence[Person], prefix: str, limit: int = 8) -> list[Person]:
    """Members whose name contains what was typed after the @, those whose name starts with it first."""
    prefix = clean_line(prefix)[:MAX_PREFIX].casefold()
    starts = [person for person in members if person.display_name.casefold().startswith(prefix)]
    contains = [person for person in members if prefix in person.display_name.casefold() and person not in starts]
    return (starts + contains)[:limit]
