"""Check that a file which claims to be a video (or MP4 audio) is built like one, reading only headers.

The upload limit for video and audio (MAX_VIDEO_UPLOAD_MB) is ten times the one for documents, and the
first bytes decide which applies: eight bytes of `ftyp` in front of a PDF used to pass as video. Here the
container's structure is walked as the upload streams in, without decoding anything:

- ISO base media (MP4, M4V, M4A): an `ftyp` box with a known brand, then top-level boxes whose sizes
  chain exactly to the end of the file, with a `moov` (the index) and an `mdat` (the media data).
- WebM: an EBML header whose DocType is `webm`, then a Segment whose level-1 elements chain to its end
  (or to the end of the file, for the unknown sizes a browser's recorder writes), with Tracks and a
  Cluster. Clusters of unknown size are walked block header by block header.

A walk is a generator that asks for `(offset, length)` and receives those bytes (fewer at the end of
the file); `ContainerCheck` feeds it the upload's chunks in order, so a fake is refused at its first
bad header and a real 500-MB video costs a few thousand header reads.
"""

from __future__ import annotations

import struct
from collections.abc import Generator

# A walk yields (offset, length) and is sent the bytes found there.
Walk = Generator[tuple[int, int], bytes, None]


class NotAContainer(ValueError):
    """The bytes are not the container they claim to be (the upload is refused)."""


# Brands (major or compatible) of the MP4 family that hold video a browser plays: ISO base media,
# MP4 v1/v2, AVC/HEVC/AV1 profiles, Apple's M4V, DASH/CMAF, 3GPP/3GPP2 from phones, Sony's cameras.
VIDEO_BRANDS = frozenset({
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42",
    b"mp71", b"avc1", b"hvc1", b"hev1", b"av01", b"M4V ", b"M4VH", b"M4VP", b"dash", b"cmfc", b"cmf2",
    b"mmp4", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gp8", b"3gp9", b"3gg6", b"3g2a", b"3g2b", b"3g2c",
    b"MSNV", b"XAVC", b"f4v ", b"mp4v",
})
AUDIO_BRANDS = frozenset({b"M4A ", b"M4B "})
# Top-level boxes that encoders and editors write (ISO/IEC 14496-12, QuickTime, DASH). Others pass when
# their sizes hold together, but cannot claim more than the upload may hold.
FAMILIAR_BOXES = frozenset({
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"moof", b"mfra", b"styp", b"sidx",
    b"ssix", b"prft", b"emsg", b"meta", b"pdin", b"udta", b"junk", b"pnot", b"meco", b"bloc",
})
MAX_FTYP_SIZE = 4096
# More top-level boxes than a ten-hour fragmented recording has: beyond this the file is a box flood.
MAX_BOXES = 200_000

# WebM (Matroska) element ids, with their length marker bits, as the specification writes them.
EBML_HEADER = 0x1A45DFA3
DOC_TYPE = 0x4282
SEGMENT = 0x18538067
CLUSTER = 0x1F43B675
TRACKS = 0x1654AE6B
VOID = 0xEC
CRC32 = 0xBF
LEVEL1 = frozenset({
    0x114D9B74,  # SeekHead
    0x1549A966,  # Info
    TRACKS,
    CLUSTER,
    0x1C53BB6B,  # Cues
    0x1043A770,  # Chapters
    0x1941A469,  # Attachments
    0x1254C367,  # Tags
})
CLUSTER_CHILDREN = frozenset({
    0xE7,  # Timestamp
    0x5854,  # SilentTracks
    0xA7,  # Position
    0xAB,  # PrevSize
    0xA3,  # SimpleBlock
    0xA0,  # BlockGroup
    0xAF,  # EncryptedBlock
    VOID,
    CRC32,
})
MAX_EBML_HEADER = 4096
MAX_WEBM_ELEMENTS = 5_000_000  # block headers of unknown-size clusters: about fifteen hours of recording


class _End:
    """Where the input ends: exactly `size` once ContainerCheck.finish has seen the end, or already when
    the file was on disk before the walk; else at most `limit` (the upload's size limit)."""

    def __init__(self, limit: int | None = None, size: int | None = None) -> None:
        self.limit = limit
        self.size = size
        self.known = size is not None

    def check(self, offset: int, *, familiar: bool = True) -> None:
        """Refuse at once a box said to end past the end of the file, when that is known, or past the
        upload's limit when the box is of no kind a video has (the bytes after a fake `ftyp`). A familiar
        box past the limit is left to the size check: the video may really be too large."""
        if self.known and offset > (self.size or 0):
            raise NotAContainer("a size reaches past the end of the file")
        if not familiar and self.limit is not None and offset > self.limit:
            raise NotAContainer("a box of an unknown kind reaches past the size limit")


