"""Small accessibility rules of the shared stylesheet and the Markdown editor: every focusable thing gets the same
visible focus ring, the at-risk bar is visible against its track, small links and file pickers are big enough to
tap, and the editor's tabs are tied to their panels."""

from __future__ import annotations

import re
from pathlib import Path

from tests.mentoring.helpers import make_pair

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_summary_gets_the_same_focus_ring_as_every_control():
    rule = next(line for line in CSS.splitlines() if "a:focus-visible" in line and "outline: 3px" in line)
    assert "summary:focus-visible" in rule


def test_the_at_risk_bar_stands_out_from_its_track():
    fill = re.search(r"\.status-at_risk \.meter-fill \{ background: #([0-9a-f]{6}); \}", CSS).group(1)
    assert _contrast(fill, "eef2f1") >= 3, fill


def test_badge_links_and_file_pickers_are_big_enough_to_tap():
    assert re.search(r"a\.badge \{[^}]*min-height: 24px", CSS)
    assert re.search(r"input\[type=file\] \{[^}]*min-height: 24px", CSS)
    # the stylesheet has more than one block for touch screens: one of them makes these a finger's size
    coarse = [block.split("\n}\n")[0] for block in CSS.split("@media (pointer: coarse)")[1:]]
    assert any("a.badge" in block and "input[type=file]" in block and "min-height: 44px" in block
               for block in coarse)


def test_the_editor_tabs_control_their_panels(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    html = client.get(f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/").get_data(as_text=True)
    tabs = re.findall(r'<button type="button" role="tab"[^>]*>', html)
    assert len(tabs) == 2
    for tab in tabs:
        controls = re.search(r'aria-controls="([^"]+)"', tab).group(1)
        tab_id = re.search(r' id="([^"]+)"', tab).group(1)
        assert f'id="{controls}"' in html
    panel = re.search(r'<div class="prose preview editor-preview"[^>]*>', html).group(0)
    assert 'role="tabpanel"' in panel and f'aria-labelledby="{tab_id}"' in panel
    # roving tabindex: only the selected tab (Write, at first) is a Tab stop; the arrow keys reach the other
    assert [('aria-selected="true"' in tab, re.search(r'tabindex="(-?\d)"', tab).group(1)) for tab in tabs] == [
        (True, "0"), (False, "-1")]


def test_a_refused_editor_keeps_its_help_in_its_description(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    answer = client.hx("post", f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/",
                       data={"held_on": "2026-09-10", "duration_minutes": "40", "notes": "x" * 60_000})
    html = answer.get_data(as_text=True)
    area = re.search(r'<textarea id="log-notes-new"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in area
    assert 'aria-describedby="log-notes-new-error log-notes-new-help"' in area


def test_the_chart_s_tick_labels_are_legible_on_a_phone():
    """The charts' SVGs shrink with their viewBox (340 wide): on a 375-px phone (about 310 px drawn) the burn-up's
    tick labels must still come out at 12 px or more, the other charts' (participation) at 11 px or more."""
    narrow = re.search(r"@media \(max-width: 600px\) \{ \.chart \.tick \{ font-size: (\d+)px; \} "
                       r"\.burn-up \.chart \.tick \{ font-size: (\d+)px; \} \}", CSS)
    assert narrow and int(narrow.group(1)) * 310 / 340 >= 11 and int(narrow.group(2)) * 310 / 340 >= 12


def test_the_focus_ring_and_a_field_s_edge_stand_out_from_every_background():
    """axe QA: the light green ring was 1.7–1.9:1 on the cards, the page and the brand tint, a field's border
    1.8:1; WCAG 1.4.11 asks 3:1 of what shows a control and its focus."""
    variables = dict(re.findall(r"--([a-z-]+): #([0-9a-f]{6})", CSS))
    rule = next(line for line in CSS.splitlines() if "a:focus-visible" in line and "outline: 3px" in line)
    assert "var(--focus)" in rule and "[tabindex]:focus-visible" in rule
    for background in ("ffffff", "f5f7f6", variables["brand-soft"]):
        assert _contrast(variables["focus"], background) >= 3, background
        assert _contrast(variables["field-line"], background) >= 3, background
    assert "#b9c6c3" not in CSS  # no control keeps the faint edge


def test_text_marked_traditional_or_simplified_takes_that_scripts_fonts():
    """A Traditional post marked lang="zh-Hant" on a 简体 page (core/text_language) drew with the page's Simplified
    fonts: the mark must bring its own script's fonts, on screen and on paper."""
    assert re.search(r'^\[lang="zh-Hant"\] \{ font-family: [^}]*"PingFang TC", "Noto Sans TC"[^}]*\}', CSS, re.M)
    assert re.search(r'^:lang\(zh-Hans\) \{ font-family: [^}]*"PingFang SC", "Noto Sans SC"[^}]*\}', CSS, re.M)
    sheet = (Path(__file__).resolve().parents[2] / "static" / "css" / "sheet.css").read_text(encoding="utf-8")
    assert re.search(r'^\[lang="zh-Hant"\] \{ font-family: "Noto Sans CJK TC"', sheet, re.M)
    assert re.search(r'^\[lang="zh-Hans"\] \{ font-family: "Noto Sans CJK SC"', sheet, re.M)
