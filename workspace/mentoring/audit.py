"""What members see of mentoring on their home page: a pairing's, an observation's and a handbook's events reach
only those who may see the record itself (the pair, the observer and the observed teacher, the conveners), never
the whole community."""

from __future__ import annotations

from workspace.core import audit
from workspace.mentoring.models import Handbook, Observation, Pairing


def register() -> None:
    """Register the mentoring news and their audiences."""
    audit.register_news(("pairing.created", "pairing.ended", "pairing.repaired"), audit.viewers_of(Pairing))
    audit.register_news(("observation.shared_with_observed", "observation.finalized", "observation.reopened"),
                        audit.viewers_of(Observation))
    audit.register_news(("handbook.exported",), audit.viewers_of(Handbook))
    audit.register_target("Pairing", "mentoring.pairing", "pairing_id")
    audit.register_target("Observation", "mentoring.observation", "observation_id")
