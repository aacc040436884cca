"""The guides' examples of what the exports write are what they write (QA: the user guide said the report writes
310 minutes as 5.17 hours, exports.md named the pack 佐證資料-<community>-<day>.zip)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask_babel import force_locale

from tests.exports.pack_helpers import pack_world
from workspace.core.i18n import format_hours
from workspace.exports import pack

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_guide_writes_the_report_s_total_hours_as_the_report_does(ctx):
    """The report writes a total of 310 minutes to the nearest minute; the ledger's cell keeps the number."""
    guide = " ".join((DOCS / "user-guide.md").read_text(encoding="utf-8").split())
    sentence = re.search(r"310 minutes are ([^;)]*)", guide).group(1)
    hours = round(310 / 60, 2)
    with force_locale("zh_Hant"):
        assert sentence.startswith(format_hours(hours) + ",")  # 5 小時 10 分鐘
    with force_locale("en"):
        assert format_hours(hours) in sentence  # 5 hours 10 minutes
    assert f"writes them {hours}" in guide and hours == 5.17


def test_the_pack_name_of_the_guide_is_the_pack_s(ctx):
    example = re.search(r"pack's own name, e\.g\. `([^`]+\.zip)`",
                        " ".join((DOCS / "exports.md").read_text(encoding="utf-8").split())).group(1)
    world = pack_world()
    name = pack.pack_filename(world.enrollment, "zh_Hant", dt.date(2026, 12, 3))
    code = world.enrollment.program.code
    shape = r"(?P<word>[^-]+)-(?P<community>.+)-(?P<program>PLC-100)-2026-12-03\.zip"
    found, documented = re.fullmatch(shape.replace("PLC-100", re.escape(code)), name), re.fullmatch(shape, example)
    assert found and documented, (name, example)
    assert documented["word"] == found["word"] == "佐證資料包"
