from tests.plans.helpers import make_team
from workspace.extensions import db
from workspace.plans import services


def test_two_editors_merge_and_conflict(ctx):
    team = make_team()
    doc = team.plan()
    section = doc.sections[0]
    first = services.save_section(section, "line one\nline two\nline three", actor=team.lead, base_version=1)
    assert first.accepted and section.version == 2
    a = services.save_section(section, "line ONE\nline two\nline three", actor=team.lead, base_version=2)
    b = services.save_section(section, "line one\nline two\nline THREE", actor=team.teacher, base_version=2)
    assert a.accepted and b.accepted and b.outcome.merged
    assert section.body == "line ONE\nline two\nline THREE"
    c = services.save_section(section, "line 1\nline two\nline three", actor=team.teacher, base_version=2)
    assert not c.accepted and "line 1" in c.outcome.text and "line ONE" in c.outcome.text
    db.session.commit()
    history = services.section_history(section)
    assert [r.how for r in history.revisions] == ["merged", "saved", "saved", "created"]
    adaptation = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    assert adaptation.sections[0].body == section.body
    changes = services.section_changes(adaptation)
    assert not changes[0].changed and not changes[0].shared_changed
