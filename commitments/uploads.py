"""Evidence files: the type is read from the file's content, never taken from its name or header."""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile


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
ALLOWED = (PDF, DOCX, XLSX, ODT, PNG, JPEG)
ALLOWED_LABELS = ", ".join(t.label for t in ALLOWED)


def _zip_type(upload: UploadedFile) -> DetectedType | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.content_type.encode():
                return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def detect_type(upload: UploadedFile) -> DetectedType | None:
    """The file's type judged from its first bytes (and, for office files, the archive's parts)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(upload)
    return None


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()
