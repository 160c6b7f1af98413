"""A report filled offline: the spreadsheet a contact downloads, and the reading of it once filled.

The download holds one row per commitment of the member state: what identifies it (locked), its
last accepted values beside it (locked), then this cycle's columns to fill, prefilled with the
draft's values where there are some. Lists for status and confidentiality, number checks for
completion and figures (only on rows whose goal measures them; elsewhere those cells are locked),
an instructions sheet, all in the person's language. Two hidden, locked columns carry what the
upload needs to apply the rules of the editor: the update's version at the download (a row
edited in the browser since is a conflict, never overwritten) and a digest of the row's values
then (a row left as downloaded changes nothing).

The upload is read into a preview (`preview_rows`), one outcome per row, each cell's error named;
`commitments.services.spreadsheet_import_*` keep and apply it.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.formats import long_date
from alliance.spreadsheets import safe_cell
from reports.labels import percent

from . import permissions, selectors
from .diffs import display_label, display_value
from .models import (
    FIGURE_FIELDS,
    UPDATE_FIELDS,
    Commitment,
    Confidentiality,
    ProgressUpdate,
    Submission,
    figure_fields_for,
)
from .spreadsheet_files import (
    CellValue,
    Column,
    SpreadsheetRefused,
    choice_lookup,
    in_every_language,
    list_formula,
    open_workbook,
    rows_of,
)

# The version of this layout, kept in the file: a file of another layout is refused, not misread.
LAYOUT = "alliance-fill-in-1"


COLUMNS = (
    Column("commitment", _("Commitment number"), 12),
    Column("target", _("Policy target"), 28),
    Column("goal", _("Operational goal"), 28),
    Column("title", _("Commitment"), 36),
    Column("accepted_status", _("Status last accepted"), 18),
    Column("accepted_completion", _("Completion last accepted"), 14),
    Column("accepted_narrative", _("Narrative last accepted"), 40),
    Column("status", _("Status"), 18, editable=True),
    Column("completion_percent", _("Completion (%)"), 14, editable=True),
    Column("confidentiality", _("Confidentiality"), 20, editable=True),
    Column("narrative", _("Narrative"), 50, editable=True),
    Column("icse_victims_identified", _("Victims identified in the ICSE database in the period"), 18, editable=True),
    Column("takedown_median_hours", _("Median hours from notice to takedown"), 18, editable=True),
    Column("figures_source", _("Source of the figures"), 30, editable=True),
    Column("version", _("Version at download"), 10, hidden=True),
    Column("digest", _("Check"), 18, hidden=True),
)
EDITABLE = tuple(c.key for c in COLUMNS if c.editable)
SHEET_TITLE = _("Updates")


def cell_errors(errors: dict[str, str]) -> list[tuple[str, str]]:
    """A row's errors, each with the title of its column in the reader's language."""
    titles = {column.key: str(column.title) for column in COLUMNS}
    return [(titles.get(key, ""), message) for key, message in errors.items()]


def column_titles() -> dict[str, str]:
    """Each column's title in every language, to its key."""
    return {title: column.key for column in COLUMNS for title in in_every_language(column.title)}


def _normal(values: dict[str, Any]) -> dict[str, Any]:
    """Values as compared and digested: text stripped, numbers as text of their value."""
    normal: dict[str, Any] = {}
    for key in EDITABLE:
        value = values.get(key)
        if isinstance(value, str):
            value = value.strip()
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            value = format(Decimal(str(value)).normalize(), "f")
        normal[key] = value if value not in ("", None) else None
    return normal


def digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(_normal(values), sort_keys=True).encode()).hexdigest()[:20]


def _current_values(update: ProgressUpdate) -> dict[str, Any]:
    return {key: getattr(update, key) for key in EDITABLE}


# --- The download ------------------------------------------------------------------------------


