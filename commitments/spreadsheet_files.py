"""Spreadsheets people upload (a report filled offline, pledges in bulk): read with limits, nothing
in them ever run.

The file is judged by its content before it is opened: only an XLSX archive that passes the zip
bomb checks of commitments/uploads.py is opened, a macro-enabled one is refused by name, and a
renamed CSV or any other file is told apart. openpyxl reads it streaming (read-only), a row at a
time, and stops at SPREADSHEET_MAX_ROWS. Cells are read as they are written: a formula is its text
(openpyxl never evaluates one, and the tracker does not either), a number a number.
"""

import codecs
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .uploads import MACRO_ENABLED, XLSX, detect_type

# openpyxl's types: what a cell may hold once read.
CellValue = str | int | float | Decimal | bool | date | datetime | None


class SpreadsheetRefused(ValidationError):
    """The file is not one the tracker reads; the message says why and what to do."""


@dataclass(frozen=True)
class Column:
    """A column of a spreadsheet the tracker writes and reads back: its key, its title (in the
    reader's language; read back in any), its width, and whether people fill it or see it."""

    key: str
    title: Promise
    width: int
    editable: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class Row:
    """One row of a sheet: its number as the spreadsheet shows it, and its cells by column title."""

    line: int
    cells: dict[str, CellValue]

    def is_empty(self) -> bool:
        return all(value is None or (isinstance(value, str) and not value.strip()) for value in self.cells.values())


def _looks_like_text(head: bytes) -> bool:
    """Whether the file's first bytes are text: UTF-8 (the head may end inside a character), or the
    Windows code page Excel saves a CSV in on most European machines."""
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return all(character.isprintable() or character in "\r\n\t" for character in text)


def check_upload(upload: UploadedFile) -> None:
    """Refuse, with a message a person can act on, any upload that is not an XLSX workbook the
    tracker can read safely."""
    limit = settings.SPREADSHEET_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise SpreadsheetRefused(
            _("The file is larger than the limit of %(size)s MB.") % {"size": f"{limit / (1024 * 1024):g}"},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    detected = detect_type(upload)  # raises UnsafeArchive (a ValidationError) for a zip bomb
    if detected is MACRO_ENABLED:
        raise SpreadsheetRefused(
            _("Files with macros are refused: save the workbook as .xlsx (without macros) and upload it again."),
            code="macros",
        )
    if detected is XLSX:
        return
    if detected is None and head and _looks_like_text(head):  # a PDF's head may be text too
        raise SpreadsheetRefused(
            _(
                "This file is text (a CSV file, perhaps), not a workbook: upload the .xlsx file the tracker "
                "gave you, saved as an Excel workbook."
            ),
            code="text",
        )
    raise SpreadsheetRefused(
        _("This file is not an Excel workbook (.xlsx): upload the file the tracker gave you, saved as .xlsx."),
        code="not_a_spreadsheet",
    )


def open_workbook(upload: UploadedFile) -> Any:
    """The uploaded workbook, checked (`check_upload`) and opened read-only, formulas as text."""
    from openpyxl import load_workbook

    check_upload(upload)
    upload.seek(0)
    data = io.BytesIO(upload.read())
    try:
        return load_workbook(data, read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetRefused(
            _("This workbook cannot be read (it may be damaged): save it again as .xlsx and upload it again."),
            code="unreadable",
        ) from error


def cell_value(cell: Any) -> CellValue:
    """What a cell holds, as written: a formula's text (never its result), a number, a date, text."""
    value = cell.value
    if getattr(cell, "data_type", None) == "f" and value is not None:
        # An array formula comes as an object holding its text; a data table's has none.
        text = getattr(value, "text", value) if not isinstance(value, str) else value
        return str(text) if isinstance(text, str) else "="
    if isinstance(value, str):
        return value
    return value  # type: ignore[no-any-return]


def rows_of(sheet: Any, *, columns: dict[str, str]) -> Iterator[Row]:
    """The rows under the sheet's title row, each cell keyed by its column's key. `columns` maps
    each column title (as the header row shows it, in any of the tracker's languages) to its key;
    unknown titles are left out, and titles are compared without case or surrounding spaces. More
    than SPREADSHEET_MAX_ROWS rows refuse the file.

    The rows are read as the sheet holds them, whatever size it declares (a declared size may be
    wrong: rows past it would be lost, phantom rows up to it counted), and only the columns up to
    the last known title: a sheet declaring itself 16,384 columns wide is not padded to that width."""
    limit = settings.SPREADSHEET_MAX_ROWS
    keys = _header(sheet, columns)
    width = max((index for index, key in enumerate(keys, start=1) if key is not None), default=0)
    if width == 0:
        return
    for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=width), start=2):
        if number > limit + 1:
            raise SpreadsheetRefused(
                _("The sheet has more than %(limit)s rows: this is not a file the tracker made.") % {"limit": limit},
                code="too_many_rows",
            )
        values = {key: cell_value(cell) for key, cell in zip(keys, cells, strict=False) if key is not None}
        yield Row(number, values)


def header_keys(sheet: Any, *, columns: dict[str, str]) -> set[str]:
    """The keys of the columns the sheet's title row names (compared as `rows_of` compares them)."""
    return {key for key in _header(sheet, columns) if key is not None}


def _header(sheet: Any, columns: dict[str, str]) -> list[str | None]:
    """Each cell of the title row's key (None for a title not in `columns`)."""
    if hasattr(sheet, "reset_dimensions"):  # a read-only sheet: read its rows, not its declared size
        sheet.reset_dimensions()
    known = {title.strip().casefold(): key for title, key in columns.items()}
    header = next(iter(sheet.iter_rows(min_row=1, max_row=1)), ())
    return [known.get(str(cell_value(cell) or "").strip().casefold()) for cell in header]


# --- Words in every language: a file may come from a colleague who reads another one -----------


def in_every_language(text: Promise | str) -> set[str]:
    """`text` (lazily translated) as each of the tracker's languages writes it."""
    found = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.add(str(text).strip())
    return found


def choice_lookup(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """A choice's code from its code or its label in any of the tracker's languages, keyed casefolded."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[code.casefold()] = code
        for text in in_every_language(label):
            lookup[text.casefold()] = code
    return lookup


def list_formula(labels: Iterable[str]) -> str:
    """A list validation's choices, in the one quoted formula that holds them, separated by commas."""
    return '"' + ",".join(label.replace('"', "'").replace(",", " ") for label in labels) + '"'
