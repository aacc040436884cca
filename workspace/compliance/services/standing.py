"""Where each enrolment stands today: the facts gathered once for all, judged by the engine, with the
waivers in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workspace.compliance import engine
from workspace.compliance.facts import CommunityFacts
from workspace.compliance.gather import gather
from workspace.compliance.models import Enrollment, Waiver
from workspace.compliance.services.enrolment import live_waivers
from workspace.core.database import utcnow
from workspace.core.records import local_day

URBAN_RURAL = "urban_rural"  # the community type whose agreement term bounds what counts (communities.records)

STATUS_ORDER = ("not_met", "at_risk", "on_track", "met", "waived", "not_applicable")  # the worst first


@dataclass(frozen=True)
class Standing:
    """Where one enrolment stands today: each rule's result, the waivers in force and the burn-up series."""

    enrollment: Enrollment
    today: dt.date
    results: tuple[Any, ...]  # engine RuleResult, in the program's order
    waivers: dict[str, Waiver]
    burn_up: Any  # engine BurnUp, or None when the program has no activity count
    titles: dict[int, str]  # activity id → title, for the records that count
    facts: CommunityFacts  # what it was judged on (the reviewers' table counts activities and people from it)

    @property
    def private_ids(self) -> frozenset[int]:
        """The pairs' private activities (meetings, observations) among the facts: a reader who does not see the
        pairings gets them counted, not named."""
        return frozenset(activity.id for activity in self.facts.activities if activity.private)

    @property
    def agreement_notice(self) -> str:
        """What the panel says of an urban–rural community's agreement term against the program's period: "unset"
        (no term: every activity counts), "partial" (it covers only part of the period: activities outside it are
        left out), "outside" (none of it: no activity counts) or "" (nothing to say: another kind of community,
        or a term covering the period)."""
        facts, program = self.facts, self.enrollment.program
        if facts.community_type != URBAN_RURAL:
            return ""
        first, last = facts.agreement_first, facts.agreement_last
        if first is None or last is None:
            return "unset"
        if first > program.last_day or last < program.first_day:
            return "outside"
        return "partial" if first > program.first_day or last < program.last_day else ""

    @property
    def ledger(self) -> engine.Ledger:
        """Approved, spent and remaining, per category and in total."""
        return engine.ledger(self.enrollment.program.definition, self.facts)

    @property
    def tally(self) -> dict[str, int]:
        """How many rules are in each status, the worst first (STATUS_ORDER, as the reviewers' table reads)."""
        counts: dict[str, int] = {}
        for result in self.results:
            counts[str(result.status)] = counts.get(str(result.status), 0) + 1
        return dict(sorted(counts.items(), key=lambda item: STATUS_ORDER.index(item[0])
                           if item[0] in STATUS_ORDER else len(STATUS_ORDER)))


def standings(enrollments: Sequence[Enrollment], *, now: dt.datetime | None = None) -> list[Standing]:
    """Judge each enrolment against its program today, from a bounded number of queries for all of them."""
    now = now or utcnow()
    today = local_day(now)
    facts = gather(enrollments, now=now)
    waivers = live_waivers([enrollment.id for enrollment in enrollments])
    judged = []
    for enrollment in enrollments:
        program = enrollment.program.definition
        mine = waivers.get(enrollment.id, {})
        results = engine.evaluate(program, facts[enrollment.id], today,
                                  waivers={rule_id: waiver.reason for rule_id, waiver in mine.items()})
        judged.append(Standing(enrollment, today, tuple(results), mine,
                               engine.burn_up(program, facts[enrollment.id], today),
                               {activity.id: activity.title for activity in facts[enrollment.id].activities},
                               facts[enrollment.id]))
    return judged