# --- ISO base media file format (MP4) -------------------------------------------------------------


def _printable(kind: bytes) -> bool:
    return all(0x20 <= byte <= 0x7E for byte in kind)


def _walk_bmff(end: _End, brands: frozenset[bytes]) -> Walk:
    header = yield (0, 8)
    if len(header) < 8 or header[4:8] != b"ftyp":
        raise NotAContainer("no ftyp box")
    ftyp_size = struct.unpack(">I", header[:4])[0]
    if not 16 <= ftyp_size <= MAX_FTYP_SIZE or ftyp_size % 4:
        raise NotAContainer("bad ftyp size")
    body = yield (8, ftyp_size - 8)
    if len(body) < ftyp_size - 8:
        raise NotAContainer("truncated ftyp")
    named = {body[0:4]} | {body[index:index + 4] for index in range(8, len(body), 4)}
    if not named & brands:
        raise NotAContainer("no known brand")
    offset, seen, count = ftyp_size, set(), 1
    while True:
        header = yield (offset, 16)
        if not header and offset == end.size:
            break  # the last box ended exactly where the file does
        if len(header) < 8:
            raise NotAContainer("truncated box header")
        size, kind = struct.unpack(">I", header[:4])[0], header[4:8]
        if not _printable(kind):
            raise NotAContainer("bad box type")
        if size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                raise NotAContainer("truncated large size")
            size = struct.unpack(">Q", header[8:16])[0]
            if size < 16:
                raise NotAContainer("bad large size")
        elif size == 0:  # the box runs to the end of the file: it must be the last one
            seen.add(kind)
            break
        elif size < 8:
            raise NotAContainer("bad box size")
        seen.add(kind)
        offset += size
        end.check(offset, familiar=kind in FAMILIAR_BOXES)
        count += 1
        if count > MAX_BOXES:
            raise NotAContainer("too many boxes")
    if b"moov" not in seen or b"mdat" not in seen:
        raise NotAContainer("no moov or no mdat")


# --- WebM (EBML) ------------------------------------------------------------------------------------


def _vint_length(first: int, most: int) -> int:
    for length in range(1, most + 1):
        if first & (0x80 >> (length - 1)):
            return length
    raise NotAContainer("bad variable-length integer")


def _element_header(data: bytes) -> tuple[int, int | None, int]:
    """Parse an element header: (id with its marker bits, size or None when unknown, header length)."""
    if not data:
        raise NotAContainer("truncated element header")
    id_length = _vint_length(data[0], 4)
    if len(data) < id_length + 1:
        raise NotAContainer("truncated element header")
    element_id = int.from_bytes(data[:id_length], "big")
    size_length = _vint_length(data[id_length], 8)
    if len(data) < id_length + size_length:
        raise NotAContainer("truncated element header")
    raw = int.from_bytes(data[id_length:id_length + size_length], "big")
    value = raw & ((1 << (7 * size_length)) - 1)
    unknown = value == (1 << (7 * size_length)) - 1
    return element_id, None if unknown else value, id_length + size_length


def _doc_type(body: bytes) -> bytes:
    position = 0
    while position < len(body):
        element_id, size, length = _element_header(body[position:position + 12])
        if size is None or position + length + size > len(body):
            raise NotAContainer("bad EBML header")
        if element_id == DOC_TYPE:
            return body[position + length:position + length + size].rstrip(b"\x00")
        position += length + size
    raise NotAContainer("no DocType")


