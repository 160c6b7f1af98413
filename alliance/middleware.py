"""Keep track of upload file names that Django had to clean.

Django strips directories and other unsafe parts from an uploaded file's name before any code sees
it. That protects the disk, but a name such as `../../etc/report.pdf` is a sign of a crafted
request, which the evidence upload refuses rather than silently renames. This parser notes each
name it had to change in `request.unsafe_upload_names`.
"""

from collections.abc import Callable
from typing import Any

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.http.response import HttpResponseBase


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


_CSP_OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's, building the header once: a response that no view's decorator changes and
    whose request used no nonce (every one of ours) gets the policy of the settings, which django-csp
    would otherwise copy and join again for every response. Anything else goes through django-csp."""

    _built: tuple[str, str] | None = None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _CSP_OVERRIDES):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        built = CSPMiddleware._built
        if built is None:
            built = (build_policy(), build_policy(report_only=True))
            CSPMiddleware._built = built
        for header, value, exempt, setting in (
            (HEADER, built[0], "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, built[1], "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a policy
        # silently without it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@receiver(setting_changed)
def _forget_built_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._built = None
