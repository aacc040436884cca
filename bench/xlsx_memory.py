"""Peak memory of writing the activity ledger's XLSX at 300 activities × 60 members: XlsxWriter in constant_memory
mode (what workspace/exports/spreadsheet.py uses) against openpyxl in write_only mode.

The same cells are written both ways: the activities sheet (300 rows of 12 columns, a date cell each), the
attendance matrix (60 members × 300 activities of status words, with totals), the feedback sheet (300 rows) and
200 expenses. Each library runs in a child process of its own, so the resident-set growth of one does not hide
the other's; each reports the tracemalloc peak (Python allocations) and the RSS growth above its idle start
(everything: C buffers, temporary files' pages, the ZIP). The data is generated, so no database is needed.

    python -m bench.xlsx_memory [activities] [members]
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import subprocess
import sys
import time
import tracemalloc

ACTIVITIES, MEMBERS = 300, 60
STATUSES = ("出席", "遲到", "早退", "請假", "缺席")


def _rss_kib() -> int:
    """The process's resident set now, in KiB (Linux /proc; the high-water mark elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def rows(activities: int, members: int):
    """The four sheets' rows, generated: (sheet name, header, rows)."""
    first = dt.date(2026, 8, 1)
    days = [first + dt.timedelta(days=index % 330) for index in range(activities)]
    titles = [f"第{index + 1}次社群活動：共同備課與觀課議課" for index in range(activities)]
    yield ("社群活動", ["日期", "時間", "標題", "進行方式", "模式", "時數", "出席", "應出席", "出席率", "會議記錄",
                       "照片", "影片"],
           ([days[index], "14:00–16:00", titles[index], "協同備課", "實體", 2.0, members - index % 7, members,
             round((members - index % 7) / members, 3), "是", 3, index % 2] for index in range(activities)))
    yield ("出席紀錄", ["成員", *(f"{days[index].isoformat()} {titles[index]}" for index in range(activities)),
                        "出席次數", "已辦理", "出席率"],
           ([f"教師{member + 1:02d}", *(STATUSES[(member + index) % 5] for index in range(activities)),
             activities * 3 // 5, activities, 0.6] for member in range(members)))
    yield ("回饋", ["日期", "標題", "回應數", "平均滿意度", "1", "2", "3", "4", "5"],
           ([days[index], titles[index], 20, 4.2, 0, 1, 2, 7, 10] for index in range(activities)))
    yield ("支出明細", ["日期", "經費項目", "受款人", "說明", "金額", "可核銷"],
           ([days[index % activities], "印刷費－學習資料", "影印店", "講義印刷", 150 + index, "是"]
            for index in range(200)))


def write_xlsxwriter(activities: int, members: int) -> bytes:
    """Through the project's writer: XlsxWriter with constant_memory."""
    from workspace.exports.spreadsheet import Percent, Workbook

    book = Workbook(title="ledger")
    for name, header, body in rows(activities, members):
        sheet = book.sheet(name)
        sheet.header(header)
        for row in body:
            sheet.row([Percent(value) if isinstance(value, float) and value < 1 else value for value in row])
    return book.to_bytes()


def write_openpyxl(activities: int, members: int) -> bytes:
    """openpyxl's write_only workbook, with the same cells and formats."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header, body in rows(activities, members):
        sheet = book.create_sheet(name)
        cells = []
        for label in header:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in body:
            out = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, float) and value < 1:
                    cell.number_format = "0.0%"
                elif isinstance(value, str):
                    cell.data_type = "s"  # never a formula
                out.append(cell)
            sheet.append(out)
    out_file = io.BytesIO()
    book.save(out_file)
    return out_file.getvalue()


def measure(library: str, activities: int, members: int) -> dict[str, float]:
    """Build once in this process; the figures of that build."""
    writer = write_xlsxwriter if library == "xlsxwriter" else write_openpyxl
    if library == "xlsxwriter":
        import xlsxwriter  # noqa: F401  (imported before the idle reading, as openpyxl is)

        import workspace.exports.spreadsheet  # noqa: F401
    else:
        import openpyxl  # noqa: F401
    idle = _rss_kib()
    tracemalloc.start()
    started = time.perf_counter()
    data = writer(activities, members)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"library": library, "seconds": round(seconds, 2), "tracemalloc_peak_mib": round(peak / 2**20, 1),
            "rss_growth_mib": round((_peak_rss_kib() - idle) / 1024, 1), "bytes": len(data)}


def main() -> None:
    activities = int(sys.argv[1]) if len(sys.argv) > 1 else ACTIVITIES
    members = int(sys.argv[2]) if len(sys.argv) > 2 else MEMBERS
    if len(sys.argv) > 3:  # the child: one library, its figures as JSON
        print(json.dumps(measure(sys.argv[3], activities, members)))
        return
    print(f"Ledger XLSX, {activities} activities × {members} members (a child process per library)")
    print(f"{'library':<28}{'tracemalloc peak':>18}{'RSS growth':>12}{'time':>8}{'size':>10}")
    for library, label in (("xlsxwriter", "XlsxWriter constant_memory"), ("openpyxl", "openpyxl write_only")):
        child = subprocess.run([sys.executable, "-m", "bench.xlsx_memory", str(activities), str(members), library],
                               capture_output=True, text=True, check=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{label:<28}{figures['tracemalloc_peak_mib']:>14.1f} MiB{figures['rss_growth_mib']:>8.1f} MiB"
              f"{figures['seconds']:>7.2f}s{figures['bytes'] / 1024:>7.0f} KiB")


if __name__ == "__main__":
    main()
