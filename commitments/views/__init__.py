"""Pages of the reporting workflow. Each view parses input, calls a service or selector, renders."""

from .public import alliance_overview, member_detail
from .reporting import (
    cycle_start,
    evidence_delete,
    evidence_download,
    evidence_upload,
    home,
    pledge_new,
    submission_detail,
    submission_submit,
    update_save,
)
from .review import (
    completeness,
    review_accept,
    review_comment,
    review_extension,
    review_queue,
    review_return,
    review_submission,
)
from .spreadsheet import fill_in_download, fill_in_preview, fill_in_upload

__all__ = [
    "alliance_overview",
    "completeness",
    "cycle_start",
    "evidence_delete",
    "evidence_download",
    "evidence_upload",
    "fill_in_download",
    "fill_in_preview",
    "fill_in_upload",
    "home",
    "member_detail",
    "pledge_new",
    "review_accept",
    "review_comment",
    "review_extension",
    "review_queue",
    "review_return",
    "review_submission",
    "submission_detail",
    "submission_submit",
    "update_save",
]