def fill_in_workbook(*, submission: Submission, viewer: Any) -> bytes:
    """The spreadsheet of a submission's commitments to fill offline, in the active language."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    commitments, updates = selectors.submission_page_data(submission, viewer=viewer)
    accepted = {
        u.commitment_id: u
        for u in selectors.latest_accepted_updates(
            ProgressUpdate.objects.exclude(submission=submission),
            Commitment.objects.filter(pk__in=[c.pk for c in commitments]),
        )
    }
    book = Workbook()
    sheet = book.active
    sheet.title = str(SHEET_TITLE)[:31]
    sheet.append([str(column.title) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "E2"
    grey = PatternFill("solid", fgColor="EEEEEE")
    status_labels = [str(label) for _code, label in Commitment.Status.choices]
    confidentiality_labels = [str(label) for _code, label in Confidentiality.choices]
    status_list = DataValidation(type="list", formula1=list_formula(status_labels), allow_blank=False)
    confidentiality_list = DataValidation(type="list", formula1=list_formula(confidentiality_labels))
    completion_check = DataValidation(type="whole", operator="between", formula1="0", formula2="100")
    victims_check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    hours_check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    for check, message in (
        (status_list, gettext("Choose a status from the list.")),
        (confidentiality_list, gettext("Choose who may read the update, from the list.")),
        (completion_check, gettext("A whole number from 0 to 100.")),
        (victims_check, gettext("A whole number, 0 or more.")),
        (hours_check, gettext("A number of hours, 0 or more.")),
    ):
        check.error = message
        check.showErrorMessage = True
        sheet.add_data_validation(check)
    keys = [column.key for column in COLUMNS]
    for line, commitment in enumerate(commitments, start=2):
        update = updates.get(commitment.pk)
        # A commitment without an update yet is downloaded with the update's defaults (the model's).
        shown = update or ProgressUpdate(commitment=commitment, version=0)
        last = accepted.get(commitment.pk)
        current = _current_values(shown)
        measured = set(figure_fields_for(commitment.goal.code if commitment.goal else None))
        row = {
            "commitment": commitment.pk,
            "target": f"{commitment.target.number}. {commitment.target.wording('title')}",
            "goal": f"{commitment.goal.number}. {commitment.goal.wording('text')}" if commitment.goal else "",
            "title": commitment.title,
            "accepted_status": last.get_status_display() if last else "",
            "accepted_completion": percent(last.completion_percent) if last else "",
            "accepted_narrative": last.narrative if last else "",
            "status": shown.get_status_display(),
            "completion_percent": current["completion_percent"],
            "confidentiality": shown.get_confidentiality_display(),
            "narrative": current["narrative"] or "",
            "icse_victims_identified": current["icse_victims_identified"],
            "takedown_median_hours": float(current["takedown_median_hours"])
            if current["takedown_median_hours"] is not None
            else None,
            "figures_source": current["figures_source"] or "",
            "version": shown.version,
            "digest": digest(current),
        }
        sheet.append([safe_cell(row[key]) for key in keys])
        editable = permissions.can_edit_update(viewer, submission, update)
        for column, cell in zip(COLUMNS, sheet[line], strict=True):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            open_cell = editable and column.editable and _fillable(column.key, measured)
            cell.protection = Protection(locked=not open_cell)
            if not open_cell:
                cell.fill = grey
        coordinates = {
            column.key: f"{sheet.cell(row=line, column=index).coordinate}"
            for index, column in enumerate(COLUMNS, start=1)
        }
        status_list.add(coordinates["status"])
        confidentiality_list.add(coordinates["confidentiality"])
        completion_check.add(coordinates["completion_percent"])
        if "icse_victims_identified" in measured:
            victims_check.add(coordinates["icse_victims_identified"])
        if "takedown_median_hours" in measured:
            hours_check.add(coordinates["takedown_median_hours"])
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].hidden = column.hidden
    sheet.protection.sheet = True  # only the cells to fill can change
    sheet.protection.formatColumns = False  # columns may still be widened
    _instructions(book, submission)
    _about(book, submission)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fillable(key: str, measured: set[str]) -> bool:
    """Whether a row's cell of this column is to be filled: figures only where the goal measures them."""
    if key == "figures_source":
        return bool(measured)
    return key not in FIGURE_FIELDS or key in measured


ABOUT = "about"


def _about(book: Any, submission: Submission) -> None:
    """A hidden sheet naming what the file is for: the layout and the submission."""
    about = book.create_sheet(ABOUT)
    about.append(["layout", LAYOUT])
    about.append(["submission", submission.pk])
    about.append(["member", submission.member_state.iso_code])
    about.append(["cycle", submission.cycle_id])
    about.sheet_state = "veryHidden"
    about.protection.sheet = True


