"""Small, structurally real media for tests and benchmarks: a PNG picture, and video and audio files built box
by box.

An MP4 here has what an encoder writes: `ftyp`, a `moov` with one track (`mvhd`, `trak` → `tkhd`,
`mdia` → `mdhd`, `hdlr`, `minf` → `vmhd`/`smhd`, `dinf`, `stbl` with its sample tables) and an `mdat`.
A WebM has an EBML header, a Segment with Info, Tracks (one VP8 track) and Clusters of SimpleBlocks,
with known sizes as ffmpeg writes them or unknown ones as a browser's MediaRecorder does. The media
data itself is filler: nothing decodes it, the upload check reads only the structure.
"""

from __future__ import annotations

import io
import struct

from PIL import Image


def png_bytes(width: int = 8, height: int = 8, color: str | tuple[int, int, int] = "red") -> bytes:
    """A real PNG picture of one colour (uploads, attachments, evidence photos)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


# --- ISO base media (MP4 / M4A) ---------------------------------------------------------------------


def box(kind: bytes, body: bytes = b"") -> bytes:
    """An ISO-BMFF box: 32-bit size, four-character type, body."""
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, body: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags) + body)


def ftyp(major: bytes = b"isom", compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41")) -> bytes:
    return box(b"ftyp", major + struct.pack(">I", 0x200) + b"".join(compatible))


def moov(*, audio: bool = False, samples: int = 1, sample_size: int = 1024) -> bytes:
    """A movie header and one track whose sample tables describe `samples` samples in one chunk."""
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = full_box(b"mvhd", struct.pack(">IIII", 0, 0, 1000, 1000) + struct.pack(">IH", 0x10000, 0x100)
                    + bytes(10) + matrix + bytes(24) + struct.pack(">I", 2))
    tkhd = full_box(b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, 1000) + bytes(8)
                    + struct.pack(">hhhH", 0, 0, 0x100 if audio else 0, 0) + matrix
                    + struct.pack(">II", 0 if audio else 16 << 16, 0 if audio else 16 << 16), flags=3)
    mdhd = full_box(b"mdhd", struct.pack(">IIII", 0, 0, 1000, 1000) + struct.pack(">HH", 0x55C4, 0))
    handler = b"soun" if audio else b"vide"
    hdlr = full_box(b"hdlr", bytes(4) + handler + bytes(12) + b"handler\x00")
    header = full_box(b"smhd", bytes(4)) if audio else full_box(b"vmhd", bytes(8), flags=1)
    dinf = box(b"dinf", full_box(b"dref", struct.pack(">I", 1) + full_box(b"url ", b"", flags=1)))
    if audio:
        entry = box(b"mp4a", bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 2, 16, 0, 0,
                                                                                        44100 << 16))
    else:
        entry = box(b"avc1", bytes(6) + struct.pack(">H", 1) + bytes(16) + struct.pack(">HH", 16, 16)
                    + struct.pack(">II", 0x480000, 0x480000) + bytes(4) + struct.pack(">H", 1) + bytes(32)
                    + struct.pack(">Hh", 0x18, -1))
    stbl = box(b"stbl", full_box(b"stsd", struct.pack(">I", 1) + entry)
               + full_box(b"stts", struct.pack(">III", 1, samples, 1000 // max(samples, 1)))
               + full_box(b"stsc", struct.pack(">IIII", 1, 1, samples, 1))
               + full_box(b"stsz", struct.pack(">II", sample_size, samples))
               + full_box(b"stco", struct.pack(">II", 1, 0)))
    minf = box(b"minf", header + dinf + stbl)
    trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + minf))
    return box(b"moov", mvhd + trak)


def mp4_bytes(payload: bytes = b"\x00\x00\x00\x02\x09\x10" * 200, *, moov_first: bool = True,
              audio: bool = False, large_mdat: bool = False, mdat_to_end: bool = False) -> bytes:
    """A small MP4 (or M4A with audio=True): ftyp, moov and mdat, in the orders encoders use."""
    head = ftyp(b"M4A ", (b"M4A ", b"mp42", b"isom")) if audio else ftyp()
    index = moov(audio=audio, samples=1, sample_size=len(payload))
    if large_mdat:  # a 64-bit size, as for files over 4 GB
        mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + len(payload)) + payload
    elif mdat_to_end:  # size 0: the box runs to the end of the file
        mdat = struct.pack(">I", 0) + b"mdat" + payload
    else:
        mdat = box(b"mdat", payload)
    if mdat_to_end:
        return head + index + mdat
    return head + index + mdat if moov_first else head + box(b"free", bytes(8)) + mdat + index


def fragmented_mp4_bytes(fragments: int = 3) -> bytes:
    """A fragmented MP4, as screen recorders and live encoders write: moov, then moof + mdat pairs."""
    parts = [ftyp(b"iso5", (b"iso5", b"iso6", b"mp41")), moov(samples=0)]
    for number in range(1, fragments + 1):
        mfhd = full_box(b"mfhd", struct.pack(">I", number))
        traf = box(b"traf", full_box(b"tfhd", struct.pack(">I", 1), flags=0x20000)
                   + full_box(b"trun", struct.pack(">II", 1, 0x100), flags=0x201))
        parts += [box(b"moof", mfhd + traf), box(b"mdat", bytes([number]) * 256)]
    return b"".join(parts)


def mp4_prefix(total_size: int) -> bytes:
    """The bytes before the media data of an MP4 of `total_size` bytes whose 64-bit `mdat` runs to its
    end: write these, then `total_size - len(prefix)` bytes of anything (benchmarks of large videos)."""
    head = ftyp() + moov()
    return head + struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", total_size - len(head))


# --- WebM (EBML) ---------------------------------------------------------------------------------------

UNKNOWN = object()


def _size(length: int | object) -> bytes:
    if length is UNKNOWN:
        return b"\x01\xff\xff\xff\xff\xff\xff\xff"  # eight-byte "unknown size"
    assert isinstance(length, int)
    for width in range(1, 9):
        if length < (1 << (7 * width)) - 1:
            return (length | (1 << (7 * width))).to_bytes(width, "big")
    raise ValueError(length)


def element(element_id: int, body: bytes = b"", *, unknown_size: bool = False) -> bytes:
    """An EBML element: its id (with marker bits), a variable-length size (or unknown), body."""
    raw_id = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return raw_id + _size(UNKNOWN if unknown_size else len(body)) + body


def _uint(element_id: int, value: int) -> bytes:
    return element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def ebml_header(doc_type: bytes = b"webm") -> bytes:
    return element(0x1A45DFA3, _uint(0x4286, 1) + _uint(0x42F7, 1) + _uint(0x42F2, 4) + _uint(0x42F3, 8)
                   + element(0x4282, doc_type) + _uint(0x4287, 4) + _uint(0x4285, 2))


def webm_bytes(clusters: int = 2, *, unknown_sizes: bool = False, doc_type: bytes = b"webm") -> bytes:
    """A small WebM: known sizes as ffmpeg writes them, or unknown Segment and Cluster sizes as a
    browser's MediaRecorder streams them."""
    info = element(0x1549A966, _uint(0x2AD7B1, 1_000_000) + element(0x4D80, b"tests") + element(0x5741, b"tests"))
    video = element(0xE0, _uint(0xB0, 16) + _uint(0xBA, 16))
    track = element(0xAE, _uint(0xD7, 1) + _uint(0x73C5, 1) + _uint(0x83, 1) + element(0x86, b"V_VP8") + video)
    tracks = element(0x1654AE6B, track)
    body = info + tracks
    for number in range(clusters):
        blocks = b"".join(element(0xA3, b"\x81" + struct.pack(">h", frame * 33) + b"\x80" + bytes([number]) * 200)
                          for frame in range(3))
        body += element(0x1F43B675, _uint(0xE7, number * 100) + blocks, unknown_size=unknown_sizes)
    if not unknown_sizes:
        body += element(0x1C53BB6B, element(0xBB, _uint(0xB3, 0) + element(0xB7, _uint(0xF7, 1) + _uint(0xF1, 0))))
    return ebml_header(doc_type) + element(0x18538067, body, unknown_size=unknown_sizes)


def mp4_of_size(total_size: int, fill: bytes = b"\x00") -> bytes:
    """A well-formed MP4 of exactly `total_size` bytes (its media data is `fill`, repeated)."""
    prefix = mp4_prefix(total_size)
    left = total_size - len(prefix)
    return prefix + (fill * (left // len(fill) + 1))[:left]
