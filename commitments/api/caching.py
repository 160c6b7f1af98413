"""Read answers served from the cache under the data versions, with ETags made of them.

An answer depends on the data its viewer may see (the versions of their scope: the public, a
member's contacts, the secretariat; see commitments.dataversion), the day (statuses are "as of
today"), who asks (their scope), the URL (filters, pages, `as_of`; with the scheme and host, which
its links name) and the format. All of these make up its tag; the tag is the cache key and the
`ETag`. A matching `If-None-Match` is answered 304 before anything is read from the database, and a
cached answer is sent as the bytes rendered the first time."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from rest_framework.request import Request
from rest_framework.response import Response

from commitments import permissions
from commitments.dataversion import known_versions, versions

# Headers a cached answer is sent with again; the rest is added by the middleware. A Sync-Token
# is the one taken with the answer: a later one could pass changes the answer has not.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Vary", "Link", "Sync-Token")


def answer_tag(request: Request, scope: permissions.Scope, version: str) -> str:
    # The language too: labels and messages follow it (Accept-Language, the person's choice).
    parts = [
        version,
        timezone.localdate().isoformat(),
        str(scope),
        translation.get_language(),
        request.build_absolute_uri(),
    ]
    parts.append(str(getattr(request, "accepted_media_type", "")))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


class VersionedAnswers:
    """For read-only viewsets: wrap a read in `self.versioned(request, build)`."""

    _answer_tag: str | None = None
    _answer_key: str | None = None

    def versioned(self, request: Request, build: Callable[[], HttpResponseBase]) -> HttpResponseBase:
        scope = permissions.viewer_scope(permissions.viewer_of(request))
        version = known_versions(scope)
        # While the cache cannot be reached, a tag of this answer alone (versions() is then one of
        # its call): nothing matches it and nothing is cached under it.
        tag = answer_tag(request, scope, versions(scope) if version is None else version)
        self._answer_tag = tag
        etag = f'"{tag}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return HttpResponseNotModified(headers={"ETag": etag})
        if settings.ANSWER_CACHE and version is not None:
            key = f"api-answer:{tag}"
            hit = cache.get(key)
            if hit is not None:
                content, headers = hit
                return HttpResponse(content, headers={**headers, "ETag": etag})
            self._answer_key = key
        return build()

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if self._answer_tag is not None and response.status_code in (200, 304):
            response["ETag"] = f'"{self._answer_tag}"'
            patch_vary_headers(response, ("Accept", "Accept-Language", "Authorization", "Cookie"))
        if self._answer_key is not None and isinstance(response, Response) and response.status_code == 200:
            response.render()
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(self._answer_key, (response.content, headers), settings.ANSWER_CACHE_SECONDS)
        return response
