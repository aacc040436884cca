"""Photos for print: a stored picture turned upright, resized and saved as JPEG, for the results report, the
funders' templates and the observation record alike (core: exports and mentoring both print photos)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageOps
from sqlalchemy import select

from workspace.core.models import Blob
from workspace.core.storage import blob_path
from workspace.extensions import db

PRINT_SIDE = 1600  # px: the long side of a photo in the report (sharp at 13 cm wide, small enough for hundreds)
JPEG_QUALITY = 85


def blobs_by_id(ids: Sequence[int]) -> dict[int, Blob]:
    """The stored files of these ids, by id (one query)."""
    if not ids:
        return {}
    return {blob.id: blob for blob in db.session.scalars(select(Blob).where(Blob.id.in_(set(ids))))}


def print_photo(blob: Blob | None) -> bytes | None:
    """A stored photo turned upright and resized for print (long side ≤ PRINT_SIDE px) as JPEG; None when the
    file is missing or no picture."""
    if blob is None:
        return None
    try:
        with Image.open(blob_path(blob)) as opened:
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((PRINT_SIDE, PRINT_SIDE))
            if image.mode != "RGB":
                image = _on_white(image)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _on_white(image: Image.Image) -> Image.Image:
    """A picture with transparency flattened on white (JPEG has no alpha)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