def _walk_webm(end: _End, doc_types: frozenset[bytes]) -> Walk:
    data = yield (0, 12)
    element_id, size, length = _element_header(data)
    if element_id != EBML_HEADER or size is None or size > MAX_EBML_HEADER:
        raise NotAContainer("no EBML header")
    body = yield (length, size)
    if len(body) < size or _doc_type(body) not in doc_types:
        raise NotAContainer("not a WebM DocType")
    offset = length + size
    seen: set[int] = set()
    # Open elements as (id, end offset, None when unknown): a Segment, or a Cluster of unknown size.
    stack: list[tuple[int, int | None]] = []
    for _count in range(MAX_WEBM_ELEMENTS):
        for index, (_id, end_offset) in enumerate(stack):  # close what ends here, and all inside it
            if end_offset is not None and offset >= end_offset:
                if offset > end_offset:
                    raise NotAContainer("element overruns its parent")
                del stack[index:]
                break
        data = yield (offset, 12)
        if not data:
            if offset != end.size:
                raise NotAContainer("truncated")
            break  # elements of unknown size end with the file
        element_id, size, length = _element_header(data)
        # An element that cannot be inside an open cluster of unknown size ends that cluster.
        if stack and stack[-1] == (CLUSTER, None) and element_id not in CLUSTER_CHILDREN:
            stack.pop()
        parent = stack[-1][0] if stack else None
        if parent is None:
            allowed = element_id in (SEGMENT, VOID, EBML_HEADER)
        elif parent == SEGMENT:
            allowed = element_id in LEVEL1 or element_id in (VOID, CRC32)
        else:
            allowed = element_id in CLUSTER_CHILDREN
        if not allowed:
            raise NotAContainer("unexpected element")
        seen.add(element_id)
        start = offset + length
        if size is not None:
            end.check(start + size)  # every element here is of a kind WebM has
        if element_id == SEGMENT or (element_id == CLUSTER and size is None):
            stack.append((element_id, None if size is None else start + size))
            offset = start  # walk its children
        elif size is None:
            raise NotAContainer("unknown size")
        else:
            offset = start + size
    else:
        raise NotAContainer("too many elements")
    if any(end_offset is not None for _id, end_offset in stack):
        raise NotAContainer("truncated")  # a known size reaches past the end of the file
    if not {SEGMENT, TRACKS, CLUSTER} <= seen:
        raise NotAContainer("no tracks or no clusters")


# --- feeding a walk -------------------------------------------------------------------------------

# The bytes kept from earlier chunks: more than any one request (a header, an ftyp box or an EBML
# header of at most 4 KB), so a request that straddles two chunks is still answered.
TAIL_SIZE = 16 * 1024


class ContainerCheck:
    """Walk a container over an upload's chunks as they arrive; feed() and finish() raise NotAContainer."""

    def __init__(self, walk: Walk, end: _End) -> None:
        self._walk = walk
        self._end = end
        self._received = 0  # bytes fed so far
        self._tail = b""  # the last bytes fed, for requests that start in an earlier chunk
        self._request: tuple[int, int] | None = next(self._walk)

    def _serve(self, window: bytes, base: int, *, final: bool) -> None:
        """Answer every request that `window` (the file's bytes from offset `base`) can answer."""
        stop = base + len(window)
        while self._request is not None:
            offset, length = self._request
            if offset < base:
                raise NotAContainer("a walk moved backwards")
            if not final and offset + length > stop:
                return  # wanted further on: the next chunks will tell
            data = window[offset - base:offset - base + length] if offset < stop else b""
            try:
                self._request = self._walk.send(data)
            except StopIteration:
                self._request = None

    def feed(self, chunk: bytes) -> None:
        """Hand the walk the next bytes of the file."""
        window = self._tail + chunk
        base = self._received - len(self._tail)
        self._received += len(chunk)
        self._serve(window, base, final=False)
        self._tail = window[-TAIL_SIZE:]

    def finish(self) -> None:
        """The file has ended: answer the last requests with what there was, and let the walk conclude."""
        self._end.size, self._end.known = self._received, True
        self._serve(self._tail, self._received - len(self._tail), final=True)


def container_check(media_type: str, limit: int | None = None, size: int | None = None) -> ContainerCheck | None:
    """The structural check for an upload sniffed as `media_type`, of at most `limit` bytes (or exactly
    `size`, when the file is already on disk), or None when that type has none."""
    end = _End(limit, size)
    if media_type == "video/mp4":
        return ContainerCheck(_walk_bmff(end, VIDEO_BRANDS), end)
    if media_type == "audio/mp4":
        return ContainerCheck(_walk_bmff(end, AUDIO_BRANDS), end)
    if media_type == "video/webm":
        return ContainerCheck(_walk_webm(end, frozenset({b"webm"})), end)
    return None
