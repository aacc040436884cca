"""The shared field macro (templates/core/_forms.html) on the fields that once bypassed it: a select drawn beside
each goal, a group of checkboxes, and a refused field that has help too."""

from __future__ import annotations

import re

from tests.mentoring import pairings_world as world
from tests.mentoring.helpers import make_pair


def test_a_refused_goal_evidence_select_is_tied_to_its_error(client, ctx):
    pair = make_pair()
    goal, other = world.goal(pair.pairing, "提升提問技巧"), world.goal(pair.pairing, "班級經營")
    client.login(pair.mentor)
    base = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/goals"
    answer = client.hx("post", f"{base}/{goal.id}/evidence", data={"target": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    select = re.search(rf'<select[^>]*id="evidence-{goal.id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in select and f'aria-describedby="evidence-{goal.id}-error"' in select
    assert 'name="target"' in select
    assert re.search(rf'<p class="field-error" id="evidence-{goal.id}-error">[^<]+</p>', html)
    assert f'<label class="label" for="evidence-{goal.id}">' in html
    # The other goal's select is not refused, and no id is drawn twice.
    other_select = re.search(rf'<select[^>]*id="evidence-{other.id}"[^>]*>', html).group(0)
    assert "aria-invalid" not in other_select and f"evidence-{other.id}-error" not in html
    assert re.search(r'<option[^>]*value=""[^>]*>—</option>', html)


def test_a_checkbox_group_is_a_fieldset_with_its_error(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    page = client.get(f"/c/{pair.community.slug}/mentoring/pairings/new").get_data(as_text=True)
    assert 'for="mentee_ids"' not in page  # a label cannot name a list
    assert re.search(r'<fieldset class="field checks\s*" id="mentee_ids">\s*'
                     r'<legend class="label">New teachers</legend>', page)
    refused = client.post_form(f"/c/{pair.community.slug}/mentoring/pairings",
                               {"mentor_id": str(pair.mentor.id), "starts_on": "2026-09-01"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    fieldset = re.search(r'<fieldset[^>]*id="mentee_ids"[^>]*>', html).group(0)
    assert 'aria-describedby="mentee_ids-error"' in fieldset and "has-error" in fieldset
    assert re.search(r'<p class="field-error" id="mentee_ids-error">[^<]+</p>\s*</fieldset>', html)


def test_a_refused_field_keeps_its_help_in_its_description(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    answer = client.hx("post", f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/",
                       data={"held_on": "2026-09-10", "duration_minutes": "40", "topics": "x" * 5000})
    html = answer.get_data(as_text=True)
    topics = re.search(r'<input[^>]*id="topics"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in topics and 'aria-describedby="topics-error topics-help"' in topics
    assert 'id="topics-help"' in html and 'id="topics-error"' in html

