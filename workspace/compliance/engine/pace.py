"""How a figure stands against its target in a window on a day: the one pace rule every counted kind uses.

- **met**: figure ≥ target (even before the window ends);
- **not met**: the window has closed short, or too few days remain: what is missing exceeds the days left
  (today included) times the most that can be done in a day (`max_per_day`, by default 1: a community holds
  at most one activity a day that counts);
- **on track**: figure ≥ what the pace asks by today (`expected_by`): the target times the share of the window
  wholly gone before today, rounded up (so on the first day nothing is expected yet); integer arithmetic;
- **at risk**: behind that pace, but still within reach.

Adding a record never moves a status back: each test only gets easier as the figure grows.
"""

from __future__ import annotations

import datetime as dt

from workspace.compliance.engine.results import Status
from workspace.compliance.engine.windows import Window


def expected_by(target: int, window: Window, today: dt.date) -> int:
    """What an even pace asks for by today: at least the target times the share of the window wholly gone before
    today, rounded up (0 on the first day, the target once closed). The count rule's status and gap and the
    burn-up chart's "expected by today" all read this one figure."""
    return -(-target * window.days_gone(today) // window.days)


def pace_status(figure: int, target: int, window: Window, today: dt.date, max_per_day: int = 1) -> Status:
    """The status of `figure` against `target` in `window` on `today` (see the module's rules)."""
    if figure >= target:
        return Status.MET
    if window.closed(today):
        return Status.NOT_MET
    if target - figure > window.days_left(today) * max_per_day:
        return Status.NOT_MET
    if figure >= expected_by(target, window, today):
        return Status.ON_TRACK
    return Status.AT_RISK


def standing_status(ok: bool, window: Window, today: dt.date) -> Status:
    """A condition that can be put right any day (a convener, enough members): met, at risk while open, else not met."""
    if ok:
        return Status.MET
    return Status.NOT_MET if window.closed(today) else Status.AT_RISK
