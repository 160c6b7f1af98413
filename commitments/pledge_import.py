"""Pledges in bulk: the spreadsheet the secretariat fills with commitments for one or many member
states, and the reading of it into a preview.

The template (`template_workbook`) has one row per pledge under a title row, lists where a cell has
a fixed set of values, and an instructions sheet naming every valid code. An upload is read in two
steps. `read_upload` turns each row's cells into plain values (`PledgeValues`: codes, text, ISO
dates), noting per cell what cannot be read (a date that is not one). `check_rows` then resolves
the codes and checks each row as the model does (`Commitment.full_clean()`, whose `clean()` holds
the rules, such as a goal of another target): each row's outcome is "create", "duplicate" (the
member state has a commitment of that title already, or an earlier row of the file has) or
"error", with each error keyed by its column. The values of the rows to create are what the
preview keeps (JSON) until the person confirms; `services.pledges_import` checks them again, under
a lock, before anything is written.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.spreadsheets import safe_cell

from . import selectors
from .models import Commitment, MemberState, OperationalGoal, PolicyTarget, PotentialAction
from .spreadsheet_files import (
    CellValue,
    Column,
    SpreadsheetRefused,
    choice_lookup,
    header_keys,
    in_every_language,
    list_formula,
    open_workbook,
    rows_of,
)

COLUMNS = (
    Column("member_state", _("Member state (ISO code)"), 14),
    Column("target", _("Policy target (code)"), 22),
    Column("goal", _("Operational goal (code)"), 30),
    Column("action", _("Potential action (code)"), 30),
    Column("title", _("Title"), 40),
    Column("description", _("Description"), 60),
    Column("planned_start", _("Planned start"), 14),
    Column("planned_end", _("Planned end"), 14),
    Column("status", _("Status"), 16),
)
KEYS = tuple(column.key for column in COLUMNS)
TITLES = {column.key: column.title for column in COLUMNS}
DATE_KEYS = ("planned_start", "planned_end")
# The key of an error about the row as a whole (a rule across two of its cells).
ROW = NON_FIELD_ERRORS

SHEET_TITLE = _("Pledges")
INSTRUCTIONS_TITLE = _("Instructions")

CREATE, DUPLICATE, ERROR = "create", "duplicate", "error"

# A row's values as kept between the preview and the confirmation: codes, text and ISO dates.
PledgeValues = dict[str, Any]
# A row as read from the file: its line, its values, and the cells that could not be read, by column.
ReadRow = tuple[int, PledgeValues, dict[str, str]]


def column_titles() -> dict[str, str]:
    """Each column's title, in every language, to its key."""
    return {title: column.key for column in COLUMNS for title in in_every_language(column.title)}