def _instructions(book: Any, submission: Submission) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(str(_("Instructions"))[:31])
    lines = [
        gettext("%(member)s: %(cycle)s, due %(day)s")
        % {"member": submission.member_state.name, "cycle": submission.cycle.name, "day": long_date(submission.due_on)},
        "",
        gettext("Fill in the white cells of the sheet “%(sheet)s”: one row per commitment.") % {"sheet": SHEET_TITLE},
        gettext("Status and confidentiality: choose from each cell's list."),
        gettext("Completion: a whole number from 0 to 100; a completed commitment is 100."),
        gettext("Figures: only on the rows whose operational goal measures them; the other figure cells are locked."),
        gettext("The grey cells identify each commitment and show its last accepted values; they cannot change."),
        gettext(
            "Upload the file on the report's page. You will see what each row changes, and any error, before "
            "anything is saved; nothing changes until you confirm."
        ),
        gettext(
            "A row edited in the tracker after you downloaded this file is not overwritten: the preview shows it "
            "as a conflict."
        ),
        gettext("Text that starts with = is kept as text: nothing in this file is ever run by the tracker."),
    ]
    for line in lines:
        sheet.append([safe_cell(line)])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    sheet.protection.sheet = True


# --- The upload --------------------------------------------------------------------------------


@dataclass
class RowPreview:
    """What one row of the file does, once checked."""

    line: int
    commitment_id: int | None
    title: str
    outcome: str  # one of OUTCOMES
    errors: dict[str, str] = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "commitment_id": self.commitment_id,
            "title": self.title,
            "outcome": self.outcome,
            "errors": self.errors,
            "changes": self.changes,
            "values": {key: str(value) if isinstance(value, Decimal) else value for key, value in self.values.items()},
            "version": self.version,
            "note": self.note,
        }


APPLY, UNCHANGED, CONFLICT, ERROR = "apply", "unchanged", "conflict", "error"


def stored_values(values: dict[str, Any]) -> dict[str, Any]:
    """A preview's values as kept in JSON, back to the update's types."""
    hours = values.get("takedown_median_hours")
    return {**values, "takedown_median_hours": None if hours is None else Decimal(str(hours))}


