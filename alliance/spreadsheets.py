"""Cells of the CSV and XLSX files people open in a spreadsheet: nothing typed is ever run.

A spreadsheet reads a cell whose text begins with `=`, `+`, `-` or `@` as a formula, and one that
begins with a tab or a carriage return is read the same way once the spreadsheet has trimmed it: a
narrative typed as `=HYPERLINK("http://…","click")` would become a live link (or worse, a DDE
command) on the machine of whoever opens the export. OWASP's guidance ("CSV Injection") is to write
such text prefixed with a single quote, which every spreadsheet shows as text. Every export that
writes text into a CSV or XLSX cell passes it through `safe_cell`, the one rule for them all.

Numbers are left as they are: a negative number is a number, and a spreadsheet only runs text.
"""

from collections.abc import Iterable
from typing import TypeVar, overload

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


@overload
def safe_cell(value: str) -> str: ...


@overload
def safe_cell(value: T) -> T: ...


def safe_cell(value: object) -> object:
    """`value`, or, when it is text a spreadsheet would read as a formula, that text after a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """A row of cells, each through `safe_cell`."""
    return [safe_cell(value) for value in values]
