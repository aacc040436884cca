"""Upload benchmark: what it costs to take in a large video, from the request body to a blob in the store.

In-process, on a throwaway instance: one multipart request carrying a BENCH_UPLOAD_MB (200) MB MP4 is parsed
and stored (`request.files`, then `storage.store_upload`), ROUNDS times each way, alternating:
- baseline: Werkzeug's own request class, which spools a large part to the system's temp folder, after which
  the store copied it into its own temp folder (the app before the store's spool);
- the app's: `storage.UploadRequest`, which spools the part into the store's temp folder, so storing it is a
  rename.
Printed per way: the median seconds and MB/s, and the bytes the process wrote (the kernel's `wchar` for the
process, /proc/self/io) per byte uploaded: 2 for the baseline (the spool, then the copy), 1 for the app's.
The target: the app's way writes each uploaded byte once (≤ 1.05 ×, multipart framing aside) and is not slower
than the baseline. The request body is prepared on disk before measuring, and read from there.
Run alone with `python -m bench.uploads`; `python -m bench.run` runs it after the other benchmarks.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import run as page_bench
from tests.media import mp4_prefix

UPLOAD_MB = page_bench._env_int("BENCH_UPLOAD_MB", 200)
ROUNDS = page_bench._env_int("BENCH_UPLOAD_ROUNDS", 3)
MB = 1024 * 1024
BOUNDARY = "----bench-upload-boundary"
WRITE_TARGET = 1.05  # bytes written per byte uploaded


def written_bytes() -> int:
    """Bytes this process has passed to write() so far (Linux: /proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise page_bench.BenchError("/proc/self/io has no wchar line")


def make_body(folder: Path, size: int) -> Path:
    """A multipart/form-data body with one MP4 part of `size` bytes (and a caption), written to disk."""
    path = folder / "request-body"
    block = os.urandom(MB)  # incompressible, as video is
    with path.open("wb") as out:
        out.write((f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n公開課錄影\r\n"
                   f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lesson.mp4\"\r\n"
                   "Content-Type: video/mp4\r\n\r\n").encode())
        prefix = mp4_prefix(size)  # a well-formed MP4 (the upload check walks its boxes)
        out.write(prefix)
        left = size - len(prefix)
        while left > 0:
            out.write(block[:min(left, MB)])
            left -= min(left, MB)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path


def take_in(app, body: Path) -> tuple[float, int, int]:
    """Parse and store the request body once; return (seconds, bytes written, stored size)."""
    from workspace.core import storage
    from workspace.extensions import db

    length = body.stat().st_size
    with body.open("rb") as stream:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/upload", "SERVER_NAME": "bench", "SERVER_PORT": "80",
                   "wsgi.url_scheme": "http", "wsgi.input": stream, "CONTENT_LENGTH": str(length),
                   "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}
        before, started = written_bytes(), time.perf_counter()
        with app.request_context(environ):
            from flask import request

            upload = request.files["file"]
            stored = storage.store_upload(upload.stream, upload.filename)
            seconds, written = time.perf_counter() - started, written_bytes() - before
            path = storage.blob_path(stored.blob)
            size = path.stat().st_size
            db.session.rollback()
            path.unlink()  # the next round stores the same bytes anew
    return seconds, written, size


def run() -> bool:
    """Measure both ways in alternating rounds; print the figures; say whether the target is met."""
    from flask import Request

    from workspace import create_app
    from workspace.core import storage

    size = UPLOAD_MB * MB
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        instance = Path(folder)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite3'}",
                          "INSTANCE_DIR": str(instance), "UPLOAD_DIR": str(instance / "uploads"),
                          "SECRET_KEY": "bench", "MAX_VIDEO_UPLOAD_MB": UPLOAD_MB + 1,
                          "MAX_CONTENT_LENGTH": (UPLOAD_MB + 2) * MB})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        body = make_body(instance, size)
        ways = {"baseline (Werkzeug's spool, then a copy)": Request, "the store's spool (a rename)":
                storage.UploadRequest}
        figures: dict[str, list[tuple[float, int]]] = {name: [] for name in ways}
        for _round in range(ROUNDS):
            for name, request_class in ways.items():
                app.request_class = request_class
                seconds, written, stored = take_in(app, body)
                if stored != size:
                    raise page_bench.BenchError(f"{name}: stored {stored:,} bytes of {size:,}")
                figures[name].append((seconds, written))
    print(f"\nupload: one {UPLOAD_MB} MB MP4 in a multipart request, parsed and stored in-process, "
          f"{ROUNDS} rounds each way, alternating (median)")
    medians = {}
    for name, rows in figures.items():
        seconds = statistics.median(row[0] for row in rows)
        per_byte = statistics.median(row[1] for row in rows) / size
        medians[name] = (seconds, per_byte)
        print(f"  {name:42} {seconds:6.2f} s  {UPLOAD_MB / seconds:7.0f} MB/s  "
              f"written {per_byte:.2f} × the upload")
    (base_seconds, _), (app_seconds, app_written) = medians.values()
    ok = app_written <= WRITE_TARGET and app_seconds <= base_seconds * 1.1
    print(f"  time: {app_seconds / base_seconds:.2f} × the baseline; bytes written {app_written:.2f} × the upload "
          f"(target ≤ {WRITE_TARGET}): {'PASS' if ok else 'FAIL'}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
