from django.http import FileResponse, Http404

from .models import CompiledReport, ReportFile


def report_file_response(report: CompiledReport, fmt: str, *, inline: bool = False) -> FileResponse:
    """One format of a report (of the report it was answered with), 404 until it is built."""
    built = report.built
    entry = built.files.filter(format=fmt).first() if built.status == CompiledReport.Status.DONE else None
    if entry is None:
        raise Http404("This format is not available for this report.")
    name = f"{built.cycle.name} ({built.edition}).{fmt}"
    response = FileResponse(entry.file.open("rb"), as_attachment=not inline, filename=name)
    response["Content-Type"] = ReportFile.CONTENT_TYPES[fmt]
    response["X-Content-Type-Options"] = "nosniff"
    return response
