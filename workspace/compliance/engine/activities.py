"""Which activities a rule looks at (its filters) and what evidence each lacks: for count, distinct and burn-up."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import Any

from workspace.compliance.facts import ActivityFact
from workspace.core.search import fold

EVIDENCE = ("photo", "video", "minutes", "attendance", "sheet", "document")


def reads_attendance(program: dict[str, Any]) -> bool:
    """Whether any rule of the program may read who attended (a per-person kind, or "attendance" anywhere in a
    rule: as evidence, as the activity a deliverable falls back on, in a measure's name). Erring on the side of
    yes: the gathering skips the attendance marks, the largest of its reads, only when no rule can look at them."""

    def mentions(value: Any) -> bool:
        if isinstance(value, str):
            return "attendance" in value
        if isinstance(value, dict):
            return any(mentions(key) or mentions(item) for key, item in value.items() if key != "messages")
        if isinstance(value, list | tuple):
            return any(mentions(item) for item in value)
        return False

    return any(rule.get("kind") == "per_person" or mentions(rule) for rule in program.get("rules", []))


def has_evidence(activity: ActivityFact, kind: str) -> bool:
    """Whether the activity carries this kind of evidence."""
    return {
        "photo": activity.photos > 0,
        "video": activity.videos > 0,
        "minutes": activity.has_minutes,
        "attendance": activity.attendance_taken,
        "sheet": activity.sheets > 0,
        "document": activity.documents > 0,
    }[kind]


def has_evidence_for_report(activity: ActivityFact, kind: str) -> bool:
    """Whether the activity carries this kind of evidence where the results report can carry it too (a deliverable's
    `or_activity_with`: "keep an activity's video for the results report"): a video must be one the report may cite
    (`report_videos`, as the activities read module counts them: a pair's private record keeps its own)."""
    if kind == "video":
        return activity.report_videos > 0
    return has_evidence(activity, kind)


def missing_evidence(activity: ActivityFact, required: Iterable[str | list[str]]) -> list[str]:
    """The required evidence the activity lacks; an entry that is a list is met by any one of its kinds."""
    missing = []
    for need in required:
        options = [need] if isinstance(need, str) else list(need)
        if not any(has_evidence(activity, kind) for kind in options):
            missing.append("|".join(options))
    return missing


def evidence_asked(activity: ActivityFact, program: dict[str, Any]) -> list[str]:
    """The evidence the program's rules will ask of this activity once held (each entry a kind, or kinds joined
    by "|" of which any one will do), in the rules' order, each once: what a plan promises to keep."""
    parameters = program.get("parameters", {})
    held = dataclasses.replace(activity, held=True)
    asked: list[str] = []
    for rule in program.get("rules", []):
        if rule.get("kind") not in ("count", "distinct") or not rule.get("evidence") or not matches(held, rule,
                                                                                                     parameters):
            continue
        for need in rule["evidence"]:
            key = need if isinstance(need, str) else "|".join(need)
            if key not in asked:
                asked.append(key)
    return asked


def mode_matches(activity: ActivityFact, modes: list[str] | None, hybrid_counts_as: str) -> bool:
    """Whether the activity's mode is one the rule asks for; a hybrid session counts as the program says."""
    if not modes:
        return True
    if activity.mode == "hybrid" and "hybrid" not in modes:
        counts_as = ("online", "offline") if hybrid_counts_as == "both" else (hybrid_counts_as,)
        return any(mode in modes for mode in counts_as)
    return activity.mode in modes


def word_key(value: object) -> object:
    """How a typed word (a tag, a subject) is compared: in either Chinese script and any case, so that a
    community typing 同步课堂 and 数学 meets a rule written 同步課堂 and 數學 (the presets are written once)."""
    return _folded_word(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _folded_word(word: str) -> str:
    # A judgement compares the same few tags and subjects thousands of times (a rule's words against every
    # activity's): each is folded once per process, not once per comparison.
    return fold(word)


def shares_a_word(wanted: Iterable[object], typed: Iterable[object]) -> bool:
    """Whether the typed words include one of the wanted ones (compared by word_key)."""
    return not {word_key(word) for word in wanted}.isdisjoint(word_key(word) for word in typed)


def matches(activity: ActivityFact, rule: dict[str, Any], parameters: dict[str, Any]) -> bool:
    """Whether a held activity passes the rule's filters (methods, modes, tags, subjects, minimum minutes)."""
    if not activity.held:
        return False
    if rule.get("methods") and activity.method not in rule["methods"]:
        return False
    if not mode_matches(activity, rule.get("modes"), parameters.get("hybrid_counts_as", "both")):
        return False
    if rule.get("tags") and not shares_a_word(rule["tags"], activity.tags):
        return False
    if rule.get("subjects") and not shares_a_word(rule["subjects"], activity.subjects):
        return False
    return activity.minutes >= rule.get("min_minutes", 0)
