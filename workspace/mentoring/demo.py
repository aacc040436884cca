"""Demo pairings (師徒結對) for the demo communities that have mentors: 王淑芬 guides 黃 in the grade-5 maths
community; 刘晓燕 and 赵磊 guide 孙 and 吴 in the urban–rural community. Made through the services, with their
default milestones, the first of them ticked off, as a convener and the pair would.

Called from workspace/demo.py after the communities are loaded: `mentoring_demo.load_demo(loaded, people)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workspace.core.database import utcnow
from workspace.mentoring.services import milestones, pairings

# (community slug, convener, mentor, new teachers, weeks since the start)
DEMO_PAIRINGS = (
    ("math-grade5", "chen", "wang", ("huang",), 10),
    ("urban-rural", "zhou", "liu", ("sun",), 20),
    ("urban-rural", "zhou", "zhao", ("wu",), 6),
)


def load_demo(loaded: dict[str, Any], people: dict[str, Any]) -> list[Any]:
    """Pair the demo mentors with their new teachers (only where the community and the people were loaded);
    tick the milestones already past their day as done. Returns the pairings made."""
    made = []
    today = pairings.today()
    for slug, convener, mentor, mentees, weeks in DEMO_PAIRINGS:
        community = loaded.get(slug)
        if community is None or convener not in people or mentor not in people or any(
                key not in people for key in mentees):
            continue
        starts_on = today - dt.timedelta(weeks=weeks)
        for pairing in pairings.create_pairings(community, people[mentor].id, [people[key].id for key in mentees],
                                                starts_on, None, people[convener]):
            for milestone in milestones.milestones_of(pairing.id):
                if milestone.due_on < today - dt.timedelta(days=7):
                    milestone.done_at = utcnow()
                    milestone.done_by_id = pairing.mentor_id
            made.append(pairing)
    return made
