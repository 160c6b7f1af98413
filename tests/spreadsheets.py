"""A downloaded spreadsheet filled as a person would in a spreadsheet program: a commitment's row
found by its title, each cell by its column's title."""

from typing import Any


def columns(sheet: Any) -> dict[str, int]:
    """The columns by their title (the first row)."""
    return {str(cell.value): cell.column for cell in sheet[1]}


def row_of(sheet: Any, title: str) -> int:
    """The row of a commitment, by its title (the fourth column, whatever the file's language)."""
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=4).value == title)


def fill(sheet: Any, title: str, **values: Any) -> None:
    """Type into the row of a commitment: column by title."""
    line = row_of(sheet, title)
    for name, value in values.items():
        sheet.cell(row=line, column=columns(sheet)[name]).value = value
