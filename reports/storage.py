"""Where report files go: written whole or not at all.

A worker killed half-way through writing a file must not leave half a PDF where the report's file
belongs. Each file is written to a hidden temporary name in its folder and renamed into place, which
is atomic on one filesystem; a retry overwrites its own earlier files rather than adding suffixes,
and clears the temporary leftovers of a killed attempt."""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages

PARTIAL_SUFFIX = ".partial"


class ReportStorage(FileSystemStorage):
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # report paths are unique per report and format: a rewrite replaces

    def _save(self, name: str, content: File[Any]) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name

    def remove_partial_files(self, folder: str) -> None:
        """Delete what a killed attempt left half-written in a report's folder."""
        directory = Path(self.path(folder))
        if directory.is_dir():
            for leftover in directory.glob(f".*{PARTIAL_SUFFIX}"):
                leftover.unlink(missing_ok=True)


def report_storage() -> Storage:
    return storages["reports"]