def read_rows(upload: UploadedFile, *, submission: Submission) -> list[Any]:
    """The rows of a filled file of this submission (SpreadsheetRefused for any other file)."""
    book = open_workbook(upload)
    try:
        if ABOUT not in book.sheetnames:
            raise SpreadsheetRefused(
                gettext("This is not a file the tracker made: download the report's spreadsheet and fill that one."),
                code="not_ours",
            )
        about = {str(row[0]): row[1] for row in book[ABOUT].iter_rows(max_row=10, values_only=True) if row and row[0]}
        if about.get("layout") != LAYOUT or str(about.get("submission")) != str(submission.pk):
            raise SpreadsheetRefused(
                gettext(
                    "This file was made for another report (or by another version of the tracker): download this "
                    "report's spreadsheet and fill that one."
                ),
                code="other_report",
            )
        sheet = book.worksheets[0]
        return list(rows_of(sheet, columns=column_titles()))
    finally:
        book.close()


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole(value: CellValue, *, key: str, errors: dict[str, str], message: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors[key] = message
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[key] = message
        return None
    if number != number.to_integral_value():
        errors[key] = message
        return None
    return int(number)


def _hours(value: CellValue, *, errors: dict[str, str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        hours = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation:
        errors["takedown_median_hours"] = gettext("Enter a number of hours, such as 36.5.")
        return None
    return hours


@dataclass(frozen=True)
class _Choices:
    """The codes of the lists, from their labels in every language: built once per file."""

    statuses: dict[str, str]
    confidentialities: dict[str, str]


def _parsed(cells: dict[str, CellValue], errors: dict[str, str], choices: _Choices) -> dict[str, Any]:
    """The row's values as the tracker keeps them; a cell that cannot be read gets its error."""
    statuses, confidentialities = choices.statuses, choices.confidentialities
    values: dict[str, Any] = {}
    status = _text(cells.get("status")).strip()
    values["status"] = statuses.get(status.casefold())
    if values["status"] is None:
        errors["status"] = (
            gettext("Choose a status from the list (“%(value)s” is not one).") % {"value": status}
            if status
            else gettext("Choose a status from the list.")
        )
    completion = _whole(
        cells.get("completion_percent"),
        key="completion_percent",
        errors=errors,
        message=gettext("Enter a whole number from 0 to 100."),
    )
    values["completion_percent"] = 0 if completion is None else completion
    confidentiality = _text(cells.get("confidentiality")).strip()
    values["confidentiality"] = confidentialities.get(confidentiality.casefold())
    if values["confidentiality"] is None:
        errors["confidentiality"] = gettext("Choose who may read the update, from the list.")
    values["narrative"] = _text(cells.get("narrative")).strip()
    values["icse_victims_identified"] = _whole(
        cells.get("icse_victims_identified"),
        key="icse_victims_identified",
        errors=errors,
        message=gettext("Enter a whole number, 0 or more."),
    )
    values["takedown_median_hours"] = _hours(cells.get("takedown_median_hours"), errors=errors)
    values["figures_source"] = _text(cells.get("figures_source")).strip()
    return values


def _checked(update: ProgressUpdate, values: dict[str, Any], errors: dict[str, str]) -> None:
    """The update's own rules (the model's, which the service applies too) on the row's values."""
    candidate = ProgressUpdate(
        pk=update.pk,
        submission_id=update.submission_id,
        commitment=update.commitment,
        version=update.version,
        **{key: values[key] for key in UPDATE_FIELDS},
    )
    try:
        candidate.full_clean(exclude=["submission", "commitment", "updated_by"], validate_unique=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key if key in EDITABLE else "commitment", " ".join(messages))


def preview_rows(*, submission: Submission, viewer: Any, rows: list[Any]) -> list[RowPreview]:
    """Each row of the file, checked against the report as it is now."""
    commitments = {
        c.pk: c
        for c in Commitment.objects.filter(member_state_id=submission.member_state_id).select_related("target", "goal")
    }
    updates = {u.commitment_id: u for u in ProgressUpdate.objects.filter(submission=submission)}
    seen: set[int] = set()
    choices = _Choices(choice_lookup(Commitment.Status.choices), choice_lookup(Confidentiality.choices))
    previews: list[RowPreview] = []
    for row in rows:
        if row.is_empty():
            continue
        errors: dict[str, str] = {}
        number = _whole(
            row.cells.get("commitment"),
            key="commitment",
            errors=errors,
            message=gettext("This row has no commitment number the tracker knows."),
        )
        commitment = commitments.get(number) if number is not None else None
        title = _text(row.cells.get("title"))
        if commitment is None:
            if number is not None and Commitment.objects.filter(pk=number).exists():
                message = gettext("Commitment %(number)s belongs to another member state.") % {"number": number}
            else:
                message = gettext("This row has no commitment number the tracker knows.")
            previews.append(RowPreview(row.line, number, title, ERROR, errors={"commitment": message}))
            continue
        title = commitment.title
        if commitment.pk in seen:
            previews.append(
                RowPreview(
                    row.line,
                    commitment.pk,
                    title,
                    ERROR,
                    errors={"commitment": gettext("This commitment is on an earlier row too.")},
                )
            )
            continue
        seen.add(commitment.pk)
        values = _parsed(row.cells, errors, choices)
        update = updates.get(commitment.pk) or ProgressUpdate(submission=submission, commitment=commitment, version=0)
        current = _current_values(update)
        version = _whole(row.cells.get("version"), key="version", errors={}, message="") or 0
        # The update's rules on every cell read (a cell that could not be read is checked as it is now).
        _checked(update, {**values, **{key: current[key] for key in errors if key in current}}, errors)
        if errors:
            previews.append(RowPreview(row.line, commitment.pk, title, ERROR, errors=errors, version=version))
            continue
        changes = [
            (display_label(key), display_value(key, current[key]), display_value(key, values[key]))
            for key in EDITABLE
            if _normal({key: current[key]})[key] != _normal({key: values[key]})[key]
        ]
        if not changes:
            previews.append(RowPreview(row.line, commitment.pk, title, UNCHANGED, version=version))
            continue
        if digest(values) == _text(row.cells.get("digest")).strip():
            # Left as downloaded: whatever changed since was done in the tracker, and stays.
            previews.append(
                RowPreview(
                    row.line, commitment.pk, title, UNCHANGED, version=version, note=gettext("Not edited in the file.")
                )
            )
            continue
        if not permissions.can_edit_update(viewer, submission, updates.get(commitment.pk)):
            previews.append(
                RowPreview(
                    row.line,
                    commitment.pk,
                    title,
                    ERROR,
                    version=version,
                    errors={
                        "commitment": gettext(
                            "This update cannot change now: only the updates the reviewer returned can."
                        )
                    },
                )
            )
            continue
        if version != update.version:
            editor = update.updated_by
            note = gettext(
                "Edited in the tracker after this file was downloaded (%(who)s, %(when)s): not overwritten. "
                "Edit it on the report's page, or download the file again."
            ) % {
                "who": editor.email if editor else gettext("someone"),
                "when": long_date(update.updated_at) if update.updated_at else "—",
            }
            previews.append(
                RowPreview(row.line, commitment.pk, title, CONFLICT, changes=changes, version=version, note=note)
            )
            continue
        previews.append(
            RowPreview(row.line, commitment.pk, title, APPLY, changes=changes, values=values, version=version)
        )
    return previews
