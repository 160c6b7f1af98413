"""Keep track of upload file names that Django had to clean.

Django strips directories and other unsafe parts from an uploaded file's name before any code sees
it. That protects the disk, but a name such as `../../etc/report.pdf` is a sign of a crafted
request, which the evidence upload refuses rather than silently renames. This parser notes each
name it had to change in `request.unsafe_upload_names`.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser


class NameRecordingMultiPartParser(MultiPartParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unsafe_names: list[str] = []

    def sanitize_file_name(self, file_name: str) -> str | None:
        cleaned = super().sanitize_file_name(file_name)
        if cleaned != file_name:
            self.unsafe_names.append(file_name)
        return cleaned


class UploadFileNameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.unsafe_upload_names = []  # type: ignore[attr-defined]

        def parse_file_upload(meta: Any, post_data: Any) -> Any:
            parser = NameRecordingMultiPartParser(meta, post_data, request.upload_handlers, request.encoding)
            result = parser.parse()
            request.unsafe_upload_names = parser.unsafe_names  # type: ignore[attr-defined]
            return result

        request.parse_file_upload = parse_file_upload  # type: ignore[method-assign,assignment]
        return self.get_response(request)
