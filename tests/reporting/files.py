"""Small real files of each accepted type, and impostors, for upload tests."""

import functools
import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 60  # a Windows executable's header
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<content/>"})
PLAIN_ZIP = _zip({"notes.txt": b"hello"})
# An Office file that carries macros: the parts of its type, and a VBA project.
XLSM = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"\xd0\xcf"})
DOCM = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>", "word/vbaProject.bin": b"\xd0"})


# --- Zip bombs, and archives whose headers say whatever a test needs ----------------------

MiB = 1024 * 1024


@dataclass(frozen=True)
class RawPart:
    """One part of a hand-built archive: `stored` is the bytes as they sit in the archive."""

    name: str
    stored: bytes
    crc: int
    file_size: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    # Listed in the directory only, pointing at the local header at this offset (overlapping parts).
    at: int | None = None


def plain(name: str, data: bytes) -> RawPart:
    return RawPart(name, data, zlib.crc32(data), len(data), method=zipfile.ZIP_STORED)


def raw_zip(parts: Sequence[RawPart]) -> bytes:
    """A zip archive written byte by byte, so that its sizes, checksums and offsets can lie."""
    body = bytearray()
    offsets = []
    for part in parts:
        name = part.name.encode()
        if part.at is not None:
            offsets.append(part.at)
            continue
        offsets.append(len(body))
        body += struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, part.flags, part.method, 0, 0x21,
            part.crc, len(part.stored), part.file_size, len(name), 0,
        )  # fmt: skip
        body += name + part.stored
    directory = bytearray()
    for part, offset in zip(parts, offsets, strict=True):
        name = part.name.encode()
        directory += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, part.flags, part.method, 0, 0x21,
            part.crc, len(part.stored), part.file_size, len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += name
    count = min(len(parts), 0xFFFF)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


@functools.cache
def deflated_zeros(size: int) -> tuple[bytes, int]:
    """`size` zero bytes deflated (about 1000 to 1, the best deflate does), and their CRC-32."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    pieces, crc, left = [], 0, size
    while left:
        block = bytes(min(left, MiB))
        pieces.append(compressor.compress(block))
        crc = zlib.crc32(block, crc)
        left -= len(block)
    pieces.append(compressor.flush())
    return b"".join(pieces), crc


def bomb(parts: dict[str, bytes], huge: str, expanded: int = 300 * MiB) -> bytes:
    """`parts`, plus a part named `huge` that expands to `expanded` zero bytes; the headers are honest."""
    stored, crc = deflated_zeros(expanded)
    return raw_zip([*(plain(name, data) for name, data in parts.items()), RawPart(huge, stored, crc, expanded)])


def lying_bomb(parts: dict[str, bytes], huge: str, expanded: int = 300 * MiB, declared: int = 1024) -> bytes:
    """Like `bomb`, but the huge part declares `declared` bytes (with their CRC): its headers lie."""
    stored, _ = deflated_zeros(expanded)
    return raw_zip(
        [
            *(plain(name, data) for name, data in parts.items()),
            RawPart(huge, stored, zlib.crc32(bytes(declared)), declared),
        ]
    )


def many_parts(parts: dict[str, bytes], extra: int, name_length: int = 1) -> bytes:
    """`parts`, then `extra` directory entries that all point at the first part (no data of their own)."""
    first = plain(*next(iter(parts.items())))
    aliases = (
        RawPart(f"{index:0{name_length}d}"[-name_length:], first.stored, first.crc, first.file_size, first.method, at=0)
        for index in range(extra)
    )
    return raw_zip([*(plain(name, data) for name, data in parts.items()), *aliases])


DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}
XLSX_PARTS = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
PPTX_PARTS = {"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<presentation/>"}


def odf_parts(kind: str) -> dict[str, bytes]:
    return {"mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(), "meta.xml": b"<meta/>"}


# --- Real documents, as office programs write them ---------------------------------------


def workbook(rows: int) -> bytes:
    """A real .xlsx written by openpyxl: `rows` rows of text and figures."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Indicator", "Year", "Value", "Note"])
    for row in range(rows):
        sheet.append([f"Indicator {row % 40}", 2020 + row % 5, row * 1.5, "Reported by the national contact"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _deflated_zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            # ODF wants its mimetype first and stored, so that it can be read at a fixed offset.
            archive.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx_with_chart() -> bytes:
    """A .docx whose chart keeps its data in an embedded workbook: an archive inside the archive."""
    paragraphs = b"".join(b"<w:p><w:r><w:t>Progress in %d: on track.</w:t></w:r></w:p>" % year for year in range(400))
    return _deflated_zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document><w:body>" + paragraphs + b"</w:body></w:document>",
            "word/charts/chart1.xml": b"<c:chartSpace/>",
            "word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook(50),
        }
    )


def odt_document() -> bytes:
    """An .odt laid out as LibreOffice writes it (mimetype first and stored, then deflated parts)."""
    paragraphs = b"".join(b"<text:p>Progress in %d: on track.</text:p>" % year for year in range(400))
    return _deflated_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
            "content.xml": b"<office:document-content>" + paragraphs + b"</office:document-content>",
            "styles.xml": b"<office:document-styles/>",
        }
    )


def blank_form_docx(size: int = 3 * MiB) -> bytes:
    """A .docx of empty table cells, the same few bytes over and over: about 290 to 1, as high as
    real documents compress."""
    cell = (
        b'<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/></w:tcPr>'
        b'<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p></w:tc>'
    )
    return _deflated_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": cell * (size // len(cell))})