# --- The template ------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The spreadsheet to fill with pledges, in the active language: the sheet of pledges, with
    lists for codes and status, and the instructions with every valid code."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    reference = _Reference.load()
    book = Workbook()
    sheet = book.active
    sheet.title = str(SHEET_TITLE)[:31]
    sheet.append([safe_cell(str(column.title)) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    letters = {}
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        letters[column.key] = letter
        sheet.column_dimensions[letter].width = column.width

    instructions = book.create_sheet(str(INSTRUCTIONS_TITLE)[:31])
    ranges = _write_instructions(instructions, reference)

    last = settings.SPREADSHEET_MAX_ROWS + 1
    quoted = "'" + instructions.title.replace("'", "''") + "'"
    checks = [
        (key, f"{quoted}!$A${first}:$A${end}", gettext("Choose a code from the list (see the instructions sheet)."))
        for key, (first, end) in ranges.items()
    ]
    checks.append(("status", list_formula(reference.status_labels()), gettext("Choose a status from the list.")))
    for key, formula, message in checks:
        check = DataValidation(type="list", formula1=formula, allow_blank=True)
        check.error = message
        check.showErrorMessage = True
        check.add(f"{letters[key]}2:{letters[key]}{last}")
        sheet.add_data_validation(check)
    for key in DATE_KEYS:
        check = DataValidation(type="date", operator="greaterThan", formula1="1")
        check.error = gettext("A date, such as 2025-03-31.")
        check.showErrorMessage = True
        check.add(f"{letters[key]}2:{letters[key]}{last}")
        sheet.add_data_validation(check)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_instructions(sheet: Any, reference: "_Reference") -> dict[str, tuple[int, int]]:
    """The instructions, then each list of codes (code in column A, what it names in B); the rows
    of each list, by the column they are for."""
    from openpyxl.styles import Alignment, Font

    lines = [
        gettext("Pledges in bulk: one row per pledge on the sheet “%(sheet)s”.") % {"sheet": SHEET_TITLE},
        gettext("Member state, policy target and title are required; the other cells may stay empty."),
        gettext("Codes: choose from each cell's list, or type a code listed below."),
        gettext("Dates: real dates, or text written as YYYY-MM-DD. The planned end cannot be before the start."),
        gettext("Status: one of the values listed below; empty means “%(status)s”.")
        % {"status": Commitment.Status.NOT_STARTED.label},
        gettext(
            "Upload the file on the administration's “Import pledges” page. You will see what each row creates, "
            "and any error, before anything is saved; nothing is created until you confirm."
        ),
        gettext("A pledge that the member state already has (the same title) is not created again."),
        gettext("Text that starts with = is kept as text: nothing in this file is ever run by the tracker."),
    ]
    for line in lines:
        sheet.append([safe_cell(line)])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    blocks: list[tuple[str | None, Promise, list[tuple[str, str]]]] = [
        ("member_state", _("Member states (ISO code)"), reference.member_rows()),
        ("target", _("Policy targets (code)"), reference.target_rows()),
        ("goal", _("Operational goals (code)"), reference.goal_rows()),
        ("action", _("Potential actions (code)"), reference.action_rows()),
        (None, _("Status"), [(label, "") for label in reference.status_labels()]),
    ]
    ranges: dict[str, tuple[int, int]] = {}
    for key, heading, rows in blocks:
        sheet.append([])
        sheet.append([safe_cell(str(heading))])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        first = sheet.max_row + 1
        for code, text in rows:
            sheet.append([safe_cell(code), safe_cell(text)])
            sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        if key is not None and rows:
            ranges[key] = (first, sheet.max_row)
    return ranges


# --- What the codes name -------------------------------------------------------------------------


@dataclass
class _Reference:
    """The codes a row may use, each to what it names (read once per file)."""

    members: dict[str, MemberState]
    known_members: dict[str, MemberState]
    targets: dict[str, PolicyTarget]
    goals: dict[str, OperationalGoal]
    actions: dict[str, PotentialAction]
    statuses: dict[str, str]

    @classmethod
    def load(cls) -> "_Reference":
        today = timezone.localdate()
        return cls(
            members={m.iso_code: m for m in selectors.member_states_on(day=today).order_by("iso_code")},
            known_members={m.iso_code: m for m in MemberState.objects.all()},
            targets={t.code.casefold(): t for t in PolicyTarget.objects.order_by("number")},
            goals={g.code.casefold(): g for g in OperationalGoal.objects.select_related("target").order_by("number")},
            actions={a.code.casefold(): a for a in PotentialAction.objects.all()},
            statuses=choice_lookup(Commitment.Status.choices),
        )

    def member_rows(self) -> list[tuple[str, str]]:
        return [(code, member.name) for code, member in self.members.items()]

    def target_rows(self) -> list[tuple[str, str]]:
        return [(t.code, f"{t.number}. {t.wording('title')}") for t in self.targets.values()]

    def goal_rows(self) -> list[tuple[str, str]]:
        return [
            (
                g.code,
                gettext("Policy target %(target)s: %(goal)s") % {"target": g.target.code, "goal": g.wording("text")},
            )
            for g in self.goals.values()
        ]

    def action_rows(self) -> list[tuple[str, str]]:
        return [(a.code, str(a.wording("text"))) for a in self.actions.values()]

    @staticmethod
    def status_labels() -> list[str]:
        return [str(label) for _code, label in Commitment.Status.choices]


# --- Reading an upload into values ----------------------------------------------------------------


@dataclass
class RowPreview:
    """What one row of the file does, once checked."""

    line: int
    values: PledgeValues
    outcome: str = CREATE
    errors: dict[str, str] = field(default_factory=dict)
    member_name: str = ""
    duplicate_of: int | None = None  # an earlier row of the file with the same pledge
    commitment: Commitment | None = None  # unsaved, checked: what "create" creates

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """Each error with the title of its column ("" for the row as a whole), in column order."""
        order = [*KEYS, ROW]
        return [
            (str(TITLES[key]) if key in TITLES else "", self.errors[key])
            for key in sorted(self.errors, key=lambda k: order.index(k) if k in order else len(order))
        ]


@dataclass
class Preview:
    """A file's rows, checked."""

    rows: list[RowPreview]

    @property
    def to_create(self) -> list[RowPreview]:
        return [row for row in self.rows if row.outcome == CREATE]

    @property
    def duplicates(self) -> list[RowPreview]:
        return [row for row in self.rows if row.outcome == DUPLICATE]

    @property
    def with_errors(self) -> list[RowPreview]:
        return [row for row in self.rows if row.outcome == ERROR]

    def kept_values(self) -> list[PledgeValues]:
        """The values of the rows to create, with their line: what is kept until the confirmation."""
        return [{"line": row.line, **row.values} for row in self.to_create]


def read_upload(upload: UploadedFile) -> list[ReadRow]:
    """Each non-empty row of the file: its line, its values, and the cells that could not be read.
    SpreadsheetRefused (or the zip checks' ValidationError) for a file that is not one to read."""
    book = open_workbook(upload)
    try:
        sheet = book.worksheets[0]
        titles = column_titles()
        present = header_keys(sheet, columns=titles)
        missing = [column for column in COLUMNS if column.key not in present]
        if missing:
            raise SpreadsheetRefused(
                gettext(
                    "The first sheet's title row does not have the template's columns (missing: %(columns)s): "
                    "download the template and fill that."
                )
                % {"columns": ", ".join(str(column.title) for column in missing)},
                code="not_the_template",
            )
        rows = []
        for row in rows_of(sheet, columns=titles):
            if row.is_empty():
                continue
            values, errors = _values_of(row.cells)
            rows.append((row.line, values, errors))
        return rows
    finally:
        book.close()


def _values_of(cells: dict[str, CellValue]) -> tuple[PledgeValues, dict[str, str]]:
    values: PledgeValues = {}
    errors: dict[str, str] = {}
    for key in KEYS:
        value = cells.get(key)
        if key in DATE_KEYS:
            day = _date(value)
            if day is _UNREADABLE:
                errors[key] = gettext("Enter a date, or text such as 2025-03-31 (year-month-day).")
                values[key] = _text(value)
            else:
                values[key] = day.isoformat() if isinstance(day, date) else None
        else:
            values[key] = _text(value)
    return values, errors


_UNREADABLE = object()


def _date(value: CellValue) -> object:
    """A date cell's date, or that of ISO text; None when empty; _UNREADABLE otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return _UNREADABLE
    return _UNREADABLE


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Checking the values ------------------------------------------------------------------------


def preview_upload(upload: UploadedFile) -> Preview:
    """The file's rows, read and checked (refusing a file that is not one to read)."""
    return check_rows(read_upload(upload))


def check_values(kept: Iterable[PledgeValues]) -> Preview:
    """Values kept from a preview (`Preview.kept_values`), checked again as they stand now."""
    return check_rows([(int(item["line"]), {key: item.get(key) for key in KEYS}, {}) for item in kept])


def check_rows(rows: list[ReadRow]) -> Preview:
    """Each row's outcome: its codes resolved, the commitment it makes checked by the model's rules,
    and whether it repeats a pledge the member state has, or an earlier row of the file."""
    reference = _Reference.load()
    previews = [_check_row(line, values, dict(errors), reference) for line, values, errors in rows]
    _mark_duplicates(previews)
    return Preview(previews)


def _check_row(line: int, values: PledgeValues, errors: dict[str, str], reference: _Reference) -> RowPreview:
    fields: dict[str, Any] = {}
    code = str(values.get("member_state") or "").upper()
    member = reference.members.get(code)
    if not code:
        errors["member_state"] = gettext("Enter the member state's ISO code, such as FR.")
    elif member is None and code in reference.known_members:
        errors["member_state"] = gettext("%(code)s is not a member of the Alliance today.") % {"code": code}
    elif member is None:
        errors["member_state"] = gettext("“%(code)s” is not the ISO code of a member state (see the instructions).") % {
            "code": values.get("member_state")
        }
    fields["member_state"] = member
    for key, found, unknown in (
        ("target", reference.targets, gettext("“%(code)s” is not the code of a policy target (see the instructions).")),
        ("goal", reference.goals, gettext("“%(code)s” is not the code of an operational goal (see the instructions).")),
        (
            "action",
            reference.actions,
            gettext("“%(code)s” is not the code of a potential action (see the instructions)."),
        ),
    ):
        text = str(values.get(key) or "")
        fields[key] = found.get(text.casefold()) if text else None
        if text and fields[key] is None:
            errors[key] = unknown % {"code": text}
    if not values.get("target") and "target" not in errors:
        errors["target"] = gettext("Enter the policy target's code.")
    status_text = str(values.get("status") or "")
    status = reference.statuses.get(status_text.casefold()) if status_text else Commitment.Status.NOT_STARTED.value
    if status is None:
        errors["status"] = gettext("“%(value)s” is not a status: choose one of %(choices)s.") % {
            "value": status_text,
            "choices": ", ".join(reference.status_labels()),
        }
    fields["status"] = status or Commitment.Status.NOT_STARTED.value
    fields["title"] = str(values.get("title") or "")
    fields["description"] = str(values.get("description") or "")
    for key in DATE_KEYS:
        fields[key] = date.fromisoformat(values[key]) if key not in errors and values.get(key) else None

    commitment = Commitment(**{key: value for key, value in fields.items() if value is not None})
    try:
        commitment.full_clean(exclude=list(errors))
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key if key in TITLES else ROW, " ".join(messages))
    return RowPreview(
        line=line,
        values=values,
        outcome=ERROR if errors else CREATE,
        errors=errors,
        member_name=member.name if member else "",
        commitment=None if errors else commitment,
    )


def _pledge_key(row: RowPreview) -> tuple[str, str] | None:
    """What makes a pledge the same as another: its member state and its title (any case)."""
    if "member_state" in row.errors or not str(row.values.get("title") or "").strip():
        return None
    return str(row.values["member_state"]).upper(), str(row.values["title"]).strip().casefold()


def _mark_duplicates(previews: list[RowPreview]) -> None:
    """A row whose member state has a commitment of that title already, or that repeats an earlier
    row of the file to be created, creates nothing."""
    keys = {key for row in previews if (key := _pledge_key(row)) is not None}
    if not keys:
        return
    wanted = Q()
    for code, title in keys:
        wanted |= Q(member_state__iso_code=code, title__iexact=title)
    existing = {
        (code, title.strip().casefold())
        for code, title in Commitment.objects.filter(wanted).values_list("member_state__iso_code", "title")
    }
    created_by_line: dict[tuple[str, str], int] = {}
    for row in previews:
        key = _pledge_key(row)
        if key is None:
            continue
        if key in existing or (key in created_by_line and row.outcome == CREATE):
            row.outcome = DUPLICATE
            row.duplicate_of = created_by_line.get(key)
            row.commitment = None
            row.errors = {}
        elif row.outcome == CREATE:
            created_by_line[key] = row.line
