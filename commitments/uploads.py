"""Evidence files: the type is read from the file's content, never taken from its name or header.

Office files (.docx, .xlsx, .odt and their kin) are zip archives, and a small archive can unpack to
gigabytes (a zip bomb). So any upload that starts as a zip archive is checked before anything in it
is believed: its list of parts is counted before it is parsed, the declared sizes and compression
ratios are checked before anything is unpacked, and then every part is unpacked a chunk at a time
and thrown away, to prove the declared sizes and checksums true. The check never holds more than a
chunk of unpacked data, nor unpacks more than the declared sizes allow (EVIDENCE_ZIP_* settings).
"""

import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class DetectedType:
    label: str
    content_type: str
    extension: str
    # Extensions a person may reasonably give a file of this type.
    accepted_extensions: tuple[str, ...]


PDF = DetectedType("PDF", "application/pdf", ".pdf", (".pdf",))
PNG = DetectedType("PNG", "image/png", ".png", (".png",))
JPEG = DetectedType("JPEG", "image/jpeg", ".jpg", (".jpg", ".jpeg"))
DOCX = DetectedType(
    "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", (".docx",)
)
XLSX = DetectedType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", (".xlsx",))
ODT = DetectedType("ODT", "application/vnd.oasis.opendocument.text", ".odt", (".odt",))
# Office files that carry macros (a VBA project): code that runs when opened. Recognised so that they
# are refused by name, never accepted as the document type they resemble.
MACRO_ENABLED = DetectedType("Office file with macros", "application/vnd.ms-office.vbaProject", "", ())
ALLOWED = (PDF, DOCX, XLSX, ODT, PNG, JPEG)
ALLOWED_LABELS = ", ".join(t.label for t in ALLOWED)

# --- Zip archives: limits that are not worth a setting ---------------------------------------
ZIP_SIGNATURE = b"PK\x03\x04"
# Unpacked a chunk at a time: the most the check holds in memory at once.
CHUNK_BYTES = 64 * 1024
# Small parts may compress very well (a run of spaces) without harm; the ratio counts above this.
RATIO_GRACE_BYTES = 1024 * 1024
# A chart in a .docx keeps its data in an embedded .xlsx: one archive inside the document is
# normal; an archive inside that one is how recursive bombs are built.
MAX_NESTED_ARCHIVES = 1
# Room in the list of parts per part allowed (a name, timestamps): a longer list is refused unread.
DIRECTORY_BYTES_PER_PART = 512
# An archive found inside the document is unpacked to memory up to this size, then to a temporary file.
NESTED_IN_MEMORY_BYTES = 1024 * 1024
# Enough of a part's start to compare an ODF mimetype.
HEAD_BYTES = 256

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_DIRECTORY_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_ENCRYPTED = 0x1
_UTF8_NAME = 0x800


class UnsafeArchive(ValidationError):
    """A zip archive refused as a possible zip bomb (a form or serializer shows it on the file field)."""


def _too_many_parts(limit: int) -> UnsafeArchive:
    return UnsafeArchive(
        _(
            "This file is refused: it holds more than %(limit)d parts, or lists its parts at a length "
            "no document needs, as zip bombs do."
        )
        % {"limit": limit},
        code="zip_too_many_parts",
    )


def _too_large(limit: int) -> UnsafeArchive:
    return UnsafeArchive(
        _("This file is refused: unpacked, it would take more than %(limit)g MB, as a zip bomb would.")
        % {"limit": limit / (1024 * 1024)},
        code="zip_too_large",
    )


def _too_compressed(ratio: int) -> UnsafeArchive:
    return UnsafeArchive(
        _("This file is refused: it is compressed more than %(ratio)d to 1, as zip bombs are; documents are not.")
        % {"ratio": ratio},
        code="zip_ratio",
    )


def _damaged() -> UnsafeArchive:
    return UnsafeArchive(
        _(
            "This file is refused: its parts overlap or do not match the sizes and checksums it declares "
            "(a damaged file or a zip bomb)."
        ),
        code="zip_damaged",
    )


def _nested() -> UnsafeArchive:
    return UnsafeArchive(
        _("This file is refused: it holds archives inside archives, as zip bombs do."), code="zip_nested"
    )


def _unsupported() -> UnsafeArchive:
    return UnsafeArchive(
        _("This file is refused: parts of it are encrypted or compressed in a way documents are not."),
        code="zip_unsupported",
    )


class _Budget:
    """What the check may still unpack, shared by an archive and the archives inside it."""

    def __init__(self, limit: int) -> None:
        self.limit = self.bytes_left = limit

    def reserve(self, size: int) -> None:
        if size > self.bytes_left:
            raise _too_large(self.limit)
        self.bytes_left -= size


@dataclass(frozen=True)
class _Contents:
    names: frozenset[str]
    mimetype: bytes


def _directory_span(source: IO[bytes]) -> tuple[int, int]:
    """Where the list of parts starts and how long it is, found as zipfile finds it (so that the
    list counted here is the list zipfile will parse)."""
    source.seek(0, os.SEEK_END)
    size = source.tell()
    if size < _END.size:
        raise zipfile.BadZipFile("too short")
    source.seek(size - _END.size)
    tail = source.read(_END.size)
    if tail.startswith(b"PK\x05\x06") and tail.endswith(b"\x00\x00"):
        end_at = size - _END.size
    else:  # an archive comment follows the record (at most 64 KiB of it)
        search_from = max(size - (1 << 16) - _END.size, 0)
        source.seek(search_from)
        tail = source.read()
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _END.size:
            raise zipfile.BadZipFile("no end of central directory")
        end_at = search_from + found
        tail = tail[found : found + _END.size]
    directory_size = _END.unpack(tail)[5]
    record_at = end_at
    if end_at >= _ZIP64_LOCATOR.size + _ZIP64_END.size:
        source.seek(end_at - _ZIP64_LOCATOR.size)
        locator = _ZIP64_LOCATOR.unpack(source.read(_ZIP64_LOCATOR.size))
        if locator[0] == b"PK\x06\x07":
            source.seek(end_at - _ZIP64_LOCATOR.size - _ZIP64_END.size)
            zip64 = _ZIP64_END.unpack(source.read(_ZIP64_END.size))
            if zip64[0] == b"PK\x06\x06":
                directory_size = zip64[8]
                record_at = end_at - _ZIP64_LOCATOR.size - _ZIP64_END.size
    return record_at - directory_size, directory_size


def _count_parts(source: IO[bytes], max_parts: int) -> int:
    """Where the list of parts starts, once it is known to hold at most `max_parts` parts.

    zipfile builds an object for every part listed, whatever count the archive claims: 20 MB of
    one-letter parts cost 140 MB. So the list is walked here first, without building anything."""
    start, length = _directory_span(source)
    if start < 0:
        raise zipfile.BadZipFile("bad central directory offset")
    if length > max_parts * DIRECTORY_BYTES_PER_PART:
        raise _too_many_parts(max_parts)
    source.seek(start)
    directory = source.read(length)
    at, count = 0, 0
    while at < length:
        if count == max_parts:
            raise _too_many_parts(max_parts)
        entry = _DIRECTORY_ENTRY.unpack_from(directory, at)
        at += _DIRECTORY_ENTRY.size + entry[12] + entry[13] + entry[14]
        count += 1
    return start


def _unpacked(source: IO[bytes], info: zipfile.ZipInfo, data_ends_by: int) -> Iterator[bytes]:
    """A part's content, a chunk at a time, proven to be what its directory entry declares: never
    more than its declared size, a whole deflate stream, the right CRC."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _damaged()
    signature, *_fields, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    name = source.read(name_length)
    encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
    data_at = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    # Parts that share bytes are how non-recursive bombs list one stream a thousand times.
    if (
        signature != ZIP_SIGNATURE
        or name != info.orig_filename.encode(encoding)
        or data_at + info.compress_size > data_ends_by
    ):
        raise _damaged()
    source.seek(data_at)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    produced, crc, left = 0, 0, info.compress_size
    try:
        while left:
            data = source.read(min(CHUNK_BYTES, left))
            if not data:
                raise _damaged()
            left -= len(data)
            while True:
                if inflater is None:
                    piece, data = data, b""
                else:
                    piece = inflater.decompress(data, CHUNK_BYTES)
                    data = inflater.unconsumed_tail
                produced += len(piece)
                if produced > info.file_size:
                    raise _damaged()
                crc = zlib.crc32(piece, crc)
                if piece:
                    yield piece
                # A full chunk may leave more output pending in the inflater, even with no input left.
                if not data and len(piece) < CHUNK_BYTES:
                    break
    except zlib.error as error:
        raise _damaged() from error
    if inflater is not None and (not inflater.eof or inflater.unused_data):
        raise _damaged()
    if produced != info.file_size or crc != info.CRC:
        raise _damaged()


def _check_sizes(infos: list[zipfile.ZipInfo], archive_size: int, budget: _Budget) -> None:
    """The declared sizes, before anything is unpacked (the next step proves them true)."""
    for info in infos:
        if info.flag_bits & _ENCRYPTED or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unsupported()
    declared = sum(info.file_size for info in infos)
    budget.reserve(declared)
    max_ratio: int = settings.EVIDENCE_ZIP_MAX_RATIO
    for info in infos:
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > max_ratio * info.compress_size:
            raise _too_compressed(max_ratio)
    # Many small parts, each under the grace, can make a bomb together.
    if declared > RATIO_GRACE_BYTES and declared > max_ratio * archive_size:
        raise _too_compressed(max_ratio)


def _check_part(source: IO[bytes], info: zipfile.ZipInfo, data_ends_by: int, budget: _Budget, depth: int) -> bytes:
    """Unpack one part, and check the archive inside it if it is one; the part's first bytes."""
    head = bytearray()
    inner: IO[bytes] | None = None
    sniffing = True
    try:
        for piece in _unpacked(source, info, data_ends_by):
            if inner is not None:
                inner.write(piece)
            elif sniffing:
                head += piece
                if len(head) < len(ZIP_SIGNATURE):
                    continue
                sniffing = False
                if head.startswith(ZIP_SIGNATURE):
                    if depth >= MAX_NESTED_ARCHIVES:
                        raise _nested()
                    inner = tempfile.SpooledTemporaryFile(max_size=NESTED_IN_MEMORY_BYTES)  # noqa: SIM115
                    inner.write(head)
                del head[HEAD_BYTES:]
        if inner is not None:
            inner.seek(0)
            _check_archive(inner, budget, depth + 1)
    finally:
        if inner is not None:
            inner.close()
    return bytes(head[:HEAD_BYTES])


def _check_archive(source: IO[bytes], budget: _Budget, depth: int = 0) -> _Contents:
    """Refuse the archive at the first sign of a bomb; else its part names and its ODF mimetype."""
    directory_at = _count_parts(source, settings.EVIDENCE_ZIP_MAX_ENTRIES)
    source.seek(0, os.SEEK_END)
    archive_size = source.tell()
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        _check_sizes(infos, archive_size, budget)
        mimetype = b""
        # Each part's data must end before the next part (or the list of parts) begins.
        by_offset = sorted(infos, key=lambda info: info.header_offset)
        ends = [info.header_offset for info in by_offset[1:]] + [directory_at]
        for info, data_ends_by in zip(by_offset, ends, strict=True):
            head = _check_part(source, info, data_ends_by, budget, depth)
            if info.filename == "mimetype" and info.file_size <= HEAD_BYTES:
                mimetype = head
        return _Contents(frozenset(archive.namelist()), mimetype)


def _zip_type(upload: UploadedFile) -> DetectedType | None:
    budget = _Budget(settings.EVIDENCE_ZIP_MAX_EXPANDED_BYTES)
    try:
        contents = _check_archive(upload, budget)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error, EOFError, OSError):
        # Not an archive zipfile can read (UnsafeArchive, a refusal, goes through).
        return None
    finally:
        upload.seek(0)
    names = contents.names
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return MACRO_ENABLED
    if "mimetype" in names and contents.mimetype.strip() == ODT.content_type.encode():
        return ODT
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    return None


def detect_type(upload: UploadedFile) -> DetectedType | None:
    """The file's type judged from its first bytes (and, for office files, the archive's parts).

    Raises UnsafeArchive (a ValidationError) for an archive that looks like a zip bomb."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(ZIP_SIGNATURE):
        return _zip_type(upload)
    return None


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()
