"""Building blocks for the evidence pack and frozen submission tests: an enrolled community whose activities have
minutes, photos, a video, a document and a scanned sign-in sheet (real uploads through the store), and a ZIP
opened from bytes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from tests.compliance.helpers import Enrolled, enrolled
from tests.media import mp4_bytes, png_bytes
from workspace.activities import services as activities
from workspace.activities.models import Activity, Evidence
from workspace.core.storage import blob_path, store_upload
from workspace.extensions import db


@dataclass
class PackWorld:
    """An enrolment (past school year) with activities carrying every kind of evidence."""

    enrolled: Enrolled
    activities: list[Activity] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def enrollment(self):
        return self.enrolled.enrollment

    @property
    def slug(self) -> str:
        return self.enrolled.slug

    @property
    def convener(self):
        return self.enrolled.club.convener

    def url(self, lang: str = "zh_Hant") -> str:
        return f"/c/{self.slug}/exports/{self.enrollment.id}/evidence.zip?lang={lang}"


def add_file(world: PackWorld, activity: Activity, data: bytes, filename: str, *, sheet: bool = False,
             caption: str = "") -> Evidence:
    """Upload a file as the activity's evidence, as its convener does."""
    evidence = activities.add_evidence(activity, store_upload(io.BytesIO(data), filename), actor=world.convener,
                                       sheet=sheet, caption=caption)
    db.session.commit()
    world.evidence.append(evidence)
    return evidence


def pack_world(slug: str = "club") -> PackWorld:
    """Three activities: one with minutes, two photos, a video, a document and a sign-in sheet; one with a photo
    only; one with minutes only (its title has a slash and a question mark)."""
    world = PackWorld(enrolled(slug))
    first = world.enrolled.activity(dt.date(2025, 9, 10), title="五年級數學共同備課", photo=False)
    add_file(world, first, png_bytes(color="red"), "教室.png", caption="分組討論")
    add_file(world, first, png_bytes(color="blue"), "教室.png")  # the same name: made unique in the folder
    add_file(world, first, mp4_bytes(), "公開課錄影.mp4")
    add_file(world, first, "教學觀察重點\n".encode(), "觀察表.txt")
    add_file(world, first, png_bytes(color="green"), "簽到表.png", sheet=True)
    second = world.enrolled.activity(dt.date(2025, 10, 8), title="觀議課", photo=False, minutes=False)
    add_file(world, second, png_bytes(color="yellow"), "photo.png")
    third = world.enrolled.activity(dt.date(2025, 11, 5), title="共讀/討論？", photo=False)
    world.activities = [first, second, third]
    return world


def blob_bytes(evidence: Evidence) -> bytes:
    """What the store keeps for an evidence file."""
    return blob_path(evidence.blob).read_bytes()


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The ZIP, checked whole (every member's CRC)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive
